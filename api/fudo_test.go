package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
)

// fudoAuth is the seed's header form: the bare token in Authorization.
func (e *env) fudo(method, path, user, body string) req {
	r := req{method: method, path: path, body: body, hdr: map[string]string{"Authorization": e.tok[user]}}
	if body != "" {
		r.hdr["Content-Type"] = "application/json"
	}
	return r
}

// Bodies of the Fudo seed's examples, verbatim.
const (
	fudoDefinedSeed = `{
    "title": "TestingAAA",
    "type": "system",
    "query_filter": "created_at.ge(2025-12-09T12%3A00%3A51.564Z),created_at.le(2026-01-10T12%3A00%3A51.564Z),subprotocol.iin(rdp),user_id.in(1224979098644774913),retention_locked,!finished_at.isnull(),status.iin(approved)",
    "query_order": "!finished_at"
  }`
	fudoPatchSeed = `{
    "title":"Updated Custom Report",
    "query_filter":"created_at.ge(2025-12-09T12%3A00%3A51.564Z),created_at.le(2026-01-10T12%3A00%3A51.564Z),subprotocol.iin(rdp),user_id.in(1224979098644774913),retention_locked,!finished_at.isnull(),status.iin(approved)",
    "query_order": "!finished_at"
  }`
	fudoReportSeed       = `{"criteria":[{"field":"protocol","value":"ssh"},{"field":"user","value":"5620492334958379010"}]}`
	fudoSubscriptionSeed = `{"period":"day","defined_report_id":"6"}`

	// The same requests over activity fields: the seed's filter with each
	// session field replaced by an activity field of the same kind.
	fudoDefinedOurs = `{
    "title": "TestingAAA",
    "type": "activity",
    "query_filter": "created_at.ge(2025-12-09T12%3A00%3A51.564Z),created_at.le(2026-11-10T12%3A00%3A51.564Z),event_type.iin(login),user.vendor_id.in(1224979098644774913),operation_successful,!extra.auth.is_suspicious.isnull(),vendor.name.iin(google)",
    "query_order": "!created_at"
  }`
	fudoPatchOurs = `{
    "title":"Updated Custom Report",
    "query_filter":"created_at.ge(2025-12-09T12%3A00%3A51.564Z),created_at.le(2026-11-10T12%3A00%3A51.564Z),event_type.iin(login),operation_successful,vendor.name.iin(google)",
    "query_order": "!created_at"
  }`
	fudoReportOurs = `{"criteria":[{"field":"event_type","value":"login"},{"field":"vendor.service","value":"auth"}]}`
)

func createdID(t *testing.T, m map[string]any, model string) string {
	t.Helper()
	keys(t, model, m, model, "result")
	inner, _ := m[model].(map[string]any)
	id, _ := inner["id"].(string)
	if m["result"] != "success" || id == "" || len(inner) != 1 {
		t.Fatalf("%s: %v", model, m)
	}
	return id
}

func TestFudoSeedExamples(t *testing.T) {
	e := newEnv(t)
	// GET lists, as in the seed.
	reports := e.ok(e.fudo("GET", "/api/v2/report", "oscar", ""), 200)
	keys(t, "report list", reports, "result", "report")
	defined := e.ok(e.fudo("GET", "/api/v2/report/defined", "oscar", ""), 200)
	keys(t, "defined list", defined, "result", "defined_report")
	defs := defined["defined_report"].([]any)
	if len(defs) != 23 || defs[0].(map[string]any)["id"] != "5" || defs[0].(map[string]any)["predefined"] != true {
		t.Fatalf("predefined reports: %d %v", len(defs), defs[0])
	}
	// The seed's table of defined_report_id values and titles.
	seedTable := []string{"System report", "Account access report", "Safe access report", "Server access report",
		"Session approvals by user", "Session sharing invites by user", "Session summary", "Sessions by server report",
		"User access report", "User activity report", "User privilege report", "User report"}
	for i, title := range seedTable {
		d := defs[i].(map[string]any)
		if d["id"] != strconv.Itoa(5+i) || d["title"] != title {
			t.Errorf("defined report %v %q, the seed says %d %q", d["id"], d["title"], 5+i, title)
		}
	}
	keys(t, "defined report", defs[0].(map[string]any), "id", "title", "type", "query_filter", "query_order", "created_by",
		"created_at", "modified_at", "removed", "predefined", "subscribed")
	subs := e.ok(e.fudo("GET", "/api/v2/report/subscription", "oscar", ""), 200)
	keys(t, "subscription list", subs, "result", "defined_report_subscription")

	// POST /api/v2/report/subscription, verbatim: predefined report 6.
	subID := createdID(t, e.ok(e.fudo("POST", "/api/v2/report/subscription", "oscar", fudoSubscriptionSeed), 200), "defined_report_subscription")
	subs = e.ok(e.fudo("GET", "/api/v2/report/subscription", "oscar", ""), 200)
	list := subs["defined_report_subscription"].([]any)
	if len(list) != 1 {
		t.Fatalf("subscriptions %v", list)
	}
	sub := list[0].(map[string]any)
	if sub["id"] != subID || sub["defined_report_id"] != "6" || sub["period"] != "day" || sub["user_id"] != "oscar" || sub["created_by"] != "oscar" {
		t.Fatalf("subscription %v", sub)
	}
	for _, k := range []string{"created_at", "modified_at", "removed"} {
		if _, ok := sub[k]; !ok {
			t.Errorf("subscription lacks %s", k)
		}
	}
	defined = e.ok(e.fudo("GET", "/api/v2/report/defined", "oscar", ""), 200)
	if defined["defined_report"].([]any)[1].(map[string]any)["subscribed"] != true {
		t.Error("report 6 is not marked subscribed")
	}

	// POST /api/v2/report/defined: the seed's body names a Fudo "system"
	// report and session fields; the same request over activity fields works.
	e.fails(e.fudo("POST", "/api/v2/report/defined", "oscar", fudoDefinedSeed), 400, "type", `"system"`)
	defID := createdID(t, e.ok(e.fudo("POST", "/api/v2/report/defined", "oscar", fudoDefinedOurs), 200), "defined_report")

	// PATCH /api/v2/report/defined/<id>
	e.fails(e.fudo("PATCH", "/api/v2/report/defined/"+defID, "oscar", fudoPatchSeed), 400, "query_filter", "position 88", `unknown field "subprotocol"`)
	m := e.ok(e.fudo("PATCH", "/api/v2/report/defined/"+defID, "oscar", fudoPatchOurs), 200)
	keys(t, "patch", m, "result")
	defined = e.ok(e.fudo("GET", "/api/v2/report/defined", "oscar", ""), 200)
	var mine map[string]any
	for _, d := range defined["defined_report"].([]any) {
		if d.(map[string]any)["id"] == defID {
			mine = d.(map[string]any)
		}
	}
	if mine["title"] != "Updated Custom Report" || !strings.Contains(mine["query_filter"].(string), "vendor.name.iin(google)") || mine["created_by"] != "oscar" || mine["type"] != "activity" {
		t.Fatalf("patched definition %v", mine)
	}

	// POST /api/v2/report: criteria on session fields are unknown here;
	// criteria on activity fields generate the report.
	e.fails(e.fudo("POST", "/api/v2/report", "oscar", fudoReportSeed), 400, "criteria[0]", `unknown field "protocol"`)
	repID := createdID(t, e.ok(e.fudo("POST", "/api/v2/report", "oscar", fudoReportOurs), 200), "report")
	task := e.waitTask("oscar", repID)
	if task["status"] != "succeeded" || task["record_total_num"].(float64) < 1 {
		t.Fatalf("report task %v", task)
	}
	reports = e.ok(e.fudo("GET", "/api/v2/report", "oscar", ""), 200)
	rl := reports["report"].([]any)
	if len(rl) != 1 {
		t.Fatalf("reports %v", rl)
	}
	rep := rl[0].(map[string]any)
	for _, k := range []string{"id", "title", "defined_report_id", "report_type", "generated_at", "created_by", "query_filter", "query_order", "created_at", "modified_at", "removed"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("ReportModel lacks %q", k)
		}
	}
	if rep["id"] != repID || rep["created_by"] != "oscar" || rep["query_filter"] != "event_type.eq(login),vendor.service.eq(auth)" || rep["generated_at"] == "" {
		t.Fatalf("report %v", rep)
	}

	// GET /api/v2/report/<id>/html (and csv, pdf)
	for _, tc := range []struct{ format, ctype, starts string }{
		{"html", "text/html; charset=utf-8", "<!DOCTYPE html>"},
		{"csv", "text/csv; charset=utf-8", "Time,Event ID"},
		{"pdf", "application/pdf", "%PDF-"},
	} {
		r := e.do(e.fudo("GET", "/api/v2/report/"+repID+"/"+tc.format, "oscar", ""))
		if r.status != 200 || r.hdr.Get("Content-Type") != tc.ctype || !bytes.HasPrefix(bytes.TrimLeft(r.body, "\ufeff"), []byte(tc.starts)) {
			t.Fatalf("%s: %d %q %q", tc.format, r.status, r.hdr.Get("Content-Type"), truncateBytes(r.body, 40))
		}
		want := ""
		for _, f := range task["files"].([]any) {
			if f := f.(map[string]any); f["format"] == tc.format {
				want = `attachment; filename="` + f["name"].(string) + `"`
			}
		}
		if cd := r.hdr.Get("Content-Disposition"); cd != want {
			t.Errorf("%s: Content-Disposition %q, want %q", tc.format, cd, want)
		}
		sum := sha256.Sum256(r.body)
		if r.hdr.Get("Repr-Digest") != "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":" {
			t.Errorf("%s: Repr-Digest %q does not match the body", tc.format, r.hdr.Get("Repr-Digest"))
		}
		if r.hdr.Get("Content-Length") != strconv.Itoa(len(r.body)) || r.hdr.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", tc.format, r.hdr)
		}
		if tc.format == "csv" {
			rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
			if err != nil || int64(len(rows)-1) != int64(task["record_total_num"].(float64)) {
				t.Errorf("csv: %d rows for %v (%v)", len(rows)-1, task["record_total_num"], err)
			}
			for _, row := range rows[1:] {
				if row[2] != "login" || row[7] != "auth" {
					t.Fatalf("csv row outside the criteria: %v", row)
				}
			}
		}
	}
	e.fails(e.fudo("GET", "/api/v2/report/"+repID+"/xlsx", "oscar", ""), 404, "no xlsx file", "csv, pdf, html")
	e.fails(e.fudo("GET", "/api/v2/report/"+repID+"/docx", "oscar", ""), 404, "unknown report format", "ndjson, json, html, pdf, xlsx")

	// A report generated from a definition carries its id and filter.
	fromDef := createdID(t, e.ok(e.fudo("POST", "/api/v2/report", "oscar", `{"criteria":[{"field":"client_location.country.code","value":["US","GB"]}],"defined_report_id":6}`), 200), "report")
	ft := e.waitTask("oscar", fromDef)
	if ft["defined_report_id"] != "6" || ft["filter"] != "event_type.eq(login),client_location.country.code.in(US,GB)" || ft["status"] != "succeeded" {
		t.Fatalf("report from definition 6: %v", ft)
	}

	// DELETE examples: report, definition, subscription.
	keys(t, "delete report", e.ok(e.fudo("DELETE", "/api/v2/report/"+repID, "oscar", ""), 200), "result")
	e.fails(e.fudo("GET", "/api/v2/report/"+repID+"/csv", "oscar", ""), 404, "not found")
	keys(t, "delete defined", e.ok(e.fudo("DELETE", "/api/v2/report/defined/"+defID, "oscar", ""), 200), "result")
	keys(t, "delete subscription", e.ok(e.fudo("DELETE", "/api/v2/report/subscription/"+subID, "oscar", ""), 200), "result")
	if n := len(e.ok(e.fudo("GET", "/api/v2/report/subscription", "oscar", ""), 200)["defined_report_subscription"].([]any)); n != 0 {
		t.Fatalf("%d subscriptions left", n)
	}
	// The seed's DELETE ids do not exist here.
	e.fails(e.fudo("DELETE", "/api/v2/report/9124292845052624902", "oscar", ""), 404, "not found")
	e.fails(e.fudo("DELETE", "/api/v2/report/defined/9124292845052624900", "oscar", ""), 404, "not found")
	e.fails(e.fudo("DELETE", "/api/v2/report/subscription/9124292845052624902", "oscar", ""), 404, "not found")
}

func truncateBytes(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

func TestFudoErrorsAndConflicts(t *testing.T) {
	e := newEnv(t)
	// Predefined reports are read-only for everyone, admins included.
	e.fails(e.fudo("DELETE", "/api/v2/report/defined/5", "alice", ""), 409, "predefined")
	e.fails(e.fudo("PATCH", "/api/v2/report/defined/6", "oscar", `{"title":"mine now"}`), 409, "predefined")
	defID := createdID(t, e.ok(e.fudo("POST", "/api/v2/report/defined", "oscar", `{"title":"NL logins","query_filter":"event_type.eq(login),client_location.country.code.eq(NL)"}`), 200), "defined_report")
	for _, tc := range []struct {
		method, path, body string
		status             int
		want               []string
	}{
		{"PATCH", "/api/v2/report/defined/" + defID, `{"type":"audit"}`, 400, []string{"type is immutable"}},
		{"PATCH", "/api/v2/report/defined/" + defID, `{"created_by":"alice"}`, 400, []string{`unknown field "created_by"`}},
		{"PATCH", "/api/v2/report/defined/" + defID, `{"title":7}`, 400, []string{"title", "expected a string"}},
		{"PATCH", "/api/v2/report/defined/" + defID, `{"query_order":"!!created_at"}`, 400, []string{"query_order", "position"}},
		{"POST", "/api/v2/report/defined", `{"query_filter":"event_type.eq(login)"}`, 400, []string{"title is required"}},
		{"POST", "/api/v2/report/defined", `{"title":"x","query_filter":"event_type.eq(login"}`, 400, []string{"query_filter", "position 19"}},
		{"POST", "/api/v2/report/defined", `{"title":"x","columns":[["nope","Nope"]]}`, 400, []string{"columns", `unknown field "nope"`}},
		{"POST", "/api/v2/report/subscription", `{"period":"fortnight","defined_report_id":"6"}`, 400, []string{"period", "fortnight"}},
		{"POST", "/api/v2/report/subscription", `{"period":"week","defined_report_id":"999"}`, 400, []string{"defined_report_id", `"999"`}},
		{"POST", "/api/v2/report/subscription", `{"period":"week","defined_report_id":"6","time_zone":"Mars/Olympus"}`, 400, []string{"time_zone", "Mars/Olympus"}},
		{"POST", "/api/v2/report/subscription", `{"period":"week","defined_report_id":"6","formats":["docx"]}`, 400, []string{"docx"}},
		{"POST", "/api/v2/report/subscription", `{"period":"week","defined_report_id":[6]}`, 400, []string{"defined_report_id", "expected a string", "array"}},
		{"POST", "/api/v2/report/subscription", `{"period":"week"}`, 400, []string{"defined_report_id is required"}},
		{"POST", "/api/v2/report", `{}`, 400, []string{"criteria is required"}},
		{"POST", "/api/v2/report", `{"criteria":[{"field":"event_type"}]}`, 400, []string{"criteria[0].value is required"}},
		{"POST", "/api/v2/report", `{"criteria":[{"field":"event_type","value":{"a":1}}]}`, 400, []string{"criteria[0].value"}},
		{"POST", "/api/v2/report", `{"criteria":[{"field":"operation_successful","value":"maybe"}]}`, 400, []string{"criteria[0]", "maybe"}},
		{"POST", "/api/v2/report", `{"criteria":[{"field":"event_type","value":"login","op":"ne"}]}`, 400, []string{`unknown field "op"`}},
		{"POST", "/api/v2/report", `{"criteria":[],"defined_report_id":"424242"}`, 400, []string{"defined_report_id", `"424242"`}},
	} {
		e.fails(e.fudo(tc.method, tc.path, "oscar", tc.body), tc.status, tc.want...)
	}
	// Wrong methods on the collections are 405 with Allow, not a lookup of
	// a report called "defined".
	r := e.fails(e.fudo("DELETE", "/api/v2/report/defined", "oscar", ""), 405, "DELETE")
	if r.hdr.Get("Allow") != "GET, HEAD, POST" {
		t.Errorf("Allow %q", r.hdr.Get("Allow"))
	}
	r = e.fails(e.fudo("GET", "/api/v2/report/defined/"+defID, "oscar", ""), 405)
	if r.hdr.Get("Allow") != "DELETE, PATCH" {
		t.Errorf("Allow %q", r.hdr.Get("Allow"))
	}
	e.fails(e.fudo("GET", "/api/v2/report/subscription/1", "oscar", ""), 405)
	e.fails(e.fudo("PUT", "/api/v2/report", "oscar", ""), 405)
	e.fails(e.fudo("GET", "/api/v2/reports", "oscar", ""), 404, "no route")
	e.fails(e.fudo("GET", "/api/v2/report/1/csv/extra", "oscar", ""), 404, "no route")
}

// A report that is not generated yet has no files: 409 until it is.
func TestFudoDownloadBeforeGenerated(t *testing.T) {
	e := newEnv(t)
	e.eng.Tasks().Close()
	id := createdID(t, e.ok(e.fudo("POST", "/api/v2/report", "vera", `{"criteria":[]}`), 200), "report")
	e.fails(e.fudo("GET", "/api/v2/report/"+id+"/pdf", "vera", ""), 409, "queued")
	rep := e.ok(e.fudo("GET", "/api/v2/report", "vera", ""), 200)["report"].([]any)[0].(map[string]any)
	if rep["generated_at"] != "" || rep["status"] != "queued" {
		t.Fatalf("queued report %v", rep)
	}
	keys(t, "delete queued", e.ok(e.fudo("DELETE", "/api/v2/report/"+id, "vera", ""), 200), "result")
}
