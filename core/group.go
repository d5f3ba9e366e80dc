package core

import (
	"fmt"
	"time"

	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/core/render"
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

func formatTime(ns int64) string {
	return time.Unix(0, ns).UTC().Format("2006-01-02T15:04:05.000Z07:00")
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
