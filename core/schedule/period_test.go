package schedule

import (
	"math/rand"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the host's zoneinfo
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// lt is a local wall time in loc.
func lt(loc *time.Location, y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, loc)
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParsePeriod(t *testing.T) {
	for _, s := range []string{"day", "week", "month", "quarter", "year", " Month "} {
		p, err := ParsePeriod(s)
		if err != nil || string(p) != strings.ToLower(strings.TrimSpace(s)) {
			t.Errorf("ParsePeriod(%q) = %q, %v", s, p, err)
		}
	}
	for _, s := range []string{"", "daily", "hour", "weeks"} {
		_, err := ParsePeriod(s)
		if err == nil {
			t.Errorf("ParsePeriod(%q): no error", s)
			continue
		}
		if !strings.Contains(err.Error(), "day, week, month, quarter, year") {
			t.Errorf("ParsePeriod(%q) error does not list the allowed values: %v", s, err)
		}
	}
}

func TestPeriodStartTable(t *testing.T) {
	ber := mustLoc(t, "Europe/Berlin")
	ny := mustLoc(t, "America/New_York")
	type tc struct {
		name       string
		p          Period
		loc        *time.Location
		at         time.Time
		start, end time.Time
		hours      float64
	}
	cases := []tc{
		// 29 February
		{"ber day 2024-02-29", Day, ber, lt(ber, 2024, 2, 29, 13, 0), lt(ber, 2024, 2, 29, 0, 0), lt(ber, 2024, 3, 1, 0, 0), 24},
		{"ny day 2024-02-29 last minute", Day, ny, lt(ny, 2024, 2, 29, 23, 59), lt(ny, 2024, 2, 29, 0, 0), lt(ny, 2024, 3, 1, 0, 0), 24},
		{"ber week with 2024-02-29", Week, ber, lt(ber, 2024, 2, 29, 8, 0), lt(ber, 2024, 2, 26, 0, 0), lt(ber, 2024, 3, 4, 0, 0), 168},
		{"ber month Feb 2024", Month, ber, lt(ber, 2024, 2, 29, 23, 59), lt(ber, 2024, 2, 1, 0, 0), lt(ber, 2024, 3, 1, 0, 0), 29 * 24},
		{"ny month Feb 2025", Month, ny, lt(ny, 2025, 2, 28, 12, 0), lt(ny, 2025, 2, 1, 0, 0), lt(ny, 2025, 3, 1, 0, 0), 28 * 24},
		{"ny year 2024 (leap)", Year, ny, lt(ny, 2024, 2, 29, 0, 0), lt(ny, 2024, 1, 1, 0, 0), lt(ny, 2025, 1, 1, 0, 0), 366 * 24},

		// Europe/Berlin DST start 2025-03-30 02:00 -> 03:00
		{"ber day DST start before jump", Day, ber, utc("2025-03-30T00:59:59Z"), lt(ber, 2025, 3, 30, 0, 0), lt(ber, 2025, 3, 31, 0, 0), 23},
		{"ber day DST start after jump", Day, ber, utc("2025-03-30T01:00:00Z"), lt(ber, 2025, 3, 30, 0, 0), lt(ber, 2025, 3, 31, 0, 0), 23},
		{"ber day before DST start", Day, ber, lt(ber, 2025, 3, 29, 23, 59), lt(ber, 2025, 3, 29, 0, 0), lt(ber, 2025, 3, 30, 0, 0), 24},
		{"ber week DST start", Week, ber, lt(ber, 2025, 3, 30, 12, 0), lt(ber, 2025, 3, 24, 0, 0), lt(ber, 2025, 3, 31, 0, 0), 167},
		{"ber month March 2025", Month, ber, lt(ber, 2025, 3, 15, 0, 0), lt(ber, 2025, 3, 1, 0, 0), lt(ber, 2025, 4, 1, 0, 0), 31*24 - 1},
		// Europe/Berlin DST end 2025-10-26 03:00 -> 02:00; 02:30 happens twice
		{"ber day DST end first 02:30", Day, ber, utc("2025-10-26T00:30:00Z"), lt(ber, 2025, 10, 26, 0, 0), lt(ber, 2025, 10, 27, 0, 0), 25},
		{"ber day DST end second 02:30", Day, ber, utc("2025-10-26T01:30:00Z"), lt(ber, 2025, 10, 26, 0, 0), lt(ber, 2025, 10, 27, 0, 0), 25},
		{"ber day DST end last instant", Day, ber, utc("2025-10-26T22:59:59.999999999Z"), lt(ber, 2025, 10, 26, 0, 0), lt(ber, 2025, 10, 27, 0, 0), 25},
		{"ber day after DST end", Day, ber, utc("2025-10-26T23:00:00Z"), lt(ber, 2025, 10, 27, 0, 0), lt(ber, 2025, 10, 28, 0, 0), 24},
		{"ber week DST end", Week, ber, lt(ber, 2025, 10, 26, 12, 0), lt(ber, 2025, 10, 20, 0, 0), lt(ber, 2025, 10, 27, 0, 0), 169},
		{"ber month Oct 2025", Month, ber, lt(ber, 2025, 10, 31, 23, 59), lt(ber, 2025, 10, 1, 0, 0), lt(ber, 2025, 11, 1, 0, 0), 31*24 + 1},

		// America/New_York DST start 2025-03-09 02:00 -> 03:00, end 2025-11-02 02:00 -> 01:00
		{"ny day DST start", Day, ny, lt(ny, 2025, 3, 9, 12, 0), lt(ny, 2025, 3, 9, 0, 0), lt(ny, 2025, 3, 10, 0, 0), 23},
		{"ny day DST end first 01:30", Day, ny, utc("2025-11-02T05:30:00Z"), lt(ny, 2025, 11, 2, 0, 0), lt(ny, 2025, 11, 3, 0, 0), 25},
		{"ny day DST end second 01:30", Day, ny, utc("2025-11-02T06:30:00Z"), lt(ny, 2025, 11, 2, 0, 0), lt(ny, 2025, 11, 3, 0, 0), 25},
		{"ny week DST start", Week, ny, lt(ny, 2025, 3, 9, 23, 0), lt(ny, 2025, 3, 3, 0, 0), lt(ny, 2025, 3, 10, 0, 0), 167},
		{"ny week DST end", Week, ny, lt(ny, 2025, 11, 2, 23, 0), lt(ny, 2025, 10, 27, 0, 0), lt(ny, 2025, 11, 3, 0, 0), 169},
		{"ny month Nov 2025", Month, ny, lt(ny, 2025, 11, 1, 0, 0), lt(ny, 2025, 11, 1, 0, 0), lt(ny, 2025, 12, 1, 0, 0), 30*24 + 1},

		// month, quarter and year ends
		{"ber week across year end", Week, ber, lt(ber, 2025, 1, 1, 0, 0), lt(ber, 2024, 12, 30, 0, 0), lt(ber, 2025, 1, 6, 0, 0), 168},
		{"ber month end last instant", Month, ber, lt(ber, 2025, 4, 1, 0, 0).Add(-time.Nanosecond), lt(ber, 2025, 3, 1, 0, 0), lt(ber, 2025, 4, 1, 0, 0), 31*24 - 1},
		{"ber Q1 2025 last instant", Quarter, ber, lt(ber, 2025, 4, 1, 0, 0).Add(-time.Nanosecond), lt(ber, 2025, 1, 1, 0, 0), lt(ber, 2025, 4, 1, 0, 0), 90*24 - 1},
		{"ber Q2 2025 first instant", Quarter, ber, lt(ber, 2025, 4, 1, 0, 0), lt(ber, 2025, 4, 1, 0, 0), lt(ber, 2025, 7, 1, 0, 0), 91 * 24},
		{"ny Q3 2025", Quarter, ny, lt(ny, 2025, 9, 30, 23, 59), lt(ny, 2025, 7, 1, 0, 0), lt(ny, 2025, 10, 1, 0, 0), 92 * 24},
		{"ny Q4 2025", Quarter, ny, lt(ny, 2025, 12, 31, 23, 59), lt(ny, 2025, 10, 1, 0, 0), lt(ny, 2026, 1, 1, 0, 0), 92*24 + 1},
		{"ber Q1 2024 (leap)", Quarter, ber, lt(ber, 2024, 2, 29, 0, 0), lt(ber, 2024, 1, 1, 0, 0), lt(ber, 2024, 4, 1, 0, 0), 91*24 - 1},
		{"ber year 2024 last instant", Year, ber, lt(ber, 2025, 1, 1, 0, 0).Add(-time.Nanosecond), lt(ber, 2024, 1, 1, 0, 0), lt(ber, 2025, 1, 1, 0, 0), 366 * 24},
		{"ber year 2025 first instant", Year, ber, lt(ber, 2025, 1, 1, 0, 0), lt(ber, 2025, 1, 1, 0, 0), lt(ber, 2026, 1, 1, 0, 0), 365 * 24},
		{"utc day nil loc", Day, nil, utc("2025-03-30T12:00:00Z"), utc("2025-03-30T00:00:00Z"), utc("2025-03-31T00:00:00Z"), 24},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := PeriodStart(c.p, c.at, c.loc)
			e := NextPeriodStart(c.p, s, c.loc)
			if !s.Equal(c.start) || !e.Equal(c.end) {
				t.Fatalf("period of %s = [%s, %s), want [%s, %s)", c.at, s, e, c.start, c.end)
			}
			if h := e.Sub(s).Hours(); h != c.hours {
				t.Fatalf("length %v h, want %v h", h, c.hours)
			}
			// NextPeriodStart of any instant inside is the same end.
			if e2 := NextPeriodStart(c.p, c.at, c.loc); !e2.Equal(c.end) {
				t.Fatalf("NextPeriodStart(%s) = %s, want %s", c.at, e2, c.end)
			}
			if c.loc != nil && s.Location() != c.loc {
				t.Fatalf("start not in the subscription's zone: %s", s.Location())
			}
		})
	}
}

func TestWindowForTable(t *testing.T) {
	ber := mustLoc(t, "Europe/Berlin")
	ny := mustLoc(t, "America/New_York")
	const d15 = 15 * time.Minute
	type tc struct {
		name       string
		p          Period
		loc        *time.Location
		scheduled  time.Time
		delay      time.Duration
		start, end time.Time
	}
	cases := []tc{
		{"ber day 29 Feb due", Day, ber, lt(ber, 2024, 3, 1, 0, 15), d15, lt(ber, 2024, 2, 29, 0, 0), lt(ber, 2024, 3, 1, 0, 0)},
		{"ber day 29 Feb 1ns early", Day, ber, lt(ber, 2024, 3, 1, 0, 15).Add(-1), d15, lt(ber, 2024, 2, 28, 0, 0), lt(ber, 2024, 2, 29, 0, 0)},
		{"ber day DST start (23h)", Day, ber, lt(ber, 2025, 3, 31, 0, 15), d15, lt(ber, 2025, 3, 30, 0, 0), lt(ber, 2025, 3, 31, 0, 0)},
		{"ber day DST end (25h)", Day, ber, lt(ber, 2025, 10, 27, 0, 15), d15, lt(ber, 2025, 10, 26, 0, 0), lt(ber, 2025, 10, 27, 0, 0)},
		{"ber day late in the day", Day, ber, lt(ber, 2025, 10, 27, 23, 0), d15, lt(ber, 2025, 10, 26, 0, 0), lt(ber, 2025, 10, 27, 0, 0)},
		{"ny day DST start (23h)", Day, ny, lt(ny, 2025, 3, 10, 0, 15), d15, lt(ny, 2025, 3, 9, 0, 0), lt(ny, 2025, 3, 10, 0, 0)},
		{"ny day DST end (25h)", Day, ny, lt(ny, 2025, 11, 3, 0, 15), d15, lt(ny, 2025, 11, 2, 0, 0), lt(ny, 2025, 11, 3, 0, 0)},
		{"ny day due during the repeated hour", Day, ny, utc("2025-11-02T06:15:00Z"), 2*time.Hour + 15*time.Minute, lt(ny, 2025, 11, 1, 0, 0), lt(ny, 2025, 11, 2, 0, 0)},
		{"ber week due Monday", Week, ber, lt(ber, 2025, 3, 31, 0, 15), d15, lt(ber, 2025, 3, 24, 0, 0), lt(ber, 2025, 3, 31, 0, 0)},
		{"ber week mid-week", Week, ber, lt(ber, 2025, 4, 2, 10, 0), d15, lt(ber, 2025, 3, 24, 0, 0), lt(ber, 2025, 3, 31, 0, 0)},
		{"ny week before due", Week, ny, lt(ny, 2025, 11, 3, 0, 14), d15, lt(ny, 2025, 10, 20, 0, 0), lt(ny, 2025, 10, 27, 0, 0)},
		{"ber month Feb 2024", Month, ber, lt(ber, 2024, 3, 1, 0, 15), d15, lt(ber, 2024, 2, 1, 0, 0), lt(ber, 2024, 3, 1, 0, 0)},
		{"ber month with 7d delay, early", Month, ber, lt(ber, 2025, 4, 8, 0, 0).Add(-1), 7 * 24 * time.Hour, lt(ber, 2025, 2, 1, 0, 0), lt(ber, 2025, 3, 1, 0, 0)},
		{"ber month with 7d delay, due", Month, ber, lt(ber, 2025, 4, 8, 0, 0), 7 * 24 * time.Hour, lt(ber, 2025, 3, 1, 0, 0), lt(ber, 2025, 4, 1, 0, 0)},
		{"ny quarter Q1", Quarter, ny, lt(ny, 2025, 4, 1, 0, 15), d15, lt(ny, 2025, 1, 1, 0, 0), lt(ny, 2025, 4, 1, 0, 0)},
		{"ny quarter Q4 2025", Quarter, ny, lt(ny, 2026, 2, 1, 0, 0), d15, lt(ny, 2025, 10, 1, 0, 0), lt(ny, 2026, 1, 1, 0, 0)},
		{"ber year 2024 due", Year, ber, lt(ber, 2025, 1, 1, 0, 15), d15, lt(ber, 2024, 1, 1, 0, 0), lt(ber, 2025, 1, 1, 0, 0)},
		{"ber year 2024 not yet due", Year, ber, lt(ber, 2025, 1, 1, 0, 10), d15, lt(ber, 2023, 1, 1, 0, 0), lt(ber, 2024, 1, 1, 0, 0)},
		{"zero delay at boundary", Day, ber, lt(ber, 2025, 3, 31, 0, 0), 0, lt(ber, 2025, 3, 30, 0, 0), lt(ber, 2025, 3, 31, 0, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := WindowFor(c.p, c.scheduled, c.loc, c.delay)
			if !w.Start.Equal(c.start) || !w.End.Equal(c.end) {
				t.Fatalf("WindowFor(%s) = %s, want [%s, %s)", c.scheduled, w, c.start, c.end)
			}
			due := DueAt(w.End, c.delay)
			if due.After(c.scheduled) {
				t.Fatalf("due %s after scheduled %s", due, c.scheduled)
			}
			if !WindowFor(c.p, due, c.loc, c.delay).Start.Equal(w.Start) {
				t.Fatalf("the window is not the one resolved at its own due time")
			}
		})
	}
}

// TestPeriodInvariants checks random instants in zones with unusual
// transitions: DST at midnight (Santiago, Havana, Beirut), half-hour DST
// (Lord Howe), a skipped calendar day (Apia, 2011-12-30).
func TestPeriodInvariants(t *testing.T) {
	zones := []string{"UTC", "Europe/Berlin", "America/New_York", "America/Santiago", "America/Havana",
		"Asia/Beirut", "Australia/Lord_Howe", "Pacific/Apia", "Asia/Kolkata", "Pacific/Chatham"}
	rng := rand.New(rand.NewSource(1))
	lo := utc("2010-01-01T00:00:00Z").Unix()
	hi := utc("2030-01-01T00:00:00Z").Unix()
	for _, z := range zones {
		loc := mustLoc(t, z)
		for _, p := range Periods {
			for range 400 {
				at := time.Unix(lo+rng.Int63n(hi-lo), rng.Int63n(1e9))
				s := PeriodStart(p, at, loc)
				e := NextPeriodStart(p, s, loc)
				if s.After(at) || !e.After(at) {
					t.Fatalf("%s %s: %s not in [%s, %s)", z, p, at, s, e)
				}
				if !PeriodStart(p, s, loc).Equal(s) || !PeriodStart(p, e, loc).Equal(e) {
					t.Fatalf("%s %s: bounds are not fixed points: %s %s", z, p, s, e)
				}
				delay := time.Duration(rng.Int63n(int64(MaxDelay)))
				w := WindowFor(p, at, loc, delay)
				if !w.Start.Before(w.End) || w.End.After(at.Add(-delay)) {
					t.Fatalf("%s %s: bad window %s for %s - %s", z, p, w, at, delay)
				}
				if !NextPeriodStart(p, w.Start, loc).Equal(w.End) {
					t.Fatalf("%s %s: window %s is not one period", z, p, w)
				}
				if nd := DueAt(NextPeriodStart(p, w.End, loc), delay); !nd.After(at) {
					t.Fatalf("%s %s: a later window was already due at %s", z, p, at)
				}
			}
		}
	}
	// A day whose midnight does not exist starts at the transition.
	san := mustLoc(t, "America/Santiago")
	if got := PeriodStart(Day, utc("2024-09-08T12:00:00Z"), san); !got.Equal(utc("2024-09-08T04:00:00Z")) {
		t.Fatalf("Santiago 2024-09-08 starts at %s, want 01:00 -03 (04:00Z)", got)
	}
	if got := PeriodStart(Day, utc("2024-09-08T12:00:00Z"), san); got.Format("2006-01-02 15:04") != "2024-09-08 01:00" {
		t.Fatalf("Santiago 2024-09-08 starts at local %s", got.Format("2006-01-02 15:04"))
	}
	// Apia skipped 2011-12-30: 29 December ends where 31 December begins.
	apia := mustLoc(t, "Pacific/Apia")
	w := WindowFor(Day, time.Date(2011, 12, 31, 12, 0, 0, 0, apia), apia, 0)
	if w.Start.Format("2006-01-02") != "2011-12-29" || w.End.Format("2006-01-02") != "2011-12-31" || w.Duration() != 24*time.Hour {
		t.Fatalf("Apia window before 2011-12-31: %s (%s)", w, w.Duration())
	}
}

func TestValidateSubscription(t *testing.T) {
	ok := Subscription{ID: "s", Period: Month, Formats: []string{"csv"}, TimeZone: "Europe/Berlin", Delay: DefaultDelay}
	if err := ValidateSubscription(ok); err != nil {
		t.Fatal(err)
	}
	ok.TimeZone = ""
	if err := ValidateSubscription(ok); err != nil {
		t.Fatalf("empty zone means UTC: %v", err)
	}
	bad := []struct {
		mod  func(*Subscription)
		want string
	}{
		{func(s *Subscription) { s.Period = "hourly" }, "unknown period"},
		{func(s *Subscription) { s.Period = "" }, "period is required"},
		{func(s *Subscription) { s.TimeZone = "Mars/Olympus" }, "unknown time zone"},
		{func(s *Subscription) { s.TimeZone = "Local" }, "not allowed"},
		{func(s *Subscription) { s.Delay = -time.Second }, "delay"},
		{func(s *Subscription) { s.Delay = MaxDelay + time.Second }, "delay"},
		{func(s *Subscription) { s.Formats = nil }, "at least one format"},
		{func(s *Subscription) { s.Formats = []string{"csv", " "} }, "format 2 is empty"},
	}
	for _, b := range bad {
		s := ok
		b.mod(&s)
		err := ValidateSubscription(s)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("want error containing %q, got %v", b.want, err)
		}
	}
	all := Subscription{Period: "x", TimeZone: "Nope/Nope", Delay: -1}
	err := ValidateSubscription(all)
	for _, w := range []string{"period", "time zone", "delay", "format"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("joined error lacks %q: %v", w, err)
		}
	}
}
