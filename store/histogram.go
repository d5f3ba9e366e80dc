package store

import (
	"context"
	"fmt"

	"github.com/auditdeck/auditdeck/core/query"
)

// Histogram counts matches per time bucket from the time column; raw-JSON
// predicates are evaluated only for rows the columns let through.
func (s *Store) Histogram(ctx context.Context, c *query.Compiled, lo, hi int64, counts []int64) (err error) {
	if len(counts) == 0 || hi <= lo {
		return nil
	}
	r := s.newReader()
	defer r.close()
	defer s.recoverDamage("histogram", &r.at, &err)
	key := fmt.Sprintf("histogram\x00%d\x00%d\x00%d\x00%s", lo, hi, len(counts), c.Key())
	v, err := s.results.do(ctx, s, r.snap, key, func() ([]int64, error) {
		out := make([]int64, len(counts))
		return out, r.histogram(ctx, c, lo, hi, out)
	})
	if err != nil {
		return err
	}
	for i, n := range v {
		counts[i] += n
	}
	return nil
}

func (r *reader) histogram(ctx context.Context, c *query.Compiled, lo, hi int64, counts []int64) error {
	s := r.s
	p := newPlan(c, r.snap)
	p.lo, p.hi = max(p.lo, lo), min(p.hi, hi-1)
	x := &exec{r: r, p: p, ctx: ctx}
	width := (hi - lo + int64(len(counts)) - 1) / int64(len(counts))
	visited := 0
	defer func() {
		if visited > 32 {
			releaseMappedPages(s.opts.Dir) // a histogram over everything maps every time column
		}
	}()
	for _, b := range r.snap.blocks {
		if err := ctx.Err(); err != nil {
			return err
		}
		if p.skip(b) {
			continue
		}
		// With no filter but the time, a block wholly inside one bucket
		// adds its live rows from the header: the dashboard's first frame
		// then reads only the time columns of blocks straddling a boundary.
		if p.coversWhole(b) {
			if k := (b.hdr.MinT - lo) / width; k == (b.hdr.MaxT-lo)/width && k >= 0 && k < int64(len(counts)) {
				counts[k] += int64(b.live)
				continue
			}
		}
		if visited++; visited%64 == 0 {
			releaseMappedPages(s.opts.Dir) // as counts do: keep the mapped columns out of RSS
		}
		bs, err := r.candidates(p, b)
		if err != nil {
			return err
		}
		ts, err := r.times(b.hdr.Seq)
		if err != nil {
			return err
		}
		for i := bs.next(0); i >= 0; i = bs.next(i + 1) {
			if len(p.rawPreds) > 0 {
				ok, err := x.rawMatch(b, i)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
			}
			if k := (ts[i] - lo) / width; k >= 0 && k < int64(len(counts)) {
				counts[k]++
			}
		}
	}
	return nil
}
