package activities

import (
	"context"
	"encoding/csv"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// bruteCount counts the events matching dsl by a field's text, and the
// distinct users of each value.
func bruteCount(t *testing.T, eng *core.Engine, dsl string, value func(*core.Activity) string) (map[string]int64, map[string]int, int64) {
	t.Helper()
	f, err := query.ParseDSL(dsl)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	users := map[string]map[string]bool{}
	var total int64
	_, err = eng.Scan(context.Background(), core.QuerySpec{Filter: f}, func(a *core.Activity) error {
		v := value(a)
		counts[v]++
		total++
		if users[v] == nil {
			users[v] = map[string]bool{}
		}
		if a.UserEmail != "" {
			users[v][a.UserEmail] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[string]int{}
	for v, u := range users {
		distinct[v] = len(u)
	}
	return counts, distinct, total
}

func checkGroups(t *testing.T, m *Model, counts map[string]int64, users map[string]int, total int64) {
	t.Helper()
	g := &m.grp
	if g.err != nil {
		t.Fatalf("group: %v", g.err)
	}
	if g.res.Rows != total || len(g.res.Groups) != len(counts) {
		t.Fatalf("%d events in %d groups, want %d in %d", g.res.Rows, len(g.res.Groups), total, len(counts))
	}
	for i, gr := range g.res.Groups {
		v := gr.Key[0].Display()
		if gr.Key[0].Missing {
			v = ""
		}
		if gr.Count != counts[v] {
			t.Errorf("%q: count %d, want %d", v, gr.Count, counts[v])
		}
		if g.users && int(gr.Stats[0].Value) != users[v] {
			t.Errorf("%q: %v users, want %d", v, gr.Stats[0].Value, users[v])
		}
		if i > 0 && gr.Count > g.res.Groups[i-1].Count {
			t.Errorf("groups not by count: %d after %d", gr.Count, g.res.Groups[i-1].Count)
		}
	}
}

// TestGroupModeCounts groups by the type column, checks the counts and
// distinct users against a brute-force count, follows a toggle, drills
// into a value with enter and leaves with esc.
func TestGroupModeCounts(t *testing.T) {
	eng := newEngine(t)
	s := startSession(t, newContext(eng), 120, 30)
	s.probe(func(m *Model) { m.colCur = columnIndex(m, "event_type") })
	s.send(keyRune('b'))
	s.settle()
	eventType := func(a *core.Activity) string { return a.EventType }
	counts, users, total := bruteCount(t, eng, "", eventType)
	s.probe(func(m *Model) { checkGroups(t, m, counts, users, total) })
	view := s.view()
	if !strings.Contains(view, "EVENT_TYPE") || !strings.Contains(view, "grouped by event_type") || !strings.Contains(view, "USERS") {
		t.Fatalf("group view:\n%s", view)
	}
	// The failed-only toggle counts again, over the failed events.
	s.send(keyRune('f'))
	s.settle()
	counts, users, total = bruteCount(t, eng, "operation_successful.eq(false)", eventType)
	s.probe(func(m *Model) { checkGroups(t, m, counts, users, total) })

	// Enter on the second group shows its events: the filter gains its term.
	var value string
	s.probe(func(m *Model) { value = m.grp.res.Groups[1].Key[0].Text })
	s.send(keyDown, keyEnter)
	s.settle()
	s.probe(func(m *Model) {
		if m.grp.on {
			t.Fatal("still in group mode after enter")
		}
		if want := "event_type.eq(" + value + ")"; m.filterText != want {
			t.Fatalf("filter %q, want %q", m.filterText, want)
		}
		if !m.hist.ok || m.hist.res.Total != counts[value] {
			t.Fatalf("drilled in: %d events, want %d", m.hist.res.Total, counts[value])
		}
		for _, a := range m.tbl.rows {
			if a.EventType != value || a.Successful != core.TriFalse {
				t.Fatalf("row %s: %s %v", a.EventID, a.EventType, a.Successful)
			}
		}
	})
	// b again groups, esc goes back to the events.
	s.send(keyRune('b'))
	s.settle()
	s.send(keyEsc)
	s.settle()
	s.probe(func(m *Model) {
		if m.grp.on {
			t.Fatal("esc did not leave group mode")
		}
	})
}

// TestGroupDrillQuotes drills into a value that needs the DSL's quoting
// (a comma and parentheses) and into the missing value.
func TestGroupDrillQuotes(t *testing.T) {
	odd := `{"event_id":"odd-1","event_type":"login","created_at":"2026-10-31T23:00:00.000Z","user":{"user_email":"a,b(c)@x.example"},"vendor":{"name":"v"}}` + "\n" +
		`{"event_id":"odd-2","event_type":"login","created_at":"2026-10-31T23:01:00.000Z","vendor":{"name":"v"}}` + "\n"
	eng := newEngine(t, odd)
	m := newModel(newContext(eng), 120, 30)
	m.colCur = columnIndex(m, "user.user_email")
	press(m, keyRune('b'))
	counts, _, _ := bruteCount(t, eng, "", func(a *core.Activity) string { return a.UserEmail })
	for _, want := range []string{"a,b(c)@x.example", ""} {
		i := -1
		for j, g := range m.grp.res.Groups {
			if g.Key[0].Text == want && (want != "" || g.Key[0].Missing) {
				i = j
			}
		}
		if i < 0 {
			t.Fatalf("no group %q", want)
		}
		m.grp.cur = i
		press(m, keyEnter)
		if m.hist.res.Total != counts[want] {
			t.Fatalf("%q: %d events (filter %s), want %d", want, m.hist.res.Total, m.filterText, counts[want])
		}
		m.filterText, m.userFilter = "", query.Filter{}
		drive(m, m.applyFilter())
		press(m, keyRune('b'))
	}
}

// TestGroupHostileValues groups by fields whose values hold escape
// sequences and bidi controls: the screen shows them as visible text.
func TestGroupHostileValues(t *testing.T) {
	eng := newEngine(t, hostile, hostileBidi)
	for _, field := range []string{"event_type", "vendor.name", "user.user_email"} {
		s := startSession(t, newContext(eng), 100, 40)
		s.probe(func(m *Model) { m.colCur = columnIndex(m, field) })
		s.send(keyRune('b'))
		s.settle()
		requireSafe(t, field, s.screen())
	}
}

// TestGroupNarrow draws group mode at 40 columns: no line is wider.
func TestGroupNarrow(t *testing.T) {
	eng := newEngine(t)
	for _, w := range []int{30, 40, 80} {
		m := newModel(newContext(eng), w, 20)
		press(m, keyRune('b'))
		for _, l := range strings.Split(m.View(), "\n") {
			if lw := lipglossWidth(l); lw > w {
				t.Fatalf("width %d: line of %d cells: %q", w, lw, l)
			}
		}
	}
}

// TestGroupByDay groups the time column by day; enter shows that day.
func TestGroupByDay(t *testing.T) {
	eng := newEngine(t)
	m := newModel(newContext(eng), 120, 30)
	m.colCur = columnIndex(m, "created_at")
	press(m, keyRune('b'))
	counts, _, total := bruteCount(t, eng, "", func(a *core.Activity) string {
		return a.Time().UTC().Truncate(24 * time.Hour).Format(time.RFC3339)
	})
	g := &m.grp
	if g.err != nil || g.res.Rows != total || len(g.res.Groups) != len(counts) {
		t.Fatalf("%v: %d rows in %d groups, want %d in %d", g.err, g.res.Rows, len(g.res.Groups), total, len(counts))
	}
	day := g.res.Groups[0].Key[0].Text
	if g.res.Groups[0].Count != counts[day] {
		t.Fatalf("%s: %d, want %d", day, g.res.Groups[0].Count, counts[day])
	}
	press(m, keyEnter)
	if m.hist.res.Total != counts[day] || !strings.Contains(m.filterText, "created_at.ge("+day+")") {
		t.Fatalf("drilled into %s: %d events (filter %s), want %d", day, m.hist.res.Total, m.filterText, counts[day])
	}
}

// TestGroupExport: x in group-by mode exports the groups as a grouped
// report: every value with its events and distinct users, as a brute-force
// count over the failed events has them, not the events.
func TestGroupExport(t *testing.T) {
	eng := newEngine(t)
	tr, err := eng.StartTasks(core.TaskOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	s := startSession(t, newContext(eng), 120, 30)
	s.probe(func(m *Model) { m.colCur = columnIndex(m, "client_location.country.code") })
	s.send(keyRune('f'), keyRune('b'))
	s.settle()
	s.send(keyRune('x'))
	s.settle()
	if scr := s.screen(); !strings.Contains(scr, "Export activities by client_location.country.code") || !strings.Contains(scr, "values of") ||
		!strings.Contains(scr, "columns: client_location.country.code, Events, Distinct users") {
		t.Fatalf("export form in group mode:\n%s", scr)
	}
	s.send(keyEnter)
	s.settle()
	task := s.exportedTask(tr)
	if task.Request.GroupBy == nil || task.Request.Title != "Activities by client_location.country.code" {
		t.Fatalf("request %+v", task.Request)
	}
	counts, users, _ := bruteCount(t, eng, "operation_successful.eq(false)", func(a *core.Activity) string { return a.Country })
	f, err := os.Open(task.Files[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(counts)+1 {
		t.Fatalf("%d groups in the file, want %d:\n%v", len(recs)-1, len(counts), recs)
	}
	for i, r := range recs[1:] {
		n, _ := strconv.ParseInt(r[1], 10, 64)
		if n != counts[r[0]] || r[2] != strconv.Itoa(users[r[0]]) {
			t.Fatalf("group %q: %s events, %s users; want %d, %d", r[0], r[1], r[2], counts[r[0]], users[r[0]])
		}
		if i > 0 {
			prev, _ := strconv.ParseInt(recs[i][1], 10, 64)
			if prev < n {
				t.Fatalf("groups not largest first: %v", recs)
			}
		}
	}
	// esc from the form returns to the groups, not the events.
	s.probe(func(m *Model) {
		if !m.grp.on {
			t.Fatal("left group mode after the export")
		}
	})
}

// TestGroupDrillEmptyAndTyped drills into groups of a raw field whose
// values the DSL cannot write plainly: the empty string (eq() does not
// parse) must select exactly the events its group counted.
func TestGroupDrillEmptyAndTyped(t *testing.T) {
	ev := ""
	for i, note := range []string{`""`, `""`, `"x"`} {
		ev += `{"event_id":"note-` + string(rune('a'+i)) + `","event_type":"other","created_at":"2026-10-31T23:0` + string(rune('0'+i)) + `:00.000Z","raw":{"note":` + note + `}}` + "\n"
	}
	eng := newEngine(t, ev)
	ctx := newContext(eng)
	ctx.Columns = []string{"created_at", "raw.note", "user.user_email"}
	m := newModel(ctx, 120, 30)
	m.colCur = columnIndex(m, "raw.note")
	press(m, keyRune('b'))
	i := -1
	for j, g := range m.grp.res.Groups {
		if !g.Key[0].Missing && g.Key[0].Kind == query.LeafString && g.Key[0].Text == "" {
			i = j
		}
	}
	if i < 0 || m.grp.res.Groups[i].Count != 2 {
		t.Fatalf("no group of the 2 empty notes: %+v", m.grp.res.Groups)
	}
	m.grp.cur = i
	press(m, keyEnter)
	if m.grp.err != nil || m.hist.res.Total != 2 || m.grp.on {
		t.Fatalf("drilled into the empty note: err %v, %d events (filter %q), want 2", m.grp.err, m.hist.res.Total, m.filterText)
	}
}
