package core

import (
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core/query"
)

func strKey(s string) []AggValue { return []AggValue{{Kind: query.LeafString, Text: s}} }

// A table far smaller than the stream's keys keeps the heavy hitters with
// counts low by at most MaxError, and the total exact.
func TestAggTableBounded(t *testing.T) {
	table := NewAggTable(AggregateRequest{By: []GroupBy{{Field: "k"}}, Top: 3, MaxGroups: 10})
	true_ := map[string]int64{}
	var total int64
	for i := range 20000 {
		k := "rare" + strconv.Itoa(i) // 20,000 keys seen once...
		if i%4 == 0 {
			k = "heavy" + strconv.Itoa(i%3) // ...and three seen often
		}
		table.Merge(strKey(k), &AggPartial{Count: 1})
		true_[k]++
		total++
	}
	res := table.Result()
	if !res.Approximate || res.MaxError <= 0 || len(table.groups) > 20 {
		t.Fatalf("approximate %v, error %d, %d groups held", res.Approximate, res.MaxError, len(table.groups))
	}
	var sum int64
	for i, g := range res.Groups {
		want := "heavy" + strconv.Itoa(i)
		if g.Key[0].Text != want {
			t.Errorf("group %d is %v, want %s", i, g.Key, want)
		}
		if tc := true_[g.Key[0].Text]; g.Count > tc || g.Count < tc-res.MaxError {
			t.Errorf("%v: %d, true %d, error bound %d", g.Key, g.Count, tc, res.MaxError)
		}
		sum += g.Count
	}
	if sum+res.OtherCount != total {
		t.Errorf("top %d + other %d != %d", sum, res.OtherCount, total)
	}
}

// Past the exact-hash budget a group's distinct count comes from a sketch,
// marked approximate and within a few percent.
func TestAggTableDistinctSketch(t *testing.T) {
	old := distinctBudget
	distinctBudget = 1000
	defer func() { distinctBudget = old }()
	table := NewAggTable(AggregateRequest{Metrics: []AggMetric{{Op: StatDistinct, Field: "f"}}})
	const n = 50000
	for i := 0; i < n; i += 100 {
		p := &AggPartial{Count: 100, Sets: make([][]uint64, 1)}
		for j := i; j < i+100; j++ {
			p.Sets[0] = append(p.Sets[0], DistinctHash(query.LeafString, strconv.Itoa(j)), DistinctHash(query.LeafString, strconv.Itoa(j)))
		}
		table.Merge(nil, p)
	}
	st := table.Result().Groups[0].Stats[0]
	if !st.Approx || math.Abs(st.Value-n)/n > 0.05 {
		t.Errorf("distinct of %d: %v (approx %v)", n, st.Value, st.Approx)
	}
	// Under the budget it is exact.
	distinctBudget = old
	table = NewAggTable(AggregateRequest{Metrics: []AggMetric{{Op: StatDistinct, Field: "f"}}})
	table.Merge(nil, &AggPartial{Count: 3, Sets: [][]uint64{{1, 2, 2}}})
	if st := table.Result().Groups[0].Stats[0]; st.Approx || st.Value != 2 {
		t.Errorf("exact distinct: %+v", st)
	}
}

func TestParseStats(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"count() by user.user_email", "[count()] [user.user_email]"},
		{"count(), distinct(client_ip), avg(raw.bytes) by event_type, time(1h)", "[count() distinct(client_ip) avg(raw.bytes)] [event_type time(1h)]"},
		{"by vendor.name", "[count()] [vendor.name]"},
		{"sum(n)", "[sum(n)] []"},
		{"count() by time(1d), a.b", "[count()] [time(1d) a.b]"},
		{"count() by time(90m)", "[count()] [time(90m)]"},
	} {
		m, by, err := ParseStats(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := fmt.Sprint(m, by); got != c.want {
			t.Errorf("%q: %s, want %s", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "count() by", "median(x) by a", "count(x)", "sum() by a", "count() by a, b, c, d", "count() by time(0s)", "count() by time(x)", "count() by lower(a)", "count by a"} {
		if _, _, err := ParseStats(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if d, _ := ParseEvery("2d"); d != 48*time.Hour {
		t.Errorf("2d = %v", d)
	}
}
