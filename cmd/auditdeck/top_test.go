package main_test

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestTopAndStats runs `top` and `query --stats` as processes, on the
// store and relayed through a running daemon, against counts known by hand.
func TestTopAndStats(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	in := strings.Join([]string{
		`{"event_id":"a","created_at":"2026-10-01T01:00:00Z","event_type":"login","operation_successful":false,"user":{"user_email":"alice@x.io"},"tags":["x","y","x"],"n":2}`,
		`{"event_id":"b","created_at":"2026-10-01T02:00:00Z","event_type":"login","operation_successful":false,"user":{"user_email":"alice@x.io"},"n":3}`,
		`{"event_id":"c","created_at":"2026-10-02T03:00:00Z","event_type":"login","operation_successful":false,"user":{"user_email":"bob@x.io"},"n":10}`,
		`{"event_id":"d","created_at":"2026-10-02T04:00:00Z","event_type":"login","operation_successful":true,"user":{"user_email":"alice@x.io"}}`,
		`{"event_id":"e","created_at":"2026-10-03T05:00:00Z","event_type":"logout"}`,
		`{"event_id":"f","created_at":"2026-10-03T06:00:00Z","event_type":"login","operation_successful":false}`,
	}, "\n") + "\n"
	if r := run(t, []byte(in), "ingest", "--data", data, "-"); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	failed := []string{"top", "user.user_email", "--filter", "event_type.eq(login),operation_successful.eq(false)", "--n", "1", "--data", data}
	wantTop := "USER.USER_EMAIL    COUNT()  SHARE\n" +
		"alice@x.io         2        50.0%\n" +
		"(other: 2 values)  2        50.0%\n" +
		"(4 matching events)\n"
	r := run(t, nil, failed...)
	if r.code != 0 || r.stdout != wantTop {
		t.Fatalf("top:\n%s\nwant:\n%s\n%+v", r.stdout, wantTop, r)
	}
	r = run(t, nil, "top", "user.user_email", "--data", data, "--format", "csv")
	if want := "user.user_email,count(),share\nalice@x.io,3,50.0%\n,2,33.3%\nbob@x.io,1,16.7%\n"; r.code != 0 || crlf(r.stdout) != want {
		t.Errorf("top csv (missing as an empty cell):\n%s\nwant:\n%s", r.stdout, want)
	}

	// An array counts once per distinct element; missing is a group (null).
	r = run(t, nil, "query", "--data", data, "--stats", "count(), distinct(user.user_email), sum(n) by tags", "--format", "ndjson")
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("ndjson line %q: %v (%+v)", l, err, r)
		}
		lines = append(lines, m)
	}
	if len(lines) != 4 {
		t.Fatalf("stats by tags: %d lines: %+v", len(lines), r)
	}
	type row struct {
		tag                any
		count, users, nsum any
	}
	want := []row{{nil, 5.0, 2.0, 13.0}, {"x", 1.0, 1.0, 2.0}, {"y", 1.0, 1.0, 2.0}}
	for i, w := range want {
		l := lines[i]
		got := row{l["tags"], l["count()"], l["distinct(user.user_email)"], l["sum(n)"]}
		if got != w {
			t.Errorf("group %d: %v, want %v", i, got, w)
		}
	}
	if s := lines[3]; s["rows"] != 6.0 || s["other_count"] != 0.0 || s["approximate"] != false {
		t.Errorf("summary line: %v", s)
	}
	r = run(t, nil, "query", "--data", data, "--stats", "count() by time(1d), event_type", "--top", "2", "--format", "csv")
	if want := "time(1d),event_type,count()\n2026-10-01T00:00:00Z,login,2\n2026-10-02T00:00:00Z,login,2\n(other: 2 groups),,2\n"; r.code != 0 || crlf(r.stdout) != want {
		t.Errorf("time buckets:\n%s\nwant:\n%s%s", r.stdout, want, r.stderr)
	}

	for _, bad := range []struct {
		args []string
		msg  string
	}{
		{[]string{"top", "user.user_emial"}, `did you mean "user.user_email"`},
		{[]string{"top", "user.user_email", "--format", "xml"}, "expected table, csv or ndjson"},
		{[]string{"query", "--stats", "median(n) by tags"}, "unknown aggregate"},
		{[]string{"query", "--top", "3"}, "--top goes with --stats"},
		{[]string{"query", "--stats", "count() by a, b, c, d"}, "at most 3"},
	} {
		if r := run(t, nil, append(bad.args, "--data", data)...); r.code == 0 || !strings.Contains(r.stderr, bad.msg) {
			t.Errorf("%v: want an error with %q, got %+v", bad.args, bad.msg, r)
		}
	}

	srv := startServe(t, data, "--http", "off", "--ssh", "off")
	r = runIn(t, t.TempDir(), nil, failed...)
	if r.code != 0 || r.stdout != wantTop {
		t.Errorf("relayed top:\n%s\n%+v", r.stdout, r)
	}
	if code := srv.stop(t, syscall.SIGTERM, 12*time.Second); code != 0 {
		t.Fatalf("serve exit %d:\n%s", code, srv.logged())
	}
}

// crlf reads CSV's line ends (RFC 4180: CRLF) as newlines.
func crlf(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

// An event whose array keys cross into too many groups is refused, not
// counted into memory without bound.
func TestStatsTooManyCombinations(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	var a, b []string
	for i := range 101 {
		a = append(a, `"a`+strconv.Itoa(i)+`"`)
		b = append(b, `"b`+strconv.Itoa(i)+`"`)
	}
	in := `{"event_id":"x","created_at":"2026-10-01T01:00:00Z","a":[` + strings.Join(a, ",") + `],"b":[` + strings.Join(b, ",") + `]}` + "\n"
	if r := run(t, []byte(in), "ingest", "--data", data, "-"); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	if r := run(t, nil, "query", "--data", data, "--stats", "count() by a, b", "--format", "csv"); r.code == 0 || !strings.Contains(r.stderr, "more than 10000") {
		t.Errorf("101 x 101 groups: %+v", r)
	}
	if r := run(t, nil, "query", "--data", data, "--stats", "count() by a", "--format", "csv"); r.code != 0 || strings.Count(r.stdout, "\n") != 102 {
		t.Errorf("101 groups: %+v", r)
	}
}
