package activities

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/core/render"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/auditdeck/auditdeck/tui/components"
	"github.com/auditdeck/auditdeck/tui/viewkit"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// ---- triage ----

type triageMsg struct {
	req core.TriageRequest
	ids []string
	res core.TriageResult
	err error
}

// targetIDs are the rows an action applies to: the selection, else the
// cursor row.
func (m *Model) targetIDs() []string {
	if len(m.order) > 0 {
		return slices.Clone(m.order)
	}
	if a := m.cursorRow(); a != nil {
		return []string{a.EventID}
	}
	return nil
}

func (m *Model) denyTriage() tea.Cmd {
	return tui.ToastCmd("triage is not allowed for "+m.ctx.Actor.User+" (viewer role)", true)
}

// triage sets a state on ids (nil: the selection or the cursor row); their
// notes stay.
func (m *Model) triage(state core.TriageState, ids []string) tea.Cmd {
	return m.runTriage(core.TriageRequest{State: state}, ids)
}

// setNote replaces the note of ids (an empty note clears it); their states
// stay.
func (m *Model) setNote(note string, ids []string) tea.Cmd {
	return m.runTriage(core.TriageRequest{Note: note, NoteSet: true}, ids)
}

func (m *Model) runTriage(req core.TriageRequest, ids []string) tea.Cmd {
	if !m.ctx.CanTriage {
		return m.denyTriage()
	}
	if ids == nil {
		ids = m.targetIDs()
	}
	if len(ids) == 0 {
		return nil
	}
	eng := m.ctx.Engine
	from := m.ctx.Actor.From
	if from == "" {
		from = "tui"
	}
	req.Actor, req.From = m.ctx.Actor.User, from
	m.inflight++
	return func() tea.Msg {
		res, err := eng.Triage(context.Background(), req, ids)
		return triageMsg{req: req, ids: ids, res: res, err: err}
	}
}

func (m *Model) onTriage(msg triageMsg) tea.Cmd {
	if msg.err != nil {
		return tui.ToastCmd("triage failed: "+msg.err.Error(), true)
	}
	// The acted-on rows leave the selection.
	for _, id := range msg.ids {
		if _, ok := m.marks[id]; ok {
			m.toggleMark(id)
		}
	}
	text := fmt.Sprintf("%d event", msg.res.Changed)
	if msg.res.Changed != 1 {
		text += "s"
	}
	switch {
	case msg.req.State != "":
		text += " marked " + string(msg.req.State)
	case msg.req.Note != "":
		text += ": note saved"
	default:
		text += ": note cleared"
	}
	if n := len(msg.res.Unknown); n > 0 {
		text += fmt.Sprintf(" (%d no longer exist)", n)
	}
	cmds := []tea.Cmd{tui.ToastCmd(text, false), m.requestRefresh()}
	if (m.mode == modeDetail || m.mode == modeNote && m.noteFrom == modeDetail) && slices.Contains(msg.ids, m.det.id) {
		m.det.seq++
		cmds = append(cmds, m.loadDetail())
	}
	return tea.Batch(cmds...)
}

func (m *Model) openNote(ids []string) tea.Cmd {
	if !m.ctx.CanTriage {
		return m.denyTriage()
	}
	if ids == nil {
		ids = m.targetIDs()
	}
	if len(ids) == 0 {
		return nil
	}
	m.noteIDs, m.noteFrom, m.mode = ids, m.mode, modeNote
	// One event: edit its note rather than retype it.
	m.note.SetValue(m.noteOf(ids))
	m.note.CursorEnd()
	return m.note.Focus()
}

// noteOf is the current note of a single event, as the view last read it.
func (m *Model) noteOf(ids []string) string {
	if len(ids) != 1 {
		return ""
	}
	if a := m.det.act; a != nil && a.EventID == ids[0] && a.Triage != nil {
		return a.Triage.Note
	}
	for i := range m.tbl.rows {
		if a := &m.tbl.rows[i]; a.EventID == ids[0] && a.Triage != nil {
			return a.Triage.Note
		}
	}
	return ""
}

func (m *Model) noteKey(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Enter):
		m.mode = m.noteFrom
		m.note.Blur()
		return m.setNote(m.note.Value(), m.noteIDs)
	case key.Matches(msg, m.keys.Back):
		m.mode = m.noteFrom
		m.note.Blur()
		return nil
	}
	var cmd tea.Cmd
	m.note, cmd = m.note.Update(msg)
	return cmd
}

// ---- copy ----

// copyID writes the id to the terminal's clipboard with OSC 52, through
// the session's own output, as the table shows it (see components.OSC52).
func (m *Model) copyID(id string) tea.Cmd {
	w, seq := m.clip, components.OSC52(id, m.tmux)
	return func() tea.Msg {
		if w == nil {
			return tui.Toast{Text: "no terminal to copy to", Error: true}
		}
		if _, err := io.WriteString(w, seq); err != nil {
			return tui.Toast{Text: "copy failed: " + err.Error(), Error: true}
		}
		if shown := render.Terminal(id); shown != id {
			return tui.Toast{Text: "copied " + shown + " (control and invisible characters as escapes)"}
		}
		return tui.Toast{Text: "copied " + id}
	}
}

// ---- export ----

type columnChoice struct {
	label string
	cols  func(m *Model) [][]string
}

var columnChoices = []columnChoice{
	{"table columns", func(m *Model) [][]string { return tableExportColumns(m.columns, nil) }},
	{"as shown", func(m *Model) [][]string { return tableExportColumns(m.columns, m.cols) }},
	{"standard (with event id)", func(m *Model) [][]string {
		out := make([][]string, len(core.DefaultActivityColumns))
		for i, c := range core.DefaultActivityColumns {
			out[i] = []string{c.Field, c.Label}
		}
		return out
	}},
}

const (
	fieldFormat = iota
	fieldColumns
	fieldScope
	fieldTitle
	fieldFile
)

type exportForm struct {
	field   int
	formats viewkit.FormatPicker
	columns int
	scope   int // 0: every row of the view; 1: the selection
	title   textinput.Model
	name    textinput.Model
	// nameSet: the user typed a file name, so it stops following the title.
	nameSet bool
	stamp   string // the time in the default file name
	err     string
	sending bool
}

type exportMsg struct {
	task core.Task
	err  error
}

// exportTitle is the title an export gets unless the user gives one.
const exportTitle = "Activities"

func (m *Model) exportFields() []int {
	if m.groupExport() != nil {
		return []int{fieldFormat, fieldTitle, fieldFile} // the groups: no columns or selection to choose
	}
	if len(m.order) > 0 {
		return []int{fieldFormat, fieldColumns, fieldScope, fieldTitle, fieldFile}
	}
	return []int{fieldFormat, fieldColumns, fieldTitle, fieldFile}
}

var dashes = regexp.MustCompile(`-{2,}`)

// exportFileName is the default file name for a title: "activities-20261101-1504".
func exportFileName(title, stamp string) string {
	base := strings.ToLower(strings.ReplaceAll(viewkit.FileNameBase(title), " ", "-"))
	base = strings.Trim(dashes.ReplaceAllString(base, "-"), "-.")
	if base == "" {
		base = strings.ToLower(exportTitle)
	}
	return base + "-" + stamp
}

func (m *Model) openExport() tea.Cmd {
	if m.ctx.Engine.Tasks() == nil {
		return tui.ToastCmd("export is not available: the task runner is not running", true)
	}
	stamp := m.ctx.Now().UTC().Format("20060102-1504")
	defTitle := exportTitle
	if spec := m.groupExport(); spec != nil {
		defTitle = exportTitle + " by " + spec.By[0]
	}
	title := newTextInput("", core.MaxTitleBytes)
	title.SetValue(defTitle)
	title.CursorEnd()
	name := newTextInput("", 128)
	name.SetValue(exportFileName(defTitle, stamp))
	name.CursorEnd()
	m.exp = exportForm{formats: viewkit.NewFormatPicker("csv"), title: title, name: name, stamp: stamp}
	if len(m.order) > 0 && m.groupExport() == nil {
		m.exp.scope = 1
	}
	m.mode = modeExport
	return nil
}

func (m *Model) exportKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	e := &m.exp
	fields := m.exportFields()
	at := max(0, slices.Index(fields, e.field))
	step := func(d int) {
		switch e.field {
		case fieldColumns:
			e.columns = (e.columns + d + len(columnChoices)) % len(columnChoices)
		case fieldScope:
			e.scope = 1 - e.scope
		}
	}
	focus := func(i int) tea.Cmd {
		e.field = fields[(i+len(fields))%len(fields)]
		e.title.Blur()
		e.name.Blur()
		switch e.field {
		case fieldTitle:
			return e.title.Focus()
		case fieldFile:
			return e.name.Focus()
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Back):
		m.mode = modeTable
		return nil
	case key.Matches(msg, k.Enter):
		return m.submitExport()
	case key.Matches(msg, k.NextTab), msg.Type == tea.KeyDown:
		return focus(at + 1)
	case key.Matches(msg, k.PrevTab), msg.Type == tea.KeyUp:
		return focus(at - 1)
	case e.field == fieldFormat:
		if e.formats.Key(msg) {
			e.err = ""
		}
		return nil
	case e.field == fieldColumns || e.field == fieldScope:
		switch {
		case msg.Type == tea.KeyLeft || msg.String() == "h":
			step(-1)
		case msg.Type == tea.KeyRight || msg.String() == "l" || key.Matches(msg, k.Select):
			step(1)
		}
		return nil
	}
	var cmd tea.Cmd
	e.err = ""
	if e.field == fieldTitle {
		e.title, cmd = e.title.Update(msg)
		if !e.nameSet {
			e.name.SetValue(exportFileName(e.title.Value(), e.stamp))
			e.name.CursorEnd()
		}
		return cmd
	}
	before := e.name.Value()
	e.name, cmd = e.name.Update(msg)
	e.nameSet = e.nameSet || e.name.Value() != before
	return cmd
}

// exportFilter is the DSL of what the view shows (or its selection).
func (m *Model) exportFilter() string {
	f := m.eff
	if m.exp.scope == 1 && len(m.order) > 0 {
		f = withTerms(f, query.Term{Field: "event_id", Op: query.OpIn, Args: slices.Clone(m.order), Pos: -1})
	}
	return f.String()
}

func (m *Model) submitExport() tea.Cmd {
	e := &m.exp
	if e.sending {
		return nil
	}
	tr := m.ctx.Engine.Tasks()
	if tr == nil {
		e.err = "the task runner is not running"
		return tui.ToastCmd("export is not available: the task runner is not running", true)
	}
	pin := m.tbl.fetchedAt
	if pin.IsZero() {
		pin = m.ctx.Engine.Now()
	}
	pin = pin.UTC()
	formats := e.formats.Chosen()
	if len(formats) == 0 {
		e.err = "tick at least one format (space)"
		return nil
	}
	title := strings.TrimSpace(e.title.Value())
	if title == "" {
		title = exportTitle
	}
	// One task writes every format from one pass over the same pinned rows,
	// so the files agree; each is still its own download.
	req := core.ExportRequest{
		Type:     core.TypeActivity,
		Title:    title,
		Filter:   m.exportFilter(),
		Columns:  columnChoices[e.columns].cols(m),
		Order:    m.exportOrder(),
		Formats:  formats,
		FileName: strings.TrimSpace(e.name.Value()),
		PinAt:    &pin,
		Pin:      m.tbl.fetchedPin,
	}
	if spec := m.groupExport(); spec != nil {
		// Group-by mode exports the groups it shows, as a grouped report.
		req.GroupBy, req.Columns, req.Order, req.Filter = spec, nil, "", m.eff.String()
	}
	actor := m.ctx.Actor
	e.sending = true
	m.inflight++
	return func() tea.Msg {
		t, err := tr.Submit(context.Background(), actor, req)
		return exportMsg{task: t, err: err}
	}
}

func (m *Model) onExport(msg exportMsg) tea.Cmd {
	e := &m.exp
	e.sending = false
	if msg.err != nil {
		e.err = msg.err.Error()
		return tui.ToastCmd("export: "+msg.err.Error(), true)
	}
	m.lastTaskID = msg.task.ID
	if m.mode == modeExport {
		m.mode = modeTable
	}
	// "name.csv .html .pdf", as the form shows it.
	exts := make([]string, len(msg.task.Request.Formats))
	for i, f := range msg.task.Request.Formats {
		exts[i] = render.Extension(f)
	}
	return tui.ToastCmd(fmt.Sprintf("export queued: task %s, %s rows → %s%s", msg.task.ID, thousands(msg.task.Total), msg.task.Request.FileName, strings.Join(exts, " ")), false)
}

func (m *Model) viewExport() string {
	st := m.st
	e := &m.exp
	var lines []string
	spec := m.groupExport()
	heading := "Export activities"
	if spec != nil {
		heading = "Export activities by " + sanitize(spec.By[0])
	}
	lines = append(lines, st.Title.Render(heading), "")
	total := "counting…"
	if m.hist.ok {
		total = thousands(m.hist.res.Total)
	}
	switch {
	case spec != nil && !m.grp.loading && m.grp.err == nil:
		total = fmt.Sprintf("%s values of %s events", thousands(m.grp.res.TotalGroups), thousands(m.grp.res.Rows))
	case spec != nil:
		total = "the values of " + total + " events"
	case e.scope == 1 && len(m.order) > 0:
		total = thousands(int64(len(m.order))) + " selected"
	}
	pin := m.tbl.fetchedAt
	label := func(s string) string { return st.Dim.Render(components.FitCell(s, 10)) }
	lines = append(lines, "  "+label("rows")+total+st.Dim.Render("  as of "+pin.UTC().Format(timeLayout)+" UTC"))
	flt := sanitize(m.eff.String())
	if flt == "" {
		flt = st.Dim.Render("(everything)")
	}
	lines = append(lines, "  "+label("filter")+flt)
	lines = append(lines, "")
	row := func(field int, name, value string) {
		mark := "  "
		if e.field == field {
			mark = st.Cursor.Render("> ")
		}
		lines = append(lines, mark+label(name)+value)
	}
	choice := func(field int, v string) string {
		if e.field == field {
			return st.Cursor.Render("‹ " + v + " ›")
		}
		return "  " + v
	}
	row(fieldFormat, "formats", " "+e.formats.View(st, e.field == fieldFormat))
	cols := columnChoices[e.columns].cols(m)
	if spec != nil {
		cols = nil
		for _, c := range spec.Columns() {
			cols = append(cols, []string{c.Field, c.Label})
		}
	} else {
		row(fieldColumns, "columns", choice(fieldColumns, fmt.Sprintf("%s (%d)", columnChoices[e.columns].label, len(cols))))
	}
	if len(m.order) > 0 && spec == nil {
		scope := "every row of the view"
		if e.scope == 1 {
			scope = fmt.Sprintf("the %d selected rows", len(m.order))
		}
		row(fieldScope, "rows", choice(fieldScope, scope))
	}
	text := func(field int, in textinput.Model, w int) string {
		if e.field == field {
			return "  " + inputLine("", in.Value(), in.Position(), max(1, w), st).line
		}
		return "  " + sanitize(in.Value())
	}
	row(fieldTitle, "title", text(fieldTitle, e.title, m.width-16))
	var exts []string
	for _, f := range e.formats.Chosen() {
		exts = append(exts, render.Extension(f))
	}
	row(fieldFile, "file", text(fieldFile, e.name, m.width-16-len(strings.Join(exts, " ")))+st.Dim.Render(strings.Join(exts, " ")))
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c[1]
	}
	lines = append(lines, "", "  "+st.Dim.Render(components.FitLine("columns: "+strings.Join(names, ", "), max(1, m.width-2))))
	if e.sending {
		lines = append(lines, "", "  "+st.Dim.Render("submitting…"))
	}
	if e.err != "" {
		lines = append(lines, "", "  "+st.Error.Render(sanitize(e.err)))
	}
	for i, l := range lines {
		lines[i] = components.FitLine(l, m.width)
	}
	for len(lines) < m.height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:m.height], "\n")
}

// ---- live updates ----

type changeMsg struct{ activities bool }

type refreshTick struct{}

// waitChange waits for the next change notice (and takes any that queued
// behind it). Nothing runs while nothing changes.
func waitChange(ch <-chan core.Change) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		c, ok := <-ch
		if !ok {
			return nil
		}
		msg := changeMsg{activities: c.Kind == core.ChangeActivities}
		for {
			select {
			case c, ok := <-ch:
				if !ok {
					return msg
				}
				msg.activities = msg.activities || c.Kind == core.ChangeActivities
			default:
				return msg
			}
		}
	}
}

// requestRefresh coalesces refreshes: at once when the last one is older
// than refreshEvery, else one refresh when that time is up.
func (m *Model) requestRefresh() tea.Cmd {
	if m.refreshPending {
		return nil
	}
	since := time.Since(m.lastRefresh)
	if since >= refreshEvery {
		m.lastRefresh = time.Now()
		return m.refresh()
	}
	m.refreshPending = true
	return tea.Tick(refreshEvery-since, func(time.Time) tea.Msg { return refreshTick{} })
}
