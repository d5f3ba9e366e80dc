package main_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func snapshotDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func unchangedDir(t *testing.T, dir string, before map[string][]byte) {
	t.Helper()
	after := snapshotDir(t, dir)
	if len(after) != len(before) {
		t.Errorf("files before %d, after %d", len(before), len(after))
	}
	for name, b := range before {
		if !bytes.Equal(after[name], b) {
			t.Errorf("%s changed", name)
		}
	}
}

// TestDamagedManifestCLI: the CLI and serve refuse a store without its
// MANIFEST in one line and write nothing (they opened it as empty and
// replaced its table).
func TestDamagedManifestCLI(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	if r := run(t, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	if err := os.Remove(filepath.Join(data, "MANIFEST")); err != nil {
		t.Fatal(err)
	}
	before := snapshotDir(t, data)
	for _, args := range [][]string{
		{"query", "--data", data, "--count"},
		{"ingest", "--data", data, fixture(t, "activities.ndjson")},
		{"serve", "--data", data, "--http", "127.0.0.1:0", "--ssh", "off"},
	} {
		r := run(t, nil, args...)
		want := "auditdeck: open store " + data + ": refusing to open a store whose MANIFEST is missing or damaged: no MANIFEST beside 1 table"
		if r.code == 0 || !strings.HasPrefix(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("%s: code %d stdout %q stderr %q, want one line starting %q", args[0], r.code, r.stdout, r.stderr, want)
		}
	}
	unchangedDir(t, data, before)
}

// genStore generates n events and ingests them into data with a separate
// process, so the daemon started later reads them from Badger's tables.
func genStore(t *testing.T, dir, data string, n int) {
	t.Helper()
	input := filepath.Join(dir, "events.ndjson")
	if r := run(t, nil, "gen", "--events", strconv.Itoa(n), "--seed", "7", "--end", "2026-11-01T00:00:00Z", "--out", input); r.code != 0 {
		t.Fatalf("gen: %+v", r)
	}
	if r := run(t, nil, "ingest", "--data", data, input); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
}

func httpGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDamagedTableWhileServing damages Badger's table under a running
// daemon. A count over raw JSON reads every block on worker goroutines;
// it panicked in Badger's table iterator there and took the daemon down.
// Now the query fails with the damaged block named, over the relay and
// over HTTP, and the daemon answers everything else and drains on SIGTERM.
func TestDamagedTableWhileServing(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "store")
	genStore(t, dir, data, 20000)
	users := filepath.Join(dir, "users.yaml")
	if err := os.WriteFile(users, []byte("users:\n  - name: alice\n    role: viewer\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, data, "--users", users, "--http", "127.0.0.1:0", "--ssh", "off", "--drain", "3s")
	addr := srv.waitLog(t, httpLine, 10*time.Second)[1]
	r := runIn(t, dir, nil, "token", "create", "--data", data, "--user", "alice")
	token := strings.TrimSpace(r.stdout[strings.LastIndex(strings.TrimSpace(r.stdout), "\n")+1:])
	if r.code != 0 || token == "" {
		t.Fatalf("token: %+v", r)
	}

	tables, _ := filepath.Glob(filepath.Join(data, "*.sst"))
	if len(tables) == 0 {
		t.Fatal("no table")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	junk := make([]byte, 512)
	for i := range junk {
		junk[i] = byte(rng.Uint32())
	}
	// Several places in every table, so that the reads below meet damage
	// whatever keys sit where.
	for _, table := range tables {
		f, err := os.OpenFile(table, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		info, _ := f.Stat()
		for tenth := int64(1); tenth <= 8; tenth++ {
			if _, err := f.WriteAt(junk, info.Size()*tenth/10); err != nil {
				t.Fatal(err)
			}
		}
		f.Close()
	}

	// A bare word no event holds reads every field column of every block;
	// what failed to read is not cached, so the second read meets it again.
	code, body := httpGet(t, "http://"+addr+"/activities?filter=zzzqqq&limit=5", token)
	if code != 500 || !strings.Contains(body, "damaged data in the store") {
		t.Fatalf("GET over the damaged table: %d %s", code, body)
	}
	r = runIn(t, dir, nil, "query", "--data", data, "--filter", "zzzqqq", "--count")
	if r.code == 0 || !strings.Contains(r.stderr, "damaged data in the store") || !strings.Contains(r.stderr, "block ") {
		t.Fatalf("relayed count over the damaged table: %+v\n%s", r, srv.logged())
	}
	// Still serving: counts the headers answer, the API document, another command.
	if r := runIn(t, dir, nil, "query", "--data", data, "--count"); r.code != 0 || strings.TrimSpace(r.stdout) != "20000" {
		t.Fatalf("count after the damage: %+v", r)
	}
	if code, body := httpGet(t, "http://"+addr+"/openapi.json", ""); code != 200 {
		t.Fatalf("openapi after the damage: %d %s", code, body)
	}
	if c := srv.stop(t, syscall.SIGTERM, 10*time.Second); c != 0 {
		t.Fatalf("serve exit %d:\n%s", c, srv.logged())
	}
	if !strings.Contains(srv.logged(), "damaged") {
		t.Fatalf("the damage is not in the log:\n%s", srv.logged())
	}
}

// TestServeExitsWhenDataDirGone: with the data directory removed under it,
// Badger retries flushing its memtable forever and Close never returned, so
// serve ignored SIGTERM. Now it ends within --drain with a non-zero exit
// and says why.
func TestServeExitsWhenDataDirGone(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "store")
	srv := startServe(t, data, "--http", "off", "--ssh", "off", "--drain", "2s")
	if r := runIn(t, dir, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	if err := os.RemoveAll(data); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code := srv.stop(t, syscall.SIGTERM, 10*time.Second)
	if took := time.Since(start); code == 0 || took > 4*time.Second {
		t.Fatalf("exit %d after %s:\n%s", code, took, srv.logged())
	}
	if !strings.Contains(srv.logged(), "auditdeck: the store did not close within the drain (data directory "+data+" is gone)") {
		t.Fatalf("no reason given:\n%s", srv.logged())
	}
}
