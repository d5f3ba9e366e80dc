package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/core/render"
	"github.com/spf13/cobra"
)

// The local CLI acts with full rights: whoever can open the data directory
// owns the data. --user names the actor in the audit log.
func localActor(user string) core.Actor {
	if user == "" {
		user = currentUser()
	}
	return core.Actor{User: user, Admin: true, From: "cli"}
}

func exportsDir(g *globalFlags, flag string) string {
	if flag != "" {
		return flag
	}
	return filepath.Join(g.dataDir, "exports")
}

// parseColumns reads "field:Label,field2:Label 2" (label optional).
func parseColumns(s string) [][]string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out [][]string
	for _, part := range strings.Split(s, ",") {
		field, label, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			label = field
		}
		out = append(out, []string{strings.TrimSpace(field), strings.TrimSpace(label)})
	}
	return out
}

type exportFlags struct {
	filter, filterJSON, order, columns, formats, fileName, title, typ, exports, user, groupBy string
	timeZone                                                                                  string
	limit                                                                                     int64
}

func (f *exportFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.filter, "filter", "", "filter in the DSL")
	fl.StringVar(&f.filterJSON, "filter-json", "", "filter in the Clumio JSON syntax (ANDed)")
	fl.StringVar(&f.order, "order", "", "query_order")
	fl.StringVar(&f.columns, "columns", "", "columns as field:Label,... (default: the type's columns)")
	fl.StringVar(&f.formats, "format", "csv", "formats, comma separated: csv, ndjson, json, html, pdf, xlsx")
	fl.StringVar(&f.fileName, "file-name", "", "output name without extension (required)")
	fl.StringVar(&f.title, "title", "", "title shown in HTML, PDF and XLSX")
	fl.StringVar(&f.timeZone, "time-zone", "UTC", "IANA time zone of the times shown in HTML, PDF and XLSX")
	fl.StringVar(&f.typ, "type", "activity", "activity, audit or consumption")
	fl.StringVar(&f.groupBy, "group-by", "", "group by one or two fields (comma separated), counting events")
	fl.Int64Var(&f.limit, "limit", 0, "write at most this many rows (0: all; a cut is recorded in the manifest)")
	fl.StringVar(&f.exports, "exports", "", "export directory (default DATA/exports)")
	fl.StringVar(&f.user, "user", "", "acting user for ownership and the audit log (default: login name)")
}

func (f *exportFlags) request() (core.ExportRequest, error) {
	filter, err := parseFilters(f.filter, f.filterJSON)
	if err != nil {
		return core.ExportRequest{}, err
	}
	req := core.ExportRequest{Type: core.ReportType(f.typ), Title: f.title, Filter: filter.String(), Order: f.order,
		Columns: parseColumns(f.columns), Formats: strings.Split(f.formats, ","), FileName: f.fileName, RowLimit: f.limit, TimeZone: f.timeZone}
	if f.groupBy != "" {
		req.GroupBy = &core.GroupSpec{By: strings.Split(f.groupBy, ",")}
	}
	return req, nil
}

func newExportCmd(g *globalFlags) *cobra.Command {
	f := &exportFlags{}
	cmd := &cobra.Command{
		Use:   "export --file-name NAME [--filter DSL] [--format csv,html,...]",
		Short: "Export matching events to files (csv, ndjson, json, html, pdf, xlsx)",
		Long: `export runs an export task in this process and waits for it, showing
progress. The files appear in the task's own directory, EXPORTS/TASK_ID/, under
their final names only when complete, with a NAME.manifest.json beside them (request, resolved window,
row count, sizes, sha256). Nothing is cut unless --limit says so.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := f.request()
			if err != nil {
				return err
			}
			ctx, stop := g.interruptible(cmd.Context())
			defer stop()
			eng, release, err := g.engine()
			if err != nil {
				return err
			}
			defer release()
			tr, stopTasks, err := g.taskRunner(eng, exportsDir(g, f.exports))
			if err != nil {
				return err
			}
			defer stopTasks()
			if pf, err := query.ParseDSL(req.Filter); err == nil {
				printFilterWarnings(ctx, eng, pf, cmd.ErrOrStderr())
			}
			a := localActor(f.user)
			t, err := tr.Submit(ctx, a, req)
			if err != nil {
				return err
			}
			return waitAndPrint(ctx, tr, a, t, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f.register(cmd)
	return cmd
}

// waitAndPrint follows a task to its end; an interrupt cancels it.
func waitAndPrint(ctx context.Context, tr *core.TaskRunner, a core.Actor, t core.Task, stdout, stderr io.Writer) error {
	if t.Total >= 0 {
		fmt.Fprintf(stderr, "task %s: %d rows\n", t.ID, t.Total)
	} else {
		fmt.Fprintf(stderr, "task %s: grouped; rows are known when it ends\n", t.ID)
	}
	show := isTerminal(stderr)
	t, err := tr.Wait(ctx, a, t.ID, 200*time.Millisecond, func(t core.Task) {
		if show && t.Total > 0 {
			fmt.Fprintf(stderr, "\r%s %d/%d rows %3.0f%%", t.Status, t.Done, t.Total, 100*float64(t.Done)/float64(t.Total))
		}
	})
	if show {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if errors.Is(err, context.Canceled) {
		c, _ := tr.Cancel(context.Background(), a, t.ID)
		return fmt.Errorf("interrupted: task %s %s", c.ID, c.Status)
	}
	if err != nil {
		return err
	}
	if t.Status != core.TaskSucceeded {
		return fmt.Errorf("task %s %s: %s", t.ID, t.Status, t.Error)
	}
	for _, f := range t.Files {
		fmt.Fprintf(stdout, "%s\t%d rows\t%d bytes\tsha256 %s\n", f.Path, t.Done, f.Bytes, f.SHA256)
	}
	if t.Truncated {
		fmt.Fprintf(stderr, "note: --limit cut the result to %d of more rows (recorded in %s)\n", t.Done, t.Manifest)
	}
	return nil
}

// engineRun is a subcommand body that needs the engine and the actor.
type engineRun func(ctx context.Context, eng *core.Engine, a core.Actor, args []string, out io.Writer) error

// engineCommand opens the store for a subcommand and closes it after; the
// acting user is read when the command runs, after flag parsing.
func engineCommand(g *globalFlags, user *string) func(engineRun) func(*cobra.Command, []string) error {
	return func(run engineRun) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			eng, release, err := g.engine()
			if err != nil {
				return err
			}
			defer release()
			return run(cmd.Context(), eng, localActor(*user), args, cmd.OutOrStdout())
		}
	}
}

func newReportCmd(g *globalFlags) *cobra.Command {
	var user string
	root := &cobra.Command{Use: "report", Short: "Defined reports: list, show, create, update, delete, generate"}
	root.PersistentFlags().StringVar(&user, "user", "", "acting user (default: login name)")
	withEngine := engineCommand(g, &user)
	var listFmt string
	list := &cobra.Command{Use: "list [--format table|json]", Short: "List defined reports", Args: cobra.NoArgs,
		RunE: withEngine(func(ctx context.Context, eng *core.Engine, a core.Actor, _ []string, out io.Writer) error {
			rs, err := eng.ListReports(ctx, a)
			if err != nil {
				return err
			}
			if listFmt == "json" {
				return printList(out, reportRecords(rs))
			}
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTITLE\tTYPE\tFILTER\tOWNER\tPREDEFINED")
			for _, r := range rs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\n", r.ID, cell(r.Title), r.Type, cell(r.QueryFilter), cell(r.Owner), r.Predefined)
			}
			return tw.Flush()
		})}
	listFormat(list, &listFmt)
	show := &cobra.Command{Use: "show ID", Short: "Show a defined report as JSON", Args: cobra.ExactArgs(1),
		RunE: withEngine(func(ctx context.Context, eng *core.Engine, a core.Actor, args []string, out io.Writer) error {
			r, err := eng.GetReport(ctx, a, args[0])
			if err != nil {
				return notFound(err, "report", args[0])
			}
			return printJSON(out, r)
		})}
	var title, filter, order, columns, groupBy, typ string
	create := &cobra.Command{Use: "create --title T [--type activity] [--filter DSL]", Short: "Create a defined report", Args: cobra.NoArgs,
		RunE: withEngine(func(ctx context.Context, eng *core.Engine, a core.Actor, _ []string, out io.Writer) error {
			r := core.DefinedReport{Title: title, Type: core.ReportType(typ), QueryFilter: filter, QueryOrder: order, Columns: parseColumns(columns)}
			if groupBy != "" {
				r.GroupBy = &core.GroupSpec{By: strings.Split(groupBy, ",")}
			}
			r, err := eng.CreateReport(ctx, a, r)
			if err != nil {
				return err
			}
			fmt.Fprintln(out, r.ID)
			return nil
		})}
	for _, c := range []*cobra.Command{create} {
		c.Flags().StringVar(&title, "title", "", "title")
		c.Flags().StringVar(&typ, "type", "activity", "activity, audit or consumption (immutable)")
		c.Flags().StringVar(&filter, "filter", "", "query_filter (DSL)")
		c.Flags().StringVar(&order, "order", "", "query_order")
		c.Flags().StringVar(&columns, "columns", "", "columns as field:Label,...")
		c.Flags().StringVar(&groupBy, "group-by", "", "group by one or two fields")
	}
	update := &cobra.Command{Use: "update ID [--title T] [--filter DSL] [--order O] [--columns C]", Short: "Update a defined report", Args: cobra.ExactArgs(1)}
	update.Flags().String("title", "", "new title")
	update.Flags().String("filter", "", "new query_filter")
	update.Flags().String("order", "", "new query_order")
	update.Flags().String("columns", "", "new columns as field:Label,...")
	update.RunE = withEngine(func(ctx context.Context, eng *core.Engine, a core.Actor, args []string, out io.Writer) error {
		var p core.ReportPatch
		fl := update.Flags()
		if fl.Changed("title") {
			v, _ := fl.GetString("title")
			p.Title = &v
		}
		if fl.Changed("filter") {
			v, _ := fl.GetString("filter")
			p.QueryFilter = &v
		}
		if fl.Changed("order") {
			v, _ := fl.GetString("order")
			p.QueryOrder = &v
		}
		if fl.Changed("columns") {
			v, _ := fl.GetString("columns")
			c := parseColumns(v)
			p.Columns = &c
		}
		r, err := eng.UpdateReport(ctx, a, args[0], p)
		if err != nil {
			return notFound(err, "report", args[0])
		}
		return printJSON(out, r)
	})
	var forceDelete bool
	del := &cobra.Command{Use: "delete ID [--force]", Short: "Delete a defined report (--force: with its subscriptions)", Args: cobra.ExactArgs(1),
		RunE: withEngine(func(ctx context.Context, eng *core.Engine, a core.Actor, args []string, out io.Writer) error {
			subs, err := eng.ReportSubscriptions(ctx, a, args[0])
			if err != nil {
				return notFound(err, "report", args[0])
			}
			err = eng.DeleteReport(ctx, a, args[0], forceDelete)
			var se *core.SubscribedError
			if errors.As(err, &se) {
				parts := make([]string, len(se.Subscriptions))
				for i, s := range se.Subscriptions {
					parts[i] = fmt.Sprintf("%s (%s, every %s)", s.ID, sanitizeLine(s.Owner), s.Period)
				}
				return fmt.Errorf("report %s has %s: %s; unsubscribe first, or pass --force to delete them with the report",
					sanitizeLine(args[0]), plural(len(parts), "subscription", "subscriptions"), strings.Join(parts, ", "))
			}
			if err != nil {
				return notFound(err, "report", args[0])
			}
			if len(subs) > 0 {
				fmt.Fprintf(out, "deleted report %s and %s\n", sanitizeLine(args[0]), plural(len(subs), "subscription", "subscriptions"))
			}
			return nil
		})}
	del.Flags().BoolVar(&forceDelete, "force", false, "also delete the report's subscriptions")
	var genFormats, genName, genFrom, genTo, genExports, genZone string
	generate := &cobra.Command{Use: "generate ID [--format csv,pdf] [--from T] [--to T]", Short: "Generate a defined report now", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, release, err := g.engine()
			if err != nil {
				return err
			}
			defer release()
			ctx := cmd.Context()
			a := localActor(user)
			r, err := eng.GetReport(ctx, a, args[0])
			if err != nil {
				return notFound(err, "report", args[0])
			}
			req := core.ExportRequest{Type: r.Type, Title: r.Title, Filter: r.QueryFilter, Order: r.QueryOrder, Columns: r.Columns, GroupBy: r.GroupBy,
				Formats: strings.Split(genFormats, ","), FileName: genName, DefinedReportID: r.ID, TimeZone: genZone}
			if req.FileName == "" {
				req.FileName = fmt.Sprintf("%s %s", r.Title, eng.Now().UTC().Format("2006-01-02 150405"))
			}
			// Each flag on its own: a map keyed by the values read one of
			// them when both were the same.
			for _, w := range []struct {
				name, value string
				dst         **time.Time
			}{{"--from", genFrom, &req.WindowStart}, {"--to", genTo, &req.WindowEnd}} {
				if w.value == "" {
					continue
				}
				t, err := parseWindowFlag(w.value)
				if err != nil {
					return fmt.Errorf("%s %q: expected an RFC 3339 time such as 2026-11-01T00:00:00Z or a date such as 2026-11-01 (UTC)", w.name, sanitizeLine(w.value))
				}
				*w.dst = &t
			}
			tr, stopTasks, err := g.taskRunner(eng, exportsDir(g, genExports))
			if err != nil {
				return err
			}
			defer stopTasks()
			t, err := tr.Submit(ctx, a, req)
			if err != nil {
				return err
			}
			return waitAndPrint(ctx, tr, a, t, cmd.OutOrStdout(), cmd.ErrOrStderr())
		}}
	generate.Flags().StringVar(&genFormats, "format", "csv", "formats, comma separated")
	generate.Flags().StringVar(&genName, "file-name", "", "output name (default: title and time)")
	generate.Flags().StringVar(&genFrom, "from", "", "window start, RFC 3339 or a date (UTC)")
	generate.Flags().StringVar(&genTo, "to", "", "window end (exclusive), RFC 3339 or a date (UTC)")
	generate.Flags().StringVar(&genExports, "exports", "", "export directory (default DATA/exports)")
	generate.Flags().StringVar(&genZone, "time-zone", "UTC", "IANA time zone of the times shown in HTML, PDF and XLSX")
	root.AddCommand(list, show, create, update, del, generate)
	return root
}

func newTaskCmd(g *globalFlags) *cobra.Command {
	var user, exports string
	root := &cobra.Command{Use: "task", Short: "Export and report tasks: list, show, cancel, retry, delete"}
	root.PersistentFlags().StringVar(&user, "user", "", "acting user (default: login name)")
	root.PersistentFlags().StringVar(&exports, "exports", "", "export directory (default DATA/exports)")
	withRunner := func(run func(ctx context.Context, tr *core.TaskRunner, a core.Actor, args []string, out, errOut io.Writer) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			eng, release, err := g.engine()
			if err != nil {
				return err
			}
			defer release()
			tr, stopTasks, err := g.taskRunner(eng, exportsDir(g, exports))
			if err != nil {
				return err
			}
			defer stopTasks()
			return run(cmd.Context(), tr, localActor(user), args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		}
	}
	var listFmt string
	list := &cobra.Command{Use: "list [--format table|json]", Short: "List tasks, newest first", Args: cobra.NoArgs,
		RunE: withRunner(func(ctx context.Context, tr *core.TaskRunner, a core.Actor, _ []string, out, errOut io.Writer) error {
			ts, err := tr.List(ctx, a)
			if err != nil {
				return err
			}
			if listFmt == "json" {
				return printList(out, taskRecords(ts))
			}
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tKIND\tSTATUS\tROWS\tOWNER\tFILE\tCREATED")
			for _, t := range ts {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%s\t%s\t%s\n", t.ID, t.Kind, t.Status, t.Done, t.Total, cell(t.Owner), cell(t.Request.FileName), t.CreatedAt.Format(time.RFC3339))
			}
			return tw.Flush()
		})}
	listFormat(list, &listFmt)
	show := &cobra.Command{Use: "show ID", Short: "Show a task as JSON", Args: cobra.ExactArgs(1),
		RunE: withRunner(func(ctx context.Context, tr *core.TaskRunner, a core.Actor, args []string, out, errOut io.Writer) error {
			t, err := tr.Get(ctx, a, args[0])
			if err != nil {
				return notFound(err, "task", args[0])
			}
			return printJSON(out, t)
		})}
	cancel := &cobra.Command{Use: "cancel ID", Short: "Cancel a queued or running task", Args: cobra.ExactArgs(1),
		RunE: withRunner(func(ctx context.Context, tr *core.TaskRunner, a core.Actor, args []string, out, errOut io.Writer) error {
			t, err := tr.Cancel(ctx, a, args[0])
			if err != nil {
				return notFound(err, "task", args[0])
			}
			fmt.Fprintf(out, "task %s %s\n", t.ID, t.Status)
			return nil
		})}
	retry := &cobra.Command{Use: "retry ID", Short: "Run a failed or canceled task again and wait for it", Args: cobra.ExactArgs(1),
		RunE: withRunner(func(ctx context.Context, tr *core.TaskRunner, a core.Actor, args []string, out, errOut io.Writer) error {
			t, err := tr.Retry(ctx, a, args[0])
			if err != nil {
				return notFound(err, "task", args[0])
			}
			return waitAndPrint(ctx, tr, a, t, out, errOut)
		})}
	del := &cobra.Command{Use: "delete ID", Short: "Delete a task and its files", Args: cobra.ExactArgs(1),
		RunE: withRunner(func(ctx context.Context, tr *core.TaskRunner, a core.Actor, args []string, out, errOut io.Writer) error {
			return notFound(tr.Delete(ctx, a, args[0]), "task", args[0])
		})}
	wait := &cobra.Command{Use: "wait ID", Short: "Run tasks left unfinished (for example by a crash) and wait for one", Args: cobra.ExactArgs(1),
		RunE: withRunner(func(ctx context.Context, tr *core.TaskRunner, a core.Actor, args []string, out, errOut io.Writer) error {
			t, err := tr.Get(ctx, a, args[0])
			if err != nil {
				return notFound(err, "task", args[0])
			}
			return waitAndPrint(ctx, tr, a, t, out, errOut)
		})}
	root.AddCommand(list, show, cancel, retry, wait, del)
	return root
}

func newSubscriptionCmd(g *globalFlags) *cobra.Command {
	var user, exports string
	root := &cobra.Command{Use: "subscription", Short: "Periodic reports: list, create, pause, resume, run, delete"}
	root.PersistentFlags().StringVar(&user, "user", "", "acting user (default: login name)")
	withEngine := engineCommand(g, &user)
	var listFmt string
	list := &cobra.Command{Use: "list [--format table|json]", Short: "List subscriptions with their next and last runs", Args: cobra.NoArgs,
		RunE: withEngine(func(ctx context.Context, eng *core.Engine, a core.Actor, _ []string, out io.Writer) error {
			subs, err := eng.ListSubscriptions(ctx, a)
			if err != nil {
				return err
			}
			if listFmt == "json" {
				return printList(out, subscriptionRecords(subs))
			}
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tREPORT\tPERIOD\tZONE\tENABLED\tNEXT RUN\tLAST RUN\tDELIVERY")
			for _, s := range subs {
				last, delivered := "-", "-"
				if len(s.Runs) > 0 {
					last = fmt.Sprintf("%s %s", s.Runs[0].Window.Start.Format("2006-01-02"), s.Runs[0].State)
					delivered = deliveryShort(s.Runs[0].Delivery)
				}
				next := "-"
				if !s.NextRunAt.IsZero() {
					next = s.NextRunAt.Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\t%s\t%s\n", s.ID, s.DefinedReportID, s.Period, orUTC(s.TimeZone), s.Enabled, next, last, delivered)
			}
			return tw.Flush()
		})}
	listFormat(list, &listFmt)
	var period, zone, formats, webhook string
	var delay time.Duration
	create := &cobra.Command{Use: "create REPORT_ID --period day|week|month|quarter|year", Short: "Subscribe to a defined report", Args: cobra.ExactArgs(1),
		RunE: withEngine(func(ctx context.Context, eng *core.Engine, a core.Actor, args []string, out io.Writer) error {
			s, err := eng.Subscribe(ctx, a, core.SubscribeRequest{DefinedReportID: args[0], Period: period, TimeZone: zone,
				Formats: strings.Split(formats, ","), Delay: delay, Webhook: webhook})
			if err != nil {
				return err
			}
			fmt.Fprintln(out, s.ID)
			if s.WebhookSecret != "" {
				fmt.Fprintf(out, "webhook secret (shown once; notices carry %s): %s\n", "X-Auditdeck-Signature", s.WebhookSecret)
			}
			return nil
		})}
	create.Flags().StringVar(&period, "period", "", "day, week, month, quarter or year")
	create.Flags().StringVar(&zone, "time-zone", "UTC", "IANA time zone of the periods")
	create.Flags().StringVar(&formats, "format", "csv", "formats, comma separated")
	create.Flags().DurationVar(&delay, "delay", 15*time.Minute, "ingestion delay after the period ends")
	create.Flags().StringVar(&webhook, "webhook", "", "URL that receives a signed JSON notice per report")
	state := func(use, short string, enabled bool) *cobra.Command {
		return &cobra.Command{Use: use + " ID", Short: short, Args: cobra.ExactArgs(1),
			RunE: withEngine(func(ctx context.Context, eng *core.Engine, a core.Actor, args []string, out io.Writer) error {
				_, err := eng.SetSubscriptionEnabled(ctx, a, args[0], enabled)
				return notFound(err, "subscription", args[0])
			})}
	}
	del := &cobra.Command{Use: "delete ID", Short: "Unsubscribe", Args: cobra.ExactArgs(1),
		RunE: withEngine(func(ctx context.Context, eng *core.Engine, a core.Actor, args []string, out io.Writer) error {
			return notFound(eng.Unsubscribe(ctx, a, args[0]), "subscription", args[0])
		})}
	run := &cobra.Command{Use: "run ID", Short: "Generate the latest complete period now (once per period)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, release, err := g.engine()
			if err != nil {
				return err
			}
			defer release()
			// RunSubscriptionNow writes through the engine's task runner.
			_, stopTasks, err := g.taskRunner(eng, exportsDir(g, exports))
			if err != nil {
				return err
			}
			defer stopTasks()
			r, err := eng.RunSubscriptionNow(cmd.Context(), localActor(user), args[0])
			if err != nil {
				return notFound(err, "subscription", args[0])
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s .. %s: %s, report %s, %d rows, webhook %s\n", r.SubscriptionID, r.Window.Start.Format(time.RFC3339),
				r.Window.End.Format(time.RFC3339), r.State, r.ReportID, r.Rows, sanitizeLine(r.Delivery.String()))
			if r.Error != "" {
				return errors.New(r.Error)
			}
			if r.Delivery.State == core.DeliveryFailed {
				return fmt.Errorf("report %s was generated, but its webhook notice %s", r.ReportID, sanitizeLine(r.Delivery.String()))
			}
			return nil
		}}
	run.Flags().StringVar(&exports, "exports", "", "export directory (default DATA/exports)")
	show := &cobra.Command{Use: "show ID", Short: "Show a subscription and its runs with their webhook deliveries", Args: cobra.ExactArgs(1),
		RunE: withEngine(func(ctx context.Context, eng *core.Engine, a core.Actor, args []string, out io.Writer) error {
			s, err := eng.GetSubscription(ctx, a, args[0])
			if err != nil {
				return notFound(err, "subscription", args[0])
			}
			next := "-"
			if !s.NextRunAt.IsZero() {
				next = s.NextRunAt.Format(time.RFC3339)
			}
			fmt.Fprintf(out, "subscription %s: report %s, every %s in %s, %s, owner %s, next run %s\n", s.ID, s.DefinedReportID, s.Period,
				orUTC(s.TimeZone), map[bool]string{true: "enabled", false: "paused"}[s.Enabled], sanitizeLine(s.Owner), next)
			if s.Webhook != "" {
				fmt.Fprintf(out, "webhook %s\n", sanitizeLine(s.Webhook))
			}
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "WINDOW START\tWINDOW END\tSTATE\tROWS\tREPORT\tDELIVERY\tERROR")
			for _, r := range s.Runs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.Window.Start.Format(time.RFC3339), r.Window.End.Format(time.RFC3339), r.State, r.Rows,
					cell(r.ReportID), sanitizeLine(r.Delivery.String()), cell(r.Error))
			}
			return tw.Flush()
		})}
	root.AddCommand(list, show, create, state("pause", "Pause a subscription", false), state("resume", "Resume a subscription", true), run, del)
	return root
}

func orUTC(z string) string {
	if z == "" {
		return "UTC"
	}
	return z
}

// printJSON writes v as indented JSON through render.SafeJSON: encoding/json
// leaves C1 controls, bidi overrides and zero-width characters raw, and
// these values hold what users typed (filters, names) on their way to a
// terminal.
func printJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	// Line by line: SafeJSON turns the indentation's newlines into spaces
	// (encoding/json writes no raw newline inside a string).
	var out []byte
	for line := range bytes.Lines(buf.Bytes()) {
		body, nl := bytes.CutSuffix(line, []byte("\n"))
		out = render.SafeJSON(out, body)
		if nl {
			out = append(out, '\n')
		}
	}
	_, err := w.Write(out)
	return err
}

func notFound(err error, what, id string) error {
	if errors.Is(err, core.ErrNotFound) {
		return fmt.Errorf("no %s %q", what, sanitizeLine(id))
	}
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// deliveryShort is a run's webhook outcome in a table cell.
func deliveryShort(d core.Delivery) string {
	switch d.State {
	case core.DeliveryFailed, core.DeliveryDelivered:
		if d.Attempts > 1 || d.State == core.DeliveryFailed {
			return fmt.Sprintf("%s (%s)", d.State, plural(d.Attempts, "attempt", "attempts"))
		}
	case "":
		return string(core.DeliveryNone)
	}
	return string(d.State)
}

// parseWindowFlag reads a window bound of report generate: an RFC 3339 time
// or a date, the start of that day in UTC.
func parseWindowFlag(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}
