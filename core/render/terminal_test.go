package render

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// terminalUnsafe returns a description of the first thing in s that a
// terminal could act on: a C0 control (tab included), DEL, a C1 control
// (U+0080-U+009F) or a byte of invalid UTF-8 (an 8-bit terminal reads a
// lone 0x9b as CSI), or a character that draws nothing or reorders the
// text (a format character, listed in hiddenRunes or of category Cf). It
// returns "" when s is safe to print.
func terminalUnsafe(s string) string {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return "invalid UTF-8 byte at " + itoa(i)
		case r < 0x20 || r == 0x7f:
			return "control byte at " + itoa(i)
		case r >= 0x80 && r <= 0x9f:
			return "C1 control at " + itoa(i)
		case listedHidden(r) || unicode.Is(unicode.Cf, r):
			return "hidden or bidi character at " + itoa(i)
		}
		i += n
	}
	return ""
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func TestTerminal(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		// unchanged
		{"", ""},
		{"plain text, 1.2.3.4", "plain text, 1.2.3.4"},
		{"Köln 東京 東京都 søren.dvořák ✓ 😀 مرحبا e\u0301", "Köln 東京 東京都 søren.dvořák ✓ 😀 مرحبا e\u0301"},
		{"\u00a0\u00ff\u0100\uffff\U0010ffff", "\u00a0\u00ff\u0100\uffff\U0010ffff"},
		{"\u2764\ufe0f \U0001f1e9\U0001f1ea", "\u2764\ufe0f \U0001f1e9\U0001f1ea"}, // variation selector, flag: visible

		// hidden and reordering characters as \uXXXX
		{"\u00a0\u00ff\u0100\u200b\u2028\ufeff\uffff", "\u00a0\u00ff\u0100\\u200b\\u2028\\ufeff\uffff"},
		{"invoice\u202egpj.exe", `invoice\u202egpj.exe`},
		{"adm\u200bin", `adm\u200bin`},
		{"a\U000e0041b", `a\U000e0041b`},
		{"\uFFFD", "\uFFFD"}, // a real replacement character is valid UTF-8
		{`back\slash \x1b`, `back\slash \x1b`},

		// C0, ESC and DEL as \xNN
		{"\x1b[2J", `\x1b[2J`},
		{"\x1b[2J\x1b[H", `\x1b[2J\x1b[H`},
		{"\x1b]52;c;ZXZpbA==\x07", `\x1b]52;c;ZXZpbA==\x07`},
		{"\x1b]0;title\x07", `\x1b]0;title\x07`},
		{"\x1b[8mhidden\x1b[0m", `\x1b[8mhidden\x1b[0m`},
		{"\r", `\x0d`},
		{"good\rEVIL", `good\x0dEVIL`},
		{"a\nb", `a\x0ab`},
		{"a\tb", `a\x09b`},
		{"\x00", `\x00`},
		{"\x08\x0b\x0c\x1f", `\x08\x0b\x0c\x1f`},
		{"\x7f", `\x7f`},
		{"del\x7fete", `del\x7fete`},

		// C1 as UTF-8 (U+009B is C2 9B) and as a raw byte
		{"\u009b", `\u009b`},
		{"\u009b31m", `\u009b31m`},
		{"\u0080\u0085\u008d\u009d\u009f", `\u0080\u0085\u008d\u009d\u009f`},
		{"\x9b", `\x9b`},
		{"\x9b31mred", `\x9b31mred`},
		{"\xc2\x9b", `\u009b`},

		// invalid UTF-8, byte by byte
		{"\xff", `\xff`},
		{"a\xffb\xfe", `a\xffb\xfe`},
		{"\xc3", `\xc3`},         // truncated two-byte sequence
		{"\xc3(", `\xc3(`},       // bad continuation
		{"\xc0\xaf", `\xc0\xaf`}, // overlong "/"
		{"\xed\xa0\x80", `\xed\xa0\x80`},
		{"\xf4\x90\x80\x80", `\xf4\x90\x80\x80`}, // above U+10FFFF
		{"\xe6\x9d", `\xe6\x9d`},                 // truncated 東

		// mixed
		{"\x1b[31mrouge\x1b[0m: caf\xe9 \u009b", `\x1b[31mrouge\x1b[0m: caf\xe9 \u009b`},
		{"東京\x1b]52;c;ZXZpbA==\x07\xff", `東京\x1b]52;c;ZXZpbA==\x07\xff`},
	}
	for _, tc := range tests {
		got := Terminal(tc.in)
		if got != tc.want {
			t.Errorf("Terminal(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if why := terminalUnsafe(got); why != "" {
			t.Errorf("Terminal(%q) = %q: %s", tc.in, got, why)
		}
	}
}

// safeForTerminal stops at the first byte >= 0x80 and answers for the whole
// string from utf8.ValidString and hasC1 alone, so the C0 controls, ESC and
// DEL that come after any valid non-ASCII character are never looked at:
// Terminal("é\x1b[2J") returns its input unchanged. Event text is full of
// such characters (the fixture's "Köln", "東京"), and the escapes in
// testdata/activities.ndjson line 305 then reach the terminal raw.
func TestTerminalControlAfterNonASCII(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"é\x1b[2J", `é\x1b[2J`},
		{"Köln\x1b]52;c;ZXZpbA==\x07", `Köln\x1b]52;c;ZXZpbA==\x07`},
		{"東京\x1b]0;title\x07", `東京\x1b]0;title\x07`},
		{"✓ ok\rEVIL", `✓ ok\x0dEVIL`},
		{"é\x7f", `é\x7f`},
		{"é\t", `é\x09`},
	}
	for _, tc := range tests {
		if got := Terminal(tc.in); got != tc.want {
			t.Errorf("Terminal(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTerminalSafeUnchanged(t *testing.T) {
	// A string that is already safe comes back as the same string without
	// allocating.
	s := strings.Repeat("Harpenden 東京 ✓ ", 10)
	if n := testing.AllocsPerRun(100, func() { _ = Terminal(s) }); n != 0 {
		t.Errorf("Terminal of safe text allocates %v times", n)
	}
	if got := Terminal(s); got != s {
		t.Errorf("Terminal changed safe text: %q", got)
	}
}

func FuzzTerminal(f *testing.F) {
	for _, s := range []string{
		"", "plain", "\x1b[2J", "\x1b]52;c;ZXZpbA==\x07", "\x1b]0;title\x07", "\r", "\u009b", "\x9b",
		"\x7f", "\t", "\xff\xfe", "\xc3", "Köln", "東京", "😀", "\u0085", "\xed\xa0\x80", "a\\x1b",
		"Mozilla/5.0 \x1b[2J\x1b[H\x1b[31m\r\u009b", "\u202eexe.txt", "a\u200db", "\U000e0001",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Terminal(s)
		if why := terminalUnsafe(got); why != "" {
			t.Fatalf("Terminal(%q) = %q: %s", s, got, why)
		}
		if terminalUnsafe(s) == "" && got != s {
			t.Fatalf("Terminal(%q) = %q, want safe input unchanged", s, got)
		}
		if again := Terminal(got); again != got {
			t.Fatalf("Terminal is not idempotent: %q -> %q -> %q", s, got, again)
		}
		// Only escapes are added: every printable rune of the input
		// survives, in order.
		var kept strings.Builder
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			if !(r == utf8.RuneError && n == 1) && r >= 0x20 && r != 0x7f && !(r >= 0x80 && r <= 0x9f) && !Hidden(r) {
				kept.WriteString(s[i : i+n])
			}
			i += n
		}
		if !isSubsequence(kept.String(), got) {
			t.Fatalf("Terminal(%q) = %q lost text %q", s, got, kept.String())
		}
	})
}

// isSubsequence reports whether the bytes of sub appear in s in order.
func isSubsequence(sub, s string) bool {
	j := 0
	for i := 0; i < len(s) && j < len(sub); i++ {
		if s[i] == sub[j] {
			j++
		}
	}
	return j == len(sub)
}

// hiddenRunes are the characters issue 9 names (bidi embeddings,
// overrides, isolates and marks; zero-width characters) and the rest of the
// same kind: each must be drawn as an escape, never raw.
var hiddenRunes = []struct{ lo, hi rune }{
	{0x202a, 0x202e}, // LRE RLE PDF LRO RLO
	{0x2066, 0x2069}, // LRI RLI FSI PDI
	{0x200e, 0x200f}, // LRM RLM
	{0x061c, 0x061c}, // ALM
	{0x200b, 0x200d}, // ZWSP ZWNJ ZWJ
	{0x2060, 0x2064}, // word joiner, invisible operators
	{0xfeff, 0xfeff}, // BOM / ZWNBSP
	{0x00ad, 0x00ad}, // soft hyphen
	{0x180e, 0x180e}, // Mongolian vowel separator
	{0x2028, 0x2029}, // line and paragraph separators
	{0x206a, 0x206f}, // deprecated format characters
	{0xfff9, 0xfffb}, // interlinear annotation
	{0x115f, 0x1160}, // Hangul fillers
	{0x3164, 0x3164},
	{0xffa0, 0xffa0},
	{0xe0001, 0xe0001}, // language tag
	{0xe0020, 0xe007f}, // tag characters ("ASCII smuggling")
}

func listedHidden(r rune) bool {
	for _, h := range hiddenRunes {
		if r >= h.lo && r <= h.hi {
			return true
		}
	}
	return false
}

func TestTerminalEscapesHiddenCharacters(t *testing.T) {
	for _, h := range hiddenRunes {
		for r := h.lo; r <= h.hi; r++ {
			want := fmt.Sprintf(`\u%04x`, r)
			if r > 0xffff {
				want = fmt.Sprintf(`\U%08x`, r)
			}
			for _, in := range []string{string(r), "id" + string(r) + "x", "Köln" + string(r)} {
				got := Terminal(in)
				if !strings.Contains(got, want) || strings.ContainsRune(got, r) {
					t.Errorf("Terminal(%q) = %q, want %s in place of %U", in, got, want, r)
				}
				if !Hidden(r) || !TerminalEscapes(r) {
					t.Errorf("Hidden(%U) = false", r)
				}
			}
			// JSON output keeps the same value but spells the character out.
			js := string(SafeJSON(nil, []byte(`{"a":"x`+string(r)+`"}`)))
			if strings.ContainsRune(js, r) || !strings.Contains(js, `\u`) {
				t.Errorf("SafeJSON with %U = %q", r, js)
			}
			if s := string(appendJSONString(nil, "x"+string(r))); strings.ContainsRune(s, r) {
				t.Errorf("appendJSONString with %U = %q", r, s)
			}
		}
	}
	// Every format character (Cf) is hidden, whatever the list above misses.
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if unicode.Is(unicode.Cf, r) && !Hidden(r) {
			t.Errorf("%U is a format character but not Hidden", r)
		}
	}
	// Visible text around them is unchanged: Arabic, Hebrew, emoji with a
	// variation selector.
	for _, s := range []string{"مرحبا", "שלום", "\u2764\ufe0f", "e\u0301"} {
		if got := Terminal(s); got != s {
			t.Errorf("Terminal(%q) = %q", s, got)
		}
	}
}
