package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/synthetic"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/spf13/cobra"
)

func newDemoCmd() *cobra.Command {
	var keep, printOnly bool
	var events int
	cmd := &cobra.Command{
		Use:   "demo [--keep | --data DIR] [--events N]",
		Short: "Open auditdeck on a temporary store of generated demo data",
		Long: `demo fills a temporary store with a generated, realistic data set over the
last 30 days, a few defined reports, a subscription and a finished export,
and opens the dashboard on it. Off a terminal (or with --print) it prints
the newest activity and the failed and suspicious logins instead. The store
is removed on exit unless --keep is given; with --data DIR (a new or empty
directory) demo builds its store there and keeps it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, keep, err := demoDir(cmd, keep)
			if err != nil {
				return err
			}
			if !keep {
				defer os.RemoveAll(dir)
			}
			if printOnly || !isTerminal(os.Stdout) {
				return runDemo(cmd.Context(), dir, events, keep, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "auditdeck demo: generating %d events into %s ...\n", events, dir)
			if err := seedDemo(cmd.Context(), dir, events); err != nil {
				return err
			}
			o := dashboardOptions{dataDir: dir, configPath: tui.DefaultConfigPath(), user: "demo"}
			if !keep {
				o.quitQuestion = "quit and delete the demo store (--keep keeps it)?"
			}
			return runDashboard(o)
		},
	}
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the demo store instead of removing it")
	cmd.Flags().BoolVar(&printOnly, "print", false, "print a summary instead of opening the dashboard (also when not on a terminal)")
	cmd.Flags().IntVar(&events, "events", 40000, "number of demo events")
	return cmd
}

func runDemo(ctx context.Context, dir string, events int, keep bool, stdout, stderr io.Writer) error {
	eng, err := openEngine(dir)
	if err != nil {
		return err
	}
	defer eng.Close()
	var buf bytes.Buffer
	end := time.Now().UTC().Truncate(time.Minute)
	if err := synthetic.Write(&buf, synthetic.Options{Events: events, Seed: 42, End: end, Days: 30, Users: 800}); err != nil {
		return err
	}
	start := time.Now()
	rep, err := eng.Ingest(ctx, &buf, core.IngestOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "auditdeck demo: %d events over the last 30 days ingested in %s into %s\n\n", rep.Ingested, time.Since(start).Round(time.Millisecond), dir)
	// A kept store is explored later, so it gets what the dashboard demo
	// seeds too; a removed one would only spend time on it.
	if keep {
		if err := seedDemoObjects(ctx, eng, dir); err != nil {
			return err
		}
	}
	sections := []struct{ title, filter string }{
		{"Newest activity", ""},
		{"Failed logins, last 7 days", "event_type.eq(login),!operation_successful,created_at.ge(-7d)"},
		{"Suspicious logins", "extra.auth.is_suspicious"},
	}
	for _, s := range sections {
		f, err := query.ParseDSL(s.filter)
		if err != nil {
			return err
		}
		n, err := eng.Count(ctx, f)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "== %s (%d)   filter: %s\n", s.title, n, orAll(s.filter))
		if err := runQuery(ctx, eng, &queryFlags{filter: s.filter, limit: 5, format: "table"}, stdout, io.Discard); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
	}
	if keep {
		fmt.Fprintf(stdout, "Explore further:\n  auditdeck query --data %s --filter 'user.user_email.icontains(smith)'\n  auditdeck triage --data %s --state escalated --filter 'extra.auth.is_suspicious'\n", dir, dir)
	} else {
		fmt.Fprintln(stdout, "Run with --keep to keep this store and explore it with auditdeck query --data DIR.")
	}
	return nil
}

func orAll(s string) string {
	if s == "" {
		return "(all)"
	}
	return s
}

// seedDemo fills a demo store: events, a defined report, a subscription and
// a finished export, so every tab of the dashboard has something to show.
func seedDemo(ctx context.Context, dir string, events int) error {
	eng, err := openEngine(dir)
	if err != nil {
		return err
	}
	defer eng.Close()
	var buf bytes.Buffer
	end := time.Now().UTC().Truncate(time.Minute)
	if err := synthetic.Write(&buf, synthetic.Options{Events: events, Seed: 42, End: end, Days: 30, Users: 800}); err != nil {
		return err
	}
	if _, err := eng.Ingest(ctx, &buf, core.IngestOptions{}); err != nil {
		return err
	}
	return seedDemoObjects(ctx, eng, dir)
}

// seedDemoObjects adds to a demo store's events a defined report, a
// subscription, triaged events and a finished export.
func seedDemoObjects(ctx context.Context, eng *core.Engine, dir string) error {
	demo := core.Actor{User: "demo", Admin: true, From: "demo"}
	if _, err := eng.CreateReport(ctx, demo, core.DefinedReport{Title: "Failed logins outside the US",
		QueryFilter: "event_type.eq(login),operation_successful.eq(false),!client_location.country.code.eq(US)"}); err != nil {
		return err
	}
	if _, err := eng.Subscribe(ctx, demo, core.SubscribeRequest{DefinedReportID: "18", Period: "day", Formats: []string{"csv", "html"}}); err != nil {
		return err
	}
	f, _ := query.ParseDSL("extra.auth.is_suspicious")
	if _, err := eng.TriageFilter(ctx, core.TriageRequest{Actor: "demo", State: core.StateEscalated, Note: "suspicious sign-in, ask the user"}, f); err != nil {
		return err
	}
	tr, err := eng.StartTasks(core.TaskOptions{Dir: filepath.Join(dir, "exports")})
	if err != nil {
		return err
	}
	defer tr.Close()
	t, err := tr.Submit(ctx, demo, core.ExportRequest{Title: "Failed logins, last 7 days", Filter: "event_type.eq(login),operation_successful.eq(false),created_at.ge(-7d)",
		Formats: []string{"csv", "html"}, FileName: "failed-logins-7d"})
	if err != nil {
		return err
	}
	_, err = tr.Wait(ctx, demo, t.ID, 50*time.Millisecond, nil)
	return err
}
