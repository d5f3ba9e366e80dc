// Package viewkit holds what the list views (reports, subscriptions, tasks)
// share: live change notices coalesced to one refresh per 500 ms, a list
// with a cursor beside a detail pane, and text helpers that sanitise and fit
// data to the screen. Unlike tui/components it knows the shell's styles and
// keys.
package viewkit

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

// RefreshEvery is the most often a view reloads on change notices.
const RefreshEvery = 500 * time.Millisecond

var viewSeq atomic.Int64

// NewViewID tags one view instance, so its background results never reach
// another instance that shares the program.
func NewViewID() int64 { return viewSeq.Add(1) }

// ChangeMsg is one engine change notice (ok false: the watch ended).
type ChangeMsg struct {
	View int64
	C    core.Change
	OK   bool
}

// RefreshMsg ends a coalescing window: reload now.
type RefreshMsg struct{ View int64 }

// Live turns the engine's change notices into at most one refresh message
// every refreshEvery. Waiting on the channel costs nothing while idle.
type Live struct {
	Ch      <-chan core.Change
	Stop    func()
	Pending bool
}

func (l *Live) Start(e *core.Engine) {
	if l.Ch == nil && e != nil {
		l.Ch, l.Stop = e.Watch()
	}
}

// Next waits for the Next notice.
func (l *Live) Next(view int64) tea.Cmd {
	ch := l.Ch
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		c, ok := <-ch
		return ChangeMsg{View: view, C: c, OK: ok}
	}
}

// Notice handles one Notice: it keeps listening and, when the Notice is
// relevant and no refresh is pending, schedules one refreshEvery later, so
// a burst of notices becomes one reload.
// Handle is a view's whole live-update routine: it answers the view's own
// change notices (refreshing on the kinds relevant reports) and refresh
// ticks (calling reload). handled is false for any other message.
func (l *Live) Handle(view int64, msg tea.Msg, relevant func(core.ChangeKind) bool, reload func() tea.Cmd) (cmd tea.Cmd, handled bool) {
	switch msg := msg.(type) {
	case ChangeMsg:
		if msg.View != view {
			return nil, true
		}
		return l.Notice(view, msg, relevant(msg.C.Kind)), true
	case RefreshMsg:
		if msg.View != view {
			return nil, true
		}
		l.Pending = false
		return reload(), true
	}
	return nil, false
}

func (l *Live) Notice(view int64, msg ChangeMsg, relevant bool) tea.Cmd {
	if !msg.OK {
		return nil
	}
	cmds := []tea.Cmd{l.Next(view)}
	if relevant && !l.Pending {
		l.Pending = true
		cmds = append(cmds, tea.Tick(RefreshEvery, func(time.Time) tea.Msg { return RefreshMsg{View: view} }))
	}
	return tea.Batch(cmds...)
}

func (l *Live) Close() {
	if l.Stop != nil {
		l.Stop()
		l.Stop = nil
	}
}

// Clean makes data text safe to draw.
func Clean(s string) string { return render.Terminal(s) }

// Fit cuts s (which may hold styles) to w cells.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// Pad fits s to exactly w cells.
func Pad(s string, w int) string {
	s = Fit(s, w)
	if n := w - ansi.StringWidth(s); n > 0 {
		s += strings.Repeat(" ", n)
	}
	return s
}

// Wrap breaks plain text into lines of at most w cells.
func Wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	return strings.Split(ansi.Wrap(s, w, ",;/ "), "\n")
}

// FitLines cuts or pads a block to h lines of at most w cells.
func FitLines(lines []string, w, h int) string {
	if h <= 0 {
		return ""
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	out := make([]string, h)
	for i := range out {
		if i < len(lines) {
			out[i] = Fit(lines[i], w)
		}
	}
	return strings.Join(out, "\n")
}

// KV renders "label  value" with the value sanitised and wrapped under itself.
func KV(st *tui.Styles, label, value string, labelW, w int) []string {
	vw := max(1, w-labelW)
	var out []string
	for i, l := range Wrap(Clean(value), vw) {
		head := strings.Repeat(" ", labelW)
		if i == 0 {
			head = st.Dim.Render(Pad(label, labelW))
		}
		out = append(out, head+l)
	}
	return out
}

// Col is one list column: a fixed width, or a share of what is left.
type Col struct {
	Title string
	W     int
	Flex  int
}

// ListState is a cursor and scroll offset over n rows.
type ListState struct {
	Cursor, Offset int
}

func (l *ListState) Clamp(n int) {
	if l.Cursor >= n {
		l.Cursor = n - 1
	}
	if l.Cursor < 0 {
		l.Cursor = 0
	}
}

// Move handles the list keys; it reports whether the key was one of them.
func (l *ListState) Move(k *tui.KeyMap, msg tea.KeyMsg, n, page int) bool {
	page = max(1, page)
	switch {
	case KeyIs(msg, k.Up):
		l.Cursor--
	case KeyIs(msg, k.Down):
		l.Cursor++
	case KeyIs(msg, k.PageUp):
		l.Cursor -= page
	case KeyIs(msg, k.PageDown):
		l.Cursor += page
	case KeyIs(msg, k.Top):
		l.Cursor = 0
	case KeyIs(msg, k.Bottom):
		l.Cursor = n - 1
	default:
		return false
	}
	l.Clamp(n)
	return true
}

// Widths resolves column Widths for a total width (one space between).
func Widths(cols []Col, total int) []int {
	out := make([]int, len(cols))
	used, flex := max(0, len(cols)-1), 0
	for i, c := range cols {
		out[i] = c.W
		used += c.W
		flex += c.Flex
	}
	rest := max(0, total-used)
	for i, c := range cols {
		if c.Flex > 0 && flex > 0 {
			share := rest * c.Flex / flex
			out[i] += share
		}
	}
	// Give rounding leftovers to the last flexible column.
	sum := max(0, len(cols)-1)
	for _, w := range out {
		sum += w
	}
	for i := len(cols) - 1; i >= 0 && sum < total; i-- {
		if cols[i].Flex > 0 {
			out[i] += total - sum
			break
		}
	}
	return out
}

// RenderList draws a header and the visible rows; cells are plain text
// that has been sanitised already. style, when set, styles a whole row.
func (l *ListState) RenderList(st *tui.Styles, cols []Col, rows [][]string, style func(i int) *lipgloss.Style, width, height int, focused bool) string {
	if height <= 0 || width <= 0 {
		return ""
	}
	// A gutter marks the cursor row, so it shows without colour too.
	const gutter = 2
	ws := Widths(cols, width-gutter)
	line := func(cells []string) string {
		parts := make([]string, len(cols))
		for i := range cols {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			parts[i] = Pad(c, ws[i])
		}
		return Fit(strings.Join(parts, " "), width)
	}
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.Title
	}
	out := []string{st.Title.Render(Fit("  "+line(titles), width))}
	visible := height - 1
	if visible > 0 {
		l.Clamp(len(rows))
		if l.Cursor < l.Offset {
			l.Offset = l.Cursor
		}
		if l.Cursor >= l.Offset+visible {
			l.Offset = l.Cursor - visible + 1
		}
		if l.Offset > max(0, len(rows)-visible) {
			l.Offset = max(0, len(rows)-visible)
		}
		for i := l.Offset; i < len(rows) && i < l.Offset+visible; i++ {
			s := "  " + line(rows[i])
			switch {
			case i == l.Cursor && focused:
				s = st.Selected.Render(Pad("▸ "+line(rows[i]), width))
			case style != nil && style(i) != nil:
				s = style(i).Render(s)
			}
			out = append(out, s)
		}
	}
	return strings.Join(out, "\n")
}

// Split lays a list and a detail pane side by side on wide screens, else
// one above the other.
func Split(st *tui.Styles, width, height, listRows int, list func(w, h int) string, detail func(w, h int) string) string {
	if width >= 110 {
		lw := width * 3 / 5
		dw := width - lw - 3
		left := strings.Split(FitLines(strings.Split(list(lw, height), "\n"), lw, height), "\n")
		right := strings.Split(FitLines(strings.Split(detail(dw, height), "\n"), dw, height), "\n")
		sep := st.Dim.Render("│")
		out := make([]string, height)
		for i := range out {
			out[i] = Pad(left[i], lw) + " " + sep + " " + right[i]
		}
		return strings.Join(out, "\n")
	}
	lh := min(listRows+1, max(3, height/2))
	if height < 8 {
		lh = height
	}
	top := FitLines(strings.Split(list(width, lh), "\n"), width, lh)
	dh := height - lh - 1
	if dh <= 0 {
		return top
	}
	sep := st.Dim.Render(strings.Repeat("─", width))
	return top + "\n" + sep + "\n" + FitLines(strings.Split(detail(width, dh), "\n"), width, dh)
}

// ScrollView shows lines from off, clamping off.
func ScrollView(lines []string, off *int, w, h int) string {
	if *off > len(lines)-h {
		*off = len(lines) - h
	}
	if *off < 0 {
		*off = 0
	}
	return FitLines(lines[*off:], w, h)
}

// ScrollKeys moves a scroll offset with the list keys.
func ScrollKeys(k *tui.KeyMap, msg tea.KeyMsg, off *int, n, page int) bool {
	switch {
	case KeyIs(msg, k.Up):
		*off--
	case KeyIs(msg, k.Down):
		*off++
	case KeyIs(msg, k.PageUp):
		*off -= max(1, page)
	case KeyIs(msg, k.PageDown):
		*off += max(1, page)
	case KeyIs(msg, k.Top):
		*off = 0
	case KeyIs(msg, k.Bottom):
		*off = n
	default:
		return false
	}
	*off = max(0, min(*off, max(0, n-page)))
	return true
}

func FmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func Plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return GroupDigits(n) + " " + many
}

// GroupDigits writes 1234567 as 1,234,567.
func GroupDigits(n int64) string {
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

func KeyIs(msg tea.KeyMsg, b key.Binding) bool { return key.Matches(msg, b) }

// FormStatus appends a form's status line: busyText while it submits,
// otherwise its error (if any) wrapped to w.
func FormStatus(st *tui.Styles, lines []string, busy bool, busyText, err string, w int) []string {
	switch {
	case busy:
		lines = append(lines, st.Dim.Render(busyText))
	case err != "":
		for _, l := range Wrap("✗ "+err, w) {
			lines = append(lines, st.Error.Render(l))
		}
	}
	return lines
}

// FormEnd puts a form's key hint on the last of h rows.
func FormEnd(st *tui.Styles, lines []string, hint string, w, h int) string {
	if n := h - len(lines) - 1; n > 0 {
		lines = append(lines, make([]string, n)...)
	}
	return FitLines(append(lines, st.Dim.Render(Fit(hint, w))), w, h)
}
