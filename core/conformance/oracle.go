package conformance

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/valyala/fastjson"
)

// oracleEvent is one fixture event as the brute-force evaluator sees it.
type oracleEvent struct {
	id  string
	t   int64
	doc *fastjson.Value // raw item with "triage" merged in when triaged
}

// oracle evaluates compiled filters and orders over every event, the
// slow and obvious way the ordering contract in the package doc states.
type oracle struct {
	events []oracleEvent
}

func newOracle(t *testing.T, lines [][]byte, triage map[string]core.Triage) *oracle {
	t.Helper()
	o := &oracle{}
	seen := map[string]int{}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("fixture line: %v", err)
		}
		id := m["event_id"].(string)
		if tr, ok := triage[id]; ok {
			m["triage"] = map[string]any{"state": string(tr.State), "note": tr.Note, "by": tr.By, "at": tr.At.Format(time.RFC3339Nano)}
		}
		b, _ := json.Marshal(m)
		doc, err := fastjson.ParseBytes(b)
		if err != nil {
			t.Fatal(err)
		}
		ts, ok := core.ParseTimestamp([]byte(m["created_at"].(string)))
		if !ok {
			t.Fatalf("fixture created_at %v", m["created_at"])
		}
		ev := oracleEvent{id: id, t: ts, doc: doc}
		if i, dup := seen[id]; dup {
			o.events[i] = ev
			continue
		}
		seen[id] = len(o.events)
		o.events = append(o.events, ev)
	}
	return o
}

type oval struct {
	k uint8 // 0 missing, 1 bool, 2 number, 3 time, 4 string: the documented sort order
	s string
	f float64
	i int64
}

func (o *oracle) sortValue(e *oracleEvent, field string) oval {
	if field == "created_at" {
		return oval{k: 3, i: e.t}
	}
	v := e.doc.Get(strings.Split(field, ".")...)
	if v == nil && field == "triage.state" {
		return oval{k: 4, s: "new"}
	}
	if v == nil {
		return oval{}
	}
	switch v.Type() {
	case fastjson.TypeTrue:
		return oval{k: 1, i: 1}
	case fastjson.TypeFalse:
		return oval{k: 1}
	case fastjson.TypeNumber:
		return oval{k: 2, f: v.GetFloat64()}
	case fastjson.TypeString:
		if field == "triage.at" {
			ts, _ := core.ParseTimestamp(v.GetStringBytes())
			return oval{k: 3, i: ts}
		}
		return oval{k: 4, s: string(v.GetStringBytes())}
	}
	return oval{}
}

func (o *oracle) matches(c *query.Compiled) []*oracleEvent {
	var hits []*oracleEvent
	for i := range o.events {
		if c.MatchJSON(o.events[i].doc) {
			hits = append(hits, &o.events[i])
		}
	}
	return hits
}

// run returns the ids matching c in the given order.
func (o *oracle) run(c *query.Compiled, order query.Order) []string {
	hits := o.matches(c)
	// Oldest first is the default order read backwards, event ids too.
	oldestFirst := len(order) == 1 && order[0].Field == "created_at" && !order[0].Desc
	slices.SortFunc(hits, func(a, b *oracleEvent) int {
		if oldestFirst {
			if c := cmp.Compare(a.t, b.t); c != 0 {
				return c
			}
			return strings.Compare(a.id, b.id)
		}
		for _, k := range order {
			va, vb := o.sortValue(a, k.Field), o.sortValue(b, k.Field)
			c := cmp.Compare(va.k, vb.k)
			if c == 0 {
				switch va.k {
				case 1, 3:
					c = cmp.Compare(va.i, vb.i)
				case 2:
					c = cmp.Compare(va.f, vb.f)
				case 4:
					c = strings.Compare(va.s, vb.s)
				}
			}
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		if c := cmp.Compare(b.t, a.t); c != 0 {
			return c
		}
		return strings.Compare(b.id, a.id)
	})
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	return ids
}

func (o *oracle) minTime() int64 {
	return slices.MinFunc(o.events, func(a, b oracleEvent) int { return cmp.Compare(a.t, b.t) }).t
}

func (o *oracle) maxTime() int64 {
	return slices.MaxFunc(o.events, func(a, b oracleEvent) int { return cmp.Compare(a.t, b.t) }).t
}
