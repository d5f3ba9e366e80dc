// Package subscriptions is the Subscriptions tab: every subscription with
// its report, period, time zone, next run and last run; enter shows the run
// history; p pauses or resumes, R runs now, D deletes after a confirmation.
package subscriptions

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/tui/viewkit"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/schedule"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

type mode int

const (
	modeList mode = iota
	modeHistory
	modeConfirm
)

// Model is the Subscriptions view.
type Model struct {
	ctx  *tui.Context
	id   int64
	w, h int
	live viewkit.Live

	gen     int
	loaded  bool
	loadErr error
	subs    []core.SubscriptionInfo
	titles  map[string]string         // defined report id -> title
	zones   map[string]*time.Location // resolved in the load, never in View
	list    viewkit.ListState
	selID   string

	mode    mode
	hist    viewkit.ListState
	confirm *core.SubscriptionInfo
	running map[string]bool // run-now in flight, by subscription id
}

// New builds the view.
func New(ctx *tui.Context) *Model {
	return &Model{ctx: ctx, id: viewkit.NewViewID(), running: map[string]bool{}}
}

type (
	listMsg struct {
		view   int64
		gen    int
		subs   []core.SubscriptionInfo
		titles map[string]string
		zones  map[string]*time.Location
		err    error
	}
	// actionMsg is the end of a pause, resume, run or delete.
	actionMsg struct {
		view  int64
		subID string
		toast string
		err   error
		warn  bool // the action worked but the toast reports a problem (an undelivered notice)
	}
)

var (
	bindYes = key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes"))
	bindNo  = key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n", "no"))
)

// Title is the tab label.
func (m *Model) Title() string { return "Subscriptions" }

// SetSize gives the view its body.
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h }

// Capturing is true while a delete waits for y/n.
func (m *Model) Capturing() bool { return m.mode == modeConfirm }

// ShortHelp lists the keys of the current mode; a viewer sees no actions.
func (m *Model) ShortHelp() []key.Binding {
	k := m.ctx.Keys
	switch m.mode {
	case modeConfirm:
		return []key.Binding{bindYes, bindNo}
	case modeHistory:
		return []key.Binding{k.Up, k.Down, k.Back}
	}
	b := []key.Binding{k.Up, k.Down, key.NewBinding(key.WithKeys(k.Enter.Keys()...), key.WithHelp(k.Enter.Help().Key, "run history"))}
	if m.ctx.CanManage {
		b = append(b, k.Pause, k.RunNow, k.Delete)
	}
	return b
}

// Init starts listening for change notices and loads the list.
func (m *Model) Init() tea.Cmd {
	m.live.Start(m.ctx.Engine)
	return tea.Batch(m.live.Next(m.id), m.load())
}

// Close stops the change notices (the shell calls it when the session ends).
func (m *Model) Close() { m.live.Close() }

func (m *Model) load() tea.Cmd {
	m.gen++
	gen, view, eng, actor := m.gen, m.id, m.ctx.Engine, m.ctx.Actor
	return func() tea.Msg {
		ctx := context.Background()
		subs, err := eng.ListSubscriptions(ctx, actor)
		if err != nil {
			return listMsg{view: view, gen: gen, err: err}
		}
		titles := map[string]string{}
		if rs, err := eng.ListReports(ctx, actor); err == nil {
			for _, r := range rs {
				titles[r.ID] = r.Title
			}
		}
		zones := map[string]*time.Location{}
		for _, s := range subs {
			if _, ok := zones[s.TimeZone]; !ok {
				loc, err := schedule.LoadZone(s.TimeZone)
				if err != nil {
					loc = time.UTC
				}
				zones[s.TimeZone] = loc
			}
		}
		return listMsg{view: view, gen: gen, subs: subs, titles: titles, zones: zones}
	}
}

func (m *Model) selected() (core.SubscriptionInfo, bool) {
	if m.list.Cursor < 0 || m.list.Cursor >= len(m.subs) {
		return core.SubscriptionInfo{}, false
	}
	return m.subs[m.list.Cursor], true
}

func (m *Model) title(s core.SubscriptionInfo) string {
	if t, ok := m.titles[s.DefinedReportID]; ok {
		return t
	}
	return "report " + s.DefinedReportID
}

func (m *Model) zone(s core.SubscriptionInfo) *time.Location {
	if loc := m.zones[s.TimeZone]; loc != nil {
		return loc
	}
	return time.UTC
}

// Update handles keys and the results of background work.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, ok := m.live.Handle(m.id, msg, func(k core.ChangeKind) bool { return k == core.ChangeSubscriptions || k == core.ChangeReports }, m.load); ok {
		return m, cmd
	}
	switch msg := msg.(type) {
	case listMsg:
		if msg.view != m.id || msg.gen != m.gen {
			return m, nil // stale
		}
		m.loaded, m.loadErr = true, msg.err
		if msg.err == nil {
			m.subs, m.titles, m.zones = msg.subs, msg.titles, msg.zones
		}
		m.reselect()
		return m, nil
	case actionMsg:
		if msg.view != m.id {
			return m, nil
		}
		delete(m.running, msg.subID)
		if msg.err != nil {
			return m, tea.Batch(m.load(), tui.ToastCmd(msg.toast+": "+viewkit.Clean(msg.err.Error()), true))
		}
		return m, tea.Batch(m.load(), tui.ToastCmd(msg.toast, msg.warn))
	case tea.KeyMsg:
		return m, m.key(msg)
	}
	return m, nil
}

func (m *Model) reselect() {
	if m.selID != "" {
		for i, s := range m.subs {
			if s.ID == m.selID {
				m.list.Cursor = i
				break
			}
		}
	}
	m.list.Clamp(len(m.subs))
	if s, ok := m.selected(); ok {
		m.selID = s.ID
	}
}

func (m *Model) denied(what string) tea.Cmd {
	return tui.ToastCmd(fmt.Sprintf("%s: your role can only view subscriptions", what), true)
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := m.ctx.Keys
	switch m.mode {
	case modeConfirm:
		s := m.confirm
		switch {
		case viewkit.KeyIs(msg, bindYes):
			m.mode, m.confirm = modeList, nil
			eng, actor, view, title := m.ctx.Engine, m.ctx.Actor, m.id, m.title(*s)
			return func() tea.Msg {
				err := eng.Unsubscribe(context.Background(), actor, s.ID)
				return actionMsg{view: view, subID: s.ID, toast: fmt.Sprintf("subscription to %q deleted", viewkit.Clean(title)), err: err}
			}
		case viewkit.KeyIs(msg, bindNo):
			m.mode, m.confirm = modeList, nil
			return tui.ToastCmd("delete canceled", false)
		}
		return nil
	case modeHistory:
		s, _ := m.selected()
		switch {
		case viewkit.KeyIs(msg, k.Back), viewkit.KeyIs(msg, k.Enter):
			m.mode = modeList
		default:
			m.hist.Move(k, msg, len(s.Runs), m.h/2)
		}
		return nil
	}
	if m.list.Move(k, msg, len(m.subs), m.h/2) {
		if s, ok := m.selected(); ok {
			m.selID = s.ID
		}
		return nil
	}
	s, ok := m.selected()
	if !ok {
		return nil
	}
	eng, actor, view, title := m.ctx.Engine, m.ctx.Actor, m.id, viewkit.Clean(m.title(s))
	switch {
	case viewkit.KeyIs(msg, k.Enter):
		m.mode, m.hist = modeHistory, viewkit.ListState{}
	case viewkit.KeyIs(msg, k.Pause):
		if !m.ctx.CanManage {
			return m.denied("pause/resume")
		}
		enable := !s.Enabled
		return func() tea.Msg {
			_, err := eng.SetSubscriptionEnabled(context.Background(), actor, s.ID, enable)
			verb := "paused"
			if enable {
				verb = "resumed"
			}
			return actionMsg{view: view, subID: s.ID, toast: fmt.Sprintf("subscription to %q %s", title, verb), err: err}
		}
	case viewkit.KeyIs(msg, k.RunNow):
		if !m.ctx.CanManage {
			return m.denied("run now")
		}
		if m.running[s.ID] {
			return tui.ToastCmd("already running", true)
		}
		m.running[s.ID] = true
		loc := m.zone(s)
		// A run writes a report: it can take a while, so it runs in a Cmd
		// and the list shows it as running until it ends.
		return tea.Batch(tui.ToastCmd(fmt.Sprintf("running %q now…", title), false), func() tea.Msg {
			run, err := eng.RunSubscriptionNow(context.Background(), actor, s.ID)
			if err != nil {
				return actionMsg{view: view, subID: s.ID, toast: fmt.Sprintf("run of %q failed", title), err: err}
			}
			toast := fmt.Sprintf("run of %q for %s %s: %s, report %s", title,
				run.Window.Start.In(loc).Format("2006-01-02"), run.State, viewkit.Plural(run.Rows, "row", "rows"), run.ReportID)
			if undelivered(run) {
				// The failure first: a toast is cut to the terminal's width.
				toast = fmt.Sprintf("webhook of %q %s (report %s written)", title, viewkit.Clean(run.Delivery.String()), run.ReportID)
			}
			return actionMsg{view: view, subID: s.ID, toast: toast, warn: undelivered(run)}
		})
	case viewkit.KeyIs(msg, k.Delete):
		if !m.ctx.CanManage {
			return m.denied("delete")
		}
		m.confirm, m.mode = &s, modeConfirm
	}
	return nil
}

// View draws the current mode in the view's body.
func (m *Model) View() string {
	if m.w <= 0 || m.h <= 0 {
		return ""
	}
	if m.mode == modeHistory {
		return m.historyView(m.w, m.h)
	}
	h := m.h
	var bottom string
	if m.mode == modeConfirm && m.confirm != nil {
		h--
		bottom = m.ctx.Styles.ErrorToast.Render(viewkit.Fit(fmt.Sprintf("Delete the %s subscription to %q? y/n", viewkit.Clean(string(m.confirm.Period)), viewkit.Clean(m.title(*m.confirm))), m.w))
	}
	body := viewkit.Split(m.ctx.Styles, m.w, h, len(m.subs), m.listView, func(w, h int) string {
		return strings.Join(m.detailLines(w), "\n")
	})
	if bottom != "" {
		body += "\n" + bottom
	}
	return body
}

func (m *Model) status(s core.SubscriptionInfo) string {
	switch {
	case m.running[s.ID]:
		return "running"
	case !s.Enabled:
		return "paused"
	}
	return "active"
}

func (m *Model) lastRun(s core.SubscriptionInfo) string {
	if len(s.Runs) == 0 {
		return "—"
	}
	r := s.Runs[0]
	state := string(r.State)
	// A report nobody was told about is not a success to the subscriber.
	switch {
	case r.State != schedule.Succeeded:
	case r.Delivery.State == core.DeliveryFailed:
		state = "undelivered"
	case r.Delivery.State == core.DeliveryPending:
		state = "delivering"
	}
	return r.Window.Start.In(m.zone(s)).Format("2006-01-02") + " " + viewkit.Clean(state)
}

// undelivered is true when the run's webhook notice failed for good.
func undelivered(r core.RunInfo) bool { return r.Delivery.State == core.DeliveryFailed }

// deliveryCell is a run's webhook outcome in the history table.
func deliveryCell(r core.RunInfo) string {
	switch r.Delivery.State {
	case core.DeliveryFailed:
		return fmt.Sprintf("failed ×%d", r.Delivery.Attempts)
	case "":
		return string(core.DeliveryNone)
	}
	return string(r.Delivery.State)
}

func (m *Model) nextRun(s core.SubscriptionInfo) string {
	switch {
	case !s.Enabled:
		return "paused"
	case s.NextRunAt.IsZero():
		return "—"
	}
	return s.NextRunAt.In(m.zone(s)).Format("2006-01-02 15:04")
}

func zoneName(s core.SubscriptionInfo) string {
	if s.TimeZone == "" {
		return "UTC"
	}
	return s.TimeZone
}

func (m *Model) listView(w, h int) string {
	st := m.ctx.Styles
	switch {
	case !m.loaded:
		return st.Dim.Render("loading subscriptions…")
	case m.loadErr != nil:
		return st.Error.Render(viewkit.Fit("cannot list subscriptions: "+viewkit.Clean(m.loadErr.Error()), w))
	case len(m.subs) == 0:
		return st.Dim.Render(viewkit.Fit("no subscriptions: subscribe to a report with "+firstKey(m.ctx.Keys.Subscribe)+" in Reports", w))
	}
	cols := []viewkit.Col{{Title: "Report", W: 8, Flex: 2}, {Title: "Period", W: 7}, {Title: "Zone", W: 13, Flex: 1},
		{Title: "Next run", W: 16}, {Title: "Last run", W: 22}, {Title: "Status", W: 7}}
	rows := make([][]string, len(m.subs))
	for i, s := range m.subs {
		rows[i] = []string{viewkit.Clean(m.title(s)), viewkit.Clean(string(s.Period)), viewkit.Clean(zoneName(s)), m.nextRun(s), m.lastRun(s), m.status(s)}
	}
	return m.list.RenderList(st, cols, rows, func(i int) *lipgloss.Style {
		s := m.subs[i]
		switch {
		case len(s.Runs) > 0 && (s.Runs[0].State == schedule.Failed || undelivered(s.Runs[0])):
			return &st.Failed
		case !s.Enabled:
			return &st.Dim
		}
		return nil
	}, w, h, true)
}

func (m *Model) detailLines(w int) []string {
	st := m.ctx.Styles
	s, ok := m.selected()
	if !ok {
		return nil
	}
	loc := m.zone(s)
	const lw = 11
	out := []string{st.Title.Render(viewkit.Fit(viewkit.Clean(m.title(s)+" · every "+string(s.Period)), w))}
	add := func(label, value string) { out = append(out, viewkit.KV(st, label, value, lw, w)...) }
	add("ID", s.ID)
	add("Report", m.title(s)+" ("+s.DefinedReportID+")")
	add("Owner", s.Owner)
	add("Period", fmt.Sprintf("%s in time zone %s, run %s after the period ends", s.Period, zoneName(s), delayText(s.Delay)))
	add("Formats", strings.Join(s.Formats, ", "))
	add("Status", m.status(s))
	if s.Enabled && !s.NextRunAt.IsZero() {
		add("Next run", s.NextRunAt.In(loc).Format("2006-01-02 15:04 MST"))
	}
	if len(s.Runs) > 0 {
		r := s.Runs[0]
		last := fmt.Sprintf("%s %s, %s", windowText(r.Window, loc), r.State, viewkit.Plural(r.Rows, "row", "rows"))
		if r.ReportID != "" {
			last += ", report " + r.ReportID
		}
		add("Last run", last)
		if r.Error != "" {
			out = append(out, st.Error.Render(viewkit.Fit(strings.Repeat(" ", lw)+viewkit.Clean(r.Error), w)))
		}
	}
	if s.Webhook != "" {
		add("Webhook", s.Webhook)
		if len(s.Runs) > 0 {
			r := s.Runs[0]
			lines := viewkit.KV(st, "Delivery", r.Delivery.String(), lw, w)
			for _, l := range lines {
				if undelivered(r) {
					l = st.Error.Render(l)
				}
				out = append(out, l)
			}
		}
	}
	add("Created", s.CreatedAt.In(loc).Format("2006-01-02 15:04 MST"))
	add("Runs", fmt.Sprintf("%d (%s: history)", len(s.Runs), firstKey(m.ctx.Keys.Enter)))
	return out
}

func windowText(w schedule.Window, loc *time.Location) string {
	if w.IsZero() {
		return "—"
	}
	a, b := w.Start.In(loc), w.End.In(loc)
	layout := "2006-01-02 15:04"
	if midnight(a) && midnight(b) {
		layout = "2006-01-02"
	}
	return a.Format(layout) + " → " + b.Format(layout)
}

func midnight(t time.Time) bool {
	h, m, s := t.Clock()
	return h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0
}

// historyView is the run history of the selected subscription, newest
// first, with the selected run in a detail pane.
func (m *Model) historyView(w, h int) string {
	st := m.ctx.Styles
	s, ok := m.selected()
	if !ok {
		m.mode = modeList
		return ""
	}
	loc := m.zone(s)
	head := []string{
		st.Title.Render(viewkit.Fit(fmt.Sprintf("Run history of %q · every %s · %s", viewkit.Clean(m.title(s)), viewkit.Clean(string(s.Period)), viewkit.Clean(zoneName(s))), w)),
		st.Dim.Render(viewkit.Fit(viewkit.Plural(int64(len(s.Runs)), "run", "runs")+", newest first", w)),
	}
	if len(s.Runs) == 0 {
		return viewkit.FitLines(append(head, "", st.Dim.Render("no runs yet")), w, h)
	}
	cols := []viewkit.Col{{Title: "Window", W: 23, Flex: 1}, {Title: "State", W: 9}, {Title: "Rows", W: 5},
		{Title: "Finished", W: 16}, {Title: "Webhook", W: 9}, {Title: "Report / error", W: 8, Flex: 2}}
	rows := make([][]string, len(s.Runs))
	for i, r := range s.Runs {
		what := r.ReportID
		if r.Error != "" {
			what = r.Error
		}
		rows[i] = []string{windowText(r.Window, loc), viewkit.Clean(string(r.State)), viewkit.GroupDigits(r.Rows), timeIn(r.FinishedAt, loc),
			deliveryCell(r), viewkit.Clean(what)}
	}
	list := func(w, h int) string {
		return m.hist.RenderList(st, cols, rows, func(i int) *lipgloss.Style {
			if s.Runs[i].State == schedule.Failed || undelivered(s.Runs[i]) {
				return &st.Failed
			}
			return nil
		}, w, h, true)
	}
	detail := func(w, h int) string {
		m.hist.Clamp(len(s.Runs))
		r := s.Runs[m.hist.Cursor]
		const lw = 11
		var out []string
		add := func(label, value string) { out = append(out, viewkit.KV(st, label, value, lw, w)...) }
		add("Window", windowText(r.Window, loc))
		state := string(r.State)
		if r.Manual {
			state += " (run now)"
		}
		add("State", state)
		add("Rows", viewkit.GroupDigits(r.Rows))
		add("Report", orDash(r.ReportID))
		add("Attempts", fmt.Sprint(r.Attempts))
		add("Scheduled", timeIn(r.ScheduledAt, loc))
		add("Started", timeIn(r.StartedAt, loc))
		add("Finished", timeIn(r.FinishedAt, loc))
		if r.Error != "" {
			for _, l := range viewkit.KV(st, "Error", r.Error, lw, w) {
				out = append(out, st.Error.Render(l))
			}
		}
		for _, l := range viewkit.KV(st, "Webhook", r.Delivery.String(), lw, w) {
			if undelivered(r) {
				l = st.Error.Render(l)
			}
			out = append(out, l)
		}
		return strings.Join(out, "\n")
	}
	body := viewkit.Split(st, w, h-len(head)-1, len(rows), list, detail)
	return viewkit.FitLines(append(append(head, ""), strings.Split(body, "\n")...), w, h)
}

func timeIn(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func firstKey(b key.Binding) string {
	if ks := b.Keys(); len(ks) > 0 {
		return ks[0]
	}
	return "?"
}

func delayText(d time.Duration) string {
	switch {
	case d == 0:
		return "at once"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
