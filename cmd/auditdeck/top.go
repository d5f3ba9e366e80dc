package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/render"
	"github.com/spf13/cobra"
)

func newTopCmd(g *globalFlags) *cobra.Command {
	var filter, filterJSON, format string
	var n int
	var timing bool
	cmd := &cobra.Command{
		Use:   "top FIELD [--filter DSL] [--n 10] [--format table|csv|ndjson]",
		Short: "The most frequent values of a field among the matching activities",
		Long: `top counts the matching activities by the values of one field and prints
the N most frequent with their share, and the rest as "(other)". An event
without the field counts as (missing); an array counts once for each
distinct element value. Example, the users with the most failed logins:

  auditdeck top user.user_email --filter 'event_type.eq(login),operation_successful.eq(false)'

It is 'query --stats "count() by FIELD" --top N'. Beyond 50,000 distinct
values the counts are approximate (heavy hitters): a note on stderr says
by how much a count may be low.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if n < 1 {
				return fmt.Errorf("--n must be at least 1")
			}
			eng, release, err := g.engine()
			if err != nil {
				return err
			}
			defer release()
			return runStats(cmd.Context(), eng, statsFlags{
				filter: filter, filterJSON: filterJSON, format: format, top: n, timing: timing,
				metrics: []core.AggMetric{{Op: core.StatCount}}, by: []core.GroupBy{{Field: args[0]}}, share: true,
			}, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&filter, "filter", "", "filter in the DSL")
	fl.StringVar(&filterJSON, "filter-json", "", "filter in the Clumio JSON syntax")
	fl.IntVar(&n, "n", 10, "values to print")
	fl.StringVar(&format, "format", "table", "output format: table, csv or ndjson")
	fl.BoolVar(&timing, "timing", false, "print elapsed_ms=<ms> of the aggregation on stderr")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"table", "csv", "ndjson"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// statsFlags is one aggregation as the CLI asks it.
type statsFlags struct {
	filter, filterJSON, format string
	top                        int
	timing                     bool
	metrics                    []core.AggMetric
	by                         []core.GroupBy
	share                      bool // a column of each group's share of the rows
}

func runStats(ctx context.Context, eng *core.Engine, f statsFlags, stdout, stderr io.Writer) error {
	switch f.format {
	case "table", "csv", "ndjson":
	default:
		return fmt.Errorf("--format %q: expected table, csv or ndjson", f.format)
	}
	if f.top < 0 {
		return fmt.Errorf("--top must not be negative")
	}
	filter, err := parseFilters(f.filter, f.filterJSON)
	if err != nil {
		return err
	}
	printFilterWarnings(ctx, eng, filter, stderr)
	start := time.Now()
	res, err := eng.Aggregate(ctx, core.StatsQuery{Filter: filter, By: f.by, Metrics: f.metrics, Top: f.top})
	if err != nil {
		return err
	}
	if f.timing {
		fmt.Fprintf(stderr, "elapsed_ms=%.3f\n", float64(time.Since(start).Microseconds())/1000)
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	if err := writeStats(out, f, res); err != nil {
		return err
	}
	if res.Approximate {
		fmt.Fprintf(stderr, "note: more groups than the exact table holds; counts may be low by up to %d\n", res.MaxError)
	}
	return out.Flush()
}

func statLabel(m core.AggMetric) string { return m.String() }

// statText formats a metric for table and CSV: counts as integers, first
// and last as times.
func statText(m core.AggMetric, s core.AggStat) string { return m.StatText(s) }

func share(n, of int64) string {
	if of == 0 {
		return "0.0%"
	}
	return strconv.FormatFloat(100*float64(n)/float64(of), 'f', 1, 64) + "%"
}

func writeStats(w io.Writer, f statsFlags, res core.AggregateResult) error {
	var labels []string
	for _, g := range f.by {
		labels = append(labels, g.String())
	}
	for _, m := range f.metrics {
		labels = append(labels, statLabel(m))
	}
	if f.share {
		labels = append(labels, "share")
	}
	row := func(g core.AggGroup, display bool) []string {
		var cells []string
		for _, v := range g.Key {
			if display {
				cells = append(cells, sanitizeLine(v.Display()))
			} else if v.Missing {
				cells = append(cells, "")
			} else {
				cells = append(cells, v.Display())
			}
		}
		for i, m := range f.metrics {
			cells = append(cells, statText(m, g.Stats[i]))
		}
		if f.share {
			cells = append(cells, share(g.Count, res.Rows))
		}
		return cells
	}
	other := func(display bool) []string {
		cells := make([]string, 0, len(labels))
		for i := range f.by {
			if i == 0 {
				unit := " values)"
				if len(f.by) > 1 {
					unit = " groups)"
				}
				cells = append(cells, "(other: "+strconv.FormatInt(res.OtherGroups, 10)+unit)
			} else {
				cells = append(cells, "")
			}
		}
		for _, m := range f.metrics {
			if m.Op == core.StatCount {
				cells = append(cells, strconv.FormatInt(res.OtherCount, 10))
			} else {
				cells = append(cells, "")
			}
		}
		if f.share {
			cells = append(cells, share(res.OtherCount, res.Rows))
		}
		return cells
	}
	switch f.format {
	case "ndjson":
		enc := json.NewEncoder(w)
		for _, g := range res.Groups {
			line := map[string]any{}
			for i, v := range g.Key {
				line[f.by[i].String()] = v.JSON()
			}
			for i, m := range f.metrics {
				line[statLabel(m)] = m.StatJSON(g.Stats[i])
			}
			if err := enc.Encode(line); err != nil {
				return err
			}
		}
		return enc.Encode(map[string]any{"rows": res.Rows, "other_count": res.OtherCount, "other_groups": res.OtherGroups,
			"total_groups": res.TotalGroups, "approximate": res.Approximate, "max_error": res.MaxError})
	case "csv":
		cw, err := render.NewCSV(w, labels)
		if err != nil {
			return err
		}
		for _, g := range res.Groups {
			if err := cw.Write(row(g, false)); err != nil {
				return err
			}
		}
		if res.OtherGroups > 0 {
			if err := cw.Write(other(false)); err != nil {
				return err
			}
		}
		return cw.Flush()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(labels, "\t")))
	for _, g := range res.Groups {
		cells := row(g, true)
		for i, c := range cells {
			cells[i] = tableCell(c, false)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if res.OtherGroups > 0 {
		fmt.Fprintln(tw, strings.Join(other(true), "\t"))
	}
	fmt.Fprintf(tw, "(%d matching events)\n", res.Rows)
	return tw.Flush()
}
