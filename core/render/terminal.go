// Package render turns activities into output formats and makes event text
// safe for the places it is shown.
package render

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Terminal makes text from an event safe to print on a terminal: ESC, the
// C0 controls (tab too, since it breaks column layout), DEL, the C1 controls
// and invalid UTF-8 are written as visible escapes such as \x1b, so an event
// can never move the cursor, retitle the window or reach the clipboard.
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
		case r >= 0x80 && r <= 0x9f:
			b.WriteString(`\u00`)
			b.WriteString(hex2(byte(r)))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func safeForTerminal(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			if c < 0x80 {
				return false // C0 or DEL
			}
			// Non-ASCII: take the slow path, which checks UTF-8 and C1 rune by rune.
			return utf8.ValidString(s) && !hasControl(s[i:])
		}
	}
	return true
}

// hasControl reports a C0, DEL or C1 control anywhere in valid UTF-8 s.
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f {
			return true
		}
	}
	return false
}

func hex2(c byte) string {
	h := strconv.FormatUint(uint64(c), 16)
	if len(h) == 1 {
		return "0" + h
	}
	return h
}
