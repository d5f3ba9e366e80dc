package store

import (
	"context"
	"github.com/auditdeck/auditdeck/core"
	"testing"
	"time"
)

// TestBloomCacheBounded: block filters are not kept by the headers (not
// after a write, not after a query); a query probing more blocks than the
// filter cache holds keeps it under its bound and still prunes right.
func TestBloomCacheBounded(t *testing.T) {
	const limit = 3000 // about ten blocks' filters of 50 events
	s, err := Open(Options{Dir: t.TempDir(), BlockRows: 50, BloomCacheBytes: limit, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for i := range 40 {
		if _, err := s.WriteBatch(ctx, core.Batch{Records: hourEvents(t, start.Add(time.Duration(i)*time.Hour), i*50, 50)}); err != nil {
			t.Fatal(err)
		}
	}
	heldByHeaders := func() int {
		n := 0
		for _, b := range s.state.Load().blocks {
			for _, lb := range []*lazyBloom{b.hdr.userBloom, b.hdr.ipBloom, b.hdr.idBloom} {
				if lb.bf != nil {
					n++
				}
			}
		}
		return n
	}
	if n := heldByHeaders(); n != 0 {
		t.Errorf("after ingest, headers hold %d decoded filters", n)
	}
	if n := len(s.state.Load().blocks); n != 40 {
		t.Fatalf("%d blocks, want 40", n)
	}
	for _, tc := range []struct {
		dsl  string
		want int64
	}{
		{"user.user_email.eq(nobody@example.com)", 0},
		{"user.user_email.eq(u3@example.com)", 286}, // ids 3, 10, ... 1998
	} {
		if n, err := s.Count(ctx, compile(t, tc.dsl)); err != nil || n != tc.want {
			t.Errorf("%s: count %d (%v), want %d", tc.dsl, n, err, tc.want)
		}
	}
	got, err := s.Get(ctx, []string{"id-7", "id-1999"}, false)
	if err != nil || len(got) != 2 {
		t.Fatalf("get by id: %d rows (%v)", len(got), err)
	}
	s.blooms.mu.Lock()
	size, items := s.blooms.size, len(s.blooms.items)
	s.blooms.mu.Unlock()
	if size > limit || items == 0 || items >= 40 {
		t.Errorf("filter cache: %d bytes in %d blocks, want at most %d bytes and fewer than the 40 blocks probed", size, items, limit)
	}
	if n := heldByHeaders(); n != 0 {
		t.Errorf("after queries, headers hold %d decoded filters", n)
	}
}
