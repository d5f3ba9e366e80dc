package tui

import (
	"fmt"

	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// App is the shell: it owns the tabs, routes messages, and draws the header,
// footer, command line and toasts. Views never draw each other.
type App struct {
	ctx     *Context
	views   []View
	active  int
	width   int
	height  int
	help    help.Model
	full    bool // full help shown
	command textinput.Model
	cmdOn   bool
	toast   *Toast
	toastID int
	quitAsk bool
	// quitQuestion, when set, makes every quit ask first (ConfirmQuit).
	quitQuestion string
	stats        core.StoreStats
}

// ConfirmQuit makes q, :quit and ctrl+c ask the question first; y (or the
// same key again) quits. The demo deletes its store on exit, so a stray q
// must not throw away what was triaged there.
func (a *App) ConfirmQuit(question string) { a.quitQuestion = question }

// NewApp builds the shell around its views, in tab order.
func NewApp(ctx *Context, views ...View) *App {
	ci := textinput.New()
	ci.Prompt = ":"
	ci.CharLimit = 200
	h := help.New()
	return &App{ctx: ctx, views: views, help: h, command: ci}
}

type toastExpired struct{ id int }

type clockTick struct{}

// Init starts every view and the header clock.
func (a *App) Init() tea.Cmd {
	cmds := []tea.Cmd{tickClock(), a.readStats()}
	for _, v := range a.views {
		cmds = append(cmds, v.Init())
	}
	return tea.Batch(cmds...)
}

func tickClock() tea.Cmd {
	return tea.Tick(time.Minute, func(time.Time) tea.Msg { return clockTick{} })
}

// Update routes a message: window size and keys the shell owns first, the
// rest to the active view (or to every view when it is a view's result).
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		// Every way in (local terminal, relay, SSH) is capped here too.
		msg.Width, msg.Height = ClampSize(msg.Width, msg.Height)
		a.width, a.height = msg.Width, msg.Height
		a.help.Width = msg.Width
		var cmds []tea.Cmd
		for i, v := range a.views {
			v.SetSize(msg.Width, a.bodyHeight())
			// Views may need to fetch more rows for a taller window; they get
			// the size of their own area, as SetSize gave it.
			m, cmd := v.Update(tea.WindowSizeMsg{Width: msg.Width, Height: a.bodyHeight()})
			a.views[i] = m.(View)
			cmds = append(cmds, cmd)
		}
		return a, tea.Batch(cmds...)
	case Toast:
		a.toastID++
		t := msg
		a.toast = &t
		id := a.toastID
		return a, tea.Tick(4*time.Second, func(time.Time) tea.Msg { return toastExpired{id: id} })
	case toastExpired:
		if msg.id == a.toastID {
			a.toast = nil
		}
		return a, nil
	case clockTick:
		return a, tea.Batch(tickClock(), a.readStats())
	case statsMsg:
		a.stats = core.StoreStats(msg)
		return a, nil
	case tea.MouseMsg:
		if msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonLeft && msg.Y == 0 {
			if i := a.tabAt(msg.X); i >= 0 {
				a.active = i
				return a, nil
			}
		}
	case tea.KeyMsg:
		if keys := splitBurst(msg); keys != nil {
			var cmds []tea.Cmd
			for _, k := range keys {
				_, cmd := a.Update(k)
				cmds = append(cmds, cmd)
			}
			return a, tea.Batch(cmds...)
		}
		if cmd, done := a.handleKey(msg); done {
			return a, cmd
		}
		v, cmd := a.views[a.active].Update(msg)
		a.views[a.active] = v.(View)
		return a, cmd
	}
	// Results of background work are addressed to a view by type; every
	// view sees them and ignores what is not its own.
	var cmds []tea.Cmd
	for i, v := range a.views {
		m, cmd := v.Update(msg)
		a.views[i] = m.(View)
		cmds = append(cmds, cmd)
	}
	return a, tea.Batch(cmds...)
}

// splitBurst splits a key message that carries several runes into one
// message per rune, or returns nil. Bubble Tea reports runes that arrive in
// one read (typing fast, key repeat, a laggy SSH link, a paste without
// bracketed paste) as one message, which no binding matches: "jjjj" would
// move nothing. Bracketed pastes stay whole so text inputs take them as
// one paste and no pasted letter runs a command.
func splitBurst(msg tea.KeyMsg) []tea.KeyMsg {
	if msg.Type != tea.KeyRunes || msg.Paste || len(msg.Runes) < 2 {
		return nil
	}
	out := make([]tea.KeyMsg, len(msg.Runes))
	for i, r := range msg.Runes {
		k := tea.Key{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}
		if r == ' ' {
			k.Type = tea.KeySpace // as Bubble Tea reports a single space
		}
		out[i] = tea.KeyMsg(k)
	}
	return out
}

// askQuit quits, or asks first when a question is set.
func (a *App) askQuit() tea.Cmd {
	if a.quitQuestion != "" {
		a.quitAsk = true
		return nil
	}
	return tea.Quit
}

func (a *App) handleKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	k := a.ctx.Keys
	if a.cmdOn {
		switch msg.Type {
		case tea.KeyEsc:
			a.cmdOn = false
			return nil, true
		case tea.KeyEnter:
			a.cmdOn = false
			return a.runCommand(strings.TrimSpace(a.command.Value())), true
		}
		var cmd tea.Cmd
		a.command, cmd = a.command.Update(msg)
		return cmd, true
	}
	if a.quitAsk {
		a.quitAsk = false
		if msg.String() == "y" || msg.String() == "q" || msg.Type == tea.KeyCtrlC {
			return tea.Quit, true
		}
		return nil, true
	}
	if msg.Type == tea.KeyCtrlC {
		// A view taking input has a form or filter open: typed text would
		// be lost, so ask first.
		if a.views[a.active].Capturing() {
			a.quitAsk = true
			return nil, true
		}
		return a.askQuit(), true
	}
	if a.views[a.active].Capturing() {
		return nil, false
	}
	switch {
	case key.Matches(msg, k.Quit):
		return a.askQuit(), true
	case key.Matches(msg, k.Help):
		a.full = !a.full
		return nil, true
	case a.full && key.Matches(msg, k.Back):
		// esc closes the full help before it means back in a view.
		a.full = false
		return nil, true
	case key.Matches(msg, k.Command):
		a.cmdOn = true
		a.command.SetValue("")
		return a.command.Focus(), true
	case key.Matches(msg, k.NextTab):
		a.active = (a.active + 1) % len(a.views)
		return nil, true
	case key.Matches(msg, k.PrevTab):
		a.active = (a.active + len(a.views) - 1) % len(a.views)
		return nil, true
	}
	for i, b := range []key.Binding{k.Tab1, k.Tab2, k.Tab3, k.Tab4} {
		if key.Matches(msg, b) && i < len(a.views) {
			a.active = i
			return nil, true
		}
	}
	return nil, false
}

// runCommand runs a ":" command by name.
func (a *App) runCommand(c string) tea.Cmd {
	switch strings.ToLower(c) {
	case "", "esc":
		return nil
	case "q", "quit":
		return a.askQuit()
	case "help":
		a.full = !a.full
		return nil
	}
	for i, v := range a.views {
		if strings.EqualFold(c, v.Title()) || strings.EqualFold(c, strings.TrimSuffix(v.Title(), "s")) {
			a.active = i
			return nil
		}
	}
	return ToastCmd(fmt.Sprintf("unknown command %q (try activities, reports, subscriptions, tasks, help, quit)", sanitize(c)), true)
}

func (a *App) bodyHeight() int { return max(1, a.height-4) }

func (a *App) tabAt(x int) int {
	pos := 0
	for i, v := range a.views {
		w := lipgloss.Width(a.ctx.Styles.Tab.Render(fmt.Sprintf("%d %s", i+1, v.Title())))
		if x >= pos && x < pos+w {
			return i
		}
		pos += w
	}
	return -1
}

// View draws header, active view, toast line and footer.
func (a *App) View() string {
	if a.width == 0 {
		return ""
	}
	st := a.ctx.Styles
	var tabs []string
	for i, v := range a.views {
		s := st.Tab
		if i == a.active {
			s = st.TabActive
		}
		tabs = append(tabs, s.Render(fmt.Sprintf("%d %s", i+1, v.Title())))
	}
	left := lipgloss.JoinHorizontal(lipgloss.Top, tabs...)
	right := st.HeaderDim.Render(a.headerInfo())
	gap := max(1, a.width-lipgloss.Width(left)-lipgloss.Width(right))
	header := truncateLine(left+strings.Repeat(" ", gap)+right, a.width)

	body := a.views[a.active].View()
	var status string
	switch {
	case a.cmdOn:
		status = a.command.View()
	case a.quitAsk && a.quitQuestion != "":
		status = st.ErrorToast.Render(sanitize(a.quitQuestion) + " y/n")
	case a.quitAsk:
		status = st.ErrorToast.Render("quit? y/n")
	case a.toast != nil && a.toast.Error:
		status = st.ErrorToast.Render(sanitize(a.toast.Text))
	case a.toast != nil:
		status = st.InfoToast.Render(sanitize(a.toast.Text))
	}
	bindings := a.views[a.active].ShortHelp()
	if !a.views[a.active].Capturing() {
		// A capturing view takes tab, ? and q itself (handleKey).
		bindings = append(bindings, a.ctx.Keys.NextTab, a.ctx.Keys.Help, a.ctx.Keys.Quit)
	}
	var footer string
	if a.full {
		footer = a.help.FullHelpView([][]key.Binding{a.views[a.active].ShortHelp(), {a.ctx.Keys.Tab1, a.ctx.Keys.Tab2, a.ctx.Keys.Tab3, a.ctx.Keys.Tab4, a.ctx.Keys.NextTab, a.ctx.Keys.PrevTab, a.ctx.Keys.Command, a.ctx.Keys.Help, a.ctx.Keys.Quit}})
	} else {
		footer = a.help.ShortHelpView(bindings)
	}
	// help keeps adding items past the width when its ellipsis does not fit.
	footer = truncateLines(footer, a.width)
	body = fitHeight(body, a.height-3-lipgloss.Height(footer)+1)
	return lipgloss.JoinVertical(lipgloss.Left, header, body, truncateLine(status, a.width), footer)
}

func (a *App) headerInfo() string {
	sched := "scheduler off"
	if a.ctx.Engine.SchedulerRunning() {
		sched = "scheduler on"
	}
	// The store's size is told in events: bytes on disk depend on the file
	// system and Badger's preallocation, not on what an operator stored.
	return fmt.Sprintf("%s  %s events  %s  %s", sanitize(a.ctx.Actor.User), humanCount(a.stats.Events), sched, a.ctx.Now().Format("15:04"))
}

// statsMsg carries fresh store statistics for the header; they are read in
// a command (the directory walk is I/O), at start, every minute and after
// ingests.
type statsMsg core.StoreStats

func (a *App) readStats() tea.Cmd {
	eng := a.ctx.Engine
	return func() tea.Msg { return statsMsg(eng.Stats()) }
}

func humanCount(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// fitHeight pads or cuts s to exactly h lines.
func fitHeight(s string, h int) string {
	if h < 1 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// truncateLine cuts a rendered line to w cells.
func truncateLine(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	return lipgloss.NewStyle().MaxWidth(w).Render(s)
}

func truncateLines(s string, w int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = truncateLine(l, w)
	}
	return strings.Join(lines, "\n")
}

// Close releases what views hold (their engine watchers) when the session
// ends; an SSH server calls it for every finished session.
func (a *App) Close() {
	for _, v := range a.views {
		if c, ok := v.(interface{ Close() }); ok {
			c.Close()
		}
	}
}
