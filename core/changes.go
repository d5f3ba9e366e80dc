package core

import "sync"

// ChangeKind names what changed, so a view refreshes only what it shows.
type ChangeKind string

// What the engine announces.
const (
	ChangeActivities    ChangeKind = "activities" // ingest or triage
	ChangeTasks         ChangeKind = "tasks"      // a task was queued, progressed or ended
	ChangeReports       ChangeKind = "reports"
	ChangeSubscriptions ChangeKind = "subscriptions"
)

// Change is one notice. Notices are hints to refresh: a watcher that falls
// behind loses some, never the last one.
type Change struct {
	Kind ChangeKind
	ID   string
}

type watchers struct {
	mu   sync.Mutex
	next int
	subs map[int]chan Change
}

// Watch returns a channel of change notices and a function that stops them.
// Nothing is sent when nothing changes, so an idle watcher costs nothing.
func (e *Engine) Watch() (<-chan Change, func()) {
	w := &e.watch
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.subs == nil {
		w.subs = map[int]chan Change{}
	}
	id := w.next
	w.next++
	ch := make(chan Change, 64)
	w.subs[id] = ch
	return ch, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if c, ok := w.subs[id]; ok {
			delete(w.subs, id)
			close(c)
		}
	}
}

// publish never blocks: a full watcher drops its oldest notice.
func (e *Engine) publish(kind ChangeKind, id string) {
	w := &e.watch
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ch := range w.subs {
		c := Change{Kind: kind, ID: id}
		select {
		case ch <- c:
		default:
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- c:
			default:
			}
		}
	}
}
