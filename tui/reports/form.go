package reports

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/auditdeck/auditdeck/tui/viewkit"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// countDelay debounces the live match count while the filter is typed.
const countDelay = 200 * time.Millisecond

var reportTypes = []core.ReportType{core.TypeActivity, core.TypeAudit, core.TypeConsumption}

// offeredTypes are the report types an actor may pick: the audit trail
// (every user's actions and addresses) is the admins' alone.
func offeredTypes(a core.Actor) []core.ReportType {
	if a.Admin {
		return reportTypes
	}
	return slices.DeleteFunc(slices.Clone(reportTypes), func(t core.ReportType) bool { return t == core.TypeAudit })
}

// The fields of the report form, in tab order.
const (
	fTitle = iota
	fType
	fFilter
	fOrder
	fColumns
	fGroup
	nFields
)

// labelW is the width of the form's labels, focus marker included.
const labelW = 12

type (
	countTickMsg struct {
		view int64
		gen  int
	}
	countMsg struct {
		view int64
		gen  int
		n    int64
		err  error
	}
)

// reportForm creates or edits a defined report.
type reportForm struct {
	edit    *core.DefinedReport
	focus   int
	title   textinput.Model
	filter  textinput.Model
	order   textinput.Model
	group   textinput.Model
	types   []core.ReportType // offered to this actor
	typeIdx int
	cols    []string          // chosen column fields, in order
	labels  map[string]string // labels of the columns the report had
	pick    viewkit.ListState
	aggs    []core.Aggregate // kept from the edited report

	filterErr string
	filterPos int
	orderErr  string
	groupErr  string

	countGen    int
	counting    bool
	counted     bool
	count       int64
	countErr    string
	countCancel context.CancelFunc

	saving  bool
	saveErr string
}

func newInput(st *tui.Styles, placeholder string, limit int) textinput.Model {
	ti := textinput.New()
	ti.Prompt = ""
	ti.Placeholder = placeholder
	ti.CharLimit = limit
	ti.PromptStyle = st.R.NewStyle()
	ti.TextStyle = st.R.NewStyle()
	ti.PlaceholderStyle = st.Dim
	ti.CompletionStyle = st.Dim
	ti.Cursor.Style = st.R.NewStyle()
	ti.Cursor.TextStyle = st.R.NewStyle()
	ti.Cursor.SetMode(cursor.CursorStatic) // no blink timer: idle costs nothing
	return ti
}

func newReportForm(m *Model, r *core.DefinedReport) *reportForm {
	st := m.ctx.Styles
	f := &reportForm{
		title:     newInput(st, "a name for the report", 200),
		filter:    newInput(st, "e.g. event_type.eq(login),!operation_successful", 8192),
		order:     newInput(st, "!created_at", 500),
		group:     newInput(st, "optional: one or two fields, e.g. user.user_email", 300),
		labels:    map[string]string{},
		filterPos: -1,
		types:     offeredTypes(m.ctx.Actor),
	}
	f.order.SetValue("!created_at")
	if r != nil {
		c := *r
		f.edit = &c
		f.title.SetValue(r.Title)
		f.filter.SetValue(r.QueryFilter)
		f.order.SetValue(r.QueryOrder)
		if !slices.Contains(f.types, r.Type) {
			f.types = append(f.types, r.Type) // editing keeps the type
		}
		f.typeIdx = slices.Index(f.types, r.Type)
		for _, c := range r.Columns {
			if len(c) == 2 {
				f.cols = append(f.cols, c[0])
				f.labels[c[0]] = c[1]
			}
		}
		if r.GroupBy != nil {
			f.group.SetValue(strings.Join(r.GroupBy.By, ", "))
			f.aggs = slices.Clone(r.GroupBy.Aggregates)
		}
	}
	f.setWidth(m.w)
	return f
}

func (f *reportForm) setWidth(w int) {
	iw := max(10, w-labelW-1)
	for _, ti := range []*textinput.Model{&f.title, &f.filter, &f.order, &f.group} {
		ti.Width = iw
	}
}

func (f *reportForm) reportType() core.ReportType { return f.types[f.typeIdx] }

func (f *reportForm) schema() *query.Schema {
	s, _ := f.reportType().Schema()
	return s
}

// start focuses the first field, validates and starts the first count.
func (f *reportForm) start(m *Model) tea.Cmd {
	f.setFocus(fTitle)
	f.validate(m)
	return f.recount(m)
}

func (f *reportForm) setFocus(i int) {
	f.focus = (i + nFields) % nFields
	for j, ti := range map[int]*textinput.Model{fTitle: &f.title, fFilter: &f.filter, fOrder: &f.order, fGroup: &f.group} {
		if j == f.focus {
			ti.Focus()
		} else {
			ti.Blur()
		}
	}
}

// errPos splits a filter error into its byte position (-1: none) and a
// message without the "filter: at position N:" prefix.
func errPos(err error) (int, string) {
	var se *query.SyntaxError
	var fe *query.FieldError
	switch {
	case errors.As(err, &se):
		return se.Pos, fmt.Sprintf("expected %s, found %s", se.Expected, se.Found)
	case errors.As(err, &fe):
		msg := strings.TrimPrefix(fe.Error(), "filter: ")
		if fe.Pos >= 0 {
			msg = strings.TrimPrefix(msg, fmt.Sprintf("at position %d: ", fe.Pos))
		}
		return fe.Pos, msg
	}
	return -1, strings.TrimPrefix(err.Error(), "filter: ")
}

// validate checks every field locally: pure functions, no I/O.
func (f *reportForm) validate(m *Model) {
	schema := f.schema()
	f.filterErr, f.filterPos = "", -1
	flt, err := query.ParseDSL(f.filter.Value())
	if err == nil {
		_, err = query.Compile(flt, schema, m.ctx.Now())
	}
	if err != nil {
		f.filterPos, f.filterErr = errPos(err)
	}
	f.orderErr = ""
	o, err := query.ParseOrder(f.order.Value())
	if err == nil {
		err = query.CompileOrder(o, schema)
	}
	if err != nil {
		_, f.orderErr = errPos(err)
	}
	f.groupErr = ""
	by := f.groupBy()
	switch {
	case len(by) == 0:
	case f.reportType() != core.TypeActivity:
		f.groupErr = "grouping is available for activity reports"
	case len(by) > 2:
		f.groupErr = fmt.Sprintf("group by one or two fields, not %d", len(by))
	default:
		for _, b := range by {
			if _, err := schema.Lookup(b); err != nil {
				_, f.groupErr = errPos(err)
				break
			}
		}
	}
	// Columns the type does not know are dropped when the type changes.
	fields := schema.Fields()
	f.cols = slices.DeleteFunc(f.cols, func(c string) bool { return !slices.Contains(fields, c) })
	f.pick.Clamp(len(fields))
}

func (f *reportForm) groupBy() []string {
	var by []string
	for _, p := range strings.Split(f.group.Value(), ",") {
		if p = strings.TrimSpace(p); p != "" {
			by = append(by, p)
		}
	}
	return by
}

// recount debounces the live match count; only activity reports are counted.
func (f *reportForm) recount(m *Model) tea.Cmd {
	f.countGen++
	if f.countCancel != nil {
		f.countCancel()
		f.countCancel = nil
	}
	f.countErr = ""
	if f.filterErr != "" || f.reportType() != core.TypeActivity {
		f.counting, f.counted = false, false
		return nil
	}
	f.counting = true
	gen, view := f.countGen, m.id
	return tea.Tick(countDelay, func(time.Time) tea.Msg { return countTickMsg{view: view, gen: gen} })
}

func (f *reportForm) stop() {
	if f.countCancel != nil {
		f.countCancel()
		f.countCancel = nil
	}
}

func (f *reportForm) close(m *Model) {
	f.stop()
	m.form, m.mode = nil, modeList
}

func (f *reportForm) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case countTickMsg:
		if msg.view != m.id || msg.gen != f.countGen {
			return nil
		}
		flt, err := query.ParseDSL(f.filter.Value())
		if err != nil {
			return nil
		}
		ctx, cancel := context.WithCancel(context.Background())
		f.countCancel = cancel
		eng, gen, view := m.ctx.Engine, f.countGen, m.id
		return func() tea.Msg {
			n, err := eng.Count(ctx, flt)
			return countMsg{view: view, gen: gen, n: n, err: err}
		}
	case countMsg:
		if msg.view != m.id || msg.gen != f.countGen {
			return nil // an older filter's count
		}
		f.counting, f.counted, f.count = false, msg.err == nil, msg.n
		if msg.err != nil && !errors.Is(msg.err, context.Canceled) {
			f.countErr = msg.err.Error()
		}
		return nil
	case tea.KeyMsg:
		return f.key(m, msg)
	}
	return nil
}

func (f *reportForm) key(m *Model, msg tea.KeyMsg) tea.Cmd {
	switch {
	case viewkit.KeyIs(msg, bindCancel):
		f.close(m)
		return nil
	case viewkit.KeyIs(msg, bindSave):
		return f.save(m)
	case viewkit.KeyIs(msg, bindNext):
		f.setFocus(f.focus + 1)
		return nil
	case viewkit.KeyIs(msg, bindPrev):
		f.setFocus(f.focus - 1)
		return nil
	case msg.Type == tea.KeyEnter:
		if f.focus == nFields-1 {
			return f.save(m)
		}
		f.setFocus(f.focus + 1)
		return nil
	}
	switch f.focus {
	case fType:
		switch msg.String() {
		case "left", "h", "right", "l", " ":
			if f.edit != nil {
				return tui.ToastCmd("the type of a report cannot change", true)
			}
			d := 1
			if s := msg.String(); s == "left" || s == "h" {
				d = len(f.types) - 1
			}
			f.typeIdx = (f.typeIdx + d) % len(f.types)
			f.validate(m)
			return f.recount(m)
		case "up", "k":
			f.setFocus(f.focus - 1)
		case "down", "j":
			f.setFocus(f.focus + 1)
		}
		return nil
	case fColumns:
		fields := f.schema().Fields()
		switch {
		case viewkit.KeyIs(msg, bindToggle):
			if f.pick.Cursor < len(fields) {
				c := fields[f.pick.Cursor]
				if i := slices.Index(f.cols, c); i >= 0 {
					f.cols = slices.Delete(f.cols, i, i+1)
				} else {
					f.cols = append(f.cols, c)
				}
			}
		default:
			f.pick.Move(m.ctx.Keys, msg, len(fields), 5)
		}
		return nil
	}
	switch msg.Type {
	case tea.KeyUp:
		f.setFocus(f.focus - 1)
		return nil
	case tea.KeyDown:
		f.setFocus(f.focus + 1)
		return nil
	}
	ti := map[int]*textinput.Model{fTitle: &f.title, fFilter: &f.filter, fOrder: &f.order, fGroup: &f.group}[f.focus]
	before := ti.Value()
	var cmd tea.Cmd
	*ti, cmd = ti.Update(msg)
	if ti.Value() == before {
		return cmd
	}
	f.saveErr = ""
	f.validate(m)
	if f.focus == fFilter {
		return tea.Batch(cmd, f.recount(m))
	}
	return cmd
}

// labelFor is a column's label: the one it had, the type's default, or the field.
func (f *reportForm) labelFor(field string) string {
	if l, ok := f.labels[field]; ok && l != "" {
		return l
	}
	for _, c := range f.reportType().DefaultColumns() {
		if c.Field == field {
			return c.Label
		}
	}
	return field
}

// save checks the form and saves it in the background.
func (f *reportForm) save(m *Model) tea.Cmd {
	if f.saving {
		return nil
	}
	f.validate(m)
	switch {
	case strings.TrimSpace(f.title.Value()) == "":
		f.saveErr = "title: must not be empty"
		f.setFocus(fTitle)
		return nil
	case f.filterErr != "":
		f.saveErr = "fix the filter first"
		f.setFocus(fFilter)
		return nil
	case f.orderErr != "":
		f.saveErr = "fix the order first"
		f.setFocus(fOrder)
		return nil
	case f.groupErr != "":
		f.saveErr = "fix the group by first"
		f.setFocus(fGroup)
		return nil
	}
	var cols [][]string
	for _, c := range f.cols {
		cols = append(cols, []string{c, f.labelFor(c)})
	}
	var gs *core.GroupSpec
	if by := f.groupBy(); len(by) > 0 {
		gs = &core.GroupSpec{By: by, Aggregates: f.aggs}
	}
	title, filter, order := strings.TrimSpace(f.title.Value()), strings.TrimSpace(f.filter.Value()), strings.TrimSpace(f.order.Value())
	eng, actor, view := m.ctx.Engine, m.ctx.Actor, m.id
	f.saving, f.saveErr = true, ""
	if f.edit != nil {
		id := f.edit.ID
		p := core.ReportPatch{Title: &title, QueryFilter: &filter, QueryOrder: &order, Columns: &cols, GroupBy: &gs}
		return func() tea.Msg {
			r, err := eng.UpdateReport(context.Background(), actor, id, p)
			return savedMsg{view: view, report: r, err: err}
		}
	}
	r := core.DefinedReport{Title: title, Type: f.reportType(), QueryFilter: filter, QueryOrder: order, Columns: cols, GroupBy: gs}
	return func() tea.Msg {
		r, err := eng.CreateReport(context.Background(), actor, r)
		return savedMsg{view: view, report: r, created: true, err: err}
	}
}

// saveFailed shows the engine's objection at the field it names.
func (f *reportForm) saveFailed(err error) {
	f.saveErr = viewkit.Clean(err.Error())
	switch fieldOf(err) {
	case "title":
		f.setFocus(fTitle)
	case "type":
		f.setFocus(fType)
	case "query_filter":
		f.setFocus(fFilter)
	case "query_order":
		f.setFocus(fOrder)
	case "columns":
		f.setFocus(fColumns)
	case "group_by":
		f.setFocus(fGroup)
	}
}

func (f *reportForm) view(m *Model) string {
	st := m.ctx.Styles
	w, h := m.w, m.h
	label := func(i int, s string) string {
		if f.focus == i {
			return st.Cursor.Render(viewkit.Pad("▸ "+s, labelW))
		}
		return st.Dim.Render(viewkit.Pad("  "+s, labelW))
	}
	indent := strings.Repeat(" ", labelW)
	head := "New report"
	if f.edit != nil {
		head = fmt.Sprintf("Edit report %q", viewkit.Clean(f.edit.Title))
	}
	lines := []string{st.Title.Render(viewkit.Fit(head, w)), ""}
	lines = append(lines, label(fTitle, "Title")+f.title.View())

	typ := string(f.reportType())
	switch {
	case f.edit != nil:
		typ += st.Dim.Render("  (fixed)")
	case f.focus == fType:
		typ = "◂ " + typ + " ▸" + st.Dim.Render("  ←/→ to change")
	}
	lines = append(lines, label(fType, "Type")+typ)

	lines = append(lines, label(fFilter, "Filter")+f.filter.View())
	lines = append(lines, f.filterStatus(m, w)...)

	lines = append(lines, label(fOrder, "Order")+f.order.View())
	if f.orderErr != "" {
		lines = append(lines, indent+st.Error.Render(viewkit.Fit("✗ "+viewkit.Clean(f.orderErr), w-labelW)))
	}

	lines = append(lines, label(fColumns, "Columns")+viewkit.Fit(f.columnsSummary(st), w-labelW))
	colsAt := len(lines)

	lines = append(lines, label(fGroup, "Group by")+f.group.View())
	switch {
	case f.groupErr != "":
		lines = append(lines, indent+st.Error.Render(viewkit.Fit("✗ "+viewkit.Clean(f.groupErr), w-labelW)))
	case len(f.groupBy()) > 0:
		gs := core.GroupSpec{By: f.groupBy(), Aggregates: f.aggs}
		var aggs []string
		for _, c := range gs.Columns()[len(gs.By):] {
			aggs = append(aggs, c.Label)
		}
		lines = append(lines, indent+st.Dim.Render(viewkit.Fit("aggregates: "+viewkit.Clean(strings.Join(aggs, ", "))+" (columns follow the groups)", w-labelW)))
	}
	lines = append(lines, "")
	lines = viewkit.FormStatus(st, lines, f.saving, "saving…", f.saveErr, w)
	hint := "tab/shift+tab move · enter next · ctrl+s save · esc cancel"
	switch f.focus {
	case fColumns:
		hint = "↑/↓ move · space choose column (none chosen: the type's defaults) · " + hint
	case fType:
		hint = "←/→ change type · " + hint
	}
	// The column picker takes the rows that are left above the hint.
	if f.focus == fColumns {
		room := h - len(lines) - 1
		picker := f.pickerLines(m, w-labelW, max(1, room))
		for i := range picker {
			picker[i] = indent + picker[i]
		}
		lines = slices.Insert(lines, colsAt, picker...)
	}
	return viewkit.FormEnd(st, lines, hint, w, h)
}

// filterStatus is the line under the filter: valid with the live match
// count, or the error with a caret under its position.
func (f *reportForm) filterStatus(m *Model, w int) []string {
	st := m.ctx.Styles
	indent := strings.Repeat(" ", labelW)
	if f.filterErr == "" {
		s := "✓ valid"
		if strings.TrimSpace(f.filter.Value()) == "" {
			s = "✓ no filter: every row"
		}
		switch {
		case f.reportType() != core.TypeActivity:
		case f.counting:
			s += " · counting…"
		case f.countErr != "":
			s += " · count failed: " + viewkit.Clean(f.countErr)
		case f.counted:
			s += " · " + viewkit.Plural(f.count, "matching event", "matching events")
		}
		return []string{indent + st.OK.Render(viewkit.Fit(s, w-labelW))}
	}
	msg := "✗ " + viewkit.Clean(f.filterErr)
	if f.filterPos < 0 {
		return []string{indent + st.Error.Render(viewkit.Fit(msg, w-labelW))}
	}
	v := f.filter.Value()
	pos := min(max(0, f.filterPos), len(v))
	var out []string
	col := ansi.StringWidth(viewkit.Clean(v[:pos]))
	if ansi.StringWidth(v)+1 > f.filter.Width {
		// The input scrolls: echo the text around the position.
		start := 0
		room := max(10, f.filter.Width-12)
		for start < pos && ansi.StringWidth(viewkit.Clean(v[start:pos])) > room {
			_, n := utf8.DecodeRuneInString(v[start:])
			start += n
		}
		snippet := viewkit.Clean(v[start:])
		col = ansi.StringWidth(viewkit.Clean(v[start:pos]))
		if start > 0 {
			snippet = "…" + snippet
			col++
		}
		out = append(out, indent+st.Dim.Render(viewkit.Fit(snippet, w-labelW)))
	}
	caret := strings.Repeat(" ", col) + "^"
	if labelW+col+2+ansi.StringWidth(msg) <= w {
		return append(out, indent+st.Error.Render(caret+" "+msg))
	}
	out = append(out, indent+st.Error.Render(viewkit.Fit(caret, w-labelW)))
	for _, l := range viewkit.Wrap(msg, w-labelW) {
		out = append(out, indent+st.Error.Render(l))
	}
	return out
}

func (f *reportForm) columnsSummary(st *tui.Styles) string {
	if len(f.cols) == 0 {
		var labels []string
		for _, c := range f.reportType().DefaultColumns() {
			labels = append(labels, c.Label)
		}
		return st.Dim.Render("default: " + strings.Join(labels, ", "))
	}
	var labels []string
	for _, c := range f.cols {
		labels = append(labels, viewkit.Clean(f.labelFor(c)))
	}
	s := strings.Join(labels, ", ")
	if len(f.groupBy()) > 0 {
		s += st.Dim.Render("  (unused while grouping)")
	}
	return s
}

func (f *reportForm) pickerLines(m *Model, w, h int) []string {
	st := m.ctx.Styles
	fields := f.schema().Fields()
	rows := make([][]string, len(fields))
	for i, fl := range fields {
		box, num := "[ ]", ""
		if j := slices.Index(f.cols, fl); j >= 0 {
			box, num = "[x]", strconv.Itoa(j+1)
		}
		rows[i] = []string{box, num, fl, f.labelFor(fl)}
	}
	cols := []viewkit.Col{{W: 3}, {W: 2}, {Flex: 2, W: 10}, {Flex: 1, W: 6}}
	// renderList draws a header line: drop it, the picker needs none.
	out := strings.Split(f.pick.RenderList(st, cols, rows, nil, w, h+1, true), "\n")
	return out[1:]
}
