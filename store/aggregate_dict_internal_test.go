package store

import (
	"context"
	"testing"

	"github.com/auditdeck/auditdeck/core"
)

// TestCountByDictMatchesGeneralPath: count() by a dictionary column
// (countByDict) gives the groups and counts the general path gives for the
// same grouping with one more metric (which takes the general path), both
// with the column decoded here and with it already in the decoded cache.
func TestCountByDictMatchesGeneralPath(t *testing.T) {
	t.Run("worker totals kept", func(t *testing.T) { countByDictMatches(t) })
	t.Run("worker totals flushed at 2", func(t *testing.T) {
		defer func(n int) { maxWorkerTotals = n }(maxWorkerTotals)
		maxWorkerTotals = 2
		countByDictMatches(t)
	})
}

func countByDictMatches(t *testing.T) {
	dir := t.TempDir()
	smallBlockStore(t, dir)
	s, err := Open(Options{Dir: dir, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for _, c := range []struct{ filter, field string }{
		{"event_type.eq(login),operation_successful.eq(false)", "user.user_email"},
		{"", "user.user_email"},
		{"", "client_ip"},
		{"event_type.eq(login)", "vendor.service"},
		{"raw.contains(a)", "client_location.country.code"},
		{"user.user_email.ne(nobody@example.com)", "user.user_email"}, // the user column cached by the filter
	} {
		by := []core.GroupBy{{Field: c.field}}
		fast := core.AggregateRequest{Filter: compile(t, c.filter), By: by, Metrics: []core.AggMetric{{Op: core.StatCount}}}
		if _, ok := dictGroupColumn(&fast); !ok {
			t.Fatalf("%s: not a dictionary count", c.field)
		}
		general := fast
		general.Metrics = []core.AggMetric{{Op: core.StatCount}, {Op: core.StatMax, Field: "client_location.lat"}}
		if _, ok := dictGroupColumn(&general); ok {
			t.Fatalf("%s with max(): taken for a dictionary count", c.field)
		}
		want, err := s.Aggregate(ctx, general)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Aggregate(ctx, fast)
		if err != nil {
			t.Fatal(err)
		}
		if got.Rows != want.Rows || got.TotalGroups != want.TotalGroups || len(got.Groups) != len(want.Groups) {
			t.Fatalf("%s by %s: %d rows %d groups (%d listed), want %d rows %d groups (%d)", c.filter, c.field,
				got.Rows, got.TotalGroups, len(got.Groups), want.Rows, want.TotalGroups, len(want.Groups))
		}
		if len(got.Groups) < 2 {
			t.Fatalf("%s by %s: %d groups: the case tests little", c.filter, c.field, len(got.Groups))
		}
		for i, g := range got.Groups {
			w := want.Groups[i]
			if g.Count != w.Count || len(g.Key) != 1 || g.Key[0] != w.Key[0] {
				t.Fatalf("%s by %s: group %d is %+v %d, want %+v %d", c.filter, c.field, i, g.Key, g.Count, w.Key, w.Count)
			}
		}
	}
}

// TestCountByDictCorruptColumn: a dictionary column whose codes point past
// its dictionary is reported as corrupt, not read past its end.
func TestCountByDictCorruptColumn(t *testing.T) {
	var dc dictCounter
	// 2 rows, 1 text ("a"), codes 1 and 2
	b := []byte{2, 1, 1, 'a', 1, 0, 2, 0}
	if _, _, _, err := dc.index(b); err == nil {
		t.Fatal("code 2 of a one-entry dictionary: no error")
	}
	b[6] = 1
	rows, nd, codes, err := dc.index(b)
	if err != nil || rows != 2 || nd != 1 || len(codes) != 4 || string(b[dc.offs[1]:dc.ends[1]]) != "a" {
		t.Fatalf("index: %d rows %d texts %v codes, %v", rows, nd, codes, err)
	}
	if _, _, _, err := dc.index(b[:7]); err == nil {
		t.Fatal("a code cut short: no error")
	}
}
