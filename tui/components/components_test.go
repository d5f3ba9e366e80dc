package components

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

func TestFitCell(t *testing.T) {
	cases := []struct {
		in   string
		w    int
		want string
	}{
		{"abc", 5, "abc  "},
		{"abcdef", 4, "abc…"},
		{"abc", 3, "abc"},
		{"abc", 1, "…"},
		{"東京都", 4, "東… "},
		{"東京", 4, "東京"},
		{"", 0, ""},
	}
	for _, c := range cases {
		got := FitCell(c.in, c.w)
		if got != c.want || ansi.StringWidth(got) != c.w {
			t.Errorf("FitCell(%q, %d) = %q (width %d), want %q", c.in, c.w, got, ansi.StringWidth(got), c.want)
		}
	}
}

func TestLayoutColumns(t *testing.T) {
	cols := []Column{
		{Title: "a", Min: 10, Pref: 10},
		{Title: "b", Min: 5, Pref: 20, Max: 30},
		{Title: "c", Min: 4, Pref: 8, Drop: 1},
		{Title: "d", Min: 4, Pref: 8, Drop: 2},
	}
	sum := func(w []int) int {
		n, k := 0, 0
		for _, x := range w {
			if x > 0 {
				n += x
				k++
			}
		}
		return n + k - 1
	}
	if w := LayoutColumns(cols, 100, 1); w[1] != 30 || w[2] != 8 || w[3] != 8 {
		t.Errorf("wide: %v", w)
	}
	if w := LayoutColumns(cols, 40, 1); w[3] != 0 || w[2] == 0 || sum(w) != 40 {
		t.Errorf("40: %v (d goes first)", w)
	}
	if w := LayoutColumns(cols, 25, 1); w[2] != 0 || w[3] != 0 || sum(w) > 25 {
		t.Errorf("25: %v", w)
	}
}

func TestSparkline(t *testing.T) {
	if got := Sparkline([]int64{0, 1, 2, 4, 8}, 5); got != " ▁▂▄█" {
		t.Errorf("got %q", got)
	}
	if got := Sparkline([]int64{1, 1, 0, 0, 8, 8}, 3); got != "▁ █" {
		t.Errorf("resampled %q", got)
	}
	if got := Sparkline([]int64{3}, 4); got != "████" {
		t.Errorf("stretched %q", got)
	}
}

func TestJSONLines(t *testing.T) {
	plain := lipgloss.NewStyle()
	st := JSONStyles{Key: plain, String: plain, Number: plain, Literal: plain, Punct: plain, Hint: plain}
	esc := func(s string) string { return strings.ReplaceAll(s, "\x1b", `\x1b`) }
	doc := `{"b":"q\"uo\\te\u001b[2J","a":[1,true,null,{}],"raw":{"x":{"y":1}},"e":[]}`
	lines, err := JSONLines([]byte(doc), st, JSONOptions{Fold: map[string]bool{"raw": true}, FoldHint: "(o)", Text: esc})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		`{`,
		`  "b": "q\"uo\\te\x1b[2J",`,
		`  "a": [`,
		`    1,`,
		`    true,`,
		`    null,`,
		`    {}`,
		`  ],`,
		`  "raw": {…}, (o)`,
		`  "e": []`,
		`}`,
	}, "\n")
	if got := strings.Join(lines, "\n"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := JSONLines([]byte(`{"a":`), st, JSONOptions{}); err == nil {
		t.Error("bad JSON accepted")
	}
}

func TestOSC52(t *testing.T) {
	if got := OSC52("hi", false); got != "\x1b]52;c;aGk=\x07" {
		t.Errorf("%q", got)
	}
	// What reaches the clipboard is the text as drawn: no ESC, newline or
	// bidi control for the user to paste into a shell.
	for in, want := range map[string]string{
		"evil:\x1b[2J#1":      `evil:\x1b[2J#1`,
		"a\nrm -rf ~\n":       `a\x0arm -rf ~\x0a`,
		"x\u202egpj.exe":      `x\u202egpj.exe`,
		"ad\u200bmin\u2066#0": `ad\u200bmin\u2066#0`,
	} {
		for _, tmux := range []bool{false, true} {
			seq := OSC52(in, tmux)
			b64 := base64.StdEncoding.EncodeToString([]byte(want))
			if !strings.HasPrefix(seq, "\x1b]52;c;"+b64+"\x07") {
				t.Errorf("OSC52(%q, %v) = %q, want the payload %q", in, tmux, seq, want)
			}
		}
	}
}

func TestLineCache(t *testing.T) {
	c := NewLineCache(2)
	c.Put(LineKey{ID: "a"}, "A")
	c.Put(LineKey{ID: "b"}, "B")
	if s, ok := c.Get(LineKey{ID: "a"}); !ok || s != "A" {
		t.Fatal("miss")
	}
	c.Put(LineKey{ID: "c"}, "C") // full: starts over
	if c.Len() != 1 {
		t.Fatalf("len %d", c.Len())
	}
	if _, ok := c.Get(LineKey{ID: "c", Selected: true}); ok {
		t.Fatal("selected is part of the key")
	}
}

func TestJSONLeafLines(t *testing.T) {
	plain := lipgloss.NewStyle()
	st := JSONStyles{Key: plain, String: plain, Number: plain, Literal: plain, Punct: plain, Hint: plain}
	doc := `{"b":"x,y\u001b","a":[1,true,null,{"c":false}],"raw":{"x":1},"n":{"m":2.50}}`
	lines, leaves, err := JSONLeafLines([]byte(doc), st, JSONOptions{Fold: map[string]bool{"raw": true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != len(leaves) {
		t.Fatalf("%d lines, %d leaves", len(lines), len(leaves))
	}
	want := []JSONLeaf{
		{}, // {
		{Kind: JSONString, Path: "b", Value: "x,y\x1b"},
		{}, // "a": [
		{Kind: JSONNumber, Path: "a", Value: "1"},
		{Kind: JSONTrue, Path: "a", Value: "true"},
		{Kind: JSONNull, Path: "a"},
		{}, // {
		{Kind: JSONFalse, Path: "a.c", Value: "false"},
		{}, // },
		{}, // ],
		{}, // "raw": {…}
		{}, // "n": {
		{Kind: JSONNumber, Path: "n.m", Value: "2.50"},
		{}, // }
		{}, // }
	}
	if len(leaves) != len(want) {
		t.Fatalf("got %d lines:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for i := range want {
		if leaves[i] != want[i] {
			t.Errorf("line %d %q: leaf %+v, want %+v", i, lines[i], leaves[i], want[i])
		}
	}
}

func TestScrollTop(t *testing.T) {
	for _, c := range []struct{ cur, top, vis, n, want int }{
		{0, 0, 5, 20, 0},   // visible already
		{7, 0, 5, 20, 3},   // below: the cursor on the last line
		{2, 6, 5, 20, 2},   // above: the cursor on the first line
		{19, 0, 5, 20, 15}, // the end
		{3, 10, 5, 4, 0},   // fewer lines than fit
		{4, 18, 5, 20, 4},  // up from past the end
	} {
		if got := ScrollTop(c.cur, c.top, c.vis, c.n); got != c.want {
			t.Errorf("ScrollTop(%d, %d, %d, %d) = %d, want %d", c.cur, c.top, c.vis, c.n, got, c.want)
		}
	}
}
