package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/dgraph-io/badger/v4"
	"github.com/klauspost/compress/s2"
)

// The common aggregation, count() by one field with a dictionary column of
// its own (user, IP, vendor, country...), e.g. the users with the most
// failed logins, counts the candidate rows per dictionary code in a flat
// array and reads the text of only the codes it counted. The general path
// (valuesOf and a group per code tuple) builds every code's value first:
// for the user column that is about 2,500 strings a block to count the 160
// failed logins among its 4,096 rows.
//
// A column nobody has cached is decompressed into a buffer the worker
// reuses and not cached: the user column of 1M events is 18 MB decoded,
// more than half the decoded cache, and a top 10 over 10M walks 2,400
// blocks in order, which an LRU cache of 32 MiB would only churn (every
// block evicted before the next query asks again). Decompressing a block's
// column again costs less than allocating, keeping and collecting it.

// dictGroupColumn returns the dictionary column req groups by when req is
// such a count: one key, a field with a dictionary column, and no metric
// but count.
func dictGroupColumn(req *core.AggregateRequest) (column, bool) {
	if len(req.By) != 1 || req.By[0].Every > 0 || !isDictColumn(req.By[0].Field) {
		return 0, false
	}
	for _, m := range req.Metrics {
		if m.Op != core.StatCount || m.Field != "" {
			return 0, false
		}
	}
	return columnOf[req.By[0].Field], true
}

// dictCounter is one worker's reusable buffers for countByDict.
type dictCounter struct {
	raw    []byte   // the column decompressed
	offs   []uint32 // per code: where its text starts in raw (offs[code]) and ends (offs[code+1] minus the next length)
	ends   []uint32
	counts []int32 // per code: the candidate rows with it
	hit    []uint16
	text   []byte // the counted codes' texts back to back
}

var dictCounters = sync.Pool{New: func() any { return new(dictCounter) }}

// countByDict fills g with the rows of bs counted per code of column c of
// block b.
func (r *reader) countByDict(b *blockState, c column, bs bitset, nMetrics int, g *blockGroups) error {
	seq := b.hdr.Seq
	k := &dictCounters
	dc := k.Get().(*dictCounter)
	defer k.Put(dc)
	var (
		rows  int
		nd    int
		code  func(i int) uint16
		text  func(code uint16) []byte
		codes []byte
	)
	if v, ok := r.s.cache.get(cacheKey{seq: seq, col: uint32(c)}); ok {
		// Decoded already (a filter on the field, or an earlier scan).
		d := v.(*dictColumn)
		rows, nd = len(d.codes), len(d.dict)-1
		if nd < 0 {
			nd = 0
		}
		code = func(i int) uint16 { return d.codes[i] }
		text = func(c uint16) []byte { return []byte(d.dict[c]) }
	} else {
		raw, err := r.rawInto(columnKey(seq, c), dc.raw[:0])
		if err != nil {
			return err
		}
		dc.raw = raw
		if rows, nd, codes, err = dc.index(raw); err != nil {
			return fmt.Errorf("block %d column %d: %w", seq, c, err)
		}
		code = func(i int) uint16 { return binary.LittleEndian.Uint16(codes[2*i:]) }
		text = func(c uint16) []byte { return raw[dc.offs[c]:dc.ends[c]] }
	}
	if nd > 0 && rows != b.hdr.Rows {
		return fmt.Errorf("block %d column %d: %d rows, the block has %d: %w", seq, c, rows, b.hdr.Rows, errCorrupt)
	}
	if cap(dc.counts) < nd+1 {
		dc.counts = make([]int32, nd+1)
	}
	counts := dc.counts[:nd+1]
	clear(counts)
	hit := dc.hit[:0]
	for row := bs.next(0); row >= 0; row = bs.next(row + 1) {
		g.rows++
		var cd uint16 // no column (no row of the block has the field): missing
		if nd > 0 {
			cd = code(row)
		}
		if counts[cd] == 0 {
			hit = append(hit, cd)
		}
		counts[cd]++
	}
	dc.hit = hit
	// The texts go to one string: the table copies what it keeps, but the
	// values live until the block's groups are merged, after dc is reused.
	buf := dc.text[:0]
	for _, cd := range hit {
		if cd != 0 {
			buf = append(buf, text(cd)...)
		}
	}
	dc.text = buf
	all := string(buf)
	v := &blockValues{kinds: make([]query.LeafKind, 0, len(hit)), texts: make([]string, 0, len(hit))}
	g.values = []*blockValues{v}
	g.keys = make([][core.MaxGroupFields]uint32, 0, len(hit))
	parts := make([]core.AggPartial, len(hit))
	g.parts = make([]*core.AggPartial, len(hit))
	var nums []core.AggNum
	var sets [][]uint64
	if nMetrics > 0 {
		nums = make([]core.AggNum, len(hit)*nMetrics)
		sets = make([][]uint64, len(hit)*nMetrics)
	}
	at := 0
	for i, cd := range hit {
		var key [core.MaxGroupFields]uint32
		if cd != 0 {
			t := text(cd)
			v.kinds = append(v.kinds, query.LeafString)
			v.texts = append(v.texts, all[at:at+len(t)])
			at += len(t)
			key[0] = uint32(len(v.kinds))
		}
		p := &parts[i]
		p.Count = int64(counts[cd])
		if nMetrics > 0 {
			p.Nums = nums[i*nMetrics : (i+1)*nMetrics : (i+1)*nMetrics]
			p.Sets = sets[i*nMetrics : (i+1)*nMetrics : (i+1)*nMetrics]
		}
		g.keys = append(g.keys, key)
		g.parts[i] = p
	}
	return nil
}

// index reads a dictionary column's layout (decodeDict's format: rows,
// dictionary size, the texts with their lengths, a uint16 code per row)
// without copying it: where each text is, and the codes.
func (dc *dictCounter) index(b []byte) (rows, nd int, codes []byte, err error) {
	d := dec{b: b}
	rows = d.count(2)
	nd = d.count(1)
	if d.err != nil {
		return 0, 0, nil, errCorrupt
	}
	if cap(dc.offs) < nd+1 {
		dc.offs = make([]uint32, nd+1)
		dc.ends = make([]uint32, nd+1)
	}
	dc.offs, dc.ends = dc.offs[:nd+1], dc.ends[:nd+1]
	for i := 1; i <= nd; i++ {
		l := d.count(1)
		if d.err != nil || l > len(d.b) {
			return 0, 0, nil, errCorrupt
		}
		off := len(b) - len(d.b)
		dc.offs[i], dc.ends[i] = uint32(off), uint32(off+l)
		d.b = d.b[l:]
	}
	if len(d.b) < 2*rows {
		return 0, 0, nil, errCorrupt
	}
	codes = d.b[:2*rows]
	for i := 0; i < rows; i++ {
		if int(binary.LittleEndian.Uint16(codes[2*i:])) > nd {
			return 0, 0, nil, errCorrupt
		}
	}
	return rows, nd, codes, nil
}

// rawInto is raw decompressing into dst's memory when it is large enough
// (the result is valid until dst is reused).
func (r *reader) rawInto(key []byte, dst []byte) ([]byte, error) {
	r.at = key
	r.s.mappedRead()
	item, err := r.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("read %s: not in the store: %w", describeKey(key), core.ErrDamaged)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", describeKey(key), err)
	}
	var out []byte
	err = item.Value(func(v []byte) error {
		b, err := uncompressInto(dst, v)
		out = b
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", describeKey(key), err)
	}
	return out, nil
}

// uncompressInto is uncompress writing into dst's memory when it is large
// enough; an uncompressed value is copied, as v is Badger's.
func uncompressInto(dst, v []byte) ([]byte, error) {
	if len(v) == 0 {
		return nil, errCorrupt
	}
	switch v[0] {
	case codecNone:
		return append(dst[:0], v[1:]...), nil
	case codecS2:
		n, err := s2.DecodedLen(v[1:])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errCorrupt, err)
		}
		if cap(dst) < n {
			dst = make([]byte, n)
		}
		out, err := s2.Decode(dst[:cap(dst)], v[1:])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errCorrupt, err)
		}
		return out, nil
	}
	return uncompress(v)
}
