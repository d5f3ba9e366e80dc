package core_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

func predefined(t *testing.T, title string) core.DefinedReport {
	t.Helper()
	for _, d := range core.PredefinedReports() {
		if d.Title == title {
			return d
		}
	}
	t.Fatalf("no predefined report %q", title)
	return core.DefinedReport{}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestGroupedExportEndToEnd runs the predefined "Session approvals by
// user" (grouped by who triaged, count_if on the triage state) and a
// grouping with first and last times as export tasks, and checks the CSV
// files against what the test triaged and ingested.
func TestGroupedExportEndToEnd(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	ctx := context.Background()
	page, err := e.eng.Query(ctx, core.QuerySpec{Limit: 12})
	if err != nil || len(page.Items) < 12 {
		t.Fatalf("query: %v %d", err, len(page.Items))
	}
	users := map[string]map[string]bool{"alice": {}, "bob": {}}
	triage := func(actor string, state core.TriageState, items []core.Activity) {
		var ids []string
		for _, a := range items {
			ids = append(ids, a.EventID)
			if a.UserEmail != "" {
				users[actor][a.UserEmail] = true
			}
		}
		if _, err := e.eng.Triage(ctx, core.TriageRequest{Actor: actor, State: state}, ids); err != nil {
			t.Fatal(err)
		}
	}
	triage("alice", core.StateReviewed, page.Items[:5])
	triage("alice", core.StateEscalated, page.Items[5:8])
	triage("bob", core.StateDismissed, page.Items[8:12])

	// An event whose last millisecond a float64 of nanoseconds loses.
	const last = "2026-10-30T10:00:00.001Z"
	ns, _ := time.Parse(time.RFC3339Nano, last)
	if got := time.Unix(0, int64(float64(ns.UnixNano()))).UTC().Format("2006-01-02T15:04:05.000Z07:00"); got == last {
		t.Fatalf("%s survives a float64: the check below tests nothing", last)
	}
	ev := `{"event_id":"precise-1","event_type":"login","created_at":"` + last + `","user":{"user_email":"precise@example.com"},"vendor":{"name":"google","service":"auth"}}` + "\n" +
		`{"event_id":"precise-2","event_type":"login","created_at":"2026-10-30T09:00:00.500Z","user":{"user_email":"precise@example.com"},"vendor":{"name":"google","service":"auth"}}` + "\n"
	if _, err := e.eng.Ingest(ctx, strings.NewReader(ev), core.IngestOptions{}); err != nil {
		t.Fatal(err)
	}

	tr := e.startTasks(t)
	run := func(name, filter string, g *core.GroupSpec) core.Task {
		t.Helper()
		task, err := tr.Submit(ctx, alice, core.ExportRequest{Filter: filter, GroupBy: g, Formats: []string{"csv"}, FileName: name})
		if err != nil {
			t.Fatal(err)
		}
		return waitTask(t, tr, alice, task.ID)
	}
	def := predefined(t, "Session approvals by user")
	task := run("approvals", def.QueryFilter, def.GroupBy)
	if task.Status != core.TaskSucceeded || task.Total != 2 {
		t.Fatalf("approvals: %+v", task)
	}
	got := readCSV(t, task.Files[0].Path)
	want := [][]string{
		{"triage.by", "Decisions", "Reviewed", "Escalated", "Dismissed", "Users concerned"},
		{"alice", "8", "5", "3", "0", strconv.Itoa(len(users["alice"]))},
		{"bob", "4", "0", "0", "4", strconv.Itoa(len(users["bob"]))},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("approvals csv:\n got  %v\n want %v", got, want)
	}

	task = run("precise", "user.user_email.eq(precise@example.com)", &core.GroupSpec{By: []string{"user.user_email"}, Aggregates: []core.Aggregate{
		{Kind: core.AggCount, Label: "Events"}, {Kind: core.AggMinTime, Label: "First"}, {Kind: core.AggMaxTime, Label: "Last"}}})
	got = readCSV(t, task.Files[0].Path)
	want = [][]string{{"user.user_email", "Events", "First", "Last"}, {"precise@example.com", "2", "2026-10-30T09:00:00.500Z", last}}
	if task.Status != core.TaskSucceeded || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("first and last: %s %s\n got  %v\n want %v", task.Status, task.Error, got, want)
	}
}

// TestGroupedExportTooManyGroups: a grouped report past the group bound
// fails with a clear error, whether the aggregation's table had to drop
// groups (approximate) or only holds more than the bound.
func TestGroupedExportTooManyGroups(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	ctx := context.Background()
	tr := e.startTasks(t)
	g := &core.GroupSpec{By: []string{"event_id"}}
	for _, bound := range []int{100, 250} { // the fixture has 306 ids: dropped at 2x100, held under 2x250
		restore := core.SetMaxGroups(bound)
		task, err := tr.Submit(ctx, alice, core.ExportRequest{GroupBy: g, Formats: []string{"csv"}, FileName: "ids-" + strconv.Itoa(bound)})
		if err != nil {
			restore()
			t.Fatal(err)
		}
		task = waitTask(t, tr, alice, task.ID)
		restore()
		want := fmt.Sprintf("more than %d groups: group by fewer distinct values", bound)
		if task.Status != core.TaskFailed || !strings.Contains(task.Error, want) || len(task.Files) != 0 {
			t.Errorf("bound %d: %s %q %v; want failed with %q", bound, task.Status, task.Error, task.Files, want)
		}
	}
	// Under the bound the same report succeeds with a row per event.
	task, err := tr.Submit(ctx, alice, core.ExportRequest{GroupBy: g, Formats: []string{"csv"}, FileName: "ids"})
	if err != nil {
		t.Fatal(err)
	}
	task = waitTask(t, tr, alice, task.ID)
	if n, _ := e.eng.Count(ctx, query.Filter{}); task.Status != core.TaskSucceeded || task.Total != n {
		t.Errorf("ids: %s %q %d rows, want %d", task.Status, task.Error, task.Total, n)
	}
}
