package main_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestStatsCountIfFirstLastTriage runs `query --stats` with count_if (a
// filter with its own commas), first and last, and grouped by who triaged,
// as processes, against counts known by hand.
func TestStatsCountIfFirstLastTriage(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	in := strings.Join([]string{
		`{"event_id":"a","created_at":"2026-10-01T01:00:00.001Z","event_type":"login","operation_successful":false,"user":{"user_email":"alice@x.io"}}`,
		`{"event_id":"b","created_at":"2026-10-01T02:00:00Z","event_type":"login","operation_successful":true,"user":{"user_email":"alice@x.io"}}`,
		`{"event_id":"c","created_at":"2026-10-02T03:00:00Z","event_type":"logout","operation_successful":false,"user":{"user_email":"alice@x.io"}}`,
		`{"event_id":"d","created_at":"2026-10-02T04:00:00.999Z","event_type":"login","operation_successful":false,"user":{"user_email":"bob@x.io"}}`,
	}, "\n") + "\n"
	if r := run(t, []byte(in), "ingest", "--data", data, "-"); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	r := run(t, nil, "query", "--data", data, "--stats", "count(), count_if(event_type.eq(login),operation_successful.eq(false)), first(), last() by user.user_email", "--format", "csv")
	want := "user.user_email,count(),\"count_if(event_type.eq(login),operation_successful.eq(false))\",first(),last()\n" +
		"alice@x.io,3,1,2026-10-01T01:00:00.001Z,2026-10-02T03:00:00.000Z\n" +
		"bob@x.io,1,1,2026-10-02T04:00:00.999Z,2026-10-02T04:00:00.999Z\n"
	if r.code != 0 || crlf(r.stdout) != want {
		t.Errorf("count_if, first, last:\n%s\nwant:\n%s%s", r.stdout, want, r.stderr)
	}

	for _, tr := range [][]string{
		{"triage", "--data", data, "--user", "carol", "--state", "reviewed", "a", "b"},
		{"triage", "--data", data, "--user", "dave", "--state", "escalated", "d"},
	} {
		if r := run(t, nil, tr...); r.code != 0 {
			t.Fatalf("%v: %+v", tr, r)
		}
	}
	r = run(t, nil, "query", "--data", data, "--stats", "count(), count_if(triage.state.eq(escalated)) by triage.by, triage.state", "--format", "csv")
	want = "triage.by,triage.state,count(),count_if(triage.state.eq(escalated))\n" +
		"carol,reviewed,2,0\n" +
		",new,1,0\n" +
		"dave,escalated,1,1\n"
	if r.code != 0 || crlf(r.stdout) != want {
		t.Errorf("by triage:\n%s\nwant:\n%s%s", r.stdout, want, r.stderr)
	}
	if r := run(t, nil, "query", "--data", data, "--stats", "count_if(no_such.field.eq(1)) by event_type"); r.code == 0 || !strings.Contains(r.stderr, "no_such") {
		t.Errorf("count_if on an unknown field: %+v", r)
	}
}
