package reports

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/tui/viewkit"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
)

var _ tui.View = (*Model)(nil)

func TestReportsListMarksPredefined(t *testing.T) {
	e := newEnv(t, true)
	tm := run(t, e, New(e.Ctx))
	s := waitText(t, tm, "Account access report")
	if !strings.Contains(s, "predefined") || !strings.Contains(s, "Account access report") {
		t.Fatalf("predefined reports not marked:\n%s", s)
	}
	goldens(t, tm)
}

func TestReportsCreateThroughForm(t *testing.T) {
	e := newEnv(t, true)
	f, _ := query.ParseDSL("event_type.eq(login),operation_successful.eq(false)")
	want, err := e.Eng.Count(context.Background(), f)
	if err != nil || want == 0 {
		t.Fatalf("count %d %v", want, err)
	}
	tm := run(t, e, New(e.Ctx))
	waitText(t, tm, "Account access report")
	keys(tm, "c")
	waitText(t, tm, "New report")
	keys(tm, "Failed logins by day")
	keys(tm, "tab", "tab")
	keys(tm, "event_type.eq(login),operation_successful.eq(false)")
	waitText(t, tm, viewkit.Plural(want, "matching event", "matching events"))
	keys(tm, "tab", "tab") // order, columns
	// Choose created_at (fourth in the schema), then event_type (third).
	keys(tm, "down", "down", "down", "space", "up", "space")
	waitText(t, tm, "Time, Type")
	goldens(t, tm)
	keys(tm, "ctrl+s")
	waitText(t, tm, `report "Failed logins by day" created`)

	rs, err := e.Eng.ListReports(context.Background(), e.Alice)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rs, func(r core.DefinedReport) bool { return r.Title == "Failed logins by day" })
	if i < 0 {
		t.Fatalf("report not created: %+v", rs)
	}
	r := rs[i]
	if r.QueryFilter != "event_type.eq(login),operation_successful.eq(false)" || r.Owner != "alice" || r.Predefined || r.Type != core.TypeActivity ||
		r.QueryOrder != "!created_at" || !slices.EqualFunc(r.Columns, [][]string{{"created_at", "Time"}, {"event_type", "Type"}}, slices.Equal) {
		t.Fatalf("created %+v", r)
	}
}

func TestReportsBadFilterShowsCaret(t *testing.T) {
	e := newEnv(t, true)
	tm := run(t, e, New(e.Ctx))
	waitText(t, tm, "Account access report")
	keys(tm, "c")
	waitText(t, tm, "New report")
	keys(tm, "Broken", "tab", "tab")
	const bad = "event_type.eq(login),operation_successfull.eq(false)"
	keys(tm, bad)
	s := waitText(t, tm, `unknown field "operation_successfull"`)
	// The caret sits under the unknown field.
	lines := strings.Split(s, "\n")
	var input, caret int = -1, -1
	for i, l := range lines {
		if strings.Contains(l, bad) {
			input = i
		}
		if strings.TrimSpace(l) == "^" || strings.HasPrefix(strings.TrimSpace(l), "^ ✗") {
			caret = i
		}
	}
	if input < 0 || caret != input+1 {
		t.Fatalf("no caret under the filter:\n%s", s)
	}
	cells := func(l, sub string) int { return lipgloss.Width(l[:strings.Index(l, sub)]) }
	if got, want := cells(lines[caret], "^"), cells(lines[input], "operation_successfull"); got != want {
		t.Fatalf("caret at column %d, the bad field at %d:\n%s", got, want, s)
	}
	goldens(t, tm)
	keys(tm, "ctrl+s")
	waitText(t, tm, "fix the filter first")
	// A syntax error names what was expected.
	keys(tm, "ctrl+u", "event_type.eq(login")
	waitText(t, tm, `expected "," or ")", found end of input`)
	rs, _ := e.Eng.ListReports(context.Background(), e.Alice)
	if slices.ContainsFunc(rs, func(r core.DefinedReport) bool { return r.Title == "Broken" }) {
		t.Fatal("a report with a bad filter was saved")
	}
}

func TestReportsEdit(t *testing.T) {
	e := newEnv(t, true)
	r, err := e.Eng.CreateReport(context.Background(), e.Alice, core.DefinedReport{Title: "Scratch", QueryFilter: "event_type.eq(login)"})
	if err != nil {
		t.Fatal(err)
	}
	tm := run(t, e, New(e.Ctx))
	waitText(t, tm, "Account access report")
	keys(tm, "G", "E")
	waitText(t, tm, `Edit report "Scratch"`)
	keys(tm, "ctrl+u", "Logins (renamed)", "tab", "tab", "ctrl+u", "event_type.eq(logout)", "ctrl+s")
	waitText(t, tm, `report "Logins (renamed)" updated`)
	got, err := e.Eng.GetReport(context.Background(), e.Alice, r.ID)
	if err != nil || got.Title != "Logins (renamed)" || got.QueryFilter != "event_type.eq(logout)" {
		t.Fatalf("after edit %+v %v", got, err)
	}
	// Predefined reports are read-only.
	keys(tm, "home", "E")
	waitText(t, tm, "predefined reports are read-only")
}

func TestReportsDeleteAsksFirst(t *testing.T) {
	e := newEnv(t, true)
	r, err := e.Eng.CreateReport(context.Background(), e.Alice, core.DefinedReport{Title: "Scratch", QueryFilter: "event_type.eq(login)"})
	if err != nil {
		t.Fatal(err)
	}
	tm := run(t, e, New(e.Ctx))
	waitText(t, tm, "Account access report")
	keys(tm, "G", "D")
	waitText(t, tm, `Delete report "Scratch"? y/n`)
	goldens(t, tm)
	keys(tm, "n")
	waitText(t, tm, "delete canceled")
	if _, err := e.Eng.GetReport(context.Background(), e.Alice, r.ID); err != nil {
		t.Fatalf("deleted after n: %v", err)
	}
	keys(tm, "D")
	waitText(t, tm, `Delete report "Scratch"? y/n`)
	keys(tm, "y")
	waitText(t, tm, `report "Scratch" deleted`)
	if _, err := e.Eng.GetReport(context.Background(), e.Alice, r.ID); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("still there after y: %v", err)
	}
	keys(tm, "home", "D")
	waitText(t, tm, "predefined reports cannot be deleted")
}

func TestReportsSubscribe(t *testing.T) {
	e := newEnv(t, true)
	tm := run(t, e, New(e.Ctx))
	waitText(t, tm, "Account access report")
	toFailedLogins(tm)
	keys(tm, "s")
	waitText(t, tm, `Subscribe to "Failed logins"`)
	keys(tm, "right")                 // week
	keys(tm, "tab", "right", "space") // + ndjson
	keys(tm, "tab", "ctrl+u", "Mars/Olympus")
	waitText(t, tm, `unknown time zone "Mars/Olympus"`)
	keys(tm, "enter")
	waitText(t, tm, "fix the time zone first")
	keys(tm, "ctrl+u", "Europe/Berlin")
	waitText(t, tm, "✓ periods start")
	goldens(t, tm)
	keys(tm, "enter")
	waitText(t, tm, `subscribed to "Failed logins": every week (Europe/Berlin)`)
	subs, err := e.Eng.ListSubscriptions(context.Background(), e.Alice)
	if err != nil || len(subs) != 1 {
		t.Fatalf("subscriptions %+v %v", subs, err)
	}
	s := subs[0]
	if s.DefinedReportID != "18" || s.Period != "week" || s.TimeZone != "Europe/Berlin" || !slices.Equal(s.Formats, []string{"csv", "ndjson"}) || !s.Enabled {
		t.Fatalf("subscription %+v", s.Subscription)
	}
}

func TestReportsGenerateNow(t *testing.T) {
	e := newEnv(t, true)
	tr := e.StartTasks(t)
	tm := run(t, e, New(e.Ctx))
	waitText(t, tm, "Account access report")
	toFailedLogins(tm)
	keys(tm, "g")
	waitText(t, tm, `Generate "Failed logins" now`)
	keys(tm, "right", "space") // csv + ndjson
	waitText(t, tm, "[x] ndjson")
	keys(tm, "enter")
	s := waitText(t, tm, "queued")
	ts, err := tr.List(context.Background(), e.Alice)
	if err != nil || len(ts) != 1 {
		t.Fatalf("tasks %+v %v", ts, err)
	}
	task := ts[0]
	if !strings.Contains(s, "task "+task.ID) {
		t.Errorf("toast does not name task %s:\n%s", task.ID, s)
	}
	if task.Request.DefinedReportID != "18" || task.Request.FileName != "Failed logins 20261102-000000" ||
		!slices.Equal(task.Request.Formats, []string{"csv", "ndjson"}) || task.Request.Filter != "event_type.eq(login),operation_successful.eq(false)" {
		t.Fatalf("request %+v", task.Request)
	}
}

func TestReportsViewerOnlyLooks(t *testing.T) {
	e := newEnv(t, false)
	r, err := e.Eng.CreateReport(context.Background(), e.Alice, core.DefinedReport{Title: "Scratch"})
	if err != nil {
		t.Fatal(err)
	}
	tm := run(t, e, New(e.Ctx))
	waitText(t, tm, "Account access report")
	keys(tm, "G")
	s := waitText(t, tm, "Scratch")
	footer := s[strings.LastIndex(s, "\n")+1:]
	for _, hidden := range []string{"create", "delete", "subscribe"} {
		if strings.Contains(footer, hidden) {
			t.Errorf("a viewer's footer offers %q:\n%s", hidden, s)
		}
	}
	if !strings.Contains(footer, "generate") {
		t.Errorf("a viewer may generate a report (their own export), the footer does not say so:\n%s", s)
	}
	keys(tm, "c")
	waitText(t, tm, "create: your role can only view reports")
	keys(tm, "s")
	waitText(t, tm, "subscribe: your role can only view reports")
	keys(tm, "D")
	s = waitText(t, tm, "delete: your role can only view reports")
	if strings.Contains(s, "y/n") {
		t.Fatal("a viewer was asked to confirm a delete")
	}
	goldens(t, tm)
	if _, err := e.Eng.GetReport(context.Background(), e.Alice, r.ID); err != nil {
		t.Fatalf("viewer deleted: %v", err)
	}
}

func TestReportsLiveAndStale(t *testing.T) {
	e := newEnv(t, true)
	m := New(e.Ctx)
	m.SetSize(80, 20)
	m.Init()
	defer m.Close()
	gen := m.gen
	// A burst of notices schedules one refresh.
	m.Update(viewkit.ChangeMsg{View: m.id, C: core.Change{Kind: core.ChangeReports}, OK: true})
	if !m.live.Pending {
		t.Fatal("no refresh scheduled")
	}
	m.Update(viewkit.ChangeMsg{View: m.id, C: core.Change{Kind: core.ChangeReports}, OK: true})
	m.Update(viewkit.RefreshMsg{View: m.id})
	if m.live.Pending || m.gen != gen+1 {
		t.Fatalf("refresh: pending %v gen %d", m.live.Pending, m.gen)
	}
	// Other kinds do not refresh this view.
	m.Update(viewkit.ChangeMsg{View: m.id, C: core.Change{Kind: core.ChangeActivities}, OK: true})
	if m.live.Pending {
		t.Fatal("activity notice refreshed reports")
	}
	// A stale list is dropped.
	m.Update(listMsg{view: m.id, gen: gen, reports: []core.DefinedReport{{ID: "x", Title: "stale"}}})
	if m.loaded {
		t.Fatal("stale list applied")
	}
	m.Update(listMsg{view: m.id, gen: m.gen, reports: []core.DefinedReport{{ID: "y", Title: "fresh"}}})
	if !strings.Contains(m.View(), "fresh") {
		t.Fatalf("fresh list not shown:\n%s", m.View())
	}
	// Another view instance's results are ignored.
	m.Update(listMsg{view: m.id + 1000, gen: m.gen, reports: nil})
	if !strings.Contains(m.View(), "fresh") {
		t.Fatal("another view's list applied")
	}
}

func TestReportsSanitisesTitles(t *testing.T) {
	e := newEnv(t, true)
	m := New(e.Ctx)
	m.SetSize(120, 20)
	m.gen = 1
	m.Update(listMsg{view: m.id, gen: 1, reports: []core.DefinedReport{{ID: "1", Title: "evil\x1b]52;c;AAAA\x07", Owner: "x\x1b[2J", QueryFilter: "a\x9bb"}}})
	v := m.View()
	if strings.ContainsAny(v, "\x1b\x07\u009b") || !strings.Contains(v, `evil\x1b]52`) {
		t.Fatalf("unsanitised:\n%q", v)
	}
}

// toFailedLogins selects "Failed logins", id 18: the 11th predefined
// report a non-admin lists, after the nine of the Fudo seed's twelve (5-16)
// that are not audit reports, and "Login activity".
func toFailedLogins(tm *teatest.TestModel) {
	keys(tm, "home")
	for range 10 {
		keys(tm, "down")
	}
}

func TestReportsDeleteWarnsAboutSubscriptions(t *testing.T) {
	e := newEnv(t, true)
	ctx := context.Background()
	r, err := e.Eng.CreateReport(ctx, e.Alice, core.DefinedReport{Title: "Scratch", QueryFilter: "event_type.eq(login)"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"week", "month"} {
		if _, err := e.Eng.Subscribe(ctx, e.Alice, core.SubscribeRequest{DefinedReportID: r.ID, Period: p}); err != nil {
			t.Fatal(err)
		}
	}
	tm := run(t, e, New(e.Ctx))
	waitText(t, tm, "Account access report")
	keys(tm, "G", "D")
	waitText(t, tm, `Delete report "Scratch" and its 2 subscriptions? y/n`)
	goldens(t, tm)
	keys(tm, "n")
	waitText(t, tm, "delete canceled")
	if subs, _ := e.Eng.ListSubscriptions(ctx, e.Alice); len(subs) != 2 {
		t.Fatalf("%d subscriptions after n", len(subs))
	}
	keys(tm, "D")
	waitText(t, tm, "and its 2 subscriptions? y/n")
	keys(tm, "y")
	waitText(t, tm, `report "Scratch" deleted with its 2 subscriptions`)
	if _, err := e.Eng.GetReport(ctx, e.Alice, r.ID); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("report still there: %v", err)
	}
	if subs, _ := e.Eng.ListSubscriptions(ctx, e.Alice); len(subs) != 0 {
		t.Fatalf("%d subscriptions left", len(subs))
	}
}
