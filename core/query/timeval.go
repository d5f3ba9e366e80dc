package query

import (
	"math"
	"time"
)

// Time forms, parsed without allocation (the parser is on the store's hot path):
//
//	2006-01-02                       a date: midnight UTC
//	2006-01-02T15:04:05[.999999999]  UTC
//	2006-01-02T15:04:05[.999999999]Z or ±07:00   RFC 3339 (t and z also accepted)
//
// Filter arguments also take "now" and "-N" plus a unit s, m, h, d or w.
// Times outside the range of int64 Unix nanoseconds (years 1677-2262), from
// 0000-01-01 to 9999-12-31 or -1000000w, are accepted and clamp to
// math.MinInt64 / math.MaxInt64: no stored event lies beyond those, so a
// bound out there keeps or drops everything, as it would with exact times,
// and eq/in with such a time matches nothing.

type timeForm uint8

const (
	formDate  timeForm = iota + 1 // 2006-01-02
	formLocal                     // 2006-01-02T15:04:05, read as UTC
	formZoned                     // RFC 3339
)

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(m, y int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d (proleptic
// Gregorian), after Howard Hinnant's algorithm.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// secNanos converts seconds plus nanoseconds (0 <= frac < 1e9) to Unix
// nanoseconds, clamping to the int64 range.
func secNanos(sec, frac int64) int64 {
	ns, _ := secNanosClamped(sec, frac)
	return ns
}

// secNanosClamped is secNanos that also reports whether the time was outside
// the int64 range.
func secNanosClamped(sec, frac int64) (int64, bool) {
	const (
		maxSec  = math.MaxInt64 / 1_000_000_000 // 9223372036
		maxFrac = math.MaxInt64 - maxSec*1_000_000_000
		minSec  = -maxSec - 1                          // minSec*1e9 is below MinInt64 by under
		under   = math.MinInt64 - minSec*1_000_000_000 // 145224192 (exact constant arithmetic)
	)
	switch {
	case sec > maxSec:
		return math.MaxInt64, true
	case sec == maxSec && frac > maxFrac:
		return math.MaxInt64, true
	case sec < minSec:
		return math.MinInt64, true
	case sec == minSec:
		if frac < under {
			return math.MinInt64, true
		}
		return math.MinInt64 + (frac - under), false
	}
	return sec*1_000_000_000 + frac, false
}

// timeNanos converts t to Unix nanoseconds, clamping to the int64 range.
func timeNanos(t time.Time) int64 {
	return secNanos(t.Unix(), int64(t.Nanosecond()))
}

// parseTime parses an absolute time in one of the forms above.
func parseTime(s string) (ns int64, form timeForm, ok bool) {
	ns, form, _, ok = parseTimeClamped(s)
	return ns, form, ok
}

// parseTimeClamped is parseTime that also reports whether the time was
// clamped to the int64 range.
func parseTimeClamped(s string) (ns int64, form timeForm, clamped, ok bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, false, false
	}
	y, ok1 := digits(s[0:4])
	mo, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) {
		return 0, 0, false, false
	}
	days := daysFromCivil(y, mo, d)
	if len(s) == 10 {
		ns, clamped := secNanosClamped(days*86400, 0)
		return ns, formDate, clamped, true
	}
	if len(s) < 19 || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' {
		return 0, 0, false, false
	}
	hh, ok1 := digits(s[11:13])
	mm, ok2 := digits(s[14:16])
	ss, ok3 := digits(s[17:19])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 59 {
		return 0, 0, false, false
	}
	rest := s[19:]
	var frac int64
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		scale := int64(1e8)
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			frac += int64(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == 1 {
			return 0, 0, false, false
		}
		rest = rest[i:]
	}
	secs := days*86400 + int64(hh*3600+mm*60+ss)
	form = formLocal
	switch {
	case rest == "":
	case rest == "Z" || rest == "z":
		form = formZoned
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return 0, 0, false, false
		}
		off := int64(oh*3600 + om*60)
		if rest[0] == '+' {
			secs -= off
		} else {
			secs += off
		}
		form = formZoned
	default:
		return 0, 0, false, false
	}
	ns, clamped = secNanosClamped(secs, frac)
	return ns, form, clamped, true
}

// parseTimeValue parses a time as found in a document (any absolute form).
func parseTimeValue(s string) (int64, bool) {
	ns, _, ok := parseTime(s)
	return ns, ok
}

// parseRelative parses "-N" plus a unit s, m, h, d or w into a duration; a
// duration beyond time.Duration's range (292 years) saturates at its maximum.
func parseRelative(s string) (time.Duration, bool) {
	if len(s) < 3 || s[0] != '-' {
		return 0, false
	}
	var unit time.Duration
	switch s[len(s)-1] {
	case 's':
		unit = time.Second
	case 'm':
		unit = time.Minute
	case 'h':
		unit = time.Hour
	case 'd':
		unit = 24 * time.Hour
	case 'w':
		unit = 7 * 24 * time.Hour
	default:
		return 0, false
	}
	var n int64
	over := false
	for i := 1; i < len(s)-1; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if !over {
			n = n*10 + int64(c-'0')
			over = n > math.MaxInt64/int64(unit)
		}
	}
	if over {
		return math.MaxInt64, true
	}
	return time.Duration(n) * unit, true
}

// parseTimeArg parses a filter argument for a time field: an absolute time,
// "now" or a relative time resolved against now (Unix nanoseconds).
func parseTimeArg(s string, now int64) (int64, bool) {
	ns, _, ok := parseTimeArgClamped(s, now)
	return ns, ok
}

// parseTimeArgClamped is parseTimeArg that also reports a time clamped to
// the int64 range.
func parseTimeArgClamped(s string, now int64) (ns int64, clamped, ok bool) {
	if s == "now" {
		return now, false, true
	}
	if d, ok := parseRelative(s); ok {
		if now < math.MinInt64+int64(d) || d == math.MaxInt64 {
			return math.MinInt64, true, true
		}
		return now - int64(d), false, true
	}
	ns, _, clamped, ok = parseTimeClamped(s)
	return ns, clamped, ok
}
