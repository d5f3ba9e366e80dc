package store

import (
	"cmp"
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// eachBlock calls fn for each block of todo, on one reader per core when
// parallel and no commit happened since r was opened (they then see r's
// state: they open under pubMu with r's snapshot pointer), else on r
// alone. fn calls on one worker are sequential; the first error (or a
// recovered panic on damaged data) stops that worker and is returned.
// Mapped value-log pages count in RSS until released: a raw scan maps most
// of the store, a column scan a few pages per block, so they are released
// every 32 or 64 blocks (at the end only, a 10M-event count peaked at
// 1.9 GB; every 64 blocks at 180 MB, no slower).
func (r *reader) eachBlock(ctx context.Context, p *plan, what string, todo []*blockState, parallel bool, fn func(x *exec, b *blockState) error) error {
	s := r.s
	workers := min(len(todo), max(1, runtime.GOMAXPROCS(0)))
	var readers []*reader
	if parallel && workers > 1 && s.state.Load() == r.snap {
		s.pubMu.RLock()
		if s.state.Load() == r.snap { // no commit since r was opened
			for range workers {
				readers = append(readers, &reader{s: s, snap: r.snap, txn: s.db.NewTransaction(false)})
			}
		}
		s.pubMu.RUnlock()
	}
	own := readers != nil
	if !own {
		readers = []*reader{r}
	}
	next := make(chan *blockState)
	var mu sync.Mutex
	var firstErr error
	var scanned atomic.Int64
	var wg sync.WaitGroup
	for _, rd := range readers {
		wg.Add(1)
		go func(rd *reader) {
			defer wg.Done()
			if own {
				defer rd.close()
			}
			var perr error
			defer func() {
				if perr != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, perr)
					mu.Unlock()
					for range next { // let the feeder finish
					}
				}
			}()
			defer s.recoverDamage(what, &rd.at, &perr)
			x := &exec{r: rd, p: p, ctx: ctx}
			for b := range next {
				if n := scanned.Add(1); (len(p.rawPreds) > 0 && n%32 == 0) || n%64 == 0 {
					releaseMappedPages(s.opts.Dir)
				}
				if err := fn(x, b); err != nil {
					perr = err
					return
				}
			}
		}(rd)
	}
	for _, b := range todo {
		if ctx.Err() != nil {
			break
		}
		next <- b
	}
	close(next)
	wg.Wait()
	if len(todo) > 32 {
		releaseMappedPages(s.opts.Dir) // the columns of most blocks were mapped
	}
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}
