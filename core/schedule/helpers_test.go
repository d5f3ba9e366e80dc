package schedule

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock shared by the scheduler and the generator.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *fakeClock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

type genCall struct {
	sub string
	w   Window
	at  time.Time // clock when Generate was called
	id  string
}

// recorder is an idempotent Generate that records its calls: the report id
// is derived from (subscription, window) and a second call for the same key
// finds the "file" written by the first.
type recorder struct {
	mu     sync.Mutex
	clock  *fakeClock
	calls  []genCall
	writes map[string]int // report id -> files written
	// fail, when set, makes a call fail; n counts calls for the key so far (1-based).
	fail func(sub Subscription, w Window, n int) error
	// hold, when set, runs inside Generate (outside the recorder's lock).
	hold func(sub Subscription, w Window)
	n    map[string]int
}

func newRecorder(c *fakeClock) *recorder {
	return &recorder{clock: c, writes: map[string]int{}, n: map[string]int{}}
}

func reportKey(sub string, w Window) string {
	return fmt.Sprintf("rep-%s-%s", sub, w.Start.UTC().Format(time.RFC3339Nano))
}

func (r *recorder) Generate(ctx context.Context, sub Subscription, w Window) (string, int64, error) {
	if r.hold != nil {
		r.hold(sub, w)
	}
	id := reportKey(sub.ID, w)
	r.mu.Lock()
	defer r.mu.Unlock()
	var at time.Time
	if r.clock != nil {
		at = r.clock.Now()
	}
	r.calls = append(r.calls, genCall{sub: sub.ID, w: w, at: at, id: id})
	r.n[id]++
	if r.fail != nil {
		if err := r.fail(sub, w, r.n[id]); err != nil {
			return "", 0, err
		}
	}
	if r.writes[id] == 0 {
		r.writes[id]++ // the file is written once; later calls find it
	}
	return id, int64(len(id)), nil
}

func (r *recorder) Calls() []genCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]genCall(nil), r.calls...)
}

func (r *recorder) CallsFor(sub string) []genCall {
	var out []genCall
	for _, c := range r.Calls() {
		if c.sub == sub {
			out = append(out, c)
		}
	}
	return out
}

// faultStore wraps a MemStore and can fail or panic on chosen writes.
type faultStore struct {
	*MemStore
	mu      sync.Mutex
	failPut func(Run) (fail bool, panicking bool)
	listed  int // Subscriptions calls
}

var errInjected = errors.New("injected store failure")

func (f *faultStore) PutRun(r Run) error {
	f.mu.Lock()
	fp := f.failPut
	f.mu.Unlock()
	if fp != nil {
		if fail, p := fp(r); fail {
			if p {
				panic("killed between writing and bookkeeping")
			}
			return errInjected
		}
	}
	return f.MemStore.PutRun(r)
}

func (f *faultStore) Subscriptions() ([]Subscription, error) {
	f.mu.Lock()
	f.listed++
	f.mu.Unlock()
	return f.MemStore.Subscriptions()
}

func (f *faultStore) Listed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.listed
}

func noSleep(ctx context.Context, d time.Duration) bool { return ctx.Err() == nil }

func mustTick(t testing.TB, s *Scheduler) {
	t.Helper()
	if err := s.Tick(context.Background()); err != nil {
		t.Fatalf("tick: %v", err)
	}
}

// tickEvery advances the clock by step and ticks until it reaches until.
func tickEvery(t testing.TB, s *Scheduler, c *fakeClock, step time.Duration, until time.Time) {
	t.Helper()
	for c.Now().Before(until) {
		next := c.Now().Add(step)
		if next.After(until) {
			next = until
		}
		c.Set(next)
		mustTick(t, s)
	}
}

func runsOf(t testing.TB, st Store, sub string) []Run {
	t.Helper()
	rs, err := st.Runs(sub)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func countStates(rs []Run) map[RunState]int {
	m := map[RunState]int{}
	for _, r := range rs {
		m[r.State]++
	}
	return m
}

// expectedWindows lists the periods a subscription created at created
// covers whose due time is <= until, computed independently of the
// package's helpers (plain time.Date on civil dates; valid for zones whose
// midnight always exists).
func expectedWindows(p Period, loc *time.Location, created, until time.Time, delay time.Duration) []Window {
	y, m, d := created.In(loc).Date()
	switch p {
	case Week:
		for time.Date(y, m, d, 0, 0, 0, 0, loc).Weekday() != time.Monday {
			y, m, d = time.Date(y, m, d-1, 0, 0, 0, 0, loc).Date()
		}
	case Month:
		d = 1
	case Quarter:
		d = 1
		for (m-1)%3 != 0 {
			m--
		}
	case Year:
		m, d = time.January, 1
	}
	step := func(y int, m time.Month, d int) (int, time.Month, int) {
		switch p {
		case Day:
			d++
		case Week:
			d += 7
		case Month:
			m++
		case Quarter:
			m += 3
		case Year:
			y++
		}
		return time.Date(y, m, d, 0, 0, 0, 0, loc).Date()
	}
	var out []Window
	for {
		ny, nm, nd := step(y, m, d)
		w := Window{Start: time.Date(y, m, d, 0, 0, 0, 0, loc), End: time.Date(ny, nm, nd, 0, 0, 0, 0, loc)}
		if w.End.Add(delay).After(until) {
			return out
		}
		out = append(out, w)
		y, m, d = ny, nm, nd
	}
}

func sameWindows(a, b []Window) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Start.Equal(b[i].Start) || !a[i].End.Equal(b[i].End) {
			return false
		}
	}
	return true
}

func windowsOf(calls []genCall) []Window {
	out := make([]Window, len(calls))
	for i, c := range calls {
		out[i] = c.w
	}
	return out
}

func sortedRuns(rs []Run) []Run {
	rs = append([]Run(nil), rs...)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Window.Start.Before(rs[j].Window.Start) })
	return rs
}
