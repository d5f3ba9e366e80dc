package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFieldsCommand: `fields` lists the stored events' fields, a top-level
// one no schema knows included, as a table or as JSON, narrowed by
// --filter-prefix; such a field filters `query`; and with a daemon holding
// the store the command is relayed to it.
func TestFieldsCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	in := strings.Join([]string{
		`{"event_id":"a","created_at":"2026-10-01T00:00:00Z","custom":{"tenant":"acme"},"risk_score":70}`,
		`{"event_id":"b","created_at":"2026-10-02T00:00:00Z","custom":{"tenant":"globex"},"risk_score":20.5}`,
	}, "\n") + "\n"
	if r := run(t, []byte(in), "ingest", "--data", data, "-"); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	type doc struct {
		Fields []struct {
			Path      string    `json:"path"`
			Types     []string  `json:"types"`
			Rows      int64     `json:"rows"`
			Distinct  int64     `json:"distinct"`
			FirstSeen time.Time `json:"first_seen"`
			LastSeen  time.Time `json:"last_seen"`
		} `json:"fields"`
		Complete bool `json:"complete"`
	}
	fieldsJSON := func(args ...string) doc {
		t.Helper()
		r := run(t, nil, append([]string{"fields", "--data", data, "--format", "json"}, args...)...)
		var d doc
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &d) != nil {
			t.Fatalf("fields %q: %+v", args, r)
		}
		return d
	}
	d := fieldsJSON()
	var paths []string
	for _, f := range d.Fields {
		paths = append(paths, f.Path)
	}
	if strings.Join(paths, " ") != "created_at custom.tenant event_id risk_score" || !d.Complete {
		t.Fatalf("fields %q complete %v", paths, d.Complete)
	}
	f := d.Fields[3]
	if strings.Join(f.Types, ",") != "int,float" || f.Rows != 2 || f.Distinct != 2 || f.FirstSeen.Format(time.DateOnly) != "2026-10-01" || f.LastSeen.Format(time.DateOnly) != "2026-10-02" {
		t.Errorf("risk_score: %+v", f)
	}
	if d := fieldsJSON("--filter-prefix", "custom."); len(d.Fields) != 1 || d.Fields[0].Path != "custom.tenant" {
		t.Errorf("--filter-prefix custom.: %+v", d)
	}
	r := run(t, nil, "fields", "--data", data)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 5 || !strings.HasPrefix(lines[0], "PATH") || !strings.Contains(lines[2], "custom.tenant") || !strings.Contains(lines[2], "string") || !strings.Contains(lines[2], "~2") {
		t.Fatalf("fields table: %+v", r)
	}
	if r := run(t, nil, "fields", "--data", data, "--format", "xml"); r.code == 0 || !strings.Contains(r.stderr, "expected table or json") {
		t.Errorf("bad format: %+v", r)
	}
	if r := run(t, nil, "query", "--data", data, "--count", "--filter", "custom.tenant.eq(acme),risk_score.gt(50)"); r.code != 0 || strings.TrimSpace(r.stdout) != "1" {
		t.Errorf("query on a stored field: %+v", r)
	}
	// An export of such a field: validated with the catalog as well.
	r = run(t, nil, "export", "--data", data, "--user", "alice", "--filter", "custom.tenant.eq(acme)", "--file-name", "acme", "--format", "ndjson")
	path, _, _ := strings.Cut(r.stdout, "\t")
	if b, err := os.ReadFile(path); r.code != 0 || err != nil || strings.Count(string(b), "\n") != 1 || !strings.Contains(string(b), `"acme"`) {
		t.Fatalf("export of a stored field: %+v %v", r, err)
	}

	srv := startServe(t, data, "--http", "off", "--ssh", "off")
	r = runIn(t, t.TempDir(), nil, "fields", "--data", data, "--filter-prefix", "risk")
	if r.code != 0 || !strings.Contains(r.stdout, "risk_score") || strings.Contains(r.stdout, "custom.tenant") {
		t.Fatalf("relayed fields: %+v", r)
	}
	if code := srv.stop(t, syscall.SIGTERM, 12*time.Second); code != 0 {
		t.Fatalf("serve exit %d:\n%s", code, srv.logged())
	}
}
