package store

import (
	"fmt"
	"sort"
	"strings"

	"github.com/auditdeck/auditdeck/core/query"
)

// A block's field directory lists its field columns with, per column, a
// 1024-bit set of the byte pairs in its values (ASCII letters folded to
// lower case). A text search reads only the columns holding every pair of
// its needle; a filter on a path the block lacks reads nothing. One small
// entry per block, read once through the decoded cache.

const (
	fieldDirVersion = 1
	pairBits        = 1024
	pairBytes       = pairBits / 8
)

type fieldDirEntry struct {
	path     string
	flags    uint64
	ndict    int
	leafRows int
	pairs    [pairBytes]byte
}

type fieldDir struct {
	entries []fieldDirEntry // sorted by path
}

func foldByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func pairBit(a, b byte) uint { return (uint(foldByte(a))*31 + uint(foldByte(b))*7919) % pairBits }

// addPairs records the byte pairs of text; n counts the bits set, and
// once all are (random text fills the set fast) there is nothing to add.
// A text holding a letter whose lower case is ASCII (see foldsToASCII) also
// records the pairs of its lower case, which icontains compares.
func addPairs[T string | []byte](set *[pairBytes]byte, n *int, text T) {
	for i := 0; i+1 < len(text) && *n < pairBits; i++ {
		bit := pairBit(text[i], text[i+1])
		if m := byte(1) << (bit % 8); set[bit/8]&m == 0 {
			set[bit/8] |= m
			*n++
		}
	}
	if *n < pairBits && foldsToASCII(text) {
		addPairs(set, n, strings.ToLower(string(text)))
	}
}

// The only characters outside ASCII whose lower case (strings.ToLower,
// which icontains and iin apply to values) is an ASCII letter: K KELVIN
// SIGN (U+212A) lowers to k, İ (U+0130) to i. Byte prefilters that fold
// ASCII letters only would miss "kelvin" in "\u212Aelvin".
const (
	kelvinSign     = "\u212a"
	capitalIDotted = "\u0130"
)

// foldsToASCII reports whether text holds K KELVIN SIGN or İ: a text an
// ASCII-folding byte prefilter cannot rule out for icontains.
func foldsToASCII[T string | []byte](text T) bool {
	for i := 0; i+1 < len(text); i++ {
		switch text[i] {
		case capitalIDotted[0]:
			if text[i+1] == capitalIDotted[1] {
				return true
			}
		case kelvinSign[0]:
			if i+2 < len(text) && text[i+1] == kelvinSign[1] && text[i+2] == kelvinSign[2] {
				return true
			}
		}
	}
	return false
}

// mayHoldAny reports whether a text with every pair of one of words may
// be among the column's values: false only when, for each word, some pair
// of it is missing. Words shorter than two bytes prove nothing.
func (e *fieldDirEntry) mayHoldAny(words []string) bool {
	for _, w := range words {
		if len(w) < 2 {
			return true
		}
		ok := true
		for i := 0; i+1 < len(w); i++ {
			bit := pairBit(w[i], w[i+1])
			if e.pairs[bit/8]&(1<<(bit%8)) == 0 {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func encodeFieldDir(cols []builtFieldColumn) []byte {
	listed := make([]builtFieldColumn, 0, len(cols))
	for _, c := range cols {
		if !c.unlisted {
			listed = append(listed, c)
		}
	}
	e := enc{b: make([]byte, 0, len(listed)*(pairBytes+32)+8)}
	e.b = append(e.b, fieldDirVersion)
	e.uvarint(uint64(len(listed)))
	for _, c := range listed {
		e.str(c.path)
		e.uvarint(c.flags)
		e.uvarint(uint64(c.ndict))
		e.uvarint(uint64(c.leafRows))
		e.b = append(e.b, c.pairs[:]...)
	}
	return compress(e.b)
}

func decodeFieldDir(v []byte) (*fieldDir, error) {
	if len(v) == 0 || v[0] != fieldDirVersion {
		return nil, fmt.Errorf("field directory: %w", errCorrupt)
	}
	d := dec{b: v[1:]}
	n := d.count(pairBytes)
	fd := &fieldDir{entries: make([]fieldDirEntry, n)}
	for i := range n {
		en := &fd.entries[i]
		en.path = d.str()
		en.flags = d.uvarint()
		en.ndict = d.count(0)
		en.leafRows = d.count(0)
		if len(d.b) < pairBytes {
			return nil, errCorrupt
		}
		copy(en.pairs[:], d.b[:pairBytes])
		d.b = d.b[pairBytes:]
		if i > 0 && fd.entries[i-1].path >= en.path {
			return nil, errCorrupt
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	return fd, nil
}

func (fd *fieldDir) size() int64 {
	n := int64(32 + len(fd.entries)*(pairBytes+64))
	for _, e := range fd.entries {
		n += int64(len(e.path))
	}
	return n
}

// find returns the entry of path, or nil.
func (fd *fieldDir) find(path string) *fieldDirEntry {
	i := sort.Search(len(fd.entries), func(i int) bool { return fd.entries[i].path >= path })
	if i < len(fd.entries) && fd.entries[i].path == path {
		return &fd.entries[i]
	}
	return nil
}

// beneath returns the entries at or beneath path ("" for all).
func (fd *fieldDir) beneath(path string) []fieldDirEntry {
	if path == "" {
		return fd.entries
	}
	var out []fieldDirEntry
	i := sort.Search(len(fd.entries), func(i int) bool { return fd.entries[i].path >= path })
	for ; i < len(fd.entries) && strings.HasPrefix(fd.entries[i].path, path); i++ {
		if p := fd.entries[i].path; p == path || p[len(path)] == '.' {
			out = append(out, fd.entries[i])
		}
	}
	return out
}

// pairWords are the words whose byte pairs a column must hold for pr to
// pass on some value: the needles of contains and text searches, the texts
// of an exact eq. nil: no such proof.
func pairWords(pr *query.Pred) []string {
	if pr.Negated() {
		return nil
	}
	if words, _, ok := pr.Needles(); ok && len(words) > 0 {
		return words
	}
	return nil
}
