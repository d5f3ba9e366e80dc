package store

import (
	"fmt"

	"github.com/auditdeck/auditdeck/core"
)

// The integer metrics of an aggregation (count_if, first, last) from the
// columns: count_if runs its own filter with the same planning as the
// main one (block skipping, column predicates, the triage index, posting
// hits), on the rows the main filter kept; first and last read the time
// column.

// intPlans are an aggregation's count_if plans, one per metric (nil for the
// others), made once per aggregation.
type intPlans struct {
	metrics []core.AggMetric
	plans   []*plan
	// The metrics' indexes by kind, so a row's loop does no switch.
	countIf, first, last []int
}

func newIntPlans(req *core.AggregateRequest, snap *snapshot, asOf uint64) (*intPlans, error) {
	ip := &intPlans{metrics: req.Metrics, plans: make([]*plan, len(req.Metrics))}
	any := false
	for i, m := range req.Metrics {
		switch m.Op {
		case core.StatCountIf:
			if m.Filter == nil {
				// A nil filter elsewhere matches everything: never what a
				// count_if whose filter was not compiled meant.
				return nil, fmt.Errorf("%s: the filter is not compiled", m)
			}
			p := newPlan(m.Filter, snap)
			p.asOf = asOf
			ip.plans[i] = p
			ip.countIf = append(ip.countIf, i)
			any = true
		case core.StatFirst:
			ip.first, any = append(ip.first, i), true
		case core.StatLast:
			ip.last, any = append(ip.last, i), true
		}
	}
	if !any {
		return nil, nil
	}
	return ip, nil
}

// blockInts are one block's per-row inputs of the integer metrics.
type blockInts struct {
	ip    *intPlans
	match []bitset // per metric: count_if's matching rows (all of rows' or none)
	ts    []int64  // created_at per row, when first or last is asked
}

// blockInts evaluates each count_if filter on the block's rows (the main
// filter's matches) and loads the time column for first and last.
func (x *exec) blockInts(ip *intPlans, b *blockState, rows bitset) (*blockInts, error) {
	if ip == nil {
		return nil, nil
	}
	bi := &blockInts{ip: ip, match: make([]bitset, len(ip.metrics))}
	if len(ip.first)+len(ip.last) > 0 {
		ts, err := x.r.times(b.hdr.Seq)
		if err != nil {
			return nil, err
		}
		if len(ts) != b.hdr.Rows {
			return nil, fmt.Errorf("block %d: %w", b.hdr.Seq, errCorrupt)
		}
		bi.ts = ts
	}
	for i, p := range ip.plans {
		if p == nil {
			continue
		}
		if p.skip(b) {
			bi.match[i] = newBitset(b.hdr.Rows) // its header proves no row matches
			continue
		}
		bs, err := x.r.candidatesIn(p, b, rows)
		if err != nil {
			return nil, fmt.Errorf("count_if(%s): %w", ip.metrics[i].Where, err)
		}
		if len(p.rawPreds) > 0 {
			// As the main filter's: the rest of the filter on the raw JSON,
			// with an exec of this plan (its needles and predicates).
			sub := &exec{r: x.r, p: p, ctx: x.ctx}
			for row := bs.next(0); row >= 0; row = bs.next(row + 1) {
				ok, err := sub.rawMatch(b, row)
				if err != nil {
					return nil, fmt.Errorf("count_if(%s): %w", ip.metrics[i].Where, err)
				}
				if !ok {
					bs.clear(row)
				}
			}
		}
		bi.match[i] = bs
	}
	return bi, nil
}

// add takes row into the groups it is in.
func (bi *blockInts) add(row int, hit []*core.AggPartial) {
	if bi == nil {
		return
	}
	ip := bi.ip
	for _, i := range ip.countIf {
		if bi.match[i].has(row) {
			for _, p := range hit {
				p.Ints[i]++
			}
		}
	}
	if bi.ts == nil {
		return
	}
	t := bi.ts[row]
	for _, i := range ip.first {
		for _, p := range hit {
			p.Ints[i] = min(p.Ints[i], t)
		}
	}
	for _, i := range ip.last {
		for _, p := range hit {
			p.Ints[i] = max(p.Ints[i], t)
		}
	}
}
