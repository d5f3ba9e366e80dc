// Package schedule turns subscriptions into report runs: it computes the
// calendar windows a subscription covers (in the subscription's own time
// zone, with DST handled through local-midnight boundaries) and runs each
// window exactly once through an idempotent Generate function.
//
// The package depends on the standard library only. The engine implements
// Store on its real storage and Generate on its report writer.
package schedule

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Period is the length of the calendar period a subscription reports on.
type Period string

// The periods a subscription may use.
const (
	Day     Period = "day"
	Week    Period = "week" // ISO week: Monday to Monday
	Month   Period = "month"
	Quarter Period = "quarter" // starting January, April, July, October
	Year    Period = "year"
)

// Periods lists the allowed periods in ascending length.
var Periods = []Period{Day, Week, Month, Quarter, Year}

const periodList = "day, week, month, quarter, year"

// ParsePeriod parses a period name (case and surrounding space ignored).
func ParsePeriod(s string) (Period, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	switch Period(v) {
	case Day, Week, Month, Quarter, Year:
		return Period(v), nil
	case "":
		return "", fmt.Errorf("period is required: want one of %s", periodList)
	}
	return "", fmt.Errorf("unknown period %q: want one of %s", s, periodList)
}

// Valid reports whether p is one of the allowed periods.
func (p Period) Valid() bool {
	switch p {
	case Day, Week, Month, Quarter, Year:
		return true
	}
	return false
}

func (p Period) check() error {
	if p.Valid() {
		return nil
	}
	_, err := ParsePeriod(string(p))
	if err == nil { // e.g. "Day": parseable but not canonical
		err = fmt.Errorf("period %q is not canonical: want one of %s", string(p), periodList)
	}
	return err
}

// Window is a half-open time range [Start, End).
type Window struct{ Start, End time.Time }

// Contains reports whether Start <= t < End.
func (w Window) Contains(t time.Time) bool { return !t.Before(w.Start) && t.Before(w.End) }

// Duration is End - Start (23 or 25 hours for a day across a DST change).
func (w Window) Duration() time.Duration { return w.End.Sub(w.Start) }

// IsZero reports whether both bounds are zero.
func (w Window) IsZero() bool { return w.Start.IsZero() && w.End.IsZero() }

func (w Window) String() string {
	return "[" + w.Start.Format(time.RFC3339) + ", " + w.End.Format(time.RFC3339) + ")"
}

// PeriodStart returns the start (local midnight in loc) of the period of
// kind p that contains t: the latest period boundary <= t. A nil loc means
// UTC. It panics only if p is not a valid period (callers validate first).
func PeriodStart(p Period, t time.Time, loc *time.Location) time.Time {
	_, s := containing(p, t, locOrUTC(loc))
	return s
}

// NextPeriodStart returns the start of the period after the one containing
// start (for a period start, the end of its period).
func NextPeriodStart(p Period, start time.Time, loc *time.Location) time.Time {
	loc = locOrUTC(loc)
	c, _ := containing(p, start, loc)
	return boundary(addPeriods(p, c, 1), loc)
}

// WindowFor returns the complete period a run scheduled at `scheduled`
// covers: the period that ends at the latest period boundary <=
// scheduled-delay. The result depends only on its arguments, never on the
// wall clock.
func WindowFor(p Period, scheduled time.Time, loc *time.Location, delay time.Duration) Window {
	loc = locOrUTC(loc)
	c, end := containing(p, scheduled.Add(-delay), loc)
	return prevWindow(p, c, end, loc)
}

// prevWindow returns the non-empty period ending at end, whose successor
// starts on date c. (A calendar day can be empty: Pacific/Apia skipped
// 2011-12-30.)
func prevWindow(p Period, c civil, end time.Time, loc *time.Location) Window {
	for {
		c = addPeriods(p, c, -1)
		if start := boundary(c, loc); start.Before(end) {
			return Window{Start: start, End: end}
		}
	}
}

// DueAt is the due time of the run for the period ending at end.
func DueAt(end time.Time, delay time.Duration) time.Time { return end.Add(delay) }

// isPeriodWindow reports whether w is exactly one period of kind p in loc.
func isPeriodWindow(p Period, w Window, loc *time.Location) bool {
	c, s := containing(p, w.Start, loc)
	return s.Equal(w.Start) && boundary(addPeriods(p, c, 1), loc).Equal(w.End)
}

// civil is a calendar date without a zone.
type civil struct {
	y int
	m time.Month
	d int
}

func (c civil) less(o civil) bool {
	if c.y != o.y {
		return c.y < o.y
	}
	if c.m != o.m {
		return c.m < o.m
	}
	return c.d < o.d
}

func norm(y int, m time.Month, d int) civil {
	t := time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
	y, m, d = t.Date()
	return civil{y, m, d}
}

func dateIn(t time.Time, loc *time.Location) civil {
	y, m, d := t.In(loc).Date()
	return civil{y, m, d}
}

// startDate is the first date of the period of kind p containing c.
func startDate(p Period, c civil) civil {
	switch p {
	case Day:
		return c
	case Week:
		wd := time.Date(c.y, c.m, c.d, 12, 0, 0, 0, time.UTC).Weekday()
		return norm(c.y, c.m, c.d-(int(wd)+6)%7) // Monday = 0
	case Month:
		return civil{c.y, c.m, 1}
	case Quarter:
		return civil{c.y, (c.m-1)/3*3 + 1, 1}
	case Year:
		return civil{c.y, time.January, 1}
	}
	panic(fmt.Sprintf("schedule: invalid period %q", string(p)))
}

// addPeriods moves the period start date c by n periods.
func addPeriods(p Period, c civil, n int) civil {
	switch p {
	case Day:
		return norm(c.y, c.m, c.d+n)
	case Week:
		return norm(c.y, c.m, c.d+7*n)
	case Month:
		return norm(c.y, c.m+time.Month(n), c.d)
	case Quarter:
		return norm(c.y, c.m+time.Month(3*n), c.d)
	case Year:
		return norm(c.y+n, c.m, c.d)
	}
	panic(fmt.Sprintf("schedule: invalid period %q", string(p)))
}

// containing returns the start date and start instant of the period
// containing t: the latest boundary <= t. The two corrections only matter in
// zones whose clocks change at midnight, where the local date is not
// monotonic in time.
func containing(p Period, t time.Time, loc *time.Location) (civil, time.Time) {
	c := startDate(p, dateIn(t, loc))
	b := boundary(c, loc)
	for b.After(t) {
		c = addPeriods(p, c, -1)
		b = boundary(c, loc)
	}
	for {
		nc := addPeriods(p, c, 1)
		nb := boundary(nc, loc)
		if nb.After(t) {
			return c, b
		}
		c, b = nc, nb
	}
}

// boundary is the instant the civil date c starts in loc: local midnight,
// or, where midnight does not exist (a DST gap at midnight), the first
// instant whose local date is c.
func boundary(c civil, loc *time.Location) time.Time {
	t := time.Date(c.y, c.m, c.d, 0, 0, 0, 0, loc)
	got := dateIn(t, loc)
	h, mi, s := t.Clock()
	if got == c && h == 0 && mi == 0 && s == 0 && t.Nanosecond() == 0 {
		return t
	}
	tod := time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute +
		time.Duration(s)*time.Second + time.Duration(t.Nanosecond())
	var lo, hi time.Time // dateIn(lo) < c <= dateIn(hi)
	if got.less(c) {
		lo, hi = t, t.Add(24*time.Hour-tod)
	} else {
		lo, hi = t.Add(-tod-time.Nanosecond), t
	}
	if !dateIn(lo, loc).less(c) || dateIn(hi, loc).less(c) {
		return t // not the shape we expected; keep what time.Date chose
	}
	for hi.Sub(lo) > time.Nanosecond {
		mid := lo.Add(hi.Sub(lo) / 2)
		if dateIn(mid, loc).less(c) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

func locOrUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

var zoneCache sync.Map // name -> *time.Location

// LoadZone resolves an IANA time zone name; "" means UTC. "Local" is
// refused: a subscription must not depend on the server's zone.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	if v, ok := zoneCache.Load(name); ok {
		return v.(*time.Location), nil
	}
	if name == "Local" {
		return nil, fmt.Errorf("time zone %q is not allowed: use an IANA name such as Europe/Berlin", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: use an IANA name such as Europe/Berlin or UTC", name)
	}
	zoneCache.Store(name, loc)
	return loc, nil
}

// MaxDelay is the largest ingestion delay a subscription may have.
const MaxDelay = 7 * 24 * time.Hour

// DefaultDelay is the ingestion delay callers apply when none is given.
const DefaultDelay = 15 * time.Minute

// ValidateSubscription checks what the scheduler relies on: the period, the
// time zone, a delay between 0 and 7 days and at least one format. All
// problems are reported together.
func ValidateSubscription(s Subscription) error {
	var errs []error
	if err := s.Period.check(); err != nil {
		errs = append(errs, err)
	}
	if _, err := LoadZone(s.TimeZone); err != nil {
		errs = append(errs, err)
	}
	if s.Delay < 0 || s.Delay > MaxDelay {
		errs = append(errs, fmt.Errorf("delay %s is out of range: want between 0 and %s", s.Delay, MaxDelay))
	}
	if len(s.Formats) == 0 {
		errs = append(errs, errors.New("at least one format is required"))
	}
	for i, f := range s.Formats {
		if strings.TrimSpace(f) == "" {
			errs = append(errs, fmt.Errorf("format %d is empty", i+1))
		}
	}
	return errors.Join(errs...)
}
