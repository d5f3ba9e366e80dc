package store

import (
	"fmt"

	"github.com/auditdeck/auditdeck/core"
)

// columnScratch holds one aggregation worker's typed columns (the filter's
// event_type and operation_successful, a group's vendor...) of the block it
// is on, decoded into memory reused from block to block. An aggregation
// reads each block once and in order: at 10M events its typed columns are
// 30 MB decoded, and putting them in the 32 MiB cache only evicted what the
// next block, and interactive queries, needed, at the price of an
// allocation per column and block. A column another query cached is read
// from the cache.
//
// What the scratch hands out is valid until the worker's next block: the
// aggregation merges a block's groups (copying their texts) before it
// starts the next.
type columnScratch struct {
	raw   [numColumns][]byte
	dicts [numColumns]dictColumn
	tris  [numColumns][]core.Tri
	// counter is aggregateByDict's per worker (aggregate_dict.go).
	counter *dictCounter
	// keep: the aggregation is small enough to keep its columns'
	// compressed bytes in the decoded cache (keepCompressed).
	keep bool
}

func (r *reader) scratchDict(seq uint64, c column) (*dictColumn, error) {
	if v, ok := r.s.cache.get(cacheKey{seq: seq, col: uint32(c)}); ok {
		return v.(*dictColumn), nil
	}
	b, err := r.rawInto(seq, c, r.scratch.raw[c])
	if err != nil {
		return nil, err
	}
	r.scratch.raw[c] = b
	d, err := decodeDictInto(&r.scratch.dicts[c], b)
	if err != nil {
		return nil, fmt.Errorf("block %d column %d: %w", seq, c, err)
	}
	return d, nil
}

func (r *reader) scratchTri(seq uint64, c column) ([]core.Tri, error) {
	if v, ok := r.s.cache.get(cacheKey{seq: seq, col: uint32(c)}); ok {
		return v.([]core.Tri), nil
	}
	b, err := r.rawInto(seq, c, r.scratch.raw[c])
	if err != nil {
		return nil, err
	}
	r.scratch.raw[c] = b
	t, err := decodeTriInto(r.scratch.tris[c][:0], b)
	if err != nil {
		return nil, fmt.Errorf("block %d column %d: %w", seq, c, err)
	}
	r.scratch.tris[c] = t
	return t, nil
}
