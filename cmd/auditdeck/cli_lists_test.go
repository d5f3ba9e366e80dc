package main_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// longEvent has an event id and a user longer than the 48 characters a
// terminal table shows.
const longID = "microsoft365:9a3624e0-615c-4307-86c2-8abcb3634d15-with-a-long-tail-0123456789"
const longEvent = `{"event_id":"` + longID + `","client_ip":"10.1.2.3","event_type":"login","created_at":"2026-10-02T08:35:52.000Z","operation_successful":false,` +
	`"client_location":{"country":{"code":"DE","name":"Germany"}},"user":{"user_email":"a.very.long.mailbox.name.for.testing.cuts@fabrikam-example.eu"},` +
	`"vendor":{"name":"microsoft365","service":"AzureActiveDirectory"},"extra":{"auth":{"is_suspicious":true}},"raw":{"Operation":"UserLoggedIn","RecordType":15,"Nested":{"Flag":true}}}` + "\n"

func ingestFixture(t *testing.T) string {
	t.Helper()
	data := filepath.Join(t.TempDir(), "store")
	if r := run(t, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	if r := run(t, []byte(longEvent), "ingest", "--data", data, "-"); r.code != 0 || !strings.HasPrefix(r.stdout, "ingested 1,") {
		t.Fatalf("ingest long event: %+v", r)
	}
	return data
}

func TestTriageDryRun(t *testing.T) {
	data := ingestFixture(t)
	const filter = "extra.auth.is_suspicious"
	r := run(t, nil, "query", "--data", data, "--filter", filter, "--count")
	n, err := strconv.Atoi(strings.TrimSpace(r.stdout))
	if r.code != 0 || err != nil || n == 0 {
		t.Fatalf("count: %+v", r)
	}
	r = run(t, nil, "triage", "--data", data, "--state", "escalated", "--note", "check", "--filter", filter, "--dry-run")
	if want := "would triage " + strconv.Itoa(n) + " events as escalated (dry run: nothing changed)\n"; r.code != 0 || r.stdout != want {
		t.Fatalf("dry run: %+v, want stdout %q", r, want)
	}
	r = run(t, nil, "query", "--data", data, "--filter", "triage.state.ne(new)", "--count")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "0" {
		t.Fatalf("the dry run triaged events: %+v", r)
	}
	r = run(t, nil, "triage", "--data", data, "--state", "escalated", "--dry-run", "--", longID)
	if r.code == 0 || !strings.Contains(r.stderr, "--dry-run counts the events a --filter matches") {
		t.Fatalf("dry run with ids: %+v", r)
	}
	r = run(t, nil, "query", "--data", data, "--filter", "triage.state.ne(new)", "--count")
	if strings.TrimSpace(r.stdout) != "0" {
		t.Fatalf("the refused dry run triaged events: %+v", r)
	}
	// Without --dry-run the same command changes what the dry run counted.
	r = run(t, nil, "triage", "--data", data, "--state", "escalated", "--filter", filter)
	if want := "triaged " + strconv.Itoa(n) + " events as escalated\n"; r.code != 0 || r.stdout != want {
		t.Fatalf("triage: %+v, want %q", r, want)
	}
}

func TestQueryTableOffTerminal(t *testing.T) {
	data := ingestFixture(t)
	// stdout is a pipe here, not a terminal: nothing is cut.
	r := run(t, nil, "query", "--data", data, "--filter", "event_type.eq(login)", "--limit", "0")
	if r.code != 0 || !strings.Contains(r.stdout, longID+"\n") || !strings.Contains(r.stdout, "a.very.long.mailbox.name.for.testing.cuts@fabrikam-example.eu") {
		t.Fatalf("table cuts cells off a terminal: %+v", r)
	}
	if strings.Contains(r.stdout, "...") {
		t.Errorf("table has cut cells off a terminal:\n%s", r.stdout)
	}
	// Every fixture id is printed whole.
	b, _ := os.ReadFile(fixture(t, "activities.ndjson"))
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var ev struct {
			ID   string `json:"event_id"`
			Type string `json:"event_type"`
		}
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Type == "login" && !strings.Contains(r.stdout, ev.ID) {
			t.Errorf("event id %q missing from the table", ev.ID)
		}
	}
}

func TestQueryColumns(t *testing.T) {
	data := ingestFixture(t)
	id := "event_id.eq(" + longID + ")"
	r := run(t, nil, "query", "--data", data, "--filter", id, "--columns", "event_id, user.user_email,raw.Operation,raw.RecordType,raw.Nested,client_location.country.name,triage.state,raw.absent")
	want := "EVENT_ID" // the header names the fields
	if r.code != 0 || !strings.HasPrefix(r.stdout, want) {
		t.Fatalf("columns table: %+v", r)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("columns table has %d lines:\n%s", len(lines), r.stdout)
	}
	head, row := strings.Fields(lines[0]), strings.Fields(lines[1])
	wantHead := []string{"EVENT_ID", "USER.USER_EMAIL", "RAW.OPERATION", "RAW.RECORDTYPE", "RAW.NESTED", "CLIENT_LOCATION.COUNTRY.NAME", "TRIAGE.STATE", "RAW.ABSENT"}
	wantRow := []string{longID, "a.very.long.mailbox.name.for.testing.cuts@fabrikam-example.eu", "UserLoggedIn", "15", `{"Flag":true}`, "Germany", "new", "-"}
	if strings.Join(head, " ") != strings.Join(wantHead, " ") || strings.Join(row, " ") != strings.Join(wantRow, " ") {
		t.Fatalf("columns table:\n%s\nwant head %q row %q", r.stdout, wantHead, wantRow)
	}
	r = run(t, nil, "query", "--data", data, "--filter", id, "--format", "csv", "--columns", "event_id,raw.Operation,client_ip")
	recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if r.code != 0 || err != nil || len(recs) != 2 || strings.Join(recs[0], ",") != "event_id,raw.Operation,client_ip" || strings.Join(recs[1], ",") != longID+",UserLoggedIn,10.1.2.3" {
		t.Fatalf("columns csv: %+v %v %q", r, err, recs)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--columns", "event_typ"}, `--columns: unknown field "event_typ"; did you mean "event_type"?`},
		{[]string{"--columns", "event_id,,client_ip"}, "--columns \"event_id,,client_ip\": empty field name"},
		{[]string{"--columns", "triage.color"}, `--columns: unknown field "triage.color"`},
		{[]string{"--columns", "event_id", "--format", "ndjson"}, "--columns chooses the columns of table and csv output"},
	} {
		r := run(t, nil, append([]string{"query", "--data", data}, c.args...)...)
		if r.code == 0 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 || r.stdout != "" {
			t.Errorf("%v: %+v, want one line with %q", c.args, r, c.want)
		}
	}
}

func TestListFormatJSON(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	for _, what := range []string{"task", "subscription"} {
		r := run(t, nil, what, "list", "--data", data, "--format", "json")
		if r.code != 0 || strings.TrimSpace(r.stdout) != "[]" {
			t.Fatalf("%s list of nothing: %+v", what, r)
		}
	}
	if r := run(t, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	r := run(t, nil, "report", "create", "--data", data, "--user", "alice", "--title", "NL logins", "--filter", "event_type.eq(login),client_location.country.code.eq(NL)")
	if r.code != 0 {
		t.Fatalf("report create: %+v", r)
	}
	reportID := strings.TrimSpace(r.stdout)
	r = run(t, nil, "subscription", "create", "--data", data, "--user", "alice", reportID, "--period", "week", "--time-zone", "Europe/Berlin", "--format", "csv,pdf")
	if r.code != 0 {
		t.Fatalf("subscription create: %+v", r)
	}
	subID := strings.SplitN(r.stdout, "\n", 2)[0]
	if r := run(t, nil, "export", "--data", data, "--user", "alice", "--filter", "event_type.eq(login)", "--file-name", "logins", "--format", "csv,html"); r.code != 0 {
		t.Fatalf("export: %+v", r)
	}

	var reports []map[string]any
	r = run(t, nil, "report", "list", "--data", data, "--user", "alice", "--format", "json")
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &reports) != nil {
		t.Fatalf("report list json: %+v", r)
	}
	var mine map[string]any
	predefined := 0
	for _, rep := range reports {
		for _, k := range []string{"id", "title", "type", "filter", "order", "columns", "group_by", "owner", "predefined", "created_at", "modified_at"} {
			if _, ok := rep[k]; !ok {
				t.Errorf("report %v lacks %q", rep["id"], k)
			}
		}
		if rep["id"] == reportID {
			mine = rep
		}
		if rep["predefined"] == true {
			predefined++
		}
	}
	if mine == nil || mine["title"] != "NL logins" || mine["filter"] != "event_type.eq(login),client_location.country.code.eq(NL)" || mine["owner"] != "alice" || mine["type"] != "activity" || predefined == 0 {
		t.Fatalf("report list json: %s", r.stdout)
	}

	var subs []map[string]any
	r = run(t, nil, "subscription", "list", "--data", data, "--user", "alice", "--format", "json")
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &subs) != nil || len(subs) != 1 {
		t.Fatalf("subscription list json: %+v", r)
	}
	s := subs[0]
	if s["id"] != subID || s["defined_report_id"] != reportID || s["period"] != "week" || s["time_zone"] != "Europe/Berlin" || s["enabled"] != true ||
		s["webhook"] != false || s["owner"] != "alice" || s["next_run_at"] == nil || !strings.Contains(r.stdout, `"formats": [`) {
		t.Fatalf("subscription list json: %s", r.stdout)
	}
	if _, ok := s["last_run"]; !ok {
		t.Errorf("subscription lacks last_run: %s", r.stdout)
	}

	var tasks []map[string]any
	r = run(t, nil, "task", "list", "--data", data, "--user", "alice", "--format", "json")
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &tasks) != nil || len(tasks) != 1 {
		t.Fatalf("task list json: %+v", r)
	}
	tk := tasks[0]
	files, _ := tk["files"].([]any)
	if tk["kind"] != "export" || tk["status"] != "succeeded" || tk["file_name"] != "logins" || tk["filter"] != "event_type.eq(login)" ||
		tk["done"] != tk["record_total_num"] || tk["owner"] != "alice" || len(files) != 2 || tk["created_at"] == nil || tk["finished_at"] == nil {
		t.Fatalf("task list json: %s", r.stdout)
	}
	for _, f := range files {
		m := f.(map[string]any)
		if p, _ := m["path"].(string); m["format"] == nil || m["sha256"] == nil || !strings.HasPrefix(filepath.Base(p), "logins.") {
			t.Errorf("task file record: %v", m)
		}
	}

	for _, what := range []string{"report", "task", "subscription"} {
		r := run(t, nil, what, "list", "--data", data, "--format", "yaml")
		if r.code == 0 || !strings.Contains(r.stderr, `--format "yaml": expected table or json`) {
			t.Errorf("%s list --format yaml: %+v", what, r)
		}
		r = run(t, nil, what, "list", "--data", data)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "ID ") {
			t.Errorf("%s list table: %+v", what, r)
		}
	}
}

func TestDemoData(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo store")
	r := run(t, nil, "demo", "--data", dir, "--events", "1500", "--print")
	if r.code != 0 || !strings.Contains(r.stdout, "into "+dir) || !strings.Contains(r.stdout, "auditdeck query --data "+dir) {
		t.Fatalf("demo --data: %+v", r)
	}
	// The store stays in DIR and holds the demo events.
	r = run(t, nil, "query", "--data", dir, "--count")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "1500" {
		t.Fatalf("query the kept demo store: %+v", r)
	}
	// A directory that holds anything is refused before anything is written.
	r = run(t, nil, "demo", "--data", dir, "--events", "10", "--print")
	if r.code == 0 || !strings.Contains(r.stderr, "the directory is not empty") {
		t.Fatalf("demo into a used directory: %+v", r)
	}
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o600)
	r = run(t, nil, "demo", "--data", other, "--events", "10", "--print")
	if entries, _ := os.ReadDir(other); r.code == 0 || len(entries) != 1 {
		t.Fatalf("demo wrote into a directory with files: %+v, %d entries", r, len(entries))
	}
}

// TestJSONOutputEscapesTerminalControls: report list/show --format json
// print what users typed (a filter can hold any character), so a bidi
// override, a zero-width space or a C1 control in it reaches the terminal
// as a \u escape, as in every other output, and the JSON value is the same.
func TestJSONOutputEscapesTerminalControls(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	if r := run(t, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	const filter = "user.user_email.eq(evil\u202etxt.exe\u200bx\u009b31m)"
	r := run(t, nil, "report", "create", "--data", data, "--user", "alice", "--title", "tricky", "--filter", filter)
	if r.code != 0 {
		t.Fatalf("report create: %+v", r)
	}
	id := strings.TrimSpace(r.stdout)
	for _, args := range [][]string{{"report", "list", "--format", "json"}, {"report", "show", id}} {
		r := run(t, nil, append(args, "--data", data, "--user", "alice")...)
		if r.code != 0 {
			t.Fatalf("%v: %+v", args, r)
		}
		for _, c := range []string{"\u202e", "\u200b", "\u009b"} {
			if strings.Contains(r.stdout, c) {
				t.Errorf("%v prints %U raw to the terminal", args, []rune(c)[0])
			}
		}
		if !strings.Contains(r.stdout, `\u202e`) {
			t.Errorf("%v: no \\u202e escape", args)
		}
		if !strings.Contains(r.stdout, strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(filter, "\u202e", `\u202e`), "\u200b", `\u200b`), "\u009b", `\u009b`)) {
			t.Errorf("%v: the filter is not shown as typed with escapes", args)
		}
		var v any
		if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
			t.Errorf("%v: not JSON: %v", args, err)
		}
		if !strings.Contains(r.stdout, "\n  ") {
			t.Errorf("%v: the JSON is no longer indented", args)
		}
	}
}

// TestDemoPrintKeepsAFullStore: a demo store kept with --print (or off a
// terminal) holds what the dashboard demo seeds, a defined report, a
// subscription and a finished export, not only the events.
func TestDemoPrintKeepsAFullStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo store")
	if r := run(t, nil, "demo", "--data", dir, "--events", "1500", "--print"); r.code != 0 {
		t.Fatalf("demo --data --print: %+v", r)
	}
	for _, c := range []struct{ what, want string }{
		{"report", "Failed logins outside the US"},
		{"subscription", `"defined_report_id": "18"`},
		{"task", `"status": "succeeded"`},
	} {
		r := run(t, nil, c.what, "list", "--data", dir, "--format", "json")
		if r.code != 0 || !strings.Contains(r.stdout, c.want) {
			t.Errorf("%s list of the kept demo store: want %q in %+v", c.what, c.want, r)
		}
	}
}
