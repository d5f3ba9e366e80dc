package store

// Posting index: for a high-cardinality field (event_id, user.user_email,
// client_ip), which blocks and rows hold a value. It replaces probing every
// block's bloom filter on eq/in lookups: at 10M events that probing read
// 2,400 bloom entries per query.
//
// API (keyed by field path, so any string column can be fed in later):
//
//	var pb postingBuilder
//	pb.add(path, seq, rowHashes) // one call per block and path; rowHashes[row]
//	                             // is postingHash(path, value), 0 for no value
//	dir, err := s.writePostings(txn, dir, &pb) // level-0 segments, in the
//	                                           // block's own transaction
//	hits, ok := dir.lookup(path, hashes)       // at query time
//	hits.covers(seq), hits.rows[seq]           // blocks not covered: use blooms
//
// A path is indexed when postingNormal has it (with its value normaliser:
// user emails are matched case-insensitively, so they are hashed lowercased).
// To index another string field: add it to postingNormal, feed it in
// postingBuilder.addBlock (new blocks) and reader.addStoredBlock (blocks
// written before, backfilled on open: only paths some block lacks are
// built). The planner then answers its eq/in predicates from postings
// (plan.planPostings) by field path; nothing else changes.
//
// Layout. Badger writes about 230k entries/s, so there is never an entry per
// value or per (value, block): a commit writes one segment per path, a few
// entries, and segments are merged LSM-style (postingFanout of one level
// make one of the next), so a lookup reads one page of each of a few dozen
// segments. A segment is
//
//	'x' path 0 id(8)          -> directory entry: first, last block seq, level, page bits, entries, state
//	'y' path 0 id(8) page(4)  -> page: the segment's entries whose fingerprint starts with page's bits
//
// An entry is (fingerprint, block seq, row); the fingerprint is the top 32
// bits of the value's xxhash, so postings over-approximate (a collision adds
// a row the predicate then rejects) and never miss. A page holds its distinct
// fingerprints as a sorted array (binary search) and their (seq, row) lists
// as varint deltas.
//
// Coverage: a segment covers the blocks with seq in [first, last]; every
// block written with postings (and every block backfilled on open) has all
// its entries in some segment whose range includes its seq, so a covered
// block absent from a value's hits cannot hold the value. Blocks replaced by
// a merge leave entries behind until their segment is merged (dropped then);
// replaced rows stay listed and the deletion bitmap hides them.

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/dgraph-io/badger/v4"
)

const (
	prefixPostingDir  = 'x'
	prefixPostingPage = 'y'
)

// postingNormal lists the indexed paths and how a value is normalised
// before hashing (nil: as is). The planner uses the same normaliser.
var postingNormal = map[string]func(string) string{
	"event_id":        nil,
	"user.user_email": strings.ToLower,
	"client_ip":       nil,
}

// postingFold says which paths' postings also serve case-insensitive matches.
var postingFold = map[string]bool{"user.user_email": true}

// postingHash is the hash a value is indexed and looked up under. event_id
// hashes are those of the block's hash column, so backfill needs no ids.
func postingHash(path, v string) uint64 {
	if f := postingNormal[path]; f != nil {
		v = f(v)
	}
	h := xxhash.Sum64String(v)
	if h == 0 {
		h = 1 // 0 means "no value" in rowHashes
	}
	return h
}

type postingEntry struct {
	fp  uint32
	row uint32
	seq uint64
}

func cmpEntry(a, b postingEntry) int {
	if c := cmp.Compare(a.fp, b.fp); c != 0 {
		return c
	}
	if c := cmp.Compare(a.seq, b.seq); c != 0 {
		return c
	}
	return cmp.Compare(a.row, b.row)
}

// sortEntries sorts by (fingerprint, seq, row). Entries of up to 65536
// blocks from base are sorted as packed integers: a commit's sort was a
// tenth of the posting index's ingest cost with a comparison function.
func sortEntries(es []postingEntry, base uint64) {
	keys := make([]uint64, len(es))
	for i, e := range es {
		if e.seq < base || e.seq-base >= 1<<16 || e.row >= 1<<16 {
			slices.SortFunc(es, cmpEntry)
			return
		}
		keys[i] = uint64(e.fp)<<32 | (e.seq-base)<<16 | uint64(e.row)
	}
	slices.Sort(keys)
	for i, k := range keys {
		es[i] = postingEntry{fp: uint32(k >> 32), seq: base + (k>>16)&0xffff, row: uint32(k & 0xffff)}
	}
}

// mergeRuns merges sorted runs into one sorted slice.
func mergeRuns(runs [][]postingEntry) []postingEntry {
	for len(runs) > 1 {
		var next [][]postingEntry
		for i := 0; i < len(runs); i += 2 {
			if i+1 == len(runs) {
				next = append(next, runs[i])
				continue
			}
			a, b := runs[i], runs[i+1]
			out := make([]postingEntry, 0, len(a)+len(b))
			for len(a) > 0 && len(b) > 0 {
				if cmpEntry(a[0], b[0]) <= 0 {
					out, a = append(out, a[0]), a[1:]
				} else {
					out, b = append(out, b[0]), b[1:]
				}
			}
			next = append(next, append(append(out, a...), b...))
		}
		runs = next
	}
	if len(runs) == 0 {
		return nil
	}
	return runs[0]
}

// postingBuilder collects the entries of new blocks, per path.
type postingBuilder struct {
	byPath      map[string][]postingEntry
	first, last uint64
	blocks      int
}

// add records one block's values for path: rowHashes[row] is
// postingHash(path, value), or 0 when the row has none.
func (b *postingBuilder) add(path string, seq uint64, rowHashes []uint64) {
	if b.byPath == nil {
		b.byPath = map[string][]postingEntry{}
		b.first = seq
	}
	b.first, b.last = min(b.first, seq), max(b.last, seq)
	es := b.byPath[path]
	for row, h := range rowHashes {
		if h != 0 {
			es = append(es, postingEntry{fp: uint32(h >> 32), seq: seq, row: uint32(row)})
		}
	}
	b.byPath[path] = es
}

// addBlock feeds a freshly built block's indexed columns.
func (b *postingBuilder) addBlock(bb *builtBlock) {
	n := len(bb.recs)
	ids, users, ips := make([]uint64, n), make([]uint64, n), make([]uint64, n)
	for i := range bb.recs {
		f := &bb.recs[i].Fields
		ids[i] = postingHash("event_id", f.EventID)
		if f.UserEmail != "" {
			users[i] = postingHash("user.user_email", f.UserEmail)
		}
		if f.ClientIP != "" {
			ips[i] = postingHash("client_ip", f.ClientIP)
		}
	}
	b.add("event_id", bb.hdr.Seq, ids)
	b.add("user.user_email", bb.hdr.Seq, users)
	b.add("client_ip", bb.hdr.Seq, ips)
	b.blocks++
}

// postingSeg is one segment's directory entry.
type postingSeg struct {
	path        string
	id          uint64
	first, last uint64
	level       uint8
	bits        uint8 // 1<<bits pages, by the fingerprint's top bits
	entries     int
	building    bool // pages may be partly written (a crash mid-merge)
}

// postingDir is the set of segments one snapshot sees; never mutated.
type postingDir struct {
	segs   map[string][]*postingSeg // per path, oldest first
	nextID uint64
	db     *badger.DB // where the pages are read from
}

func (d *postingDir) clone() *postingDir {
	n := &postingDir{segs: map[string][]*postingSeg{}}
	if d != nil {
		for p, s := range d.segs {
			n.segs[p] = slices.Clone(s)
		}
		n.nextID, n.db = d.nextID, d.db
	}
	return n
}

func postingPrefix(kind byte, path string, id uint64) []byte {
	k := make([]byte, 0, 2+len(path)+12)
	k = append(k, kind)
	k = append(k, path...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, id)
}

func postingDirKey(path string, id uint64) []byte { return postingPrefix(prefixPostingDir, path, id) }

func postingPageKey(path string, id uint64, page uint32) []byte {
	return binary.BigEndian.AppendUint32(postingPrefix(prefixPostingPage, path, id), page)
}

func (g *postingSeg) encode() []byte {
	var e enc
	e.uvarint(g.first)
	e.uvarint(g.last)
	e.uvarint(uint64(g.level))
	e.uvarint(uint64(g.bits))
	e.uvarint(uint64(g.entries))
	if g.building {
		e.uvarint(1)
	} else {
		e.uvarint(0)
	}
	return e.b
}

func decodePostingSeg(k, v []byte) (*postingSeg, error) {
	i := slices.Index(k, 0)
	if i < 1 || len(k) != i+9 {
		return nil, fmt.Errorf("posting directory key %q: %w", k, errCorrupt)
	}
	d := dec{b: v}
	g := &postingSeg{path: string(k[1:i]), id: binary.BigEndian.Uint64(k[i+1:])}
	g.first, g.last = d.uvarint(), d.uvarint()
	g.level, g.bits = uint8(d.uvarint()), uint8(d.uvarint())
	g.entries = int(d.uvarint())
	g.building = d.uvarint() == 1
	if d.err != nil || g.bits > 24 {
		return nil, fmt.Errorf("posting segment %d of %s: %w", g.id, g.path, errCorrupt)
	}
	return g, nil
}

// postingPageEntries is the target size of a page: small enough that a
// lookup reads little, large enough that a 10M-event segment has few pages.
const postingPageEntries = 4096

func pageBitsFor(entries int) uint8 {
	var k uint8
	for k < 20 && entries>>k > postingPageEntries {
		k++
	}
	return k
}

func pageOf(fp uint32, bits uint8) uint32 {
	if bits == 0 {
		return 0
	}
	return fp >> (32 - bits)
}

// encodePage lays out entries (sorted, one page) as: group count, the
// fingerprints (u32 each), the groups' end offsets (u32 each), then per
// group the count and (seq delta, row) varints, seqs relative to base.
func encodePage(es []postingEntry, base uint64) []byte {
	fps := make([]uint32, 0, len(es))
	payload := make([]byte, 0, 4*len(es))
	ends := make([]uint32, 0, len(es))
	for i := 0; i < len(es); {
		j := i
		for j < len(es) && es[j].fp == es[i].fp {
			j++
		}
		fps = append(fps, es[i].fp)
		payload = binary.AppendUvarint(payload, uint64(j-i))
		prev := base
		for _, e := range es[i:j] {
			payload = binary.AppendUvarint(payload, e.seq-prev)
			payload = binary.AppendUvarint(payload, uint64(e.row))
			prev = e.seq
		}
		ends = append(ends, uint32(len(payload)))
		i = j
	}
	out := binary.AppendUvarint(make([]byte, 0, 8+8*len(fps)+len(payload)), uint64(len(fps)))
	for _, f := range fps {
		out = binary.LittleEndian.AppendUint32(out, f)
	}
	for _, e := range ends {
		out = binary.LittleEndian.AppendUint32(out, e)
	}
	return append(out, payload...)
}

// postingPage is a page read in place.
type postingPage struct {
	n       int
	fps     []byte
	ends    []byte
	payload []byte
}

func parsePage(b []byte) (postingPage, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b))/8 {
		return postingPage{}, errCorrupt
	}
	b = b[k:]
	p := postingPage{n: int(n), fps: b[:4*n], ends: b[4*n : 8*n], payload: b[8*n:]}
	if p.n > 0 && int(binary.LittleEndian.Uint32(p.ends[4*(p.n-1):])) > len(p.payload) {
		return postingPage{}, errCorrupt
	}
	return p, nil
}

func (p postingPage) fp(i int) uint32 { return binary.LittleEndian.Uint32(p.fps[4*i:]) }

// group appends the entries of group i to out.
func (p postingPage) group(i int, base uint64, out []postingEntry) ([]postingEntry, error) {
	lo := 0
	if i > 0 {
		lo = int(binary.LittleEndian.Uint32(p.ends[4*(i-1):]))
	}
	hi := int(binary.LittleEndian.Uint32(p.ends[4*i:]))
	if lo > hi || hi > len(p.payload) {
		return out, errCorrupt
	}
	d := dec{b: p.payload[lo:hi]}
	n := d.count(2)
	fp := p.fp(i)
	seq := base
	for range n {
		seq += d.uvarint()
		out = append(out, postingEntry{fp: fp, seq: seq, row: uint32(d.uvarint())})
	}
	return out, d.err
}

// find returns the index of the group with fingerprint fp, or -1.
func (p postingPage) find(fp uint32) int {
	lo, hi := 0, p.n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if p.fp(m) < fp {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < p.n && p.fp(lo) == fp {
		return lo
	}
	return -1
}

// all decodes every entry of the page.
func (p postingPage) all(base uint64, out []postingEntry) ([]postingEntry, error) {
	out = slices.Grow(out, len(p.payload)/2) // an entry takes at least two bytes
	var err error
	for i := range p.n {
		if out, err = p.group(i, base, out); err != nil {
			return out, err
		}
	}
	return out, nil
}

// setter is what segments are written through: one transaction, or a
// sequence of them for a segment too large for one.
type setter interface {
	Set(k, v []byte) error
}

// writeSegment writes sorted entries as segment g's pages; g.bits is set here.
func writeSegment(w setter, g *postingSeg, es []postingEntry) error {
	g.entries = len(es)
	g.bits = pageBitsFor(len(es))
	for page, i := uint32(0), 0; page < 1<<g.bits; page++ {
		j := i
		for j < len(es) && pageOf(es[j].fp, g.bits) == page {
			j++
		}
		if err := w.Set(postingPageKey(g.path, g.id, page), encodePage(es[i:j], g.first)); err != nil {
			return fmt.Errorf("write posting segment %d of %s: %w", g.id, g.path, err)
		}
		i = j
	}
	return nil
}

// writePostings adds the builder's entries to txn as level-0 segments and
// returns the directory that includes them (dir itself is left alone).
func (s *Store) writePostings(txn *badger.Txn, dir *postingDir, b *postingBuilder) (*postingDir, error) {
	if len(b.byPath) == 0 {
		return dir, nil
	}
	next := dir.clone()
	for _, path := range slices.Sorted(mapKeys(b.byPath)) {
		es := b.byPath[path]
		sortEntries(es, b.first)
		g := &postingSeg{path: path, id: next.nextID, first: b.first, last: b.last, level: levelFor(b.blocks)}
		next.nextID++
		if err := writeSegment(txn, g, es); err != nil {
			return nil, err
		}
		if err := txn.Set(postingDirKey(path, g.id), g.encode()); err != nil {
			return nil, fmt.Errorf("write posting directory: %w", err)
		}
		next.segs[path] = append(next.segs[path], g)
	}
	return next, nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// postingFanout segments of one level merge into one of the next; a
// segment of level L covers about postingFanout^L commits' blocks.
const postingFanout = 16

func levelFor(blocks int) uint8 {
	var l uint8
	for n := postingFanout; blocks >= n && l < 12; n *= postingFanout {
		l++
	}
	return l
}

// loadPostings reads the posting directory. Segments a crash left half
// written are returned separately, for removal.
func loadPostings(txn *badger.Txn) (*postingDir, []*postingSeg, error) {
	dir := &postingDir{segs: map[string][]*postingSeg{}}
	var broken []*postingSeg
	err := eachValue(txn, prefixPostingDir, func(k, v []byte) error {
		g, err := decodePostingSeg(k, v)
		if err != nil {
			return err
		}
		dir.nextID = max(dir.nextID, g.id+1)
		if g.building {
			broken = append(broken, g)
			return nil
		}
		dir.segs[g.path] = append(dir.segs[g.path], g)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("posting directory: %w", err)
	}
	for _, segs := range dir.segs {
		slices.SortFunc(segs, func(a, b *postingSeg) int { return cmp.Compare(a.id, b.id) })
	}
	return dir, broken, nil
}
