package core

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/core/render"
	"github.com/auditdeck/auditdeck/core/schedule"
)

// validZone checks a request's time zone: "" (UTC) or an IANA name.
func validZone(name string) error {
	_, err := schedule.LoadZone(name)
	return err
}

// typedColumns gives each column the kind of its field, so the xlsx writer
// types its cells and the html and pdf writers show times in the report's
// zone. Fields under open objects (raw.*) stay text.
func typedColumns(cols []render.Column, schema *query.Schema, g *GroupSpec) []render.Column {
	out := slices.Clone(cols)
	for i, c := range out {
		if g != nil && i >= len(g.By) {
			switch AggKind(c.Field) {
			case AggCount, AggCountIf, AggDistinct:
				out[i].Kind = render.KindNumber
			case AggMinTime, AggMaxTime:
				out[i].Kind = render.KindTime
			}
			continue
		}
		t, err := schema.Lookup(c.Field)
		if err != nil {
			continue
		}
		switch t {
		case query.TypeTime:
			out[i].Kind = render.KindTime
		case query.TypeBool:
			out[i].Kind = render.KindBool
		case query.TypeNumber:
			out[i].Kind = render.KindNumber
		}
	}
	return out
}

// topShown is how many entries a report's ranked lists show.
const topShown = 10

// topCounter finds the most frequent values of a stream in bounded memory
// with the Space-Saving algorithm (Metwally et al.): it keeps at most cap
// counters; a new value, when all are taken, replaces the smallest and
// inherits its count. Every value more frequent than n/cap is kept, and a
// kept value's count is at most the smallest counter over its true count.
// Until the counters overflow every count is exact.
type topCounter struct {
	cap      int
	pos      map[string]int // value -> index in heap
	heap     []topEntry     // min-heap by count
	replaced bool
}

type topEntry struct {
	value string
	count int64
	over  int64 // the count it inherited: the most it may be over
}

func newTopCounter(capacity int) *topCounter {
	return &topCounter{cap: capacity, pos: make(map[string]int, min(capacity, 1024))}
}

func (c *topCounter) add(v string) {
	if i, ok := c.pos[v]; ok {
		c.heap[i].count++
		c.down(i)
		return
	}
	// Clone: v may point into a block's data, which the counter must not pin.
	if len(c.heap) < c.cap {
		c.heap = append(c.heap, topEntry{value: strings.Clone(v), count: 1})
		c.pos[c.heap[len(c.heap)-1].value] = len(c.heap) - 1
		c.up(len(c.heap) - 1)
		return
	}
	c.replaced = true
	least := c.heap[0]
	delete(c.pos, least.value)
	c.heap[0] = topEntry{value: strings.Clone(v), count: least.count + 1, over: least.count}
	c.pos[c.heap[0].value] = 0
	c.down(0)
}

func (c *topCounter) less(i, j int) bool { return c.heap[i].count < c.heap[j].count }

func (c *topCounter) swap(i, j int) {
	c.heap[i], c.heap[j] = c.heap[j], c.heap[i]
	c.pos[c.heap[i].value] = i
	c.pos[c.heap[j].value] = j
}

func (c *topCounter) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !c.less(i, p) {
			return
		}
		c.swap(i, p)
		i = p
	}
}

func (c *topCounter) down(i int) {
	n := len(c.heap)
	for {
		l, small := 2*i+1, i
		if l < n && c.less(l, small) {
			small = l
		}
		if r := l + 1; r < n && c.less(r, small) {
			small = r
		}
		if small == i {
			return
		}
		c.swap(i, small)
		i = small
	}
}

// list returns the n most frequent values, largest first (ties by value).
func (c *topCounter) list(title, unit string, n int) render.TopList {
	entries := slices.Clone(c.heap)
	slices.SortFunc(entries, func(a, b topEntry) int {
		if x := cmp.Compare(b.count, a.count); x != 0 {
			return x
		}
		return strings.Compare(a.value, b.value)
	})
	l := render.TopList{Title: title, Unit: unit, Approx: c.replaced}
	for _, e := range entries[:min(n, len(entries))] {
		l.Items = append(l.Items, render.TopItem{Label: e.value, Count: e.count})
		l.Slack = max(l.Slack, e.over)
	}
	return l
}

// groupChart ranks the groups of a grouped report by its first aggregate
// when that is a count, for the bar chart of the html and pdf files; nil
// when the first aggregate is a time. rows are bounded by the group count.
func groupChart(rows [][]string, g *GroupSpec) *render.TopList {
	aggs := g.aggregates()
	switch aggs[0].Kind {
	case AggCount, AggCountIf, AggDistinct:
	default:
		return nil
	}
	col := g.Columns()[len(g.By)]
	l := &render.TopList{Title: "Largest groups by " + col.Label, Unit: strings.ToLower(col.Label)}
	for _, r := range rows {
		if len(r) <= len(g.By) {
			continue
		}
		n, err := strconv.ParseInt(r[len(g.By)], 10, 64)
		if err != nil {
			continue
		}
		key := make([]string, len(g.By))
		for i, k := range r[:len(g.By)] {
			if k == "" {
				k = "(none)"
			}
			key[i] = k
		}
		it := render.TopItem{Label: strings.Join(key, " / "), Count: n}
		// Keep the topShown largest, in order: rows are sorted by count
		// already when the first aggregate is a count, not for distinct.
		at, _ := slices.BinarySearchFunc(l.Items, it, func(a, b render.TopItem) int { return cmp.Compare(b.Count, a.Count) })
		for at < len(l.Items) && l.Items[at].Count == n {
			at++
		}
		if at < topShown {
			l.Items = slices.Insert(l.Items, at, it)
			if len(l.Items) > topShown {
				l.Items = l.Items[:topShown]
			}
		}
	}
	return l
}
