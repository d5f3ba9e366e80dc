package store

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// BenchmarkAggregateCold: top users by failed logins on a store in
// AUDITDECK_AGG_DIR with the decoded-column cache emptied before each
// run, as a fresh process sees it.
func BenchmarkAggregateCold(b *testing.B) {
	s := openBenchStore(b)
	f, _ := query.ParseDSL("event_type.eq(login),operation_successful.eq(false)")
	c, err := query.Compile(f, core.ActivitySchema, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	req := core.AggregateRequest{Filter: c, By: []core.GroupBy{{Field: "user.user_email"}}, Top: 10}
	cpu := startCPU()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s.cache = newDecodedCache(s.cache.limit)
		b.StartTimer()
		if _, err := s.Aggregate(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// BenchmarkAggregateEventIDs: every event its own group, far past the
// exact table (the heavy-hitters path), on the store in AUDITDECK_AGG_DIR.
func BenchmarkAggregateEventIDs(b *testing.B) {
	s := openBenchStore(b)
	req := core.AggregateRequest{By: []core.GroupBy{{Field: "event_id"}}, Top: 10}
	for i := 0; i < b.N; i++ {
		res, err := s.Aggregate(context.Background(), req)
		if err != nil || !res.Approximate {
			b.Fatalf("%v, approximate %v", err, res.Approximate)
		}
	}
}

// BenchmarkAggregateWarm: the same top 10 on the store in
// AUDITDECK_AGG_DIR with the decoded columns cached by the runs before, as
// the dashboard asks it again and again.
func BenchmarkAggregateWarm(b *testing.B) {
	s := openBenchStore(b)
	f, _ := query.ParseDSL("event_type.eq(login),operation_successful.eq(false)")
	c, err := query.Compile(f, core.ActivitySchema, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	req := core.AggregateRequest{Filter: c, By: []core.GroupBy{{Field: "user.user_email"}}, Top: 10}
	if _, err := s.Aggregate(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu := startCPU()
	for i := 0; i < b.N; i++ {
		if _, err := s.Aggregate(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// BenchmarkAggregateFieldColumn: the top 10 of a field column (not a typed
// column: AUDITDECK_AGG_FIELD, raw.actor.email unless set) over the store in
// AUDITDECK_AGG_DIR, as the fields panel asks it.
func BenchmarkAggregateFieldColumn(b *testing.B) {
	field := os.Getenv("AUDITDECK_AGG_FIELD")
	if field == "" {
		field = "raw.actor.email"
	}
	s := openBenchStore(b)
	req := core.AggregateRequest{By: []core.GroupBy{{Field: field}}, Top: 10}
	cpu := startCPU()
	for i := 0; i < b.N; i++ {
		if _, err := s.Aggregate(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// BenchmarkSortedPage: the first page of 50 events sorted by a field
// (AUDITDECK_SORT_FIELD, user.user_email unless set) over the store in
// AUDITDECK_AGG_DIR, as the dashboard's column sort reads it.
func BenchmarkSortedPage(b *testing.B) {
	field := os.Getenv("AUDITDECK_SORT_FIELD")
	if field == "" {
		field = "user.user_email"
	}
	s := openBenchStore(b)
	req := core.ScanRequest{Order: query.Order{{Field: field}}, Limit: 50}
	cpu := startCPU()
	for i := 0; i < b.N; i++ {
		n := 0
		if _, err := s.Scan(context.Background(), req, func(*core.Activity) error { n++; return nil }); err != nil || n != 50 {
			b.Fatalf("%d rows: %v", n, err)
		}
	}
	cpu.report(b)
}

// openBenchStore opens the store in AUDITDECK_AGG_DIR for a benchmark,
// which it skips when the variable is not set; closed when b ends.
func openBenchStore(b *testing.B) *Store {
	b.Helper()
	dir := os.Getenv("AUDITDECK_AGG_DIR")
	if dir == "" {
		b.Skip("AUDITDECK_AGG_DIR not set")
	}
	s, err := Open(Options{Dir: dir, GCInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}
