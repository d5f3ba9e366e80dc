package schedule

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func dailyBerlin(id string, created time.Time) Subscription {
	return Subscription{ID: id, DefinedReportID: "def-1", Owner: "ops", Period: Day, Formats: []string{"csv"},
		TimeZone: "Europe/Berlin", Delay: DefaultDelay, Enabled: true, CreatedAt: created}
}

// TestOutage: the process is down for 10 days, then starts.
func TestOutage(t *testing.T) {
	ber := mustLoc(t, "Europe/Berlin")
	created := lt(ber, 2025, 3, 20, 10, 0)
	downAt := lt(ber, 2025, 3, 25, 12, 0)
	upAt := downAt.Add(10 * 24 * time.Hour) // 2025-04-04 12:00 (one DST change in between)
	for _, tc := range []struct {
		catchUp            int
		generated, skipped int
	}{{10, 10, 0}, {20, 10, 0}, {3, 3, 7}} {
		t.Run(fmt.Sprintf("MaxCatchUp=%d", tc.catchUp), func(t *testing.T) {
			clock := newClock(created)
			st := NewMemStore()
			sub := dailyBerlin("daily", created)
			st.PutSubscription(sub)
			rec := newRecorder(clock)
			s := New(st, rec.Generate, Options{Clock: clock.Now, MaxCatchUp: tc.catchUp, Sleep: noSleep})
			tickEvery(t, s, clock, time.Hour, downAt)
			before := len(rec.Calls()) // 20..24 March
			if before != 5 {
				t.Fatalf("before the outage: %d reports, want 5", before)
			}
			// The process is down; a new one starts 10 days later.
			clock.Set(upAt)
			s = New(st, rec.Generate, Options{Clock: clock.Now, MaxCatchUp: tc.catchUp, Sleep: noSleep})
			if err := s.Recover(context.Background()); err != nil {
				t.Fatal(err)
			}
			mustTick(t, s)
			missed := expectedWindows(Day, ber, created, upAt, sub.Delay)[before:]
			if len(missed) != 10 {
				t.Fatalf("expected 10 missed days, got %d", len(missed))
			}
			got := windowsOf(rec.Calls()[before:])
			if !sameWindows(got, missed[len(missed)-tc.generated:]) {
				t.Fatalf("generated after outage: %v, want the newest %d of %v", got, tc.generated, missed)
			}
			// More ticks (including repeated ones at the same instant) change nothing for those days.
			mustTick(t, s)
			tickEvery(t, s, clock, time.Hour, upAt.Add(36*time.Hour))
			all := rec.Calls()
			// upAt is 13:00 CEST (240 h after 12:00 CET), so 4 and 5 April follow.
			if n := len(all) - before - tc.generated; n != 2 {
				t.Fatalf("after catch-up: %d new reports, want 2", n)
			}
			seen := map[string]bool{}
			for _, c := range all {
				if seen[c.id] {
					t.Fatalf("window %s generated twice", c.w)
				}
				seen[c.id] = true
			}
			states := countStates(runsOf(t, st, "daily"))
			if states[Succeeded] != 5+tc.generated+2 || states[Skipped] != tc.skipped || len(states) > 2 && tc.skipped > 0 {
				t.Fatalf("states %v", states)
			}
			for _, r := range runsOf(t, st, "daily") {
				if r.State == Skipped && (r.ReportID != "" || !strings.Contains(r.Error, "missed")) {
					t.Fatalf("bad skipped run %+v", r)
				}
			}
		})
	}
}

// TestCrashBetweenWriteAndBookkeeping: Generate wrote the report, then the
// process died before the run was marked succeeded.
func TestCrashBetweenWriteAndBookkeeping(t *testing.T) {
	for _, mode := range []string{"error", "panic", "tick-only"} {
		t.Run(mode, func(t *testing.T) {
			ber := mustLoc(t, "Europe/Berlin")
			created := lt(ber, 2025, 10, 25, 9, 0)
			clock := newClock(created)
			st := &faultStore{MemStore: NewMemStore()}
			st.PutSubscription(dailyBerlin("d", created))
			rec := newRecorder(clock)
			var failed atomic.Bool
			st.failPut = func(r Run) (bool, bool) {
				if r.State == Succeeded && !failed.Swap(true) {
					return true, mode == "panic"
				}
				return false, false
			}
			s1 := New(st, rec.Generate, Options{Clock: clock.Now, Sleep: noSleep})
			clock.Set(lt(ber, 2025, 10, 26, 0, 15))
			if err := s1.Tick(context.Background()); err == nil {
				t.Fatal("the failed bookkeeping was not reported")
			}
			rs := runsOf(t, st, "d")
			if len(rs) != 1 || rs[0].State != Running || rs[0].Attempts != 1 {
				t.Fatalf("after the crash: %+v", rs)
			}
			if len(rec.writes) != 1 {
				t.Fatalf("the report was not written: %v", rec.writes)
			}
			// Restart: a new scheduler over the same store.
			clock.Add(3 * time.Minute)
			s2 := New(st, rec.Generate, Options{Clock: clock.Now, Sleep: noSleep})
			if mode != "tick-only" {
				if err := s2.Recover(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			mustTick(t, s2)
			mustTick(t, s2)
			calls := rec.Calls()
			if len(calls) != 2 || calls[0].id != calls[1].id {
				t.Fatalf("Generate calls %+v: want the same key twice", calls)
			}
			if len(rec.writes) != 1 || rec.writes[calls[0].id] != 1 {
				t.Fatalf("a second report was written: %v", rec.writes)
			}
			rs = runsOf(t, st, "d")
			if len(rs) != 1 || rs[0].State != Succeeded || rs[0].ReportID != calls[0].id || rs[0].Attempts != 2 {
				t.Fatalf("run after recovery: %+v", rs)
			}
			// The next day continues normally.
			clock.Set(lt(ber, 2025, 10, 27, 0, 15))
			mustTick(t, s2)
			rs = runsOf(t, st, "d")
			if len(rs) != 2 || rs[0].State != Succeeded || rs[0].Window.Duration() != 25*time.Hour {
				t.Fatalf("next day: %+v", rs)
			}
			ids := map[string]bool{}
			for _, r := range rs {
				if ids[r.ReportID] {
					t.Fatalf("duplicate report id %s", r.ReportID)
				}
				ids[r.ReportID] = true
			}
		})
	}
}

// TestCrashOutOfAttempts: a run left running after its last attempt is failed
// at start-up, not retried forever.
func TestCrashOutOfAttempts(t *testing.T) {
	clock := newClock(utc("2025-06-10T12:00:00Z"))
	st := NewMemStore()
	sub := dailyBerlin("d", utc("2025-06-01T00:00:00Z"))
	st.PutSubscription(sub)
	w := WindowFor(Day, clock.Now(), mustLoc(t, "Europe/Berlin"), sub.Delay)
	_ = st.PutRun(Run{SubscriptionID: "d", Window: w, State: Running, Attempts: 3, ScheduledAt: DueAt(w.End, sub.Delay)})
	rec := newRecorder(clock)
	s := New(st, rec.Generate, Options{Clock: clock.Now, MaxCatchUp: 1, Sleep: noSleep})
	if err := s.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	r, ok, _ := st.Run("d", w.Start)
	if !ok || r.State != Failed || !strings.Contains(r.Error, "interrupted") {
		t.Fatalf("run %+v", r)
	}
	mustTick(t, s)
	r2, _, _ := st.Run("d", w.Start)
	if r2.State != Failed {
		t.Fatalf("a failed run changed: %+v", r2)
	}
	for _, c := range rec.Calls() {
		if c.w.Start.Equal(w.Start) {
			t.Fatalf("a failed run was generated again: %+v", c)
		}
	}
}

// TestRecoverPaused: a paused subscription's interrupted run waits for resume.
func TestRecoverPaused(t *testing.T) {
	clock := newClock(utc("2025-06-10T12:00:00Z"))
	st := NewMemStore()
	sub := dailyBerlin("d", utc("2025-06-09T00:00:00Z"))
	sub.Enabled = false
	st.PutSubscription(sub)
	w := WindowFor(Day, clock.Now(), mustLoc(t, "Europe/Berlin"), sub.Delay)
	_ = st.PutRun(Run{SubscriptionID: "d", Window: w, State: Running, Attempts: 1, ScheduledAt: DueAt(w.End, sub.Delay)})
	rec := newRecorder(clock)
	s := New(st, rec.Generate, Options{Clock: clock.Now, Sleep: noSleep})
	if err := s.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r, _, _ := st.Run("d", w.Start); r.State != Pending || len(rec.Calls()) != 0 {
		t.Fatalf("paused: %+v, calls %d", r, len(rec.Calls()))
	}
	sub.Enabled = true
	st.PutSubscription(sub)
	mustTick(t, s)
	if r, _, _ := st.Run("d", w.Start); r.State != Succeeded || r.Attempts != 2 {
		t.Fatalf("after resume: %+v", r)
	}
}

// TestConcurrency: two Ticks and RunNow calls at once never run one
// subscription twice at once, and each window is generated once.
func TestConcurrency(t *testing.T) {
	for round := range 20 {
		clock := newClock(utc("2025-03-31T06:00:00Z"))
		st := NewMemStore()
		var subs []Subscription
		for i := range 4 {
			sub := dailyBerlin(fmt.Sprintf("s%d", i), utc("2025-03-26T08:00:00Z"))
			if i == 3 {
				sub.Period, sub.TimeZone = Week, "America/New_York"
				sub.CreatedAt = utc("2025-02-26T08:00:00Z")
			}
			subs = append(subs, sub)
			st.PutSubscription(sub)
		}
		var mu sync.Mutex
		inFlight := map[string]int{}
		var global, maxGlobal int
		var overlap atomic.Bool
		rec := newRecorder(clock)
		rec.hold = func(sub Subscription, w Window) {
			mu.Lock()
			inFlight[sub.ID]++
			global++
			if inFlight[sub.ID] > 1 {
				overlap.Store(true)
			}
			maxGlobal = max(maxGlobal, global)
			mu.Unlock()
			time.Sleep(200 * time.Microsecond)
			mu.Lock()
			inFlight[sub.ID]--
			global--
			mu.Unlock()
		}
		s := New(st, rec.Generate, Options{Clock: clock.Now, MaxCatchUp: 10, Workers: 2, Sleep: noSleep})
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 2 {
			wg.Go(func() { errs <- s.Tick(ctx) })
		}
		for _, sub := range subs[:2] {
			wg.Go(func() {
				r, err := s.RunNow(ctx, sub)
				if err == nil && r.State != Succeeded {
					err = fmt.Errorf("RunNow: %+v", r)
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if overlap.Load() {
			t.Fatalf("round %d: one subscription ran twice at once", round)
		}
		if maxGlobal > 2 {
			t.Fatalf("round %d: %d runs at once with Workers=2", round, maxGlobal)
		}
		seen := map[string]bool{}
		for _, c := range rec.Calls() {
			if seen[c.id] {
				t.Fatalf("round %d: %s %s generated twice", round, c.sub, c.w)
			}
			seen[c.id] = true
		}
		// 5 days (26..30 March) for each daily one, 5 weeks (24 Feb..24 March) for the weekly one.
		if len(seen) != 3*5+5 {
			t.Fatalf("round %d: %d reports, want 20", round, len(seen))
		}
		for _, sub := range subs {
			for _, r := range runsOf(t, st, sub.ID) {
				if r.State != Succeeded {
					t.Fatalf("round %d: %+v", round, r)
				}
			}
		}
	}
}

// TestClockBackwards: a clock that jumps back never re-runs a finished
// window; one that jumps forward catches up, bounded.
func TestClockBackwards(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	created := lt(ny, 2025, 10, 28, 10, 0)
	clock := newClock(created)
	st := NewMemStore()
	sub := dailyBerlin("d", created)
	sub.TimeZone = "America/New_York"
	st.PutSubscription(sub)
	rec := newRecorder(clock)
	s := New(st, rec.Generate, Options{Clock: clock.Now, Sleep: noSleep})
	tickEvery(t, s, clock, time.Hour, lt(ny, 2025, 11, 7, 12, 0))
	n := len(rec.Calls())
	if n != 10 { // 28 Oct .. 6 Nov
		t.Fatalf("%d reports, want 10", n)
	}
	before := runsOf(t, st, "d")
	// back 6 days, then forward again, with the same and with a fresh scheduler
	for _, fresh := range []bool{false, true} {
		clock.Set(lt(ny, 2025, 11, 1, 3, 0))
		if fresh {
			s = New(st, rec.Generate, Options{Clock: clock.Now, Sleep: noSleep})
		}
		tickEvery(t, s, clock, time.Hour, lt(ny, 2025, 11, 7, 12, 0))
		if len(rec.Calls()) != n {
			t.Fatalf("re-ran finished windows after the clock went back (fresh=%v)", fresh)
		}
		after := runsOf(t, st, "d")
		if fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("run records changed after the clock went back")
		}
		next, err := s.NextRun(sub)
		if err != nil || !next.Equal(lt(ny, 2025, 11, 8, 0, 15)) {
			t.Fatalf("next run %s %v", next, err)
		}
	}
	// forward 5 days at once: bounded catch-up (3 newest generated, 2 skipped)
	clock.Set(lt(ny, 2025, 11, 12, 12, 0))
	mustTick(t, s)
	calls := rec.Calls()[n:]
	if len(calls) != 3 || calls[0].w.Start.Format("01-02") != "11-09" || calls[2].w.Start.Format("01-02") != "11-11" {
		t.Fatalf("after jumping forward: %v", windowsOf(calls))
	}
	if st := countStates(runsOf(t, st, "d")); st[Skipped] != 2 || st[Succeeded] != 13 {
		t.Fatalf("states %v", st)
	}
}

// TestPauseResumeUnsubscribe covers the life of a subscription.
func TestPauseResumeUnsubscribe(t *testing.T) {
	ber := mustLoc(t, "Europe/Berlin")
	created := lt(ber, 2025, 3, 1, 9, 0)
	clock := newClock(created)
	st := NewMemStore()
	sub := dailyBerlin("d", created)
	other := dailyBerlin("other", created)
	st.PutSubscription(sub)
	st.PutSubscription(other)
	rec := newRecorder(clock)
	s := New(st, rec.Generate, Options{Clock: clock.Now, Sleep: noSleep})
	tickEvery(t, s, clock, time.Hour, lt(ber, 2025, 3, 5, 12, 0)) // 1..4 March
	if n := len(rec.CallsFor("d")); n != 4 {
		t.Fatalf("%d reports before pause", n)
	}
	// pause for 10 days
	sub.Enabled = false
	st.PutSubscription(sub)
	if next, err := s.NextRun(sub); err != nil || !next.IsZero() {
		t.Fatalf("paused next run %s %v", next, err)
	}
	tickEvery(t, s, clock, time.Hour, lt(ber, 2025, 3, 15, 12, 0))
	if n := len(rec.CallsFor("d")); n != 4 {
		t.Fatalf("a paused subscription ran: %d reports", n)
	}
	if n := len(runsOf(t, st, "d")); n != 4 {
		t.Fatalf("a paused subscription wrote runs: %d", n)
	}
	// resume: 5..14 March are due; the newest 3 are generated, 7 skipped
	sub.Enabled = true
	st.PutSubscription(sub)
	if next, err := s.NextRun(sub); err != nil || !next.Equal(lt(ber, 2025, 3, 13, 0, 15)) {
		t.Fatalf("next run on resume %s %v (the oldest window that will be generated)", next, err)
	}
	mustTick(t, s)
	calls := rec.CallsFor("d")[4:]
	if len(calls) != 3 || calls[0].w.Start.Format("01-02") != "03-12" {
		t.Fatalf("after resume: %v", windowsOf(calls))
	}
	if st := countStates(runsOf(t, st, "d")); st[Skipped] != 7 || st[Succeeded] != 7 {
		t.Fatalf("states %v", st)
	}
	if next, err := s.NextRun(sub); err != nil || !next.Equal(lt(ber, 2025, 3, 16, 0, 15)) {
		t.Fatalf("next run %s %v", next, err)
	}
	// unsubscribe: nothing more is generated; the history stays
	st.DeleteSubscription("d")
	tickEvery(t, s, clock, time.Hour, lt(ber, 2025, 3, 20, 12, 0))
	if n := len(rec.CallsFor("d")); n != 7 {
		t.Fatalf("an unsubscribed subscription ran: %d", n)
	}
	if n := len(runsOf(t, st, "d")); n != 14 {
		t.Fatalf("history: %d runs", n)
	}
	if n := len(rec.CallsFor("other")); n != 19 {
		t.Fatalf("the other subscription: %d reports, want 19", n)
	}
}

func TestRunNow(t *testing.T) {
	ber := mustLoc(t, "Europe/Berlin")
	created := lt(ber, 2025, 3, 28, 9, 0)
	clock := newClock(lt(ber, 2025, 3, 31, 0, 20)) // 30 March (23h) is due
	st := NewMemStore()
	sub := dailyBerlin("d", created)
	st.PutSubscription(sub)
	rec := newRecorder(clock)
	s := New(st, rec.Generate, Options{Clock: clock.Now, Sleep: noSleep})
	ctx := context.Background()
	r, err := s.RunNow(ctx, sub)
	if err != nil || r.State != Succeeded || !r.Manual || r.Window.Duration() != 23*time.Hour ||
		!r.Window.Start.Equal(lt(ber, 2025, 3, 30, 0, 0)) || !r.ScheduledAt.Equal(clock.Now()) {
		t.Fatalf("RunNow: %+v %v", r, err)
	}
	r2, err := s.RunNow(ctx, sub)
	if err != nil || r2 != r || len(rec.Calls()) != 1 {
		t.Fatalf("second RunNow ran again: %+v %v, %d calls", r2, err, len(rec.Calls()))
	}
	// the scheduled tick does the older days and leaves 30 March alone
	mustTick(t, s)
	if n := len(rec.Calls()); n != 3 { // 30 (manual), 28, 29
		t.Fatalf("%d calls", n)
	}
	if got, _, _ := st.Run("d", r.Window.Start); got != r {
		t.Fatalf("tick changed the manual run: %+v", got)
	}
	// a paused subscription can still be run by hand
	clock.Set(lt(ber, 2025, 4, 1, 9, 0))
	sub.Enabled = false
	if r3, err := s.RunNow(ctx, sub); err != nil || r3.State != Succeeded || !r3.Window.Start.Equal(lt(ber, 2025, 3, 31, 0, 0)) {
		t.Fatalf("RunNow paused: %+v %v", r3, err)
	}
}

func TestRetriesAndFailure(t *testing.T) {
	clock := newClock(utc("2025-05-02T12:00:00Z"))
	st := NewMemStore()
	sub := dailyBerlin("d", utc("2025-05-01T08:00:00Z"))
	sub.TimeZone = ""
	st.PutSubscription(sub)
	rec := newRecorder(clock)
	var sleeps []time.Duration
	var mu sync.Mutex
	sleep := func(ctx context.Context, d time.Duration) bool {
		mu.Lock()
		sleeps = append(sleeps, d)
		mu.Unlock()
		return true
	}
	rec.fail = func(_ Subscription, w Window, n int) error {
		if w.Start.Day() == 1 && n <= 2 { // 1 May: two transient failures
			return errors.New("disk full")
		}
		if w.Start.Day() == 2 { // 2 May: always fails
			return errors.New("bad definition")
		}
		return nil
	}
	s := New(st, rec.Generate, Options{Clock: clock.Now, Sleep: sleep, RetryBackoff: time.Second})
	mustTick(t, s)
	r, _, _ := st.Run("d", utc("2025-05-01T00:00:00Z"))
	if r.State != Succeeded || r.Attempts != 3 || r.Error != "" {
		t.Fatalf("retried run %+v", r)
	}
	if fmt.Sprint(sleeps) != "[1s 2s]" {
		t.Fatalf("backoff %v", sleeps)
	}
	clock.Set(utc("2025-05-03T00:15:00Z"))
	mustTick(t, s)
	r, _, _ = st.Run("d", utc("2025-05-02T00:00:00Z"))
	if r.State != Failed || r.Attempts != 3 || !strings.Contains(r.Error, "bad definition") {
		t.Fatalf("failed run %+v", r)
	}
	calls := len(rec.Calls())
	clock.Add(time.Hour)
	mustTick(t, New(st, rec.Generate, Options{Clock: clock.Now, Sleep: sleep}))
	if len(rec.Calls()) != calls {
		t.Fatal("a failed run was retried automatically")
	}
	// a manual retry makes new attempts (and reports the failure)
	r, err := s.RunNow(context.Background(), sub)
	if err == nil || r.State != Failed || r.Attempts != 6 || !r.Manual && r.Attempts == 0 {
		t.Fatalf("manual retry %+v %v", r, err)
	}
	rec.fail = nil
	if r, err = s.RunNow(context.Background(), sub); err != nil || r.State != Succeeded || r.Attempts != 7 {
		t.Fatalf("manual retry %+v %v", r, err)
	}
}

func TestGeneratePanicIsAFailedAttempt(t *testing.T) {
	clock := newClock(utc("2025-05-02T12:00:00Z"))
	st := NewMemStore()
	sub := dailyBerlin("d", utc("2025-05-01T08:00:00Z"))
	st.PutSubscription(sub)
	gen := func(ctx context.Context, sub Subscription, w Window) (string, int64, error) { panic("boom") }
	s := New(st, gen, Options{Clock: clock.Now, Sleep: noSleep})
	mustTick(t, s)
	rs := runsOf(t, st, "d")
	if len(rs) != 1 || rs[0].State != Failed || !strings.Contains(rs[0].Error, "panicked: boom") {
		t.Fatalf("%+v", rs)
	}
}

func TestUnknownTimeZone(t *testing.T) {
	clock := newClock(utc("2025-05-10T12:00:00Z"))
	st := NewMemStore()
	bad := dailyBerlin("bad", utc("2025-05-01T08:00:00Z"))
	bad.TimeZone = "Mars/Olympus"
	good := dailyBerlin("good", utc("2025-05-09T08:00:00Z"))
	st.PutSubscription(bad)
	st.PutSubscription(good)
	rec := newRecorder(clock)
	s := New(st, rec.Generate, Options{Clock: clock.Now, Sleep: noSleep})
	for range 3 {
		err := s.Tick(context.Background())
		if err == nil || !strings.Contains(err.Error(), "unknown time zone \"Mars/Olympus\"") {
			t.Fatalf("tick error %v", err)
		}
	}
	rs := runsOf(t, st, "bad")
	if len(rs) != 1 || rs[0].State != Failed || !strings.Contains(rs[0].Error, "unknown time zone") {
		t.Fatalf("bad runs %+v", rs)
	}
	if len(rec.CallsFor("bad")) != 0 || len(rec.CallsFor("good")) != 1 {
		t.Fatalf("calls %v", rec.Calls())
	}
	if _, err := s.NextRun(bad); err == nil {
		t.Fatal("NextRun of a bad zone: no error")
	}
	if _, err := s.RunNow(context.Background(), bad); err == nil {
		t.Fatal("RunNow of a bad zone: no error")
	}
	// fixed: the subscription works from then on
	bad.TimeZone = "UTC"
	st.PutSubscription(bad)
	clock.Set(utc("2025-05-11T00:15:00Z"))
	mustTick(t, s)
	if len(rec.CallsFor("bad")) == 0 {
		t.Fatal("the fixed subscription did not run")
	}
}

// TestLoop: Loop sleeps exactly until the next due time, so each window runs
// at its due time; Wake interrupts the sleep; ctx ends it.
func TestLoop(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	created := lt(ny, 2025, 3, 6, 10, 0)
	clock := newClock(created)
	st := &faultStore{MemStore: NewMemStore()}
	sub := dailyBerlin("d", created)
	sub.TimeZone = "America/New_York"
	wk := sub
	wk.ID, wk.Period = "w", Week
	st.PutSubscription(sub)
	st.PutSubscription(wk)
	rec := newRecorder(clock)
	until := lt(ny, 2025, 3, 20, 12, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var slept []time.Duration
	sleep := func(ctx context.Context, d time.Duration) bool {
		slept = append(slept, d)
		if clock.Add(d).After(until) {
			cancel()
			return false
		}
		return ctx.Err() == nil
	}
	s := New(st, rec.Generate, Options{Clock: clock.Now, Sleep: sleep, MaxSleep: 6 * time.Hour})
	if err := s.Loop(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Loop returned %v", err)
	}
	want := expectedWindows(Day, ny, created, until, sub.Delay)
	if got := windowsOf(rec.CallsFor("d")); !sameWindows(got, want) {
		t.Fatalf("loop generated %v, want %v", got, want)
	}
	for _, c := range rec.Calls() {
		if !c.at.Equal(DueAt(c.w.End, sub.Delay)) {
			t.Fatalf("%s ran at %s", c.w, c.at)
		}
	}
	if n := len(rec.CallsFor("w")); n != 2 {
		t.Fatalf("weekly: %d", n)
	}
	for _, d := range slept {
		if d > 6*time.Hour || d <= 0 {
			t.Fatalf("slept %s", d)
		}
	}

	// Wake: a long sleep ends when subscriptions change; a closed Wake does not spin.
	wake := make(chan struct{})
	var sleeping atomic.Int32
	blockSleep := func(ctx context.Context, d time.Duration) bool {
		sleeping.Add(1)
		<-ctx.Done()
		return false
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	s2 := New(st, rec.Generate, Options{Clock: clock.Now, Sleep: blockSleep, Wake: wake})
	done := make(chan error)
	go func() { done <- s2.Loop(ctx2) }()
	waitFor := func(n int32) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for sleeping.Load() < n {
			if time.Now().After(deadline) {
				t.Fatalf("loop did not reach sleep #%d", n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFor(1)
	listed := st.Listed()
	wake <- struct{}{}
	waitFor(2)
	if st.Listed() != listed+1 {
		t.Fatalf("wake did not tick: %d -> %d", listed, st.Listed())
	}
	close(wake)
	waitFor(3)
	time.Sleep(20 * time.Millisecond)
	if n := sleeping.Load(); n != 3 {
		t.Fatalf("closed wake channel spins: %d sleeps", n)
	}
	cancel2()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Loop returned %v", err)
	}
}

func TestMemStoreRunsNewestFirst(t *testing.T) {
	st := NewMemStore()
	for _, d := range []int{3, 1, 2} {
		_ = st.PutRun(Run{SubscriptionID: "s", Window: Window{Start: time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC)}})
	}
	rs, _ := st.Runs("s")
	if len(rs) != 3 || rs[0].Window.Start.Day() != 3 || rs[2].Window.Start.Day() != 1 {
		t.Fatalf("%+v", rs)
	}
}

// TestShutdownDuringGenerate: a run interrupted by the end of ctx is left
// pending (not failed) and finished by the next process.
func TestShutdownDuringGenerate(t *testing.T) {
	clock := newClock(utc("2025-05-02T12:00:00Z"))
	st := NewMemStore()
	sub := dailyBerlin("d", utc("2025-05-01T08:00:00Z"))
	st.PutSubscription(sub)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	blocking := func(ctx context.Context, sub Subscription, w Window) (string, int64, error) {
		close(started)
		<-ctx.Done()
		return "", 0, ctx.Err()
	}
	s := New(st, blocking, Options{Clock: clock.Now})
	errc := make(chan error)
	go func() { errc <- s.Tick(ctx) }()
	<-started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("tick: %v", err)
	}
	rs := runsOf(t, st, "d")
	if len(rs) != 1 || rs[0].State != Pending || rs[0].Attempts != 1 {
		t.Fatalf("%+v", rs)
	}
	rec := newRecorder(clock)
	s2 := New(st, rec.Generate, Options{Clock: clock.Now})
	if err := s2.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustTick(t, s2)
	rs = runsOf(t, st, "d")
	if len(rs) != 1 || rs[0].State != Succeeded || rs[0].Attempts != 2 || len(rec.Calls()) != 1 {
		t.Fatalf("%+v", rs)
	}
	// A subscription without a creation time is refused, not run from year 1.
	bad := sub
	bad.ID, bad.CreatedAt = "nocreated", time.Time{}
	st.PutSubscription(bad)
	if err := s2.Tick(context.Background()); err == nil || !strings.Contains(err.Error(), "no creation time") {
		t.Fatalf("tick: %v", err)
	}
	if n := len(runsOf(t, st, "nocreated")); n > 1 {
		t.Fatalf("%d runs for a subscription without creation time", n)
	}
}

func TestTimerSleep(t *testing.T) {
	if !timerSleep(context.Background(), time.Millisecond) || !timerSleep(context.Background(), 0) {
		t.Fatal("timer sleep")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if timerSleep(ctx, time.Hour) {
		t.Fatal("sleep ignored ctx")
	}
}
