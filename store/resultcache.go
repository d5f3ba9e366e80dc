package store

import (
	"context"
	"errors"
	"sync"
)

// maxCachedResults bounds one snapshot's cached results; past it the cache
// starts over rather than tracking use.
const maxCachedResults = 1024

// resultCache remembers counts and histograms computed on the store's
// current snapshot. A snapshot never changes, so a result holds until the
// next commit or triage replaces the snapshot, which empties the cache.
// Dashboards over SSH and API clients paging through one filter ask the
// same questions again and again: each answer costs a pass over every
// matching block, and a cached one costs a map lookup. Callers asking what
// is being computed right now wait for that answer instead of computing it
// again: after a start or a commit, many sessions ask at once.
type resultCache struct {
	mu       sync.Mutex
	snap     *snapshot
	m        map[string][]int64
	inflight map[string]*pendingResult
}

type pendingResult struct {
	done chan struct{}
	v    []int64
	err  error
}

// do returns the cached result for key on snap, waits for one being
// computed, or computes it. Only results of the store's current snapshot
// are kept; a result of an older one must not evict the current one's.
func (rc *resultCache) do(ctx context.Context, s *Store, snap *snapshot, key string, compute func() ([]int64, error)) ([]int64, error) {
	rc.mu.Lock()
	if s.state.Load() != snap {
		rc.mu.Unlock()
		return compute()
	}
	if rc.snap != snap || len(rc.m) >= maxCachedResults {
		rc.snap = snap
		rc.m = make(map[string][]int64)
		rc.inflight = make(map[string]*pendingResult)
	}
	if v, ok := rc.m[key]; ok {
		rc.mu.Unlock()
		return v, nil
	}
	if p, ok := rc.inflight[key]; ok {
		rc.mu.Unlock()
		select {
		case <-p.done:
			if p.err == nil {
				return p.v, nil
			}
			return compute() // the first asker was canceled, say; try ourselves
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	p := &pendingResult{done: make(chan struct{}), err: errComputeFailed}
	rc.inflight[key] = p
	rc.mu.Unlock()
	// A compute that panics (damaged data) still releases its waiters.
	defer rc.finish(snap, key, p)
	p.v, p.err = compute()
	return p.v, p.err
}

// errComputeFailed is what waiters see when the computation panicked.
var errComputeFailed = errors.New("the shared computation failed")

func (rc *resultCache) finish(snap *snapshot, key string, p *pendingResult) {
	rc.mu.Lock()
	if rc.snap == snap {
		delete(rc.inflight, key)
		if p.err == nil {
			rc.m[key] = p.v
		}
	}
	rc.mu.Unlock()
	close(p.done)
}
