//go:build linux

package store

import (
	"bufio"
	"context"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// mappedLogKB sums this process's resident pages of the store's value-log
// files, the newest (being written) left out as releaseMappedPages does.
func mappedLogKB(t *testing.T, dir string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip("no /proc/self/smaps")
	}
	defer f.Close()
	abs, _ := filepath.Abs(dir)
	perFile := map[string]int{}
	cur := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 6 && strings.Contains(fields[0], "-"):
			cur = ""
			if strings.HasSuffix(fields[5], ".vlog") && filepath.Dir(fields[5]) == abs {
				cur = filepath.Base(fields[5])
			}
		case cur != "" && len(fields) >= 2 && fields[0] == "Rss:":
			kb, _ := strconv.Atoi(fields[1])
			perFile[cur] += kb
		}
	}
	newest, total := "", 0
	for name := range perFile {
		newest = max(newest, name)
	}
	for name, kb := range perFile {
		if name != newest {
			total += kb
		}
	}
	return total
}

// TestScatteredReadsReleaseMappings: a query reading a little of many blocks
// spread over many value-log files does not keep those files' pages in RSS.
func TestScatteredReadsReleaseMappings(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, BlockRows: 20, ChunkRows: 4, GCInterval: -1,
		Tune: func(o *badger.Options) { o.ValueLogFileSize = 1 << 20 }}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 800 {
		recs := hourEvents(t, start.Add(time.Duration(i)*time.Hour), i*20, 20)
		for j := range recs {
			pad := make([]byte, 450) // incompressible, as stored chunks are compressed
			for k := range pad {
				pad[k] = byte(rng.Uint32())
			}
			recs[j].Raw = append(recs[j].Raw[:len(recs[j].Raw)-1], `,"pad":"`+hex.EncodeToString(pad)+`"}`...)
		}
		if _, err := s.WriteBatch(ctx, recs); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Every block's user filter is read (the user is in none of them), then
	// each event's raw chunk.
	if n, err := s.Count(ctx, compile(t, "user.user_email.eq(nobody@example.com)")); err != nil || n != 0 {
		t.Fatalf("count %d (%v)", n, err)
	}
	ids := make([]string, 0, 800)
	for i := range 800 {
		ids = append(ids, "id-"+strconv.Itoa(i*20+7))
	}
	got, err := s.Get(ctx, ids, true)
	if err != nil || len(got) != len(ids) {
		t.Fatalf("get: %d of %d (%v)", len(got), len(ids), err)
	}
	// 256 reads of about 4 KB each fault in up to a few MB; the 800 blocks'
	// filters and chunks are spread over about 20 MB of value log.
	if kb := mappedLogKB(t, dir); kb > 8<<10 {
		t.Errorf("%d KB of sealed value-log files stay mapped after the reads", kb)
	}
}
