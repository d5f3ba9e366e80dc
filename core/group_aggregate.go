package core

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/auditdeck/auditdeck/core/query"
)

// A grouped report is one aggregation over the store's columns (see
// AggregateRequest), its groups turned into rows of text:
//   - a key is the value as the report printed it before the aggregation
//     answered it: "" when missing, true/false, numbers and strings as
//     written, an untriaged event's triage.state "new", created_at to the
//     millisecond (a 1ms time bucket);
//   - count and count_if are exact, min_created_at and max_created_at are
//     exact unix nanoseconds formatted to the millisecond;
//   - distinct counts the values a group has (missing not counted), exact up
//     to the aggregation's budget of hashes, then a sketch;
//   - an array field puts an event in one group per element (the
//     aggregation's semantics), not in one group named by the array's JSON;
//   - rows are sorted largest first by the first aggregate when it is a
//     count or count_if, then by key text; else by key text.
//
// The groups are exact: more than maxGroups of them is an error, not an
// approximation.

// maxGroups bounds the groups of one grouped report (a variable for the
// test of the bound).
var maxGroups = 1_000_000

// aggregateRequest is the aggregation that answers g under filter, count_if
// filters compiled against schema at time now (the export's pin, so a
// retry counts the same rows).
func (g *GroupSpec) aggregateRequest(filter *query.Compiled, schema *query.Schema, now time.Time) (AggregateRequest, error) {
	req := AggregateRequest{Filter: filter, MaxGroups: maxGroups}
	for _, f := range g.By {
		by := GroupBy{Field: f}
		if f == "created_at" {
			by.Every = time.Millisecond // what a key shows of a time
		}
		req.By = append(req.By, by)
	}
	for i, a := range g.aggregates() {
		var m AggMetric
		switch a.Kind {
		case AggCount:
			m = AggMetric{Op: StatCount}
		case AggCountIf:
			f, err := query.ParseDSL(a.Filter)
			if err != nil {
				return req, fmt.Errorf("aggregate %d: %w", i+1, err)
			}
			c, err := query.Compile(f, schema, now)
			if err != nil {
				return req, fmt.Errorf("aggregate %d: %w", i+1, err)
			}
			m = AggMetric{Op: StatCountIf, Where: f, Filter: c}
		case AggMinTime:
			m = AggMetric{Op: StatFirst}
		case AggMaxTime:
			m = AggMetric{Op: StatLast}
		case AggDistinct:
			m = AggMetric{Op: StatDistinct, Field: a.Field}
		default:
			return req, fmt.Errorf("aggregate %d: kind %q", i+1, a.Kind)
		}
		req.Metrics = append(req.Metrics, m)
	}
	return req, req.Validate()
}

// groupRows runs a grouped report as one aggregation of the snapshot.
// Memory is bounded by the number of groups.
func (e *Engine) groupRows(ctx context.Context, snap Snapshot, res *resolvedExport, g *GroupSpec) ([][]string, error) {
	req, err := g.aggregateRequest(res.compiled, res.schema, res.pin)
	if err != nil {
		return nil, err
	}
	out, err := snap.Aggregate(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("group by %v: %w", g.By, err)
	}
	if out.Approximate || out.TotalGroups > int64(maxGroups) {
		return nil, fmt.Errorf("more than %d groups: group by fewer distinct values", maxGroups)
	}
	aggs := g.aggregates()
	byCount := aggs[0].Kind == AggCount || aggs[0].Kind == AggCountIf
	rows := make([][]string, len(out.Groups))
	firsts := make([]int64, len(out.Groups)) // the first aggregate's count, for the order
	for i, grp := range out.Groups {
		row := make([]string, 0, len(g.By)+len(aggs))
		for j, v := range grp.Key {
			row = append(row, groupKeyText(g.By[j], v))
		}
		for j, a := range aggs {
			st := grp.Stats[j]
			switch a.Kind {
			case AggCount:
				row = append(row, strconv.FormatInt(grp.Count, 10))
			case AggCountIf:
				row = append(row, strconv.FormatInt(st.Int, 10))
			case AggMinTime, AggMaxTime:
				if st.Null {
					row = append(row, "")
				} else {
					row = append(row, formatTime(st.Int))
				}
			case AggDistinct:
				row = append(row, strconv.FormatInt(int64(st.Value), 10))
			}
		}
		if byCount {
			firsts[i], _ = strconv.ParseInt(row[len(g.By)], 10, 64)
		}
		rows[i] = row
	}
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	nk := len(g.By)
	slices.SortFunc(order, func(x, y int) int {
		if byCount {
			if c := cmp.Compare(firsts[y], firsts[x]); c != 0 {
				return c
			}
		}
		return slices.Compare(rows[x][:nk], rows[y][:nk])
	})
	sorted := make([][]string, len(rows))
	for i, at := range order {
		sorted[i] = rows[at]
	}
	return sorted, nil
}

// groupKeyText is a key value as a grouped report's cell shows it.
func groupKeyText(field string, v AggValue) string {
	if v.Missing {
		return ""
	}
	if field == "created_at" {
		if t, err := time.Parse(time.RFC3339Nano, v.Text); err == nil {
			return formatTime(t.UnixNano())
		}
	}
	return v.Display()
}
