package query

import (
	"math"
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
	for _, in := range []string{"-h", "24h", "-1y", "-1.5h", "+1h", "-99999999999999999h", "-1H", "Now", "yesterday", "- 1h"} {
		if _, ok := parseTimeArg(in, n); ok {
			t.Errorf("parseTimeArg(%q) accepted", in)
		}
	}
	old := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	if ns, ok := parseTimeArg("-15250w", old); !ok || ns != math.MinInt64 {
		t.Errorf("-15250w = %d %v, want clamped to MinInt64", ns, ok)
	}
}
