package store

import (
	"context"
	"math"
	"reflect"
	"testing"

	"github.com/auditdeck/auditdeck/core"
)

// TestAggregateWithoutFieldColumns: a block written without field columns
// (a row that did not parse, or a block not yet migrated) is aggregated
// from its raw JSON, to the same answer as from the columns.
func TestAggregateWithoutFieldColumns(t *testing.T) {
	dir := t.TempDir()
	smallBlockStore(t, dir)
	s, err := Open(Options{Dir: dir, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var reqs []core.AggregateRequest
	for _, c := range []struct{ filter, stats string }{
		{"", "count(), distinct(raw.events.type), sum(client_location.lat) by raw.events.name"},
		{"event_type.eq(login)", "count(), avg(raw.RecordType) by operation_successful, vendor.name"},
		{"", "count(), min(client_location.lng), max(client_location.lng) by extra.auth.is_suspicious, time(1d)"},
		{"!operation_successful", "count(), distinct(user.user_email) by client_location.country.code"},
	} {
		m, by, err := core.ParseStats(c.stats)
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, core.AggregateRequest{Filter: compile(t, c.filter), By: by, Metrics: m})
	}
	var want []core.AggregateResult
	for _, req := range reqs {
		res, err := s.Aggregate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Groups) < 2 {
			t.Fatalf("%v: %d groups: the case tests little", req.By, len(res.Groups))
		}
		want = append(want, res)
	}
	blocks := s.state.Load().blocks
	for _, b := range blocks {
		b.hdr.FieldCols = false
	}
	defer func() {
		for _, b := range blocks {
			b.hdr.FieldCols = true
		}
	}()
	for i, req := range reqs {
		got, err := s.Aggregate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		// Sums merge in the order blocks finish: equal up to rounding.
		for _, res := range []*core.AggregateResult{&got, &want[i]} {
			for gi := range res.Groups {
				for si := range res.Groups[gi].Stats {
					st := &res.Groups[gi].Stats[si]
					st.Value = math.Round(st.Value*1e6) / 1e6
				}
			}
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("%v from raw JSON:\n got  %+v\n want %+v", req.By, got, want[i])
		}
	}
}
