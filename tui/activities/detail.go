package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/auditdeck/auditdeck/tui/components"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// detail is the pane that shows one event as pretty, coloured JSON.
type detail struct {
	seq     uint64
	id      string
	act     *core.Activity
	err     error
	loading bool
	unfold  bool                  // raw shown in full
	lines   []string              // rendered and wrapped for the width; nil: rebuild
	leaves  []components.JSONLeaf // the leaf each line shows (a wrapped leaf on each of its lines)
	off     int                   // first line shown
	cur     int                   // the line cursor: + and - filter by its leaf
	placed  bool                  // the cursor was put on the first value
}

type detailMsg struct {
	seq uint64
	act core.Activity
	err error
}

func (m *Model) openDetail(id string) tea.Cmd {
	m.det = detail{seq: m.det.seq + 1, id: id, loading: true}
	m.mode = modeDetail
	return m.loadDetail()
}

// loadDetail reads the event with its raw JSON (again, after a triage).
func (m *Model) loadDetail() tea.Cmd {
	seq, id, eng := m.det.seq, m.det.id, m.ctx.Engine
	m.inflight++
	return func() tea.Msg {
		as, err := eng.Get(context.Background(), []string{id}, true)
		if err == nil && len(as) == 0 {
			err = fmt.Errorf("event %q no longer exists", id)
		}
		var a core.Activity
		if len(as) > 0 {
			a = as[0]
		}
		return detailMsg{seq: seq, act: a, err: err}
	}
}

func (m *Model) detailRows() int { return max(1, m.height-2) }

func (m *Model) detailKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	d := &m.det
	n := len(m.detailLines())
	rows := m.detailRows()
	// The cursor moves and the view follows it; a page moves both.
	moveTo := func(to, off int) {
		d.cur = max(0, min(to, n-1))
		d.off = max(0, min(off, n-rows))
		if d.cur < d.off {
			d.off = d.cur
		}
		if d.cur >= d.off+rows {
			d.off = d.cur - rows + 1
		}
	}
	switch {
	case key.Matches(msg, k.Back):
		m.mode = modeTable
	case key.Matches(msg, k.Up):
		moveTo(d.cur-1, d.off)
	case key.Matches(msg, k.Down):
		moveTo(d.cur+1, d.off)
	case key.Matches(msg, k.PageUp):
		moveTo(d.cur-rows, d.off-rows)
	case key.Matches(msg, k.PageDown):
		moveTo(d.cur+rows, d.off+rows)
	case key.Matches(msg, k.Top):
		moveTo(0, 0)
	case key.Matches(msg, k.Bottom):
		moveTo(n, n)
	case key.Matches(msg, k.FilterFor), key.Matches(msg, k.FilterOut):
		return m.filterByLine(key.Matches(msg, k.FilterOut))
	case key.Matches(msg, m.unfoldKey):
		d.unfold = !d.unfold
		d.lines = nil
	case key.Matches(msg, k.CopyID):
		return m.copyID(d.id)
	case key.Matches(msg, k.Reviewed):
		return m.triage(core.StateReviewed, []string{d.id})
	case key.Matches(msg, k.Escalated):
		return m.triage(core.StateEscalated, []string{d.id})
	case key.Matches(msg, k.Dismissed):
		return m.triage(core.StateDismissed, []string{d.id})
	case key.Matches(msg, k.Note):
		return m.openNote([]string{d.id})
	}
	return nil
}

// detailLines renders the event: the stored item plus its triage, with
// every string made safe for the terminal and "raw" folded unless unfolded.
func (m *Model) detailLines() []string {
	d := &m.det
	if d.lines != nil || d.act == nil {
		return d.lines
	}
	st := m.st
	js := components.JSONStyles{Key: st.JSONKey, String: st.JSONString, Number: st.JSONNumber, Literal: st.JSONLiteral, Punct: st.Dim, Hint: st.Dim}
	opts := components.JSONOptions{Text: sanitize}
	if !d.unfold {
		opts.Fold = map[string]bool{"raw": true}
		opts.FoldHint = "(press " + m.unfoldKey.Help().Key + " to unfold)"
	}
	doc := core.NDJSONLine(nil, d.act)
	lines, leaves, err := components.JSONLeafLines(doc, js, opts)
	if err != nil {
		lines = []string{st.Error.Render("not valid JSON: " + sanitize(err.Error())), sanitize(string(doc))}
		leaves = make([]components.JSONLeaf, len(lines))
	}
	w := max(m.width-detailGutter, 8)
	out := make([]string, 0, len(lines))
	outLeaves := make([]components.JSONLeaf, 0, len(lines))
	for i, l := range lines {
		if ansi.StringWidth(l) <= w {
			out = append(out, l)
			outLeaves = append(outLeaves, leaves[i])
			continue
		}
		for _, part := range strings.Split(ansi.Wrap(l, w, ""), "\n") {
			out = append(out, part)
			outLeaves = append(outLeaves, leaves[i])
		}
	}
	d.lines, d.leaves = out, outLeaves
	d.off = max(0, min(d.off, len(out)-m.detailRows()))
	if !d.placed {
		// Start on the first value (event_id), not on the opening brace.
		d.placed = true
		for i, l := range outLeaves {
			if l.Kind != components.JSONNone {
				d.cur = i
				break
			}
		}
	}
	d.cur = max(0, min(d.cur, len(out)-1))
	return out
}

// detailGutter is the cursor column left of the JSON lines.
const detailGutter = 2

// filterByLine filters for (or against) the leaf on the cursor line, by
// its path with array indexes left out, and goes back to the table to show
// the result.
func (m *Model) filterByLine(negate bool) tea.Cmd {
	d := &m.det
	m.detailLines()
	if d.cur < 0 || d.cur >= len(d.leaves) || d.leaves[d.cur].Kind == components.JSONNone {
		return tui.ToastCmd("this line holds no single value: move to a value to filter by it", true)
	}
	leaf := d.leaves[d.cur]
	v := core.AggValue{Text: leaf.Value}
	switch leaf.Kind {
	case components.JSONString:
		v.Kind = query.LeafString
	case components.JSONNumber:
		v.Kind = query.LeafNumber
	case components.JSONTrue:
		v.Kind = query.LeafTrue
	case components.JSONFalse:
		v.Kind = query.LeafFalse
	case components.JSONNull:
		v.Missing = true
	}
	cmd, err := m.filterByValue(leaf.Path, v, negate)
	if err != nil {
		return tui.ToastCmd(err.Error(), true)
	}
	m.mode = modeTable
	return cmd
}

func (m *Model) viewDetail() string {
	st := m.st
	d := &m.det
	var b strings.Builder
	title := st.Title.Render("Event ") + sanitize(d.id)
	if a := d.act; a != nil {
		title += st.Dim.Render("  " + time.Unix(0, a.CreatedAt).UTC().Format(timeLayout) + " UTC · " + string(a.StateOf()))
	}
	b.WriteString(components.FitLine(title, m.width))
	rows := m.detailRows()
	lines := m.detailLines()
	n := 0
	switch {
	case d.loading:
		b.WriteString("\n" + st.Dim.Render("loading…"))
		n++
	case d.err != nil:
		b.WriteString("\n" + st.Error.Render(components.FitLine(sanitize(d.err.Error()), m.width)))
		n++
	default:
		for i := d.off; i < len(lines) && n < rows; i++ {
			b.WriteByte('\n')
			if i == d.cur {
				b.WriteString(st.Cursor.Render("> "))
			} else {
				b.WriteString("  ")
			}
			b.WriteString(lines[i])
			n++
		}
	}
	for ; n < rows; n++ {
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	if m.mode == modeNote {
		b.WriteString(inputLine(m.note.Prompt, m.note.Value(), m.note.Position(), m.width, st).line)
		return b.String()
	}
	fold := "unfold raw"
	if d.unfold {
		fold = "fold raw"
	}
	status := fmt.Sprintf("lines %d-%d of %d · %s/%s filter for/against · %s %s · %s copy id · %s back",
		min(d.off+1, len(lines)), min(d.off+rows, len(lines)), len(lines),
		m.keys.FilterFor.Help().Key, m.keys.FilterOut.Help().Key,
		m.unfoldKey.Help().Key, fold, m.keys.CopyID.Help().Key, m.keys.Back.Help().Key)
	b.WriteString(st.Dim.Render(components.FitLine(status, m.width)))
	return b.String()
}
