package schedule

import (
	"slices"
	"sort"
	"sync"
	"time"
)

// MemStore is an in-memory Store, for tests and demos.
type MemStore struct {
	mu   sync.Mutex
	subs map[string]Subscription
	runs map[string]map[int64]Run // subscription id -> window start (unix ns) -> run
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{subs: map[string]Subscription{}, runs: map[string]map[int64]Run{}}
}

// PutSubscription creates or replaces a subscription (subscribe, pause, resume).
func (m *MemStore) PutSubscription(s Subscription) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s.Formats = slices.Clone(s.Formats)
	m.subs[s.ID] = s
}

// DeleteSubscription removes a subscription (unsubscribe); its run history is kept.
func (m *MemStore) DeleteSubscription(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.subs, id)
}

// Subscriptions returns all subscriptions ordered by id.
func (m *MemStore) Subscriptions() ([]Subscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Subscription, 0, len(m.subs))
	for _, s := range m.subs {
		s.Formats = slices.Clone(s.Formats)
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Run returns the run of subID whose window starts at windowStart.
func (m *MemStore) Run(subID string, windowStart time.Time) (Run, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.runs[subID][windowStart.UnixNano()]
	return r, ok, nil
}

// PutRun creates or replaces the run keyed by (SubscriptionID, Window.Start).
func (m *MemStore) PutRun(r Run) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	byStart := m.runs[r.SubscriptionID]
	if byStart == nil {
		byStart = map[int64]Run{}
		m.runs[r.SubscriptionID] = byStart
	}
	byStart[r.Window.Start.UnixNano()] = r
	return nil
}

// Runs returns the runs of subID, newest window first.
func (m *MemStore) Runs(subID string) ([]Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Run, 0, len(m.runs[subID]))
	for _, r := range m.runs[subID] {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Window.Start.After(out[j].Window.Start) })
	return out, nil
}
