// Package components holds small building blocks shared by the dashboard's
// views: column layout and cell fitting for windowed tables, a rendered-line
// cache, a sparkline histogram, a coloured JSON viewer and OSC 52 clipboard
// sequences. Nothing here imports package tui, so tui may use it freely.
package components

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Column describes one column of a table whose widths follow the terminal.
type Column struct {
	Title string
	Min   int // narrowest useful width
	Pref  int // width it asks for before spare space is shared out
	Max   int // widest it grows with spare space; 0 means Pref
	// Drop orders columns to leave out when the preferred widths do not
	// fit: the highest Drop goes first; 0 is never dropped.
	Drop int
}

// LayoutColumns returns the width of each column for a line of total cells
// with sep cells between shown columns; a dropped column gets 0. Columns are
// dropped (highest Drop first) while their preferred widths do not fit, then
// every shown column starts at Min and grows toward Pref and then Max, the
// column furthest from its goal first.
func LayoutColumns(cols []Column, total, sep int) []int {
	w := make([]int, len(cols))
	shown := make([]bool, len(cols))
	for i := range cols {
		shown[i] = true
	}
	need := func(width func(Column) int) int {
		n, k := 0, 0
		for i, c := range cols {
			if shown[i] {
				n += width(c)
				k++
			}
		}
		if k > 1 {
			n += sep * (k - 1)
		}
		return n
	}
	for need(func(c Column) int { return c.Pref }) > total {
		drop := -1
		for i, c := range cols {
			if shown[i] && c.Drop > 0 && (drop < 0 || c.Drop >= cols[drop].Drop) {
				drop = i
			}
		}
		if drop < 0 {
			break
		}
		shown[drop] = false
	}
	for i, c := range cols {
		if shown[i] {
			w[i] = c.Min
		}
	}
	free := total - need(func(c Column) int { return c.Min })
	grow := func(goal func(Column) int) {
		for free > 0 {
			best, deficit := -1, 0
			for i, c := range cols {
				if d := goal(c) - w[i]; shown[i] && d > deficit {
					best, deficit = i, d
				}
			}
			if best < 0 {
				return
			}
			w[best]++
			free--
		}
	}
	grow(func(c Column) int { return c.Pref })
	grow(func(c Column) int { return max(c.Max, c.Pref) })
	return w
}

const blanks = "                                                                                                                                "

// Spaces returns n spaces.
func Spaces(n int) string {
	if n <= 0 {
		return ""
	}
	if n <= len(blanks) {
		return blanks[:n]
	}
	return strings.Repeat(" ", n)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// FitCell pads or cuts plain text (no escape sequences) to exactly w cells,
// marking a cut with "…". Wide characters count two cells.
func FitCell(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if isASCII(s) {
		switch {
		case len(s) == w:
			return s
		case len(s) < w:
			return s + Spaces(w-len(s))
		case w == 1:
			return "…"
		}
		return s[:w-1] + "…"
	}
	sw := ansi.StringWidth(s)
	if sw <= w {
		return s + Spaces(w-sw)
	}
	t := ansi.Truncate(s, w, "…")
	return t + Spaces(w-ansi.StringWidth(t))
}

// FitLine cuts a rendered line (escape sequences allowed) to at most w cells.
func FitLine(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if isASCII(s) && !strings.Contains(s, "\x1b") {
		if len(s) <= w {
			return s
		}
		return s[:w-1] + "…"
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// ScrollTop is the first visible line of a list of n lines showing vis at
// a time, moved from top just enough that line cur is visible.
func ScrollTop(cur, top, vis, n int) int {
	if cur < top {
		top = cur
	}
	if cur >= top+vis {
		top = cur - vis + 1
	}
	return max(0, min(top, n-vis))
}
