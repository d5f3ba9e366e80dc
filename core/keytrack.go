package core

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
)

// keyTracker follows the member names of the objects a jsonScanner is
// inside, for the checks only new events get:
//
//   - a member name given twice in one object makes the event ambiguous:
//     filters and CSV read the first value (fastjson), while the API and the
//     detail pane show the last (encoding/json, JavaScript). Ingest refuses
//     such an event, with the dotted path of the name, so every reader of a
//     stored event sees the same document.
//   - the dotted paths of all members (array elements are transparent, as in
//     filters) are collected once per extractor into FieldPaths, so that a
//     filter on a field no event has can be told apart from one that just
//     matches nothing.
//
// Names are compared by a 64-bit hash of the dotted path, which also keys the
// set of paths already seen; equal hashes are confirmed on the bytes.
type keyTracker struct {
	b      []byte
	levels []trackLevel
	keys   []keyRef // the names of the open objects; levels[i].first indexes in

	seen     pathSeen
	newPaths []string
	overflow bool // too many distinct paths: FieldPaths is incomplete
}

type trackLevel struct {
	obj   bool
	first int    // objects: index in keys of the first name
	path  uint64 // hash of the dotted path of this container
	index int    // arrays: the element being scanned
	big   map[uint64]int
}

type keyRef struct {
	path       uint64 // hash of the member's dotted path
	start, end int    // the name's string in b, quotes included
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	// maxFieldPaths bounds the paths one extractor collects; an event source
	// with generated member names (ids as keys) would otherwise grow it
	// without end.
	maxFieldPaths = 20000
	// maxFieldPathBytes: longer paths are not collected (nobody types them).
	maxFieldPathBytes = 256
	// bigObject is the member count from which an object's names are kept
	// in a map rather than compared one by one.
	bigObject = 32
)

func (t *keyTracker) reset(b []byte) {
	t.b = b
	t.levels = t.levels[:0]
	t.keys = t.keys[:0]
}

// current is the path hash of the value being scanned.
func (t *keyTracker) current() uint64 {
	if len(t.levels) == 0 {
		return fnvOffset
	}
	l := &t.levels[len(t.levels)-1]
	if l.obj && len(t.keys) > l.first {
		return t.keys[len(t.keys)-1].path
	}
	return l.path
}

func (t *keyTracker) open(obj bool) {
	t.levels = append(t.levels, trackLevel{obj: obj, first: len(t.keys), path: t.current()})
}

func (t *keyTracker) close() {
	l := t.levels[len(t.levels)-1]
	t.keys = t.keys[:l.first]
	t.levels = t.levels[:len(t.levels)-1]
}

// elem moves an array to its next element.
func (t *keyTracker) elem() {
	t.levels[len(t.levels)-1].index++
}

// name is the decoded member name of a key string at [start, end).
func (t *keyTracker) name(start, end int) []byte {
	n := t.b[start+1 : end-1]
	if bytes.IndexByte(n, '\\') >= 0 {
		return []byte(unescapeJSON(n))
	}
	return n
}

// key records the member name at [start, end) of the innermost object. It
// returns the dotted path of the name when the object already has it.
func (t *keyTracker) key(start, end int) (dup string) {
	l := &t.levels[len(t.levels)-1]
	name := t.b[start+1 : end-1]
	h, escaped := hashName(l.path, name)
	if escaped {
		name = []byte(unescapeJSON(name)) // "\u0078" is "x" too
		h, _ = hashName(l.path, name)
	}
	siblings := t.keys[l.first:]
	if l.big != nil {
		if i, ok := l.big[h]; ok && bytes.Equal(t.name(siblings[i].start, siblings[i].end), name) {
			return t.path(name)
		}
	} else {
		for i := range siblings {
			if siblings[i].path == h && bytes.Equal(t.name(siblings[i].start, siblings[i].end), name) {
				return t.path(name)
			}
		}
	}
	t.keys = append(t.keys, keyRef{path: h, start: start, end: end})
	if n := len(t.keys) - l.first; n == bigObject {
		l.big = make(map[uint64]int, 2*bigObject)
		for i, k := range t.keys[l.first:] {
			l.big[k.path] = i
		}
	} else if l.big != nil {
		l.big[h] = n - 1
	}
	if !t.overflow && !t.seen.has(h) {
		t.record(h)
	}
	return ""
}

// record adds the path of the name just added to the paths seen.
func (t *keyTracker) record(h uint64) {
	if t.seen.n >= maxFieldPaths {
		t.overflow = true
		return
	}
	t.seen.add(h)
	if p, ok := t.fieldPath(); ok {
		t.newPaths = append(t.newPaths, p)
	}
}

// fieldPath is the dotted path of the last name, without array indexes,
// when it can be written in a filter.
func (t *keyTracker) fieldPath() (string, bool) {
	var sb strings.Builder
	for i, l := range t.levels {
		if !l.obj {
			continue
		}
		end := len(t.keys)
		if i+1 < len(t.levels) {
			end = t.levels[i+1].first
		}
		k := t.keys[end-1]
		seg := t.name(k.start, k.end)
		if !validSegment(seg) {
			return "", false
		}
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		sb.Write(seg)
		if sb.Len() > maxFieldPathBytes {
			return "", false
		}
	}
	return sb.String(), true
}

// path is the dotted path, with array indexes, of name in the innermost
// object, for the error message.
func (t *keyTracker) path(name []byte) string {
	var sb strings.Builder
	for i, l := range t.levels {
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		if !l.obj {
			sb.WriteString(strconv.Itoa(l.index))
			continue
		}
		if i+1 == len(t.levels) {
			sb.Write(name)
			continue
		}
		k := t.keys[t.levels[i+1].first-1]
		sb.Write(t.name(k.start, k.end))
	}
	return sb.String()
}

// validSegment: the characters a filter's field segment may have.
func validSegment(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '@' || c == '$' || c == '-') {
			return false
		}
	}
	return true
}

// hashName continues the hash of a parent path with a member name, eight
// bytes at a time. escaped reports a backslash in name: the caller hashes
// the decoded name instead.
func hashName(parent uint64, name []byte) (h uint64, escaped bool) {
	const (
		lsb = 0x0101010101010101
		msb = 0x8080808080808080
		bs  = '\\' * lsb
	)
	h = parent
	for len(name) >= 8 {
		w := binary.LittleEndian.Uint64(name)
		if x := w ^ bs; (x-lsb)&^x&msb != 0 {
			escaped = true
		}
		h = (h ^ w) * fnvPrime
		h ^= h >> 29
		name = name[8:]
	}
	var tail uint64
	for i, c := range name {
		if c == '\\' {
			escaped = true
		}
		tail |= uint64(c) << (8 * i)
	}
	h = (h ^ tail ^ uint64(len(name))<<59) * fnvPrime
	h ^= h >> 32
	return h, escaped
}

// pathSeen is a set of path hashes: open addressing, cheaper per lookup than
// a map on the ingest hot path.
type pathSeen struct {
	slots []uint64 // 0 = empty; a zero hash is stored as 1
	n     int
}

func (s *pathSeen) has(h uint64) bool {
	if h == 0 {
		h = 1
	}
	if len(s.slots) == 0 {
		return false
	}
	mask := uint64(len(s.slots) - 1)
	for i := (h * 0x9E3779B97F4A7C15) >> 32 & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return true
		case 0:
			return false
		}
	}
}

func (s *pathSeen) add(h uint64) {
	if h == 0 {
		h = 1
	}
	if 2*(s.n+1) > len(s.slots) {
		old := s.slots
		s.slots = make([]uint64, max(256, 2*len(old)))
		s.n = 0
		for _, o := range old {
			if o != 0 {
				s.add(o)
			}
		}
	}
	mask := uint64(len(s.slots) - 1)
	for i := (h * 0x9E3779B97F4A7C15) >> 32 & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return
		case 0:
			s.slots[i] = h
			s.n++
			return
		}
	}
}
