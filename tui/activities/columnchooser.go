package activities

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/auditdeck/auditdeck/tui/components"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// The column chooser (C): every field the table can show, the built-in
// ones and those of the store's field catalog, with the current columns
// ticked and listed first in their order. Typing searches; a typed path no
// event has yet (raw.a.b) can still be added. Space ticks, [ and ] (or
// shift+up/down) move a ticked column left or right, enter applies and
// saves, esc cancels.

type columnChooser struct {
	chosen []string // the ticked fields, in column order
	fields []string // every field offered: built-in, then the catalog's
	info   map[string]core.FieldInfo
	search string
	items  []string // the fields shown for the search
	cur    int
	top    int
	err    string
}

// columnsSavedMsg is a save's outcome; gen is the apply it saved.
type columnsSavedMsg struct {
	err error
	gen uint64
}

// columnSaves puts a session's saves in the order the user applied them:
// each runs in its own command, so without it a slow first save could
// finish after a second and leave the older columns in the file.
type columnSaves struct {
	mu     sync.Mutex    // one save writes at a time
	latest atomic.Uint64 // the last apply's gen
}

// openChooser opens the chooser on the current columns and reads the
// field catalog (the filter's completion keeps the last one read).
func (m *Model) openChooser() tea.Cmd {
	m.chooser = columnChooser{chosen: fieldsOf(m.columns)}
	m.mode = modeColumns
	m.chooserCatalog()
	return m.loadCatalog()
}

// chooserCatalog builds the offered fields from the registry and the
// catalog read last.
func (m *Model) chooserCatalog() {
	c := &m.chooser
	if m.mode != modeColumns {
		return
	}
	seen := map[string]bool{}
	c.fields = c.fields[:0]
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			c.fields = append(c.fields, p)
		}
	}
	for _, f := range core.BuiltinFields {
		add(f.Path)
	}
	c.info = map[string]core.FieldInfo{}
	for _, f := range m.fin.catalog.Fields() {
		if _, err := core.ActivitySchema.Lookup(f.Path); err != nil {
			continue // not a path a column can name
		}
		c.info[f.Path] = f
		add(f.Path)
	}
	m.chooserFilter()
}

// chooserFilter lists the fields matching the search: the ticked ones in
// column order, then the rest; a typed path the list lacks comes last.
func (m *Model) chooserFilter() {
	c := &m.chooser
	q := strings.ToLower(c.search)
	c.items = c.items[:0]
	for _, f := range c.chosen {
		if strings.Contains(strings.ToLower(f), q) {
			c.items = append(c.items, f)
		}
	}
	for _, f := range c.fields {
		if !slices.Contains(c.chosen, f) && strings.Contains(strings.ToLower(f), q) {
			c.items = append(c.items, f)
		}
	}
	if s := c.search; s != "" && !slices.Contains(c.items, s) {
		if _, err := core.ActivitySchema.Lookup(s); err == nil {
			c.items = append(c.items, s)
		}
	}
	c.cur = max(0, min(c.cur, len(c.items)-1))
	m.scrollChooser()
}

func (m *Model) chooserRows() int { return max(1, m.height-3) }

func (m *Model) scrollChooser() {
	c := &m.chooser
	vis := m.chooserRows()
	c.top = components.ScrollTop(c.cur, c.top, vis, len(c.items))
}

func (m *Model) chooserKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	c := &m.chooser
	moveTo := func(i int) {
		c.cur = max(0, min(i, len(c.items)-1))
		m.scrollChooser()
	}
	switch {
	case key.Matches(msg, k.Back):
		m.mode = modeTable
	case key.Matches(msg, k.Enter):
		return m.applyChooser()
	case msg.Type == tea.KeySpace || msg.String() == " ":
		m.toggleChosen()
	case key.Matches(msg, k.MoveEarlier):
		m.moveChosen(-1)
	case key.Matches(msg, k.MoveLater):
		m.moveChosen(1)
	case msg.Type == tea.KeyUp || msg.String() == "ctrl+p":
		moveTo(c.cur - 1)
	case msg.Type == tea.KeyDown || msg.String() == "ctrl+n":
		moveTo(c.cur + 1)
	case msg.Type == tea.KeyPgUp:
		moveTo(c.cur - m.chooserRows())
	case msg.Type == tea.KeyPgDown:
		moveTo(c.cur + m.chooserRows())
	case msg.Type == tea.KeyBackspace:
		if r := []rune(c.search); len(r) > 0 {
			c.search = string(r[:len(r)-1])
			c.cur = 0
			m.chooserFilter()
		}
	case msg.Type == tea.KeyRunes:
		// Field paths are letters, digits, "_", "." and "-".
		for _, r := range msg.Runes {
			if r < 0x80 && (r == '.' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') && len(c.search) < 200 {
				c.search += string(r)
			}
		}
		c.cur = 0
		m.chooserFilter()
	}
	return nil
}

func (m *Model) toggleChosen() {
	c := &m.chooser
	if c.cur >= len(c.items) {
		return
	}
	f := c.items[c.cur]
	c.err = ""
	if i := slices.Index(c.chosen, f); i >= 0 {
		c.chosen = slices.Delete(c.chosen, i, i+1)
	} else if len(c.chosen) >= tui.MaxColumns {
		c.err = fmt.Sprintf("at most %d columns", tui.MaxColumns)
		return
	} else {
		c.chosen = append(c.chosen, f)
	}
	m.chooserFilter()
	if i := slices.Index(c.items, f); i >= 0 {
		c.cur = i
		m.scrollChooser()
	}
}

// moveChosen moves the highlighted ticked column d places in the order.
func (m *Model) moveChosen(d int) {
	c := &m.chooser
	if c.cur >= len(c.items) {
		return
	}
	f := c.items[c.cur]
	i := slices.Index(c.chosen, f)
	if i < 0 || i+d < 0 || i+d >= len(c.chosen) {
		return
	}
	c.chosen[i], c.chosen[i+d] = c.chosen[i+d], c.chosen[i]
	m.chooserFilter()
	c.cur = slices.Index(c.items, f)
	m.scrollChooser()
}

// applyChooser makes the ticked fields the columns, reads the rows again
// when a new column needs raw JSON, and saves the columns.
func (m *Model) applyChooser() tea.Cmd {
	c := &m.chooser
	if len(c.chosen) == 0 {
		c.err = "tick at least one column (space)"
		return nil
	}
	if err := tui.ValidateColumns(c.chosen); err != nil {
		c.err = err.Error()
		return nil
	}
	cols := slices.Clone(c.chosen)
	prevRaw := m.rawFields
	prevCur := ""
	if m.colCur < len(m.columns) {
		prevCur = m.columns[m.colCur].field
	}
	m.setColumns(cols)
	if i := slices.Index(cols, prevCur); i >= 0 {
		m.colCur = i
	}
	m.mode = modeTable
	var cmds []tea.Cmd
	if !slices.Equal(prevRaw, m.rawFields) {
		// The held rows' raw cells are of the old columns: read them again.
		m.tbl.cells = nil
		if len(m.rawFields) > 0 {
			cmds = append(cmds, m.refresh())
		}
	}
	save := m.ctx.SaveColumns
	if save == nil {
		m.colNote, m.colErr = "columns kept for this session", false
		return tea.Batch(cmds...)
	}
	m.colNote, m.colErr = "saving columns…", false
	m.inflight++
	if m.saves == nil {
		m.saves = &columnSaves{}
	}
	saves := m.saves
	gen := saves.latest.Add(1)
	cmds = append(cmds, func() tea.Msg {
		saves.mu.Lock()
		defer saves.mu.Unlock()
		if saves.latest.Load() != gen {
			return columnsSavedMsg{gen: gen} // a later apply saves its own columns
		}
		return columnsSavedMsg{err: save(cols), gen: gen}
	})
	return tea.Batch(cmds...)
}

func (m *Model) onColumnsSaved(msg columnsSavedMsg) {
	if m.saves == nil || msg.gen != m.saves.latest.Load() {
		return // an older apply's outcome: the newer one's note stays
	}
	if msg.err != nil {
		m.colNote, m.colErr = "columns not saved: "+msg.err.Error(), true
		return
	}
	m.colNote, m.colErr = "columns saved", false
}

func (m *Model) chooserHelp() []key.Binding {
	k := m.keys
	hs := []key.Binding{
		key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "move")),
		key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "tick")),
		k.MoveEarlier, k.MoveLater,
		relabel(k.Enter, "apply"), relabel(k.Back, "cancel"),
	}
	if m.ctx.SaveColumns == nil {
		// Not a key: the help line is where an operator looks for what
		// enter will do.
		hs[4] = relabel(k.Enter, "apply (this session only)")
	}
	return hs
}

// viewChooser draws the chooser over the whole view.
func (m *Model) viewChooser() string {
	c := &m.chooser
	st := m.st
	var b strings.Builder
	b.WriteString(components.FitLine(st.Title.Render("columns")+"  "+st.Dim.Render(fmt.Sprintf("%d chosen; type to search: ", len(c.chosen)))+st.Cursor.Render(c.search+"▏"), m.width))
	b.WriteByte('\n')
	nameW := max(12, m.width/2-4)
	b.WriteString(st.Title.Render(components.FitLine("    #  FIELD"+components.Spaces(nameW-5)+"TYPES      EVENTS", m.width)))
	vis := m.chooserRows()
	n := 0
	for i := c.top; i < len(c.items) && n < vis; i++ {
		f := c.items[i]
		box, pos := "[ ]", "  "
		if j := slices.Index(c.chosen, f); j >= 0 {
			box, pos = "[x]", fmt.Sprintf("%2d", j+1)
		}
		meta := ""
		if fi, ok := c.info[f]; ok {
			meta = fmt.Sprintf("%-10s %s", strings.Join(fi.Types, ","), thousands(fi.Rows))
		} else if _, known := knownLayouts[f]; !known && !slices.Contains(c.fields, f) {
			meta = "(no event has it yet)"
		}
		line := box + pos + " " + components.FitCell(sanitize(f), nameW) + " " + sanitize(meta)
		line = components.FitLine(line, m.width)
		if i == c.cur {
			line = st.Selected.Render(components.FitCell(line, m.width))
		}
		b.WriteByte('\n')
		b.WriteString(line)
		n++
	}
	if len(c.items) == 0 {
		b.WriteByte('\n')
		b.WriteString(st.Dim.Render(components.FitLine("  no field matches "+sanitize(c.search), m.width)))
		n++
	}
	for ; n < vis; n++ {
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	if c.err != "" {
		b.WriteString(st.Error.Render(components.FitLine(sanitize(c.err), m.width)))
	} else {
		hint := "space tick · [ ] move left/right · enter apply and save · esc cancel"
		if m.ctx.SaveColumns == nil {
			hint = "space tick · [ ] move left/right · enter apply (kept for this session: no config file) · esc cancel"
		}
		b.WriteString(st.Dim.Render(components.FitLine(hint, m.width)))
	}
	return b.String()
}
