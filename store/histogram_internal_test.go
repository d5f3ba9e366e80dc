package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
)

// hourEvents are n events one minute apart from start, newest last, with
// ids id-<from+i>.
func hourEvents(t *testing.T, start time.Time, from, n int) []core.IngestRecord {
	t.Helper()
	var x core.FieldExtractor
	recs := make([]core.IngestRecord, n)
	for i := range n {
		raw := fmt.Appendf(nil, `{"event_id":"id-%d","created_at":%q,"event_type":"login","user":{"user_email":"u%d@example.com"}}`,
			from+i, start.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), (from+i)%7)
		f, err := x.Extract(raw)
		if err != nil {
			t.Fatal(err)
		}
		recs[i] = core.IngestRecord{Fields: f, Raw: raw}
	}
	return recs
}

// cachedTimeColumns counts the decoded time columns in the store's cache.
func cachedTimeColumns(s *Store) int {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	n := 0
	for k := range s.cache.items {
		if k.col == uint32(colTime) {
			n++
		}
	}
	return n
}

// TestHistogramFromHeaders: with no filter, blocks wholly inside one bucket
// are counted from their headers (live rows, replaced rows left out); only
// a block straddling a bucket boundary has its time column read.
func TestHistogramFromHeaders(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir(), BlockRows: 60, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	// Four batches of one hour each: blocks 00:00-00:59, ..., 03:00-03:59.
	for h := range 4 {
		if _, err := s.WriteBatch(ctx, core.Batch{Records: hourEvents(t, start.Add(time.Duration(h)*time.Hour), h*60, 60)}); err != nil {
			t.Fatal(err)
		}
	}
	// One block straddling 04:00: 03:30 .. 04:29 (new ids).
	if _, err := s.WriteBatch(ctx, core.Batch{Records: hourEvents(t, start.Add(3*time.Hour+30*time.Minute), 1000, 60)}); err != nil {
		t.Fatal(err)
	}
	// Replace two events of the first hour by versions in hour 6: the first
	// block keeps 58 live rows.
	upd := hourEvents(t, start.Add(6*time.Hour), 0, 2)
	if _, err := s.WriteBatch(ctx, core.Batch{Records: upd}); err != nil {
		t.Fatal(err)
	}
	// The cache is empty after the writes, except for what dedupe read.
	s.cache = newDecodedCache(s.opts.CacheBytes)

	counts := make([]int64, 8) // hourly buckets from 00:00
	lo, hi := start.UnixNano(), start.Add(8*time.Hour).UnixNano()
	if err := s.Histogram(ctx, compile(t, ""), lo, hi, counts); err != nil {
		t.Fatal(err)
	}
	want := []int64{58, 60, 60, 60 + 30, 30, 0, 2, 0}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("histogram %v, want %v", counts, want)
	}
	if n := cachedTimeColumns(s); n != 1 {
		t.Errorf("histogram read %d time columns, want 1 (the straddling block's)", n)
	}

	// A time window inside the range: blocks wholly inside it and one bucket
	// still come from the header.
	s.cache = newDecodedCache(s.opts.CacheBytes)
	s.results = resultCache{}
	c := compile(t, fmt.Sprintf("created_at.ge(%s),created_at.lt(%s)", start.Add(time.Hour).Format(time.RFC3339), start.Add(3*time.Hour).Format(time.RFC3339)))
	counts = make([]int64, 8)
	if err := s.Histogram(ctx, c, lo, hi, counts); err != nil {
		t.Fatal(err)
	}
	if want := []int64{0, 60, 60, 0, 0, 0, 0, 0}; fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("windowed histogram %v, want %v", counts, want)
	}
	if n := cachedTimeColumns(s); n != 0 {
		t.Errorf("windowed histogram read %d time columns, want 0", n)
	}
}
