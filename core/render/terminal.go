// Package render turns activities into output formats and makes event text
// safe for the places it is shown.
package render

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terminal makes text from an event safe to print on a terminal: ESC, the
// C0 controls (tab too, since it breaks column layout), DEL, the C1 controls
// and invalid UTF-8 are written as visible escapes such as \x1b, so an event
// can never move the cursor, retitle the window or reach the clipboard.
// Characters that draw nothing or reorder what follows (see Hidden) are
// written as \u202e and the like, so what is shown is what the text holds.
func Terminal(s string) string {
	if safeForTerminal(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(hex2(byte(r)))
		case r >= 0x80 && r <= 0x9f || Hidden(r):
			writeRuneEscape(&b, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// TerminalEscapes reports whether Terminal writes r as an escape: a C0 or
// C1 control, DEL, or a Hidden character. Validation of names and titles
// uses it to refuse what could never be shown as typed.
func TerminalEscapes(r rune) bool {
	return r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || Hidden(r)
}

// Hidden reports a character that draws nothing or changes how the text
// around it is drawn: the Unicode format characters (category Cf: the bidi
// embeddings, overrides, isolates and marks U+202A-U+202E, U+2066-U+2069,
// U+200E, U+200F, U+061C; the zero-width space and joiners U+200B-U+200D;
// the word joiner and invisible operators U+2060-U+2064; the byte order mark
// U+FEFF; soft hyphen; tag characters), the line and paragraph separators
// and the Hangul fillers that render as blanks. A right-to-left override in
// a user name or file name makes "exe.txt" read as "txt.exe"; zero-width
// characters make two different ids look the same.
func Hidden(r rune) bool {
	if r < 0xad {
		return false // nothing below the soft hyphen is one; keeps ASCII fast
	}
	switch r {
	case 0x2028, 0x2029, 0x115f, 0x1160, 0x3164, 0xffa0:
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

func safeForTerminal(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			if c < 0x80 {
				return false // C0 or DEL
			}
			// Non-ASCII: take the slow path, which checks UTF-8, C1 and
			// hidden characters rune by rune.
			return utf8.ValidString(s) && !hasControl(s[i:])
		}
	}
	return true
}

// hasControl reports a rune Terminal escapes anywhere in valid UTF-8 s.
func hasControl(s string) bool {
	for _, r := range s {
		if TerminalEscapes(r) {
			return true
		}
	}
	return false
}

// writeRuneEscape writes r as \uXXXX, or \UXXXXXXXX above the BMP.
func writeRuneEscape(b *strings.Builder, r rune) {
	h := strconv.FormatUint(uint64(r), 16)
	if r > 0xffff {
		b.WriteString(`\U`)
		b.WriteString(strings.Repeat("0", 8-len(h)))
	} else {
		b.WriteString(`\u`)
		b.WriteString(strings.Repeat("0", 4-len(h)))
	}
	b.WriteString(h)
}

func hex2(c byte) string {
	h := strconv.FormatUint(uint64(c), 16)
	if len(h) == 1 {
		return "0" + h
	}
	return h
}
