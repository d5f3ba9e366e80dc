package core

import (
	"fmt"
	"strconv"
	"time"

	"github.com/auditdeck/auditdeck/core/query"
)

// Aggregation: counts and statistics of the matching events grouped by up
// to three fields, answered by the store from its columns (no JSON parsing
// where a column exists) on one pinned state.
//
// Semantics, which every backend keeps (package core/conformance checks it):
//   - A group key is one value per By field. A field an event lacks (or
//     holds null or an empty array) gives the missing value, a group of its
//     own. Values are compared as stored: the JSON kind and the text as
//     written (the number 1 and the string "1" are two groups).
//     The built-in string fields (event_type, user.user_email, client_ip,
//     vendor.name, vendor.service, client_location.country.code) read an
//     empty string as missing, as their filters do.
//   - A multi-valued field (an array, or a path through one) puts the event
//     in one group per distinct value it holds, so the group counts of such
//     a field can add up to more than Rows. With several By fields an event
//     counts once in each combination of their values.
//   - A time bucket (By{Every: d}) groups by created_at truncated to d
//     (from the Unix epoch, UTC).
//   - Metrics: distinct counts the distinct values of a field in each group
//     (missing not counted); sum, avg, min and max read the field's numbers
//     (strings, booleans and missing ignored) and are null when a group has none.
//
// Bounded memory: groups are exact up to MaxGroups distinct keys. Past that
// the groups with the smallest counts are dropped whenever the table holds
// twice MaxGroups (a "lossy counting" heavy-hitters table): the result is
// then marked Approximate, a kept group's count may be low by at most
// MaxError (what a dropped group had when it was dropped, were it to come
// back), and every group with more than MaxError events is kept. Rows,
// the sum of all counts and so the "other" bucket stay exact. Distinct
// counts are exact (by 64-bit hashes) up to a budget of hashes over all
// groups; past it a group counts with a HyperLogLog sketch (about 1.6%
// error) and says so.

// MaxGroupFields bounds the fields of one grouping.
const MaxGroupFields = 3

// DefaultMaxGroups is the exact group table's size unless a request says.
const DefaultMaxGroups = 50000

// AggOp is an aggregate function.
type AggOp string

const (
	StatCount    AggOp = "count"
	StatDistinct AggOp = "distinct"
	StatSum      AggOp = "sum"
	StatAvg      AggOp = "avg"
	StatMin      AggOp = "min"
	StatMax      AggOp = "max"
	// StatCountIf counts the group's events that also match the metric's
	// own filter (Filter, or Where compiled by Engine.Aggregate).
	StatCountIf AggOp = "count_if"
	// StatFirst and StatLast are the group's earliest and latest created_at,
	// exact (AggStat.Int, unix ns): a float64 cannot hold every nanosecond.
	StatFirst AggOp = "first"
	StatLast  AggOp = "last"
)

// AggMetric is one statistic of each group; count, count_if, first and
// last need no field.
type AggMetric struct {
	Op    AggOp
	Field string
	// Where is count_if's filter as written; Filter is it compiled, what a
	// store evaluates (Engine.Aggregate compiles Where when Filter is nil).
	Where  query.Filter
	Filter *query.Compiled
}

func (m AggMetric) String() string {
	if m.Op == StatCountIf {
		return string(m.Op) + "(" + m.Where.String() + ")"
	}
	return string(m.Op) + "(" + m.Field + ")"
}

// GroupBy is one key of a grouping: a field, or a time bucket of
// created_at when Every is set (Field is then "created_at").
type GroupBy struct {
	Field string
	Every time.Duration
}

func (g GroupBy) String() string {
	if g.Every > 0 {
		return "time(" + formatEvery(g.Every) + ")"
	}
	return g.Field
}

// AggregateRequest is one aggregation as a store answers it.
type AggregateRequest struct {
	Filter  *query.Compiled // nil matches everything
	By      []GroupBy       // 0 to MaxGroupFields keys; none: one group of all rows
	Metrics []AggMetric     // beside the count every group has
	// Top keeps the N largest groups (by count, then key) and sums the rest
	// into Other; 0 keeps every group.
	Top int
	// MaxGroups bounds the exact group table (see above); 0 is DefaultMaxGroups.
	MaxGroups int
}

// AggValue is one value of a group key.
type AggValue struct {
	Missing bool
	Kind    query.LeafKind // for a time bucket, LeafString with an RFC 3339 UTC time
	Text    string         // booleans "true"/"false"; numbers as written
}

// Display is the value as a table shows it.
func (v AggValue) Display() string {
	switch {
	case v.Missing:
		return "(missing)"
	case v.Kind == query.LeafTrue:
		return "true"
	case v.Kind == query.LeafFalse:
		return "false"
	}
	return v.Text
}

// JSON is the value for JSON output: nil for missing, a bool, a number
// (json.Number keeps the text as written) or a string.
func (v AggValue) JSON() any {
	switch {
	case v.Missing:
		return nil
	case v.Kind == query.LeafTrue:
		return true
	case v.Kind == query.LeafFalse:
		return false
	case v.Kind == query.LeafNumber:
		if _, err := strconv.ParseFloat(v.Text, 64); err == nil {
			return jsonNumber(v.Text)
		}
	}
	return v.Text
}

type jsonNumber string

func (n jsonNumber) MarshalJSON() ([]byte, error) { return []byte(n), nil }

// AggStat is one metric of a group. Value is the distinct count, or the
// sum, average, minimum or maximum; Null when no value was numeric.
type AggStat struct {
	Value  float64
	Null   bool
	Approx bool // a distinct count from a sketch
	// Int is count_if's count, or first's or last's created_at (unix ns),
	// exact; Value holds it too, rounded to a float64.
	Int int64
}

// AggGroup is one group of the result.
type AggGroup struct {
	Key   []AggValue // one per By
	Count int64
	Stats []AggStat // one per Metric
}

// AggregateResult is an aggregation's answer.
type AggregateResult struct {
	Rows   int64      // matching events
	Groups []AggGroup // by count descending, then key ascending
	// Other sums the groups left out by Top: their count and number.
	OtherCount  int64
	OtherGroups int64
	// Groups is a lower bound when Approximate.
	TotalGroups int64
	// Approximate: more than MaxGroups groups; counts may be low by MaxError.
	Approximate bool
	MaxError    int64
}

// Validate checks the request's shape.
func (r *AggregateRequest) Validate() error {
	if len(r.By) > MaxGroupFields {
		return fmt.Errorf("group by %d fields: at most %d", len(r.By), MaxGroupFields)
	}
	for _, g := range r.By {
		if g.Every < 0 || g.Every > 0 && g.Field != "created_at" {
			return fmt.Errorf("time bucket %v: only of created_at, and positive", g)
		}
		if g.Every > 0 && g.Every < time.Millisecond {
			return fmt.Errorf("time bucket %v: at least 1ms", g.Every)
		}
		if g.Field == "" {
			return fmt.Errorf("group by: empty field")
		}
	}
	for _, m := range r.Metrics {
		switch m.Op {
		case StatCount:
			if m.Field != "" {
				return fmt.Errorf("count() takes no field")
			}
		case StatDistinct, StatSum, StatAvg, StatMin, StatMax:
			if m.Field == "" {
				return fmt.Errorf("%s() needs a field", m.Op)
			}
		case StatCountIf:
			if m.Field != "" || m.Filter == nil && m.Where.IsEmpty() {
				return fmt.Errorf("count_if() takes a filter, such as count_if(operation_successful.eq(false))")
			}
		case StatFirst, StatLast:
			if m.Field != "" && m.Field != "created_at" {
				return fmt.Errorf("%s() is of created_at, not %s", m.Op, m.Field)
			}
		default:
			return fmt.Errorf("unknown aggregate %q: expected count, count_if, distinct, sum, avg, min, max, first or last", m.Op)
		}
	}
	if r.Top < 0 || r.MaxGroups < 0 {
		return fmt.Errorf("top and max groups must not be negative")
	}
	return nil
}

func formatEvery(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}

// BucketValue is the key value of the time bucket holding t (unix ns).
func BucketValue(t int64, every time.Duration) AggValue {
	start := t - mod(t, int64(every))
	return AggValue{Kind: query.LeafString, Text: time.Unix(0, start).UTC().Format(time.RFC3339Nano)}
}

// BucketStart is the start (unix ns) of the time bucket holding t.
func BucketStart(t int64, every time.Duration) int64 { return t - mod(t, int64(every)) }

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}
