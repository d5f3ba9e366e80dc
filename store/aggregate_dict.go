package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
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

// dictCounter is one worker's counts and reusable buffers for
// aggregateByDict.
type dictCounter struct {
	raw    []byte   // the column decompressed
	offs   []uint32 // per code: where its text starts in raw
	ends   []uint32 // and ends
	counts []int32  // per code: the block's matching rows with it
	hit    []uint16 // the codes counted in the block
	// The worker's totals over its blocks so far, by text: merged into the
	// table at the end (or when many), so workers do not take turns at
	// the table for every block's groups.
	rows    int64
	missing int64
	totals  map[string]int32 // text: its index in counted
	counted []int64
	values  *valueCounts // countByValues's buffers (aggregate_count.go)
}

func (dc *dictCounter) add(text string, n int64) {
	if i, ok := dc.totals[text]; ok {
		dc.counted[i] += n
		return
	}
	dc.totals[strings.Clone(text)] = int32(len(dc.counted))
	dc.counted = append(dc.counted, n)
}

// addBytes is add without a string per call: a map lookup by
// string(text) copies nothing.
func (dc *dictCounter) addBytes(text []byte, n int64) {
	if i, ok := dc.totals[string(text)]; ok {
		dc.counted[i] += n
		return
	}
	dc.totals[string(text)] = int32(len(dc.counted))
	dc.counted = append(dc.counted, n)
}

// maxWorkerTotals bounds a worker's totals before they go to the table:
// a field of many values (client_ip) must not grow them without bound.
// A variable for a test to make it small.
var maxWorkerTotals = 1 << 14

// aggregateByDict answers count() by a dictionary column: per block the
// matching rows, counted per code, each counted code's text added to the
// worker's totals; then the totals merged into table.
func (r *reader) aggregateByDict(ctx context.Context, p *plan, todo []*blockState, parallel bool, req *core.AggregateRequest, c column, table *core.AggTable) (core.AggregateResult, error) {
	return r.aggregateCounts(ctx, p, todo, parallel, req, table, func(x *exec, b *blockState, bs bitset, dc *dictCounter) error {
		return x.r.countByDict(b, c, bs, dc)
	}, func(text string) core.AggValue {
		return core.AggValue{Kind: query.LeafString, Text: text}
	})
}

// aggregateCounts runs a count() by one key whose blocks count into the
// worker's totals (countBlock); keyOf turns a total's text back into the
// group's value.
func (r *reader) aggregateCounts(ctx context.Context, p *plan, todo []*blockState, parallel bool, req *core.AggregateRequest, table *core.AggTable,
	countBlock func(x *exec, b *blockState, bs bitset, dc *dictCounter) error, keyOf func(text string) core.AggValue) (core.AggregateResult, error) {
	var mu sync.Mutex // guards table and workers
	var workers []*dictCounter
	flush := func(dc *dictCounter) {
		key := make([]core.AggValue, 1)
		part := core.AggPartial{Nums: make([]core.AggNum, len(req.Metrics)), Sets: make([][]uint64, len(req.Metrics))}
		table.AddRows(dc.rows)
		if dc.missing > 0 {
			key[0], part.Count = core.AggValue{Missing: true}, dc.missing
			table.Merge(key, &part)
		}
		for text, i := range dc.totals {
			key[0], part.Count = keyOf(text), dc.counted[i]
			table.Merge(key, &part)
		}
		dc.rows, dc.missing = 0, 0
		clear(dc.totals)
		dc.counted = dc.counted[:0]
	}
	defer func() { r.scratch = nil }()
	keep := keepCompressed(len(todo), r.s.cache.limit)
	err := r.eachBlock(ctx, p, "aggregate", todo, parallel, func(x *exec, b *blockState) error {
		if x.r.scratch == nil {
			x.r.scratch = &columnScratch{counter: &dictCounter{totals: map[string]int32{}}, keep: keep}
			mu.Lock()
			workers = append(workers, x.r.scratch.counter)
			mu.Unlock()
		}
		dc := x.r.scratch.counter
		bs, err := x.matchingRows(b)
		if err != nil {
			return err
		}
		if bs.next(0) < 0 {
			return nil
		}
		if err := countBlock(x, b, bs, dc); err != nil {
			return fmt.Errorf("block %d field %s: %w", b.hdr.Seq, req.By[0].Field, err)
		}
		if len(dc.totals) >= maxWorkerTotals {
			mu.Lock()
			flush(dc)
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return core.AggregateResult{}, err
	}
	for _, dc := range workers {
		flush(dc)
	}
	return table.Result(), nil
}

// countByDict adds the rows of bs, by their code in column c of block b,
// to dc's totals.
func (r *reader) countByDict(b *blockState, c column, bs bitset, dc *dictCounter) error {
	seq := b.hdr.Seq
	var (
		rows  int
		nd    int
		dict  *dictColumn
		codes []byte
	)
	if v, ok := r.s.cache.get(cacheKey{seq: seq, col: uint32(c)}); ok {
		// Decoded already (a filter on the field, or an earlier scan).
		dict = v.(*dictColumn)
		rows, nd = len(dict.codes), max(len(dict.dict)-1, 0)
	} else {
		raw, err := r.rawInto(seq, c, dc.raw[:0])
		if err != nil {
			return err
		}
		dc.raw = raw
		if rows, nd, codes, err = dc.index(raw); err != nil {
			return fmt.Errorf("column %d: %w", c, err)
		}
	}
	if nd > 0 && rows != b.hdr.Rows {
		return fmt.Errorf("column %d: %d rows, the block has %d: %w", c, rows, b.hdr.Rows, errCorrupt)
	}
	if cap(dc.counts) < nd+1 {
		dc.counts = make([]int32, nd+1)
	}
	counts := dc.counts[:nd+1]
	hit := dc.hit[:0]
	for row := bs.next(0); row >= 0; row = bs.next(row + 1) {
		dc.rows++
		var cd uint16 // no row of the block has the field: missing
		switch {
		case nd == 0:
		case dict != nil:
			cd = dict.codes[row]
		default:
			cd = binary.LittleEndian.Uint16(codes[2*row:])
		}
		if counts[cd] == 0 {
			hit = append(hit, cd)
		}
		counts[cd]++
	}
	for _, cd := range hit {
		n := int64(counts[cd])
		counts[cd] = 0 // clean for the next block
		if cd == 0 {
			dc.missing += n
			continue
		}
		if dict != nil {
			dc.add(dict.dict[cd], n)
		} else {
			dc.addBytes(dc.raw[dc.offs[cd]:dc.ends[cd]], n)
		}
	}
	dc.hit = hit
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

// rawInto reads column c of block seq, decompressed into dst's memory
// when it is large enough (the result is valid until dst is reused). An
// aggregation small enough (scratch.keep) keeps the compressed bytes in
// the decoded cache: asking again then costs the decompression only, not
// Badger's read, which is mostly faulting the value-log pages back in
// (the store unmaps them every few blocks) and checksumming them.
func (r *reader) rawInto(seq uint64, c column, dst []byte) ([]byte, error) {
	keep := r.scratch != nil && r.scratch.keep
	ck := cacheKey{seq: seq, col: uint32(c), path: compressedPath}
	if keep {
		if v, ok := r.s.cache.get(ck); ok {
			return uncompressInto(dst, v.([]byte))
		}
	}
	key := columnKey(seq, c)
	item, err := r.item(key)
	if err != nil {
		return nil, err
	}
	var out []byte
	err = item.Value(func(v []byte) error {
		b, err := uncompressInto(dst, v)
		if err == nil && keep {
			r.s.cache.put(ck, bytes.Clone(v), int64(len(v))+48)
		}
		out = b
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", describeKey(key), err)
	}
	return out, nil
}

// compressedPath marks a cache entry of a typed column's compressed bytes
// (typed columns decoded have no path).
const compressedPath = "\x00compressed"

// keepCompressed says whether an aggregation over blocks keeps its typed
// columns' compressed bytes in the decoded cache: when three columns of
// each (a filter's two and the group's, about 40 KB a block of 4,096
// events) fill at most half of it. A larger one would only churn the
// cache, evicting every block before the next query asks for it again.
func keepCompressed(blocks int, cacheBytes int64) bool {
	return int64(blocks)*compressedBytesPerBlock <= cacheBytes/2
}

const compressedBytesPerBlock = 40 << 10

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
