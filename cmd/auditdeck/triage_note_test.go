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
