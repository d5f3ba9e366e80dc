package tui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/store/storetest"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
)

// fakeView is a test double standing in for a real view, to test the shell alone.
type fakeView struct {
	title     string
	w, h      int
	capturing bool
	keys      []string
}

func (f *fakeView) Init() tea.Cmd { return nil }

// setCapturing switches a fake view's text capture from the program's own
// goroutine (tests must not touch the model from theirs).
type setCapturing struct {
	title string
	on    bool
}

func (f *fakeView) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch m := msg.(type) {
	case tea.KeyMsg:
		f.keys = append(f.keys, m.String())
	case setCapturing:
		if m.title == f.title {
			f.capturing = m.on
		}
	}
	return f, nil
}
func (f *fakeView) View() string {
	return "body of " + f.title + "\n" + strings.Repeat("line\n", max(0, f.h-2))
}
func (f *fakeView) Title() string            { return f.title }
func (f *fakeView) SetSize(w, h int)         { f.w, f.h = w, h }
func (f *fakeView) ShortHelp() []key.Binding { return nil }
func (f *fakeView) Capturing() bool          { return f.capturing }

func testContext(t *testing.T) *Context {
	t.Helper()
	eng := storetest.Engine(t)
	r := lipgloss.NewRenderer(&bytes.Buffer{})
	r.SetColorProfile(termenv.Ascii)
	ctx := NewContext(eng, core.Actor{User: "alice"}, r)
	ctx.Now = func() time.Time { return time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC) }
	return ctx
}

func views() []View {
	return []View{&fakeView{title: "Activities"}, &fakeView{title: "Reports"}, &fakeView{title: "Subscriptions"}, &fakeView{title: "Tasks"}}
}

func TestShellTabsHelpCommandsAndQuit(t *testing.T) {
	ctx := testContext(t)
	vs := views()
	app := NewApp(ctx, vs...)
	tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "body of Activities")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("3")})
	waitFor(t, tm, "body of Subscriptions")
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	waitFor(t, tm, "body of Tasks")
	tm.Send(tea.KeyMsg{Type: tea.KeyShiftTab})
	waitFor(t, tm, "body of Subscriptions")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(":")})
	tm.Type("reports")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, "body of Reports")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(":")})
	tm.Type("bogus\x1b[2J")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, `unknown command "bogus`)
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("?")})
	waitFor(t, tm, "previous tab")
	// A capturing view gets letter keys, q included.
	tm.Send(setCapturing{title: "Reports", on: true})
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("1")})
	tm.Send(setCapturing{title: "Reports", on: false})
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	fm := tm.FinalModel(t).(*App)
	if fm.active != 1 {
		t.Errorf("active tab %d after typing 1 into a capturing view", fm.active)
	}
	if got := vs[1].(*fakeView).keys; len(got) < 2 || got[len(got)-2] != "q" {
		t.Errorf("capturing view keys %v", got)
	}
	if w := vs[0].(*fakeView).w; w != 80 {
		t.Errorf("views sized %d", w)
	}
}

func TestShellResizeAndHeader(t *testing.T) {
	ctx := testContext(t)
	app := NewApp(ctx, views()...)
	app.Update(app.readStats()())
	app.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	out := app.View()
	lines := strings.Split(out, "\n")
	if len(lines) != 60 {
		t.Errorf("%d lines at 200x60", len(lines))
	}
	if !strings.Contains(lines[0], "1 Activities") || !strings.Contains(lines[0], "alice") || !strings.Contains(lines[0], "306 events") || !strings.Contains(lines[0], "scheduler off") {
		t.Errorf("header %q", lines[0])
	}
	app.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	for i, l := range strings.Split(app.View(), "\n") {
		if lipgloss.Width(l) > 80 {
			t.Errorf("line %d is %d wide at 80 columns", i, lipgloss.Width(l))
		}
	}
	if n := len(strings.Split(app.View(), "\n")); n != 24 {
		t.Errorf("%d lines at 80x24", n)
	}
}

func waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func TestQuitAsksWhileAFormIsOpen(t *testing.T) {
	ctx := testContext(t)
	vs := views()
	vs[0].(*fakeView).capturing = true
	app := NewApp(ctx, vs...)
	app.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if _, cmd := app.Update(tea.KeyMsg{Type: tea.KeyCtrlC}); cmd != nil {
		t.Fatal("ctrl+c quit at once with a form open")
	}
	if !strings.Contains(app.View(), "quit? y/n") {
		t.Fatal("no confirmation shown")
	}
	if _, cmd := app.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("n")}); cmd != nil {
		t.Fatal("n quit")
	}
	app.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
	_, cmd := app.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("y")})
	if cmd == nil {
		t.Fatal("y did not quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("y did not quit")
	}
}

// Runes that arrive in one read come as one message; each is its own key.
// A bracketed paste stays one message.
func TestKeyBurstsAreSplit(t *testing.T) {
	ctx := testContext(t)
	vs := views()
	app := NewApp(ctx, vs...)
	tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "body of Activities")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjjj")})
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jj"), Paste: true})
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("k k")}) // a space inside a burst is a space key
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("2kj")}) // the shell's own keys too: 2 switches tabs
	waitFor(t, tm, "body of Reports")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	fm := tm.FinalModel(t).(*App)
	if fm.active != 1 {
		t.Errorf("active tab %d, want 1 (Reports)", fm.active)
	}
	if got, want := strings.Join(vs[0].(*fakeView).keys, ","), "j,j,j,j,[jj],k, ,k"; got != want {
		t.Errorf("Activities got keys %q, want %q", got, want)
	}
	if got, want := strings.Join(vs[1].(*fakeView).keys, ","), "k,j"; got != want {
		t.Errorf("Reports got keys %q, want %q", got, want)
	}
}

func TestEscClosesHelp(t *testing.T) {
	ctx := testContext(t)
	vs := views()
	app := NewApp(ctx, vs...)
	app.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	app.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("?")})
	if !strings.Contains(app.View(), "previous tab") {
		t.Fatalf("? shows no full help:\n%s", app.View())
	}
	app.Update(tea.KeyMsg{Type: tea.KeyEsc})
	if strings.Contains(app.View(), "previous tab") {
		t.Fatalf("esc left the full help open:\n%s", app.View())
	}
	// With the help closed, esc is the view's again.
	app.Update(tea.KeyMsg{Type: tea.KeyEsc})
	if got := vs[0].(*fakeView).keys; len(got) != 1 || got[0] != "esc" {
		t.Fatalf("view keys %v, want the second esc only", got)
	}
}

// With a quit question set (the demo: its store goes on exit), q asks; n
// stays, y or a second q quits; :quit and ctrl+c ask too.
func TestConfirmQuit(t *testing.T) {
	ctx := testContext(t)
	app := NewApp(ctx, views()...)
	app.ConfirmQuit("quit and delete the demo store?")
	tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "body of Activities")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	waitFor(t, tm, "quit and delete the demo store? y/n")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("n")})
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("2")})
	waitFor(t, tm, "body of Reports") // still running
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	waitFor(t, tm, "quit and delete the demo store? y/n")
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(":")})
	tm.Type("quit")
	waitFor(t, tm, ":quit") // else the renderer may never draw the question's line away and back
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, "quit and delete the demo store? y/n")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("n")})
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("1")})
	waitFor(t, tm, "body of Activities")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("y")})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if fm := tm.FinalModel(t).(*App); fm.active != 0 {
		t.Fatalf("quit from tab %d", fm.active)
	}
}

// TestShellCapsTerminalSize: a terminal claiming 65535×65535 (any client
// can) gets a frame of at most MaxWidth×MaxHeight, and its views are sized
// to that; a normal size afterwards applies as given.
func TestShellCapsTerminalSize(t *testing.T) {
	ctx := testContext(t)
	vs := views()
	app := NewApp(ctx, vs...)
	tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(65535, 65535))
	waitFor(t, tm, "body of Activities")
	tm.Send(tea.WindowSizeMsg{Width: 65535, Height: 40000})
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	fm := tm.FinalModel(t).(*App)
	if fv := vs[0].(*fakeView); fv.w != MaxWidth || fv.h > MaxHeight {
		t.Errorf("views sized %dx%d for a 65535-column terminal, want at most %dx%d", fv.w, fv.h, MaxWidth, MaxHeight)
	}
	lines := strings.Split(fm.View(), "\n")
	if len(lines) != MaxHeight {
		t.Errorf("%d lines drawn, want %d", len(lines), MaxHeight)
	}
	for i, l := range lines {
		if lipgloss.Width(l) > MaxWidth {
			t.Fatalf("line %d is %d wide", i, lipgloss.Width(l))
		}
	}
	fm.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	if fv := vs[0].(*fakeView); fv.w != 120 {
		t.Errorf("views sized %d after a resize to 120 columns", fv.w)
	}
}

// TestFooterWhileCapturing: while a view takes text (a form field, the
// filter box), tab, ? and q go to it, so the footer does not offer them as
// "next tab", "help" and "quit"; it did, beside a form's "tab next field".
func TestFooterWhileCapturing(t *testing.T) {
	ctx := testContext(t)
	vs := views()
	app := NewApp(ctx, vs...)
	app.Update(tea.WindowSizeMsg{Width: 120, Height: 24})
	if v := app.View(); !strings.Contains(v, "next tab") || !strings.Contains(v, "? help") || !strings.Contains(v, "q quit") {
		t.Fatalf("footer without a form lacks the shell's keys:\n%s", v)
	}
	vs[0].(*fakeView).capturing = true
	if v := app.View(); strings.Contains(v, "next tab") || strings.Contains(v, "? help") || strings.Contains(v, "q quit") {
		t.Fatalf("footer while capturing offers keys the view takes:\n%s", v)
	}
}
