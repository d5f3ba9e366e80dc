package main_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// A new state keeps the note; an empty --note clears it.
func TestTriageKeepsNote(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	if r := run(t, nil, "ingest", "--data", data, fixture(t, "seed_activities.json")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	const id = "-6285966971996490902#0"
	triage := func(args ...string) {
		t.Helper()
		r := run(t, nil, append(append([]string{"triage", "--data", data, "--user", "alice"}, args...), "--", id)...)
		if r.code != 0 {
			t.Fatalf("triage %v: %+v", args, r)
		}
	}
	stored := func() string {
		t.Helper()
		r := run(t, nil, "query", "--data", data, "--filter", "triage.state.ne(new)", "--format", "ndjson")
		if r.code != 0 {
			t.Fatalf("query: %+v", r)
		}
		return r.stdout
	}
	triage("--state", "escalated", "--note", "ask the user")
	triage("--state", "reviewed")
	if out := stored(); !strings.Contains(out, `"triage":{"state":"reviewed","note":"ask the user","by":"alice"`) {
		t.Fatalf("note dropped by a state change: %s", out)
	}
	triage("--state", "reviewed", "--note", "")
	if out := stored(); !strings.Contains(out, `"triage":{"state":"reviewed","by":"alice"`) {
		t.Fatalf("note not cleared: %s", out)
	}
}

// A note alone keeps each event's state, as n does in the dashboard and a
// PATCH with only a note does on the API; neither flag is an error.
func TestTriageNoteAloneKeepsState(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	if r := run(t, nil, "ingest", "--data", data, fixture(t, "seed_activities.json")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	const id = "-6285966971996490902#0"
	if r := run(t, nil, "triage", "--data", data, "--user", "alice", "--state", "escalated", "--", id); r.code != 0 {
		t.Fatalf("triage --state: %+v", r)
	}
	r := run(t, nil, "triage", "--data", data, "--user", "alice", "--note", "asked the user", "--", id)
	if r.code != 0 || !strings.Contains(r.stdout, "triaged 1 events") || strings.Contains(r.stdout, "as \n") {
		t.Fatalf("triage --note alone: %+v", r)
	}
	q := run(t, nil, "query", "--data", data, "--filter", "triage.state.ne(new)", "--format", "ndjson")
	if !strings.Contains(q.stdout, `"triage":{"state":"escalated","note":"asked the user","by":"alice"`) {
		t.Fatalf("note alone changed the state: %+v", q)
	}
	r = run(t, nil, "triage", "--data", data, "--", id)
	if r.code == 0 || !strings.Contains(r.stderr, "--state") || !strings.Contains(r.stderr, "--note") {
		t.Fatalf("triage without --state and --note: %+v", r)
	}
}
