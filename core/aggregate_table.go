package core

import (
	"cmp"
	"encoding/binary"
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/auditdeck/auditdeck/core/query"
)

// AggPartial is one group's share of part of the data (a store's block):
// what a backend computes from its columns and hands to an AggTable.
type AggPartial struct {
	Count int64
	Nums  []AggNum   // per metric: the numbers of sum, avg, min and max
	Sets  [][]uint64 // per metric: DistinctHash of the values of distinct (repeats allowed)
	Ints  []int64    // per metric: see AggIntOf (count_if, first, last)
}

// AggNum sums up numbers.
type AggNum struct {
	N             int64
	Sum, Min, Max float64
}

// Add takes one number in.
func (n *AggNum) Add(f float64) {
	if n.N == 0 || f < n.Min {
		n.Min = f
	}
	if n.N == 0 || f > n.Max {
		n.Max = f
	}
	n.N++
	n.Sum += f
}

func (n *AggNum) merge(o AggNum) {
	if o.N == 0 {
		return
	}
	if n.N == 0 || o.Min < n.Min {
		n.Min = o.Min
	}
	if n.N == 0 || o.Max > n.Max {
		n.Max = o.Max
	}
	n.N += o.N
	n.Sum += o.Sum
}

var distinctSeed = maphash.MakeSeed()

// DistinctHash identifies a value for distinct counts: kind and text.
func DistinctHash(kind query.LeafKind, text string) uint64 {
	var h maphash.Hash
	h.SetSeed(distinctSeed)
	h.WriteByte(byte(kind))
	h.WriteString(text)
	return h.Sum64()
}

// distinctBudget bounds the exact distinct-count hashes held over all
// groups of one aggregation (8 bytes and a map slot each, about 40 MB).
var distinctBudget = 1 << 20

// AggTable merges partial groups into a bounded table (see the package
// notes on aggregation above AggregateRequest). It is not safe for
// concurrent use.
type AggTable struct {
	req       AggregateRequest
	max       int
	groups    map[string]*aggEntry
	rows      int64
	sumCounts int64
	maxErr    int64
	approx    bool
	hashes    int // exact distinct hashes held
	keyBuf    []byte
}

type aggEntry struct {
	key   []AggValue
	count int64
	nums  []AggNum
	sets  []map[uint64]struct{}
	hll   []*HyperLogLog
	ints  []int64 // per metric: see AggIntOf
}

// NewAggTable starts an empty table for req.
func NewAggTable(req AggregateRequest) *AggTable {
	m := req.MaxGroups
	if m <= 0 {
		m = DefaultMaxGroups
	}
	return &AggTable{req: req, max: m, groups: map[string]*aggEntry{}}
}

// AddRows counts matching events (each once, whatever groups it is in).
func (t *AggTable) AddRows(n int64) { t.rows += n }

// Merge adds a partial group. key's texts are copied when kept.
func (t *AggTable) Merge(key []AggValue, p *AggPartial) {
	t.keyBuf = appendAggKey(t.keyBuf[:0], key)
	e := t.groups[string(t.keyBuf)]
	if e == nil {
		if len(t.groups) >= 2*t.max {
			t.prune()
		}
		e = &aggEntry{key: make([]AggValue, len(key))}
		for i, v := range key {
			e.key[i] = AggValue{Missing: v.Missing, Kind: v.Kind, Text: strings.Clone(v.Text)}
		}
		n := len(t.req.Metrics)
		e.nums = make([]AggNum, n)
		e.sets = make([]map[uint64]struct{}, n)
		e.hll = make([]*HyperLogLog, n)
		e.ints = newAggInts(t.req.Metrics)
		t.groups[string(t.keyBuf)] = e
	}
	mergeAggInts(t.req.Metrics, e.ints, p.Ints)
	e.count += p.Count
	t.sumCounts += p.Count
	for i, m := range t.req.Metrics {
		switch m.Op {
		case StatSum, StatAvg, StatMin, StatMax:
			if i < len(p.Nums) {
				e.nums[i].merge(p.Nums[i])
			}
		case StatDistinct:
			if i < len(p.Sets) {
				t.addHashes(e, i, p.Sets[i])
			}
		}
	}
}

func (t *AggTable) addHashes(e *aggEntry, i int, hs []uint64) {
	if e.hll[i] != nil {
		for _, h := range hs {
			e.hll[i].Add(h)
		}
		return
	}
	if e.sets[i] == nil {
		e.sets[i] = map[uint64]struct{}{}
	}
	s := e.sets[i]
	for _, h := range hs {
		if _, ok := s[h]; ok {
			continue
		}
		if t.hashes >= distinctBudget {
			// Over budget: this group's set becomes a sketch.
			x := NewHyperLogLog(aggregateSketchBits)
			for k := range s {
				x.Add(k)
			}
			t.hashes -= len(s)
			e.sets[i] = nil
			e.hll[i] = x
			t.addHashes(e, i, hs)
			return
		}
		s[h] = struct{}{}
		t.hashes++
	}
}

// prune keeps the t.max largest groups. A dropped group that comes back
// starts again from zero, so kept counts may be low by what was dropped:
// MaxError grows by the largest dropped count. Which of the groups tied at
// the cut stay is not defined; the bound holds for any.
func (t *AggTable) prune() {
	thr := t.nthCount(t.max)
	var dropped int64
	kept := 0
	for _, e := range t.groups {
		if e.count > thr {
			kept++
		}
	}
	for k, e := range t.groups {
		if e.count > thr {
			continue
		}
		if e.count == thr && kept < t.max {
			kept++
			continue
		}
		dropped = max(dropped, e.count)
		for _, s := range e.sets {
			t.hashes -= len(s)
		}
		delete(t.groups, k)
	}
	t.maxErr += dropped
	t.approx = true
}

// nthCount is the n-th largest count (n >= 1), by sorting the counts alone:
// comparing keys is most of the time of sorting groups.
func (t *AggTable) nthCount(n int) int64 {
	counts := make([]int64, 0, len(t.groups))
	for _, e := range t.groups {
		counts = append(counts, e.count)
	}
	slices.Sort(counts)
	return counts[max(0, len(counts)-n)]
}

// sorted returns the groups by count descending, then key; with top > 0
// only those that can be among the top (count at least the top-th).
func (t *AggTable) sorted(top int) []*aggEntry {
	var thr int64
	if top > 0 && top < len(t.groups) {
		thr = t.nthCount(top)
	}
	var all, ties []*aggEntry
	for _, e := range t.groups {
		switch {
		case e.count > thr || thr == 0:
			all = append(all, e)
		case e.count == thr:
			ties = append(ties, e)
		}
	}
	if need := top - len(all); thr > 0 && need > 0 {
		all = append(all, smallestKeys(ties, need)...)
	}
	slices.SortFunc(all, compareEntries)
	return all
}

func compareEntries(a, b *aggEntry) int {
	if c := cmp.Compare(b.count, a.count); c != 0 {
		return c
	}
	return CompareAggKeys(a.key, b.key)
}

// smallestKeys returns the n entries of es with the smallest keys: the
// groups tied at the top-N cut that make the list (many tie when every
// value is distinct, as event ids are).
func smallestKeys(es []*aggEntry, n int) []*aggEntry {
	if n >= len(es) || n > 1000 {
		slices.SortFunc(es, compareEntries)
		return es[:min(n, len(es))]
	}
	best := make([]*aggEntry, 0, n+1) // sorted
	for _, e := range es {
		if len(best) == n && CompareAggKeys(e.key, best[n-1].key) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(best, e, compareEntries)
		best = slices.Insert(best, i, e)
		if len(best) > n {
			best = best[:n]
		}
	}
	return best
}

// Result is the table's answer: the Top groups (all when Top is 0) and
// the rest as Other.
func (t *AggTable) Result() AggregateResult {
	keep := t.sorted(t.req.Top)
	res := AggregateResult{Rows: t.rows, TotalGroups: int64(len(t.groups)), Approximate: t.approx, MaxError: t.maxErr}
	if t.req.Top > 0 && len(keep) > t.req.Top {
		keep = keep[:t.req.Top]
	}
	var kept int64
	res.Groups = make([]AggGroup, 0, len(keep))
	for _, e := range keep {
		kept += e.count
		res.Groups = append(res.Groups, t.group(e))
	}
	res.OtherCount = t.sumCounts - kept
	res.OtherGroups = int64(len(t.groups) - len(keep))
	return res
}

func (t *AggTable) group(e *aggEntry) AggGroup {
	g := AggGroup{Key: e.key, Count: e.count, Stats: make([]AggStat, len(t.req.Metrics))}
	for i, m := range t.req.Metrics {
		n := e.nums[i]
		st := &g.Stats[i]
		switch m.Op {
		case StatCount:
			st.Value = float64(e.count)
		case StatDistinct:
			if e.hll[i] != nil {
				st.Value, st.Approx = math.Round(e.hll[i].Estimate()), true
			} else {
				st.Value = float64(len(e.sets[i]))
			}
		case StatSum:
			st.Value, st.Null = n.Sum, n.N == 0
		case StatAvg:
			st.Null = n.N == 0
			if !st.Null {
				st.Value = n.Sum / float64(n.N)
			}
		case StatMin:
			st.Value, st.Null = n.Min, n.N == 0
		case StatMax:
			st.Value, st.Null = n.Max, n.N == 0
		case StatCountIf, StatFirst, StatLast:
			*st = aggIntStat(m, e.ints[i])
		}
	}
	return g
}

// appendAggKey encodes a key for the group map: per value its kind (0 for
// missing), the text's length and the text.
func appendAggKey(b []byte, key []AggValue) []byte {
	for _, v := range key {
		if v.Missing {
			b = append(b, 0)
			continue
		}
		b = append(b, byte(v.Kind))
		b = binary.AppendUvarint(b, uint64(len(v.Text)))
		b = append(b, v.Text...)
	}
	return b
}

// CompareAggKeys orders keys value by value: missing < false < true <
// numbers (numerically, then by text) < strings (by bytes).
func CompareAggKeys(a, b []AggValue) int {
	for i := range min(len(a), len(b)) {
		if c := CompareAggValues(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// CompareAggValues orders two values as CompareAggKeys does.
func CompareAggValues(a, b AggValue) int {
	if c := cmp.Compare(aggRank(a), aggRank(b)); c != 0 {
		return c
	}
	if !a.Missing && a.Kind == query.LeafNumber {
		fa, _ := strconv.ParseFloat(a.Text, 64)
		fb, _ := strconv.ParseFloat(b.Text, 64)
		if c := cmp.Compare(fa, fb); c != 0 {
			return c
		}
	}
	return strings.Compare(a.Text, b.Text)
}

func aggRank(v AggValue) int {
	switch {
	case v.Missing:
		return 0
	case v.Kind == query.LeafFalse:
		return 1
	case v.Kind == query.LeafTrue:
		return 2
	case v.Kind == query.LeafNumber:
		return 3
	case v.Kind == query.LeafString:
		return 4
	}
	return 5
}

// aggregateSketchBits is the precision of a distinct count's sketch once
// its exact hashes exceed their budget (4 KiB, about 1.6%).
const aggregateSketchBits = 12
