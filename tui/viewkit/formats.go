package viewkit

import (
	"regexp"
	"slices"
	"strings"

	"github.com/auditdeck/auditdeck/core/render"
	"github.com/auditdeck/auditdeck/tui"
	tea "github.com/charmbracelet/bubbletea"
)

// FormatPicker is a row of output formats with checkboxes: ←/→ (h/l) move,
// space (or x) ticks. The export and report forms pick several at once.
type FormatPicker struct {
	on  []bool
	cur int
}

// NewFormatPicker starts with the chosen formats ticked.
func NewFormatPicker(chosen ...string) FormatPicker {
	p := FormatPicker{on: make([]bool, len(render.Formats))}
	for i, f := range render.Formats {
		p.on[i] = slices.Contains(chosen, f)
	}
	return p
}

// Key handles a key; it reports whether the key was the picker's.
func (p *FormatPicker) Key(msg tea.KeyMsg) bool {
	switch msg.String() {
	case "left", "h":
		p.cur = (p.cur + len(p.on) - 1) % len(p.on)
	case "right", "l":
		p.cur = (p.cur + 1) % len(p.on)
	case " ", "x":
		p.on[p.cur] = !p.on[p.cur]
	default:
		return false
	}
	return true
}

// Chosen lists the ticked formats in render.Formats order.
func (p *FormatPicker) Chosen() []string {
	var out []string
	for i, on := range p.on {
		if on {
			out = append(out, render.Formats[i])
		}
	}
	return out
}

// View draws the row, the format under the cursor marked when focused.
func (p *FormatPicker) View(st *tui.Styles, focused bool) string {
	var parts []string
	for i, f := range render.Formats {
		box := "[ ]"
		if p.on[i] {
			box = "[x]"
		}
		item := " " + box + " " + f
		if focused && i == p.cur {
			item = st.Selected.Render("▸" + box + " " + f)
		}
		parts = append(parts, item)
	}
	return strings.Join(parts, "")
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._ -]+`)

// FileNameBase turns a title into the start of a file name the export
// directory accepts: runs of anything but ASCII letters, digits, ". _ -"
// and spaces become "-", at most 100 bytes; "" when nothing is left.
func FileNameBase(title string) string {
	name := strings.Trim(unsafeName.ReplaceAllString(title, "-"), " .-")
	if len(name) > 100 {
		name = strings.TrimRight(name[:100], " .-")
	}
	return name
}
