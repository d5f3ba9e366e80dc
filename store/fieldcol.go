package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"runtime"
	"sort"
	"sync"
	"unsafe"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/cespare/xxhash/v2"
	"github.com/valyala/fastjson"
)

// Field columns: every leaf of every event is a column of its block, one
// Badger entry per (block, dotted path), so a filter on any field reads the
// column it names and never parses JSON.
//
// A column holds, for each row, the leaves its path reaches, with arrays
// transparent (raw.events[].name is the column raw.events.name, one value
// per element). Values are dictionary codes: per block the distinct values
// of a column (with their JSON kind, numbers as written) are listed once,
// so a predicate is evaluated once per distinct value, then looked up per
// row. What a column cannot answer exactly it says in its flags, and the
// planner reads the raw JSON of that block instead:
//
//   - container: the path is an object (or array of objects) in some row; a
//     contains on it searches the columns beneath, any other operator reads
//     the raw JSON.
//   - viaArray: some value was reached through an array: isnull then
//     depends on elements lacking the path, which leaves cannot show.
//
// Member names that a filter cannot spell (a dot, a space, nothing; or
// that make a path over maxFieldPathBytes) put
// every leaf beneath them into the column named by the parent path plus
// ".\x00" (or "\x00" at the top): such leaves are found by a text search
// and by contains on an ancestor, as in the raw JSON.

const (
	fcolMulti     = 1 << iota // some row has more than one value
	fcolViaArray              // some value was reached through an array
	fcolContainer             // the path is an object or array of objects in some row
	fcolOdd                   // the leaves beneath an unspellable member name
)

// leafEmptyArray marks an empty array at the end of a path: a filter reads
// it as missing (query.RawLeaf does so for any kind it does not know), the
// catalog as nothing.
const leafEmptyArray query.LeafKind = 100

// inlineDictMax bounds the dictionaries kept before a column's codes,
// uncompressed.
const inlineDictMax = 128

// oddSegment names the column of leaves beneath unspellable member names.
const oddSegment = "\x00"

// maxFieldPathBytes bounds a column's path, which its Badger key holds
// (Badger refuses keys over 65000 bytes, and with them the whole commit):
// a member name that would make a longer path is treated as unspellable,
// and filters on such paths read the raw JSON.
const maxFieldPathBytes = 4096

// fieldColumnBuilder gathers the leaves of a block's rows, path by path.
type fieldColumnBuilder struct {
	rows   int
	cols   map[string]*columnBuilder
	parser fastjson.Parser
	path   []byte
	num    []byte
	row    int
	err    error
	root   pathNode
	// idPairs are the byte pairs of the event ids, for the directory: a
	// text search reads the id column only when they may hold its needle.
	idPairs    [pairBytes]byte
	idPairsSet int
	hasIDs     bool
	arena      []byte // the texts of the dictionaries (see str)
}

// pathNode finds a member's column without hashing its path: events of one
// source repeat their member names in the same order, so each object's
// names are a short list searched from the last one found.
type pathNode struct {
	name string
	col  *columnBuilder
	kids []*pathNode
	next int // where the previous lookup found its name, plus one
	// byName indexes the kids of a wide object (member names that are ids:
	// every event adds some), where searching the list cost each lookup a
	// pass over all the names seen in the block.
	byName map[string]*pathNode
}

// pathNodeListMax is the number of kids searched as a list.
const pathNodeListMax = 32

func (n *pathNode) kid(name []byte) *pathNode {
	if n.byName != nil {
		if k := n.byName[string(name)]; k != nil {
			return k
		}
	} else {
		for i := 0; i < len(n.kids); i++ {
			j := (n.next + i) % len(n.kids)
			if k := n.kids[j]; k.name == string(name) {
				n.next = j + 1
				return k
			}
		}
	}
	k := &pathNode{name: string(name)}
	n.kids = append(n.kids, k)
	n.next = len(n.kids)
	switch {
	case n.byName != nil:
		n.byName[k.name] = k
	case len(n.kids) > pathNodeListMax:
		n.byName = make(map[string]*pathNode, 2*len(n.kids))
		for _, x := range n.kids {
			n.byName[x.name] = x
		}
	}
	return k
}

type columnBuilder struct {
	path      string
	flags     uint64
	strCodes  map[string]uint32
	numCodes  map[string]uint32
	trueCode  uint32
	falsCode  uint32
	nullCode  uint32
	emptyCode uint32
	kinds     []query.LeafKind // per code-1
	texts     []string
	rowOf     []uint32 // per value, in row order
	codes     []uint32
	lastRow   int
	leafRows  int
	plain     bool // strings are appended without a lookup
	// Rows holding a leaf other than an empty array, for the catalog.
	realRows, firstReal, lastReal int
}

// plainAfter is the dictionary size from which a column whose values are
// nearly all distinct stops looking them up.
const plainAfter = 512

func newFieldColumnBuilder() *fieldColumnBuilder {
	return &fieldColumnBuilder{cols: map[string]*columnBuilder{}}
}

// Builders are pooled across blocks: a source's paths, dictionaries and
// row slices repeat from block to block, and rebuilding them was most of
// the builder's allocations (and so of ingest's garbage collection).
var builderPool sync.Pool

// maxPooledPaths: a builder that met more paths (generated member names)
// is dropped rather than kept.
const maxPooledPaths = 4096

func getFieldColumnBuilder() *fieldColumnBuilder {
	if b, ok := builderPool.Get().(*fieldColumnBuilder); ok {
		return b
	}
	return newFieldColumnBuilder()
}

// release returns b to the pool. Nothing built from it may still refer to
// its texts: finish copies what it keeps.
func (b *fieldColumnBuilder) release() {
	if len(b.cols) > maxPooledPaths {
		return
	}
	b.rows, b.row, b.err = 0, 0, nil
	b.arena = b.arena[:0]
	b.idPairs, b.idPairsSet, b.hasIDs = [pairBytes]byte{}, 0, false
	for _, c := range b.cols {
		c.reset()
	}
	builderPool.Put(b)
}

func (c *columnBuilder) reset() {
	c.flags = 0
	clear(c.strCodes)
	clear(c.numCodes)
	c.trueCode, c.falsCode, c.nullCode, c.emptyCode = 0, 0, 0, 0
	clear(c.texts) // they point into the arena, which is written over
	c.kinds, c.texts, c.rowOf, c.codes = c.kinds[:0], c.texts[:0], c.rowOf[:0], c.codes[:0]
	c.lastRow, c.leafRows, c.plain = -1, 0, false
	c.realRows, c.firstReal, c.lastReal = 0, 0, -1
}

// str copies text into the builder's arena: one allocation per 64 KiB of
// distinct values instead of one per value.
func (b *fieldColumnBuilder) str(text []byte) string {
	if len(text) == 0 {
		return ""
	}
	if len(b.arena)+len(text) > cap(b.arena) {
		// A new chunk; strings in the old one keep it alive.
		b.arena = make([]byte, 0, max(64<<10, len(text)))
	}
	start := len(b.arena)
	b.arena = append(b.arena, text...)
	return unsafe.String(&b.arena[start], len(text))
}

// add walks one row's JSON.
func (b *fieldColumnBuilder) add(raw []byte) error {
	row := b.rows
	b.rows++
	v, err := b.parser.ParseBytes(raw)
	if err != nil {
		return fmt.Errorf("row %d: %w", row, err)
	}
	b.row = row
	b.path = b.path[:0]
	b.walk(v, &b.root, false, false)
	return nil
}

// col is the column of node n, whose path is b.path.
func (b *fieldColumnBuilder) col(n *pathNode) *columnBuilder {
	if n.col == nil {
		c := b.cols[string(b.path)]
		if c == nil {
			c = &columnBuilder{path: string(b.path), lastRow: -1, lastReal: -1}
			b.cols[c.path] = c
		}
		n.col = c
	}
	return n.col
}

// walk visits v at b.path. odd: beneath an unspellable name, where every
// leaf goes to the one column of b.path.
func (b *fieldColumnBuilder) walk(v *fastjson.Value, n *pathNode, inArray, odd bool) {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		if len(b.path) > 0 && !odd {
			b.col(n).flags |= fcolContainer
		}
		base := len(b.path)
		o.Visit(func(k []byte, e *fastjson.Value) {
			b.path = b.path[:base]
			switch {
			case odd:
				b.walk(e, n, inArray, odd)
			case spellable(k) && base+1+len(k) <= maxFieldPathBytes:
				if base > 0 {
					b.path = append(b.path, '.')
				}
				b.path = append(b.path, k...)
				b.walk(e, n.kid(k), inArray, odd)
			default:
				if base > 0 {
					b.path = append(b.path, '.')
				}
				b.path = append(b.path, oddSegment...)
				b.walk(e, n.kid([]byte(oddSegment)), true, true)
			}
		})
		b.path = b.path[:base]
	case fastjson.TypeArray:
		a, _ := v.Array()
		if len(a) == 0 {
			if len(b.path) > 0 {
				b.leaf(n, leafEmptyArray, nil, true, odd)
			}
			return
		}
		for _, e := range a {
			b.walk(e, n, true, odd)
		}
	case fastjson.TypeString:
		s, _ := v.StringBytes()
		b.leaf(n, query.LeafString, s, inArray, odd)
	case fastjson.TypeNumber:
		b.num = v.MarshalTo(b.num[:0])
		b.leaf(n, query.LeafNumber, b.num, inArray, odd)
	case fastjson.TypeTrue:
		b.leaf(n, query.LeafTrue, nil, inArray, odd)
	case fastjson.TypeFalse:
		b.leaf(n, query.LeafFalse, nil, inArray, odd)
	case fastjson.TypeNull:
		if len(b.path) > 0 {
			b.leaf(n, query.LeafNull, nil, inArray, odd)
		}
	}
}

// spellable: a member name a filter can write as one path segment (the
// characters of query's field names).
func spellable(k []byte) bool {
	if len(k) == 0 {
		return false
	}
	for _, c := range k {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '@' || c == '$' || c == '-') {
			return false
		}
	}
	return true
}

func (b *fieldColumnBuilder) leaf(n *pathNode, kind query.LeafKind, text []byte, inArray, odd bool) {
	if len(b.path) == 0 {
		return // a document that is not an object has no fields
	}
	if kind == query.LeafString && !inArray && string(b.path) == "event_id" {
		addPairs(&b.idPairs, &b.idPairsSet, text) // the block's id column has the value
		b.hasIDs = true
		return
	}
	c := b.col(n)
	if inArray {
		c.flags |= fcolViaArray
	}
	if odd {
		c.flags |= fcolOdd
	}
	code := c.code(b, kind, text)
	if c.lastRow == b.row {
		c.flags |= fcolMulti
	} else {
		c.lastRow = b.row
		c.leafRows++
	}
	if kind != leafEmptyArray && c.lastReal != b.row {
		if c.realRows == 0 {
			c.firstReal = b.row
		}
		c.lastReal = b.row
		c.realRows++
	}
	c.rowOf = append(c.rowOf, uint32(b.row))
	c.codes = append(c.codes, code)
}

func (c *columnBuilder) code(b *fieldColumnBuilder, kind query.LeafKind, text []byte) uint32 {
	var slot *uint32
	switch kind {
	case query.LeafString:
		if c.plain {
			return c.newCode(kind, b.str(text))
		}
		if len(c.kinds) >= plainAfter && len(c.kinds)*5 > len(c.codes)*4 {
			// Nearly every value is new (ids, times): looking each up only
			// costs a hash; the dictionary keeps repeats from here on.
			c.plain = true
			clear(c.strCodes)
			return c.newCode(kind, b.str(text))
		}
		if code, ok := c.smallLookup(kind, text); ok {
			return code
		}
		if c.strCodes == nil {
			c.strCodes = map[string]uint32{}
		}
		if len(c.kinds) > smallDict {
			if code, ok := c.strCodes[string(text)]; ok {
				return code
			}
		}
		s := b.str(text)
		code := c.newCode(kind, s)
		c.strCodes[s] = code
		return code
	case query.LeafNumber:
		if code, ok := c.smallLookup(kind, text); ok {
			return code
		}
		if c.numCodes == nil {
			c.numCodes = map[string]uint32{}
		}
		if len(c.kinds) > smallDict {
			if code, ok := c.numCodes[string(text)]; ok {
				return code
			}
		}
		s := b.str(text)
		code := c.newCode(kind, s)
		c.numCodes[s] = code
		return code
	case query.LeafTrue:
		slot, text = &c.trueCode, []byte("true")
	case query.LeafFalse:
		slot, text = &c.falsCode, []byte("false")
	case leafEmptyArray:
		slot = &c.emptyCode
	default:
		slot = &c.nullCode
	}
	if *slot == 0 {
		*slot = c.newCode(kind, string(text))
	}
	return *slot
}

// smallDict: up to this many values, a dictionary is searched by
// comparing texts, which beats hashing (most columns hold a few values).
const smallDict = 8

// smallLookup finds a value in a dictionary of at most smallDict entries;
// ok false means a larger dictionary (look in the map) or a new value.
func (c *columnBuilder) smallLookup(kind query.LeafKind, text []byte) (uint32, bool) {
	if len(c.kinds) > smallDict {
		return 0, false
	}
	for i, t := range c.texts {
		if c.kinds[i] == kind && t == string(text) {
			return uint32(i + 1), true
		}
	}
	return 0, false
}

func (c *columnBuilder) newCode(kind query.LeafKind, text string) uint32 {
	c.kinds = append(c.kinds, kind)
	c.texts = append(c.texts, text)
	return uint32(len(c.kinds))
}

// builtFieldColumn is one encoded column, with what the catalog and the
// posting index learn from it.
type builtFieldColumn struct {
	path     string
	value    []byte
	flags    uint64
	leafRows int
	ndict    int
	pairs    [pairBytes]byte // see fielddir.go
	// unlisted: observed for the catalog only, neither written nor in the
	// directory (see maxBlockFieldColumns).
	unlisted bool
	// For the field catalog: the types of the values, and the first and
	// last rows holding the path.
	types                       typeMask
	realRows, firstRow, lastRow int
	kinds                       []query.LeafKind
	hashes                      []uint64 // leafHash of each distinct value, for the catalog
}

// leafHash identifies a distinct value across blocks (the kind in the top
// byte: the string "true" is not the boolean).
func leafHash(kind query.LeafKind, text string) uint64 {
	return xxhash.Sum64String(text) ^ uint64(kind)<<56
}

// finish encodes every column, sorted by path.
func (b *fieldColumnBuilder) finish() []builtFieldColumn {
	paths := make([]string, 0, len(b.cols))
	for p, c := range b.cols {
		if c.flags != 0 || len(c.codes) > 0 {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	out := make([]builtFieldColumn, len(paths), len(paths)+2)
	overflow := len(paths) > maxBlockFieldColumns
	// The columns encode independently: on all cores.
	tasks := make([]func(), len(paths))
	for i, p := range paths {
		tasks[i] = func() { out[i] = b.cols[p].build(b.rows, overflow) }
	}
	runParallel(tasks)
	if overflow {
		out = append(out, builtFieldColumn{path: overflowPath})
	}
	if b.hasIDs {
		// Listed in the directory only (no value).
		out = append(out, builtFieldColumn{path: idPairsPath, pairs: b.idPairs, ndict: 1})
	}
	// The directory is sorted by path; the column of unspellable top-level
	// names ("\x00") sorts before the "\x01" entries.
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// build encodes the column of a block of rows, with its directory and
// catalog facts.
// unlisted: the block has too many columns to write (maxBlockFieldColumns);
// the column is only observed.
func (c *columnBuilder) build(rows int, unlisted bool) builtFieldColumn {
	bc := builtFieldColumn{path: c.path, flags: c.flags, leafRows: c.leafRows, ndict: len(c.kinds), unlisted: unlisted}
	pairsSet := 0
	var seenKinds [256]bool
	bc.hashes = make([]uint64, 0, len(c.kinds))
	for i, t := range c.texts {
		k := c.kinds[i]
		addPairs(&bc.pairs, &pairsSet, t)
		bc.types |= typeOf(k, t)
		if !seenKinds[k] {
			seenKinds[k] = true
			bc.kinds = append(bc.kinds, k)
		}
		if k != query.LeafNull && k != leafEmptyArray { // no distinct value
			bc.hashes = append(bc.hashes, leafHash(k, t))
		}
	}
	bc.realRows, bc.firstRow, bc.lastRow = c.realRows, c.firstReal, c.lastReal
	if !unlisted {
		bc.value = c.encode(rows)
	}
	return bc
}

// idPairsPath names the directory entry of the event ids' byte pairs; no
// filter can spell it.
const idPairsPath = "\x01event_id"

// maxBlockFieldColumns bounds the field columns of a block, each a Badger
// entry written in the block's commit: Badger refuses a transaction of more
// than about 26,000 entries (2.4 MiB with the store's 16 MiB memtables),
// and with it the whole commit, which events whose member names are ids
// reach. A block with more paths keeps none of its columns: its directory
// lists overflowPath alone (and the ids' pairs), and its field predicates
// read the raw JSON. The columns are still built, for the catalog.
const maxBlockFieldColumns = 4096

// overflowed reports whether a block's columns were too many to write.
func overflowed(cols []builtFieldColumn) bool {
	for _, c := range cols {
		if c.path == overflowPath {
			return true
		}
	}
	return false
}

// overflowPath names the directory entry of a block whose paths were too
// many for columns; no filter can spell it.
const overflowPath = "\x01overflow"

// Column entry layout:
//
//	u8 version (1), uvarint flags, rows, leafRows, ndict
//	u8 inline: 1 = the dictionary follows here (small ones, so pruning a
//	  block reads no codes); 0 = the dictionary opens the body
//	uvarint len + body, compressed: [dictionary] u8 code width (0: every
//	  row holds code 1), then per row: single-valued, a code (0 = none);
//	  multi-valued, a uvarint count per row, then all codes
const fieldColumnVersion = 1

func (c *columnBuilder) encode(rows int) []byte {
	e := enc{b: make([]byte, 0, 64)}
	e.b = append(e.b, fieldColumnVersion)
	e.uvarint(c.flags)
	e.uvarint(uint64(rows))
	e.uvarint(uint64(c.leafRows))
	e.uvarint(uint64(len(c.kinds)))
	writeDict := func(e *enc) {
		for i, k := range c.kinds {
			e.b = append(e.b, byte(k))
			e.str(c.texts[i])
		}
	}
	inline := len(c.kinds) <= inlineDictMax
	if inline {
		e.b = append(e.b, 1)
		writeDict(&e)
	} else {
		e.b = append(e.b, 0)
	}
	body := enc{b: make([]byte, 0, len(c.codes)*2+16)}
	if !inline {
		writeDict(&body)
	}
	multi := c.flags&fcolMulti != 0
	width := codeWidth(len(c.kinds))
	if !multi && len(c.kinds) == 1 && c.leafRows == rows {
		width = 0 // a constant
	}
	body.b = append(body.b, byte(width))
	put := func(code uint32) {
		switch width {
		case 1:
			body.b = append(body.b, byte(code))
		case 2:
			body.b = binary.LittleEndian.AppendUint16(body.b, uint16(code))
		case 4:
			body.b = binary.LittleEndian.AppendUint32(body.b, code)
		}
	}
	if width > 0 {
		if !multi {
			j := 0
			for r := range rows {
				code := uint32(0)
				if j < len(c.rowOf) && int(c.rowOf[j]) == r {
					code = c.codes[j]
					j++
				}
				put(code)
			}
		} else {
			j := 0
			for r := range rows {
				n := 0
				for j+n < len(c.rowOf) && int(c.rowOf[j+n]) == r {
					n++
				}
				body.uvarint(uint64(n))
				j += n
			}
			for _, code := range c.codes {
				put(code)
			}
		}
	}
	e.bytes(compress(body.b))
	return e.b
}

func codeWidth(ndict int) int {
	switch {
	case ndict < 1<<8:
		return 1
	case ndict < 1<<16:
		return 2
	}
	return 4
}

// fieldColumn is a read column. Its dictionary and codes are decoded on
// first use: a text search first runs over the dictionary's bytes and, in
// most columns, finds nothing to decode.
type fieldColumn struct {
	flags    uint64
	rows     int
	leafRows int
	ndict    int
	// dictBytes holds the dictionary as stored: per entry a kind byte, a
	// uvarint length and the text (booleans spelled out, numbers as
	// written), so a needle that no value contains is absent from it.
	dictBytes []byte
	codeBytes []byte

	dictOnce sync.Once
	kinds    []query.LeafKind // per code-1
	texts    []string
	dictErr  error

	codeOnce sync.Once
	single   []uint32 // single-valued: the code of each row (0 = none)
	start    []uint32 // multi-valued: row r's codes are multi[start[r]:start[r+1]]
	multi    []uint32
	codeErr  error
}

func (c *fieldColumn) container() bool { return c.flags&fcolContainer != 0 }
func (c *fieldColumn) viaArray() bool  { return c.flags&fcolViaArray != 0 }
func (c *fieldColumn) isMulti() bool   { return c.flags&fcolMulti != 0 }

// size approximates the column's memory once decoded, for the cache.
func (c *fieldColumn) size() int64 {
	return int64(96 + 2*len(c.dictBytes) + 24*c.ndict + len(c.codeBytes) + 4*(c.rows+1))
}

func decodeFieldColumn(v []byte) (*fieldColumn, error) {
	if len(v) == 0 || v[0] != fieldColumnVersion {
		return nil, fmt.Errorf("field column: %w", errCorrupt)
	}
	d := dec{b: v[1:]}
	c := &fieldColumn{}
	c.flags = d.uvarint()
	c.rows = d.count(0)
	c.leafRows = d.count(0)
	c.ndict = d.count(0)
	if d.err != nil || len(d.b) == 0 {
		return nil, errCorrupt
	}
	inline := d.b[0] == 1
	d.b = d.b[1:]
	var inlineDict []byte
	if inline {
		n, ok := dictLen(d.b, c.ndict)
		if !ok {
			return nil, errCorrupt
		}
		inlineDict = d.b[:n]
		d.b = d.b[n:]
	}
	packed := d.bytes()
	if d.err != nil {
		return nil, d.err
	}
	body, err := uncompress(packed)
	if err != nil {
		return nil, err
	}
	if len(packed) > 0 && packed[0] == codecNone {
		body = bytes.Clone(body) // v is Badger's, valid only while read
	}
	if inline {
		c.dictBytes = bytes.Clone(inlineDict)
	} else {
		n, ok := dictLen(body, c.ndict)
		if !ok {
			return nil, errCorrupt
		}
		c.dictBytes, body = body[:n:n], body[n:]
	}
	if len(body) == 0 {
		return nil, errCorrupt
	}
	c.codeBytes = body
	return c, nil
}

// dictLen is the byte length of a dictionary of n entries at the start of b.
func dictLen(b []byte, n int) (int, bool) {
	off := 0
	for range n {
		if off >= len(b) {
			return 0, false
		}
		l, k := binary.Uvarint(b[off+1:])
		if k <= 0 || l > uint64(len(b)) {
			return 0, false
		}
		off += 1 + k + int(l)
		if off > len(b) {
			return 0, false
		}
	}
	return off, true
}

// dict returns the dictionary: kinds and texts per code-1.
func (c *fieldColumn) dict() ([]query.LeafKind, []string, error) {
	c.dictOnce.Do(func() {
		all := string(c.dictBytes) // one allocation; the texts share it
		c.kinds = make([]query.LeafKind, c.ndict)
		c.texts = make([]string, c.ndict)
		off := 0
		for i := range c.ndict {
			c.kinds[i] = query.LeafKind(all[off])
			l, k := binary.Uvarint(c.dictBytes[off+1:])
			off += 1 + k
			c.texts[i] = all[off : off+int(l)]
			off += int(l)
		}
	})
	return c.kinds, c.texts, c.dictErr
}

// codes decodes the rows' codes.
func (c *fieldColumn) codes() error {
	c.codeOnce.Do(func() { c.codeErr = c.decodeCodes() })
	return c.codeErr
}

func (c *fieldColumn) decodeCodes() error {
	bd := dec{b: c.codeBytes}
	width := int(bd.b[0])
	bd.b = bd.b[1:]
	get := func() uint32 {
		var code uint32
		switch width {
		case 1:
			if len(bd.b) < 1 {
				bd.fail()
				return 0
			}
			code = uint32(bd.b[0])
			bd.b = bd.b[1:]
		case 2:
			if len(bd.b) < 2 {
				bd.fail()
				return 0
			}
			code = uint32(binary.LittleEndian.Uint16(bd.b))
			bd.b = bd.b[2:]
		case 4:
			if len(bd.b) < 4 {
				bd.fail()
				return 0
			}
			code = binary.LittleEndian.Uint32(bd.b)
			bd.b = bd.b[4:]
		default:
			bd.fail()
		}
		if int(code) > c.ndict {
			bd.fail()
		}
		return code
	}
	switch {
	case width == 0:
		if c.ndict != 1 || c.isMulti() {
			return errCorrupt
		}
		c.single = make([]uint32, c.rows)
		for i := range c.single {
			c.single[i] = 1
		}
	case !c.isMulti():
		if len(bd.b) < c.rows*width {
			return errCorrupt
		}
		c.single = make([]uint32, c.rows)
		for i := range c.single {
			c.single[i] = get()
		}
	default:
		c.start = make([]uint32, c.rows+1)
		total := 0
		for r := range c.rows {
			c.start[r] = uint32(total)
			total += bd.count(0)
		}
		c.start[c.rows] = uint32(total)
		if total > len(bd.b) {
			return errCorrupt
		}
		c.multi = make([]uint32, total)
		for i := range c.multi {
			c.multi[i] = get()
		}
	}
	return bd.err
}

// fieldColumnTasks splits building a block's field columns over the cores:
// each task walks a run of rows; finish merges the runs' dictionaries and
// encodes the columns. A row that does not parse (never, for ingested
// events) leaves the block without field columns: its field predicates then
// read the raw JSON, which reports the row.
func fieldColumnTasks(recs []core.IngestRecord) (tasks []func(), finish func() ([]builtFieldColumn, bool)) {
	parts := max(1, min(runtime.GOMAXPROCS(0), len(recs)/256))
	builders := make([]*fieldColumnBuilder, parts)
	for i := range parts {
		lo, hi := i*len(recs)/parts, (i+1)*len(recs)/parts
		tasks = append(tasks, func() {
			b := getFieldColumnBuilder()
			for _, r := range recs[lo:hi] {
				if err := b.add(r.Raw); err != nil {
					b.err = err
					break
				}
			}
			builders[i] = b
		})
	}
	finish = func() ([]builtFieldColumn, bool) {
		defer func() {
			for _, b := range builders {
				b.release()
			}
		}()
		all := builders[0]
		for _, b := range builders {
			if b.err != nil {
				return nil, false
			}
		}
		for _, b := range builders[1:] {
			all.appendRows(b)
		}
		return all.finish(), true
	}
	return tasks, finish
}

// appendRows adds o's rows after b's, recoding o's values into b's
// dictionaries.
func (b *fieldColumnBuilder) appendRows(o *fieldColumnBuilder) {
	off := uint32(b.rows)
	for path, oc := range o.cols {
		c := b.cols[path]
		if c == nil {
			c = &columnBuilder{path: path, lastRow: -1, lastReal: -1}
			b.cols[path] = c
		}
		c.flags |= oc.flags
		c.leafRows += oc.leafRows
		if oc.realRows > 0 {
			if c.realRows == 0 {
				c.firstReal = oc.firstReal + int(off)
			}
			c.lastReal = oc.lastReal + int(off)
			c.realRows += oc.realRows
		}
		remap := make([]uint32, len(oc.kinds)+1)
		for i, k := range oc.kinds {
			remap[i+1] = c.code(b, k, unsafe.Slice(unsafe.StringData(oc.texts[i]), len(oc.texts[i])))
		}
		for i, code := range oc.codes {
			c.rowOf = append(c.rowOf, oc.rowOf[i]+off)
			c.codes = append(c.codes, remap[code])
		}
	}
	b.rows += o.rows
	for i, x := range o.idPairs {
		b.idPairs[i] |= x
	}
	b.idPairsSet = 0
	for _, x := range b.idPairs {
		b.idPairsSet += bits.OnesCount8(x)
	}
	b.hasIDs = b.hasIDs || o.hasIDs
}
