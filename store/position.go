package store

import (
	"context"
	"math"
	"strconv"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// CountBefore counts the matches that precede k in the default order
// (created_at descending, then event_id descending). See core.ActivityStore.
func (s *Store) CountBefore(ctx context.Context, c *query.Compiled, k core.RowKey) (n int64, err error) {
	r := s.newReader()
	defer r.close()
	defer s.recoverDamage("count before a row", &r.at, &err)
	key := "before\x00" + strconv.FormatUint(r.asOf, 10) + "\x00" + strconv.FormatInt(k.CreatedAt, 10) + "\x00" + k.EventID + "\x00" + c.Key()
	v, err := s.results.do(ctx, s, r.snap, key, func() ([]int64, error) {
		n, err := r.countBefore(ctx, c, k)
		return []int64{n}, err
	})
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

// countBefore is the rows newer than k (a count over a narrowed window,
// so whole blocks still count from their headers) plus the rows of k's
// instant whose event id sorts after k's.
func (r *reader) countBefore(ctx context.Context, c *query.Compiled, k core.RowKey) (int64, error) {
	var newer int64
	if k.CreatedAt < math.MaxInt64 {
		p := newPlan(c, r.snap)
		p.asOf = r.asOf
		p.lo = max(p.lo, k.CreatedAt+1)
		var err error
		if newer, err = r.countPlan(ctx, p, true); err != nil {
			return 0, err
		}
	}
	p := newPlan(c, r.snap)
	p.asOf = r.asOf
	p.lo, p.hi = max(p.lo, k.CreatedAt), min(p.hi, k.CreatedAt)
	x := &exec{r: r, p: p, ctx: ctx}
	var ties int64
	for _, b := range r.snap.blocks {
		if p.skip(b) {
			continue
		}
		bs, err := r.candidates(p, b)
		if err != nil {
			return 0, err
		}
		if bs.next(0) < 0 {
			continue
		}
		ids, err := r.ids(b.hdr.Seq)
		if err != nil {
			return 0, err
		}
		for i := bs.next(0); i >= 0; i = bs.next(i + 1) {
			if ids[i] <= k.EventID {
				continue
			}
			ok, err := x.rawMatch(b, i)
			if err != nil {
				return 0, err
			}
			if ok {
				ties++
			}
		}
	}
	return newer + ties, ctx.Err()
}
