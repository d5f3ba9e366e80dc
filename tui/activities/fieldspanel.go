package activities

// The fields panel (F), after Kibana Discover's field list: every field of
// the store's catalog with its coverage, type and approximate distinct
// count; choosing one shows its top values for the table's filter, on the
// pinned state the table shows, and enter, + or - on a value adds a term
// for or against it to the filter.
//
// Coverage is the catalog's count of events having the field over the
// store's total: the catalog keeps it for free, where coverage within the
// current filter would cost one aggregation per field. The panel says so.

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/auditdeck/auditdeck/tui/components"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// fieldsTop is how many values the panel lists for a field.
const fieldsTop = 10

// The panel sits beside the table when both fit: the table keeps at least
// sideMinTable columns (its narrowest layout with every column) and the
// panel at least panelMinWidth; else the panel covers the table.
const (
	panelMinWidth = 40
	panelMaxWidth = 60
	sideMinTable  = 78
)

type fieldsLevel int

const (
	levelFields fieldsLevel = iota // the list of fields
	levelValues                    // one field's top values
)

// fieldRow is one line of the field list.
type fieldRow struct {
	path     string
	types    string // the catalog's types joined, or the schema's type
	rows     int64  // events having the field (the catalog's Rows)
	distinct int64  // approximate; -1 when not counted
}

// valuesKey names what a top-values read was for: the field, the
// effective filter and the table's pin. A read of another key is stale.
type valuesKey struct {
	field  string
	filter string
	pin    core.Pin
}

// fieldsPanel is the panel's state.
type fieldsPanel struct {
	fullW int // the view's whole width; the table gets what the panel leaves

	level fieldsLevel

	// The field list.
	seq      uint64 // catalog read generation
	loading  bool
	err      error
	fields   []fieldRow // every field, sorted by path
	total    int64      // the store's events: the coverage denominator
	complete bool       // the catalog lists every path
	shown    []int      // indexes into fields matching the search
	cur, top int        // into shown

	search    textinput.Model
	searching bool

	// The chosen field's top values.
	vseq     uint64
	vcancel  context.CancelFunc
	want     valuesKey // what is shown or being read
	have     bool      // vres holds want's result
	vloading bool
	verr     error
	vres     core.AggregateResult
	vcur     int // into valueLines()
	vtop     int
}

type fieldsCatalogMsg struct {
	seq   uint64
	cat   *core.FieldCatalog
	total int64
	err   error
}

type fieldValuesMsg struct {
	seq uint64
	key valuesKey
	res core.AggregateResult
	err error
}

// panelWidth is the panel's width beside the table, and whether it fits
// beside it at all.
func panelWidth(full int) (int, bool) {
	pw := min(panelMaxWidth, max(panelMinWidth, full*2/5))
	if full-pw-1 < sideMinTable {
		pw = full - sideMinTable - 1
	}
	return pw, pw >= panelMinWidth
}

// tableWidth is the width the table gets from the view's width.
func (m *Model) tableWidth(full int) int {
	if m.mode != modeFields {
		return full
	}
	if pw, side := panelWidth(full); side {
		return full - pw - 1
	}
	return full
}

// openFields opens the panel on the field list and reads the catalog.
func (m *Model) openFields() tea.Cmd {
	fp := &m.fp
	if fp.search.Prompt == "" {
		fp.search = newTextInput("/ ", 200)
	}
	fp.level, fp.searching = levelFields, false
	fp.search.Blur()
	m.mode = modeFields
	m.SetSize(fp.fullW, m.height)
	return m.loadFieldsCatalog()
}

// closeFields closes the panel and gives the table its width back.
func (m *Model) closeFields() {
	fp := &m.fp
	fp.seq++
	m.cancelValues()
	fp.searching = false
	fp.search.Blur()
	m.mode = modeTable
	m.SetSize(fp.fullW, m.height)
}

func (m *Model) cancelValues() {
	fp := &m.fp
	fp.vseq++
	if fp.vcancel != nil {
		fp.vcancel()
		fp.vcancel = nil
	}
	fp.vloading = false
}

// loadFieldsCatalog reads the catalog and the store's total, both cheap
// (kept in memory and in block headers), in a command.
func (m *Model) loadFieldsCatalog() tea.Cmd {
	fp := &m.fp
	fp.seq++
	fp.loading = true
	seq, eng, tctx := fp.seq, m.ctx.Engine, m.ctx
	m.inflight++
	return func() tea.Msg {
		ctx, cancel := tctx.ReadContext(context.Background())
		defer cancel()
		cat, err := eng.Fields(ctx)
		if err != nil {
			return fieldsCatalogMsg{seq: seq, err: tctx.ReadError(fmt.Errorf("read the field catalog: %w", err))}
		}
		total, err := eng.Count(ctx, query.Filter{})
		if err != nil {
			return fieldsCatalogMsg{seq: seq, err: tctx.ReadError(fmt.Errorf("count the events: %w", err))}
		}
		return fieldsCatalogMsg{seq: seq, cat: cat, total: total}
	}
}

func (m *Model) onFieldsCatalog(msg fieldsCatalogMsg) {
	m.inflight--
	fp := &m.fp
	if msg.seq != fp.seq {
		return
	}
	fp.loading, fp.err = false, msg.err
	if msg.err != nil {
		return
	}
	fp.fields, fp.total, fp.complete = panelFields(msg.cat), msg.total, msg.cat.Complete
	m.filterFields()
}

// panelFields is the catalog's fields plus the built-in fields no stored
// event has yet (an aggregation can read them), sorted by path. The
// catalog does not count the fields kept beside the events (triage) or
// derived (created_hour): those every event has (a derived field, or one
// with a default such as triage.state's "new") show full coverage, the
// others an unknown one.
func panelFields(cat *core.FieldCatalog) []fieldRow {
	fs := cat.Fields()
	rows := make([]fieldRow, 0, len(fs)+len(core.BuiltinFields))
	for _, f := range fs {
		rows = append(rows, fieldRow{path: f.Path, types: strings.Join(f.Types, ","), rows: f.Rows, distinct: f.Distinct})
	}
	for i := range core.BuiltinFields {
		b := &core.BuiltinFields[i]
		if _, ok := cat.Lookup(b.Path); ok {
			continue
		}
		row := fieldRow{path: b.Path, types: b.Type.String()}
		switch {
		case b.Kept == core.KeptAsDerived || b.Kept == core.KeptBeside && b.HasDefault:
			row.rows, row.distinct = math.MaxInt64, -1 // every event: capped to 100% when shown
		case b.Kept == core.KeptBeside:
			row.rows, row.distinct = -1, -1
		}
		rows = append(rows, row)
	}
	sortFieldRows(rows)
	return rows
}

func sortFieldRows(rows []fieldRow) {
	slices.SortFunc(rows, func(a, b fieldRow) int { return strings.Compare(a.path, b.path) })
}

// filterFields lists the fields whose path holds the search text (any
// case), keeping the cursor on its field when it still matches.
func (m *Model) filterFields() {
	fp := &m.fp
	var keep string
	if fp.cur >= 0 && fp.cur < len(fp.shown) {
		keep = fp.fields[fp.shown[fp.cur]].path
	}
	q := strings.ToLower(strings.TrimSpace(fp.search.Value()))
	fp.shown = fp.shown[:0]
	fp.cur = 0
	for i := range fp.fields {
		if q == "" || strings.Contains(strings.ToLower(fp.fields[i].path), q) {
			if fp.fields[i].path == keep {
				fp.cur = len(fp.shown)
			}
			fp.shown = append(fp.shown, i)
		}
	}
	m.fieldsScroll()
}

// panelRows is the number of field or value lines the panel shows: below
// its title, search or summary line and header, above its status line.
func (m *Model) panelRows() int { return max(1, m.height-4) }

func (m *Model) fieldsScroll() {
	fp := &m.fp
	fp.cur = min(max(fp.cur, 0), max(0, len(fp.shown)-1))
	vis := m.panelRows()
	fp.top = components.ScrollTop(fp.cur, fp.top, vis, len(fp.shown))
}

func (m *Model) fieldsKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	fp := &m.fp
	if fp.searching {
		switch {
		case key.Matches(msg, k.Enter):
			fp.searching = false
			fp.search.Blur()
		case key.Matches(msg, k.Back):
			fp.searching = false
			fp.search.Blur()
			fp.search.SetValue("")
			m.filterFields()
		default:
			before := fp.search.Value()
			var cmd tea.Cmd
			fp.search, cmd = fp.search.Update(msg)
			if fp.search.Value() != before {
				m.filterFields()
			}
			return cmd
		}
		return nil
	}
	if key.Matches(msg, k.FieldsPanel) {
		m.closeFields()
		return nil
	}
	if fp.level == levelValues {
		return m.valuesKey(msg)
	}
	vis := m.panelRows()
	switch {
	case key.Matches(msg, k.Back):
		m.closeFields()
	case key.Matches(msg, k.Up):
		fp.cur--
	case key.Matches(msg, k.Down):
		fp.cur++
	case key.Matches(msg, k.PageUp):
		fp.cur -= vis
		fp.top -= vis
	case key.Matches(msg, k.PageDown):
		fp.cur += vis
		fp.top += vis
	case key.Matches(msg, k.Top):
		fp.cur = 0
	case key.Matches(msg, k.Bottom):
		fp.cur = len(fp.shown) - 1
	case key.Matches(msg, k.Filter):
		fp.searching = true
		return fp.search.Focus()
	case key.Matches(msg, k.Enter):
		if fp.cur < len(fp.shown) {
			fp.level = levelValues
			fp.vcur, fp.vtop = 0, 0
			fp.have, fp.verr = false, nil
			return m.readValues(fp.fields[fp.shown[fp.cur]].path)
		}
	}
	m.fieldsScroll()
	return nil
}

// currentValuesKey is what the top values of field would be read for now:
// the table's effective filter on the state its rows were read at.
func (m *Model) currentValuesKey(field string) valuesKey {
	return valuesKey{field: field, filter: m.eff.String(), pin: m.tbl.fetchedPin}
}

// readValues reads the field's top values for the table's filter and pin.
func (m *Model) readValues(field string) tea.Cmd {
	fp := &m.fp
	m.cancelValues()
	fp.want = m.currentValuesKey(field)
	fp.vloading = true
	seq, key := fp.vseq, fp.want
	q := core.StatsQuery{Filter: m.eff, By: []core.GroupBy{{Field: field}}, Top: fieldsTop, Pin: m.tbl.fetchedPin}
	ctx, cancel := m.ctx.ReadContext(context.Background())
	fp.vcancel = cancel
	eng, tctx := m.ctx.Engine, m.ctx
	m.inflight++
	return func() tea.Msg {
		defer cancel()
		res, err := eng.Aggregate(ctx, q)
		if err != nil {
			err = tctx.ReadError(fmt.Errorf("top values of %s: %w", field, err))
		}
		return fieldValuesMsg{seq: seq, key: key, res: res, err: err}
	}
}

func (m *Model) onFieldValues(msg fieldValuesMsg) {
	m.inflight--
	fp := &m.fp
	if msg.seq != fp.vseq || msg.key != fp.want {
		return // a read for an older field, filter or pin
	}
	fp.vloading, fp.vcancel = false, nil
	fp.verr = msg.err
	fp.have = msg.err == nil
	if msg.err == nil {
		fp.vres = msg.res
	}
	m.valuesScroll()
}

// fieldsFollowTable reads the shown field's values again when the table
// moved to another filter or pin (a filter applied, a live refresh), once
// the table's rows of it have arrived, so both show the same state.
func (m *Model) fieldsFollowTable() tea.Cmd {
	fp := &m.fp
	if m.mode != modeFields || fp.level != levelValues || !m.tbl.loaded || m.tbl.loading {
		return nil
	}
	if m.currentValuesKey(fp.want.field) == fp.want {
		return nil
	}
	return m.readValues(fp.want.field)
}

// valueLine is one line of the top values: a group, or the "other" bucket.
type valueLine struct {
	val    core.AggValue
	count  int64
	other  bool
	groups int64 // of the other bucket
}

func (m *Model) valueLines() []valueLine {
	fp := &m.fp
	if !fp.have {
		return nil
	}
	lines := make([]valueLine, 0, len(fp.vres.Groups)+1)
	for _, g := range fp.vres.Groups {
		if len(g.Key) == 1 {
			lines = append(lines, valueLine{val: g.Key[0], count: g.Count})
		}
	}
	if fp.vres.OtherGroups > 0 {
		lines = append(lines, valueLine{other: true, count: fp.vres.OtherCount, groups: fp.vres.OtherGroups})
	}
	return lines
}

func (m *Model) valuesScroll() {
	fp := &m.fp
	n := len(m.valueLines())
	fp.vcur = min(max(fp.vcur, 0), max(0, n-1))
	vis := m.panelRows()
	fp.vtop = components.ScrollTop(fp.vcur, fp.vtop, vis, n)
}

func (m *Model) valuesKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	fp := &m.fp
	vis := m.panelRows()
	lines := m.valueLines()
	switch {
	case key.Matches(msg, k.Back):
		m.cancelValues()
		fp.level = levelFields
		return nil
	case key.Matches(msg, k.Up):
		fp.vcur--
	case key.Matches(msg, k.Down):
		fp.vcur++
	case key.Matches(msg, k.PageUp):
		fp.vcur -= vis
	case key.Matches(msg, k.PageDown):
		fp.vcur += vis
	case key.Matches(msg, k.Top):
		fp.vcur = 0
	case key.Matches(msg, k.Bottom):
		fp.vcur = len(lines) - 1
	case key.Matches(msg, k.Enter), key.Matches(msg, k.FilterFor), key.Matches(msg, k.FilterOut):
		if fp.vcur >= len(lines) {
			return nil
		}
		l := lines[fp.vcur]
		if l.other {
			return tui.ToastCmd(fmt.Sprintf("other is %s values together, not one to filter by", thousands(l.groups)), true)
		}
		cmd, err := m.filterByValue(fp.want.field, l.val, key.Matches(msg, k.FilterOut))
		if err != nil {
			return tui.ToastCmd(err.Error(), true)
		}
		return cmd
	}
	m.valuesScroll()
	return nil
}

// ---- filtering for or against a value ----

// valueTerm is the filter term that holds for the events whose field has
// the value (any element of an array), or lacks the field for the missing
// value; negate makes it hold for the others. Args are written back to the
// filter text by query.Term.String, which percent-encodes what the DSL
// would misread (, ( ) % and white space).
func valueTerm(field string, v core.AggValue, negate bool) (query.Term, error) {
	if !query.ValidField(field) {
		return query.Term{}, fmt.Errorf("the field %q cannot be written in a filter (only letters, digits and _@$- between dots)", field)
	}
	t := query.Term{Field: field, Negate: negate, Pos: -1}
	switch {
	case v.Missing:
		t.Op = query.OpIsNull
	case v.Kind == query.LeafTrue:
		t.Op, t.Args = query.OpEq, []string{"true"}
	case v.Kind == query.LeafFalse:
		t.Op, t.Args = query.OpEq, []string{"false"}
	case v.Text == "" && v.Kind == query.LeafString:
		// The DSL has no empty argument (eq() is an error), but the empty
		// string is the one string below "\x00" bytewise, and lt is never
		// true for a missing field: lt(%00) is eq("").
		t.Op, t.Args = query.OpLt, []string{"\x00"}
	case v.Text == "":
		return query.Term{}, fmt.Errorf("%s: a value with no text cannot be written in a filter", field)
	default:
		t.Op, t.Args = query.OpEq, []string{v.Text}
	}
	return t, nil
}

// filterByValue adds the term for (or against) the value to the user's
// filter, as text the filter bar shows, and applies it as "/" would. A term
// for the same value already there, either way round, is replaced. An
// error (a field or value the filter cannot name, a filter grown past its
// limits) changes nothing.
func (m *Model) filterByValue(field string, v core.AggValue, negate bool) (tea.Cmd, error) {
	t, err := valueTerm(field, v, negate)
	if err != nil {
		return nil, err
	}
	text := strings.TrimSpace(m.filterText)
	var kept []query.Term
	replaced := false
	for _, u := range m.userFilter.Terms {
		if u.Field == t.Field && u.Op == t.Op && slices.Equal(u.Args, t.Args) {
			replaced = true
			continue
		}
		kept = append(kept, u)
	}
	switch {
	case replaced:
		text = query.Filter{Terms: append(kept, t)}.String()
	case text == "":
		text = t.String()
	default:
		text += "," + t.String()
	}
	uf, _, err, _ := m.checkFilter(text)
	if err != nil {
		return nil, fmt.Errorf("cannot add %s to the filter: %s", t.String(), errText(err))
	}
	m.pushHistory(text)
	m.filterName = ""
	m.filterText = text
	m.userFilter = uf
	return m.applyFilter(), nil
}

// ---- drawing ----

// viewFields draws the table with the panel beside it, or the panel alone
// on a narrow terminal.
func (m *Model) viewFields() string {
	fp := &m.fp
	pw, side := panelWidth(fp.fullW)
	if !side {
		return strings.Join(m.panelLines(fp.fullW, m.height), "\n")
	}
	table := strings.Split(m.viewTable(), "\n")
	panel := m.panelLines(pw, m.height)
	sep := m.st.Dim.Render("│")
	var b strings.Builder
	for i := 0; i < m.height; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		var tl string
		if i < len(table) {
			tl = table[i]
		}
		b.WriteString(tl)
		if pad := m.width - ansi.StringWidth(tl); pad > 0 {
			b.WriteString(components.Spaces(pad))
		}
		b.WriteString(sep)
		if i < len(panel) {
			b.WriteString(panel[i])
		}
	}
	return b.String()
}

// panelLines draws the panel in w columns and h lines.
func (m *Model) panelLines(w, h int) []string {
	var lines []string
	if m.fp.level == levelValues {
		lines = m.valuesPanel(w, h)
	} else {
		lines = m.fieldListPanel(w, h)
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return lines[:h]
}

func (m *Model) fieldListPanel(w, h int) []string {
	fp := &m.fp
	st := m.st
	lines := make([]string, 0, h)
	title := st.Title.Render("Fields")
	if !fp.loading && fp.err == nil {
		title += st.Dim.Render(fmt.Sprintf(" %d · coverage of all %s events", len(fp.fields), thousands(fp.total)))
	}
	lines = append(lines, components.FitLine(title, w))
	switch {
	case fp.searching:
		lines = append(lines, inputLine(fp.search.Prompt, fp.search.Value(), fp.search.Position(), w, st).line)
	case fp.search.Value() != "":
		lines = append(lines, components.FitLine(st.Title.Render("/ ")+sanitize(fp.search.Value())+st.Dim.Render(fmt.Sprintf("  %d match", len(fp.shown))), w))
	default:
		lines = append(lines, st.Dim.Render(components.FitLine("/ search · enter top values · esc close", w)))
	}
	// columns: cursor 2, path, type 9 (on a wide panel), coverage 4,
	// distinct 6, one space between
	const covW, distW = 4, 6
	typeW := 9
	if w < 50 {
		typeW = 0 // the path needs the room more
	}
	pathW := max(8, w-2-typeW-covW-distW-2-min(typeW, 1))
	cell := func(s string, w int) string {
		if w == 0 {
			return ""
		}
		return components.FitCell(s, w) + " "
	}
	lines = append(lines, st.Title.Render(components.FitLine("  "+components.FitCell("FIELD", pathW)+" "+cell("TYPE", typeW)+fmt.Sprintf("%*s", covW, "COV")+" "+fmt.Sprintf("%*s", distW, "DIST"), w)))
	vis := m.panelRows()
	switch {
	case fp.loading:
		lines = append(lines, st.Dim.Render("  loading…"))
	case fp.err != nil:
		lines = append(lines, st.Error.Render(components.FitLine("  "+sanitize(fp.err.Error()), w)))
	case len(fp.shown) == 0:
		lines = append(lines, st.Dim.Render(components.FitLine("  no field matches", w)))
	}
	end := min(fp.top+vis, len(fp.shown))
	for i := fp.top; i < end && !fp.loading && fp.err == nil; i++ {
		f := &fp.fields[fp.shown[i]]
		cov := coverageText(f.rows, fp.total)
		dist := "-"
		if f.distinct >= 0 {
			dist = "~" + compactCount(f.distinct)
		}
		line := components.FitCell(fitPath(sanitize(f.path), pathW), pathW) + " " +
			cell(sanitize(f.types), typeW) + fmt.Sprintf("%*s", covW, cov) + " " + fmt.Sprintf("%*s", distW, dist)
		if i == fp.cur {
			lines = append(lines, st.Selected.Render(components.FitLine("> "+line, w)))
		} else {
			lines = append(lines, components.FitLine("  "+line, w))
		}
	}
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	status := fmt.Sprintf("%d/%d", min(fp.cur+1, len(fp.shown)), len(fp.shown))
	if !fp.complete && !fp.loading && fp.err == nil {
		status += " · the catalog is incomplete"
	}
	return append(lines, st.Dim.Render(components.FitLine(status, w)))
}

func (m *Model) valuesPanel(w, h int) []string {
	fp := &m.fp
	st := m.st
	lines := make([]string, 0, h)
	lines = append(lines, st.Title.Render(components.FitLine(fitPath(sanitize(fp.want.field), w), w)))
	res := &fp.vres
	switch {
	case fp.verr != nil:
		lines = append(lines, st.Error.Render(components.FitLine(sanitize(fp.verr.Error()), w)))
	case !fp.have:
		lines = append(lines, st.Dim.Render("reading the top values…"))
	default:
		groups := thousands(res.TotalGroups) + " value"
		if res.TotalGroups != 1 {
			groups += "s"
		}
		if res.Approximate {
			groups = "≥" + groups + ", counts may be low by " + thousands(res.MaxError)
		}
		sum := fmt.Sprintf("top %d of %s events · %s", fieldsTop, thousands(res.Rows), groups)
		if fp.vloading {
			sum += " · updating…"
		}
		lines = append(lines, st.Dim.Render(components.FitLine(sum, w)))
	}
	vl := m.valueLines()
	cw := 5
	for _, l := range vl {
		cw = max(cw, len(thousands(l.count)))
	}
	const pctW = 6
	barW := min(14, max(4, (w-30)/2)) // a narrow panel keeps its room for the values
	valW := max(6, w-2-cw-pctW-barW-3)
	lines = append(lines, st.Title.Render(components.FitLine("  "+components.FitCell("VALUE", valW)+" "+fmt.Sprintf("%*s", cw, "COUNT")+" "+fmt.Sprintf("%*s", pctW, "%"), w)))
	if fp.have && len(vl) == 0 {
		lines = append(lines, st.Dim.Render(components.FitLine("  no events match the filter", w)))
	}
	vis := m.panelRows()
	end := min(fp.vtop+vis, len(vl))
	for i := fp.vtop; i < end; i++ {
		l := vl[i]
		var text string
		switch {
		case l.other:
			text = fmt.Sprintf("(%s others)", thousands(l.groups))
		case l.val.Missing:
			text = "(missing)"
		default:
			text = sanitize(l.val.Display())
			if l.val.Kind == query.LeafString && (text == "" || text == "true" || text == "false" || isNumberText(text)) {
				text = strconv.Quote(text) // a string that reads as another kind: say it is one
			}
		}
		frac := 0.0
		if res.Rows > 0 {
			frac = float64(l.count) / float64(res.Rows)
		}
		cells := components.FitCell(text, valW) + " " + fmt.Sprintf("%*s", cw, thousands(l.count)) + " " + fmt.Sprintf("%*s", pctW, percentText(frac))
		bar := barCells(frac, barW)
		if i == fp.vcur {
			lines = append(lines, st.Selected.Render(components.FitLine("> "+cells+" "+bar, w)))
			continue
		}
		if l.other || l.val.Missing {
			cells = st.Dim.Render(cells)
		}
		lines = append(lines, components.FitLine("  "+cells+" "+st.Bar.Render(bar), w))
	}
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	hint := fmt.Sprintf("%s/%s for · %s against · %s fields",
		m.keys.Enter.Help().Key, m.keys.FilterFor.Help().Key, m.keys.FilterOut.Help().Key, m.keys.Back.Help().Key)
	return append(lines, st.Dim.Render(components.FitLine(hint, w)))
}

func isNumberText(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// barCells is a bar of frac (0 to 1) in w cells, eighths for the last one.
func barCells(frac float64, w int) string {
	frac = min(max(frac, 0), 1)
	eighths := int(math.Round(frac * float64(w*8)))
	if frac > 0 && eighths == 0 {
		eighths = 1 // a value that is there shows
	}
	full, part := eighths/8, eighths%8
	var b strings.Builder
	b.WriteString(strings.Repeat("█", full))
	if part > 0 {
		b.WriteRune([]rune("▏▎▍▌▋▊▉")[part-1])
		full++
	}
	b.WriteString(components.Spaces(w - full))
	return b.String()
}

// coverageText is rows of total as a percentage; "<1%" when some but under
// one percent. The catalog counts a replaced event again, so it is capped.
func coverageText(rows, total int64) string {
	switch {
	case rows < 0:
		return "?" // not counted: kept beside the events
	case total <= 0 || rows <= 0:
		return "0%"
	case rows >= total:
		return "100%"
	}
	p := float64(rows) * 100 / float64(total)
	if p < 1 {
		return "<1%"
	}
	return strconv.Itoa(min(99, int(p))) + "%"
}

func percentText(frac float64) string {
	p := frac * 100
	switch {
	case p == 0:
		return "0%"
	case p < 0.1:
		return "<0.1%"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// compactCount is n in at most five characters: 950, 9.5k, 95k, 9.5M.
func compactCount(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10)
	case n < 10_000:
		return strconv.FormatFloat(float64(n)/1000, 'f', 1, 64) + "k"
	case n < 1_000_000:
		return strconv.FormatInt(n/1000, 10) + "k"
	case n < 10_000_000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + "M"
	}
	return strconv.FormatInt(n/1_000_000, 10) + "M"
}

// fitPath fits a dotted path into w cells keeping its end, where the leaf's
// name is: "…Folders.FolderItems.InternetMessageId".
func fitPath(p string, w int) string {
	if ansi.StringWidth(p) <= w || w < 2 {
		return p
	}
	rs := []rune(p)
	for i := range rs {
		if ansi.StringWidth(string(rs[i:])) <= w-1 {
			return "…" + string(rs[i:])
		}
	}
	return "…"
}

// fieldsHelp is the help of the panel's modes.
func (m *Model) fieldsHelp() []key.Binding {
	k := m.keys
	fp := &m.fp
	switch {
	case fp.searching:
		return []key.Binding{relabel(k.Enter, "done"), relabel(k.Back, "clear")}
	case fp.level == levelValues:
		return []key.Binding{k.Up, k.Down, relabel(k.Enter, "filter for"), k.FilterFor, k.FilterOut, relabel(k.Back, "fields"), relabel(k.FieldsPanel, "close")}
	}
	return []key.Binding{k.Up, k.Down, k.PageDown, relabel(k.Enter, "top values"), relabel(k.Filter, "search"), relabel(k.Back, "close")}
}
