package store

import "sync"

// maxCachedResults bounds one snapshot's cached results; past it the cache
// starts over rather than tracking use.
const maxCachedResults = 1024

// resultCache remembers counts and histograms computed on the store's
// current snapshot. A snapshot never changes, so a result holds until the
// next commit or triage replaces the snapshot, which empties the cache.
// Dashboards over SSH and API clients paging through one filter ask the
// same questions again and again: each answer costs a pass over every
// matching block, and a cached one costs a map lookup.
type resultCache struct {
	mu   sync.Mutex
	snap *snapshot
	m    map[string][]int64
}

func (rc *resultCache) get(snap *snapshot, key string) ([]int64, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.snap != snap {
		return nil, false
	}
	v, ok := rc.m[key]
	return v, ok
}

// put keeps v for snap if snap is still the store's current snapshot (a
// result from an older one must not evict the current one's).
func (rc *resultCache) put(s *Store, snap *snapshot, key string, v []int64) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if s.state.Load() != snap {
		return
	}
	if rc.snap != snap || len(rc.m) >= maxCachedResults {
		rc.snap = snap
		rc.m = make(map[string][]int64)
	}
	rc.m[key] = v
}
