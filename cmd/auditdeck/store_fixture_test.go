package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStoreFixtureV1Opens opens testdata/store-v1, a store written by the
// code of issue 9 (before Store v2, see testdata/README.md), and checks that
// everything it holds is still there: events, triage with its note, a defined
// report, two subscriptions and a finished export. Store v2 migrates stores
// of this format in place; this test keeps that promise checkable.
func TestStoreFixtureV1Opens(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	// Badger writes to a store it opens: work on a copy.
	if err := os.CopyFS(data, os.DirFS(fixture(t, "store-v1"))); err != nil {
		t.Fatal(err)
	}
	count := func(filter string) string {
		t.Helper()
		args := []string{"query", "--data", data, "--count"}
		if filter != "" {
			args = append(args, "--filter", filter)
		}
		r := run(t, nil, args...)
		if r.code != 0 {
			t.Fatalf("query %q: %+v", filter, r)
		}
		return strings.TrimSpace(r.stdout)
	}
	for filter, want := range map[string]string{
		"":                           "309",
		"triage.state.eq(escalated)": "4",
		"event_type.eq(login),operation_successful.eq(false)": "12",
		"client_location.city.eq(東京)":                         "1",
	} {
		if got := count(filter); got != want {
			t.Errorf("count %q = %s, want %s", filter, got, want)
		}
	}
	r := run(t, nil, "query", "--data", data, "--filter", "triage.state.eq(escalated)", "--format", "ndjson")
	if r.code != 0 || strings.Count(r.stdout, "suspicious login from a Tor exit") != 4 {
		t.Fatalf("triage notes: %+v", r)
	}

	list := func(what string) []map[string]any {
		t.Helper()
		r := run(t, nil, what, "list", "--data", data, "--user", "alice", "--format", "json")
		var out []map[string]any
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil {
			t.Fatalf("%s list: %+v", what, r)
		}
		return out
	}
	var own []string
	for _, rep := range list("report") {
		if rep["predefined"] != true {
			own = append(own, rep["title"].(string))
		}
	}
	if len(own) != 1 || own[0] != "Failed logins NL" {
		t.Errorf("own reports %q", own)
	}
	if subs := list("subscription"); len(subs) != 2 {
		t.Errorf("%d subscriptions, want 2: %v", len(subs), subs)
	}
	tasks := list("task")
	if len(tasks) != 1 || tasks[0]["status"] != "succeeded" || tasks[0]["record_total_num"] != float64(12) {
		t.Errorf("tasks %v", tasks)
	}
	// The task was stored with its pin as Badger's commit sequence, a JSON
	// number ("pin_seq": 2); it reads as the opaque pin "2".
	if len(tasks) == 1 {
		r := run(t, nil, "task", "show", "--data", data, "--user", "alice", tasks[0]["id"].(string))
		var task struct {
			Request map[string]any `json:"request"`
		}
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &task) != nil {
			t.Fatalf("task show: %+v", r)
		}
		if task.Request["pin"] != "2" {
			t.Errorf("task pin %v, want \"2\": %v", task.Request["pin"], task.Request)
		}
	}
}
