package store

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/auditdeck/auditdeck/core"
)

// Aggregate groups the matches of one pinned state, block by block from
// the columns: per block the candidate rows, then each row's group from
// dictionary codes (counted per code tuple), then the block's groups merged
// by value into a bounded core.AggTable. Two blocks at a time on the live
// store, as Count does.
func (s *Store) Aggregate(ctx context.Context, req core.AggregateRequest) (_ core.AggregateResult, err error) {
	r := s.newReader()
	defer r.close()
	defer s.recoverDamage("aggregate", &r.at, &err)
	return r.aggregate(ctx, req, true)
}

func (v *snapshotView) Aggregate(ctx context.Context, req core.AggregateRequest) (_ core.AggregateResult, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return core.AggregateResult{}, core.ErrClosed
	}
	defer v.r.s.recoverDamage("aggregate", &v.r.at, &err)
	return v.r.aggregate(ctx, req, false)
}

// blockGroups are one block's groups, keyed by their dictionary codes.
type blockGroups struct {
	rows   int64
	keys   [][core.MaxGroupFields]uint32
	parts  []*core.AggPartial
	values []*blockValues // per By
}

func (r *reader) aggregate(ctx context.Context, req core.AggregateRequest, parallel bool) (core.AggregateResult, error) {
	if err := req.Validate(); err != nil {
		return core.AggregateResult{}, err
	}
	p := newPlan(req.Filter, r.snap)
	p.asOf = r.asOf
	var todo []*blockState
	for _, b := range r.snap.blocks {
		if !p.skip(b) {
			todo = append(todo, b)
		}
	}
	ints, err := newIntPlans(&req, r.snap, r.asOf)
	if err != nil {
		return core.AggregateResult{}, err
	}
	table := core.NewAggTable(req)
	if c, ok := dictGroupColumn(&req); ok {
		// count() by a dictionary column (aggregate_dict.go)
		return r.aggregateByDict(ctx, p, todo, parallel, &req, c, table)
	}
	if countGroupField(&req) {
		// count() by any other field (aggregate_count.go)
		return r.aggregateCounts(ctx, p, todo, parallel, &req, table, countByValues(req.By[0]), valueKey)
	}
	var mu sync.Mutex // guards table
	merge := func(g *blockGroups) {
		mu.Lock()
		defer mu.Unlock()
		table.AddRows(g.rows)
		key := make([]core.AggValue, len(req.By))
		for i, codes := range g.keys {
			for j := range key {
				key[j] = g.values[j].value(codes[j])
			}
			table.Merge(key, g.parts[i])
		}
	}
	// Each worker decodes its block's typed columns into its own scratch
	// (aggregate_scratch.go); r's is dropped when done, as r may serve a
	// snapshot's other reads afterwards.
	defer func() { r.scratch = nil }()
	keep := keepCompressed(len(todo), r.s.cache.limit)
	err = r.eachBlock(ctx, p, "aggregate", todo, parallel, func(x *exec, b *blockState) error {
		if x.r.scratch == nil {
			x.r.scratch = &columnScratch{keep: keep}
		}
		g, err := x.aggregateBlock(b, &req, ints)
		if err != nil {
			return err
		}
		merge(g)
		return nil
	})
	if err != nil {
		return core.AggregateResult{}, err
	}
	return table.Result(), nil
}

// matchingRows are the rows of a block the filter matches.
func (x *exec) matchingRows(b *blockState) (bitset, error) {
	bs, err := x.r.candidates(x.p, b)
	if err != nil {
		return nil, err
	}
	if len(x.p.rawPreds) > 0 {
		for i := bs.next(0); i >= 0; i = bs.next(i + 1) {
			ok, err := x.rawMatch(b, i)
			if err != nil {
				return nil, err
			}
			if !ok {
				bs.clear(i)
			}
		}
	}
	return bs, nil
}

// aggregateBlock counts one block's matching rows by group.
func (x *exec) aggregateBlock(b *blockState, req *core.AggregateRequest, ip *intPlans) (*blockGroups, error) {
	r := x.r
	bs, err := x.matchingRows(b)
	if err != nil {
		return nil, err
	}
	g := &blockGroups{}
	if bs.next(0) < 0 {
		return g, nil
	}
	g.values = make([]*blockValues, len(req.By))
	for i, by := range req.By {
		if g.values[i], err = r.valuesOf(b, by, bs); err != nil {
			return nil, fmt.Errorf("block %d field %s: %w", b.hdr.Seq, by.Field, err)
		}
	}
	metrics := make([]*blockValues, len(req.Metrics))
	for i, m := range req.Metrics {
		if m.Field == "" {
			continue
		}
		v, err := r.valuesOf(b, core.GroupBy{Field: m.Field}, bs)
		if err != nil {
			return nil, fmt.Errorf("block %d field %s: %w", b.hdr.Seq, m.Field, err)
		}
		switch m.Op {
		case core.StatDistinct:
			v.hashed()
		default:
			v.numbers()
		}
		metrics[i] = v
	}
	ints, err := x.blockInts(ip, b, bs)
	if err != nil {
		return nil, fmt.Errorf("block %d: %w", b.hdr.Seq, err)
	}
	// One field: groups indexed by code; more: by code tuple.
	var byCode []int32
	if len(req.By) == 1 {
		byCode = make([]int32, len(g.values[0].kinds)+1)
		for i := range byCode {
			byCode[i] = -1
		}
	}
	byTuple := map[[core.MaxGroupFields]uint32]int32{}
	group := func(key [core.MaxGroupFields]uint32) *core.AggPartial {
		var at *int32
		if byCode != nil {
			at = &byCode[key[0]]
		} else if i, ok := byTuple[key]; ok {
			return g.parts[i]
		}
		if at != nil && *at >= 0 {
			return g.parts[*at]
		}
		p := &core.AggPartial{Nums: make([]core.AggNum, len(req.Metrics)), Sets: make([][]uint64, len(req.Metrics)), Ints: core.NewAggInts(req.Metrics)}
		g.keys = append(g.keys, key)
		g.parts = append(g.parts, p)
		if at != nil {
			*at = int32(len(g.parts) - 1)
		} else {
			byTuple[key] = int32(len(g.parts) - 1)
		}
		return p
	}
	var bufs [core.MaxGroupFields][]uint32
	var mbuf []uint32
	missing := []uint32{0}
	var combo [core.MaxGroupFields]uint32
	var hit []*core.AggPartial
	for row := bs.next(0); row >= 0; row = bs.next(row + 1) {
		g.rows++
		// The row's groups: one per combination of its keys' values.
		var lists [core.MaxGroupFields][]uint32
		for i, v := range g.values {
			bufs[i] = v.codes(row, bufs[i], true)
			lists[i] = bufs[i]
			if len(lists[i]) == 0 {
				lists[i] = missing
			}
		}
		combos := 1
		for i := range g.values {
			combos *= len(lists[i])
		}
		if combos > maxRowGroups {
			return nil, fmt.Errorf("block %d row %d: its array values make %d groups of %v, more than %d: group by fewer array fields", b.hdr.Seq, row, combos, req.By, maxRowGroups)
		}
		hit = hit[:0]
		var cross func(i int)
		cross = func(i int) {
			if i == len(req.By) {
				hit = append(hit, group(combo))
				return
			}
			for _, c := range lists[i] {
				combo[i] = c
				cross(i + 1)
			}
		}
		cross(0)
		for _, p := range hit {
			p.Count++
		}
		ints.add(row, hit)
		for mi, v := range metrics {
			if v == nil {
				continue
			}
			distinct := req.Metrics[mi].Op == core.StatDistinct
			mbuf = v.codes(row, mbuf, distinct)
			for _, c := range mbuf {
				for _, p := range hit {
					if distinct {
						p.Sets[mi] = append(p.Sets[mi], v.hashes[c-1])
					} else if v.isNum[c-1] {
						p.Nums[mi].Add(v.nums[c-1])
					}
				}
			}
		}
	}
	return g, nil
}

// maxRowGroups bounds the groups one event joins: the product of the
// distinct values of its array keys.
const maxRowGroups = 10000

// parseNumber reads a JSON number as written.
func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}
