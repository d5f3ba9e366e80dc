// Package tasks is the Tasks tab: exports and report generations, newest
// first, with live progress bars for running ones, rows, sizes, output
// paths and errors; C cancels, R retries, D deletes after a confirmation,
// enter shows the manifest and P previews a finished CSV or NDJSON file.
package tasks

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/auditdeck/auditdeck/tui/viewkit"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/delivery"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

type mode int

const (
	modeList mode = iota
	modeDetails
	modePreview
	modeConfirm
)

// errNoRunner is shown when this process runs no task runner.
var errNoRunner = errors.New("no task runner in this process: exports run under auditdeck serve")

// Model is the Tasks view.
type Model struct {
	ctx  *tui.Context
	id   int64
	w, h int
	live viewkit.Live

	gen     int
	loaded  bool
	loadErr error
	tasks   []core.Task
	list    viewkit.ListState
	selID   string

	mode    mode
	confirm *core.Task

	// details: the manifest of one task
	detGen     int
	detLoading bool
	detTitle   string
	detLines   []string
	detErr     string
	detOff     int

	// preview: the first rows of a finished CSV or NDJSON file
	prevGen     int
	prevLoading bool
	prev        *preview
	prevErr     string
	prevRow     viewkit.ListState
	prevCol     int
}

// New builds the view.
func New(ctx *tui.Context) *Model {
	return &Model{ctx: ctx, id: viewkit.NewViewID()}
}

type (
	listMsg struct {
		view  int64
		gen   int
		tasks []core.Task
		err   error
	}
	actionMsg struct {
		view  int64
		toast string
		err   error
	}
	detailsMsg struct {
		view  int64
		gen   int
		title string
		lines []string
		err   error
	}
	previewMsg struct {
		view int64
		gen  int
		prev *preview
		err  error
	}
)

var (
	bindYes   = key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes"))
	bindNo    = key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n", "no"))
	bindLeft  = key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "columns left"))
	bindRight = key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "columns right"))
)

// Title is the tab label.
func (m *Model) Title() string { return "Tasks" }

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
	case modeDetails:
		return []key.Binding{k.Up, k.Down, k.Back}
	case modePreview:
		return []key.Binding{k.Up, k.Down, bindLeft, bindRight, k.Back}
	}
	b := []key.Binding{k.Up, k.Down, key.NewBinding(key.WithKeys(k.Enter.Keys()...), key.WithHelp(k.Enter.Help().Key, "details")), k.Preview}
	if m.ctx.CanExport {
		b = append(b, k.Cancel, k.Retry)
	}
	if m.ctx.CanManage {
		b = append(b, k.Delete)
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
		tr := eng.Tasks()
		if tr == nil {
			return listMsg{view: view, gen: gen, err: errNoRunner}
		}
		ts, err := tr.List(context.Background(), actor)
		return listMsg{view: view, gen: gen, tasks: ts, err: err}
	}
}

func (m *Model) selected() (core.Task, bool) {
	if m.list.Cursor < 0 || m.list.Cursor >= len(m.tasks) {
		return core.Task{}, false
	}
	return m.tasks[m.list.Cursor], true
}

func (m *Model) denied(what string) tea.Cmd {
	return tui.ToastCmd(fmt.Sprintf("%s: your role can only view tasks", what), true)
}

// Update handles keys and the results of background work.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, ok := m.live.Handle(m.id, msg, func(k core.ChangeKind) bool { return k == core.ChangeTasks }, m.load); ok {
		return m, cmd
	}
	switch msg := msg.(type) {
	case listMsg:
		if msg.view != m.id || msg.gen != m.gen {
			return m, nil // stale
		}
		m.loaded, m.loadErr = true, msg.err
		if msg.err == nil {
			m.tasks = msg.tasks
		}
		m.reselect()
		return m, nil
	case actionMsg:
		if msg.view != m.id {
			return m, nil
		}
		if msg.err != nil {
			return m, tea.Batch(m.load(), tui.ToastCmd(msg.toast+": "+viewkit.Clean(msg.err.Error()), true))
		}
		return m, tea.Batch(m.load(), tui.ToastCmd(msg.toast, false))
	case detailsMsg:
		if msg.view != m.id || msg.gen != m.detGen {
			return m, nil
		}
		m.detLoading, m.detTitle, m.detLines, m.detErr = false, msg.title, make([]string, len(msg.lines)), ""
		for i, l := range msg.lines {
			m.detLines[i] = colourJSON(m.ctx.Styles, l)
		}
		if msg.err != nil {
			m.detErr = msg.err.Error()
		}
		return m, nil
	case previewMsg:
		if msg.view != m.id || msg.gen != m.prevGen {
			return m, nil
		}
		m.prevLoading, m.prev, m.prevErr = false, msg.prev, ""
		if msg.err != nil {
			m.prevErr = msg.err.Error()
		}
		return m, nil
	case tea.KeyMsg:
		return m, m.key(msg)
	}
	return m, nil
}

func (m *Model) reselect() {
	if m.selID != "" {
		for i, t := range m.tasks {
			if t.ID == m.selID {
				m.list.Cursor = i
				break
			}
		}
	}
	m.list.Clamp(len(m.tasks))
	if t, ok := m.selected(); ok {
		m.selID = t.ID
	}
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := m.ctx.Keys
	switch m.mode {
	case modeConfirm:
		t := m.confirm
		switch {
		case viewkit.KeyIs(msg, bindYes):
			m.mode, m.confirm = modeList, nil
			eng, actor, view := m.ctx.Engine, m.ctx.Actor, m.id
			return func() tea.Msg {
				tr := eng.Tasks()
				if tr == nil {
					return actionMsg{view: view, toast: "delete failed", err: errNoRunner}
				}
				err := tr.Delete(context.Background(), actor, t.ID)
				return actionMsg{view: view, toast: fmt.Sprintf("task %s deleted with its files", viewkit.Clean(t.ID)), err: err}
			}
		case viewkit.KeyIs(msg, bindNo):
			m.mode, m.confirm = modeList, nil
			return tui.ToastCmd("delete canceled", false)
		}
		return nil
	case modeDetails:
		switch {
		case viewkit.KeyIs(msg, k.Back), viewkit.KeyIs(msg, k.Enter):
			m.mode = modeList
			m.detGen++ // drop a load still in flight
		default:
			viewkit.ScrollKeys(k, msg, &m.detOff, len(m.detLines), m.h-2)
		}
		return nil
	case modePreview:
		switch {
		case viewkit.KeyIs(msg, k.Back), viewkit.KeyIs(msg, k.Preview):
			m.mode = modeList
			m.prevGen++
		case viewkit.KeyIs(msg, bindLeft):
			m.prevCol = max(0, m.prevCol-1)
		case viewkit.KeyIs(msg, bindRight):
			if m.prev != nil && m.prevCol < len(m.prev.header)-1 {
				m.prevCol++
			}
		default:
			if m.prev != nil {
				m.prevRow.Move(k, msg, len(m.prev.rows), m.h/2)
			}
		}
		return nil
	}
	if m.list.Move(k, msg, len(m.tasks), m.h/2) {
		if t, ok := m.selected(); ok {
			m.selID = t.ID
		}
		return nil
	}
	t, ok := m.selected()
	if !ok {
		return nil
	}
	eng, actor, view := m.ctx.Engine, m.ctx.Actor, m.id
	switch {
	case viewkit.KeyIs(msg, k.Enter):
		m.mode, m.detOff, m.detLoading, m.detLines, m.detErr = modeDetails, 0, true, nil, ""
		m.detGen++
		return loadDetails(view, m.detGen, eng, actor, t)
	case viewkit.KeyIs(msg, k.Preview):
		f, ok := previewFile(t)
		if !ok {
			return tui.ToastCmd("preview needs a finished CSV or NDJSON file", true)
		}
		m.mode, m.prevLoading, m.prev, m.prevErr, m.prevRow, m.prevCol = modePreview, true, nil, "", viewkit.ListState{}, 0
		m.prevGen++
		return loadPreview(view, m.prevGen, eng, actor, t.ID, f.Format)
	case viewkit.KeyIs(msg, k.Cancel):
		if !m.ctx.CanExport {
			return m.denied("cancel")
		}
		if t.Final() {
			return tui.ToastCmd(fmt.Sprintf("the task is %s: only queued or running tasks can be canceled", t.Status), true)
		}
		return func() tea.Msg {
			tr := eng.Tasks()
			if tr == nil {
				return actionMsg{view: view, toast: "cancel failed", err: errNoRunner}
			}
			_, err := tr.Cancel(context.Background(), actor, t.ID)
			return actionMsg{view: view, toast: fmt.Sprintf("task %s canceled", viewkit.Clean(t.ID)), err: err}
		}
	case viewkit.KeyIs(msg, k.Retry):
		if !m.ctx.CanExport {
			return m.denied("retry")
		}
		if t.Status != core.TaskFailed && t.Status != core.TaskCanceled {
			return tui.ToastCmd(fmt.Sprintf("the task is %s: only failed or canceled tasks can be retried", t.Status), true)
		}
		return func() tea.Msg {
			tr := eng.Tasks()
			if tr == nil {
				return actionMsg{view: view, toast: "retry failed", err: errNoRunner}
			}
			_, err := tr.Retry(context.Background(), actor, t.ID)
			return actionMsg{view: view, toast: fmt.Sprintf("task %s queued again", viewkit.Clean(t.ID)), err: err}
		}
	case viewkit.KeyIs(msg, k.Delete):
		if !m.ctx.CanManage {
			return m.denied("delete")
		}
		m.confirm, m.mode = &t, modeConfirm
	}
	return nil
}

// View draws the current mode in the view's body.
func (m *Model) View() string {
	if m.w <= 0 || m.h <= 0 {
		return ""
	}
	switch m.mode {
	case modeDetails:
		return m.detailsView()
	case modePreview:
		return m.previewView()
	}
	h := m.h
	var bottom string
	if m.mode == modeConfirm && m.confirm != nil {
		h--
		what := "with its files"
		if !m.confirm.Final() {
			what = "(it is " + viewkit.Clean(string(m.confirm.Status)) + ": it will be canceled)"
		}
		bottom = m.ctx.Styles.ErrorToast.Render(viewkit.Fit(fmt.Sprintf("Delete task %s %q %s? y/n", viewkit.Clean(m.confirm.ID), viewkit.Clean(m.confirm.Request.FileName), what), m.w))
	}
	body := viewkit.Split(m.ctx.Styles, m.w, h, len(m.tasks), m.listView, func(w, h int) string {
		return strings.Join(m.detailLines(w), "\n")
	})
	if bottom != "" {
		body += "\n" + bottom
	}
	return body
}

// humanBytes writes sizes as 1.2 KB, 3.4 MB.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for v := n / unit; v >= unit; v /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "KMGTPE"[exp])
}

func size(t core.Task) int64 {
	var n int64
	for _, f := range t.Files {
		n += f.Bytes
	}
	return n
}

// rowsText is the rows written so far of those counted, or the count
// while a task waits.
func rowsText(t core.Task) string {
	switch {
	case t.Total < 0 && t.Status != core.TaskSucceeded:
		return "groups"
	case t.Status == core.TaskSucceeded:
		return viewkit.GroupDigits(t.Done)
	case t.Status == core.TaskQueued:
		return viewkit.GroupDigits(t.Total)
	}
	return viewkit.GroupDigits(t.Done) + "/" + viewkit.GroupDigits(t.Total)
}

// progressText is a bar for a running task with a known total.
func (m *Model) progressText(t core.Task, w int) string {
	switch t.Status {
	case core.TaskRunning:
		if t.Total <= 0 {
			return "running…"
		}
		p := float64(t.Done) / float64(t.Total)
		p = min(1, max(0, p))
		pct := fmt.Sprintf(" %3.0f%%", p*100)
		return progressBar(m.ctx.Styles, p, max(1, w-len(pct))) + pct
	case core.TaskQueued:
		return "waiting"
	case core.TaskSucceeded:
		return "done"
	}
	return "—"
}

func (m *Model) listView(w, h int) string {
	st := m.ctx.Styles
	switch {
	case !m.loaded:
		return st.Dim.Render("loading tasks…")
	case m.loadErr != nil:
		return st.Dim.Render(viewkit.Fit(viewkit.Clean(m.loadErr.Error()), w))
	case len(m.tasks) == 0:
		return st.Dim.Render(viewkit.Fit("no tasks: export from Activities (x) or generate a report (g in Reports)", w))
	}
	cols := []viewkit.Col{{Title: "Status", W: 9}, {Title: "Progress", W: 12, Flex: 1}, {Title: "Rows", W: 9}, {Title: "Size", W: 8},
		{Title: "Name / error", W: 12, Flex: 3}, {Title: "Created", W: 11}}
	ws := viewkit.Widths(cols, w-2)
	rows := make([][]string, len(m.tasks))
	for i, t := range m.tasks {
		sz := "—"
		if len(t.Files) > 0 {
			sz = humanBytes(size(t))
		}
		name := t.Request.FileName
		if t.Error != "" {
			name += " · " + t.Error
		}
		rows[i] = []string{viewkit.Clean(string(t.Status)), m.progressText(t, ws[1]), rowsText(t), sz, viewkit.Clean(name), t.CreatedAt.UTC().Format("01-02 15:04")}
	}
	return m.list.RenderList(st, cols, rows, func(i int) *lipgloss.Style {
		switch m.tasks[i].Status {
		case core.TaskFailed:
			return &st.Failed
		case core.TaskCanceled:
			return &st.Dim
		}
		return nil
	}, w, h, true)
}

func (m *Model) detailLines(w int) []string {
	st := m.ctx.Styles
	t, ok := m.selected()
	if !ok {
		return nil
	}
	const lw = 11
	title := t.Request.Title
	if title == "" {
		title = t.Request.FileName
	}
	out := []string{st.Title.Render(viewkit.Fit(viewkit.Clean(fmt.Sprintf("%s %s · %s", t.Kind, title, t.Status)), w))}
	add := func(label, value string) { out = append(out, viewkit.KV(st, label, value, lw, w)...) }
	add("ID", t.ID)
	add("Type", string(t.Request.Type))
	filter := t.Request.Filter
	if filter == "" {
		filter = "(none: every row)"
	}
	add("Filter", filter)
	if t.Request.GroupBy != nil {
		add("Group by", strings.Join(t.Request.GroupBy.By, ", "))
	}
	add("Formats", strings.Join(t.Request.Formats, ", "))
	if t.Status == core.TaskRunning && t.Total > 0 {
		out = append(out, st.Dim.Render(viewkit.Pad("Progress", lw))+m.progressText(t, max(10, min(40, w-lw))))
	}
	var rows string
	switch {
	case t.Status == core.TaskSucceeded:
		rows = viewkit.GroupDigits(t.Done) + " written"
	case t.Total < 0:
		rows = viewkit.GroupDigits(t.Done) + " written (groups are counted as it runs)"
	case t.Status == core.TaskQueued:
		rows = viewkit.GroupDigits(t.Total) + " to write (counted when queued)"
	default:
		rows = viewkit.GroupDigits(t.Done) + " of " + viewkit.GroupDigits(t.Total) + " written"
	}
	if t.Truncated {
		rows += fmt.Sprintf(" (cut at the row limit of %s)", viewkit.GroupDigits(t.Request.RowLimit))
	}
	add("Rows", rows)
	if !t.WindowStart.IsZero() || !t.WindowEnd.IsZero() {
		add("Window", viewkit.FmtTime(t.WindowStart)+" → "+viewkit.FmtTime(t.WindowEnd))
	}
	for i, f := range t.Files {
		label := ""
		if i == 0 {
			label = "Files"
		}
		add(label, fmt.Sprintf("%s  %s  %s", f.Format, humanBytes(f.Bytes), f.Path))
	}
	if t.Status == core.TaskSucceeded && len(t.Files) > 0 {
		for i, l := range m.fetchLines(t) {
			label := ""
			if i == 0 {
				label = "Get"
			}
			add(label, l)
		}
	}
	if t.Manifest != "" {
		add("Manifest", t.Manifest)
	}
	for _, n := range t.Notes {
		add("Note", n)
	}
	if t.Error != "" {
		for _, l := range viewkit.KV(st, "Error", t.Error, lw, w) {
			out = append(out, st.Error.Render(l))
		}
	}
	add("Attempts", fmt.Sprint(t.Attempts))
	add("Created", viewkit.FmtTime(t.CreatedAt))
	if !t.StartedAt.IsZero() {
		add("Started", viewkit.FmtTime(t.StartedAt))
	}
	if !t.FinishedAt.IsZero() {
		add("Finished", viewkit.FmtTime(t.FinishedAt))
	}
	if !t.ExpiresAt.IsZero() {
		add("Expires", viewkit.FmtTime(t.ExpiresAt))
	}
	return out
}

// fetchLines say how a user gets a finished task's files onto their
// machine: the session's copy command for all of them (scp over SSH), or
// else the HTTP API's download of each.
func (m *Model) fetchLines(t core.Task) []string {
	if m.ctx.FetchCommand != nil {
		return []string{m.ctx.FetchCommand(t.ID)}
	}
	out := make([]string, len(t.Files))
	for i, f := range t.Files {
		out[i] = "GET " + delivery.DownloadPath(t.ID, f.Format)
	}
	return out
}

func (m *Model) detailsView() string {
	st := m.ctx.Styles
	t, _ := m.selected()
	head := "Task " + viewkit.Clean(t.ID)
	if m.detTitle != "" {
		head += " · " + viewkit.Clean(m.detTitle)
	}
	lines := []string{st.Title.Render(viewkit.Fit(head, m.w)), ""}
	h := m.h - len(lines)
	switch {
	case m.detLoading:
		return viewkit.FitLines(append(lines, st.Dim.Render("reading…")), m.w, m.h)
	case m.detErr != "":
		return viewkit.FitLines(append(lines, st.Error.Render(viewkit.Fit(viewkit.Clean(m.detErr), m.w))), m.w, m.h)
	}
	return strings.Join(lines, "\n") + "\n" + viewkit.ScrollView(m.detLines, &m.detOff, m.w, h)
}

// progressBar draws what bubbles/progress draws with a solid fill
// (ViewAs without the percentage). bubbles/progress itself needs
// github.com/charmbracelet/harmonica, which go.mod does not require yet.
func progressBar(st *tui.Styles, p float64, w int) string {
	full := int(math.Round(p * float64(w)))
	full = max(0, min(w, full))
	return st.Bar.Render(strings.Repeat("█", full)) + st.Dim.Render(strings.Repeat("░", w-full))
}
