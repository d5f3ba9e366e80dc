package store

import (
	"context"
	"github.com/auditdeck/auditdeck/core"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

func countAll(t *testing.T, s *Store) int64 {
	t.Helper()
	n, err := s.Count(context.Background(), compile(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestIDIndexBoundedInMemory: ingest dedupe keeps at most IDMemRows ids
// (plus one batch) in memory, the rest in sorted runs on disk, and still
// finds every stored event: replays are unchanged, updates replace the old
// row (also twice, also after a reopen), and runs merge as they grow.
func TestIDIndexBoundedInMemory(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, BlockRows: 50, IDMemRows: 100, GCInterval: -1}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	write := func(s *Store, from int, at time.Time) (res [3]int) {
		t.Helper()
		r, err := s.WriteBatch(ctx, core.Batch{Records: hourEvents(t, at, from, 50)})
		if err != nil {
			t.Fatal(err)
		}
		if n := s.ids.memRows(); n >= opts.IDMemRows+50 {
			t.Fatalf("%d ids in memory, bound %d", n, opts.IDMemRows)
		}
		return [3]int{r.Inserted, r.Updated, r.Unchanged}
	}
	at := func(from int) time.Time { return start.Add(time.Duration(from) * time.Minute) }
	for from := 0; from < 1000; from += 50 {
		if got := write(s, from, at(from)); got != [3]int{50, 0, 0} {
			t.Fatalf("first write of %d: %v", from, got)
		}
	}
	if n := len(s.ids.runs); n < 2 || n > 5 {
		t.Errorf("%d runs for 1000 ids in runs of 100: not merged as they grow", n)
	}
	for from := 0; from < 1000; from += 50 {
		if got := write(s, from, at(from)); got != [3]int{0, 0, 50} {
			t.Fatalf("replay of %d: %v", from, got)
		}
	}
	// Updates move events 0..99 to another time, twice.
	for round := 1; round <= 2; round++ {
		for from := 0; from < 100; from += 50 {
			if got := write(s, from, at(from).Add(time.Duration(round)*24*time.Hour)); got != [3]int{0, 50, 0} {
				t.Fatalf("update %d of %d: %v", round, from, got)
			}
		}
	}
	if n := countAll(t, s); n != 1000 {
		t.Fatalf("count %d, want 1000", n)
	}
	// What an unfinished run leaves behind is swept at the next load.
	orphan := idRunKey(prefixIDPage, 1<<40, 0)
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(orphan, make([]byte, idEntrySize)) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for from := 0; from < 1000; from += 50 {
		when := at(from)
		if from < 100 {
			when = when.Add(48 * time.Hour)
		}
		if got := write(s, from, when); got != [3]int{0, 0, 50} {
			t.Fatalf("replay of %d after reopen: %v", from, got)
		}
	}
	if got := write(s, 0, at(0)); got != [3]int{0, 50, 0} {
		t.Fatalf("update after reopen: %v", got)
	}
	if got := write(s, 5000, at(0)); got != [3]int{50, 0, 0} {
		t.Fatalf("new ids after reopen: %v", got)
	}
	if n := countAll(t, s); n != 1050 {
		t.Fatalf("count %d, want 1050", n)
	}
	err = s.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get(orphan)
		return err
	})
	if err != badger.ErrKeyNotFound {
		t.Errorf("orphaned run page: %v, want it deleted", err)
	}
}

func TestBlockedBloom(t *testing.T) {
	b := newBlockedBloom(10000)
	for i := range uint64(10000) {
		b.add(i * 0x9E3779B97F4A7C15)
	}
	fp := 0
	for i := range uint64(10000) {
		if !b.has(i * 0x9E3779B97F4A7C15) {
			t.Fatalf("key %d added but not found", i)
		}
		if b.has(i*0x9E3779B97F4A7C15 + 1) {
			fp++
		}
	}
	if fp > 200 {
		t.Errorf("%d false positives in 10000, want about 1%%", fp)
	}
}

// TestIDRunsStopMergingAtTheirBound: runs merge up to maxRunEntries, not
// beyond, and lookups find ids in every one of them.
func TestIDRunsStopMergingAtTheirBound(t *testing.T) {
	defer func(n int) { maxRunEntries = n }(maxRunEntries)
	maxRunEntries = 250
	s, err := Open(Options{Dir: t.TempDir(), BlockRows: 50, IDMemRows: 100, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for from := 0; from < 2000; from += 50 {
		if _, err := s.WriteBatch(ctx, core.Batch{Records: hourEvents(t, start.Add(time.Duration(from)*time.Minute), from, 50)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range s.ids.runs {
		if r.n > maxRunEntries {
			t.Errorf("run %d has %d ids, bound %d", r.id, r.n, maxRunEntries)
		}
	}
	if n := len(s.ids.runs); n < 2000/maxRunEntries {
		t.Errorf("%d runs for 2000 ids", n)
	}
	for from := 0; from < 2000; from += 50 {
		res, err := s.WriteBatch(ctx, core.Batch{Records: hourEvents(t, start.Add(time.Duration(from)*time.Minute), from, 50)})
		if err != nil || res.Unchanged != 50 {
			t.Fatalf("replay of %d: %+v (%v)", from, res, err)
		}
	}
}

// TestIDRunsWaitForDiskSpace: a run is not written, nor are runs merged,
// when the disk lacks room for it (a full disk kills the process through
// Badger's mapped files); the ids stay in memory and go to disk once there
// is room.
func TestIDRunsWaitForDiskSpace(t *testing.T) {
	const reserve = 32 << 20
	free := int64(1 << 40)
	defer func(f func(string) (int64, bool, error)) { diskFree = f }(diskFree)
	diskFree = func(string) (int64, bool, error) { return free, true, nil }
	s, err := Open(Options{Dir: t.TempDir(), BlockRows: 1000, IDMemRows: 100000, MinFreeBytes: reserve, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	next := 0
	write := func(n int) {
		t.Helper()
		for range n {
			if _, err := s.WriteBatch(ctx, core.Batch{Records: hourEvents(t, start.Add(time.Duration(next)*time.Minute), next, 1000)}); err != nil {
				t.Fatal(err)
			}
			next += 1000
		}
	}
	// A batch of 1000 needs about 1.2 MB; a run of 100,000 ids 2 MB; a
	// merge of two such runs 4 MB.
	free = reserve + 3<<20
	write(100)
	if len(s.ids.runs) != 1 {
		t.Fatalf("%d runs, want 1", len(s.ids.runs))
	}
	write(100)
	if len(s.ids.runs) != 2 {
		t.Fatalf("%d runs with no room for a merge, want 2", len(s.ids.runs))
	}
	free = reserve + 1<<20 + 512<<10
	write(110)
	if n := s.ids.memRows(); n < 110000 || len(s.ids.runs) != 2 {
		t.Fatalf("with no room for a run: %d ids in memory, %d runs", n, len(s.ids.runs))
	}
	free = 1 << 40
	write(1)
	if n := s.ids.memRows(); n != 0 || len(s.ids.runs) != 1 {
		t.Fatalf("with room again: %d ids in memory, %d runs, want 0 and 1", n, len(s.ids.runs))
	}
	if n := countAll(t, s); n != int64(next) {
		t.Fatalf("count %d, want %d", n, next)
	}
}
