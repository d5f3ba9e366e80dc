package conformance

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/valyala/fastjson"
)

// aggCase is one aggregation the suite checks against a brute force.
type aggCase struct {
	name      string
	stats     string // core.ParseStats
	top       int
	maxGroups int
}

func aggCases() []aggCase {
	return []aggCase{
		{name: "users top 5", stats: "count() by user.user_email", top: 5},
		{name: "all rows", stats: "count(), distinct(user.user_email), sum(client_location.lat), avg(raw.RecordType), min(client_location.lng), max(client_location.lng)"},
		{name: "type and result", stats: "count(), distinct(client_ip) by event_type, operation_successful"},
		{name: "three keys", stats: "count(), min(raw.RecordType), max(raw.RecordType) by vendor.name, vendor.service, client_location.country.code", top: 7},
		{name: "array elements", stats: "count(), distinct(raw.events.type) by raw.events.name", top: 10},
		{name: "array crossed", stats: "count() by raw.events.type, event_type"},
		{name: "numbers as keys", stats: "count(), sum(client_location.lat) by raw.RecordType"},
		{name: "hour buckets", stats: "count(), distinct(event_type) by time(6h)"},
		{name: "day buckets by vendor", stats: "count() by time(1d), vendor.name", top: 20},
		{name: "event ids exact", stats: "count() by event_id", top: 3},
		{name: "a field no event has", stats: "count(), sum(raw.no_such_field) by raw.no_such_field"},
		// The metrics of grouped reports: count_if runs a filter of its own
		// (column, field column, raw JSON and triage predicates), first and
		// last are exact nanoseconds.
		{name: "count_if first last", stats: "count(), count_if(operation_successful.eq(false)), count_if(event_type.eq(login),extra.auth.is_suspicious), first(), last() by user.user_email", top: 12},
		{name: "count_if raw and text", stats: "count_if(raw.RecordType.ge(10)), count_if(user_agent.icontains(mozilla)), count_if(client_location.lat.gt(40)) by vendor.name, event_type"},
		{name: "count_if triage", stats: "count(), count_if(triage.state.eq(escalated)), count_if(triage.by.eq(alice)), count_if(triage.state.ne(new),created_at.ge(-30d)) by event_type"},
		{name: "triage keys", stats: "count(), count_if(triage.state.eq(escalated)), distinct(triage.note), first() by triage.state, triage.by"},
		{name: "triage time and note", stats: "count(), last(), distinct(triage.state) by triage.at, triage.note"},
		{name: "hour of day", stats: "count(), count_if(triage.state.ne(new)), first(), last() by created_hour", top: 5},
		{name: "count_if matching nothing", stats: "count_if(event_type.eq(no-such-type)), count_if(raw.no_such_field.eq(1)) by client_location.country.code"},
	}
}

// aggOracle is the events as the brute force of aggregations reads them:
// the documents as ingested (numbers as written), the last version of each id.
type aggOracle struct {
	docs   map[string]*fastjson.Value
	t      map[string]int64
	triage map[string]core.Triage
	// match evaluates count_if filters: on the document with its triage
	// merged in, as the filter oracle does.
	match *oracle
}

func newAggOracle(t *testing.T, lines [][]byte, triage map[string]core.Triage) *aggOracle {
	t.Helper()
	o := &aggOracle{docs: map[string]*fastjson.Value{}, t: map[string]int64{}, triage: triage, match: newOracle(t, lines, triage)}
	for _, l := range lines {
		doc, err := fastjson.ParseBytes(l)
		if err != nil {
			t.Fatal(err)
		}
		id := string(doc.GetStringBytes("event_id"))
		ts, ok := core.ParseTimestamp(doc.GetStringBytes("created_at"))
		if !ok {
			t.Fatalf("fixture %s: created_at", id)
		}
		o.docs[id], o.t[id] = doc, ts
	}
	return o
}

// aggLeaves are the values a path reaches, arrays transparent, null and
// empty arrays left out (they count as missing).
func aggLeaves(v *fastjson.Value, segs []string) []core.AggValue {
	var out []core.AggValue
	var walk func(x *fastjson.Value, i int)
	walk = func(x *fastjson.Value, i int) {
		switch x.Type() {
		case fastjson.TypeArray:
			a, _ := x.Array()
			for _, e := range a {
				walk(e, i)
			}
			return
		case fastjson.TypeObject:
			if i < len(segs) {
				if e := x.Get(segs[i]); e != nil {
					walk(e, i+1)
				}
			}
			return
		}
		if i < len(segs) {
			return
		}
		switch x.Type() {
		case fastjson.TypeString:
			out = append(out, core.AggValue{Kind: query.LeafString, Text: string(x.GetStringBytes())})
		case fastjson.TypeNumber:
			out = append(out, core.AggValue{Kind: query.LeafNumber, Text: string(x.MarshalTo(nil))})
		case fastjson.TypeTrue:
			out = append(out, core.AggValue{Kind: query.LeafTrue})
		case fastjson.TypeFalse:
			out = append(out, core.AggValue{Kind: query.LeafFalse})
		}
	}
	walk(v, 0)
	return out
}

func distinctValues(vs []core.AggValue) []core.AggValue {
	var out []core.AggValue
	for _, v := range vs {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

type bruteGroup struct {
	key      []core.AggValue
	count    int64
	distinct []map[core.AggValue]bool
	nums     []core.AggNum
	ints     []int64 // count_if's count, first's and last's created_at
	hasInt   []bool
}

// besideValues are the values of a field no event holds, as the engine
// reads it: the triage state (untriaged "new"), who, note and time (empty
// is missing) and created_hour (the UTC hour of created_at).
func (o *aggOracle) besideValues(id, field string) ([]core.AggValue, bool) {
	tr, triaged := o.triage[id]
	text := ""
	switch field {
	case "created_hour":
		return []core.AggValue{{Kind: query.LeafNumber, Text: fmt.Sprint(time.Unix(0, o.t[id]).UTC().Hour())}}, true
	case "triage.state":
		text = "new"
		if triaged {
			text = string(tr.State)
		}
	case "triage.by":
		text = tr.By
	case "triage.note":
		text = tr.Note
	case "triage.at":
		if triaged {
			text = tr.At.UTC().Format(time.RFC3339Nano)
		}
	default:
		return nil, false
	}
	if text == "" {
		return nil, true
	}
	return []core.AggValue{{Kind: query.LeafString, Text: text}}, true
}

func (o *aggOracle) values(id, field string) []core.AggValue {
	if vs, ok := o.besideValues(id, field); ok {
		return vs
	}
	return aggLeaves(o.docs[id], strings.Split(field, "."))
}

// brute aggregates the events with these ids the obvious way.
func (o *aggOracle) brute(ids []string, by []core.GroupBy, metrics []core.AggMetric) map[string]*bruteGroup {
	groups := map[string]*bruteGroup{}
	// count_if's matches, per metric: the filter oracle's over all events.
	countIf := make([]map[string]bool, len(metrics))
	for i, m := range metrics {
		if m.Op == core.StatCountIf {
			countIf[i] = map[string]bool{}
			for _, e := range o.match.matches(m.Filter) {
				countIf[i][e.id] = true
			}
		}
	}
	for _, id := range ids {
		keys := [][]core.AggValue{nil}
		for _, g := range by {
			var vals []core.AggValue
			switch {
			case g.Every > 0:
				vals = []core.AggValue{core.BucketValue(o.t[id], g.Every)}
			default:
				vals = distinctValues(o.values(id, g.Field))
				if builtinString(g.Field) && len(vals) == 1 && vals[0] == (core.AggValue{Kind: query.LeafString}) {
					vals = nil // "" is missing in the built-in string fields
				}
			}
			if len(vals) == 0 {
				vals = []core.AggValue{{Missing: true}}
			}
			var next [][]core.AggValue
			for _, k := range keys {
				for _, v := range vals {
					next = append(next, append(slices.Clone(k), v))
				}
			}
			keys = next
		}
		for _, k := range keys {
			ks := fmt.Sprint(k)
			g := groups[ks]
			if g == nil {
				g = &bruteGroup{key: k, distinct: make([]map[core.AggValue]bool, len(metrics)), nums: make([]core.AggNum, len(metrics)),
					ints: make([]int64, len(metrics)), hasInt: make([]bool, len(metrics))}
				groups[ks] = g
			}
			g.count++
			for i, m := range metrics {
				ts := o.t[id]
				switch m.Op {
				case core.StatCountIf:
					g.hasInt[i] = true
					if countIf[i][id] {
						g.ints[i]++
					}
				case core.StatFirst:
					if !g.hasInt[i] || ts < g.ints[i] {
						g.ints[i] = ts
					}
					g.hasInt[i] = true
				case core.StatLast:
					if !g.hasInt[i] || ts > g.ints[i] {
						g.ints[i] = ts
					}
					g.hasInt[i] = true
				}
				if m.Field == "" {
					continue
				}
				vals := o.values(id, m.Field)
				if m.Op == core.StatDistinct {
					if g.distinct[i] == nil {
						g.distinct[i] = map[core.AggValue]bool{}
					}
					for _, v := range vals {
						g.distinct[i][v] = true
					}
					continue
				}
				for _, v := range vals {
					var f float64
					if v.Kind == query.LeafNumber {
						if _, err := fmt.Sscan(v.Text, &f); err == nil {
							g.nums[i].Add(f)
						}
					}
				}
			}
		}
	}
	return groups
}

func (g *bruteGroup) stat(m core.AggMetric, i int) (float64, bool) {
	n := g.nums[i]
	switch m.Op {
	case core.StatCount:
		return float64(g.count), false
	case core.StatDistinct:
		return float64(len(g.distinct[i])), false
	case core.StatSum:
		return n.Sum, n.N == 0
	case core.StatAvg:
		if n.N == 0 {
			return 0, true
		}
		return n.Sum / float64(n.N), false
	case core.StatMin:
		return n.Min, n.N == 0
	case core.StatMax:
		return n.Max, n.N == 0
	case core.StatCountIf, core.StatFirst, core.StatLast:
		return float64(g.ints[i]), !g.hasInt[i]
	}
	return 0, true
}

// aggregator is what answers aggregations: the engine, a store or a snapshot.
type aggregator func(c *query.Compiled, req core.AggregateRequest) (core.AggregateResult, error)

// checkAggregates compares each aggregation, under each filter, with the
// brute force over the oracle's matches.
func checkAggregates(t *testing.T, agg aggregator, o *oracle, ao *aggOracle, eng *core.Engine, cases []filterCase) {
	t.Helper()
	nonEmpty := 0
	for fi, fc := range cases {
		if fi%4 != 0 && fc.name != "all" {
			continue // a quarter of the filters: every kind of plan, in bounded time
		}
		c := compile(t, eng, fc)
		var ids []string
		for _, e := range o.matches(c) {
			ids = append(ids, e.id)
		}
		for _, ac := range aggCases() {
			metrics, by, err := core.ParseStats(ac.stats)
			if err != nil {
				t.Fatalf("%s: %v", ac.stats, err)
			}
			for i, m := range metrics {
				if m.Op == core.StatCountIf {
					if metrics[i].Filter, err = eng.Compile(m.Where); err != nil {
						t.Fatalf("%s: %v", ac.stats, err)
					}
				}
			}
			req := core.AggregateRequest{Filter: c, By: by, Metrics: metrics, Top: ac.top, MaxGroups: ac.maxGroups}
			got, err := agg(c, req)
			if err != nil {
				t.Fatalf("%s / %s: %v", fc.name, ac.name, err)
			}
			if len(got.Groups) > 0 {
				nonEmpty++
			}
			checkAggResult(t, fc.name+" / "+ac.name, req, got, ao.brute(ids, by, metrics), int64(len(ids)))
		}
	}
	if nonEmpty == 0 {
		t.Errorf("no aggregation had a group: the check tests nothing")
	}
}

func checkAggResult(t *testing.T, name string, req core.AggregateRequest, got core.AggregateResult, want map[string]*bruteGroup, rows int64) {
	t.Helper()
	if got.Rows != rows {
		t.Errorf("%s: rows %d, brute force %d", name, got.Rows, rows)
	}
	all := make([]*bruteGroup, 0, len(want))
	var sum int64
	for _, g := range want {
		all = append(all, g)
		sum += g.count
	}
	slices.SortFunc(all, func(a, b *bruteGroup) int {
		if a.count != b.count {
			return int(b.count - a.count)
		}
		return core.CompareAggKeys(a.key, b.key)
	})
	if got.Approximate {
		t.Errorf("%s: approximate with %d groups under MaxGroups %d", name, len(want), req.MaxGroups)
	}
	keep := all
	if req.Top > 0 && len(all) > req.Top {
		keep = all[:req.Top]
	}
	if len(got.Groups) != len(keep) {
		t.Errorf("%s: %d groups, brute force %d (of %d)", name, len(got.Groups), len(keep), len(all))
		return
	}
	var kept int64
	for i, w := range keep {
		g := got.Groups[i]
		kept += g.Count
		if fmt.Sprint(g.Key) != fmt.Sprint(w.key) || g.Count != w.count {
			t.Errorf("%s: group %d is %v %d, brute force %v %d", name, i, g.Key, g.Count, w.key, w.count)
			continue
		}
		for mi, m := range req.Metrics {
			v, null := w.stat(m, mi)
			st := g.Stats[mi]
			if st.Null != null || !null && math.Abs(st.Value-v) > 1e-9*math.Max(1, math.Abs(v)) {
				t.Errorf("%s: group %v %s = %v (null %v), brute force %v (null %v)", name, g.Key, m, st.Value, st.Null, v, null)
			}
			if w.hasInt[mi] && st.Int != w.ints[mi] {
				t.Errorf("%s: group %v %s = %d, brute force %d (exactly)", name, g.Key, m, st.Int, w.ints[mi])
			}
		}
	}
	if got.OtherCount != sum-kept || got.OtherGroups != int64(len(all)-len(keep)) || got.TotalGroups != int64(len(all)) {
		t.Errorf("%s: other %d in %d groups of %d, brute force %d in %d of %d", name, got.OtherCount, got.OtherGroups, got.TotalGroups, sum-kept, len(all)-len(keep), len(all))
	}
	if kept+got.OtherCount != sum {
		t.Errorf("%s: top %d + other %d != %d", name, kept, got.OtherCount, sum)
	}
	if len(req.By) == 1 && req.By[0].Every > 0 && sum != rows {
		t.Errorf("%s: time buckets add up to %d, not the %d rows", name, sum, rows)
	}
}

// checkBoundedGroups aggregates a high-cardinality field (event_id) with a
// group table far smaller than its values: the result must say it is
// approximate, keep Rows and the total exact, and never overstate a count.
func checkBoundedGroups(t *testing.T, eng *core.Engine, ao *aggOracle) {
	ctx := context.Background()
	n := int64(len(ao.docs))
	res, err := eng.Aggregate(ctx, core.StatsQuery{By: []core.GroupBy{{Field: "event_id"}}, Metrics: []core.AggMetric{{Op: core.StatCount}}, Top: 10, MaxGroups: 16})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Approximate || res.Rows != n || res.TotalGroups > 32 {
		t.Errorf("event_id in 16 groups: approximate %v, rows %d (want %d), %d groups held (at most 32)", res.Approximate, res.Rows, n, res.TotalGroups)
	}
	var sum int64
	for _, g := range res.Groups {
		sum += g.Count
		if g.Count != 1 {
			t.Errorf("event id %v counted %d times", g.Key, g.Count)
		}
	}
	if sum+res.OtherCount != n {
		t.Errorf("top %d + other %d != %d events", sum, res.OtherCount, n)
	}
	// A heavy hitter survives the pruning: every event is in one of few
	// event types, so a table of 2 keeps the largest exactly enough.
	exact, err := eng.Aggregate(ctx, core.StatsQuery{By: []core.GroupBy{{Field: "event_type"}}, Top: 1})
	if err != nil {
		t.Fatal(err)
	}
	small, err := eng.Aggregate(ctx, core.StatsQuery{By: []core.GroupBy{{Field: "event_type"}}, Top: 1, MaxGroups: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(exact.Groups) != 1 || len(small.Groups) != 1 {
		t.Fatalf("top 1 event type: %v / %v", exact.Groups, small.Groups)
	}
	e, s := exact.Groups[0], small.Groups[0]
	if fmt.Sprint(e.Key) != fmt.Sprint(s.Key) || s.Count > e.Count || s.Count < e.Count-small.MaxError {
		t.Errorf("top event type with 2 groups: %v %d (error %d); exact %v %d", s.Key, s.Count, small.MaxError, e.Key, e.Count)
	}
}

// checkAggregateErrors: the engine rejects what it cannot aggregate.
func checkAggregateErrors(t *testing.T, eng *core.Engine) {
	ctx := context.Background()
	for _, q := range []core.StatsQuery{
		{By: []core.GroupBy{{Field: "user.user_emial"}}},
		{Metrics: []core.AggMetric{{Op: core.StatCountIf}}},
		{Metrics: []core.AggMetric{{Op: core.StatCountIf, Where: query.Filter{Terms: []query.Term{{Field: "no_such.field", Op: query.OpEq, Args: []string{"1"}}}}}}},
		{Metrics: []core.AggMetric{{Op: core.StatFirst, Field: "triage.at"}}},
		{By: []core.GroupBy{{Field: "event_type"}, {Field: "client_ip"}, {Field: "vendor.name"}, {Field: "user.user_email"}}},
		{Metrics: []core.AggMetric{{Op: "median", Field: "raw.RecordType"}}},
		{By: []core.GroupBy{{Field: "event_type", Every: time.Hour}}},
	} {
		if _, err := eng.Aggregate(ctx, q); err == nil {
			t.Errorf("aggregate %+v: no error", q)
		}
	}
}

// builtinString: a built-in string field that the store keeps in a column
// of its own (an empty string there is missing).
func builtinString(field string) bool {
	for _, f := range core.BuiltinFields {
		if f.Path == field && f.Kept == core.KeptAsDict {
			return true
		}
	}
	return false
}
