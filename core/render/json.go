package render

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// Column is one output column: a field path and its label (HSS ExportHead).
type Column struct {
	Field string
	Label string
	// Kind is what the cells hold: xlsx writes them typed, html and pdf
	// show times in the report's zone. Text when unset.
	Kind ColumnKind `json:"-"`
}

// ColumnKind is the type of a column's cells.
type ColumnKind int

// Column kinds. Cells are always text in a Row: times RFC 3339, booleans
// true/false, numbers as Go writes them; a cell that does not parse as its
// kind is written as text.
const (
	KindText ColumnKind = iota
	KindTime
	KindBool
	KindNumber
)

// SafeJSON appends JSON text with the characters that JSON allows raw but a
// terminal would act on written as escapes: DEL and the C1 controls become
// \u007f and \u0080..\u009f, the Hidden characters (bidi controls,
// zero-width characters) become \u escapes, bytes that are not UTF-8 become \ufffd, and
// control bytes between tokens (CR, tab) become spaces.
// Outside strings JSON is ASCII, so the result is the same JSON value.
func SafeJSON(dst, raw []byte) []byte {
	start := 0
	for i := 0; i < len(raw); {
		i = skipSafe(raw, i)
		if i >= len(raw) {
			break
		}
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
		case Hidden(r):
			// Only inside strings (JSON is ASCII outside), where \u is the same text.
			dst = append(dst, raw[start:i]...)
			dst = appendJSONEscape(dst, r)
			i += size
			start = i
			continue
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

// skipSafe returns the index of the first byte at or after i that SafeJSON
// may have to rewrite (< 0x20 or >= 0x7f), eight bytes at a time: nearly
// every event is printable ASCII.
func skipSafe(b []byte, i int) int {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	for i+8 <= len(b) {
		w := binary.LittleEndian.Uint64(b[i:])
		del := w ^ (0x7f * lsb)
		// high bit set in a byte that is >= 0x80, < 0x20, or == 0x7f
		m := (w | (w - 0x20*lsb) | (del-lsb)&^del) & msb
		if m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		i += 8
	}
	for i < len(b) && b[i] >= 0x20 && b[i] < 0x7f {
		i++
	}
	return i
}
