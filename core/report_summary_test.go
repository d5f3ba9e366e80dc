package core_test

import (
	"cmp"
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/xuri/excelize/v2"
)

// topOf counts a field over the matches the slow way, for comparison.
func topOf(t *testing.T, e *env, filter string, field func(*core.Activity) string) []string {
	t.Helper()
	f, _ := query.ParseDSL(filter)
	counts := map[string]int{}
	if _, err := e.eng.Scan(context.Background(), core.QuerySpec{Filter: f}, func(a *core.Activity) error {
		counts[field(a)]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	type kv struct {
		k string
		n int
	}
	var all []kv
	for k, n := range counts {
		all = append(all, kv{k, n})
	}
	slices.SortFunc(all, func(a, b kv) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return strings.Compare(a.k, b.k)
	})
	var out []string
	for _, x := range all[:min(3, len(all))] {
		out = append(out, x.k+"</td><td class=\"n\">"+strconv.Itoa(x.n)+"</td>")
	}
	return out
}

func filesOf(task core.Task) map[string]string {
	m := map[string]string{}
	for _, f := range task.Files {
		m[f.Format] = f.Path
	}
	return m
}

func TestReportForManagers(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	tr := e.startTasks(t)
	ctx := context.Background()
	const filter = "event_type.eq(login),!operation_successful"
	if _, err := tr.Submit(ctx, alice, core.ExportRequest{Filter: filter, Formats: []string{"html"}, FileName: "bad-zone", TimeZone: "Mars/Olympus"}); err == nil || !strings.Contains(err.Error(), "time_zone") {
		t.Fatalf("unknown zone: %v", err)
	}
	task, err := tr.Submit(ctx, alice, core.ExportRequest{Filter: filter, Formats: []string{"html", "xlsx"}, FileName: "failed", Title: "Failed logins", TimeZone: "Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	task = waitTask(t, tr, alice, task.ID)
	if task.Status != core.TaskSucceeded {
		t.Fatalf("task %+v", task)
	}
	files := filesOf(task)
	b, _ := os.ReadFile(files["html"])
	html := string(b)
	for _, want := range []string{
		"<dd>event type is login and operation failed</dd>", "<dt>Times in</dt><dd>Europe/Berlin</dd>",
		"<caption>Top users</caption>", "<caption>Top countries</caption>", `<th scope="col">Time (Europe/Berlin)</th>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	// The top lists are exact on this data (fewer values than the counters).
	for _, want := range topOf(t, e, filter, func(a *core.Activity) string { return a.UserEmail }) {
		if !strings.Contains(html, want) {
			t.Errorf("top users lack %q", want)
		}
	}
	for _, want := range topOf(t, e, filter, func(a *core.Activity) string { return a.Country }) {
		if !strings.Contains(html, want) {
			t.Errorf("top countries lack %q", want)
		}
	}
	// Times in Berlin: the newest failed login of the fixture, in its wall clock.
	f, _ := query.ParseDSL(filter)
	var newest time.Time
	e.eng.Scan(ctx, core.QuerySpec{Filter: f, Limit: 1}, func(a *core.Activity) error { newest = a.Time(); return nil })
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if want := "<td>" + newest.In(berlin).Format("2006-01-02 15:04:05") + "</td>"; !strings.Contains(html, want) {
		t.Errorf("html lacks the newest time in Berlin %q", want)
	}
	// XLSX: typed cells and the table's autofilter.
	x, err := excelize.OpenFile(files["xlsx"])
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if v, _ := x.GetCellValue("Report", "A2"); v != newest.In(berlin).Format("2006-01-02 15:04:05") {
		t.Errorf("A2 = %q", v)
	}
	if raw, _ := x.GetCellValue("Report", "A2", excelize.Options{RawCellValue: true}); !strings.Contains(raw, ".") {
		t.Errorf("A2 raw %q is not a date serial", raw)
	}
	if typ, _ := x.GetCellType("Report", "I2"); typ != excelize.CellTypeBool {
		t.Errorf("Successful column type %v, want bool", typ)
	}
	if tables, _ := x.GetTables("Report"); len(tables) != 1 || tables[0].Range != "A1:K"+strconv.FormatInt(task.Done+1, 10) {
		t.Errorf("tables %+v", tables)
	}

	// Grouped: a bar chart of the largest groups instead of an empty frame.
	task, err = tr.Submit(ctx, alice, core.ExportRequest{GroupBy: &core.GroupSpec{By: []string{"client_location.country.code"}}, Formats: []string{"html", "pdf"}, FileName: "by-country"})
	if err != nil {
		t.Fatal(err)
	}
	task = waitTask(t, tr, alice, task.ID)
	b, _ = os.ReadFile(filesOf(task)["html"])
	html = string(b)
	if strings.Contains(html, "No histogram") || !strings.Contains(html, "<h2>Largest groups by Events</h2>") || strings.Count(html, `<rect class="bar"`) != 10 {
		t.Errorf("grouped html has no group chart:\n%s", html[:min(len(html), 4000)])
	}
	top := topOf(t, e, "", func(a *core.Activity) string { return a.Country })[0]
	country, _, _ := strings.Cut(top, "<")
	if !strings.Contains(html, ">"+country+"</text>") {
		t.Errorf("the largest group %s is not in the chart", country)
	}
}

// TestSubscriptionReportInItsZone: a subscription's report shows its times
// in the subscription's zone.
func TestSubscriptionReportInItsZone(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	e.startTasks(t)
	ctx := context.Background()
	def, err := e.eng.CreateReport(ctx, alice, core.DefinedReport{Title: "Logins", QueryFilter: "event_type.eq(login)"})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.set(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	sub, err := e.eng.Subscribe(ctx, alice, core.SubscribeRequest{DefinedReportID: def.ID, Period: "month", TimeZone: "America/New_York", Formats: []string{"html"}})
	if err != nil {
		t.Fatal(err)
	}
	run, err := e.eng.RunSubscriptionNow(ctx, alice, sub.ID)
	if err != nil || run.ReportID == "" {
		t.Fatalf("run: %+v %v", run, err)
	}
	task, err := e.eng.Tasks().Get(ctx, alice, run.ReportID)
	if err != nil || task.Request.TimeZone != "America/New_York" {
		t.Fatalf("report task %+v %v", task, err)
	}
	b, _ := os.ReadFile(filesOf(task)["html"])
	html := string(b)
	// October 2026 in New York: from midnight EDT to the last instant before November (the
	// window is inclusive); the generation time is already in EST.
	for _, want := range []string{"<dt>Times in</dt><dd>America/New_York</dd>", ">2026-10-01 00:00 EDT</time> to <time", ">2026-10-31 23:59 EDT</time>", ">2026-11-02 04:00 EST</time>", "<dd>event type is login</dd>"} {
		if !strings.Contains(html, want) {
			t.Errorf("subscription report lacks %q:\n%s", want, html[strings.Index(html, "<dl class"):][:600])
		}
	}
}
