package core

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/core/render"
	"github.com/cespare/xxhash/v2"
	"github.com/valyala/fastjson"
)

// AggKind names an aggregate of a grouped report.
type AggKind string

// The aggregates a grouped report computes per group.
const (
	AggCount    AggKind = "count"
	AggCountIf  AggKind = "count_if"       // Filter: DSL
	AggMinTime  AggKind = "min_created_at" // first event
	AggMaxTime  AggKind = "max_created_at" // last event
	AggDistinct AggKind = "distinct"       // Field: distinct values (exact up to 1,024, then HyperLogLog, about 1.6% error)
)

// Aggregate is one computed column of a grouped report.
type Aggregate struct {
	Kind   AggKind `json:"kind"`
	Field  string  `json:"field,omitempty"`
	Filter string  `json:"filter,omitempty"`
	Label  string  `json:"label,omitempty"`
}

// GroupSpec groups an activity report by one or two fields.
type GroupSpec struct {
	By         []string    `json:"by"`
	Aggregates []Aggregate `json:"aggregates,omitempty"` // default: count
}

// Validate checks the fields and aggregates against a schema.
func (g *GroupSpec) Validate(schema *query.Schema) error {
	if len(g.By) < 1 || len(g.By) > 2 {
		return fmt.Errorf("group by one or two fields, not %d", len(g.By))
	}
	for _, f := range g.By {
		if _, err := schema.Lookup(f); err != nil {
			return err
		}
	}
	if len(g.Aggregates) > 16 {
		return fmt.Errorf("at most 16 aggregates")
	}
	for i, a := range g.Aggregates {
		switch a.Kind {
		case AggCount, AggMinTime, AggMaxTime:
		case AggCountIf:
			f, err := query.ParseDSL(a.Filter)
			if err != nil {
				return fmt.Errorf("aggregate %d: %w", i+1, err)
			}
			if f.IsEmpty() {
				return fmt.Errorf("aggregate %d: count_if needs a filter", i+1)
			}
			if _, err := query.Compile(f, schema, time.Now()); err != nil {
				return fmt.Errorf("aggregate %d: %w", i+1, err)
			}
		case AggDistinct:
			if a.Field == "" {
				return fmt.Errorf("aggregate %d: distinct needs a field", i+1)
			}
			if _, err := schema.Lookup(a.Field); err != nil {
				return fmt.Errorf("aggregate %d: %w", i+1, err)
			}
		default:
			return fmt.Errorf("aggregate %d: kind %q: expected count, count_if, min_created_at, max_created_at or distinct", i+1, a.Kind)
		}
		if err := validText("label", a.Label, 100, false); err != nil {
			return fmt.Errorf("aggregate %d: %w", i+1, err)
		}
	}
	return nil
}

func (g *GroupSpec) aggregates() []Aggregate {
	if len(g.Aggregates) == 0 {
		return []Aggregate{{Kind: AggCount, Label: "Events"}}
	}
	return g.Aggregates
}

// Columns are the group fields followed by the aggregates.
func (g *GroupSpec) Columns() []render.Column {
	var cols []render.Column
	for _, f := range g.By {
		cols = append(cols, render.Column{Field: f, Label: f})
	}
	for _, a := range g.aggregates() {
		label := a.Label
		if label == "" {
			label = string(a.Kind)
			if a.Field != "" {
				label += " " + a.Field
			}
		}
		cols = append(cols, render.Column{Field: string(a.Kind), Label: label})
	}
	return cols
}

// grouper aggregates activities in one streaming pass; memory grows with
// the number of groups only (distinct counts switch to a fixed-size sketch).
type grouper struct {
	spec    *GroupSpec
	aggs    []Aggregate
	preds   []*query.Compiled // per aggregate, count_if only
	groups  map[string]*groupState
	parser  fastjson.Parser
	rawNeed bool
}

type groupState struct {
	key    []string
	counts []int64
	minT   int64
	maxT   int64
	sets   []*distinctSet
}

func newGrouper(g *GroupSpec, now time.Time) (*grouper, error) {
	gr := &grouper{spec: g, aggs: g.aggregates(), groups: map[string]*groupState{}}
	gr.preds = make([]*query.Compiled, len(gr.aggs))
	for i, a := range gr.aggs {
		if a.Kind == AggCountIf {
			f, err := query.ParseDSL(a.Filter)
			if err != nil {
				return nil, err
			}
			if gr.preds[i], err = query.Compile(f, ActivitySchema, now); err != nil {
				return nil, err
			}
			for _, p := range gr.preds[i].Preds {
				if !fromColumns(p.Term.Field) {
					gr.rawNeed = true
				}
			}
		}
		if a.Kind == AggDistinct {
			if !fromColumns(a.Field) {
				gr.rawNeed = true
			}
		}
	}
	for _, f := range g.By {
		if !fromColumns(f) {
			gr.rawNeed = true
		}
	}
	return gr, nil
}

// needsRaw: some field lives only in the raw JSON.
func (gr *grouper) needsRaw() bool { return gr.rawNeed }

func (gr *grouper) add(a *Activity) error {
	var doc *fastjson.Value
	getDoc := func() *fastjson.Value {
		if doc == nil && a.Raw != nil {
			doc, _ = gr.parser.ParseBytes(a.Raw)
		}
		return doc
	}
	var kb strings.Builder
	key := make([]string, len(gr.spec.By))
	for i, f := range gr.spec.By {
		key[i] = fieldText(a, f, getDoc)
		if i > 0 {
			kb.WriteByte(0)
		}
		kb.WriteString(key[i])
	}
	st, ok := gr.groups[kb.String()]
	if !ok {
		if len(gr.groups) >= maxGroups {
			return fmt.Errorf("more than %d groups: group by fewer distinct values", maxGroups)
		}
		st = &groupState{key: key, counts: make([]int64, len(gr.aggs)), minT: math.MaxInt64, maxT: math.MinInt64, sets: make([]*distinctSet, len(gr.aggs))}
		gr.groups[kb.String()] = st
	}
	st.minT = min(st.minT, a.CreatedAt)
	st.maxT = max(st.maxT, a.CreatedAt)
	for i, ag := range gr.aggs {
		switch ag.Kind {
		case AggCount:
			st.counts[i]++
		case AggCountIf:
			if matchActivity(gr.preds[i], a, getDoc) {
				st.counts[i]++
			}
		case AggDistinct:
			if st.sets[i] == nil {
				st.sets[i] = &distinctSet{exact: map[string]struct{}{}}
			}
			st.sets[i].add(fieldText(a, ag.Field, getDoc))
		}
	}
	return nil
}

// rows returns the groups, largest first by the first aggregate, then by key.
func (gr *grouper) rows() [][]string {
	states := make([]*groupState, 0, len(gr.groups))
	for _, st := range gr.groups {
		states = append(states, st)
	}
	slices.SortFunc(states, func(x, y *groupState) int {
		if c := cmp.Compare(y.counts[0], x.counts[0]); c != 0 && (gr.aggs[0].Kind == AggCount || gr.aggs[0].Kind == AggCountIf) {
			return c
		}
		return slices.Compare(x.key, y.key)
	})
	out := make([][]string, len(states))
	for i, st := range states {
		row := slices.Clone(st.key)
		for j, ag := range gr.aggs {
			switch ag.Kind {
			case AggCount, AggCountIf:
				row = append(row, strconv.FormatInt(st.counts[j], 10))
			case AggMinTime:
				row = append(row, formatTime(st.minT))
			case AggMaxTime:
				row = append(row, formatTime(st.maxT))
			case AggDistinct:
				n := int64(0)
				if st.sets[j] != nil {
					n = st.sets[j].count()
				}
				row = append(row, strconv.FormatInt(n, 10))
			}
		}
		out[i] = row
	}
	return out
}

func formatTime(ns int64) string {
	return time.Unix(0, ns).UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// fieldText is a field's text: from the Activity when the registry reads
// it from there, else from the raw JSON (strings as they are, other values
// as JSON).
func fieldText(a *Activity, field string, doc func() *fastjson.Value) string {
	if f, ok := builtinByPath[field]; ok && f.FromColumns() {
		return f.CellText(a)
	}
	return rawText(strings.Split(field, "."), doc)
}

// rawText is the text of the member at path of the raw JSON.
func rawText(path []string, doc func() *fastjson.Value) string {
	d := doc()
	if d == nil {
		return ""
	}
	v := d.Get(path...)
	switch {
	case v == nil || v.Type() == fastjson.TypeNull:
		return ""
	case v.Type() == fastjson.TypeString:
		return string(v.GetStringBytes())
	}
	return string(v.MarshalTo(nil))
}

// matchActivity evaluates a compiled filter on one activity: fields the
// registry reads from the Activity from there, anything else from its raw
// JSON.
func matchActivity(c *query.Compiled, a *Activity, doc func() *fastjson.Value) bool {
	for _, p := range c.Preds {
		var ok bool
		if f, known := builtinByPath[p.Term.Field]; known && f.FromColumns() {
			ok = f.Match(p, a)
		} else if d := doc(); d != nil {
			ok = p.MatchJSON(d)
		} else {
			ok = p.MatchMissing()
		}
		if !ok {
			return false
		}
	}
	return true
}

func matchTri(p *query.Pred, t Tri) bool {
	switch t {
	case TriTrue:
		return p.MatchBool(true)
	case TriFalse:
		return p.MatchBool(false)
	}
	return p.MatchMissing()
}

// distinctSet counts distinct values exactly up to exactLimit, then with a
// HyperLogLog sketch of 2^hllBits registers (4 KiB, about 1.6% error).
type distinctSet struct {
	exact map[string]struct{}
	regs  []uint8
}

const (
	exactLimit = 1024
	hllBits    = 12
)

func (d *distinctSet) add(v string) {
	if d.regs == nil {
		d.exact[v] = struct{}{}
		if len(d.exact) <= exactLimit {
			return
		}
		d.regs = make([]uint8, 1<<hllBits)
		for k := range d.exact {
			d.addHLL(k)
		}
		d.exact = nil
		return
	}
	d.addHLL(v)
}

func (d *distinctSet) addHLL(v string) {
	h := xxhash.Sum64String(v)
	idx := h >> (64 - hllBits)
	rank := uint8(bits.LeadingZeros64(h<<hllBits|1<<(hllBits-1)) + 1)
	if rank > d.regs[idx] {
		d.regs[idx] = rank
	}
}

func (d *distinctSet) count() int64 {
	if d.regs == nil {
		return int64(len(d.exact))
	}
	m := float64(len(d.regs))
	sum, zeros := 0.0, 0
	for _, r := range d.regs {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	est := 0.7213 / (1 + 1.079/m) * m * m / sum
	if est <= 2.5*m && zeros > 0 {
		est = m * math.Log(m/float64(zeros)) // small-range correction
	}
	return int64(est + 0.5)
}
