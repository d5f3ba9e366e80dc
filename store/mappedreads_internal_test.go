//go:build linux

package store

import (
	"context"
	"encoding/hex"
	"github.com/auditdeck/auditdeck/core"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// TestScatteredReadsReleaseMappings: a query reading a little of many blocks
// spread over many value-log files has the files unmapped as it goes, so
// their pages do not pile up in RSS. (What stays resident after a read
// depends on the kernel's page cache, which maps whole large folios: the
// calls are counted, not the pages.)
func TestScatteredReadsReleaseMappings(t *testing.T) {
	defer func(n uint64, f func(string)) { mappedReadsPerRelease, releaseMapped = n, f }(mappedReadsPerRelease, releaseMapped)
	mappedReadsPerRelease = 16
	var releases atomic.Int64
	releaseMapped = func(dir string) { releases.Add(1); releaseMappedPages(dir) }
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
		if _, err := s.WriteBatch(ctx, core.Batch{Records: recs}); err != nil {
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
	// 800 filters and 800 chunks read: one release every 16 reads.
	if n := releases.Load(); n < 1600/16 {
		t.Errorf("%d releases of the mapped value log over 1,600 reads, want one every 16", n)
	}
}
