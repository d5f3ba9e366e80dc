package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// clumioHeaders are the seed's curl headers (the token is added by req.user).
var clumioHeaders = map[string]string{"Content-Type": "application/json", "Accept": "application/api.clumio.report-downloads=v1+json"}

func downloadBody(fileName, filter, typ string) string {
	b, _ := json.Marshal(map[string]string{"file_name": fileName, "filter": filter, "type": typ})
	return string(b)
}

// The seed's curl example, verbatim but for host and token: its filter is
// the schema placeholder "string", which is not a JSON filter, so the
// answer is a 400 naming the position. The seed's own filter examples,
// sent the same way, answer 202 with the documented shape.
func TestClumioSeedExamples(t *testing.T) {
	e := newEnv(t)
	seedBody := `{
"file_name": "string",
"filter": "string",
"type": "activity"
}`
	e.fails(req{method: "POST", path: "/reports/downloads", user: "vera", body: seedBody, hdr: clumioHeaders}, 400, "filter", "position 0")

	for _, tc := range []struct{ name, filter, typ, user string }{
		{"last-day", `{"activity_start_timestamp":{"$eq":86400}}`, "activity", "vera"},
		{"consumption-window", `{"timestamp":{"$gte":"2022-07-27T14:35:33.735Z","$lte":"2022-08-03T14:35:33.735Z"}}`, "consumption", "vera"},
		{"consumption-last-week", `{"timestamp":{"$eq":604800}}`, "consumption", "vera"},
		{"audit", ``, "audit", "alice"}, // the audit trail needs an admin
	} {
		r := e.do(req{method: "POST", path: "/reports/downloads", user: tc.user, body: downloadBody(tc.name, tc.filter, tc.typ), hdr: clumioHeaders})
		if r.status != 202 {
			t.Fatalf("%s: status %d: %s", tc.name, r.status, r.body)
		}
		if ct := r.hdr.Get("Content-Type"); ct != "application/api.clumio.report-downloads=v1+json" {
			t.Errorf("%s: Content-Type %q", tc.name, ct)
		}
		var m map[string]any
		if err := json.Unmarshal(r.body, &m); err != nil {
			t.Fatal(err)
		}
		keys(t, tc.name, m, "_links", "task_id")
		links := m["_links"].(map[string]any)
		keys(t, tc.name+" _links", links, "_self", "read-task")
		for _, l := range []string{"_self", "read-task"} {
			keys(t, tc.name+" "+l, links[l].(map[string]any), "href", "templated", "type")
		}
		id := m["task_id"].(string)
		if links["read-task"].(map[string]any)["href"] != "/tasks/"+id {
			t.Errorf("%s: read-task %v", tc.name, links["read-task"])
		}
		task := e.waitTask(tc.user, id)
		if task["status"] != "succeeded" || task["progress_percentage"] != 100.0 || task["type"] != tc.typ {
			t.Fatalf("%s: task %v", tc.name, task)
		}
	}
	// Without the vendor Accept the 202 is plain JSON.
	r := e.do(req{method: "POST", path: "/reports/downloads", user: "vera", body: downloadBody("plain", "", "activity")})
	if r.status != 202 || r.hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("plain: %d %q", r.status, r.hdr.Get("Content-Type"))
	}
}

// A Clumio export's task, its CSV, and the rows the same filter selects.
func TestClumioTaskAndCSVMatchesRows(t *testing.T) {
	e := newEnv(t)
	filter := `{"activity_start_timestamp":{"$gte":"2026-10-20T00:00:00Z","$lt":"2026-10-25T00:00:00Z"},"event_type":{"$in":["login","other"]}}`
	m := e.ok(req{method: "POST", path: "/reports/downloads", user: "vera", body: downloadBody("october-window.csv", filter, "activity"), hdr: clumioHeaders}, 202)
	id := m["task_id"].(string)
	task := e.waitTask("vera", id)
	for _, k := range []string{"id", "status", "progress_percentage", "record_total_num", "records_done", "files", "created_timestamp", "start_timestamp", "end_timestamp", "_links"} {
		if _, ok := task[k]; !ok {
			t.Errorf("task lacks %q: %v", k, task)
		}
	}
	dl := task["_links"].(map[string]any)["download"].(map[string]any)["href"].(string)
	if dl != "/api/v2/report/"+id+"/csv" {
		t.Fatalf("download link %q", dl)
	}
	files := task["files"].([]any)
	if len(files) != 1 || files[0].(map[string]any)["name"] != "october-window.csv" || strings.Contains(string(mustJSON(task)), e.dir) {
		t.Fatalf("files %v (the server path must not show)", files)
	}

	// The rows the engine selects for the same filter, newest first.
	f, err := query.ParseJSON(filter)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	if _, err := e.eng.Scan(context.Background(), core.QuerySpec{Filter: f}, func(a *core.Activity) error {
		want = append(want, a.EventID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(want) < 10 || task["record_total_num"] != float64(len(want)) || task["records_done"] != float64(len(want)) {
		t.Fatalf("record_total_num %v records_done %v, engine has %d rows", task["record_total_num"], task["records_done"], len(want))
	}
	r := e.do(req{method: "GET", path: dl, user: "vera"})
	if r.status != 200 || r.hdr.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("download: %d %q", r.status, r.hdr.Get("Content-Type"))
	}
	if cd := r.hdr.Get("Content-Disposition"); cd != `attachment; filename=october-window.csv` {
		t.Errorf("Content-Disposition %q", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], "Event ID")
	if col < 0 {
		t.Fatalf("header %v", rows[0])
	}
	var got []string
	for _, row := range rows[1:] {
		got = append(got, row[col])
	}
	if !slices.Equal(got, want) {
		t.Fatalf("CSV rows differ from the engine's:\n got %v\nwant %v", got, want)
	}

	// The list holds it; a finished task cannot be canceled (409).
	list := e.ok(req{method: "GET", path: "/tasks", user: "vera"}, 200)
	keys(t, "task list", list, "current_count", "total_count", "total_pages_count", "limit", "start", "filter_applied", "_embedded", "_links")
	items := list["_embedded"].(map[string]any)["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["id"] != id {
		t.Fatalf("list %v", items)
	}
	e.fails(req{method: "DELETE", path: "/tasks/" + id, user: "vera"}, 409, "already completed")
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// DELETE /tasks/{id} cancels a task that has not finished. The runner's
// workers are stopped first, so the task stays queued and the test does not
// race an export of 309 rows.
func TestClumioCancel(t *testing.T) {
	e := newEnv(t)
	e.eng.Tasks().Close()
	m := e.ok(req{method: "POST", path: "/reports/downloads", user: "oscar", body: downloadBody("to-cancel", "", "activity")}, 202)
	id := m["task_id"].(string)
	if task := e.ok(req{method: "GET", path: "/tasks/" + id, user: "oscar"}, 200); task["status"] != "queued" || task["progress_percentage"] != 0.0 {
		t.Fatalf("queued task %v", task)
	}
	e.fails(req{method: "DELETE", path: "/tasks/" + id, user: "olga"}, 404, "not found")
	task := e.ok(req{method: "DELETE", path: "/tasks/" + id, user: "oscar"}, 200)
	if task["status"] != "aborted" || !strings.Contains(task["error"].(string), "canceled by oscar") {
		t.Fatalf("cancel answered %v", task)
	}
	if got := e.ok(req{method: "GET", path: "/tasks/" + id, user: "oscar"}, 200); got["status"] != "aborted" {
		t.Fatalf("after cancel: %v", got)
	}
	e.fails(req{method: "DELETE", path: "/tasks/" + id, user: "oscar"}, 409, "already aborted")
	e.fails(req{method: "GET", path: "/api/v2/report/" + id + "/csv", user: "oscar"}, 409, "canceled")
}

func TestClumioBadRequests(t *testing.T) {
	e := newEnv(t)
	post := func(body string) req {
		return req{method: "POST", path: "/reports/downloads", user: "vera", body: body, hdr: clumioHeaders}
	}
	for _, tc := range []struct {
		body string
		want []string
	}{
		{`{"file_name":"a","type":"activity"`, []string{"ends early"}},
		{`{"file_name":"a","type":"activity",}`, []string{"malformed JSON at byte"}},
		{`{"file_name":"a","type":"activity","owner":"alice"}`, []string{`unknown field "owner"`}},
		{`{"file_name":5,"type":"activity"}`, []string{"file_name", "expected a string", "number"}},
		{`{"file_name":"a","type":"activity"} {"again":1}`, []string{"unexpected data after the JSON value"}},
		{`[]`, []string{"expected an object"}},
		{``, []string{"empty"}},
		{`{"type":"activity"}`, []string{"file_name is required"}},
		{`{"file_name":"a"}`, []string{"type is required"}},
		{`{"file_name":"a","type":"system"}`, []string{`"system"`, "activity, audit or consumption"}},
		{`{"file_name":"../../etc/passwd","type":"activity"}`, []string{"file_name", "path separator"}},
		{`{"file_name":"a","type":"activity","filter":"{\"activity_start_timestamp\":{\"$gte\":}}"}`, []string{"filter", "position 36", "expected a string, number"}},
		{`{"file_name":"a","type":"activity","filter":"{\"task\":{\"$in\":[\"ebs_incremental_backup\"]}}"}`, []string{`unknown field "task"`}},
		{`{"file_name":"a","type":"activity","filter":"{\"operation_successful\":{\"$eq\":\"perhaps\"}}"}`, []string{"operation_successful", "perhaps"}},
	} {
		rq := post(tc.body)
		if tc.body == "" {
			rq.hdr = map[string]string{"Content-Type": "application/json"}
		}
		e.fails(rq, 400, tc.want...)
	}
	e.fails(req{method: "POST", path: "/reports/downloads", user: "vera", body: downloadBody("a", "", "activity"), hdr: map[string]string{"Content-Type": "text/html"}}, 415, "text/html")
	e.fails(req{method: "POST", path: "/reports/downloads", user: "vera", body: downloadBody("a", "", "activity"), hdr: map[string]string{"Content-Type": "application/json; charset=latin1"}}, 415, "charset")
	big := `{"file_name":"a","type":"activity","filter":"` + strings.Repeat(" ", testMaxBody) + `"}`
	e.fails(post(big), 413, "larger than 65536 bytes")
	e.fails(req{method: "GET", path: "/tasks/1234567890", user: "vera"}, 404, "1234567890", "not found")
	e.fails(req{method: "DELETE", path: "/tasks/1234567890", user: "vera"}, 404, "not found")
	e.fails(req{method: "PUT", path: "/tasks/1234567890", user: "vera"}, 405, "PUT")
	e.fails(req{method: "PUT", path: "/reports/downloads", user: "vera"}, 405)
	e.fails(req{method: "GET", path: "/tasks?" + url.Values{"limt": {"5"}}.Encode(), user: "vera"}, 400, `unknown query parameter "limt"`)
}
