// Package viewkittest runs a list view inside the real shell under
// teatest, on a store holding the testdata fixture, for the view packages'
// tests: screen snapshots from the program's own goroutine, bounded waits,
// key helpers and golden files with ids masked.
package viewkittest

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/store/storetest"
	"github.com/auditdeck/auditdeck/tui"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
)

// FixtureNow is the day after the fixture's last event.
var FixtureNow = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

type Clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

type Env struct {
	Eng   *core.Engine
	Ctx   *tui.Context
	Clock *Clock
	Alice core.Actor
}

func init() {
	// bubbles' components use the default renderer for their own styles.
	lipgloss.SetColorProfile(termenv.Ascii)
}

// NewEnv opens a store in a temp dir, ingests the fixture and builds a
// session context for alice with the colour profile forced to ASCII.
func NewEnv(t *testing.T, manage bool) *Env {
	t.Helper()
	return NewEnvWith(t, manage)
}

// NewEnvWith is NewEnv with more engine options (the clock is the Env's).
func NewEnvWith(t *testing.T, manage bool, opts ...core.EngineOption) *Env {
	t.Helper()
	c := &Clock{t: FixtureNow}
	eng := storetest.Engine(t, append([]core.EngineOption{core.WithClock(c.Now)}, opts...)...)
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	alice := core.Actor{User: "alice", From: "test"}
	ctx := tui.NewContext(eng, alice, r)
	ctx.Now = c.Now
	ctx.CanManage = manage
	ctx.CanTriage = manage
	return &Env{Eng: eng, Ctx: ctx, Clock: c, Alice: alice}
}

func (e *Env) StartTasks(t *testing.T) *core.TaskRunner {
	t.Helper()
	tr, err := e.Eng.StartTasks(core.TaskOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// Host wraps the shell so a test can read the screen from the program's
// own goroutine, at any moment, without racing the model.
type Host struct{ app *tui.App }

type snapMsg struct{ ch chan string }

func (h Host) Init() tea.Cmd { return h.app.Init() }
func (h Host) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if s, ok := msg.(snapMsg); ok {
		s.ch <- h.app.View()
		return h, nil
	}
	m, cmd := h.app.Update(msg)
	return Host{app: m.(*tui.App)}, cmd
}
func (h Host) View() string { return h.app.View() }

type closer interface{ Close() }

// Run starts the shell with one view at 80x24.
func Run(t *testing.T, e *Env, v tui.View) *teatest.TestModel {
	t.Helper()
	tm := teatest.NewTestModel(t, Host{app: tui.NewApp(e.Ctx, v)}, teatest.WithInitialTermSize(80, 24))
	t.Cleanup(func() {
		tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
		if c, ok := v.(closer); ok {
			c.Close()
		}
	})
	return tm
}

func Snapshot(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	ch := make(chan string, 1)
	tm.Send(snapMsg{ch: ch})
	select {
	case s := <-ch:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no snapshot: the program is stuck")
	}
	return ""
}

// WaitView polls the screen until cond holds and returns that screen.
func WaitView(t *testing.T, tm *teatest.TestModel, what string, cond func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var s string
	for time.Now().Before(deadline) {
		s = Snapshot(t, tm)
		if cond(s) {
			return s
		}
		time.Sleep(15 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; screen:\n%s", what, s)
	return ""
}

func WaitText(t *testing.T, tm *teatest.TestModel, sub string) string {
	t.Helper()
	return WaitView(t, tm, fmt.Sprintf("%q", sub), func(s string) bool { return strings.Contains(s, sub) })
}

func Keys(tm *teatest.TestModel, ks ...string) {
	for _, k := range ks {
		switch k {
		case "enter":
			tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
		case "esc":
			tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
		case "tab":
			tm.Send(tea.KeyMsg{Type: tea.KeyTab})
		case "shift+tab":
			tm.Send(tea.KeyMsg{Type: tea.KeyShiftTab})
		case "up":
			tm.Send(tea.KeyMsg{Type: tea.KeyUp})
		case "down":
			tm.Send(tea.KeyMsg{Type: tea.KeyDown})
		case "left":
			tm.Send(tea.KeyMsg{Type: tea.KeyLeft})
		case "right":
			tm.Send(tea.KeyMsg{Type: tea.KeyRight})
		case "home":
			tm.Send(tea.KeyMsg{Type: tea.KeyHome})
		case "end":
			tm.Send(tea.KeyMsg{Type: tea.KeyEnd})
		case "space":
			tm.Send(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
		case "ctrl+s":
			tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
		case "ctrl+u":
			tm.Send(tea.KeyMsg{Type: tea.KeyCtrlU})
		default:
			tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
		}
	}
}

// ids are engine object ids (time-based, so they differ between runs).
var ids = regexp.MustCompile(`[0-9]{12,20}`)

// Mask hides engine ids and the shell's toast line (toasts expire after
// a few seconds, so whether one still shows depends on timing; the tests
// check toasts with waitText instead).
func Mask(s string) string {
	s = ids.ReplaceAllStringFunc(s, func(id string) string { return strings.Repeat("#", len(id)) })
	lines := strings.Split(s, "\n")
	if n := len(lines); n >= 3 {
		lines[n-2] = strings.Repeat(" ", lipgloss.Width(lines[n-2]))
	}
	return strings.Join(lines, "\n")
}

// Goldens compares the screen at 80x24 and at 200x60 with testdata, and
// leaves the program at 80x24. Write them with go test -update.
func Goldens(t *testing.T, tm *teatest.TestModel) {
	t.Helper()
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		tm.Send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		s := Snapshot(t, tm)
		CheckScreen(t, s, sz[0], sz[1])
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			golden.RequireEqual(t, []byte(Mask(s)))
		})
	}
	tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
}

// CheckScreen asserts the screen fits the terminal and carries no escapes.
func CheckScreen(t *testing.T, s string, w, h int) {
	t.Helper()
	lines := strings.Split(s, "\n")
	if len(lines) != h {
		t.Errorf("%d lines at %dx%d", len(lines), w, h)
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			t.Errorf("line %d is %d cells wide at %dx%d: %q", i, lipgloss.Width(l), w, h, l)
		}
	}
	if strings.ContainsRune(s, '\x1b') {
		t.Errorf("escape sequence on an ASCII screen")
	}
}
