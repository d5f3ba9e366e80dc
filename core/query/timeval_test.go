package query

import (
	"errors"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	valid := []struct {
		in   string
		want string // RFC 3339 of the instant, checked with time.Parse
		form timeForm
	}{
		{"2018-06-23T15:18:09.000Z", "2018-06-23T15:18:09Z", formZoned},
		{"2018-06-23T15:18:09Z", "2018-06-23T15:18:09Z", formZoned},
		{"2018-06-23t15:18:09z", "2018-06-23T15:18:09Z", formZoned},
		{"2025-12-09T12:00:51.564Z", "2025-12-09T12:00:51.564Z", formZoned},
		{"2018-06-23T16:18:09+01:00", "2018-06-23T15:18:09Z", formZoned},
		{"2018-06-23T10:18:09.123456789-05:00", "2018-06-23T15:18:09.123456789Z", formZoned},
		{"2018-06-23T15:18:09.1234567891Z", "2018-06-23T15:18:09.123456789Z", formZoned},
		{"2018-06-23T15:18:09", "2018-06-23T15:18:09Z", formLocal},
		{"2018-06-23T15:18:09.5", "2018-06-23T15:18:09.5Z", formLocal},
		{"2018-06-23", "2018-06-23T00:00:00Z", formDate},
		{"2016-02-29", "2016-02-29T00:00:00Z", formDate},
		{"2000-02-29", "2000-02-29T00:00:00Z", formDate},
		{"1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.5Z", formZoned},
		{"1700-03-01", "1700-03-01T00:00:00Z", formDate},
	}
	for _, tt := range valid {
		ns, form, ok := parseTime(tt.in)
		want, err := time.Parse(time.RFC3339Nano, tt.want)
		if err != nil {
			t.Fatal(err)
		}
		if !ok || ns != want.UnixNano() || form != tt.form {
			t.Errorf("parseTime(%q) = %d %v %v, want %d form %v", tt.in, ns, form, ok, want.UnixNano(), tt.form)
		}
	}
	invalid := []string{"", "2018", "2018-06", "2018-6-23", "18-06-23", "2018-02-30", "1900-02-29", "2018-13-01", "2018-00-10",
		"2018-06-23T24:00:00Z", "2018-06-23T15:60:09Z", "2018-06-23T15:18:60Z", "2018-06-23T15:18:09.Z",
		"2018-06-23 15:18:09Z", "2018-06-23T15:18:09+0100", "2018-06-23T15:18:09+24:00", "2018-06-23T15:18Z",
		"2018-06-23T15:18:09ZZ", "2018-06-23x", "+018-06-23", "2018-06-23T15:18:09,5Z", "now", "-24h"}
	for _, s := range invalid {
		if _, _, ok := parseTime(s); ok {
			t.Errorf("parseTime(%q) accepted", s)
		}
	}
}

func TestTimeClamp(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"2262-04-11T23:47:16.854775807Z", math.MaxInt64},
		{"2262-04-11T23:47:16.854775808Z", math.MaxInt64},
		{"2262-04-11T23:47:16.854775806Z", math.MaxInt64 - 1},
		{"9999-12-31", math.MaxInt64},
		{"1677-09-21T00:12:43.145224192Z", math.MinInt64},
		{"1677-09-21T00:12:43.145224193Z", math.MinInt64 + 1},
		{"1677-09-21T00:12:43.145224191Z", math.MinInt64},
		{"0001-01-01", math.MinInt64},
	}
	for _, tt := range tests {
		if ns, ok := parseTimeValue(tt.in); !ok || ns != tt.want {
			t.Errorf("parseTimeValue(%q) = %d, %v; want %d", tt.in, ns, ok, tt.want)
		}
	}
	if got := timeNanos(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)); got != math.MaxInt64 {
		t.Errorf("timeNanos(3000) = %d", got)
	}
}

func TestParseTimeArg(t *testing.T) {
	now := time.Date(2018, 6, 24, 0, 0, 0, 0, time.UTC)
	n := now.UnixNano()
	valid := map[string]time.Time{
		"now":        now,
		"-24h":       now.Add(-24 * time.Hour),
		"-0s":        now,
		"-7d":        now.AddDate(0, 0, -7),
		"-1w":        now.AddDate(0, 0, -7),
		"-90m":       now.Add(-90 * time.Minute),
		"-86400s":    now.Add(-86400 * time.Second),
		"2018-06-01": time.Date(2018, 6, 1, 0, 0, 0, 0, time.UTC),
	}
	for in, want := range valid {
		if ns, ok := parseTimeArg(in, n); !ok || ns != want.UnixNano() {
			t.Errorf("parseTimeArg(%q) = %d %v, want %v", in, ns, ok, want)
		}
	}
	for _, in := range []string{"-h", "24h", "-1y", "-1.5h", "+1h", "-1H", "Now", "yesterday", "- 1h"} {
		if _, ok := parseTimeArg(in, n); ok {
			t.Errorf("parseTimeArg(%q) accepted", in)
		}
	}
	// Beyond time.Duration's 292 years a relative time clamps too.
	for _, in := range []string{"-99999999999999999h", "-200000d", "-999999999999999999999999999w"} {
		if ns, ok := parseTimeArg(in, n); !ok || ns != math.MinInt64 {
			t.Errorf("parseTimeArg(%q) = %d %v, want clamped to MinInt64", in, ns, ok)
		}
	}
	old := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	if ns, ok := parseTimeArg("-15250w", old); !ok || ns != math.MinInt64 {
		t.Errorf("-15250w = %d %v, want clamped to MinInt64", ns, ok)
	}
}

// TestTimesBeyondNanoRange: times before 1677 or after 2262 (years 0001 and
// 9999, the last N seconds for a huge N) are accepted in every syntax and
// mean what they say: as bounds they keep or drop every event, and eq with
// such a time matches none.
func TestTimesBeyondNanoRange(t *testing.T) {
	doc := parseDoc(t, sampleDoc) // created_at 2018-06-23
	dsl := []struct {
		in   string
		want bool
	}{
		{"created_at.ge(0001-01-01)", true},
		{"created_at.gt(0001-01-01T00:00:00Z)", true},
		{"created_at.le(9999-12-31T23:59:59.999Z)", true},
		{"created_at.lt(9999-12-31)", true},
		{"created_at.ge(9999-12-31)", false},
		{"created_at.le(0001-01-01)", false},
		{"created_at.lt(0000-01-01)", false},
		{"created_at.ge(-200000d)", true},
		{"created_at.eq(0001-01-01)", false},
		{"created_at.in(9999-12-31,0001-01-01)", false},
		{"!created_at.eq(9999-12-31)", true},
		{"raw.when.ge(0001-01-01)", true},
		{"raw.when.le(0001-01-01)", false},
	}
	for _, tt := range dsl {
		c := mustCompile(t, tt.in)
		if got := c.MatchJSON(doc); got != tt.want {
			t.Errorf("%s: match %v, want %v", tt.in, got, tt.want)
		}
		// The store skips by the time range: it must agree with the match.
		lo, hi := c.TimeRange("created_at")
		ns, _ := parseTimeValue("2018-06-23T15:18:09.000Z")
		if in := lo <= ns && ns <= hi; !in && tt.want {
			t.Errorf("%s: TimeRange [%d, %d] leaves out a matching event", tt.in, lo, hi)
		}
	}

	js := []struct {
		in   string
		want bool
	}{
		{`{"activity_start_timestamp":{"$eq":99999999999}}`, true},
		{`{"activity_start_timestamp":{"$eq":"1e300"}}`, true},
		{`{"activity_start_timestamp":{"$gte":"0001-01-01T00:00:00Z"}}`, true},
		{`{"activity_start_timestamp":{"$lt":"9999-12-31T23:59:59Z"}}`, true},
		{`{"activity_start_timestamp":{"$gte":"9999-12-31T00:00:00Z"}}`, false},
	}
	for _, tt := range js {
		f, err := ParseJSON(tt.in)
		if err != nil {
			t.Errorf("ParseJSON(%s): %v", tt.in, err)
			continue
		}
		c, err := Compile(f, ActivitySchema, testNow)
		if err != nil {
			t.Errorf("Compile(%s): %v", tt.in, err)
			continue
		}
		if got := c.MatchJSON(doc); got != tt.want {
			t.Errorf("%s: match %v, want %v", tt.in, got, tt.want)
		}
	}

	params := []struct {
		hss  bool
		v    url.Values
		want bool
	}{
		{false, url.Values{"created_after": {"0001-01-01"}}, true},
		{false, url.Values{"created_after": {"9999-12-31T00:00:00Z"}}, false},
		{true, url.Values{"begin_time": {"-62135596800000"}, "end_time": {"253402300799999"}}, true}, // 0001-01-01 .. 9999-12-31
		{true, url.Values{"begin_time": {"253402300799999"}}, false},
		{true, url.Values{"end_time": {"9223372036854775807"}}, true},
		{true, url.Values{"begin_time": {"-9223372036854775808"}}, true},
		{true, url.Values{"last_days": {"100000000"}}, true},
	}
	for _, tt := range params {
		parse := ParseCloudlockParams
		if tt.hss {
			parse = ParseHSSParams
		}
		f, err := parse(tt.v)
		if err != nil {
			t.Errorf("params %v: %v", tt.v, err)
			continue
		}
		c, err := Compile(f, ActivitySchema, testNow)
		if err != nil {
			t.Errorf("Compile(params %v = %s): %v", tt.v, f, err)
			continue
		}
		if got := c.MatchJSON(doc); got != tt.want {
			t.Errorf("params %v (%s): match %v, want %v", tt.v, f, got, tt.want)
		}
	}

	// What is refused says what is accepted.
	for _, tt := range []struct {
		hss         bool
		v           url.Values
		param, want string
	}{
		{true, url.Values{"begin_time": {"1.5e12"}}, "begin_time", "whole number of milliseconds since 1970-01-01T00:00:00Z"},
		{true, url.Values{"last_days": {"0"}}, "last_days", "a whole number of days, at least 1"},
		{false, url.Values{"created_after": {"10000-01-01"}}, "created_after", "years 0000 to 9999"},
	} {
		parse := ParseCloudlockParams
		if tt.hss {
			parse = ParseHSSParams
		}
		_, err := parse(tt.v)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != tt.param || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("params %v: error %v, want one on %s saying %q", tt.v, err, tt.param, tt.want)
		}
	}
}
