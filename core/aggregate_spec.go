package core

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"slices"

	"github.com/auditdeck/auditdeck/core/query"
)

// StatsQuery is an aggregation as front ends state it.
type StatsQuery struct {
	Filter    query.Filter
	By        []GroupBy
	Metrics   []AggMetric
	Top       int
	MaxGroups int
	// Pin aggregates the state a view recorded (see ActivityStore.Pin):
	// the zero Pin is the current state.
	Pin Pin
}

// Aggregate compiles the filter, checks the fields against the schema and
// the store's catalog, and aggregates on one pinned state of the store.
func (e *Engine) Aggregate(ctx context.Context, q StatsQuery) (AggregateResult, error) {
	c, err := e.Compile(q.Filter)
	if err != nil {
		return AggregateResult{}, err
	}
	req := AggregateRequest{Filter: c, By: q.By, Metrics: q.Metrics, Top: q.Top, MaxGroups: q.MaxGroups}
	if req.Metrics, err = e.compileMetrics(q.Metrics); err != nil {
		return AggregateResult{}, &FieldError{Field: "stats", Err: err}
	}
	if err := e.checkAggregate(ctx, &req); err != nil {
		// A request error, as a report's bad field is (an API's 400).
		return AggregateResult{}, &FieldError{Field: "stats", Err: err}
	}
	if q.Pin != (Pin{}) {
		snap := e.events.SnapshotAt(q.Pin)
		defer snap.Close()
		return snap.Aggregate(ctx, req)
	}
	return e.events.Aggregate(ctx, req)
}

// compileMetrics compiles the filters of count_if metrics that have none
// compiled yet, on a copy: the caller's metrics are left as they were.
func (e *Engine) compileMetrics(ms []AggMetric) ([]AggMetric, error) {
	var out []AggMetric
	for i, m := range ms {
		if m.Op != StatCountIf || m.Filter != nil {
			continue
		}
		if m.Where.IsEmpty() {
			return nil, fmt.Errorf("count_if() takes a filter, such as count_if(operation_successful.eq(false))")
		}
		if out == nil {
			out = slices.Clone(ms)
		}
		c, err := e.Compile(m.Where)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m, err)
		}
		out[i].Filter = c
	}
	if out == nil {
		return ms, nil
	}
	return out, nil
}

// checkAggregate validates the request and its field names: any field a
// filter may name. Of those no event holds, the triage fields are read
// from the triage index and created_hour from the time column.
func (e *Engine) checkAggregate(ctx context.Context, req *AggregateRequest) error {
	if err := req.Validate(); err != nil {
		return err
	}
	schema := e.Schema(ctx)
	var cat *FieldCatalog
	if c, err := e.fieldPaths().Fields(ctx); err == nil && c.Complete && c.Len() > 0 {
		cat = c
	}
	check := func(field string) error {
		for i := range BuiltinFields {
			if f := &BuiltinFields[i]; f.Path == field && !aggregatable(f) {
				return fmt.Errorf("field %q: aggregation reads the events' own fields, the triage state and created_hour; %s is none of them", field, field)
			}
		}
		if _, err := schema.Lookup(field); err != nil {
			return err
		}
		// Beneath an open object any path compiles; a group by a path no
		// event has is one (missing) group, nearly always a typo.
		if f, ok := Builtin(field); cat == nil || field == "event_id" || cat.Has(field) || ok && (f.Kept == KeptBeside || f.Kept == KeptAsDerived) {
			return nil
		}
		msg := "no event has field " + strconv.Quote(field)
		if sug := cat.Suggest(field); sug != "" {
			msg += "; did you mean " + strconv.Quote(sug) + "?"
		}
		return errors.New(msg)
	}
	for _, g := range req.By {
		if err := check(g.Field); err != nil {
			return err
		}
	}
	for _, m := range req.Metrics {
		if m.Field != "" {
			if err := check(m.Field); err != nil {
				return err
			}
		}
	}
	return nil
}

// aggregatable: a built-in field the stores aggregate. Every one is today
// (a new field kept beside the events, or derived, needs its reader in
// the store first: store/aggregate_beside.go).
func aggregatable(f *BuiltinField) bool {
	switch f.Kept {
	case KeptBeside:
		return f.Text != nil
	case KeptAsDerived:
		return f.Number != nil
	}
	return true
}

// ParseStats reads a stats expression: metrics, then optionally "by" and up
// to three keys, comma separated:
//
//	count() by user.user_email
//	count(), distinct(client_ip), avg(raw.bytes) by event_type, time(1h)
//	count(), count_if(operation_successful.eq(false)), first(), last() by user.user_email
//
// A key is a field path or time(DURATION) (a bucket of created_at: 30m, 1h,
// 1d). With no metric, count() is meant.
func ParseStats(s string) (metrics []AggMetric, by []GroupBy, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil, errors.New("empty stats expression: try count() by FIELD")
	}
	head, tail := s, ""
	if i := indexWord(s, "by"); i >= 0 {
		head, tail = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+2:])
		if tail == "" {
			return nil, nil, errors.New(`"by" needs at least one field`)
		}
	}
	if head != "" {
		for _, part := range splitOutside(head) {
			part = strings.TrimSpace(part)
			name, arg, ok := call(part)
			if !ok {
				return nil, nil, fmt.Errorf("stats %q: expected a function such as count() or avg(FIELD)", part)
			}
			if AggOp(name) == StatCountIf {
				// The argument is a filter, whose own commas and parentheses
				// splitOutside left inside it.
				f, err := query.ParseDSL(arg)
				if err != nil {
					return nil, nil, fmt.Errorf("stats %q: %w", part, err)
				}
				metrics = append(metrics, AggMetric{Op: StatCountIf, Where: f})
				continue
			}
			metrics = append(metrics, AggMetric{Op: AggOp(name), Field: arg})
		}
	}
	if len(metrics) == 0 {
		metrics = []AggMetric{{Op: StatCount}}
	}
	if tail != "" {
		for _, part := range strings.Split(tail, ",") {
			part = strings.TrimSpace(part)
			if name, arg, ok := call(part); ok {
				if name != "time" {
					return nil, nil, fmt.Errorf("group key %q: expected a field or time(DURATION)", part)
				}
				d, err := ParseEvery(arg)
				if err != nil {
					return nil, nil, fmt.Errorf("group key %q: %w", part, err)
				}
				by = append(by, GroupBy{Field: "created_at", Every: d})
				continue
			}
			if part == "" || strings.ContainsAny(part, " ()") {
				return nil, nil, fmt.Errorf("group key %q: expected a field path", part)
			}
			by = append(by, GroupBy{Field: part})
		}
	}
	req := AggregateRequest{Metrics: metrics, By: by}
	if err := req.Validate(); err != nil {
		return nil, nil, err
	}
	return metrics, by, nil
}

// ParseEvery reads a bucket width: a Go duration (90m, 1h30m) or N d.
func ParseEvery(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if k, err := strconv.Atoi(n); err == nil && k > 0 {
			return time.Duration(k) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bucket width %q: expected a positive duration such as 15m, 1h or 1d", s)
	}
	return d, nil
}

// splitOutside splits s at the commas outside parentheses, so that
// count_if(a.eq(x),b.in(y,z)) stays one part.
func splitOutside(s string) []string {
	var parts []string
	depth, from := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[from:i])
				from = i + 1
			}
		}
	}
	return append(parts, s[from:])
}

// call splits "name(arg)".
func call(s string) (name, arg string, ok bool) {
	open := strings.IndexByte(s, '(')
	if open <= 0 || !strings.HasSuffix(s, ")") {
		return "", "", false
	}
	return strings.TrimSpace(s[:open]), strings.TrimSpace(s[open+1 : len(s)-1]), true
}

// indexWord finds a whole word outside parentheses.
func indexWord(s, w string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		}
		if depth == 0 && strings.HasPrefix(s[i:], w) &&
			(i == 0 || s[i-1] == ' ' || s[i-1] == ')') && (i+len(w) == len(s) || s[i+len(w)] == ' ') {
			return i
		}
	}
	return -1
}
