package reports

// This file holds small helpers that the reports, subscriptions and tasks
// views each keep their own copy of (tui/components belongs to another
// owner): live change notices coalesced to one refresh per 500 ms, a
// windowed list with a cursor, and text helpers that sanitise and fit data
// to the screen.

import (
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/render"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// refreshEvery is the most often a view reloads on change notices.
const refreshEvery = 500 * time.Millisecond

var viewSeq atomic.Int64

// newViewID tags one view instance, so its background results never reach
// another instance that shares the program.
func newViewID() int64 { return viewSeq.Add(1) }

// changeMsg is one engine change notice (ok false: the watch ended).
type changeMsg struct {
	view int64
	c    core.Change
	ok   bool
}

// refreshMsg ends a coalescing window: reload now.
type refreshMsg struct{ view int64 }

// live turns the engine's change notices into at most one refresh message
// every refreshEvery. Waiting on the channel costs nothing while idle.
type live struct {
	ch      <-chan core.Change
	stop    func()
	pending bool
}

func (l *live) start(e *core.Engine) {
	if l.ch == nil && e != nil {
		l.ch, l.stop = e.Watch()
	}
}

// next waits for the next notice.
func (l *live) next(view int64) tea.Cmd {
	ch := l.ch
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		c, ok := <-ch
		return changeMsg{view: view, c: c, ok: ok}
	}
}

// notice handles one notice: it keeps listening and, when the notice is
// relevant and no refresh is pending, schedules one refreshEvery later, so
// a burst of notices becomes one reload.
func (l *live) notice(view int64, msg changeMsg, relevant bool) tea.Cmd {
	if !msg.ok {
		return nil
	}
	cmds := []tea.Cmd{l.next(view)}
	if relevant && !l.pending {
		l.pending = true
		cmds = append(cmds, tea.Tick(refreshEvery, func(time.Time) tea.Msg { return refreshMsg{view: view} }))
	}
	return tea.Batch(cmds...)
}

func (l *live) close() {
	if l.stop != nil {
		l.stop()
		l.stop = nil
	}
}

// clean makes data text safe to draw.
func clean(s string) string { return render.Terminal(s) }

// fit cuts s (which may hold styles) to w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// pad fits s to exactly w cells.
func pad(s string, w int) string {
	s = fit(s, w)
	if n := w - ansi.StringWidth(s); n > 0 {
		s += strings.Repeat(" ", n)
	}
	return s
}

// wrap breaks plain text into lines of at most w cells.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	return strings.Split(ansi.Wrap(s, w, ",;/ "), "\n")
}

// fitLines cuts or pads a block to h lines of at most w cells.
func fitLines(lines []string, w, h int) string {
	if h <= 0 {
		return ""
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	out := make([]string, h)
	for i := range out {
		if i < len(lines) {
			out[i] = fit(lines[i], w)
		}
	}
	return strings.Join(out, "\n")
}

// kv renders "label  value" with the value sanitised and wrapped under itself.
func kv(st *tui.Styles, label, value string, labelW, w int) []string {
	vw := max(1, w-labelW)
	var out []string
	for i, l := range wrap(clean(value), vw) {
		head := strings.Repeat(" ", labelW)
		if i == 0 {
			head = st.Dim.Render(pad(label, labelW))
		}
		out = append(out, head+l)
	}
	return out
}

// col is one list column: a fixed width, or a share of what is left.
type col struct {
	title string
	w     int
	flex  int
}

// listState is a cursor and scroll offset over n rows.
type listState struct {
	cursor, offset int
}

func (l *listState) clamp(n int) {
	if l.cursor >= n {
		l.cursor = n - 1
	}
	if l.cursor < 0 {
		l.cursor = 0
	}
}

// move handles the list keys; it reports whether the key was one of them.
func (l *listState) move(k *tui.KeyMap, msg tea.KeyMsg, n, page int) bool {
	page = max(1, page)
	switch {
	case keyIs(msg, k.Up):
		l.cursor--
	case keyIs(msg, k.Down):
		l.cursor++
	case keyIs(msg, k.PageUp):
		l.cursor -= page
	case keyIs(msg, k.PageDown):
		l.cursor += page
	case keyIs(msg, k.Top):
		l.cursor = 0
	case keyIs(msg, k.Bottom):
		l.cursor = n - 1
	default:
		return false
	}
	l.clamp(n)
	return true
}

// widths resolves column widths for a total width (one space between).
func widths(cols []col, total int) []int {
	out := make([]int, len(cols))
	used, flex := max(0, len(cols)-1), 0
	for i, c := range cols {
		out[i] = c.w
		used += c.w
		flex += c.flex
	}
	rest := max(0, total-used)
	for i, c := range cols {
		if c.flex > 0 && flex > 0 {
			share := rest * c.flex / flex
			out[i] += share
		}
	}
	// Give rounding leftovers to the last flexible column.
	sum := max(0, len(cols)-1)
	for _, w := range out {
		sum += w
	}
	for i := len(cols) - 1; i >= 0 && sum < total; i-- {
		if cols[i].flex > 0 {
			out[i] += total - sum
			break
		}
	}
	return out
}

// renderList draws a header and the visible rows; cells are plain text
// that has been sanitised already. style, when set, styles a whole row.
func (l *listState) renderList(st *tui.Styles, cols []col, rows [][]string, style func(i int) *lipgloss.Style, width, height int, focused bool) string {
	if height <= 0 || width <= 0 {
		return ""
	}
	// A gutter marks the cursor row, so it shows without colour too.
	const gutter = 2
	ws := widths(cols, width-gutter)
	line := func(cells []string) string {
		parts := make([]string, len(cols))
		for i := range cols {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			parts[i] = pad(c, ws[i])
		}
		return fit(strings.Join(parts, " "), width)
	}
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	out := []string{st.Title.Render(fit("  "+line(titles), width))}
	visible := height - 1
	if visible > 0 {
		l.clamp(len(rows))
		if l.cursor < l.offset {
			l.offset = l.cursor
		}
		if l.cursor >= l.offset+visible {
			l.offset = l.cursor - visible + 1
		}
		if l.offset > max(0, len(rows)-visible) {
			l.offset = max(0, len(rows)-visible)
		}
		for i := l.offset; i < len(rows) && i < l.offset+visible; i++ {
			s := "  " + line(rows[i])
			switch {
			case i == l.cursor && focused:
				s = st.Selected.Render(pad("▸ "+line(rows[i]), width))
			case style != nil && style(i) != nil:
				s = style(i).Render(s)
			}
			out = append(out, s)
		}
	}
	return strings.Join(out, "\n")
}

// split lays a list and a detail pane side by side on wide screens, else
// one above the other.
func split(st *tui.Styles, width, height, listRows int, list func(w, h int) string, detail func(w, h int) string) string {
	if width >= 110 {
		lw := width * 3 / 5
		dw := width - lw - 3
		left := strings.Split(fitLines(strings.Split(list(lw, height), "\n"), lw, height), "\n")
		right := strings.Split(fitLines(strings.Split(detail(dw, height), "\n"), dw, height), "\n")
		sep := st.Dim.Render("│")
		out := make([]string, height)
		for i := range out {
			out[i] = pad(left[i], lw) + " " + sep + " " + right[i]
		}
		return strings.Join(out, "\n")
	}
	lh := min(listRows+1, max(3, height/2))
	if height < 8 {
		lh = height
	}
	top := fitLines(strings.Split(list(width, lh), "\n"), width, lh)
	dh := height - lh - 1
	if dh <= 0 {
		return top
	}
	sep := st.Dim.Render(strings.Repeat("─", width))
	return top + "\n" + sep + "\n" + fitLines(strings.Split(detail(width, dh), "\n"), width, dh)
}

// scrollView shows lines from off, clamping off.
func scrollView(lines []string, off *int, w, h int) string {
	if *off > len(lines)-h {
		*off = len(lines) - h
	}
	if *off < 0 {
		*off = 0
	}
	return fitLines(lines[*off:], w, h)
}

// scrollKeys moves a scroll offset with the list keys.
func scrollKeys(k *tui.KeyMap, msg tea.KeyMsg, off *int, n, page int) bool {
	switch {
	case keyIs(msg, k.Up):
		*off--
	case keyIs(msg, k.Down):
		*off++
	case keyIs(msg, k.PageUp):
		*off -= max(1, page)
	case keyIs(msg, k.PageDown):
		*off += max(1, page)
	case keyIs(msg, k.Top):
		*off = 0
	case keyIs(msg, k.Bottom):
		*off = n
	default:
		return false
	}
	*off = max(0, min(*off, max(0, n-page)))
	return true
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return groupDigits(n) + " " + many
}

// groupDigits writes 1234567 as 1,234,567.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func keyIs(msg tea.KeyMsg, b key.Binding) bool { return key.Matches(msg, b) }
