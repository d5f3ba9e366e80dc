package schedule

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"testing"
	"time"
)

// TestSimulation400Days drives the scheduler with a fake clock over 400
// days, in 1-hour and irregular steps plus ticks at exactly due-1ns and due,
// for every period in Europe/Berlin and America/New_York. Every expected
// window must be generated exactly once, exactly at its due time (never
// early), and the next run shown must match.
func TestSimulation400Days(t *testing.T) {
	for _, start := range []string{"2024-01-10T05:17:00Z", "2024-12-20T22:40:00Z"} {
		t.Run(start, func(t *testing.T) { simulate(t, utc(start), 400*24*time.Hour, false) })
	}
	// A new Scheduler on every tick: nothing is remembered in memory, every
	// decision comes from the store (as after a restart).
	t.Run("fresh scheduler per tick", func(t *testing.T) { simulate(t, utc("2024-12-10T11:00:00Z"), 140*24*time.Hour, true) })
}

func simulate(t *testing.T, t0 time.Time, span time.Duration, fresh bool) {
	zones := []string{"Europe/Berlin", "America/New_York"}
	delays := map[Period]time.Duration{Day: DefaultDelay, Week: DefaultDelay, Month: time.Hour, Quarter: DefaultDelay, Year: 0}
	end := t0.Add(span)
	clock := newClock(t0)
	st := NewMemStore()
	rec := newRecorder(clock)
	type subInfo struct {
		sub      Subscription
		loc      *time.Location
		expected []Window
	}
	var subs []subInfo
	for _, z := range zones {
		loc := mustLoc(t, z)
		for _, p := range Periods {
			sub := Subscription{
				ID: fmt.Sprintf("%s-%s", z, p), DefinedReportID: "def", Owner: "u", Period: p,
				Formats: []string{"csv"}, TimeZone: z, Delay: delays[p], Enabled: true, CreatedAt: t0,
			}
			st.PutSubscription(sub)
			subs = append(subs, subInfo{sub, loc, expectedWindows(p, loc, t0, end, sub.Delay)})
		}
	}
	// Clock events: irregular steps of about an hour, plus due-1ns and due
	// of every expected window.
	rng := rand.New(rand.NewSource(t0.Unix()))
	steps := []time.Duration{time.Hour, time.Hour, time.Hour, time.Hour, 7 * time.Minute,
		59 * time.Minute, 3 * time.Hour, 90 * time.Minute, time.Hour + time.Second, 13 * time.Hour}
	var events []time.Time
	for at := t0; at.Before(end); at = at.Add(steps[rng.Intn(len(steps))]) {
		events = append(events, at)
	}
	dueSet := map[int64]bool{}
	for _, s := range subs {
		for _, w := range s.expected {
			due := DueAt(w.End, s.sub.Delay)
			events = append(events, due.Add(-time.Nanosecond), due)
			dueSet[due.UnixNano()] = true
		}
	}
	events = append(events, end)
	sort.Slice(events, func(i, j int) bool { return events[i].Before(events[j]) })

	s := New(st, rec.Generate, Options{Clock: clock.Now, Sleep: noSleep})
	ctx := context.Background()
	var prev time.Time
	for _, at := range events {
		if at.Equal(prev) {
			continue
		}
		prev = at
		clock.Set(at)
		if fresh {
			s = New(st, rec.Generate, Options{Clock: clock.Now, Sleep: noSleep})
		}
		if err := s.Tick(ctx); err != nil {
			t.Fatalf("tick at %s: %v", at, err)
		}
		if at.Sub(t0) > 0 && rng.Intn(50) == 0 { // spot-check the displayed next run
			for _, si := range subs {
				next, err := s.NextRun(si.sub)
				if err != nil {
					t.Fatal(err)
				}
				if !next.After(at) {
					t.Fatalf("%s: next run %s not after now %s although nothing is pending", si.sub.ID, next, at)
				}
				done := len(rec.CallsFor(si.sub.ID))
				want := DueAt(NextPeriodStart(si.sub.Period, PeriodStart(si.sub.Period, t0, si.loc), si.loc), si.sub.Delay)
				if done > 0 {
					want = DueAt(NextPeriodStart(si.sub.Period, si.expected[done-1].End, si.loc), si.sub.Delay)
				}
				if !next.Equal(want) {
					t.Fatalf("%s at %s: next run %s, want %s", si.sub.ID, at, next, want)
				}
			}
		}
	}
	var total int
	for _, si := range subs {
		calls := rec.CallsFor(si.sub.ID)
		got := windowsOf(calls)
		if !sameWindows(got, si.expected) {
			t.Errorf("%s: generated %d windows, want %d", si.sub.ID, len(got), len(si.expected))
			for i := 0; i < max(len(got), len(si.expected)); i++ {
				var g, e string
				if i < len(got) {
					g = got[i].String()
				}
				if i < len(si.expected) {
					e = si.expected[i].String()
				}
				if g != e {
					t.Errorf("  #%d got %s want %s", i, g, e)
				}
			}
			continue
		}
		if len(calls) == 0 {
			t.Errorf("%s: nothing generated", si.sub.ID)
		}
		for _, c := range calls {
			due := DueAt(c.w.End, si.sub.Delay)
			if !c.at.Equal(due) {
				t.Errorf("%s: window %s generated at %s, due %s", si.sub.ID, c.w, c.at, due)
			}
		}
		runs := sortedRuns(runsOf(t, st, si.sub.ID))
		if len(runs) != len(si.expected) {
			t.Fatalf("%s: %d runs recorded, want %d", si.sub.ID, len(runs), len(si.expected))
		}
		for i, r := range runs {
			if r.State != Succeeded || r.Attempts != 1 || r.Manual || r.ReportID != reportKey(si.sub.ID, si.expected[i]) ||
				!r.ScheduledAt.Equal(DueAt(r.Window.End, si.sub.Delay)) || r.StartedAt.Before(r.ScheduledAt) {
				t.Errorf("%s: bad run %+v", si.sub.ID, r)
			}
		}
		total += len(calls)
	}
	// every distinct report written once
	for id, n := range rec.writes {
		if n != 1 {
			t.Errorf("report %s written %d times", id, n)
		}
	}
	if len(rec.Calls()) != total || len(rec.writes) != total {
		t.Errorf("calls %d, reports %d, expected %d", len(rec.Calls()), len(rec.writes), total)
	}
	t.Logf("%d ticks, %d reports", len(events), total)

	// The windows seen include the interesting days that lie in the span.
	seen := map[string]bool{}
	for _, c := range rec.Calls() {
		seen[c.sub+" "+c.w.Start.Format("2006-01-02")+" "+c.w.Duration().String()] = true
	}
	checked := 0
	for _, k := range []struct{ sub, day, dur string }{
		{"Europe/Berlin-day", "2024-02-29", "24h0m0s"}, {"Europe/Berlin-day", "2024-03-31", "23h0m0s"},
		{"Europe/Berlin-day", "2024-10-27", "25h0m0s"}, {"America/New_York-day", "2024-03-10", "23h0m0s"},
		{"America/New_York-day", "2024-11-03", "25h0m0s"}, {"Europe/Berlin-day", "2025-03-30", "23h0m0s"},
		{"Europe/Berlin-day", "2025-10-26", "25h0m0s"}, {"America/New_York-day", "2025-03-09", "23h0m0s"},
		{"America/New_York-day", "2025-11-02", "25h0m0s"}, {"Europe/Berlin-month", "2024-02-01", "696h0m0s"},
		{"America/New_York-quarter", "2024-10-01", "2209h0m0s"}, {"America/New_York-quarter", "2025-10-01", "2209h0m0s"},
		{"Europe/Berlin-year", "2024-01-01", "8784h0m0s"}, {"Europe/Berlin-week", "2025-03-24", "167h0m0s"},
	} {
		day := utc(k.day + "T00:00:00Z")
		if day.Before(t0) || day.After(end.Add(-30*24*time.Hour)) {
			continue
		}
		checked++
		if !seen[k.sub+" "+k.day+" "+k.dur] {
			t.Errorf("expected a window %s %s of %s", k.sub, k.day, k.dur)
		}
	}
	if checked < 2 {
		t.Errorf("only %d notable windows in the span", checked)
	}
}
