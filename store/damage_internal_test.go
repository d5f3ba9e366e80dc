package store

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

func fixturePath(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", name)
}

// smallBlockStore writes the fixture as blocks of 64 events and closes it.
func smallBlockStore(t *testing.T, dir string) {
	t.Helper()
	s, err := Open(Options{Dir: dir, BlockRows: 64, ChunkRows: 16, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(fixturePath("activities.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := core.NewEngine(s, s).Ingest(context.Background(), bytes.NewReader(data), core.IngestOptions{BatchSize: 64}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func compile(t *testing.T, dsl string) *query.Compiled {
	t.Helper()
	f, err := query.ParseDSL(dsl)
	if err != nil {
		t.Fatal(err)
	}
	c, err := query.Compile(f, core.ActivitySchema, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// withTimeout fails the test instead of hanging when a call does not return.
func withTimeout(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not return", what)
	}
}

// TestDamagedValueNamesItsBlock flips bytes of one raw chunk in the value
// log: reads of that chunk fail with an error naming the block and chunk,
// the other blocks stay readable, and the store still closes (a failed
// value read used to leak a read lock that hung Close).
func TestDamagedValueNamesItsBlock(t *testing.T) {
	dir := t.TempDir()
	smallBlockStore(t, dir)

	// Reopening starts a new value-log file, so the damaged one below is an
	// older file: Badger cuts the newest file at its first bad entry on open.
	s, err := Open(Options{Dir: dir, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Find the stored bytes of chunk 1 of the oldest block in the value log.
	s, err = Open(Options{Dir: dir, ReadOnly: true, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	snap := s.state.Load()
	if len(snap.blocks) < 3 {
		t.Fatalf("%d blocks, want several", len(snap.blocks))
	}
	victim := snap.blocks[len(snap.blocks)-1].hdr.Seq
	val, err := s.readValue(chunkKey(victim, 1))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	logs, _ := filepath.Glob(filepath.Join(dir, "*.vlog"))
	damaged := false
	for _, p := range logs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if i := bytes.Index(b, val); i >= 0 {
			for j := i + len(val)/3; j < i+len(val)/3+64; j++ {
				b[j] ^= 0x5a
			}
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			damaged = true
		}
	}
	if !damaged {
		t.Fatal("chunk bytes not found in the value log")
	}

	s, err = Open(Options{Dir: dir, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	eng := core.NewEngine(s, s)
	ctx := context.Background()
	want := "block " + strconv.FormatUint(victim, 10) + " chunk 1"
	checkDamaged := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, core.ErrDamaged) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want core.ErrDamaged naming %q", what, err, want)
		}
	}
	// A path with an array index is read from the raw JSON of every row.
	_, err = s.Count(ctx, compile(t, "raw.0.isnull"))
	checkDamaged("count", err)
	_, err = s.Scan(ctx, core.ScanRequest{WithRaw: true}, func(*core.Activity) error { return nil })
	checkDamaged("scan", err)
	_, err = eng.Histogram(ctx, query.Filter{Terms: []query.Term{{Field: "raw.0", Op: query.OpIsNull}}}, 10)
	checkDamaged("histogram", err)

	// Everything else answers: the newest page, counts from columns, and
	// every row of the other blocks.
	page, err := eng.Query(ctx, core.QuerySpec{Limit: 20, WithRaw: true})
	if err != nil || len(page.Items) != 20 {
		t.Fatalf("first page: %d rows, %v", len(page.Items), err)
	}
	if n, err := s.Count(ctx, compile(t, "event_type.eq(login)")); err != nil || n == 0 {
		t.Fatalf("column count: %d, %v", n, err)
	}
	vb := snap.bySeq[victim]
	var lo int64 = vb.hdr.MaxT
	n := 0
	_, err = s.Scan(ctx, core.ScanRequest{Filter: compile(t, "created_at.gt("+time.Unix(0, lo).UTC().Format(time.RFC3339Nano)+")"), WithRaw: true},
		func(a *core.Activity) error { n++; return nil })
	if err != nil || n == 0 {
		t.Fatalf("rows of the other blocks: %d, %v", n, err)
	}
	withTimeout(t, "Close", func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
}

// TestDamagedTableWhileOpen damages the table holding the block keys while
// the store is open (Badger maps it, so reads see the new bytes): a count
// over raw JSON, which reads every block on worker goroutines, returns an
// error instead of panicking in Badger's table iterator and killing the
// process, and the store keeps answering from its in-memory headers.
func TestDamagedTableWhileOpen(t *testing.T) {
	dir := t.TempDir()
	smallBlockStore(t, dir)
	s, err := Open(Options{Dir: dir, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(tables) != 1 {
		t.Fatalf("tables %v, want one", tables)
	}
	b, err := os.ReadFile(tables[0])
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := len(b) / 10; i < len(b)/10+512; i++ {
		b[i] = byte(rng.Uint32())
	}
	f, err := os.OpenFile(tables[0], os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(b[len(b)/10:len(b)/10+512], int64(len(b)/10)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx := context.Background()
	// A path with an array index is read from the raw JSON of every row,
	// and a negated text search reads every field column.
	_, err = s.Count(ctx, compile(t, "raw.0.isnull,!zzzzqq"))
	if !errors.Is(err, core.ErrDamaged) || !strings.Contains(err.Error(), "block ") {
		t.Fatalf("count over a damaged table: %v, want core.ErrDamaged naming a block", err)
	}
	if n, err := s.Count(ctx, compile(t, "created_at.ge(2000-01-01)")); err != nil || n != 306 {
		t.Fatalf("count from headers: %d, %v", n, err)
	}
	// Reopening refuses the damaged table by name, before Badger writes.
	s.Close()
	if _, err := Open(Options{Dir: dir}); !errors.Is(err, core.ErrDamaged) || !strings.Contains(err.Error(), filepath.Base(tables[0])) {
		t.Fatalf("reopen: %v, want core.ErrDamaged naming %s", err, filepath.Base(tables[0]))
	}
}

// TestDamagedNewestLogRefused: Badger cuts the newest value-log file at its
// first entry that fails its checksum, as after a crash, and so dropped
// every event written after a damaged entry. A read-write open now refuses
// such a file and changes nothing; a torn tail as a crash leaves it (part
// of one entry, then zeros) still opens.
func TestDamagedNewestLogRefused(t *testing.T) {
	dir := t.TempDir()
	smallBlockStore(t, dir)
	logs, _ := filepath.Glob(filepath.Join(dir, "*.vlog"))
	if len(logs) != 1 {
		t.Fatalf("value logs %v, want one", logs)
	}
	good, err := os.ReadFile(logs[0])
	if err != nil {
		t.Fatal(err)
	}

	// A crash in the middle of a write: half an entry, then zeros.
	torn := append(bytes.Clone(good), good[vlogHeaderSize:vlogHeaderSize+40]...)
	torn = append(torn, make([]byte, 4096)...)
	if err := os.WriteFile(logs[0], torn, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(Options{Dir: dir, GCInterval: -1})
	if err != nil {
		t.Fatalf("open after a torn write: %v", err)
	}
	if n, err := s.Count(context.Background(), compile(t, "raw.contains(login)")); err != nil || n == 0 {
		t.Fatalf("count after a torn write: %d %v", n, err)
	}
	s.Close()

	// Damage in the middle of the newest file.
	dir = t.TempDir()
	smallBlockStore(t, dir)
	logs, _ = filepath.Glob(filepath.Join(dir, "*.vlog"))
	b, err := os.ReadFile(logs[0])
	if err != nil {
		t.Fatal(err)
	}
	// Several places, so that the count below reads a damaged raw chunk
	// whatever other records (field paths, objects) sit in the file.
	for _, at := range []int{len(b) / 3, len(b) / 2, len(b) * 2 / 3} {
		for i := at; i < at+64; i++ {
			b[i] ^= 0x5a
		}
	}
	if err := os.WriteFile(logs[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	before := map[string][]byte{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		before[e.Name()], _ = os.ReadFile(filepath.Join(dir, e.Name()))
	}
	_, err = Open(Options{Dir: dir})
	if !errors.Is(err, core.ErrDamaged) || !strings.Contains(err.Error(), "value log "+filepath.Base(logs[0])) || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("open with a damaged newest value log: %v", err)
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != len(before) {
		t.Fatalf("files: %d before, %d after", len(before), len(entries))
	}
	for _, e := range entries {
		if now, _ := os.ReadFile(filepath.Join(dir, e.Name())); !bytes.Equal(now, before[e.Name()]) {
			t.Errorf("%s changed", e.Name())
		}
	}
	// Read-only opens cut nothing: what is intact stays readable.
	s, err = Open(Options{Dir: dir, ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open: %v", err)
	}
	defer s.Close()
	if _, err := s.Count(context.Background(), compile(t, "raw.0.isnull,!zzzqqq")); !errors.Is(err, core.ErrDamaged) {
		t.Fatalf("read-only count over the damaged entry: %v", err)
	}
}

// TestDamagedObjectTableWhileOpen: the objects (tasks, reports,
// subscriptions) are read by the scheduler and the task sweeper, outside
// any request: a damaged table block under them fails the read with
// core.ErrDamaged naming what was read, instead of a panic that ends the
// daemon; a panic of the caller's own callback is not taken for damage.
func TestDamagedObjectTableWhileOpen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 2000 {
		if err := s.PutObject(ctx, "subscription", "sub-"+strconv.Itoa(10000+i), []byte(`{"owner":"`+strings.Repeat("y", 100)+`"}`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(Options{Dir: dir, GCInterval: -1}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// The caller's panic passes through as it is.
	func() {
		defer func() {
			if v := recover(); v != "caller" {
				t.Errorf("caller's panic: %v", v)
			}
		}()
		_ = s.ListObjects(ctx, "subscription", func(string, []byte) error { panic("caller") })
	}()

	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(tables) != 1 {
		t.Fatalf("tables %v, want one", tables)
	}
	st, err := os.Stat(tables[0])
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(tables[0], os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	junk := make([]byte, 256)
	for off := int64(64); off < st.Size()*8/10; off += 4096 {
		for i := range junk {
			junk[i] = byte(rng.Uint32())
		}
		if _, err := f.WriteAt(junk, off); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()

	withTimeout(t, "ListObjects", func() {
		err = s.ListObjects(ctx, "subscription", func(string, []byte) error { return nil })
	})
	if !errors.Is(err, core.ErrDamaged) || !strings.Contains(err.Error(), "list objects") {
		t.Fatalf("list over a damaged table: %v, want core.ErrDamaged", err)
	}
	withTimeout(t, "GetObject", func() {
		for i := range 2000 {
			if _, err = s.GetObject(ctx, "subscription", "sub-"+strconv.Itoa(10000+i)); errors.Is(err, core.ErrDamaged) {
				return
			}
		}
	})
	if !errors.Is(err, core.ErrDamaged) || !strings.Contains(err.Error(), `object "subscription`) {
		t.Fatalf("get over a damaged table: %v, want core.ErrDamaged naming the object", err)
	}
}

// TestDamagedFieldPathsWhileOpen: the field catalog, read by every
// filter's compile and warnings (the CLI's query, the API, the dashboard), fails with
// core.ErrDamaged when its table block is damaged, instead of a panic.
func TestDamagedFieldPathsWhileOpen(t *testing.T) {
	// Whether the key's table block was already read (and so sits in
	// Badger's block cache) while the store opened depends on where block
	// boundaries fall; a few fresh stores make it all but certain that one
	// read meets the damage.
	var err error
	for range 4 {
		if err = damagedFieldPathsRead(t); err != nil {
			break
		}
	}
	if !errors.Is(err, core.ErrDamaged) || !strings.Contains(err.Error(), "field catalog") {
		t.Fatalf("field catalog over a damaged table: %v, want core.ErrDamaged", err)
	}
}

// damagedFieldPathsRead damages the only table of a fresh store while it
// is open and reads the field catalog.
func damagedFieldPathsRead(t *testing.T) (err error) {
	t.Helper()
	dir := t.TempDir()
	smallBlockStore(t, dir)
	s, err := Open(Options{Dir: dir, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(tables) != 1 {
		t.Fatalf("tables %v, want one", tables)
	}
	st, err := os.Stat(tables[0])
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(tables[0], os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	junk := make([]byte, 256)
	// The whole table but its index at the end (already in memory).
	for off := int64(64); off < st.Size()*95/100; off += 1024 {
		for i := range junk {
			junk[i] = byte(rng.Uint32())
		}
		if _, err := f.WriteAt(junk, off); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	withTimeout(t, "Fields", func() { _, err = s.Fields(context.Background()) })
	return err
}
