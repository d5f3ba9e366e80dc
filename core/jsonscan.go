package core

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonScanner validates a whole JSON text against RFC 8259 while pulling out
// a few member values by path, without building a tree. Ingest spends most
// of its time here, so it walks bytes with a lookup table and allocates
// nothing unless a wanted string has escapes.
type jsonScanner struct {
	b   []byte
	i   int
	err error
	// track, when set, follows member names for new events: see keyTracker.
	track *keyTracker
	dup   string // the dotted path of a duplicated member name, when track found one
}

// duplicate fails the scan for a member name given twice.
func (s *jsonScanner) duplicate(path string) {
	s.dup = path
	s.fail("duplicate member name %q", path)
}

// jsonKind is the type of a scanned value.
type jsonKind uint8

const (
	kindNone jsonKind = iota // absent
	kindNull
	kindBool
	kindNumber
	kindString
	kindObject
	kindArray
)

func (k jsonKind) String() string {
	return [...]string{"nothing", "null", "boolean", "number", "string", "object", "array"}[k]
}

// jsonValue is a scanned value's kind and its bytes in the input.
type jsonValue struct {
	kind    jsonKind
	start   int
	end     int
	escaped bool // a string with backslash escapes
	truth   bool // for kindBool
}

const maxJSONDepth = 256

// strStop marks bytes that end the fast run inside a string.
var strStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func (s *jsonScanner) fail(format string, a ...any) {
	if s.err == nil {
		s.err = fmt.Errorf("at byte %d: "+format, append([]any{s.i}, a...)...)
	}
	s.i = len(s.b)
}

func (s *jsonScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) found() string {
	if s.i >= len(s.b) {
		return "end of input"
	}
	c := s.b[s.i]
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", string(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// str scans a string starting at the opening quote.
func (s *jsonScanner) str() jsonValue {
	v := jsonValue{kind: kindString, start: s.i}
	s.i++
	for {
		s.i = skipPlain(s.b, s.i)
		if s.i >= len(s.b) {
			s.fail("unterminated string")
			return v
		}
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			v.end = s.i
			return v
		case c == '\\':
			v.escaped = true
			if s.i+1 >= len(s.b) {
				s.fail("unterminated escape")
				return v
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) || !isHex4(s.b[s.i+2:s.i+6]) {
					s.fail(`invalid \u escape`)
					return v
				}
				s.i += 6
			default:
				s.i++
				s.fail("invalid escape")
				return v
			}
		default:
			s.fail("control character in string")
			return v
		}
	}
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// skipPlain returns the index of the first byte at or after i that is a
// quote, a backslash or a control character, eight bytes at a time.
func skipPlain(b []byte, i int) int {
	for i+8 <= len(b) {
		w := binary.LittleEndian.Uint64(b[i:])
		q := w ^ ('"' * lsb)
		bs := w ^ ('\\' * lsb)
		m := ((q - lsb) &^ q) | ((bs - lsb) &^ bs) | ((w - 0x20*lsb) &^ w)
		m &= msb
		if m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		i += 8
	}
	for i < len(b) && !strStop[b[i]] {
		i++
	}
	return i
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func (s *jsonScanner) number() jsonValue {
	v := jsonValue{kind: kindNumber, start: s.i}
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.i < len(s.b) && s.b[s.i] == '0' {
		s.i++
	} else if digits() == 0 {
		s.fail("expected a digit, found %s", s.found())
		return v
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			s.fail("expected a digit after the decimal point, found %s", s.found())
			return v
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			s.fail("expected an exponent, found %s", s.found())
			return v
		}
	}
	v.end = s.i
	return v
}

func (s *jsonScanner) literal(word string, v jsonValue) jsonValue {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		s.fail("expected a JSON value, found %s", s.found())
		return v
	}
	v.start = s.i
	s.i += len(word)
	v.end = s.i
	return v
}

// value scans any value. want, when not nil, asks for members of an object
// value by key: each gets the value scanned below it (recursively through
// the nested want of the member).
func (s *jsonScanner) value(depth int, want *wantSet) jsonValue {
	if depth > maxJSONDepth {
		s.fail("nested deeper than %d levels", maxJSONDepth)
		return jsonValue{}
	}
	s.ws()
	if s.i >= len(s.b) {
		s.fail("expected a JSON value, found end of input")
		return jsonValue{}
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(depth, want)
	case c == '[':
		start := s.i
		s.i++
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return jsonValue{kind: kindArray, start: start, end: s.i}
		}
		if s.track != nil {
			s.track.open(false)
		}
		for s.err == nil {
			s.skip(depth + 1)
			s.ws()
			if s.i < len(s.b) && s.b[s.i] == ',' {
				s.i++
				if s.track != nil {
					s.track.elem()
				}
				continue
			}
			if s.i < len(s.b) && s.b[s.i] == ']' {
				s.i++
				if s.track != nil {
					s.track.close()
				}
				return jsonValue{kind: kindArray, start: start, end: s.i}
			}
			s.fail(`expected "," or "]" in array, found %s`, s.found())
		}
		return jsonValue{}
	case c == '"':
		return s.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return s.literal("true", jsonValue{kind: kindBool, truth: true})
	case c == 'f':
		return s.literal("false", jsonValue{kind: kindBool})
	case c == 'n':
		return s.literal("null", jsonValue{kind: kindNull})
	}
	s.fail("expected a JSON value, found %s", s.found())
	return jsonValue{}
}

func (s *jsonScanner) object(depth int, want *wantSet) jsonValue {
	start := s.i
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return jsonValue{kind: kindObject, start: start, end: s.i}
	}
	if s.track != nil {
		s.track.open(true)
	}
	for s.err == nil {
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			s.fail("expected a member name, found %s", s.found())
			break
		}
		k := s.str()
		if s.track != nil && s.err == nil {
			if dup := s.track.key(k.start, k.end); dup != "" {
				s.duplicate(dup)
				break
			}
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			s.fail(`expected ":" after a member name, found %s`, s.found())
			break
		}
		s.i++
		var slot *wantSlot
		if want != nil {
			name := s.b[k.start+1 : k.end-1]
			if k.escaped {
				name = []byte(unescapeJSON(name)) // "event\u005fid" is event_id too
			}
			slot = want.slot(name)
		}
		if slot != nil && slot.val.kind == kindNone {
			slot.val = s.value(depth+1, slot.sub)
		} else {
			s.skip(depth + 1)
		}
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == ',' {
			s.i++
			continue
		}
		if s.i < len(s.b) && s.b[s.i] == '}' {
			s.i++
			if s.track != nil {
				s.track.close()
			}
			return jsonValue{kind: kindObject, start: start, end: s.i}
		}
		s.fail(`expected "," or "}" in object, found %s`, s.found())
	}
	return jsonValue{}
}

// wantSet lists the members wanted from one object. The first occurrence of
// a duplicated key wins, as in the query evaluator.
type wantSet struct {
	slots []wantSlot
}

type wantSlot struct {
	key string
	sub *wantSet
	val jsonValue
}

func (w *wantSet) slot(key []byte) *wantSlot {
	for i := range w.slots {
		if w.slots[i].key == string(key) {
			return &w.slots[i]
		}
	}
	return nil
}

func (w *wantSet) reset() {
	for i := range w.slots {
		w.slots[i].val = jsonValue{}
		if w.slots[i].sub != nil {
			w.slots[i].sub.reset()
		}
	}
}

// unescapeJSON decodes the body of a JSON string (without its quotes).
func unescapeJSON(b []byte) string {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		switch b[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := rune(hexVal(b[i+1 : i+5]))
			i += 4
			if utf16.IsSurrogate(r) && i+6 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
				r2 := rune(hexVal(b[i+3 : i+7]))
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					r = d
					i += 6
				}
			}
			if utf16.IsSurrogate(r) {
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
		default: // " \ /
			out = append(out, b[i])
		}
	}
	return string(out)
}

func hexVal(b []byte) uint32 {
	var v uint32
	for _, c := range b {
		v <<= 4
		switch {
		case c >= '0' && c <= '9':
			v |= uint32(c - '0')
		case c >= 'a' && c <= 'f':
			v |= uint32(c - 'a' + 10)
		default:
			v |= uint32(c - 'A' + 10)
		}
	}
	return v
}

// skip validates and steps over one value without recursion or bookkeeping:
// the bulk of an event (its raw record) goes through here.
func (s *jsonScanner) skip(depth int) {
	var stack [maxJSONDepth]byte
	n := 0
	b := s.b
	i := s.i
	var c byte
value:
	i = skipWS(b, i)
	if i >= len(b) {
		s.i = i
		s.fail("expected a JSON value, found end of input")
		return
	}
	switch c = b[i]; c {
	case '{':
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == '}' {
			i++
			goto after
		}
		if n+depth >= maxJSONDepth {
			s.i = i
			s.fail("nested deeper than %d levels", maxJSONDepth)
			return
		}
		stack[n] = '{'
		n++
		if s.track != nil {
			s.track.open(true)
		}
		goto key
	case '[':
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == ']' {
			i++
			goto after
		}
		if n+depth >= maxJSONDepth {
			s.i = i
			s.fail("nested deeper than %d levels", maxJSONDepth)
			return
		}
		stack[n] = '['
		n++
		if s.track != nil {
			s.track.open(false)
		}
		goto value
	case '"':
		s.i = i
		if i = scanStr(b, i); i < 0 {
			s.str() // scan again from the start for the precise error
			return
		}
	case 't':
		s.i = i
		s.literal("true", jsonValue{})
		i = s.i
	case 'f':
		s.i = i
		s.literal("false", jsonValue{})
		i = s.i
	case 'n':
		s.i = i
		s.literal("null", jsonValue{})
		i = s.i
	default:
		if c == '-' || c >= '0' && c <= '9' {
			s.i = i
			s.number()
			i = s.i
		} else {
			s.i = i
			s.fail("expected a JSON value, found %s", s.found())
			return
		}
	}
	if s.err != nil {
		return
	}
after:
	if n == 0 {
		s.i = i
		return
	}
	i = skipWS(b, i)
	if i >= len(b) {
		s.i = i
		s.fail("unexpected end of input inside a value")
		return
	}
	switch b[i] {
	case ',':
		i++
		if stack[n-1] == '{' {
			goto key
		}
		if s.track != nil {
			s.track.elem()
		}
		goto value
	case '}':
		if stack[n-1] != '{' {
			s.i = i
			s.fail(`expected "," or "]" in array, found "}"`)
			return
		}
		n--
		i++
		if s.track != nil {
			s.track.close()
		}
		goto after
	case ']':
		if stack[n-1] != '[' {
			s.i = i
			s.fail(`expected "," or "}" in object, found "]"`)
			return
		}
		n--
		i++
		if s.track != nil {
			s.track.close()
		}
		goto after
	}
	s.i = i
	if stack[n-1] == '{' {
		s.fail(`expected "," or "}" in object, found %s`, s.found())
	} else {
		s.fail(`expected "," or "]" in array, found %s`, s.found())
	}
	return
key:
	i = skipWS(b, i)
	if i >= len(b) || b[i] != '"' {
		s.i = i
		s.fail("expected a member name, found %s", s.found())
		return
	}
	s.i = i
	if i = scanStr(b, i); i < 0 {
		s.str()
		return
	}
	if s.track != nil {
		if dup := s.track.key(s.i, i); dup != "" {
			s.duplicate(dup)
			return
		}
	}
	i = skipWS(b, i)
	if i >= len(b) || b[i] != ':' {
		s.i = i
		s.fail(`expected ":" after a member name, found %s`, s.found())
		return
	}
	i++
	goto value
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanStr steps over a valid string starting at its quote and returns the
// index after it, or -1 when the string is invalid.
func scanStr(b []byte, i int) int {
	i++
	for {
		i = skipPlain(b, i)
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			if i+1 >= len(b) {
				return -1
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex4(b[i+2:i+6]) {
					return -1
				}
				i += 6
			default:
				return -1
			}
		default:
			return -1
		}
	}
}
