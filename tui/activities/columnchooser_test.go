package activities

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/tui"
	tea "github.com/charmbracelet/bubbletea"
)

const commentedConfig = `# my dashboard
keys:
  quit: ["q", "ctrl+q"] # keep ctrl+q

# the filters I use
saved_filters:
  - name: Failed logins
    filter: event_type.eq(login),!operation_successful
`

// TestColumnChooserRawField adds a field no store column holds
// (raw.Operation) with the chooser, moves it to the front, applies: the
// table shows its values, the config file gains the columns and keeps its
// comments, and a second start reads them back.
func TestColumnChooserRawField(t *testing.T) {
	eng := newEngine(t)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(commentedConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := tui.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := newContext(eng)
	ctx.ApplyConfig(cfg)
	s := startSession(t, ctx, 200, 40)
	s.send(keyRune('C'))
	s.settle()
	s.typeText("raw.operation")
	s.settle()
	view := s.view()
	if !strings.Contains(view, "raw.Operation ") || !strings.Contains(view, "raw.OperationCount") {
		t.Fatalf("chooser lacks the catalog's raw fields:\n%s", view)
	}
	s.send(keySpace)
	// Move it from last to second: nine steps left, one with shift+up.
	for range 8 {
		s.send(keyRune('['))
	}
	s.send(tea.KeyMsg{Type: tea.KeyShiftUp})
	s.send(keyEnter)
	s.settle()
	want := []string{"created_at", "raw.Operation", "event_type", "user.user_email", "client_ip", "client_location.country.code",
		"vendor.name", "vendor.service", "operation_successful", "extra.auth.is_suspicious", "triage.state"}
	s.probe(func(m *Model) {
		if got := fieldsOf(m.columns); !slices.Equal(got, want) {
			t.Fatalf("columns %v", got)
		}
		if m.colNote != "columns saved" || m.colErr {
			t.Fatalf("status: %q", m.colNote)
		}
	})
	view = s.view()
	if !strings.Contains(view, "RAW.OPERATION") || !strings.Contains(view, "UserLoggedIn") {
		t.Fatalf("table lacks the raw column:\n%s", view)
	}
	// Rows read later (paging) carry the raw cells too.
	s.send(keyEnd)
	s.settle()
	s.probe(func(m *Model) {
		for _, a := range m.tbl.rows {
			if a.Raw != nil {
				t.Fatal("the window holds raw JSON")
			}
			if _, ok := m.tbl.cells[a.EventID]; !ok {
				t.Fatalf("row %s has no raw cells", a.EventID)
			}
		}
	})
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, keep := range []string{"# my dashboard", "# keep ctrl+q", "# the filters I use", "filter: event_type.eq(login),!operation_successful", "  - raw.Operation\n"} {
		if !strings.Contains(string(b), keep) {
			t.Fatalf("config lacks %q:\n%s", keep, b)
		}
	}
	// A second start reads the columns.
	cfg2, err := tui.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx2 := newContext(eng)
	ctx2.ApplyConfig(cfg2)
	m := newModel(ctx2, 200, 30)
	if got := fieldsOf(m.columns); !slices.Equal(got, want) {
		t.Fatalf("second start: columns %v", got)
	}
	if !strings.Contains(m.View(), "UserLoggedIn") {
		t.Fatalf("second start lacks the raw column:\n%s", m.View())
	}
}

// TestColumnChooserCancelAndUntick: esc changes nothing; unticking a
// column removes it; a path no event has can be added.
func TestColumnChooserCancelAndUntick(t *testing.T) {
	eng := newEngine(t)
	m := newModel(newContext(eng), 120, 30)
	before := fieldsOf(m.columns)
	press(m, keyRune('C'))
	press(m, keySpace) // unticks the first column
	press(m, keyEsc)
	if got := fieldsOf(m.columns); !slices.Equal(got, before) || m.mode != modeTable {
		t.Fatalf("esc: columns %v, mode %d", got, m.mode)
	}
	press(m, keyRune('C'))
	if v := m.View(); !strings.Contains(v, "kept for this session") {
		t.Fatalf("the chooser does not say the columns are not saved:\n%s", v)
	}
	if h := m.ShortHelp(); h[4].Help().Desc != "apply (this session only)" {
		t.Fatalf("help: %v", h[4].Help())
	}
	for _, r := range "raw.nothing.here" {
		press(m, keyRune(r))
	}
	if c := &m.chooser; len(c.items) != 1 || c.items[0] != "raw.nothing.here" {
		t.Fatalf("typed path: items %v", c.items)
	}
	press(m, keySpace)
	press(m, keyEnter)
	if got := fieldsOf(m.columns); got[len(got)-1] != "raw.nothing.here" {
		t.Fatalf("columns %v", got)
	}
	// Session only: no config file named.
	if m.colNote != "columns kept for this session" {
		t.Fatalf("status %q", m.colNote)
	}
	if !strings.Contains(m.View(), "RAW.NOTHING.HERE") {
		t.Fatalf("view:\n%s", m.View())
	}
}

// TestColumnSaveError: a config that cannot be written says so in the
// status line, and the columns still apply.
func TestColumnSaveError(t *testing.T) {
	eng := newEngine(t)
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := newContext(eng)
	ctx.ApplyConfig(tui.Config{Path: filepath.Join(blocker, "config.yaml")})
	m := newModel(ctx, 160, 30)
	press(m, keyRune('C'))
	press(m, keySpace) // untick created_at
	press(m, keyEnter)
	if !m.colErr || !strings.Contains(m.colNote, "columns not saved") || !strings.Contains(m.View(), "columns not saved: save columns to "+blocker) {
		t.Fatalf("status %q:\n%s", m.colNote, m.View())
	}
	if slices.Contains(fieldsOf(m.columns), "created_at") {
		t.Fatal("columns not applied")
	}
}

// TestRawColumnHostile shows raw and built-in fields with escapes, bidi
// controls and wide characters as visible, safe text, within the width.
func TestRawColumnHostile(t *testing.T) {
	wide := `{"event_id":"wide-1","event_type":"login","created_at":"2026-10-31T23:57:00.000Z","user":{"user_email":"山田太郎@例え.jp"},"raw":{"note":"漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字"}}` + "\n"
	eng := newEngine(t, hostile, hostileBidi, wide)
	ctx := newContext(eng)
	ctx.Columns = []string{"created_at", "raw.note", "user_agent", "user.user_email"}
	for _, w := range []int{50, 80, 200} {
		s := startSession(t, ctx, w, 30)
		screen := s.screen()
		requireSafe(t, "screen", screen)
		for _, l := range strings.Split(s.view(), "\n") {
			if lw := lipglossWidth(l); lw > w {
				t.Fatalf("width %d: line of %d cells: %q", w, lw, l)
			}
		}
		if w == 200 && (!strings.Contains(screen, `\x1b]52;c;ZXZpbA==\x07\x0d\u009b`) || !strings.Contains(screen, "漢字漢字") || !strings.Contains(screen, `curl \x1b[2J`)) {
			t.Fatalf("raw cells not shown:\n%s", screen)
		}
	}
}

// TestExportFollowsTheTable: "export what the view shows" carries the
// chosen columns (a raw one among them) and the sort order.
func TestExportFollowsTheTable(t *testing.T) {
	eng := newEngine(t)
	ctx := newContext(eng)
	ctx.Columns = []string{"created_at", "raw.Operation", "user.user_email"}
	m := newModel(ctx, 120, 30)
	m.colCur = columnIndex(m, "user.user_email")
	press(m, keyRune('S'))
	press(m, keyRune('S'))
	var shown [][]string
	for _, c := range columnChoices {
		if c.label == "as shown" {
			shown = c.cols(m)
		}
	}
	want := [][]string{{"created_at", "Time"}, {"raw.Operation", "raw.Operation"}, {"user.user_email", "User"}}
	if fmt.Sprint(shown) != fmt.Sprint(want) {
		t.Fatalf("export columns %v, want %v", shown, want)
	}
	if got := m.exportOrder(); got != "!user.user_email" {
		t.Fatalf("export order %q", got)
	}
	o, err := query.ParseOrder(m.exportOrder())
	if err != nil || len(o) != 1 {
		t.Fatalf("order does not parse: %v %v", o, err)
	}
}

// TestChooserNarrow draws the chooser at small widths: no line is wider.
func TestChooserNarrow(t *testing.T) {
	eng := newEngine(t, hostile)
	for _, w := range []int{24, 40, 80} {
		m := newModel(newContext(eng), w, 16)
		press(m, keyRune('C'))
		for _, r := range "raw." {
			press(m, keyRune(r))
		}
		v := m.View()
		requireSafe(t, "chooser", v)
		if n := strings.Count(v, "\n") + 1; n != 16 {
			t.Fatalf("width %d: %d lines", w, n)
		}
		for _, l := range strings.Split(v, "\n") {
			if lw := lipglossWidth(l); lw > w {
				t.Fatalf("width %d: line of %d cells: %q", w, lw, l)
			}
		}
	}
}

// TestColumnSavesInOrder applies the chooser twice while the first save is
// still writing (a slow disk, a busy SSH server): the file must end with
// the columns applied last, and the note must not say an older save's
// outcome over a newer one.
func TestColumnSavesInOrder(t *testing.T) {
	eng := newEngine(t)
	ctx := newContext(eng)
	var mu sync.Mutex
	var saved [][]string
	entered, release := make(chan struct{}), make(chan struct{})
	first := true
	ctx.SaveColumns = func(cols []string) error {
		mu.Lock()
		slow := first
		first = false
		mu.Unlock()
		if slow {
			close(entered)
			<-release
		}
		mu.Lock()
		saved = append(saved, slices.Clone(cols))
		mu.Unlock()
		return nil
	}
	m := newModel(ctx, 120, 30)
	// run executes a command tree without the model (as the runtime's
	// goroutines would), returning the messages.
	var run func(c tea.Cmd) []tea.Msg
	run = func(c tea.Cmd) []tea.Msg {
		if c == nil {
			return nil
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			var out []tea.Msg
			for _, cc := range msg {
				out = append(out, run(cc)...)
			}
			return out
		default:
			return []tea.Msg{msg}
		}
	}
	apply := func(cols []string) tea.Cmd {
		press(m, keyRune('C'))
		m.chooser.chosen = cols
		return m.applyChooser()
	}
	older, newer := []string{"created_at", "event_type"}, []string{"created_at", "user.user_email"}
	c1 := apply(older)
	done1 := make(chan []tea.Msg)
	go func() { done1 <- run(c1) }()
	<-entered
	c2 := apply(newer)
	done2 := make(chan []tea.Msg)
	go func() { done2 <- run(c2) }()
	time.Sleep(200 * time.Millisecond) // the newer save runs now, unless it waits its turn
	close(release)
	msgs1, msgs2 := <-done1, <-done2
	mu.Lock()
	last := saved[len(saved)-1]
	mu.Unlock()
	if !slices.Equal(last, newer) {
		t.Fatalf("saves %v: the file ends with %v, want the columns applied last %v", saved, last, newer)
	}
	for _, msg := range append(msgs1, msgs2...) {
		m.Update(msg)
	}
	if m.colNote != "columns saved" || m.inflight != 0 {
		t.Fatalf("note %q, inflight %d", m.colNote, m.inflight)
	}
}
