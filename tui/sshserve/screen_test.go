package sshserve

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// renderScreen replays what a program wrote to a terminal of w×h cells and
// returns the visible text, one line per row with trailing blanks cut. It
// knows the sequences Bubble Tea's renderer uses (cursor moves, erases, the
// alternate screen) and ignores colours, modes and OSC strings.
func renderScreen(out []byte, w, h int) string {
	sc := &vtScreen{w: w, h: h}
	sc.clear()
	p := ansi.NewParser()
	var state byte
	for len(out) > 0 {
		seq, width, n, next := ansi.DecodeSequence(out, state, p)
		state, out = next, out[n:]
		switch {
		case n == 0:
			return sc.String()
		case width > 0:
			sc.print(string(seq), width)
		case len(seq) == 1 && seq[0] < 0x20:
			sc.control(seq[0])
		case ansi.HasCsiPrefix(seq):
			sc.csi(ansi.Cmd(p.Command()), p)
		}
	}
	return sc.String()
}

type vtScreen struct {
	w, h  int
	cells [][]string
	x, y  int
}

func (s *vtScreen) clear() {
	s.cells = make([][]string, s.h)
	for i := range s.cells {
		s.cells[i] = s.blankRow()
	}
}

func (s *vtScreen) blankRow() []string {
	r := make([]string, s.w)
	for i := range r {
		r[i] = " "
	}
	return r
}

func (s *vtScreen) lineFeed() {
	s.y++
	if s.y >= s.h {
		s.cells = append(s.cells[1:], s.blankRow())
		s.y = s.h - 1
	}
}

func (s *vtScreen) print(g string, width int) {
	if s.x+width > s.w { // deferred wrap, as terminals do
		s.x = 0
		s.lineFeed()
	}
	s.cells[s.y][s.x] = g
	for i := 1; i < width; i++ {
		s.cells[s.y][s.x+i] = ""
	}
	s.x += width
}

func (s *vtScreen) control(c byte) {
	switch c {
	case '\r':
		s.x = 0
	case '\n':
		s.lineFeed()
	case '\b':
		s.x = max(0, s.x-1)
	case '\t':
		s.x = min(s.w-1, (s.x/8+1)*8)
	}
}

func (s *vtScreen) eraseRow(y, from, to int) {
	for x := max(0, from); x < min(s.w, to); x++ {
		s.cells[y][x] = " "
	}
}

func (s *vtScreen) csi(cmd ansi.Cmd, p *ansi.Parser) {
	arg := func(i, def int) int {
		n, _ := p.Param(i, def)
		if n < 1 {
			n = def
		}
		return n
	}
	clampY := func(y int) int { return max(0, min(s.h-1, y)) }
	clampX := func(x int) int { return max(0, min(s.w-1, x)) }
	switch cmd.Final() {
	case 'H', 'f':
		s.y, s.x = clampY(arg(0, 1)-1), clampX(arg(1, 1)-1)
	case 'A':
		s.y = clampY(s.y - arg(0, 1))
	case 'B':
		s.y = clampY(s.y + arg(0, 1))
	case 'C':
		s.x = clampX(s.x + arg(0, 1))
	case 'D':
		s.x = clampX(s.x - arg(0, 1))
	case 'G':
		s.x = clampX(arg(0, 1) - 1)
	case 'd':
		s.y = clampY(arg(0, 1) - 1)
	case 'J':
		mode, _ := p.Param(0, 0)
		switch mode {
		case 0:
			s.eraseRow(s.y, s.x, s.w)
			for y := s.y + 1; y < s.h; y++ {
				s.eraseRow(y, 0, s.w)
			}
		case 1:
			for y := 0; y < s.y; y++ {
				s.eraseRow(y, 0, s.w)
			}
			s.eraseRow(s.y, 0, s.x+1)
		default:
			s.clear()
		}
	case 'K':
		mode, _ := p.Param(0, 0)
		switch mode {
		case 0:
			s.eraseRow(s.y, s.x, s.w)
		case 1:
			s.eraseRow(s.y, 0, s.x+1)
		default:
			s.eraseRow(s.y, 0, s.w)
		}
	case 'h', 'l':
		if cmd.Prefix() == '?' {
			if m, _ := p.Param(0, 0); m == 1049 || m == 47 || m == 1047 {
				s.clear() // entering or leaving the alternate screen
			}
		}
	}
}

func (s *vtScreen) String() string {
	lines := make([]string, s.h)
	for i, r := range s.cells {
		lines[i] = strings.TrimRight(strings.Join(r, ""), " ")
	}
	return strings.Join(lines, "\n")
}

func TestRenderScreen(t *testing.T) {
	out := "\x1b[?1049hjunk\x1b[2J\x1b[H\x1b[1;31mhello\x1b[0m world\x1b[K\r\nsecond line\r\n\x1b[3;5Hx\x1b[1;7H\x1b[Kplanet\x1b[2;7H\x1b[1K"
	got := renderScreen([]byte(out), 20, 4)
	want := "hello planet\n       line\n    x\n"
	if got != want {
		t.Errorf("screen:\n%q\nwant\n%q", got, want)
	}
	// A cut sequence at the end of the output is ignored, not printed.
	if got := renderScreen([]byte("ab\x1b[3"), 5, 1); got != "ab" {
		t.Errorf("partial sequence: %q", got)
	}
	// Writing past the last column wraps, past the last row scrolls.
	if got := renderScreen([]byte("abcdefg\r\nxy"), 3, 2); got != "g\nxy" {
		t.Errorf("wrap and scroll: %q", got)
	}
}
