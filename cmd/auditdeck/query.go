package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/core/render"
	"github.com/spf13/cobra"
)

func sanitizeLine(s string) string { return render.Terminal(s) }

type queryFlags struct {
	filter, filterJSON, order, cursor, format string
	columns                                   string // --columns: dotted field paths, comma separated
	stats                                     string // --stats: an aggregation instead of rows
	top                                       int
	limit, offset                             int
	count, timing, explain                    bool
	timeout                                   time.Duration
}

func newQueryCmd(g *globalFlags) *cobra.Command {
	f := &queryFlags{}
	cmd := &cobra.Command{
		Use:   "query [--data DIR] [--filter DSL] [--filter-json JSON] [--order DSL] [--limit N] [--count] [--format table|ndjson|csv] [--columns F,...]",
		Short: "Find activities with the filter language",
		Long: `query prints the activities that match a filter, newest first unless
--order says otherwise. --filter takes the DSL (event_type.eq(login),
!operation_successful, created_at.ge(-7d), ...); --filter-json takes the
Clumio JSON filter; both may be given and are ANDed. --limit 0 prints every
match, streaming. When more rows follow, the cursor for the next page is
printed on stderr as "next: CURSOR"; pass it back with --cursor.
--columns picks the table or CSV columns: any dotted field paths
(event_id,user.user_email,raw.actor.email). The table cuts long cells only
on a terminal, and never the event id.
--stats prints an aggregation of the matches instead of rows:
'count() by user.user_email', or metrics count(), distinct(F), sum(F),
avg(F), min(F), max(F), count_if(FILTER) (the events that also match a
DSL filter), first() and last() (the earliest and latest created_at),
comma separated, by up to three fields (triage.state, triage.by and
created_hour too) or time(1h) buckets; --top N keeps the N largest groups
and sums the rest as (other). An array field counts an event once per
distinct element.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, release, err := g.engine()
			if err != nil {
				return err
			}
			defer release()
			if f.stats != "" {
				metrics, by, err := core.ParseStats(f.stats)
				if err != nil {
					return fmt.Errorf("--stats: %w", err)
				}
				return runStats(cmd.Context(), eng, statsFlags{filter: f.filter, filterJSON: f.filterJSON, format: f.format,
					top: f.top, timing: f.timing, metrics: metrics, by: by}, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			if cmd.Flags().Changed("top") {
				return fmt.Errorf("--top goes with --stats")
			}
			return runQuery(cmd.Context(), eng, f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.filter, "filter", "", "filter in the DSL")
	fl.StringVar(&f.filterJSON, "filter-json", "", "filter in the Clumio JSON syntax")
	fl.StringVar(&f.order, "order", "", "query_order: fields, ! for descending (default !created_at)")
	fl.IntVar(&f.limit, "limit", 50, "rows to print; 0 prints all")
	fl.IntVar(&f.offset, "offset", 0, "rows to skip")
	fl.StringVar(&f.cursor, "cursor", "", "continue after a previous page's cursor")
	fl.BoolVar(&f.count, "count", false, "print only the number of matches")
	fl.StringVar(&f.format, "format", "table", "output format: table, ndjson or csv")
	fl.StringVar(&f.columns, "columns", "", "columns of table and csv output: dotted field paths, comma separated")
	fl.StringVar(&f.stats, "stats", "", "aggregate instead: 'count() by FIELD[, FIELD...]' (see above)")
	fl.IntVar(&f.top, "top", 0, "with --stats: the N largest groups, the rest as (other); 0 prints all")
	fl.BoolVar(&f.timing, "timing", false, "print elapsed_ms=<ms> of the query on stderr")
	fl.BoolVar(&f.explain, "explain", false, "print the query plan instead of results")
	fl.DurationVar(&f.timeout, "timeout", 0, "stop a query that runs longer (0: no limit)")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"table", "ndjson", "csv"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// parseFilters combines the DSL and JSON filters.
func parseFilters(dsl, js string) (query.Filter, error) {
	f, err := query.ParseDSL(dsl)
	if err != nil {
		return f, fmt.Errorf("--filter: %w", err)
	}
	if js != "" {
		jf, err := query.ParseJSON(js)
		if err != nil {
			return f, fmt.Errorf("--filter-json: %w", err)
		}
		f = f.And(jf)
	}
	return f, nil
}

func runQuery(ctx context.Context, eng *core.Engine, f *queryFlags, stdout, stderr io.Writer) (err error) {
	if f.timeout < 0 {
		return fmt.Errorf("--timeout must not be negative")
	}
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
		defer func() {
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
				err = fmt.Errorf("query stopped at --timeout %s: narrow the filter or the time range, or raise --timeout", f.timeout)
			}
		}()
	}
	filter, err := parseFilters(f.filter, f.filterJSON)
	if err != nil {
		return err
	}
	order, err := query.ParseOrder(f.order)
	if err != nil {
		return fmt.Errorf("--order: %w", err)
	}
	if f.limit < 0 || f.offset < 0 {
		return fmt.Errorf("--limit and --offset must not be negative")
	}
	printFilterWarnings(ctx, eng, filter, stderr)
	start := time.Now()
	defer func() {
		if f.timing {
			fmt.Fprintf(stderr, "elapsed_ms=%.3f\n", float64(time.Since(start).Microseconds())/1000)
		}
	}()
	if f.explain {
		plan, err := eng.Explain(filter, order)
		if err != nil {
			return err
		}
		fmt.Fprint(stdout, plan)
		return nil
	}
	if f.count {
		n, err := eng.Count(ctx, filter)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, n)
		return nil
	}
	out := bufio.NewWriterSize(stdout, 256<<10)
	defer out.Flush()
	spec := core.QuerySpec{Filter: filter, Order: order, Limit: f.limit, Offset: f.offset, Cursor: f.cursor}
	var emit func(*core.Activity) error
	var finish func() error
	cut := isTerminal(stdout) // off a terminal every cell is printed whole
	format := f.format
	if f.columns != "" {
		if emit, finish, spec.WithRaw, err = columnsOutput(f.format, f.columns, out, cut); err != nil {
			return err
		}
		format = "" // written by columnsOutput
	}
	switch format {
	case "":
	case "ndjson":
		spec.WithRaw = true
		var line []byte
		emit = func(a *core.Activity) error {
			line = core.NDJSONLine(line[:0], a)
			_, err := out.Write(line)
			return err
		}
		finish = func() error { return nil }
	case "csv":
		labels := make([]string, len(core.DefaultActivityColumns))
		for i, c := range core.DefaultActivityColumns {
			labels[i] = c.Label
		}
		w, err := render.NewCSV(out, labels)
		if err != nil {
			return err
		}
		cells := make([]string, len(labels))
		emit = func(a *core.Activity) error {
			for i, c := range core.DefaultActivityColumns {
				cells[i], _ = core.ColumnValue(a, c.Field)
			}
			return w.Write(cells)
		}
		finish = w.Flush
	case "table":
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "TIME\tTYPE\tUSER\tIP\tCOUNTRY\tVENDOR/SERVICE\tRESULT\tSUSPICIOUS\tTRIAGE\tEVENT ID")
		cell := func(s string) string { return tableCell(s, cut) }
		emit = func(a *core.Activity) error {
			_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
				a.Time().Format("2006-01-02 15:04:05"), cell(a.EventType), cell(a.UserEmail), cell(a.ClientIP), cell(a.Country),
				cell(a.VendorName+"/"+a.VendorService), result(a.Successful), suspicious(a.Suspicious), a.StateOf(), tableCell(a.EventID, false))
			return err
		}
		finish = tw.Flush
	default:
		return fmt.Errorf("--format %q: expected table, ndjson or csv", f.format)
	}
	next, err := eng.Scan(ctx, spec, emit)
	if err != nil {
		return err
	}
	if err := finish(); err != nil {
		return err
	}
	if next != "" {
		fmt.Fprintf(stderr, "next: %s\n", next)
	}
	return nil
}

// cell is a list cell (report, task, subscription lists): cut to fit.
func cell(s string) string { return tableCell(s, true) }

func result(t core.Tri) string {
	switch t {
	case core.TriTrue:
		return "ok"
	case core.TriFalse:
		return "FAILED"
	}
	return "-"
}

func suspicious(t core.Tri) string {
	if t == core.TriTrue {
		return "SUSPICIOUS"
	}
	return "-"
}

// printFilterWarnings says on stderr which terms of a filter look like
// mistakes (a field no stored event has), for every command that takes one:
// the answer is still given, since an empty result may be right.
func printFilterWarnings(ctx context.Context, eng *core.Engine, f query.Filter, stderr io.Writer) {
	for _, w := range eng.FilterWarnings(ctx, f) {
		fmt.Fprintln(stderr, "warning: "+w)
	}
}
