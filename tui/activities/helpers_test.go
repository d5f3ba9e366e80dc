package activities

import (
	"context"
	"io"
	"os"
	"strings"
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

// The fixture ends at 2026-11-01T00:00:00Z; the clock stands there.
var fixedNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	code := m.Run()
	cleanupBench()
	os.Exit(code)
}

// newEngine opens a store in a temporary directory and ingests the shared
// fixture plus any extra NDJSON.
func newEngine(t testing.TB, extra ...string) *core.Engine {
	t.Helper()
	eng := storetest.Engine(t, core.WithClock(func() time.Time { return fixedNow }))
	for _, x := range extra {
		storetest.Ingest(t, eng, strings.NewReader(x))
	}
	return eng
}

// newContext builds a session context drawing with the ASCII profile.
func newContext(eng *core.Engine) *tui.Context {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	ctx := tui.NewContext(eng, core.Actor{User: "alice", From: "test"}, r)
	ctx.Now = func() time.Time { return fixedNow }
	return ctx
}

// harness wraps the shell so a test can ask, inside the program's own
// goroutine, whether the view still waits for results.
type harness struct {
	app  *tui.App
	view *Model
}

type probeMsg struct {
	fn    func(*Model)
	reply chan bool
}

func (h *harness) Init() tea.Cmd { return h.app.Init() }

func (h *harness) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if p, ok := msg.(probeMsg); ok {
		if p.fn != nil {
			p.fn(h.view)
		}
		p.reply <- h.view.busy()
		return h, nil
	}
	_, cmd := h.app.Update(msg)
	return h, cmd
}

func (h *harness) View() string { return h.app.View() }

type session struct {
	t    *testing.T
	tm   *teatest.TestModel
	h    *harness
	clip *strings.Builder
}

func startSession(t *testing.T, ctx *tui.Context, w, h int) *session {
	t.Helper()
	v := New(ctx)
	clip := &strings.Builder{}
	v.SetClipboard(clip, false)
	hs := &harness{app: tui.NewApp(ctx, v), view: v}
	tm := teatest.NewTestModel(t, hs, teatest.WithInitialTermSize(w, h))
	s := &session{t: t, tm: tm, h: hs, clip: clip}
	t.Cleanup(func() {
		tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
		v.Close()
	})
	s.settle()
	return s
}

// probe runs fn on the view inside the program and reports whether it is busy.
func (s *session) probe(fn func(*Model)) bool {
	reply := make(chan bool, 1)
	s.tm.Send(probeMsg{fn: fn, reply: reply})
	select {
	case b := <-reply:
		return b
	case <-time.After(10 * time.Second):
		s.t.Fatal("the program does not answer")
	}
	return false
}

// settle waits until the view has no reads, ticks or refreshes pending,
// twice in a row, so late change notices are taken too.
func (s *session) settle() {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	quiet := 0
	for quiet < 3 {
		if time.Now().After(deadline) {
			s.t.Fatal("the view never settled")
		}
		if s.probe(nil) {
			quiet = 0
		} else {
			quiet++
		}
		time.Sleep(15 * time.Millisecond)
	}
}

func (s *session) send(msgs ...tea.Msg) {
	for _, m := range msgs {
		s.tm.Send(m)
	}
}

func (s *session) typeText(text string) {
	for _, r := range text {
		s.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func keyRune(r rune) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}} }

var (
	keyEnter = tea.KeyMsg{Type: tea.KeyEnter}
	keyEsc   = tea.KeyMsg{Type: tea.KeyEsc}
	keyTab   = tea.KeyMsg{Type: tea.KeyTab}
	keySpace = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	keyDown  = tea.KeyMsg{Type: tea.KeyDown}
	keyUp    = tea.KeyMsg{Type: tea.KeyUp}
	keyRight = tea.KeyMsg{Type: tea.KeyRight}
	keyPgDn  = tea.KeyMsg{Type: tea.KeyPgDown}
	keyPgUp  = tea.KeyMsg{Type: tea.KeyPgUp}
	keyEnd   = tea.KeyMsg{Type: tea.KeyEnd}
	keyHome  = tea.KeyMsg{Type: tea.KeyHome}
)

// screen is the whole program's current screen, read inside the program.
func (s *session) screen() string {
	var out string
	reply := make(chan bool, 1)
	s.tm.Send(probeMsg{fn: func(*Model) { out = s.h.app.View() }, reply: reply})
	<-reply
	return out
}

// view is the activities view alone.
func (s *session) view() string {
	var out string
	s.probe(func(m *Model) { out = m.View() })
	return out
}

// requireGolden compares the view (the body of the screen, below the
// shell's tabs and above its status and help lines) with its golden file;
// go test -update rewrites them.
func requireGolden(t *testing.T, screen string) {
	t.Helper()
	golden.RequireEqual(t, []byte(screen+"\n"))
}

var sizes = []struct {
	name string
	w, h int
}{{"80x24", 80, 24}, {"200x60", 200, 60}}

// ---- driving the model without a program (unit tests, benchmarks) ----

// drive runs cmd and feeds its messages back until nothing is left. It
// must not meet ticks or the change watcher (those wait).
func drive(m *Model, cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil, tui.Toast:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

func press(m *Model, k tea.KeyMsg) {
	_, cmd := m.Update(k)
	drive(m, cmd)
}

// newModel builds a view at a size and reads its first page, without the
// change watcher.
func newModel(ctx *tui.Context, w, h int) *Model {
	m := New(ctx)
	m.SetSize(w, h)
	drive(m, m.reset())
	return m
}

// exportedTask waits for the task the view's last export queued to
// succeed (30 s at most) and returns it.
func (s *session) exportedTask(tr *core.TaskRunner) core.Task {
	s.t.Helper()
	var id string
	s.probe(func(m *Model) { id = m.lastTaskID })
	if id == "" {
		s.t.Fatalf("no task:\n%s", s.screen())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	task, err := tr.Wait(ctx, core.Actor{User: "alice"}, id, 10*time.Millisecond, nil)
	if err != nil || task.Status != core.TaskSucceeded {
		s.t.Fatalf("task %+v: %v", task, err)
	}
	return task
}
