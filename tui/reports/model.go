// Package reports is the Reports tab: the defined reports (predefined ones
// marked and read-only), a detail pane, a form to create and edit them with
// a live-validated filter and a live match count, delete with confirmation,
// generate now (g) and subscribe (s).
package reports

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/auditdeck/auditdeck/tui/viewkit"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

type mode int

const (
	modeList mode = iota
	modeDetail
	modeForm
	modeConfirm
	modeGenerate
	modeSubscribe
)

// Model is the Reports view.
type Model struct {
	ctx  *tui.Context
	id   int64
	w, h int
	live viewkit.Live

	gen     int // of the list load in flight
	loaded  bool
	loadErr error
	reports []core.DefinedReport
	list    viewkit.ListState
	selID   string // keep the selection across reloads

	mode      mode
	detailOff int
	confirm   *core.DefinedReport
	// confirmSubs is how many subscriptions the confirmed delete removes
	// with the report (counted before asking).
	confirmSubs int
	form        *reportForm
	genForm     *generateForm
	subForm     *subscribeForm
}

// New builds the view.
func New(ctx *tui.Context) *Model {
	return &Model{ctx: ctx, id: viewkit.NewViewID()}
}

// Messages of background work, tagged with the view and, for loads, the
// generation they answer.
type (
	listMsg struct {
		view    int64
		gen     int
		reports []core.DefinedReport
		err     error
	}
	savedMsg struct {
		view    int64
		report  core.DefinedReport
		created bool
		err     error
	}
	deletedMsg struct {
		view  int64
		title string
		subs  int
		err   error
	}
	// deleteAskMsg carries the subscriptions of a report about to be
	// deleted, so the question can say what goes with it.
	deleteAskMsg struct {
		view   int64
		report core.DefinedReport
		subs   int
		err    error
	}
)

// Title is the tab label.
func (m *Model) Title() string { return "Reports" }

// SetSize gives the view its body.
func (m *Model) SetSize(w, h int) {
	m.w, m.h = w, h
	if m.form != nil {
		m.form.setWidth(w)
	}
	if m.genForm != nil {
		m.genForm.setWidth(w)
	}
	if m.subForm != nil {
		m.subForm.setWidth(w)
	}
}

// Capturing is true while a form or a confirmation takes the keys.
func (m *Model) Capturing() bool {
	return m.mode == modeForm || m.mode == modeConfirm || m.mode == modeGenerate || m.mode == modeSubscribe
}

var (
	bindNext   = key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field"))
	bindPrev   = key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field"))
	bindSave   = key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save"))
	bindCancel = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))
	bindToggle = key.NewBinding(key.WithKeys(" ", "x"), key.WithHelp("space", "toggle"))
	bindSubmit = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "submit"))
	bindYes    = key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes"))
	bindNo     = key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n", "no"))
)

// ShortHelp lists the keys of the current mode; a viewer sees no actions.
func (m *Model) ShortHelp() []key.Binding {
	k := m.ctx.Keys
	switch m.mode {
	case modeForm:
		return []key.Binding{bindNext, bindPrev, bindToggle, bindSave, bindCancel}
	case modeGenerate, modeSubscribe:
		return []key.Binding{bindNext, bindToggle, bindSubmit, bindCancel}
	case modeConfirm:
		return []key.Binding{bindYes, bindNo}
	case modeDetail:
		return []key.Binding{k.Up, k.Down, k.Back}
	}
	b := []key.Binding{k.Up, k.Down, k.Enter}
	if m.ctx.CanManage {
		b = append(b, k.New, k.Edit, k.Delete)
	}
	if m.ctx.CanExport {
		b = append(b, k.Generate)
	}
	if m.ctx.CanManage {
		b = append(b, k.Subscribe)
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
		rs, err := eng.ListReports(context.Background(), actor)
		if !actor.Admin {
			// Only admins may generate or subscribe to the audit trail
			// (the engine refuses others), so it is not offered.
			rs = slices.DeleteFunc(rs, func(r core.DefinedReport) bool { return r.Type == core.TypeAudit })
		}
		return listMsg{view: view, gen: gen, reports: rs, err: err}
	}
}

func (m *Model) selected() (core.DefinedReport, bool) {
	if m.list.Cursor < 0 || m.list.Cursor >= len(m.reports) {
		return core.DefinedReport{}, false
	}
	return m.reports[m.list.Cursor], true
}

func (m *Model) denied(what string) tea.Cmd {
	return tui.ToastCmd(fmt.Sprintf("%s: your role can only view reports", what), true)
}

// Update handles keys and the results of background work.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, ok := m.live.Handle(m.id, msg, func(k core.ChangeKind) bool { return k == core.ChangeReports }, m.load); ok {
		return m, cmd
	}
	switch msg := msg.(type) {
	case listMsg:
		if msg.view != m.id || msg.gen != m.gen {
			return m, nil // stale
		}
		m.loaded, m.loadErr = true, msg.err
		if msg.err == nil {
			m.reports = msg.reports
		}
		m.reselect()
		return m, nil
	case savedMsg:
		if msg.view != m.id {
			return m, nil
		}
		if msg.err != nil {
			if m.form == nil { // the form was closed while it saved
				return m, tui.ToastCmd("save failed: "+viewkit.Clean(msg.err.Error()), true)
			}
			m.form.saving = false
			m.form.saveFailed(msg.err)
			return m, nil
		}
		if m.form != nil {
			m.form.stop()
		}
		verb := "updated"
		if msg.created {
			verb = "created"
		}
		m.selID = msg.report.ID
		if m.form != nil {
			m.form, m.mode = nil, modeList
		}
		return m, tea.Batch(m.load(), tui.ToastCmd(fmt.Sprintf("report %q %s", viewkit.Clean(msg.report.Title), verb), false))
	case deletedMsg:
		if msg.view != m.id {
			return m, nil
		}
		if msg.err != nil {
			return m, tui.ToastCmd("delete failed: "+viewkit.Clean(msg.err.Error()), true)
		}
		toast := fmt.Sprintf("report %q deleted", viewkit.Clean(msg.title))
		if msg.subs > 0 {
			toast += " with its " + viewkit.Plural(int64(msg.subs), "subscription", "subscriptions")
		}
		return m, tea.Batch(m.load(), tui.ToastCmd(toast, false))
	case deleteAskMsg:
		if msg.view != m.id || m.mode != modeList {
			return m, nil
		}
		if r, ok := m.selected(); !ok || r.ID != msg.report.ID {
			return m, nil // the selection moved on while counting
		}
		if msg.err != nil {
			return m, tui.ToastCmd("delete: "+viewkit.Clean(msg.err.Error()), true)
		}
		r := msg.report
		m.confirm, m.confirmSubs, m.mode = &r, msg.subs, modeConfirm
		return m, nil
	case countTickMsg, countMsg:
		if m.form != nil {
			return m, m.form.update(m, msg)
		}
		return m, nil
	case generatedMsg:
		if msg.view != m.id {
			return m, nil
		}
		if m.genForm == nil { // closed while it was submitted
			return m, generatedToast(msg, "")
		}
		return m, m.genForm.done(m, msg)
	case subscribedMsg:
		if msg.view != m.id {
			return m, nil
		}
		if m.subForm == nil { // closed while it was submitted
			return m, subscribedToast(msg, "")
		}
		return m, m.subForm.update(m, msg)
	case zoneMsg:
		if m.subForm != nil {
			return m, m.subForm.update(m, msg)
		}
		return m, nil
	case tea.KeyMsg:
		return m, m.key(msg)
	}
	return m, nil
}

// reselect keeps the selected report selected after a reload.
func (m *Model) reselect() {
	if m.selID != "" {
		for i, r := range m.reports {
			if r.ID == m.selID {
				m.list.Cursor = i
				break
			}
		}
	}
	m.list.Clamp(len(m.reports))
	if r, ok := m.selected(); ok {
		m.selID = r.ID
	}
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := m.ctx.Keys
	switch m.mode {
	case modeForm:
		return m.form.update(m, msg)
	case modeGenerate:
		return m.genForm.update(m, msg)
	case modeSubscribe:
		return m.subForm.update(m, msg)
	case modeConfirm:
		r := m.confirm
		switch {
		case viewkit.KeyIs(msg, bindYes):
			m.mode, m.confirm = modeList, nil
			eng, actor, view, subs := m.ctx.Engine, m.ctx.Actor, m.id, m.confirmSubs
			return func() tea.Msg {
				// Forced only when the question named subscriptions: one
				// made since is refused, not deleted unannounced.
				err := eng.DeleteReport(context.Background(), actor, r.ID, subs > 0)
				return deletedMsg{view: view, title: r.Title, subs: subs, err: err}
			}
		case viewkit.KeyIs(msg, bindNo):
			m.mode, m.confirm = modeList, nil
			return tui.ToastCmd("delete canceled", false)
		}
		return nil
	case modeDetail:
		switch {
		case viewkit.KeyIs(msg, k.Back), viewkit.KeyIs(msg, k.Enter):
			m.mode = modeList
		default:
			viewkit.ScrollKeys(k, msg, &m.detailOff, len(m.detailLines(m.w)), m.h)
		}
		return nil
	}

	if m.list.Move(k, msg, len(m.reports), m.h/2) {
		if r, ok := m.selected(); ok {
			m.selID = r.ID
		}
		return nil
	}
	r, ok := m.selected()
	switch {
	case viewkit.KeyIs(msg, k.Enter):
		if ok {
			m.mode, m.detailOff = modeDetail, 0
		}
	case viewkit.KeyIs(msg, k.New):
		if !m.ctx.CanManage {
			return m.denied("create")
		}
		m.form = newReportForm(m, nil)
		m.mode = modeForm
		return m.form.start(m)
	case viewkit.KeyIs(msg, k.Edit):
		if !m.ctx.CanManage {
			return m.denied("edit")
		}
		if !ok {
			return nil
		}
		if r.Predefined {
			return tui.ToastCmd("predefined reports are read-only: press "+firstKey(k.New)+" to create your own", true)
		}
		m.form = newReportForm(m, &r)
		m.mode = modeForm
		return m.form.start(m)
	case viewkit.KeyIs(msg, k.Delete):
		if !m.ctx.CanManage {
			return m.denied("delete")
		}
		if !ok {
			return nil
		}
		if r.Predefined {
			return tui.ToastCmd("predefined reports cannot be deleted", true)
		}
		eng, actor, view := m.ctx.Engine, m.ctx.Actor, m.id
		return func() tea.Msg {
			subs, err := eng.ReportSubscriptions(context.Background(), actor, r.ID)
			return deleteAskMsg{view: view, report: r, subs: len(subs), err: err}
		}
	case viewkit.KeyIs(msg, k.Generate):
		if !m.ctx.CanExport {
			return m.denied("generate")
		}
		if !ok {
			return nil
		}
		m.genForm = newGenerateForm(m, r)
		m.mode = modeGenerate
		return m.genForm.start()
	case viewkit.KeyIs(msg, k.Subscribe):
		if !m.ctx.CanManage {
			return m.denied("subscribe")
		}
		if !ok {
			return nil
		}
		m.subForm = newSubscribeForm(m, r)
		m.mode = modeSubscribe
		return m.subForm.start(m)
	}
	return nil
}

func firstKey(b key.Binding) string {
	if ks := b.Keys(); len(ks) > 0 {
		return ks[0]
	}
	return "?"
}

// View draws the current mode in the view's body.
func (m *Model) View() string {
	if m.w <= 0 || m.h <= 0 {
		return ""
	}
	switch m.mode {
	case modeForm:
		return m.form.view(m)
	case modeGenerate:
		return m.genForm.view(m)
	case modeSubscribe:
		return m.subForm.view(m)
	case modeDetail:
		return viewkit.ScrollView(m.detailLines(m.w), &m.detailOff, m.w, m.h)
	}
	h := m.h
	var bottom string
	if m.mode == modeConfirm && m.confirm != nil {
		h--
		q := fmt.Sprintf("Delete report %q? y/n", viewkit.Clean(m.confirm.Title))
		if m.confirmSubs > 0 {
			q = fmt.Sprintf("Delete report %q and its %s? y/n", viewkit.Clean(m.confirm.Title),
				viewkit.Plural(int64(m.confirmSubs), "subscription", "subscriptions"))
		}
		bottom = m.ctx.Styles.ErrorToast.Render(viewkit.Fit(q, m.w))
	}
	body := viewkit.Split(m.ctx.Styles, m.w, h, len(m.reports), m.listView, func(w, h int) string {
		return strings.Join(m.detailLines(w), "\n")
	})
	if bottom != "" {
		body += "\n" + bottom
	}
	return body
}

func (m *Model) listView(w, h int) string {
	st := m.ctx.Styles
	switch {
	case !m.loaded:
		return st.Dim.Render("loading reports…")
	case m.loadErr != nil:
		return st.Error.Render(viewkit.Fit("cannot list reports: "+viewkit.Clean(m.loadErr.Error()), w))
	case len(m.reports) == 0:
		return st.Dim.Render("no reports")
	}
	cols := []viewkit.Col{{Title: "Source", W: 10}, {Title: "Title", Flex: 2, W: 12}, {Title: "Type", W: 11}, {Title: "Filter / group by", Flex: 3, W: 8}}
	rows := make([][]string, len(m.reports))
	for i, r := range m.reports {
		src := viewkit.Clean(r.Owner)
		if r.Predefined {
			src = "predefined"
		}
		what := r.QueryFilter
		if r.GroupBy != nil {
			what = "group by " + strings.Join(r.GroupBy.By, ", ")
			if r.QueryFilter != "" {
				what = r.QueryFilter + " · " + what
			}
		}
		if what == "" {
			what = "(every row)"
		}
		rows[i] = []string{src, viewkit.Clean(r.Title), viewkit.Clean(string(r.Type)), viewkit.Clean(what)}
	}
	return m.list.RenderList(st, cols, rows, func(i int) *lipgloss.Style {
		if m.reports[i].Predefined {
			return &st.Marked
		}
		return nil
	}, w, h, true)
}

// detailLines describes the selected report.
func (m *Model) detailLines(w int) []string {
	st := m.ctx.Styles
	r, ok := m.selected()
	if !ok {
		return []string{st.Dim.Render("no report selected")}
	}
	const lw = 11
	out := []string{st.Title.Render(viewkit.Fit(viewkit.Clean(r.Title), w))}
	if r.Predefined {
		out = append(out, st.Marked.Render(viewkit.Fit("predefined · read-only", w)))
	} else {
		out = append(out, st.Dim.Render(viewkit.Fit("owned by "+viewkit.Clean(r.Owner), w)))
	}
	add := func(label, value string) { out = append(out, viewkit.KV(st, label, value, lw, w)...) }
	add("ID", r.ID)
	add("Type", string(r.Type))
	filter := r.QueryFilter
	if filter == "" {
		filter = "(none: every row)"
	}
	add("Filter", filter)
	order := r.QueryOrder
	if order == "" {
		order = "!created_at"
	}
	add("Order", order)
	if r.GroupBy != nil {
		add("Group by", strings.Join(r.GroupBy.By, ", "))
		var aggs []string
		for _, c := range r.GroupBy.Columns()[len(r.GroupBy.By):] {
			aggs = append(aggs, c.Label)
		}
		add("Aggregates", strings.Join(aggs, ", "))
	} else {
		var labels []string
		for _, c := range r.ReportColumns() {
			labels = append(labels, c.Label)
		}
		prefix := ""
		if len(r.Columns) == 0 {
			prefix = "default: "
		}
		add("Columns", prefix+strings.Join(labels, ", "))
	}
	add("Created", viewkit.FmtTime(r.CreatedAt))
	add("Modified", viewkit.FmtTime(r.ModifiedAt))
	return out
}

// fieldOf names the form field an engine error is about.
func fieldOf(err error) string {
	var fe *core.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}
