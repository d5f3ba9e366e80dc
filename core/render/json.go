package render

import (
	"unicode/utf8"
)

// Column is one output column: a field path and its label (HSS ExportHead).
type Column struct {
	Field string
	Label string
}

// SafeJSON appends JSON text with the characters that JSON allows raw but a
// terminal would act on written as escapes: DEL and the C1 controls become
// \u007f and \u0080..\u009f, bytes that are not UTF-8 become \ufffd, and
// control bytes between tokens (CR, tab) become spaces.
// Outside strings JSON is ASCII, so the result is the same JSON value.
func SafeJSON(dst, raw []byte) []byte {
	start := 0
	for i := 0; i < len(raw); {
		c := raw[i]
		if c < 0x7f && c >= 0x20 {
			i++
			continue
		}
		if c < 0x20 {
			// Valid JSON has control bytes only as whitespace between
			// tokens: a space is the same JSON and moves no cursor.
			dst = append(dst, raw[start:i]...)
			dst = append(dst, ' ')
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(raw[i:])
		var esc string
		switch {
		case c == 0x7f:
			esc = `\u007f`
		case r == utf8.RuneError && size == 1:
			esc = `\ufffd`
		case r >= 0x80 && r <= 0x9f:
			esc = `\u00` + hex2(byte(r))
		default:
			i += size
			continue
		}
		dst = append(dst, raw[start:i]...)
		dst = append(dst, esc...)
		i += size
		start = i
	}
	return append(dst, raw[start:]...)
}
