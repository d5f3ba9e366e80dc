package activities

import (
	"bufio"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/store/storetest"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/auditdeck/auditdeck/tui/components"
	tea "github.com/charmbracelet/bubbletea"
)

func TestInitialScreen(t *testing.T) {
	eng := newEngine(t)
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			s := startSession(t, newContext(eng), sz.w, sz.h)
			requireGolden(t, s.view())
		})
	}
}

func TestFilterApplied(t *testing.T) {
	eng := newEngine(t)
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			s := startSession(t, newContext(eng), sz.w, sz.h)
			s.send(keyRune('/'))
			s.typeText("event_type.eq(login),!operation_successful")
			s.send(keyEnter)
			s.settle()
			requireGolden(t, s.view())
			want := count(t, eng, "event_type.eq(login),!operation_successful")
			var got int64
			var hist []string
			s.probe(func(m *Model) { got, hist = m.hist.res.Total, m.History() })
			if got != want || want == 0 {
				t.Fatalf("view counts %d events, engine %d", got, want)
			}
			if len(hist) != 1 || hist[0] != "event_type.eq(login),!operation_successful" {
				t.Fatalf("history = %q", hist)
			}
		})
	}
}

func TestBadFilterCaret(t *testing.T) {
	eng := newEngine(t)
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			s := startSession(t, newContext(eng), sz.w, sz.h)
			s.send(keyRune('/'))
			s.typeText("event_type.eq(login),client_ip.like(10.)")
			s.settle()
			requireGolden(t, s.view())
			// The caret sits under "like" (byte 31 of the input, after the "/ " prompt).
			lines := strings.Split(s.view(), "\n")
			if !strings.HasPrefix(lines[1], strings.Repeat(" ", 2+31)+"^") {
				t.Fatalf("caret line %q", lines[1])
			}
			// enter keeps the input open with the error; esc leaves the filter as it was.
			s.send(keyEnter)
			s.settle()
			var mode mode
			s.probe(func(m *Model) { mode = m.mode })
			if mode != modeFilter {
				t.Fatal("a bad filter was applied")
			}
			s.send(keyEsc)
			s.settle()
			s.probe(func(m *Model) { mode = m.mode })
			if mode != modeTable {
				t.Fatal("esc did not close the input")
			}
		})
	}
}

func TestDetailPane(t *testing.T) {
	eng := newEngine(t)
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			s := startSession(t, newContext(eng), sz.w, sz.h)
			s.send(keyDown, keyDown, keyEnter) // the third newest: the Unicode event
			s.settle()
			requireGolden(t, s.view())
			lines := func() string {
				var out string
				s.probe(func(m *Model) { out = strings.Join(m.detailLines(), "\n") })
				return out
			}
			if v := lines(); !strings.Contains(v, `"raw": {…} (press o to unfold)`) {
				t.Fatalf("raw is not folded:\n%s", v)
			}
			s.send(keyRune('o'))
			s.settle()
			if v := lines(); strings.Contains(v, "press o to unfold") || !strings.Contains(v, `"raw": {`) || !strings.Contains(v, `"value": "søren.dvořák@northwind.com"`) {
				t.Fatalf("raw did not unfold:\n%s", v)
			}
			s.send(keyPgDn)
			s.settle()
			var off int
			s.probe(func(m *Model) { off = m.det.off })
			if off == 0 {
				t.Fatal("page down did not scroll the detail")
			}
			s.send(keyEsc)
			s.settle()
			var mode mode
			s.probe(func(m *Model) { mode = m.mode })
			if mode != modeTable {
				t.Fatal("esc did not go back")
			}
		})
	}
}

func TestTriageSelection(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			eng := newEngine(t)
			s := startSession(t, newContext(eng), sz.w, sz.h)
			var ids []string
			s.probe(func(m *Model) { ids = []string{m.tbl.rows[1].EventID, m.tbl.rows[2].EventID} })
			s.send(keyDown, keySpace, keySpace, keyRune('r'))
			s.settle()
			requireGolden(t, s.view())
			if !strings.Contains(s.screen(), "2 events marked reviewed") {
				t.Fatalf("no toast:\n%s", s.screen())
			}
			as, err := eng.Get(context.Background(), ids, false)
			if err != nil || len(as) != 2 {
				t.Fatal(as, err)
			}
			for _, a := range as {
				if a.StateOf() != core.StateReviewed || a.Triage.By != "alice" {
					t.Fatalf("%s: triage %+v", a.EventID, a.Triage)
				}
			}
			// The others stay untouched, and the selection is gone.
			var marks int
			s.probe(func(m *Model) { marks = len(m.marks) })
			if marks != 0 {
				t.Fatalf("%d rows still selected", marks)
			}
			if n := count(t, eng, "triage.state.ne(new)"); n != 2 {
				t.Fatalf("%d events triaged", n)
			}
			// A note keeps the state of the cursor row; escalating again
			// keeps the note.
			var cur string
			s.probe(func(m *Model) { cur = m.cursorRow().EventID })
			triageOf := func() *core.Triage {
				t.Helper()
				a, err := eng.Get(context.Background(), []string{cur}, false)
				if err != nil || len(a) != 1 {
					t.Fatal(a, err)
				}
				return a[0].Triage
			}
			s.send(keyRune('e'))
			s.settle()
			s.send(keyRune('n'))
			s.typeText("checked with the user")
			s.send(keyEnter)
			s.settle()
			if tr := triageOf(); tr == nil || tr.Note != "checked with the user" || tr.State != core.StateEscalated {
				t.Fatalf("after the note: %+v, want escalated with the note", tr)
			}
			if !strings.Contains(s.screen(), "1 event: note saved") {
				t.Fatalf("no toast:\n%s", s.screen())
			}
			s.send(keyRune('e'))
			s.settle()
			if tr := triageOf(); tr == nil || tr.Note != "checked with the user" || tr.State != core.StateEscalated {
				t.Fatalf("after escalating again: %+v, want the note kept", tr)
			}
			s.send(keyRune('d'))
			s.settle()
			if tr := triageOf(); tr == nil || tr.Note != "checked with the user" || tr.State != core.StateDismissed {
				t.Fatalf("after dismissing: %+v, want the note kept", tr)
			}
			// n on one event edits its note, from the table and the detail pane.
			s.send(keyRune('n'))
			s.settle()
			var in string
			s.probe(func(m *Model) { in = m.note.Value() })
			if in != "checked with the user" {
				t.Fatalf("note input holds %q, want the current note", in)
			}
			s.send(keyEsc, keyEnter)
			s.settle()
			s.send(keyRune('n'))
			s.typeText(", twice")
			s.send(keyEnter)
			s.settle()
			if tr := triageOf(); tr == nil || tr.Note != "checked with the user, twice" || tr.State != core.StateDismissed {
				t.Fatalf("after the note in the detail pane: %+v", tr)
			}
		})
	}
}

func TestViewerCannotTriage(t *testing.T) {
	eng := newEngine(t)
	ctx := newContext(eng)
	ctx.CanTriage = false
	s := startSession(t, ctx, 80, 24)
	s.send(keyRune('e'))
	s.settle()
	if !strings.Contains(s.screen(), "triage is not allowed for alice") {
		t.Fatalf("no toast:\n%s", s.screen())
	}
	if n := count(t, eng, "triage.state.ne(new)"); n != 0 {
		t.Fatalf("a viewer triaged %d events", n)
	}
}

func TestExport(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			eng := newEngine(t)
			tr, err := eng.StartTasks(core.TaskOptions{Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(tr.Close)
			s := startSession(t, newContext(eng), sz.w, sz.h)
			s.send(keyRune('f'), keyRune('x'))
			s.settle()
			requireGolden(t, s.view())
			s.send(keyRight, keySpace) // ndjson as well as csv
			s.send(keyEnter)
			s.settle()
			task := s.exportedTask(tr)
			id := task.ID
			if task.Request.PinAt == nil || !task.Request.PinAt.Equal(fixedNow) {
				t.Fatalf("pinned at %v", task.Request.PinAt)
			}
			want := count(t, eng, "operation_successful.eq(false)")
			if task.Total != want || len(task.Files) != 2 || task.Files[0].Format != "csv" || task.Files[1].Format != "ndjson" {
				t.Fatalf("task wrote %d rows in %+v, the view shows %d, want csv and ndjson", task.Total, task.Files, want)
			}
			if lines := countLines(t, task.Files[0].Path); int64(lines) != want+1 { // with the header
				t.Fatalf("%s has %d lines, want %d", task.Files[0].Path, lines, want+1)
			}
			if lines := countLines(t, task.Files[1].Path); int64(lines) != want {
				t.Fatalf("%s has %d lines, want %d", task.Files[1].Path, lines, want)
			}
			for _, f := range task.Files {
				if !strings.HasPrefix(filepath.Base(f.Path), "activities-20261101-0000") {
					t.Fatalf("file %s", f.Path)
				}
			}
			if task.Request.Title != "Activities" {
				t.Fatalf("title %q", task.Request.Title)
			}
			if !strings.Contains(s.screen(), "export queued: task "+id) {
				t.Fatalf("no toast:\n%s", s.screen())
			}
		})
	}
}

func TestExportWithoutRunner(t *testing.T) {
	eng := newEngine(t)
	s := startSession(t, newContext(eng), 80, 24)
	s.send(keyRune('x'))
	s.settle()
	if !strings.Contains(s.screen(), "export is not available") {
		t.Fatalf("no error toast:\n%s", s.screen())
	}
}

// hostile has escape sequences in every column the table shows and in raw.
const hostile = `{"event_id":"evil:\u001b[2J#1","client_ip":"10.0.0.1\u001b]0;title\u0007","event_type":"login\u001b[2J","created_at":"2026-10-31T23:59:00.000Z","operation_successful":false,` +
	`"client_location":{"country":{"code":"N\u009bL","name":"x"},"region":{"name":"\u001b]0;title\u0007"},"city":"\u001b]52;c;ZXZpbA==\u0007Amsterdam"},` +
	`"user":{"user_email":"eve\r@evil.example\u001b]52;c;ZXZpbA==\u0007"},"user_agent":"curl \u001b[2J\r\u009b6n\u007f","vendor":{"name":"google\u001b[31m","service":"auth\u009b"},` +
	`"extra":{"auth":{"auth_type":"pw\u001b[8m","is_suspicious":true}},"raw":{"note":"\u001b]52;c;ZXZpbA==\u0007\r\u009b"}}` + "\n"

// hostileBidi hides and reorders text with bidi controls and zero-width
// characters in the id, the columns the table shows and raw.
const hostileBidi = `{"event_id":"bidi:\u202egpj.exe#1","client_ip":"10.0.0.2\u200b","event_type":"login\u2066x\u2069","created_at":"2026-10-31T23:58:00.000Z","operation_successful":false,` +
	`"client_location":{"country":{"code":"N\u200dL","name":"x"},"city":"\u200fAmsterdam\u061c"},` +
	`"user":{"user_email":"adm\u200bin@corp.example\u202d"},"user_agent":"curl\ufeff \u2060\u00ad","vendor":{"name":"google\u202a","service":"auth\u202c"},` +
	`"raw":{"note":"\u202b\u2067\u2068\u200e\u200c\u2028"}}` + "\n"

// requireSafe fails on anything a terminal would act on, and on characters
// that draw nothing or reorder the text around them.
func requireSafe(t *testing.T, what, s string) {
	t.Helper()
	for i, r := range s {
		if r == '\n' {
			continue
		}
		if unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029 {
			t.Fatalf("%s: hidden character %U at byte %d: %q", what, r, i, s[max(0, i-20):min(len(s), i+20)])
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0xfffd {
			t.Fatalf("%s: control %U at byte %d: %q", what, r, i, s[max(0, i-20):min(len(s), i+20)])
		}
	}
}

func TestHostileEvent(t *testing.T) {
	eng := newEngine(t, hostile, hostileBidi)
	s := startSession(t, newContext(eng), 200, 60)
	table := s.view()
	requireSafe(t, "table", table)
	requireSafe(t, "screen", s.screen())
	for _, want := range []string{`evil.example\x1b]52;c;ZXZpbA==\x07`, `login\x1b[2J`, `10.0.0.1\x1b]0;title\x07`, `google\x1b[31m`, `auth\u009b`} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %s:\n%s", want, table)
		}
	}
	for _, want := range []string{`adm\u200bin@corp.example\u202d`, `login\u2066x\u2`, `10.0.0.2\u200b`, `google\u202a`, `auth\u202c`} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %s:\n%s", want, table)
		}
	}
	if !strings.Contains(table, `eve\x0d@`) {
		t.Errorf("CR not shown as \\x0d:\n%s", table)
	}
	s.send(keyEnter, keyRune('o'))
	s.settle()
	detail := s.view()
	requireSafe(t, "detail", detail)
	requireSafe(t, "screen", s.screen())
	for _, want := range []string{`"user_agent": "curl \x1b[2J\x0d\u009b6n\x7f"`, `"city": "\x1b]52;c;ZXZpbA==\x07Amsterdam"`, `"name": "\x1b]0;title\x07"`, `"code": "N\u009bL"`, `"note": "\x1b]52;c;ZXZpbA==\x07\x0d\u009b"`} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %s:\n%s", want, detail)
		}
	}
	// The fixture's own hostile event (line 305) is as safe.
	s.send(keyEsc)
	s.settle()
	s.send(keyRune('/'))
	s.typeText("event_id.eq(google:auth:-2318890417736554012%230)")
	s.send(keyEnter)
	s.settle()
	if v := s.view(); !strings.Contains(v, "emily.martin@initech.io") {
		t.Fatalf("fixture event not found:\n%s", v)
	}
	s.send(keyEnter)
	s.settle()
	detail = s.view()
	requireSafe(t, "fixture detail", detail)
	if !strings.Contains(detail, `\x1b[2J\x1b[H\x1b[31mPWNED\x1b[0m\x0dcurl/8.16.0 \u009b6n`) {
		t.Errorf("fixture user agent not shown escaped:\n%s", detail)
	}
	// y copies the event id with OSC 52 and nothing else.
	s.send(keyRune('y'))
	s.settle()
	var clip string
	s.probe(func(*Model) { clip = s.clip.String() })
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("google:auth:-2318890417736554012#0")) + "\x07"
	if clip != want {
		t.Fatalf("clipboard got %q, want %q", clip, want)
	}
	// An id holding escapes or bidi controls is copied as the table shows
	// it: nothing raw reaches the clipboard (and from there a shell).
	for _, tc := range []struct{ filter, shown string }{
		{"event_id.eq(evil:%1B[2J%231)", `evil:\x1b[2J#1`},
		{"event_id.eq(bidi:%E2%80%AEgpj.exe%231)", `bidi:\u202egpj.exe#1`},
	} {
		s.send(keyEsc)
		s.settle()
		s.send(keyRune('/'))
		s.probe(func(m *Model) { m.fin.in.SetValue("") })
		s.typeText(tc.filter)
		s.send(keyEnter)
		s.settle()
		var n int
		s.probe(func(m *Model) { n = len(m.tbl.rows); s.clip.Reset() })
		if n != 1 {
			t.Fatalf("%s: %d rows:\n%s", tc.filter, n, s.view())
		}
		s.send(keyRune('y'))
		s.settle()
		s.probe(func(*Model) { clip = s.clip.String() })
		want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(tc.shown)) + "\x07"
		if clip != want {
			t.Fatalf("%s: clipboard got %q, want %q", tc.filter, clip, want)
		}
		if scr := s.screen(); !strings.Contains(scr, "copied "+tc.shown) {
			t.Fatalf("no toast for %s:\n%s", tc.shown, scr)
		}
		requireSafe(t, "screen", s.screen())
	}
	// The detail pane of the bidi event, raw unfolded, spells them out too.
	s.send(keyEnter, keyRune('o'))
	s.settle()
	detail = s.view()
	requireSafe(t, "bidi detail", detail)
	for _, want := range []string{`"note": "\u202b\u2067\u2068\u200e\u200c\u2028"`, `"city": "\u200fAmsterdam\u061c"`, `"user_agent": "curl\ufeff \u2060\u00ad"`} {
		if !strings.Contains(detail, want) {
			t.Errorf("bidi detail lacks %s:\n%s", want, detail)
		}
	}
}

func TestCopyOSC52Tmux(t *testing.T) {
	seq := components.OSC52("a:b#1", true)
	b64 := base64.StdEncoding.EncodeToString([]byte("a:b#1"))
	if seq != "\x1b]52;c;"+b64+"\x07"+"\x1bPtmux;\x1b\x1b]52;c;"+b64+"\x07\x1b\\" {
		t.Fatalf("%q", seq)
	}
}

func TestLiveUpdate(t *testing.T) {
	eng := newEngine(t)
	s := startSession(t, newContext(eng), 120, 30)
	before := s.view()
	line := `{"event_id":"live:1","client_ip":"192.0.2.7","event_type":"login","created_at":"2026-10-31T23:59:59.000Z","operation_successful":true,"user":{"user_email":"late.arrival@example.com"},"vendor":{"name":"google","service":"auth"}}` + "\n"
	storetest.Ingest(t, eng, strings.NewReader(line))
	// No key is pressed: the change notice brings the event in.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(s.view(), "late.arrival@example.com") {
		if time.Now().After(deadline) {
			t.Fatalf("the new event never appeared:\nbefore:\n%s\nafter:\n%s", before, s.view())
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.settle()
	var total int64
	var cur string
	s.probe(func(m *Model) { total, cur = m.hist.res.Total, m.cursorRow().EventID })
	if total != 307 || cur != "live:1" {
		t.Fatalf("total %d, cursor on %s", total, cur)
	}
}

func TestTogglesAndPresets(t *testing.T) {
	eng := newEngine(t)
	ctx := newContext(eng)
	m := newModel(ctx, 100, 30)
	check := func(dsl string) {
		t.Helper()
		if got := m.eff.String(); got != dsl {
			t.Fatalf("effective filter %q, want %q", got, dsl)
		}
		if want := count(t, eng, dsl); m.hist.res.Total != want {
			t.Fatalf("%s: view counts %d, engine %d", dsl, m.hist.res.Total, want)
		}
		want := scanIDs(t, eng, dsl, len(m.tbl.rows))
		for i, id := range want {
			if m.tbl.rows[i].EventID != id {
				t.Fatalf("%s: row %d is %s, want %s", dsl, i, m.tbl.rows[i].EventID, id)
			}
		}
	}
	check("")
	press(m, keyRune('t'))
	check("created_at.ge(-1h)")
	press(m, keyRune('t'))
	check("created_at.ge(-24h)")
	press(m, keyRune('f'))
	check("created_at.ge(-24h),operation_successful.eq(false)")
	press(m, keyRune('t'))
	press(m, keyRune('t'))
	press(m, keyRune('t')) // back to all
	press(m, keyRune('s'))
	check("operation_successful.eq(false),extra.auth.is_suspicious")
	press(m, keyRune('f'))
	press(m, keyRune('u'))
	check("extra.auth.is_suspicious,triage.state.eq(new)")
	if bar := m.filterBar(); !strings.Contains(bar, "only suspicious, untriaged") || !strings.Contains(bar, "range all") {
		t.Fatalf("filter bar %q", bar)
	}
}

func TestSavedFilters(t *testing.T) {
	eng := newEngine(t)
	ctx := newContext(eng)
	ctx.SavedFilters = []tui.SavedFilter{{Name: "Failed logins", Filter: "event_type.eq(login),operation_successful.eq(false)"}, {Name: "broken", Filter: "nope.eq(1)"}}
	m := New(ctx)
	m.SetSize(120, 30)
	if l := m.sectionsLine(); !strings.Contains(l, "saved  [all]  Failed logins  broken") {
		t.Fatalf("sections %q", l)
	}
	drive(m, m.reset())
	press(m, keyRune('/'))
	if p := m.viewFilterPanel(); !strings.Contains(p, "saved @Failed logins  @broken") {
		t.Fatalf("saved filters not listed:\n%s", p)
	}
	for _, r := range "@fa" {
		press(m, keyRune(r))
	}
	press(m, keyTab)
	if v := m.fin.in.Value(); v != "@Failed logins" {
		t.Fatalf("completed to %q", v)
	}
	press(m, keyEnter)
	if m.mode != modeTable || m.filterName != "Failed logins" || m.hist.res.Total != count(t, eng, "event_type.eq(login),operation_successful.eq(false)") {
		t.Fatalf("saved filter not applied: mode %d name %q total %d", m.mode, m.filterName, m.hist.res.Total)
	}
	if bar := m.filterBar(); !strings.Contains(bar, "@Failed logins event_type.eq(login)") {
		t.Fatalf("filter bar %q", bar)
	}
	if l := m.sectionsLine(); !strings.Contains(l, "saved  all  [Failed logins]  broken") {
		t.Fatalf("sections %q", l)
	}
	press(m, keyRune('/'))
	m.fin.in.SetValue("@broken")
	press(m, keyEnter)
	if m.mode != modeFilter || m.fin.err == nil || !strings.Contains(m.fin.err.Error(), `saved filter "broken"`) {
		t.Fatalf("broken saved filter: mode %d err %v", m.mode, m.fin.err)
	}
}

func TestCompletion(t *testing.T) {
	cases := []struct{ in, out string }{
		{"event_t", "event_type"},
		{"!operation_s", "!operation_successful"},
		{"event_type.eq(login),client_l", "event_type.eq(login),client_location."},
		{"triage.state.e", "triage.state.eq("},
		{"triage.state.eq(esc", "triage.state.eq(escalated"},
		{"operation_successful.eq(f", "operation_successful.eq(false"},
		{"client_ip.isn", "client_ip.isnull()"},
		{"@fa", "@failed"},
		{"zzz", "zzz"},
	}
	for _, c := range cases {
		got, pos, _ := completeAt(c.in, len(c.in), []string{"failed"}, nil)
		if got != c.out || pos != len(c.out) {
			t.Errorf("complete %q = %q (pos %d), want %q", c.in, got, pos, c.out)
		}
	}
	_, _, cands := completeAt("user.", 5, nil, nil)
	if len(cands) != 2 || cands[0] != "user.user_email" || cands[1] != "user.vendor_id" {
		t.Errorf("candidates %q", cands)
	}
}

func TestFilterHistory(t *testing.T) {
	eng := newEngine(t)
	m := newModel(newContext(eng), 100, 30)
	m.debounce = time.Millisecond
	apply := func(dsl string) {
		press(m, keyRune('/'))
		m.fin.in.SetValue(dsl)
		press(m, keyEnter)
		if m.mode != modeTable {
			t.Fatalf("%q not applied: %v", dsl, m.fin.err)
		}
	}
	for i := range 60 {
		apply("created_hour.eq(" + string(rune('0'+i%10)) + ")," + strings.Repeat("!event_type.eq(x),", i/10) + "event_category.ne(zz)")
	}
	apply("event_type.eq(login)")
	if h := m.History(); len(h) != maxHistory || h[0] != "event_type.eq(login)" {
		t.Fatalf("history has %d entries, first %q", len(h), h[0])
	}
	press(m, keyRune('/'))
	m.fin.in.SetValue("draft")
	press(m, keyUp)
	press(m, keyUp)
	if v := m.fin.in.Value(); v != m.History()[1] {
		t.Fatalf("up up shows %q", v)
	}
	press(m, keyDown)
	press(m, keyDown)
	if v := m.fin.in.Value(); v != "draft" {
		t.Fatalf("down down shows %q", v)
	}
}

// TestPagingWindow pages through a larger store: the window stays bounded,
// rows arrive in order without gaps or repeats, and paging back, home and
// end agree with a full scan.
func TestPagingWindow(t *testing.T) {
	eng := newEngine(t)
	ingestSynthetic(t, eng, 5000)
	all := scanIDs(t, eng, "", 0)
	m := newModel(newContext(eng), 120, 30)
	vis := m.visRows()
	pos := func() int { return int(m.tbl.base) + m.tbl.cur }
	checkWindow := func(step string) {
		t.Helper()
		tb := &m.tbl
		if len(tb.rows) > m.keepRows()+m.pageSize() {
			t.Fatalf("%s: %d rows held (keep %d)", step, len(tb.rows), m.keepRows())
		}
		if tb.base < 0 {
			t.Fatalf("%s: position unknown", step)
		}
		for i := range tb.rows {
			if want := all[int(tb.base)+i]; tb.rows[i].EventID != want {
				t.Fatalf("%s: row %d (abs %d) is %s, want %s", step, i, int(tb.base)+i, tb.rows[i].EventID, want)
			}
		}
		if got := m.cursorRow().EventID; got != all[pos()] {
			t.Fatalf("%s: cursor on %s, want %s", step, got, all[pos()])
		}
	}
	for i := 1; i <= 40; i++ {
		press(m, keyPgDn)
		checkWindow("pgdn")
		if pos() != i*vis {
			t.Fatalf("after %d pages the cursor is at %d, want %d", i, pos(), i*vis)
		}
	}
	for i := 39; i >= 30; i-- {
		press(m, keyPgUp)
		checkWindow("pgup")
		if pos() != i*vis {
			t.Fatalf("paging back: cursor at %d, want %d", pos(), i*vis)
		}
	}
	for range 100 {
		press(m, keyUp)
	}
	checkWindow("up")
	press(m, keyEnd)
	checkWindow("end")
	if pos() != len(all)-1 || !m.tbl.tail {
		t.Fatalf("end: cursor at %d of %d", pos(), len(all))
	}
	for range 25 {
		press(m, keyPgUp)
		checkWindow("pgup from end")
	}
	press(m, keyHome)
	checkWindow("home")
	if pos() != 0 || !m.tbl.head {
		t.Fatalf("home: cursor at %d", pos())
	}
	// Rendering draws only the visible rows.
	if got := strings.Count(m.View(), "\n") + 1; got != 30 {
		t.Fatalf("view has %d lines, want 30", got)
	}
}

func TestNarrowLayout(t *testing.T) {
	defaults, _ := buildColumns(DefaultColumns)
	layouts := columnLayouts(defaults)
	w80 := components.LayoutColumns(layouts, 80-gutterWidth, 1)
	for i, c := range defaults {
		if drop := c.field == "vendor.name" || c.field == "vendor.service" || c.field == "client_location.country.code"; drop != (w80[i] == 0) {
			t.Fatalf("80 columns: %s has width %d: %v", c.field, w80[i], w80)
		}
	}
	w120 := components.LayoutColumns(layouts, 120-gutterWidth, 1)
	for i, w := range w120 {
		if w == 0 {
			t.Fatalf("120 columns drop %s: %v", layouts[i].Title, w120)
		}
	}
	for _, w := range []int{60, 80, 100, 120, 200} {
		eng := newEngine(t)
		m := newModel(newContext(eng), w, 20)
		for _, l := range strings.Split(m.View(), "\n") {
			if lw := lipglossWidth(l); lw > w {
				t.Fatalf("width %d: line of %d cells: %q", w, lw, l)
			}
		}
	}
}

// ---- helpers ----

func count(t testing.TB, eng *core.Engine, dsl string) int64 {
	t.Helper()
	f, err := query.ParseDSL(dsl)
	if err != nil {
		t.Fatal(err)
	}
	n, err := eng.Count(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// scanIDs lists the ids of a filter's first n rows (0: all), newest first.
func scanIDs(t testing.TB, eng *core.Engine, dsl string, n int) []string {
	t.Helper()
	f, err := query.ParseDSL(dsl)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	_, err = eng.Scan(context.Background(), core.QuerySpec{Filter: f, Limit: n}, func(a *core.Activity) error {
		ids = append(ids, a.EventID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func countLines(t *testing.T, path string) int {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
	}
	return n
}

// Keys that arrive together (jjjj typed fast, a laggy SSH link) come as one
// message with several runes; each moves the cursor. A burst typed into the
// filter is text, and a bracketed paste in the table moves nothing.
func TestKeyBurst(t *testing.T) {
	eng := newEngine(t)
	s := startSession(t, newContext(eng), 120, 30)
	cursor := func() int {
		var c int
		s.probe(func(m *Model) { c = m.tbl.cur })
		return c
	}
	s.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjjj")})
	s.settle()
	if c := cursor(); c != 4 {
		t.Fatalf("cursor at row %d after jjjj, want 4", c)
	}
	s.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("kk")}, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjj"), Paste: true})
	s.settle()
	if c := cursor(); c != 2 {
		t.Fatalf("cursor at row %d after kk and a pasted jjj, want 2", c)
	}
	s.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/event_type.eq(login)")}, keyEnter)
	s.settle()
	if scr := s.screen(); !strings.Contains(scr, "filter event_type.eq(login)") {
		t.Fatalf("a burst into the filter was not typed:\n%s", scr)
	}
}

// The export form ticks several formats (one task writes them all from the
// same pinned rows) and takes a title, which the file name follows until
// it is edited and which heads the HTML and PDF.
func TestExportTitleAndFormats(t *testing.T) {
	eng := newEngine(t)
	tr, err := eng.StartTasks(core.TaskOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	s := startSession(t, newContext(eng), 80, 24)
	s.send(keyRune('f'), keyRune('x'))
	// No format: a clear error, nothing queued.
	s.send(keySpace, keyEnter)
	s.settle()
	if v := s.view(); !strings.Contains(v, "tick at least one format") {
		t.Fatalf("no error without a format:\n%s", v)
	}
	// csv, html and pdf; the title "Failed logins (NL)" on the title field.
	s.send(keySpace, keyRight, keyRight, keyRight, keySpace, keyRight, keySpace, keyTab, keyTab)
	s.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	s.typeText("Failed logins — NL")
	s.settle()
	requireGolden(t, s.view())
	if v := s.view(); !strings.Contains(v, "failed-logins-nl-20261101-0000.csv .html .pdf") {
		t.Fatalf("the file name does not follow the title:\n%s", v)
	}
	// A title with a bidi override is refused by the engine; the form stays
	// and shows it escaped.
	s.typeText("\u202e")
	s.send(keyEnter)
	s.settle()
	v := s.view()
	requireSafe(t, "export form", v)
	if !strings.Contains(v, `title: contains the invisible or bidi control character U+202E`) || !strings.Contains(v, `Failed logins — NL\u202e`) {
		t.Fatalf("bidi title not refused:\n%s", v)
	}
	s.send(tea.KeyMsg{Type: tea.KeyBackspace})
	// An edited file name no longer follows the title.
	s.send(keyTab)
	s.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	s.typeText("nl-weekly")
	s.send(keyUp)
	s.typeText("!")
	s.send(keyEnter)
	s.settle()
	var id string
	s.probe(func(m *Model) { id = m.lastTaskID })
	if id == "" {
		t.Fatalf("no task:\n%s", s.screen())
	}
	if scr := s.screen(); !strings.Contains(scr, "→ nl-weekly.csv .html .pdf") {
		t.Fatalf("toast does not name the files:\n%s", scr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	task, err := tr.Wait(ctx, core.Actor{User: "alice"}, id, 10*time.Millisecond, nil)
	if err != nil || task.Status != core.TaskSucceeded {
		t.Fatalf("task %+v: %v", task, err)
	}
	if task.Request.Title != "Failed logins — NL!" || task.Request.FileName != "nl-weekly" {
		t.Fatalf("request title %q, file %q", task.Request.Title, task.Request.FileName)
	}
	var formats []string
	for _, f := range task.Files {
		formats = append(formats, f.Format)
	}
	if strings.Join(formats, ",") != "csv,html,pdf" {
		t.Fatalf("files %+v", task.Files)
	}
	html, err := os.ReadFile(task.Files[1].Path)
	if err != nil || !strings.Contains(string(html), "Failed logins — NL!") {
		t.Fatalf("the HTML does not carry the title (%v)", err)
	}
}
