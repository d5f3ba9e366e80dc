package activities

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/tui/components"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// window is the part of the result the table holds: a few screens of rows
// around the cursor, and how to read more on either side.
type window struct {
	rows       []core.Activity // newest first, without raw JSON
	cur, top   int             // cursor row and first visible row, indexes into rows
	base       int64           // absolute index of rows[0] in the result; -1 unknown
	head       bool            // rows[0] is the first row of the result
	tail       bool            // the last row is the last of the result
	next       string          // engine cursor after the last row; "" when unknown
	fwd, back  bool            // a page read is in flight in that direction
	pending    int             // cursor moves waiting for rows to arrive
	loaded     bool            // the first page of this filter arrived
	loading    bool            // a read that replaces the window is in flight
	fetchedAt  time.Time       // when the shown rows were read (export pins to it)
	fetchedPin core.Pin        // the store's commit pin of that read
	err        error
	// cells holds the raw-JSON columns' cells of the held rows, by event
	// id (see pageCells); nil when every column is read from the rows.
	cells map[string][]string
	sort  sortWin // paging state of a non-time order
	// refreshDue: a live refresh waits for the sorted read in flight.
	refreshDue bool
}

// histState is the histogram of the effective filter.
type histState struct {
	res   core.HistogramResult
	ok    bool
	err   error
	line  string // rendered for lineW
	lineW int
}

type histMsg struct {
	gen uint64
	res core.HistogramResult
	err error
}

const gutterWidth = 2 // cursor ">" and mark "*"

// Layout: top lines (filter bar and histogram, or the filter input's three
// lines), the header, the rows, and a status line.
func (m *Model) topLines() int {
	if m.mode == modeFilter || len(m.saved) > 0 {
		return 3
	}
	return 2
}

// visRows is the number of table rows on screen.
func (m *Model) visRows() int { return max(1, m.height-m.topLines()-2) }

// pageSize is the number of rows one page read fetches.
func (m *Model) pageSize() int { return max(m.visRows(), 20) }

// keepRows bounds the rows held: about three screens plus a page.
func (m *Model) keepRows() int { return max(4*m.visRows(), 60) }

func (m *Model) firstRows() int { return max(2*m.visRows(), 50) }

func (m *Model) cursorRow() *core.Activity {
	t := &m.tbl
	if t.cur < 0 || t.cur >= len(t.rows) {
		return nil
	}
	return &t.rows[t.cur]
}

func (m *Model) scrollIntoView() {
	t := &m.tbl
	vis := m.visRows()
	if len(t.rows) == 0 {
		t.cur, t.top = 0, 0
		return
	}
	t.cur = min(max(t.cur, 0), len(t.rows)-1)
	t.top = components.ScrollTop(t.cur, t.top, vis, len(t.rows))
}

// move moves the cursor; past the held rows it waits for the next page.
func (m *Model) move(delta int) tea.Cmd {
	t := &m.tbl
	if len(t.rows) == 0 {
		return nil
	}
	target := t.cur + delta
	switch {
	case target < 0:
		if !t.head {
			t.pending += target
		}
		target = 0
	case target >= len(t.rows):
		if !t.tail {
			t.pending += target - (len(t.rows) - 1)
		}
		target = len(t.rows) - 1
	}
	t.cur = target
	m.scrollIntoView()
	return m.prefetch()
}

// page turns a screen: the view and the cursor move together.
func (m *Model) page(dir int) tea.Cmd {
	t := &m.tbl
	vis := m.visRows()
	t.top = max(0, min(t.top+dir*vis, len(t.rows)-vis))
	return m.move(dir * vis)
}

func (m *Model) home() tea.Cmd {
	t := &m.tbl
	t.pending = 0
	if t.head {
		t.cur, t.top = 0, 0
		return m.prefetch()
	}
	return m.replace(m.topReq())
}

func (m *Model) end() tea.Cmd {
	t := &m.tbl
	t.pending = 0
	if t.tail {
		t.cur = len(t.rows) - 1
		m.scrollIntoView()
		return m.prefetch()
	}
	if m.sorted() {
		return m.replace(m.sortEndReq())
	}
	return m.replace(fetchReq{kind: fetchEnd, limit: m.firstRows()})
}

// fetch runs a page read as a command of the current generation.
func (m *Model) fetch(r fetchReq) tea.Cmd {
	r.gen = m.gen
	r.filter = m.eff
	r.raw = m.rawFields
	m.inflight++
	ctx, eng, tctx := m.genCtx, m.ctx.Engine, m.ctx
	return func() tea.Msg {
		rctx, cancel := tctx.ReadContext(ctx)
		defer cancel()
		msg := runFetch(rctx, eng, r)
		msg.err = tctx.ReadError(msg.err)
		msg.cells = pageCells(msg.rows, r.raw)
		return msg
	}
}

func (m *Model) histCmd() tea.Cmd {
	gen, f := m.gen, m.eff
	m.inflight++
	ctx, eng, tctx := m.genCtx, m.ctx.Engine, m.ctx
	return func() tea.Msg {
		rctx, cancel := tctx.ReadContext(ctx)
		defer cancel()
		res, err := eng.Histogram(rctx, f, histBuckets)
		return histMsg{gen: gen, res: res, err: tctx.ReadError(err)}
	}
}

// replace starts a generation whose first read replaces the window.
func (m *Model) replace(r fetchReq) tea.Cmd {
	m.newGen()
	t := &m.tbl
	t.fwd, t.back, t.pending, t.loading = false, false, 0, true
	t.refreshDue = false // this read sees the latest state
	return m.fetch(r)
}

// reset reads the filter's first page and histogram.
func (m *Model) reset() tea.Cmd {
	return tea.Batch(m.replace(m.topReq()), m.histCmd())
}

// topReq reads the first rows of the result in the current order.
func (m *Model) topReq() fetchReq {
	if m.sorted() {
		return m.sortTopReq()
	}
	return fetchReq{kind: fetchTop, limit: m.firstRows()}
}

// refresh reads the window again where it is (live updates), keeping the
// cursor on its event. A cursor on the newest row follows new events.
func (m *Model) refresh() tea.Cmd {
	t := &m.tbl
	if m.sorted() {
		// A sorted read is a pass over every match; one that is still
		// running is not canceled by the next notice (under steady ingest
		// none would finish): the refresh waits for it.
		if t.loading {
			t.refreshDue = true
			return nil
		}
		return tea.Batch(m.replace(m.sortRefreshReq()), m.histCmd())
	}
	r := fetchReq{kind: fetchTop, limit: max(len(t.rows), m.firstRows()), keepIdx: t.cur, keepTop: t.top}
	if a := m.cursorRow(); a != nil && !(t.head && t.cur == 0) {
		r.keepID = a.EventID
	}
	if len(t.rows) > 0 && !t.head {
		r.kind, r.limit = fetchRefresh, len(t.rows)
		r.anchorT, r.anchorID = t.rows[0].CreatedAt, t.rows[0].EventID
	}
	return tea.Batch(m.replace(r), m.histCmd())
}

// prefetch keeps a screen of rows read ahead on both sides of the view and
// serves cursor moves that are waiting for rows.
func (m *Model) prefetch() tea.Cmd {
	t := &m.tbl
	if !t.loaded || t.loading || len(t.rows) == 0 {
		return nil
	}
	if m.sorted() {
		return m.sortPrefetch()
	}
	vis := m.visRows()
	var cmds []tea.Cmd
	if !t.tail && !t.fwd && (len(t.rows)-(t.top+vis) < vis || t.pending > 0) {
		last := &t.rows[len(t.rows)-1]
		t.fwd = true
		cmds = append(cmds, m.fetch(fetchReq{kind: fetchForward, limit: m.pageSize(), cursor: t.next, anchorT: last.CreatedAt, anchorID: last.EventID}))
	}
	if !t.head && !t.back && (t.top < vis || t.pending < 0) {
		first := &t.rows[0]
		t.back = true
		cmds = append(cmds, m.fetch(fetchReq{kind: fetchBackward, limit: m.pageSize(), anchorT: first.CreatedAt, anchorID: first.EventID}))
	}
	return tea.Batch(cmds...)
}

// onPage puts a page into the window.
func (m *Model) onPage(msg pageMsg) tea.Cmd {
	if msg.req.gen != m.gen {
		return nil // a stale generation
	}
	switch msg.req.kind {
	case fetchSortTop, fetchSortEnd, fetchSortPage, fetchSortRefresh:
		return m.onSortPage(msg)
	}
	t := &m.tbl
	r := msg.req
	switch r.kind {
	case fetchForward:
		t.fwd = false
		if msg.err != nil {
			t.err = msg.err
			return nil
		}
		if len(t.rows) == 0 || t.rows[len(t.rows)-1].EventID != r.anchorID {
			return m.prefetch() // the window moved while the page was read
		}
		t.err = nil
		t.addCells(msg.cells)
		t.rows = append(t.rows, msg.rows...)
		t.next, t.tail = msg.next, !msg.more
		m.trim(true)
	case fetchBackward:
		t.back = false
		if msg.err != nil {
			t.err = msg.err
			return nil
		}
		if len(t.rows) == 0 || t.rows[0].EventID != r.anchorID {
			return m.prefetch()
		}
		t.err = nil
		t.addCells(msg.cells)
		n := len(msg.rows)
		rows := make([]core.Activity, 0, n+len(t.rows))
		rows = append(append(rows, msg.rows...), t.rows...)
		t.rows = rows
		t.cur += n
		t.top += n
		if t.base >= 0 {
			t.base = max(0, t.base-int64(n))
		}
		t.head = !msg.more
		if t.head {
			t.base = 0
		}
		m.trim(false)
	default: // the window is replaced
		t.loading, t.loaded = false, true
		t.err = msg.err
		if msg.err != nil {
			return nil
		}
		m.cache.Reset()
		t.rows = msg.rows
		t.cells = msg.cells
		t.base = msg.base
		t.next = msg.next
		t.fetchedAt = msg.at
		t.fetchedPin = msg.pin
		switch r.kind {
		case fetchTop:
			t.head, t.tail = true, !msg.more
		case fetchEnd:
			t.head, t.tail, t.next = !msg.more, true, ""
		case fetchRefresh:
			t.head, t.tail = msg.head, !msg.more
		}
		m.place(r)
	}
	grp := m.afterReplace(r.kind)
	if p := t.pending; p != 0 {
		t.pending = 0
		return tea.Batch(m.move(p), grp)
	}
	return tea.Batch(m.prefetch(), grp)
}

// afterReplace follows a read that replaced the window: group-by mode
// counts again on the new rows' pin.
func (m *Model) afterReplace(k fetchKind) tea.Cmd {
	switch k {
	case fetchTop, fetchEnd, fetchRefresh, fetchSortTop, fetchSortEnd, fetchSortRefresh:
		if m.grp.on && m.grp.gen != m.gen {
			return m.groupCmd()
		}
	}
	return nil
}

// addCells merges a page's raw-JSON cells into the window's.
func (t *window) addCells(cells map[string][]string) {
	if cells == nil {
		return
	}
	if t.cells == nil {
		t.cells = make(map[string][]string, len(cells))
	}
	for id, c := range cells {
		t.cells[id] = c
	}
}

// pruneCells drops the cells of rows the window no longer holds.
func (t *window) pruneCells() {
	if len(t.cells) <= len(t.rows) {
		return
	}
	keep := make(map[string][]string, len(t.rows))
	for i := range t.rows {
		if c, ok := t.cells[t.rows[i].EventID]; ok {
			keep[t.rows[i].EventID] = c
		}
	}
	t.cells = keep
}

// place puts the cursor after a replacing read.
func (m *Model) place(r fetchReq) {
	t := &m.tbl
	switch r.kind {
	case fetchEnd:
		t.cur, t.top = len(t.rows)-1, len(t.rows)
	default:
		t.cur, t.top = r.keepIdx, r.keepTop
		if r.keepID != "" {
			for i := range t.rows {
				if t.rows[i].EventID == r.keepID {
					t.cur, t.top = i, i-(r.keepIdx-r.keepTop)
					break
				}
			}
		}
	}
	m.scrollIntoView()
}

// trim drops rows far from the view: from the front after reading forward,
// from the back after reading backward, keeping a screen beyond the view.
func (m *Model) trim(forward bool) {
	t := &m.tbl
	excess := len(t.rows) - m.keepRows()
	if excess <= 0 {
		return
	}
	vis := m.visRows()
	if forward {
		d := min(excess, max(0, t.top-vis))
		if d == 0 {
			return
		}
		t.rows = append([]core.Activity(nil), t.rows[d:]...)
		t.cur -= d
		t.top -= d
		if t.base >= 0 {
			t.base += int64(d)
		}
		t.head = false
		t.pruneCells()
		return
	}
	keep := t.top + 2*vis
	d := min(excess, len(t.rows)-keep)
	if d <= 0 {
		return
	}
	t.rows = append([]core.Activity(nil), t.rows[:len(t.rows)-d]...)
	t.tail, t.next = false, ""
	t.pruneCells()
}

// ---- drawing ----

func (m *Model) viewTable() string {
	var b strings.Builder
	b.Grow((m.height + 2) * (m.width + 16))
	if m.mode == modeFilter {
		b.WriteString(m.viewFilterPanel())
	} else {
		b.WriteString(m.filterBar())
		if len(m.saved) > 0 {
			b.WriteByte('\n')
			b.WriteString(m.sectionsLine())
		}
		b.WriteByte('\n')
		b.WriteString(m.histLine())
	}
	b.WriteByte('\n')
	if m.grp.on {
		b.WriteString(m.groupBody(m.visRows()))
		b.WriteByte('\n')
		if m.mode == modeNote {
			b.WriteString(inputLine(m.note.Prompt, m.note.Value(), m.note.Position(), m.width, m.st).line)
		} else {
			b.WriteString(m.groupStatus())
		}
		return b.String()
	}
	b.WriteString(m.headerLine())
	t := &m.tbl
	vis := m.visRows()
	end := min(t.top+vis, len(t.rows))
	n := 0
	for i := t.top; i < end; i++ {
		b.WriteByte('\n')
		b.WriteString(m.rowLine(&t.rows[i], i == t.cur))
		n++
	}
	if len(t.rows) == 0 && vis > 0 {
		b.WriteByte('\n')
		switch {
		case t.loading || !t.loaded:
			b.WriteString(m.st.Dim.Render("  loading…"))
		case t.err == nil:
			b.WriteString(m.st.Dim.Render("  no events match the filter"))
		}
		n++
	}
	for ; n < vis; n++ {
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	if m.mode == modeNote {
		b.WriteString(inputLine(m.note.Prompt, m.note.Value(), m.note.Position(), m.width, m.st).line)
	} else {
		b.WriteString(m.statusLine())
	}
	return b.String()
}

// headerLine draws the column headings: the sort column with its
// direction (▲ ascending, ▼ descending), the column cursor's heading
// highlighted.
func (m *Model) headerLine() string {
	var b strings.Builder
	b.WriteString(components.Spaces(gutterWidth))
	first := true
	field, desc := m.sortKey()
	for i, c := range m.columns {
		w := m.cols[i]
		if w == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		title := c.layout.Title
		if c.field == field {
			arrow := "▲"
			if desc {
				arrow = "▼"
			}
			if w > 2 {
				title = strings.TrimRight(components.FitCell(title, w-2), " ") + " " + arrow
			} else {
				title = arrow
			}
		}
		cell := components.FitCell(title, w)
		if i == m.colCur {
			cell = m.st.Cursor.Render(cell)
		}
		b.WriteString(cell)
	}
	return m.st.Title.Render(components.FitLine(strings.TrimRight(b.String(), " "), m.width))
}

const timeLayout = "2006-01-02 15:04:05"

// rowLine renders one row, cached by (id, width, cursor) plus its marks and
// triage state.
func (m *Model) rowLine(a *core.Activity, cursor bool) string {
	_, marked := m.marks[a.EventID]
	aux := uint64(0)
	if marked {
		aux = 1
	}
	aux |= uint64(stateCode(a.StateOf())) << 1
	k := components.LineKey{ID: a.EventID, Width: m.width, Selected: cursor, Aux: aux}
	if s, ok := m.cache.Get(k); ok {
		return s
	}
	s := m.renderRow(a, cursor, marked)
	m.cache.Put(k, s)
	return s
}

func stateCode(s core.TriageState) int {
	switch s {
	case core.StateReviewed:
		return 1
	case core.StateEscalated:
		return 2
	case core.StateDismissed:
		return 3
	}
	return 0
}

func (m *Model) renderRow(a *core.Activity, cursor, marked bool) string {
	st := m.st
	var b strings.Builder
	b.Grow(m.width + 64)
	if cursor {
		b.WriteByte('>')
	} else {
		b.WriteByte(' ')
	}
	if marked {
		b.WriteByte('*')
	} else {
		b.WriteByte(' ')
	}
	first, last := true, len(m.cols)-1
	for last > 0 && m.cols[last] == 0 {
		last--
	}
	for i, w := range m.cols {
		if w == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		text, style := m.cell(a, &m.columns[i])
		cell := components.FitCell(text, w)
		if i == last {
			cell = strings.TrimRight(cell, " ")
		}
		if !cursor && style != nil {
			cell = style.Render(cell)
		}
		b.WriteString(cell)
	}
	line := b.String()
	if cursor {
		return st.Selected.Render(components.FitLine(strings.TrimRight(line, " "), m.width))
	}
	if marked {
		line = st.Marked.Render(line[:gutterWidth]) + line[gutterWidth:]
	}
	return components.FitLine(line, m.width)
}

// filterBar shows the applied filter, the time preset and the toggles.
func (m *Model) filterBar() string {
	st := m.st
	var b strings.Builder
	b.WriteString(st.Title.Render("filter"))
	b.WriteByte(' ')
	switch {
	case m.filterName != "":
		b.WriteString(st.Cursor.Render("@" + sanitize(m.filterName)))
		b.WriteByte(' ')
		b.WriteString(sanitize(m.filterText))
	case strings.TrimSpace(m.filterText) == "":
		b.WriteString(st.Dim.Render("none (/ to filter)"))
	default:
		b.WriteString(sanitize(m.filterText))
	}
	b.WriteString("  ")
	b.WriteString(st.Title.Render("range"))
	b.WriteByte(' ')
	b.WriteString(presets[m.preset].label)
	var only []string
	if m.failedOnly {
		only = append(only, "failed")
	}
	if m.suspiciousOnly {
		only = append(only, "suspicious")
	}
	if m.untriagedOnly {
		only = append(only, "untriaged")
	}
	if len(only) > 0 {
		b.WriteString("  ")
		b.WriteString(st.Title.Render("only"))
		b.WriteByte(' ')
		b.WriteString(st.Cursor.Render(strings.Join(only, ", ")))
	}
	return components.FitLine(b.String(), m.width)
}

// sectionsLine lists the saved filters of the config as named sections,
// the applied one highlighted; "/" then "@name" applies one.
func (m *Model) sectionsLine() string {
	st := m.st
	var b strings.Builder
	b.WriteString(st.Title.Render("saved"))
	item := func(name string, on bool) {
		b.WriteString("  ")
		if on {
			b.WriteString(st.Cursor.Render("[" + name + "]"))
		} else {
			b.WriteString(st.Dim.Render(name))
		}
	}
	item("all", m.filterName == "" && strings.TrimSpace(m.filterText) == "")
	for _, s := range m.saved {
		item(sanitize(s.Name), s.Name == m.filterName)
	}
	b.WriteString(st.Dim.Render("   (" + m.keys.Filter.Help().Key + " @name applies one)"))
	return components.FitLine(b.String(), m.width)
}

// histLine draws the histogram of the filtered events and their count.
func (m *Model) histLine() string {
	h := &m.hist
	if h.err != nil {
		return m.st.Error.Render(components.FitLine("histogram: "+sanitize(h.err.Error()), m.width))
	}
	if !h.ok {
		return m.st.Dim.Render("counting…")
	}
	if h.line != "" && h.lineW == m.width {
		return h.line
	}
	h.line, h.lineW = m.sparkline(h.res, "events", m.width), m.width
	return h.line
}

// sparkline renders a histogram with its total and window into width cells.
func (m *Model) sparkline(res core.HistogramResult, noun string, width int) string {
	suffix := " " + thousands(res.Total) + " " + noun
	if !res.Start.IsZero() {
		layout := "2006-01-02"
		if res.End.Sub(res.Start) < 48*time.Hour {
			layout = "01-02 15:04"
		}
		suffix += "  " + res.Start.UTC().Format(layout) + " → " + res.End.UTC().Format(layout)
	}
	bars := width - ansi.StringWidth(suffix)
	if bars < 8 || res.Total == 0 {
		return components.FitLine(strings.TrimLeft(suffix, " "), width)
	}
	return m.st.Bar.Render(components.Sparkline(res.Counts, bars)) + suffix
}

func (m *Model) statusLine() string {
	t := &m.tbl
	var parts []string
	switch {
	case len(t.rows) == 0:
	case t.base >= 0 && m.hist.ok:
		parts = append(parts, fmt.Sprintf("%s/%s", thousands(t.base+int64(t.cur)+1), thousands(m.hist.res.Total)))
	case t.base >= 0:
		parts = append(parts, "row "+thousands(t.base+int64(t.cur)+1))
	}
	if n := len(m.marks); n > 0 {
		parts = append(parts, m.st.Marked.Render(fmt.Sprintf("%d selected", n)))
	}
	if !t.loaded || t.fwd || t.back || t.loading && len(t.rows) == 0 {
		parts = append(parts, m.st.Dim.Render("loading…"))
	}
	if m.colMoved && m.colCur < len(m.columns) {
		// Named here too: without colours the heading's highlight is not seen.
		parts = append(parts, m.st.Dim.Render("column "+m.columns[m.colCur].layout.Title))
	}
	if m.sorted() {
		f, desc := m.sortKey()
		arrow := "▲"
		if desc {
			arrow = "▼"
		}
		parts = append(parts, m.st.Dim.Render("sorted by "+sanitize(f)+" "+arrow))
	}
	if m.colNote != "" {
		if m.colErr {
			parts = append(parts, m.st.Error.Render(sanitize(m.colNote)))
		} else {
			parts = append(parts, m.st.Dim.Render(sanitize(m.colNote)))
		}
	}
	line := strings.Join(parts, "  ")
	if t.err != nil && t.err != context.Canceled {
		line += "  " + m.st.Error.Render("error: "+sanitize(t.err.Error()))
	}
	return components.FitLine(line, m.width)
}

// thousands formats n with thousands separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
