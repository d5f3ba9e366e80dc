package main

import (
	"fmt"
	"io"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/spf13/cobra"
)

// The --format json records of report, subscription and task list. They are
// the CLI's own contract for scripts, separate from the stored types, so a
// change to what the store keeps does not rename a field a script reads.
// Times are RFC 3339 in UTC; an unknown time is null.

type reportRecord struct {
	ID         string          `json:"id"`
	Title      string          `json:"title"`
	Type       string          `json:"type"`
	Filter     string          `json:"filter"`
	Order      string          `json:"order"`
	Columns    [][]string      `json:"columns"`
	GroupBy    *core.GroupSpec `json:"group_by"`
	Owner      string          `json:"owner"`
	Predefined bool            `json:"predefined"`
	CreatedAt  *time.Time      `json:"created_at"`
	ModifiedAt *time.Time      `json:"modified_at"`
}

type runRecord struct {
	WindowStart *time.Time `json:"window_start"`
	WindowEnd   *time.Time `json:"window_end"`
	State       string     `json:"state"`
	ReportID    string     `json:"report_id"`
	Rows        int64      `json:"rows"`
	Error       string     `json:"error"`
	FinishedAt  *time.Time `json:"finished_at"`
}

type subscriptionRecord struct {
	ID              string     `json:"id"`
	DefinedReportID string     `json:"defined_report_id"`
	Owner           string     `json:"owner"`
	Period          string     `json:"period"`
	TimeZone        string     `json:"time_zone"`
	Formats         []string   `json:"formats"`
	Enabled         bool       `json:"enabled"`
	Webhook         bool       `json:"webhook"` // whether notices are sent; the URL may hold a secret
	CreatedAt       *time.Time `json:"created_at"`
	NextRunAt       *time.Time `json:"next_run_at"`
	LastRun         *runRecord `json:"last_run"`
}

type taskFileRecord struct {
	Format string `json:"format"`
	Name   string `json:"name"`
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

type taskRecord struct {
	ID         string           `json:"id"`
	Kind       string           `json:"kind"`
	Status     string           `json:"status"`
	Owner      string           `json:"owner"`
	Type       string           `json:"type"`
	Filter     string           `json:"filter"`
	FileName   string           `json:"file_name"`
	Formats    []string         `json:"formats"`
	Done       int64            `json:"done"`
	Total      int64            `json:"record_total_num"`
	Truncated  bool             `json:"truncated"`
	Error      string           `json:"error"`
	Files      []taskFileRecord `json:"files"`
	CreatedAt  *time.Time       `json:"created_at"`
	FinishedAt *time.Time       `json:"finished_at"`
}

func utcOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func reportRecords(rs []core.DefinedReport) []reportRecord {
	out := make([]reportRecord, 0, len(rs))
	for _, r := range rs {
		cols := r.Columns
		if cols == nil {
			cols = [][]string{}
		}
		out = append(out, reportRecord{ID: r.ID, Title: r.Title, Type: string(r.Type), Filter: r.QueryFilter, Order: r.QueryOrder,
			Columns: cols, GroupBy: r.GroupBy, Owner: r.Owner, Predefined: r.Predefined, CreatedAt: utcOrNil(r.CreatedAt), ModifiedAt: utcOrNil(r.ModifiedAt)})
	}
	return out
}

func subscriptionRecords(subs []core.SubscriptionInfo) []subscriptionRecord {
	out := make([]subscriptionRecord, 0, len(subs))
	for _, s := range subs {
		rec := subscriptionRecord{ID: s.ID, DefinedReportID: s.DefinedReportID, Owner: s.Owner, Period: string(s.Period), TimeZone: orUTC(s.TimeZone),
			Formats: s.Formats, Enabled: s.Enabled, Webhook: s.Webhook != "", CreatedAt: utcOrNil(s.CreatedAt), NextRunAt: utcOrNil(s.NextRunAt)}
		if rec.Formats == nil {
			rec.Formats = []string{}
		}
		if len(s.Runs) > 0 {
			r := s.Runs[0]
			rec.LastRun = &runRecord{WindowStart: utcOrNil(r.Window.Start), WindowEnd: utcOrNil(r.Window.End), State: string(r.State),
				ReportID: r.ReportID, Rows: r.Rows, Error: r.Error, FinishedAt: utcOrNil(r.FinishedAt)}
		}
		out = append(out, rec)
	}
	return out
}

func taskRecords(ts []core.Task) []taskRecord {
	out := make([]taskRecord, 0, len(ts))
	for _, t := range ts {
		rec := taskRecord{ID: t.ID, Kind: t.Kind, Status: string(t.Status), Owner: t.Owner, Type: string(t.Request.Type), Filter: t.Request.Filter,
			FileName: t.Request.FileName, Formats: t.Request.Formats, Done: t.Done, Total: t.Total, Truncated: t.Truncated, Error: t.Error,
			Files: []taskFileRecord{}, CreatedAt: utcOrNil(t.CreatedAt), FinishedAt: utcOrNil(t.FinishedAt)}
		if rec.Formats == nil {
			rec.Formats = []string{}
		}
		for _, f := range t.Files {
			rec.Files = append(rec.Files, taskFileRecord{Format: f.Format, Name: f.Name, Path: f.Path, Bytes: f.Bytes, SHA256: f.SHA256})
		}
		out = append(out, rec)
	}
	return out
}

// listFormat adds --format table|json to a list command and returns the
// check that rejects anything else before the store is opened.
func listFormat(cmd *cobra.Command, format *string) {
	cmd.Flags().StringVar(format, "format", "table", "output format: table or json (a JSON array)")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"table", "json"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.PreRunE = func(*cobra.Command, []string) error {
		if *format != "table" && *format != "json" {
			return fmt.Errorf("--format %q: expected table or json", *format)
		}
		return nil
	}
}

// printList writes records as one JSON array (an empty list is []).
func printList(w io.Writer, records any) error { return printJSON(w, records) }
