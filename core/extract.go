package core

import (
	"fmt"
	"math"
	"time"
)

// MaxEventBytes bounds one ingested event; a longer line is skipped, never buffered whole.
const MaxEventBytes = 1 << 20

// FieldExtractor pulls the column fields out of raw activity JSON while
// validating the whole text. It reuses its buffers, so each goroutine needs
// its own.
type FieldExtractor struct {
	want  *wantSet
	s     jsonScanner
	track *keyTracker // ExtractNew only
}

// Slots of the top-level want set, in the order newWant builds them.
const (
	slotEventID = iota
	slotCreatedAt
	slotEventType
	slotClientIP
	slotSuccessful
	slotUser
	slotVendor
	slotLocation
	slotExtra
)

func newWant() *wantSet {
	leaf := func(k string) wantSlot { return wantSlot{key: k} }
	obj := func(k string, sub ...wantSlot) wantSlot { return wantSlot{key: k, sub: &wantSet{slots: sub}} }
	return &wantSet{slots: []wantSlot{
		leaf("event_id"), leaf("created_at"), leaf("event_type"), leaf("client_ip"), leaf("operation_successful"),
		obj("user", leaf("user_email")),
		obj("vendor", leaf("name"), leaf("service")),
		obj("client_location", obj("country", leaf("code"))),
		obj("extra", obj("auth", leaf("is_suspicious"))),
	}}
}

// Extract validates raw as an activity item and returns its column fields.
// The error text is the reason shown to the user for a skipped line.
func (x *FieldExtractor) Extract(raw []byte) (ActivityFields, error) {
	return x.extract(raw, nil)
}

// ExtractNew is Extract for an event on its way in: it also refuses a member
// name given twice in one object (readers would disagree on its value).
func (x *FieldExtractor) ExtractNew(raw []byte) (ActivityFields, error) {
	if x.track == nil {
		x.track = &keyTracker{}
	}
	x.track.reset(raw)
	return x.extract(raw, x.track)
}

func (x *FieldExtractor) extract(raw []byte, track *keyTracker) (ActivityFields, error) {
	var f ActivityFields
	if x.want == nil {
		x.want = newWant()
	}
	x.want.reset()
	x.s = jsonScanner{b: raw, track: track}
	top := x.s.value(0, x.want)
	if x.s.err == nil {
		x.s.ws()
		if x.s.i < len(raw) {
			x.s.fail("unexpected %s after the JSON value", x.s.found())
		}
	}
	if x.s.dup != "" {
		return f, fmt.Errorf("member name %q appears twice in one object (a name may appear once)", truncate(x.s.dup, 160))
	}
	if x.s.err != nil {
		return f, fmt.Errorf("invalid JSON %s", truncate(x.s.err.Error(), 160))
	}
	if top.kind != kindObject {
		return f, fmt.Errorf("not a JSON object but %s", top.kind)
	}
	w := x.want.slots
	id := w[slotEventID].val
	switch id.kind {
	case kindNone, kindNull:
		return f, fmt.Errorf("missing event_id")
	case kindString:
	default:
		return f, fmt.Errorf("event_id must be a string, got %s", id.kind)
	}
	f.EventID = x.text(id)
	if f.EventID == "" {
		return f, fmt.Errorf("missing event_id (empty string)")
	}
	ca := w[slotCreatedAt].val
	switch ca.kind {
	case kindNone, kindNull:
		return f, fmt.Errorf("missing created_at")
	case kindString:
	default:
		return f, fmt.Errorf("created_at must be an RFC 3339 string, got %s", ca.kind)
	}
	tsText := raw[ca.start+1 : ca.end-1]
	if ca.escaped {
		tsText = []byte(x.text(ca))
	}
	ts, ok := ParseTimestamp(tsText)
	if !ok {
		if t, err := time.Parse(time.RFC3339Nano, string(tsText)); err == nil && !representableNs(t) {
			return f, fmt.Errorf("created_at %q is outside the range events can have: %s to %s", truncate(x.text(ca), 64),
				minNanoTime.UTC().Format(time.RFC3339Nano), maxNanoTime.UTC().Format(time.RFC3339Nano))
		}
		return f, fmt.Errorf("unparseable created_at %q: expected RFC 3339 like 2018-06-23T15:18:09.000Z", truncate(x.text(ca), 64))
	}
	f.CreatedAt = ts
	var err error
	str := func(dst *string, path ...string) {
		if err == nil {
			*dst, err = x.optString(path)
		}
	}
	str(&f.EventType, "event_type")
	str(&f.ClientIP, "client_ip")
	str(&f.UserEmail, "user", "user_email")
	str(&f.VendorName, "vendor", "name")
	str(&f.VendorService, "vendor", "service")
	str(&f.Country, "client_location", "country", "code")
	if err == nil {
		f.Successful, err = x.optBool([]string{"operation_successful"})
	}
	if err == nil {
		f.Suspicious, err = x.optBool([]string{"extra", "auth", "is_suspicious"})
	}
	return f, err
}

func (x *FieldExtractor) text(v jsonValue) string {
	body := x.s.b[v.start+1 : v.end-1]
	if v.escaped {
		return unescapeJSON(body)
	}
	return string(body)
}

// lookup finds a wanted path; a missing or null parent means the field is
// absent, but a parent of another type is an error.
func (x *FieldExtractor) lookup(path []string) (jsonValue, error) {
	set := x.want
	for i, k := range path {
		slot := set.slot([]byte(k))
		if i == len(path)-1 {
			return slot.val, nil
		}
		switch slot.val.kind {
		case kindNone, kindNull:
			return jsonValue{}, nil
		case kindObject:
			set = slot.sub
		default:
			return jsonValue{}, fmt.Errorf("%s must be an object, got %s", dotted(path[:i+1]), slot.val.kind)
		}
	}
	return jsonValue{}, nil
}

func (x *FieldExtractor) optString(path []string) (string, error) {
	v, err := x.lookup(path)
	if err != nil {
		return "", err
	}
	switch v.kind {
	case kindNone, kindNull:
		return "", nil
	case kindString:
		return x.text(v), nil
	}
	return "", fmt.Errorf("%s must be a string, got %s", dotted(path), v.kind)
}

func (x *FieldExtractor) optBool(path []string) (Tri, error) {
	v, err := x.lookup(path)
	if err != nil {
		return TriNull, err
	}
	switch v.kind {
	case kindNone, kindNull:
		return TriNull, nil
	case kindBool:
		return TriOf(v.truth), nil
	}
	return TriNull, fmt.Errorf("%s must be true, false or null, got %s", dotted(path), v.kind)
}

func dotted(path []string) string {
	s := path[0]
	for _, p := range path[1:] {
		s += "." + p
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// ParseTimestamp parses an RFC 3339 timestamp into unix nanoseconds. The
// common "2006-01-02T15:04:05.000Z" shape takes a fast path without allocating.
func ParseTimestamp(b []byte) (int64, bool) {
	if ns, ok := parseFixedUTC(b); ok {
		return ns, true
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil || !representableNs(t) {
		return 0, false
	}
	return t.UnixNano(), true
}

// representableNs: UnixNano is only defined from 1677-09-21 to 2262-04-11.
func representableNs(t time.Time) bool {
	return !t.Before(minNanoTime) && !t.After(maxNanoTime)
}

var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

// parseFixedUTC handles YYYY-MM-DDTHH:MM:SS[.fff...]Z.
func parseFixedUTC(b []byte) (int64, bool) {
	if len(b) < 20 || b[len(b)-1] != 'Z' || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	num := func(s []byte) (int, bool) {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(b[0:4])
	mo, ok2 := num(b[5:7])
	d, ok3 := num(b[8:10])
	h, ok4 := num(b[11:13])
	mi, ok5 := num(b[14:16])
	s, ok6 := num(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 {
		return 0, false
	}
	frac := 0
	rest := b[19 : len(b)-1]
	if len(rest) > 0 {
		if rest[0] != '.' || len(rest) < 2 || len(rest) > 10 {
			return 0, false
		}
		f, ok := num(rest[1:])
		if !ok {
			return 0, false
		}
		for i := len(rest) - 1; i < 9; i++ {
			f *= 10
		}
		frac = f
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, frac, time.UTC)
	if t.Day() != d || !representableNs(t) { // 2021-02-30 and the like
		return 0, false
	}
	return t.UnixNano(), true
}
