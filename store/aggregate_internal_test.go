package store

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/core"
)

// TestAggregateWithoutFieldColumns: a block written without field columns
// (a block not yet migrated, or one with too many paths) is aggregated
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
	for _, mode := range []string{"no field columns", "too many paths"} {
		for _, b := range blocks {
			b.hdr.FieldCols, b.hdr.FieldOverflow = mode == "too many paths", mode == "too many paths"
		}
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
				t.Errorf("%s: %v from raw JSON:\n got  %+v\n want %+v", mode, req.By, got, want[i])
			}
		}
	}
	for _, b := range blocks {
		b.hdr.FieldCols, b.hdr.FieldOverflow = true, false
	}
}

// TestAggregateOverflowBlock: a block with more paths than it writes
// columns for keeps none; its rows are grouped from the raw JSON.
func TestAggregateOverflowBlock(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir(), GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var doc strings.Builder
	doc.WriteString(`{"event_id":"wide","created_at":"2026-10-01T00:00:00Z","grp":"a","n":[1,2]`)
	for i := range maxBlockFieldColumns + 10 {
		fmt.Fprintf(&doc, `,"k%d":%d`, i, i)
	}
	doc.WriteString("}\n")
	doc.WriteString(`{"event_id":"narrow","created_at":"2026-10-01T00:00:01Z","grp":"b","n":3}` + "\n")
	if _, err := core.NewEngine(s, s).Ingest(context.Background(), strings.NewReader(doc.String()), core.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	overflow := false
	for _, b := range s.state.Load().blocks {
		overflow = overflow || b.hdr.FieldOverflow
	}
	if !overflow {
		t.Fatal("no block overflowed: the test tests nothing")
	}
	res, err := s.Aggregate(context.Background(), core.AggregateRequest{By: []core.GroupBy{{Field: "grp"}}, Metrics: []core.AggMetric{{Op: core.StatSum, Field: "n"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(res.Groups); got != "[{[{false 1 a}] 1 [{3 false false 0}]} {[{false 1 b}] 1 [{3 false false 0}]}]" {
		t.Errorf("groups of an overflowed block: %s", got)
	}
}
