package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/auditdeck/auditdeck/tui/components"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// maxHistory is how many applied filters the input remembers.
const maxHistory = 50

// filterInput is the "/" input: the DSL with live errors, completion,
// history and a debounced preview of the count and histogram.
type filterInput struct {
	in     textinput.Model
	err    error
	errPos int      // byte offset of the error in the input; -1 unknown
	cands  []string // completions offered by the last tab
	hist   []string // applied filters, newest first
	hidx   int      // -1: editing; else the history entry shown
	draft  string   // the text being edited while walking history

	seq        uint64 // preview generation
	ticks      int    // debounce ticks outstanding
	cancel     context.CancelFunc
	preview    core.HistogramResult
	previewErr error
	hasPreview bool
	warnings   []string // of the previewed filter: fields no stored event has

	catalog *core.FieldCatalog // the stored events' fields, loaded when the input opens
	hints   []string           // completions of the word at the cursor, shown as it is typed
}

// catalogMsg brings the field catalog read for completion.
type catalogMsg struct{ cat *core.FieldCatalog }

type previewTick struct{ seq uint64 }

type previewMsg struct {
	seq      uint64
	res      core.HistogramResult
	err      error
	warnings []string
}

func newFilterInput() filterInput {
	in := newTextInput("/ ", 4000)
	return filterInput{in: in, hidx: -1, errPos: -1}
}

// completion words
var (
	schemaFields = func() []string {
		fs := core.ActivitySchema.Fields()
		for _, o := range core.ActivitySchema.OpenObjects() {
			fs = append(fs, o+".")
		}
		return fs
	}()
	opWords = []string{"eq", "ne", "gt", "ge", "lt", "le", "in", "iin", "contains", "icontains", "isnull"}
)

func (m *Model) openFilter() tea.Cmd {
	m.mode = modeFilter
	f := &m.fin
	v := m.filterText
	if m.filterName != "" {
		v = "@" + m.filterName
	}
	f.in.SetValue(v)
	f.in.CursorEnd()
	f.hidx, f.cands, f.hasPreview = -1, nil, false
	m.scrollIntoView()
	return tea.Batch(f.in.Focus(), m.onInputChanged(), m.loadCatalog())
}

// loadCatalog reads the field catalog for completion off the update loop;
// it is read again each time the input opens, as ingest adds fields.
func (m *Model) loadCatalog() tea.Cmd {
	eng := m.ctx.Engine
	ctx, cancel := m.ctx.ReadContext(context.Background())
	m.inflight++
	return func() tea.Msg {
		defer cancel()
		cat, err := eng.Fields(ctx)
		if err != nil {
			cat = nil // completion falls back to the schema's fields
		}
		return catalogMsg{cat: cat}
	}
}

// onCatalog takes a loaded catalog.
func (m *Model) onCatalog(msg catalogMsg) {
	m.inflight--
	if msg.cat != nil {
		m.fin.catalog = msg.cat
	}
	m.updateHints()
}

// updateHints lists the completions of the word at the cursor.
func (m *Model) updateHints() {
	f := &m.fin
	v := f.in.Value()
	f.hints = nil
	if m.mode != modeFilter {
		return
	}
	pos := runeOffset(v, f.in.Position())
	if pos < len(v) && isWordChar(v[pos]) || wordStart(v, pos) == pos {
		return // inside a word, or no word begun
	}
	f.hints = candidatesAt(v, pos, m.savedNames(), f.catalog)
}

func (m *Model) closeFilter() {
	f := &m.fin
	f.in.Blur()
	if f.cancel != nil {
		f.cancel()
		f.cancel = nil
	}
	f.seq++ // drop previews in flight
	f.cands, f.hints = nil, nil
	m.mode = modeTable
	m.scrollIntoView()
}

func (m *Model) filterKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	f := &m.fin
	arrow := msg.Type != tea.KeyRunes // letters bound to moves still type
	switch {
	case key.Matches(msg, k.Enter):
		return m.applyInput()
	case key.Matches(msg, k.Back):
		m.closeFilter()
		return nil
	case key.Matches(msg, k.NextTab):
		m.complete()
		return m.onInputChanged()
	case arrow && key.Matches(msg, k.Up):
		if f.hidx+1 < len(f.hist) {
			if f.hidx < 0 {
				f.draft = f.in.Value()
			}
			f.hidx++
			f.in.SetValue(f.hist[f.hidx])
			f.in.CursorEnd()
			return m.onInputChanged()
		}
		return nil
	case arrow && key.Matches(msg, k.Down):
		if f.hidx >= 0 {
			f.hidx--
			if f.hidx < 0 {
				f.in.SetValue(f.draft)
			} else {
				f.in.SetValue(f.hist[f.hidx])
			}
			f.in.CursorEnd()
			return m.onInputChanged()
		}
		return nil
	}
	before := f.in.Value()
	var cmd tea.Cmd
	f.in, cmd = f.in.Update(msg)
	if f.in.Value() != before {
		f.cands = nil
		return tea.Batch(cmd, m.onInputChanged())
	}
	return cmd
}

// onInputChanged checks the text at once (parsing is cheap and local) and
// debounces the preview read.
func (m *Model) onInputChanged() tea.Cmd {
	f := &m.fin
	_, _, f.err, f.errPos = m.checkFilter(f.in.Value())
	f.warnings = nil
	m.updateHints()
	f.seq++
	if f.cancel != nil {
		f.cancel()
		f.cancel = nil
	}
	if f.err != nil {
		f.hasPreview = false
		return nil
	}
	f.ticks++
	seq := f.seq
	return tea.Tick(m.debounce, func(time.Time) tea.Msg { return previewTick{seq: seq} })
}

func (m *Model) onPreviewTick(msg previewTick) tea.Cmd {
	f := &m.fin
	f.ticks--
	if msg.seq != f.seq || m.mode != modeFilter {
		return nil
	}
	uf, _, err, _ := m.checkFilter(f.in.Value())
	if err != nil {
		return nil
	}
	eff := m.effectiveWith(uf)
	ctx, cancel := m.ctx.ReadContext(context.Background())
	f.cancel = cancel
	seq, eng, tctx := f.seq, m.ctx.Engine, m.ctx
	m.inflight++
	return func() tea.Msg {
		res, err := eng.Histogram(ctx, eff, histBuckets)
		return previewMsg{seq: seq, res: res, err: tctx.ReadError(err), warnings: eng.FilterWarnings(ctx, uf)}
	}
}

// checkFilter parses and compiles the input: a DSL filter or "@name" of a
// saved filter. pos is the byte offset of an error in text, or -1.
func (m *Model) checkFilter(text string) (f query.Filter, name string, err error, pos int) {
	if t := strings.TrimSpace(text); strings.HasPrefix(t, "@") {
		name = t[1:]
		for _, s := range m.saved {
			if !strings.EqualFold(s.Name, name) {
				continue
			}
			name = s.Name
			f, err = query.ParseDSL(s.Filter)
			if err == nil {
				_, err = m.ctx.Engine.Compile(f)
			}
			if err != nil {
				return query.Filter{}, "", fmt.Errorf("saved filter %q: %s", name, errText(err)), -1
			}
			return f, name, nil, -1
		}
		return query.Filter{}, "", fmt.Errorf("no saved filter named %q", name), strings.IndexByte(text, '@')
	}
	f, err = query.ParseDSL(text)
	if err == nil {
		_, err = m.ctx.Engine.Compile(f)
	}
	if err != nil {
		return query.Filter{}, "", err, errPos(err)
	}
	return f, "", nil, -1
}

func errPos(err error) int {
	var se *query.SyntaxError
	if errors.As(err, &se) {
		return se.Pos
	}
	var fe *query.FieldError
	if errors.As(err, &fe) {
		return fe.Pos
	}
	return -1
}

// errText is an error without its "filter: " prefix.
func errText(err error) string {
	return strings.TrimPrefix(err.Error(), "filter: ")
}

func (m *Model) applyInput() tea.Cmd {
	f := &m.fin
	v := f.in.Value()
	uf, name, err, pos := m.checkFilter(v)
	if err != nil {
		f.err, f.errPos = err, pos
		return nil
	}
	m.pushHistory(strings.TrimSpace(v))
	m.filterName = name
	m.filterText = strings.TrimSpace(v)
	if name != "" {
		for _, s := range m.saved {
			if s.Name == name {
				m.filterText = s.Filter
				break
			}
		}
	}
	m.userFilter = uf
	m.closeFilter()
	return m.applyFilter()
}

func (m *Model) pushHistory(v string) {
	if v == "" {
		return
	}
	f := &m.fin
	f.hist = slices.DeleteFunc(f.hist, func(h string) bool { return h == v })
	f.hist = slices.Insert(f.hist, 0, v)
	if len(f.hist) > maxHistory {
		f.hist = f.hist[:maxHistory]
	}
	f.hidx = -1
}

// History returns the applied filters, newest first (at most 50).
func (m *Model) History() []string { return slices.Clone(m.fin.hist) }

func (m *Model) complete() {
	f := &m.fin
	v := f.in.Value()
	pos := runeOffset(v, f.in.Position())
	nv, npos, cands := completeAt(v, pos, m.savedNames(), f.catalog)
	if nv != v {
		f.in.SetValue(nv)
		f.in.SetCursor(utf8.RuneCountInString(nv[:npos]))
	}
	f.cands = cands
}

func (m *Model) savedNames() []string {
	names := make([]string, len(m.saved))
	for i, s := range m.saved {
		names[i] = s.Name
	}
	return names
}

// runeOffset converts a rune position to a byte offset.
func runeOffset(s string, runes int) int {
	i := 0
	for n := 0; n < runes && i < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

func isWordChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '@' || c == '$' || c == '-' || c == '.'
}

// maxCompletions bounds the candidates offered (a catalog may hold
// thousands of paths; the line shows a few).
const maxCompletions = 200

// wordStart is where the word ending at byte pos of v begins.
func wordStart(v string, pos int) int {
	start := pos
	for start > 0 && isWordChar(v[start-1]) {
		start--
	}
	return start
}

// candidatesAt lists the completions of the word that ends at byte pos of
// v: field names (the schema's and the stored events', from cat, which may
// be nil), operators after a field, enum or boolean values inside an
// argument list, or saved filters' names after "@".
func candidatesAt(v string, pos int, saved []string, cat *core.FieldCatalog) []string {
	start := wordStart(v, pos)
	tok := v[start:pos]
	var cands []string
	add := func(words []string, prefix string) {
		for _, w := range words {
			if strings.HasPrefix(w, prefix) {
				cands = append(cands, w)
			}
		}
	}
	open, closed := strings.LastIndexByte(v[:start], '('), strings.LastIndexByte(v[:start], ')')
	switch {
	case open > closed:
		// Inside an argument list: values of the field before the operator.
		fs := open
		for fs > 0 && isWordChar(v[fs-1]) {
			fs--
		}
		fieldOp := v[fs:open]
		if i := strings.LastIndexByte(fieldOp, '.'); i > 0 {
			field := fieldOp[:i]
			_, stored := cat.HasField(field)
			if vals := core.ActivitySchema.Enum(field); len(vals) > 0 {
				add(vals, tok)
			} else if t, err := core.ActivitySchema.Lookup(field); err == nil && t == query.TypeBool || stored {
				add([]string{"true", "false"}, tok)
			}
		}
	case strings.HasPrefix(tok, "@") && start == strings.IndexFunc(v, func(r rune) bool { return r != ' ' }):
		for _, s := range saved {
			if len(s) >= len(tok)-1 && strings.EqualFold(s[:len(tok)-1], tok[1:]) {
				cands = append(cands, "@"+s)
			}
		}
	default:
		add(schemaFields, tok)
		for _, fi := range cat.WithPrefix(tok) {
			if len(cands) >= maxCompletions {
				break
			}
			if !slices.Contains(schemaFields, fi.Path) {
				cands = append(cands, fi.Path)
			}
		}
		if i := strings.LastIndexByte(tok, '.'); i > 0 && (slices.Contains(schemaFields, tok[:i]) || isLeaf(cat, tok[:i])) {
			for _, op := range opWords {
				if strings.HasPrefix(op, tok[i+1:]) {
					w := tok[:i+1] + op + "("
					if op == "isnull" {
						w += ")"
					}
					cands = append(cands, w)
				}
			}
		}
	}
	if len(cands) > 1 {
		cands = slices.DeleteFunc(cands, func(c string) bool { return c == tok })
	}
	return cands
}

// isLeaf: the stored events have path as a field (not only as an object).
func isLeaf(cat *core.FieldCatalog, path string) bool {
	_, ok := cat.Lookup(path)
	return ok
}

// completeAt completes the word that ends at byte pos of v with the longest
// common prefix of its candidates (see candidatesAt). It returns the new
// text and position, and the candidates when more than one remains.
func completeAt(v string, pos int, saved []string, cat *core.FieldCatalog) (string, int, []string) {
	start := wordStart(v, pos)
	tok := v[start:pos]
	cands := candidatesAt(v, pos, saved, cat)
	if len(cands) == 0 {
		return v, pos, nil
	}
	common := cands[0]
	for _, c := range cands[1:] {
		n := 0
		for n < len(common) && n < len(c) && common[n] == c[n] {
			n++
		}
		common = common[:n]
	}
	if len(common) > len(tok) {
		v = v[:start] + common + v[pos:]
		pos = start + len(common)
	}
	if len(cands) == 1 {
		return v, pos, nil
	}
	return v, pos, cands
}

// renderedInput is a one-line text input drawn by the view itself, so the
// error caret can be placed under the exact cell.
type renderedInput struct {
	line    string
	off     int // cells scrolled off on the left
	promptW int
}

func inputLine(prompt, value string, pos, width int, st *tui.Styles) renderedInput {
	rs := []rune(value)
	pos = min(max(pos, 0), len(rs))
	before := sanitize(string(rs[:pos]))
	at, after := " ", ""
	if pos < len(rs) {
		at, after = sanitize(string(rs[pos])), sanitize(string(rs[pos+1:]))
	}
	pw := ansi.StringWidth(prompt)
	avail := max(1, width-pw)
	off := 0
	if c := ansi.StringWidth(before); c >= avail {
		off = c - avail + 1
	}
	text := before + st.Selected.Render(at) + after
	if off > 0 || ansi.StringWidth(text) > avail {
		text = ansi.Cut(text, off, off+avail)
	}
	return renderedInput{line: st.Title.Render(prompt) + text, off: off, promptW: pw}
}

// viewFilterPanel draws the input, the error caret or the preview, and the
// completions, saved filters or recent filters.
func (m *Model) viewFilterPanel() string {
	f := &m.fin
	st := m.st
	v := f.in.Value()
	ri := inputLine(f.in.Prompt, v, f.in.Position(), m.width, st)
	var l2, l3msg string
	caret := false
	switch {
	case f.err != nil && f.errPos >= 0:
		p := min(f.errPos, len(v))
		col := ri.promptW + ansi.StringWidth(sanitize(v[:p])) - ri.off
		col = min(max(col, 0), m.width-1)
		msg := sanitize(errText(f.err))
		caret = col+2+ansi.StringWidth(msg) > m.width
		if !caret {
			l2 = components.Spaces(col) + st.Error.Render("^ "+msg)
		} else {
			// No room beside the caret: the message takes the next line.
			l2 = components.Spaces(col) + st.Error.Render("^")
			l3msg = st.Error.Render("✗ " + msg)
		}
	case f.err != nil:
		l2 = st.Error.Render(components.FitLine("✗ "+sanitize(errText(f.err)), m.width))
	case f.hasPreview && f.previewErr != nil:
		l2 = st.Error.Render(components.FitLine(sanitize(f.previewErr.Error()), m.width))
	case f.hasPreview:
		l2 = m.sparkline(f.preview, "matches", m.width)
	default:
		l2 = st.Dim.Render("✓ counting…")
	}
	var l3 string
	switch {
	case caret:
		l3 = l3msg
	case len(f.cands) > 0:
		l3 = st.Dim.Render("complete: ") + sanitize(strings.Join(f.cands, "  "))
	case len(f.warnings) > 0:
		l3 = st.Suspicious.Render("⚠ " + sanitize(strings.Join(f.warnings, " · ")))
	case len(f.hints) > 0:
		l3 = st.Dim.Render("tab: ") + sanitize(strings.Join(f.hints, "  "))
	default:
		var parts []string
		if len(m.saved) > 0 {
			names := make([]string, len(m.saved))
			for i, s := range m.saved {
				names[i] = "@" + sanitize(s.Name)
			}
			parts = append(parts, st.Title.Render("saved")+" "+strings.Join(names, "  "))
		}
		if len(f.hist) > 0 {
			n := min(len(f.hist), 3)
			rec := make([]string, n)
			for i := range rec {
				rec[i] = sanitize(f.hist[i])
			}
			parts = append(parts, st.Title.Render("recent")+" "+strings.Join(rec, " │ "))
		}
		if len(parts) == 0 {
			parts = append(parts, st.Dim.Render("field.op(arg), …  e.g. event_type.eq(login),!operation_successful · tab completes fields"))
		}
		l3 = strings.Join(parts, "   ")
	}
	return components.FitLine(ri.line, m.width) + "\n" + components.FitLine(l2, m.width) + "\n" + components.FitLine(l3, m.width)
}
