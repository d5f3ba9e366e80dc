package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQueryWarnsAboutUnknownFields: a filter on a field no stored event has
// still answers (0), and says so on stderr with the closest stored field;
// stdout stays the plain result.
func TestQueryWarnsAboutUnknownFields(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	if r := run(t, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	r := run(t, nil, "query", "--data", data, "--count", "--filter", "extra.auth.is_suspcious")
	want := `warning: no event has field "extra.auth.is_suspcious"; did you mean "extra.auth.is_suspicious"?` + "\n"
	if r.code != 0 || r.stdout != "0\n" || r.stderr != want {
		t.Fatalf("query: %+v\nwant stderr %q", r, want)
	}
	r = run(t, nil, "query", "--data", data, "--count", "--filter", "extra.auth.is_suspicious")
	if r.code != 0 || r.stdout != "4\n" || r.stderr != "" {
		t.Fatalf("query on a stored field: %+v", r)
	}
}

// TestQueryBareWordAndIsnull: a bare word searches all text of the events;
// field.isnull without parentheses is isnull().
func TestQueryBareWordAndIsnull(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	if r := run(t, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	count := func(filter string) string {
		t.Helper()
		r := run(t, nil, "query", "--data", data, "--count", "--filter", filter)
		if r.code != 0 {
			t.Fatalf("query %s: %+v", filter, r)
		}
		return strings.TrimSpace(r.stdout)
	}
	// Harpenden is a city (client_location.city), outside raw.
	if a, b := count("harpenden"), count("client_location.city.iin(harpenden)"); a != b || a == "0" {
		t.Errorf("harpenden: %s events, client_location.city.iin(harpenden): %s", a, b)
	}
	if a, b := count("185.220.101.34"), count("client_ip.eq(185.220.101.34)"); a != b || a == "0" {
		t.Errorf("185.220.101.34: %s events, client_ip.eq: %s", a, b)
	}
	if a, b := count("raw.Operation.isnull"), count("raw.Operation.isnull()"); a != b {
		t.Errorf("isnull without (): %s, with: %s", a, b)
	}
	r := run(t, nil, "query", "--data", data, "--count", "--filter", "event_type.eq")
	if r.code == 0 || !strings.Contains(r.stderr, `expected "(" and the arguments of eq`) {
		t.Errorf("event_type.eq: %+v", r)
	}
}

// TestIngestDuplicateNames: the CLI reports an event with a duplicated member
// name with its line and path, keeps the others, and the CSV never shows the
// ambiguous event.
func TestIngestDuplicateNames(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	in := filepath.Join(t.TempDir(), "dup.ndjson")
	lines := `{"event_id":"good","created_at":"2026-10-01T00:00:00Z","event_type":"login"}
{"event_id":"twice","created_at":"2026-10-01T00:00:00Z","event_type":"login","event_type":"logout"}
`
	if err := os.WriteFile(in, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "ingest", "--data", data, in)
	if r.code != 0 || !strings.Contains(r.stdout+r.stderr, `line 2: member name "event_type" appears twice in one object`) || !strings.HasPrefix(r.stdout, "ingested 1,") {
		t.Fatalf("ingest: %+v", r)
	}
	r = run(t, nil, "query", "--data", data, "--format", "csv", "--limit", "0")
	if r.code != 0 || !strings.Contains(r.stdout, "good") || strings.Contains(r.stdout, "twice") {
		t.Fatalf("csv: %+v", r)
	}
}

// TestQueryTimesAndLimits: the years 0001 and 9999 are accepted; a filter
// over the limits is refused with the position and the limit.
func TestQueryTimesAndLimits(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	if r := run(t, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	for filter, want := range map[string]string{
		"created_at.ge(0001-01-01),created_at.le(9999-12-31T23:59:59Z)": "306\n",
		"created_at.ge(9999-12-31)":                                     "0\n",
	} {
		if r := run(t, nil, "query", "--data", data, "--count", "--filter", filter); r.code != 0 || r.stdout != want {
			t.Errorf("query %s: %+v, want %q", filter, r, want)
		}
	}
	r := run(t, nil, "query", "--data", data, "--count", "--filter-json", `{"activity_start_timestamp":{"$eq":99999999999}}`)
	if r.code != 0 || r.stdout != "306\n" {
		t.Errorf("$eq 99999999999 seconds: %+v", r)
	}
	args := make([]string, 257)
	for i := range args {
		args[i] = "x"
	}
	r = run(t, nil, "query", "--data", data, "--count", "--filter", "raw.icontains("+strings.Join(args, ",")+")")
	if r.code == 0 || !strings.Contains(r.stderr, "at position 526: expected \")\" (at most 256 arguments in one term)") {
		t.Errorf("257 arguments: %+v", r)
	}
}

// TestTriageAndExportWarnAboutUnknownFields: the other commands that take a
// filter say so too; triage --dry-run is where an operator checks a filter
// before changing events with it.
func TestTriageAndExportWarnAboutUnknownFields(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	if r := run(t, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	want := `warning: no event has field "extra.auth.is_suspcious"; did you mean "extra.auth.is_suspicious"?`
	r := run(t, nil, "triage", "--data", data, "--state", "reviewed", "--dry-run", "--filter", "extra.auth.is_suspcious")
	if r.code != 0 || !strings.Contains(r.stdout, "would triage 0 events") || !strings.Contains(r.stderr, want) {
		t.Errorf("triage --dry-run: %+v\nwant stderr %q", r, want)
	}
	r = run(t, nil, "triage", "--data", data, "--state", "reviewed", "--filter", "extra.auth.is_suspcious")
	if r.code != 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("triage: %+v\nwant stderr %q", r, want)
	}
	r = run(t, nil, "export", "--data", data, "--file-name", "typo", "--filter", "extra.auth.is_suspcious")
	if r.code != 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("export: %+v\nwant stderr %q", r, want)
	}
	r = run(t, nil, "triage", "--data", data, "--state", "reviewed", "--dry-run", "--filter", "extra.auth.is_suspicious")
	if r.code != 0 || strings.Contains(r.stderr, "warning") {
		t.Errorf("triage on a stored field: %+v", r)
	}
}
