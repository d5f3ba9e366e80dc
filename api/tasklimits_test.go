package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/core"
)

// TestExportFileNameReusable: the same file_name is exported by two users
// and again by the first; each download is that task's own file, and
// nothing tells one user that another used the name.
func TestExportFileNameReusable(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for _, tc := range []struct{ user, filter string }{
		{"vera", `{"activity_start_timestamp":{"$eq":86400}}`},
		{"oscar", ``},
		{"vera", ``},
	} {
		m := e.ok(req{method: "POST", path: "/reports/downloads", user: tc.user, body: downloadBody("X", tc.filter, "activity")}, 202)
		id := m["task_id"].(string)
		if task := e.waitTask(tc.user, id); task["status"] != "succeeded" {
			t.Fatalf("%s: task %v", tc.user, task)
		}
		ids = append(ids, id)
	}
	var bodies []string
	for i, user := range []string{"vera", "oscar", "vera"} {
		r := e.do(req{method: "GET", path: "/api/v2/report/" + ids[i] + "/csv", user: user})
		if r.status != 200 || !strings.Contains(r.hdr.Get("Content-Disposition"), `filename=X.csv`) {
			t.Fatalf("download %s: %d %q %s", ids[i], r.status, r.hdr.Get("Content-Disposition"), r.body)
		}
		bodies = append(bodies, string(r.body))
	}
	if bodies[0] == bodies[1] || bodies[1] != bodies[2] {
		t.Errorf("downloads are not each task's own file: %d %d %d bytes", len(bodies[0]), len(bodies[1]), len(bodies[2]))
	}
	e.fails(req{method: "GET", path: "/api/v2/report/" + ids[1] + "/csv", user: "vera"}, 404)
}

// TestLegacyFlatExportDownload: a report written before per-task
// directories (its file directly in the export directory) still downloads.
func TestLegacyFlatExportDownload(t *testing.T) {
	e := newEnv(t)
	exports := filepath.Join(e.dir, "exports")
	path := filepath.Join(exports, "legacy.csv")
	if err := os.WriteFile(path, []byte("Time,User\n2026-10-01,a@example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := core.Task{ID: "77", Kind: "export", Status: core.TaskSucceeded, Owner: "vera", CreatedAt: fixtureNow, FinishedAt: fixtureNow,
		Request: core.ExportRequest{Type: core.TypeActivity, Formats: []string{"csv"}, FileName: "legacy"},
		Files:   []core.TaskFile{{Format: "csv", Name: "legacy.csv", Path: path, Bytes: 34}}}
	b, _ := json.Marshal(old)
	if err := e.eng.Objects().PutObject(context.Background(), "task", old.ID, b); err != nil {
		t.Fatal(err)
	}
	r := e.do(req{method: "GET", path: "/api/v2/report/77/csv", user: "vera"})
	if r.status != 200 || string(r.body) != "Time,User\n2026-10-01,a@example.com\n" {
		t.Fatalf("legacy download: %d %s", r.status, r.body)
	}
}

// TestExportQuotaAPI: past the per-user limit of queued and running tasks
// an export is a 429 with Retry-After, on every vendor route; other users
// still export.
func TestExportQuotaAPI(t *testing.T) {
	e := newEnvWith(t, core.TaskOptions{MaxActivePerUser: 2, MinFreeBytes: -1})
	e.eng.Tasks().Close() // nothing runs, so nothing frees a slot during the test
	for i := range 2 {
		e.ok(req{method: "POST", path: "/reports/downloads", user: "vera", body: downloadBody(fmt.Sprintf("q%d", i), "", "activity")}, 202)
	}
	for _, rq := range []req{
		{method: "POST", path: "/reports/downloads", user: "vera", body: downloadBody("q3", "", "activity")},
		e.fudo("POST", "/api/v2/report", "vera", fudoReportOurs),
		{method: "POST", path: "/v5/p1/event/export?last_days=7", user: "vera", body: `[["event_id","Id"]]`},
	} {
		r := e.fails(rq, 429, "vera has 2 queued or running tasks, the limit is 2")
		if r.hdr.Get("Retry-After") != "30" {
			t.Errorf("%s: Retry-After %q", rq.path, r.hdr.Get("Retry-After"))
		}
	}
	e.ok(req{method: "POST", path: "/reports/downloads", user: "oscar", body: downloadBody("q", "", "activity")}, 202)
}

// TestExportDiskFloorAPI: below the export directory's free-space floor
// an export is refused with 507 and says why, without a server path.
func TestExportDiskFloorAPI(t *testing.T) {
	e := newEnvWith(t, core.TaskOptions{MinFreeBytes: 1 << 60})
	r := e.fails(req{method: "POST", path: "/reports/downloads", user: "vera", body: downloadBody("big", "", "activity")}, 507,
		"export disk space is low", "the floor is 1.0 EiB")
	if strings.Contains(string(r.body), e.dir) {
		t.Errorf("the error names the server's directory: %s", r.body)
	}
}

// TestAuditReportNeedsAdminAPI: exports, generation and subscriptions of
// the audit trail answer 403 to non-admins, in the seed's error shape.
func TestAuditReportNeedsAdminAPI(t *testing.T) {
	e := newEnv(t)
	list := e.ok(e.fudo("GET", "/api/v2/report/defined", "vera", ""), 200)
	auditID := ""
	for _, d := range list["defined_report"].([]any) {
		if d := d.(map[string]any); d["type"] == "audit" && d["predefined"] == true {
			auditID = d["id"].(string)
		}
	}
	if auditID == "" {
		t.Fatal("no predefined audit report")
	}
	for _, user := range []string{"vera", "oscar"} {
		e.fails(req{method: "POST", path: "/reports/downloads", user: user, body: downloadBody("trail", "", "audit")}, 403, "admin role")
		e.fails(e.fudo("POST", "/api/v2/report", user, `{"defined_report_id":"`+auditID+`"}`), 403, "admin role")
	}
	e.fails(e.fudo("POST", "/api/v2/report/subscription", "oscar", `{"period":"day","defined_report_id":"`+auditID+`"}`), 403, "admin role")
	if l := e.ok(req{method: "GET", path: "/tasks", user: "alice"}, 200); l["total_count"] != 0.0 {
		t.Fatalf("refused requests left tasks: %v", l)
	}
	m := e.ok(req{method: "POST", path: "/reports/downloads", user: "alice", body: downloadBody("trail", "", "audit")}, 202)
	if task := e.waitTask("alice", m["task_id"].(string)); task["status"] != "succeeded" {
		t.Fatalf("admin audit export %v", task)
	}
	createdID(t, e.ok(e.fudo("POST", "/api/v2/report", "alice", `{"defined_report_id":"`+auditID+`"}`), 200), "report")
	createdID(t, e.ok(e.fudo("POST", "/api/v2/report/subscription", "alice", `{"period":"day","defined_report_id":"`+auditID+`"}`), 200), "defined_report_subscription")
}

// TestExportInTheUsersZone: an export that names no zone shows its times in
// the requester's time_zone from the users file (olga: Asia/Tokyo); one
// that names a zone keeps it.
func TestExportInTheUsersZone(t *testing.T) {
	e := newEnv(t)
	zoned := e.ok(req{method: "POST", path: "/reports/downloads", user: "olga", body: downloadBody("tokyo", "", "activity")}, 202)["task_id"].(string)
	plain := e.ok(req{method: "POST", path: "/reports/downloads", user: "oscar", body: downloadBody("utc", "", "activity")}, 202)["task_id"].(string)
	for id, want := range map[string]string{zoned: "Asia/Tokyo", plain: ""} {
		task, err := e.eng.Tasks().Get(context.Background(), core.Actor{User: "alice", Admin: true}, id)
		if err != nil {
			t.Fatal(err)
		}
		if task.Request.TimeZone != want {
			t.Errorf("task %s: time zone %q, want %q", id, task.Request.TimeZone, want)
		}
	}
}
