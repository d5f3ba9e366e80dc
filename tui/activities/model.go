// Package activities is the Activities tab: a windowed table over the
// store's activity events, newest first, with the filter DSL, time presets
// and quick toggles, a histogram of the filtered events, a detail pane,
// triage, export and OSC 52 copy.
//
// The table holds a cursor into the store and about three screens of rows,
// never the result set: paging fetches the next page with the engine's
// cursor (or from a row's key, forward or backward: the store owns the
// order), and rows far from the screen are dropped. All reads run in tea.Cmds; their results come back
// tagged with a generation number and are dropped when the filter (or the
// data) moved on.
package activities

import (
	"context"
	"io"
	"os"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/core/render"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/auditdeck/auditdeck/tui/components"
	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

type mode int

const (
	modeTable mode = iota
	modeFilter
	modeDetail
	modeNote
	modeExport
	modeFields  // the fields panel has the keys (fieldspanel.go)
	modeColumns // the column chooser
)

type timePreset struct{ label, arg string }

var presets = []timePreset{{"all", ""}, {"1h", "-1h"}, {"24h", "-24h"}, {"7d", "-7d"}, {"30d", "-30d"}}

// The quick toggles' terms.
var (
	termFailed     = query.Term{Field: "operation_successful", Op: query.OpEq, Args: []string{"false"}, Pos: -1}
	termSuspicious = query.Term{Field: "extra.auth.is_suspicious", Op: query.OpTrue, Pos: -1}
	termUntriaged  = query.Term{Field: "triage.state", Op: query.OpEq, Args: []string{"new"}, Pos: -1}
)

// histBuckets is the resolution the histogram is read at; it is resampled
// to the screen's width, so a resize reads nothing.
const histBuckets = 240

// refreshEvery bounds live refreshes: change notices are coalesced into at
// most one refresh per interval.
const refreshEvery = 500 * time.Millisecond

// previewDelay debounces the count and histogram preview while typing.
const previewDelay = 150 * time.Millisecond

// Model is the Activities view.
type Model struct {
	ctx  *tui.Context
	st   *tui.Styles
	keys *tui.KeyMap

	width, height int
	mode          mode

	// The applied filter: the user's DSL, a time preset and the toggles.
	filterText     string
	filterName     string // the saved filter it came from, if any
	userFilter     query.Filter
	preset         int
	failedOnly     bool
	suspiciousOnly bool
	untriagedOnly  bool
	eff            query.Filter      // all of the above
	saved          []tui.SavedFilter // named sections from the config

	// Generations: every change of filter or data starts one; results of
	// older generations are dropped and their reads canceled.
	gen      uint64
	genCtx   context.Context
	cancel   context.CancelFunc
	inflight int // commands whose result has not come back

	tbl   window
	cols  []int // column widths for the current width
	cache *components.LineCache
	hist  histState

	fin   filterInput
	det   detail
	note  textinput.Model
	exp   exportForm
	marks map[string]struct{}
	order []string // marked ids in marking order

	noteIDs  []string // what the note input will triage
	noteFrom mode     // the mode the note input returns to

	changes        <-chan core.Change
	stopWatch      func()
	lastRefresh    time.Time
	refreshPending bool

	clip       io.Writer
	tmux       bool
	lastTaskID string

	unfoldKey key.Binding
	debounce  time.Duration // preview delay while typing a filter

	fp fieldsPanel // the fields panel (F)
	// The table's columns (columns.go), the column cursor, the sort
	// (sort.go), group-by mode (groupmode.go) and the column chooser
	// (columnchooser.go).
	columns   []tableCol
	rawFields []string // the columns' fields read from raw JSON
	colCur    int
	colMoved  bool        // the status line names the cursor's column once it moved
	sortOrder query.Order // nil: newest first
	grp       groupView
	chooser   columnChooser
	saves     *columnSaves // orders the column saves (columnchooser.go)
	colNote   string       // the status line's word on saving columns
	colErr    bool
}

// New builds the view. Reads start in Init.
func New(ctx *tui.Context) *Model {
	m := &Model{
		ctx:   ctx,
		st:    ctx.Styles,
		keys:  ctx.Keys,
		cache: components.NewLineCache(4096),
		marks: map[string]struct{}{},
		// o unfolds the raw member in the detail pane; tui.KeyMap has no
		// binding for it yet.
		unfoldKey: key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "unfold raw")),
		debounce:  previewDelay,
	}
	m.genCtx, m.cancel = context.WithCancel(context.Background())
	m.fin = newFilterInput()
	m.note = newTextInput("note: ", core.MaxNoteBytes)
	if ctx.Styles != nil && ctx.Styles.R != nil {
		m.clip = ctx.Styles.R.Output()
	} else {
		m.clip = os.Stdout
	}
	term := os.Getenv("TERM")
	m.tmux = os.Getenv("TMUX") != "" || strings.HasPrefix(term, "tmux") || strings.HasPrefix(term, "screen")
	m.saved = ctx.SavedFilters
	cols := DefaultColumns
	if len(ctx.Columns) > 0 {
		cols = ctx.Columns
	}
	m.setColumns(cols)
	m.rebuildFilter()
	return m
}

// SetSavedFilters replaces the saved filters (New takes them from the
// context's configuration). The filter input applies one as "@name".
func (m *Model) SetSavedFilters(fs []tui.SavedFilter) {
	m.saved = append([]tui.SavedFilter(nil), fs...)
}

// SetClipboard sets where OSC 52 copies are written (the session's output)
// and whether the terminal runs inside tmux (over SSH, from the session's
// environment: TERM=tmux-* or screen-*).
func (m *Model) SetClipboard(w io.Writer, tmux bool) { m.clip, m.tmux = w, tmux }

// Close stops the change notices.
func (m *Model) Close() {
	if m.stopWatch != nil {
		m.stopWatch()
		m.stopWatch = nil
	}
	m.cancel()
}

// Title is the tab label.
func (m *Model) Title() string { return "Activities" }

// Capturing reports text input: the filter, a note or the export form.
func (m *Model) Capturing() bool {
	return m.mode == modeFilter || m.mode == modeNote || m.mode == modeExport || m.mode == modeColumns || m.mode == modeFields && m.fp.searching
}

// SetSize gives the view its space.
func (m *Model) SetSize(width, height int) {
	m.fp.fullW = width
	width = m.tableWidth(width) // what the fields panel leaves
	resize := width != m.width
	m.width, m.height = width, height
	if resize {
		m.layout()
	}
	m.scrollIntoView()
	m.det.lines = nil
}

// Init starts watching the engine's change notices and reads the first page.
func (m *Model) Init() tea.Cmd {
	if m.changes == nil {
		m.changes, m.stopWatch = m.ctx.Engine.Watch()
	}
	return tea.Batch(waitChange(m.changes), m.reset())
}

// ShortHelp lists the keys of the current mode.
func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	switch m.mode {
	case modeFilter:
		return []key.Binding{relabel(k.Enter, "apply"), relabel(k.Back, "cancel"), relabel(k.NextTab, "complete"), key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "history"))}
	case modeNote:
		return []key.Binding{relabel(k.Enter, "save note"), relabel(k.Back, "cancel")}
	case modeExport:
		return []key.Binding{relabel(k.Enter, "export"), relabel(k.NextTab, "next field"), key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "change")),
			key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "tick format")), relabel(k.Back, "cancel")}
	case modeFields:
		return m.fieldsHelp()
	case modeColumns:
		return m.chooserHelp()
	case modeDetail:
		hs := []key.Binding{k.Up, k.Down, k.PageDown, k.FilterFor, k.FilterOut, m.unfoldKey, k.CopyID}
		if m.ctx.CanTriage {
			hs = append(hs, k.Reviewed, k.Escalated, k.Dismissed, k.Note)
		}
		return append(hs, k.Back)
	}
	if m.grp.on {
		return m.groupHelp()
	}
	hs := []key.Binding{k.Filter, k.TimeRange, k.FailedOnly, k.SuspiciousOnly, k.UntriagedOnly, k.Enter, k.Select}
	hs = append(hs, k.FieldsPanel)
	if m.ctx.CanTriage {
		hs = append(hs, k.Reviewed, k.Escalated, k.Dismissed, k.Note)
	}
	return append(hs, k.Export, k.CopyID, k.ColumnLeft, k.Sort, k.GroupBy, k.Columns)
}

func relabel(b key.Binding, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
}

func newTextInput(prompt string, limit int) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.CharLimit = limit
	in.ShowSuggestions = false
	in.Cursor.SetMode(cursor.CursorStatic) // no blink ticks: an idle view uses no CPU
	return in
}

// sanitize makes event or user text safe to draw.
func sanitize(s string) string { return render.Terminal(s) }

// newGen starts a generation: results of earlier ones are dropped and their
// reads canceled.
func (m *Model) newGen() {
	m.cancel()
	m.gen++
	m.genCtx, m.cancel = context.WithCancel(context.Background())
}

// busy reports work in flight (for tests and benchmarks).
func (m *Model) busy() bool {
	return m.inflight > 0 || m.refreshPending || m.fin.ticks > 0
}

// rebuildFilter recomputes the effective filter.
func (m *Model) rebuildFilter() {
	m.eff = m.effectiveWith(m.userFilter)
}

func (m *Model) effectiveWith(user query.Filter) query.Filter {
	var extra []query.Term
	if a := presets[m.preset].arg; a != "" {
		extra = append(extra, query.Term{Field: "created_at", Op: query.OpGe, Args: []string{a}, Pos: -1})
	}
	if m.failedOnly {
		extra = append(extra, termFailed)
	}
	if m.suspiciousOnly {
		extra = append(extra, termSuspicious)
	}
	if m.untriagedOnly {
		extra = append(extra, termUntriaged)
	}
	return withTerms(user, extra...)
}

// withTerms is f with more terms, all of which must hold.
func withTerms(f query.Filter, ts ...query.Term) query.Filter {
	terms := make([]query.Term, 0, len(f.Terms)+len(ts))
	terms = append(terms, f.Terms...)
	return query.Filter{Terms: append(terms, ts...)}
}

// Update handles keys for the current mode and the results of commands.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.SetSize(msg.Width, msg.Height)
		return m, m.prefetch()
	case tea.KeyMsg:
		return m, m.handleKey(msg)
	case pageMsg:
		m.inflight--
		cmd := m.onPage(msg)
		return m, tea.Batch(cmd, m.fieldsFollowTable())
	case fieldsCatalogMsg:
		m.onFieldsCatalog(msg)
		return m, nil
	case fieldValuesMsg:
		m.onFieldValues(msg)
		return m, nil
	case histMsg:
		m.inflight--
		if msg.gen == m.gen {
			m.hist.res, m.hist.err, m.hist.ok, m.hist.line = msg.res, msg.err, msg.err == nil, ""
		}
		return m, nil
	case catalogMsg:
		m.onCatalog(msg)
		m.chooserCatalog()
		return m, nil
	case groupMsg:
		m.inflight--
		m.onGroup(msg)
		return m, nil
	case columnsSavedMsg:
		m.inflight--
		m.onColumnsSaved(msg)
		return m, nil
	case previewTick:
		return m, m.onPreviewTick(msg)
	case previewMsg:
		m.inflight--
		if msg.seq == m.fin.seq {
			m.fin.preview, m.fin.previewErr, m.fin.hasPreview = msg.res, msg.err, true
			m.fin.warnings = msg.warnings
		}
		return m, nil
	case detailMsg:
		m.inflight--
		if msg.seq == m.det.seq {
			m.det.loading = false
			m.det.err = msg.err
			if msg.err == nil {
				a := msg.act
				m.det.act = &a
			}
			m.det.lines = nil
		}
		return m, nil
	case triageMsg:
		m.inflight--
		return m, m.onTriage(msg)
	case exportMsg:
		m.inflight--
		return m, m.onExport(msg)
	case changeMsg:
		cmds := []tea.Cmd{waitChange(m.changes)}
		if msg.activities {
			cmds = append(cmds, m.requestRefresh())
		}
		return m, tea.Batch(cmds...)
	case refreshTick:
		m.refreshPending = false
		m.lastRefresh = time.Now()
		return m, m.refresh()
	}
	return m, nil
}

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	switch m.mode {
	case modeFilter:
		return m.filterKey(msg)
	case modeNote:
		return m.noteKey(msg)
	case modeExport:
		return m.exportKey(msg)
	case modeDetail:
		return m.detailKey(msg)
	case modeFields:
		return m.fieldsKey(msg)
	case modeColumns:
		return m.chooserKey(msg)
	}
	if m.grp.on {
		if cmd, ok := m.groupKey(msg); ok {
			return cmd
		}
	}
	return m.tableKey(msg)
}

func (m *Model) tableKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Up):
		return m.move(-1)
	case key.Matches(msg, k.Down):
		return m.move(1)
	case key.Matches(msg, k.PageUp):
		return m.page(-1)
	case key.Matches(msg, k.PageDown):
		return m.page(1)
	case key.Matches(msg, k.Top):
		return m.home()
	case key.Matches(msg, k.Bottom):
		return m.end()
	case key.Matches(msg, k.Enter):
		if a := m.cursorRow(); a != nil {
			return m.openDetail(a.EventID)
		}
	case key.Matches(msg, k.Back):
		m.clearMarks()
	case key.Matches(msg, k.Filter):
		return m.openFilter()
	case key.Matches(msg, k.FieldsPanel):
		return m.openFields()
	case key.Matches(msg, k.Select):
		if a := m.cursorRow(); a != nil {
			m.toggleMark(a.EventID)
			return m.move(1)
		}
	case key.Matches(msg, k.Reviewed):
		return m.triage(core.StateReviewed, nil)
	case key.Matches(msg, k.Escalated):
		return m.triage(core.StateEscalated, nil)
	case key.Matches(msg, k.Dismissed):
		return m.triage(core.StateDismissed, nil)
	case key.Matches(msg, k.Note):
		return m.openNote(nil)
	case key.Matches(msg, k.Export):
		return m.openExport()
	case key.Matches(msg, k.CopyID):
		if a := m.cursorRow(); a != nil {
			return m.copyID(a.EventID)
		}
	case key.Matches(msg, k.TimeRange):
		m.preset = (m.preset + 1) % len(presets)
		return m.applyFilter()
	case key.Matches(msg, k.FailedOnly):
		m.failedOnly = !m.failedOnly
		return m.applyFilter()
	case key.Matches(msg, k.SuspiciousOnly):
		m.suspiciousOnly = !m.suspiciousOnly
		return m.applyFilter()
	case key.Matches(msg, k.UntriagedOnly):
		m.untriagedOnly = !m.untriagedOnly
		return m.applyFilter()
	case key.Matches(msg, k.ColumnLeft):
		m.moveColumnCursor(-1)
	case key.Matches(msg, k.ColumnRight):
		m.moveColumnCursor(1)
	case key.Matches(msg, k.Sort):
		return m.sortByCursor()
	case key.Matches(msg, k.GroupBy):
		return m.openGroup(m.columns[m.colCur].field)
	case key.Matches(msg, k.Columns):
		return m.openChooser()
	}
	return nil
}

// applyFilter runs the changed filter as a new generation.
func (m *Model) applyFilter() tea.Cmd {
	m.rebuildFilter()
	m.clearMarks()
	return m.reset()
}

func (m *Model) toggleMark(id string) {
	if _, ok := m.marks[id]; ok {
		delete(m.marks, id)
		for i, x := range m.order {
			if x == id {
				m.order = append(m.order[:i], m.order[i+1:]...)
				break
			}
		}
		return
	}
	m.marks[id] = struct{}{}
	m.order = append(m.order, id)
}

func (m *Model) clearMarks() {
	if len(m.marks) > 0 {
		clear(m.marks)
		m.order = m.order[:0]
	}
}

// View draws the current mode.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	switch m.mode {
	case modeDetail:
		return m.viewDetail()
	case modeNote:
		if m.noteFrom == modeDetail {
			return m.viewDetail()
		}
	case modeExport:
		return m.viewExport()
	case modeFields:
		return m.viewFields()
	case modeColumns:
		return m.viewChooser()
	}
	return m.viewTable()
}
