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
//
// (The dotted paths of the members, for the field catalog, are the store's
// business: it observes them as it seals each block.)
//
// Names are compared by a 64-bit hash of the dotted path; equal hashes are
// confirmed on the bytes.
type keyTracker struct {
	b      []byte
	levels []trackLevel
	keys   []keyRef // the names of the open objects; levels[i].first indexes in
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
	return ""
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
