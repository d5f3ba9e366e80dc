package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core/query"
)

// hss is the seed's header form: X-Auth-Token.
func (e *env) hss(query, user, body string) req {
	return req{method: "POST", path: "/v5/0605767a3d00d3b22f2cc00f4a8e6e1c/event/export" + query, body: body,
		hdr: map[string]string{"X-Auth-Token": e.tok[user], "Content-Type": "application/json;charset=UTF-8"}}
}

// The seed's example body, verbatim: HSS asset columns wrapped in one more
// array than the parameter table says.
const hssSeedBody = `[ [ [ "app_name", "Software name" ], [ "version", "Version" ], [ "update_time", "Update time." ], [ "recent_scan_time", "Last scan time." ], [ "container_id", "Container ID" ], [ "container_name", "Container name" ], [ "host_name", "Server name." ], [ "host_ip", "Server IP address." ] ] ]`

// The same request over activity columns, in the seed's wrapping and flat.
const (
	hssOursWrapped = `[ [ [ "event_id", "Event ID" ], [ "created_at", "Time" ], [ "event_type", "Type" ], [ "client_ip", "Server IP address." ] ] ]`
	hssOursFlat    = `[["event_id","Event ID"],["event_category","Category"],["user.user_email","User"]]`
)

func TestHSSSeedExample(t *testing.T) {
	e := newEnv(t)
	e.fails(e.hss("", "vera", hssSeedBody), 400, "columns", `unknown field "app_name"`)

	m := e.ok(e.hss("", "vera", hssOursWrapped), 200)
	keys(t, "hss", m, "record_total_num", "task_id")
	if m["record_total_num"] != 309.0 {
		t.Fatalf("record_total_num %v", m["record_total_num"])
	}
	task := e.waitTask("vera", m["task_id"].(string))
	if task["status"] != "succeeded" || task["records_done"] != 309.0 {
		t.Fatalf("task %v", task)
	}

	// Filters from the parameter table: a window in milliseconds, category,
	// handle_status, and export_size.
	begin := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC).UnixMilli()
	end := time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC).UnixMilli()
	q := url.Values{"begin_time": {strconv.FormatInt(begin, 10)}, "end_time": {strconv.FormatInt(end, 10)}, "category": {"auth"}, "handle_status": {"unhandled"}, "enterprise_project_id": {"all_granted_eps"}}
	f, err := query.ParseDSL("created_at.ge(2026-10-10T00:00:00Z),created_at.le(2026-10-20T00:00:00Z),event_category.eq(auth),triage.state.eq(new)")
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.eng.Count(context.Background(), f)
	if err != nil || want < 3 {
		t.Fatalf("engine count %d %v", want, err)
	}
	m = e.ok(e.hss("?"+q.Encode(), "vera", hssOursFlat), 200)
	if m["record_total_num"] != float64(want) {
		t.Fatalf("record_total_num %v, want %d", m["record_total_num"], want)
	}
	id := m["task_id"].(string)
	e.waitTask("vera", id)
	r := e.do(req{method: "GET", path: "/api/v2/report/" + id + "/csv", hdr: map[string]string{"X-Auth-Token": e.tok["vera"]}})
	rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if r.status != 200 || err != nil || len(rows) != int(want)+1 || rows[0][0] != "Event ID" || rows[0][1] != "Category" || rows[0][2] != "User" {
		t.Fatalf("csv: %d %v rows %d header %v", r.status, err, len(rows), rows[0])
	}
	for _, row := range rows[1:] {
		if row[1] != "auth" {
			t.Fatalf("row outside category auth: %v", row)
		}
	}

	q.Set("export_size", "2")
	m = e.ok(e.hss("?"+q.Encode(), "vera", hssOursFlat), 200)
	if m["record_total_num"] != 2.0 {
		t.Fatalf("export_size 2: record_total_num %v", m["record_total_num"])
	}
	// event_id (the seed's mandatory "case code") selects one event.
	m = e.ok(e.hss("?event_id="+url.QueryEscape("-6285966971996490902#0"), "vera", hssOursFlat), 200)
	if m["record_total_num"] != 1.0 {
		t.Fatalf("event_id: record_total_num %v", m["record_total_num"])
	}
}

func TestHSSBadRequests(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		query, body string
		status      int
		want        []string
	}{
		{"?last_days=7&begin_time=1", hssOursFlat, 400, []string{"last_days", "mutually exclusive"}},
		{"?begin_time=yesterday", hssOursFlat, 400, []string{"begin_time", "milliseconds"}},
		{"?host_name=web-1", hssOursFlat, 400, []string{"host_name", "no such field"}},
		{"?severity=High", hssOursFlat, 400, []string{"severity"}},
		{"?handle_status=maybe", hssOursFlat, 400, []string{"handle_status"}},
		{"?export_size=0", hssOursFlat, 400, []string{"export_size"}},
		{"?limit=-1", hssOursFlat, 400, []string{"limit"}},
		{"?hostname=x", hssOursFlat, 400, []string{`unknown query parameter "hostname"`}},
		{"", `[]`, 400, []string{"at least one column"}},
		{"", `[["event_id"]]`, 400, []string{"column 1", "[field, display name]"}},
		{"", `[["event_id","A"],["event_id","B"]]`, 400, []string{"appears twice"}},
		{"", `{"columns":[]}`, 400, []string{"expected an array"}},
		{"", `[["event_id","A"]`, 400, []string{"ends early"}},
		{"", ``, 400, []string{"request body is empty"}},
	} {
		rq := e.hss(tc.query, "vera", tc.body)
		if tc.body == "" {
			rq.hdr["Content-Type"] = ""
		}
		e.fails(rq, tc.status, tc.want...)
	}
	bad := e.hss("", "vera", hssOursFlat)
	bad.path = "/v5/" + url.PathEscape("proj;drop") + "/event/export"
	e.fails(bad, 400, "project_id")
	e.fails(req{method: "GET", path: "/v5/p1/event/export", hdr: map[string]string{"X-Auth-Token": e.tok["vera"]}}, 405)
}
