package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// sdkText is the Content-Type the official Clumio Go SDK sends: it hands
// resty the JSON body as a string, and resty declares strings text/plain.
const sdkText = "text/plain; charset=utf-8"

// sdkHeaders are the headers the Clumio Go SDK sends with a body.
func sdkHeaders(accept string) map[string]string {
	return map[string]string{"Content-Type": sdkText, "Accept": accept, "X-Clumio-Api-Client": "clumio-go-sdk", "X-Clumio-Organizationalunit-Context": ""}
}

const (
	clumioTasksType     = "application/api.clumio.tasks=v1+json"
	clumioDownloadsType = "application/api.clumio.report-downloads=v1+json"
)

// The SDK's task model, field by field with its types, so that a response
// it cannot decode fails here (json.Unmarshal is what the SDK runs).
type sdkLink struct {
	Href      *string `json:"href"`
	Templated *bool   `json:"templated"`
	Type      *string `json:"type"`
}

type sdkEntity struct {
	ID    *string `json:"id"`
	Type  *string `json:"type"`
	Value *string `json:"value"`
}

type sdkTask struct {
	Etag  *string `json:"_etag"`
	Links *struct {
		Self       *sdkLink `json:"_self"`
		UpdateTask *sdkLink `json:"update-task"`
	} `json:"_links"`
	Category           *string    `json:"category"`
	CreatedTimestamp   *string    `json:"created_timestamp"`
	EndTimestamp       *string    `json:"end_timestamp"`
	Genre              *string    `json:"genre"`
	ID                 *string    `json:"id"`
	IsAbortable        *bool      `json:"is_abortable"`
	ParentEntity       *sdkEntity `json:"parent_entity"`
	PrimaryEntity      *sdkEntity `json:"primary_entity"`
	ProgressPercentage *int64     `json:"progress_percentage"`
	StartTimestamp     *string    `json:"start_timestamp"`
	Status             *string    `json:"status"`
	Type               *string    `json:"type"`
}

type sdkPageLinks struct {
	First *sdkLink `json:"_first"`
	Last  *sdkLink `json:"_last"`
	Next  *sdkLink `json:"_next"`
	Prev  *sdkLink `json:"_prev"`
	Self  *sdkLink `json:"_self"`
}

type sdkTaskList struct {
	Embedded *struct {
		Items []*sdkTask `json:"items"`
	} `json:"_embedded"`
	Links           *sdkPageLinks `json:"_links"`
	CurrentCount    *int64        `json:"current_count"`
	FilterApplied   *string       `json:"filter_applied"`
	Limit           *int64        `json:"limit"`
	Start           *string       `json:"start"`
	TotalCount      *int64        `json:"total_count"`
	TotalPagesCount *int64        `json:"total_pages_count"`
}

type sdkReportDownload struct {
	DownloadLink        *string `json:"download_link"`
	EndTimestamp        *string `json:"end_timestamp"`
	ExpirationTimestamp *string `json:"expiration_timestamp"`
	FileName            *string `json:"file_name"`
	Filters             *string `json:"filters"`
	ID                  *string `json:"id"`
	StartTimestamp      *string `json:"start_timestamp"`
	TaskID              *string `json:"task_id"`
	Type                *string `json:"type"`
}

type sdkDownloadList struct {
	Embedded *struct {
		Items []*sdkReportDownload `json:"items"`
	} `json:"_embedded"`
	Links           *sdkPageLinks `json:"_links"`
	CurrentCount    *int64        `json:"current_count"`
	FilterApplied   *string       `json:"filter_applied"`
	Limit           *int64        `json:"limit"`
	Start           *string       `json:"start"`
	TotalCount      *int64        `json:"total_count"`
	TotalPagesCount *int64        `json:"total_pages_count"`
}

func decodeAs(t *testing.T, what string, r resp, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%s: the SDK's model cannot decode the answer: %v: %s", what, err, r.body)
	}
}

// Item 16: the SDK's creates arrive as text/plain; vendor types and a
// missing Content-Type carry JSON too. Bodies that are not JSON are still
// refused, and so are types that say the body is something else.
func TestClumioSDKContentTypes(t *testing.T) {
	e := newEnv(t)
	for i, ct := range []string{sdkText, "text/plain", clumioDownloadsType, "application/api.clumio.report-downloads=v1+json; charset=utf-8", "application/vnd.example+json", ""} {
		hdr := sdkHeaders(clumioDownloadsType)
		hdr["Content-Type"] = ct
		r := e.do(req{method: "POST", path: "/reports/downloads", user: "vera", body: downloadBody(fmt.Sprintf("sdk-%d", i), `{"activity_start_timestamp":{"$eq":86400}}`, "activity"), hdr: hdr})
		if r.status != 202 {
			t.Fatalf("Content-Type %q: status %d: %s", ct, r.status, r.body)
		}
		var m map[string]any
		if err := json.Unmarshal(r.body, &m); err != nil || m["task_id"] == nil {
			t.Fatalf("Content-Type %q: %v %s", ct, err, r.body)
		}
	}
	for _, tc := range []struct {
		ct, body string
		status   int
		want     []string
	}{
		{sdkText, "file_name=a&type=activity", 400, []string{"malformed JSON at byte"}},
		{"", "file_name=a&type=activity", 400, []string{"malformed JSON"}},
		{sdkText, "", 400, []string{"empty"}},
		{"text/plain; charset=latin1", downloadBody("a", "", "activity"), 415, []string{"charset"}},
		{"application/x-www-form-urlencoded", "file_name=a&type=activity", 415, []string{"application/x-www-form-urlencoded", "JSON"}},
		{"multipart/form-data; boundary=x", "--x--", 415, []string{"multipart/form-data"}},
		{"text/csv", "a,b", 415, []string{"text/csv"}},
		{"application/xml", "<a/>", 415, []string{"application/xml"}},
		{"application/json;;", downloadBody("a", "", "activity"), 415, []string{"Content-Type"}},
	} {
		hdr := sdkHeaders(clumioDownloadsType)
		hdr["Content-Type"] = tc.ct
		rq := req{method: "POST", path: "/reports/downloads", user: "vera", body: tc.body, hdr: hdr}
		if tc.body == "" {
			// e.do sends no body for ""; an empty text/plain body is sent as one byte-less request.
			rq.body = " "
		}
		e.fails(rq, tc.status, tc.want...)
	}
	// The other vendors' bodies go through the same check.
	hss := e.hss("", "vera", hssOursFlat)
	hss.hdr["Content-Type"] = "text/plain"
	e.ok(hss, 200)
	e.ok(req{method: "PATCH", path: "/activities/" + url.PathEscape("-6285966971996490902#0") + "/triage", user: "oscar", body: `{"state":"reviewed"}`, hdr: map[string]string{"Content-Type": ""}}, 200)
}

// Item 17: on the Clumio routes a task reads like the SDK's ReadTaskResponse.
func TestClumioTaskVocabulary(t *testing.T) {
	e := newEnv(t)
	// vera is a viewer: the audit type needs admin, consumption does not.
	done := e.ok(req{method: "POST", path: "/reports/downloads", user: "vera", body: downloadBody("done", "", "consumption"), hdr: sdkHeaders(clumioDownloadsType)}, 202)["task_id"].(string)
	e.waitTask("vera", done)

	r := e.do(req{method: "GET", path: "/tasks/" + done, user: "vera", hdr: map[string]string{"Accept": clumioTasksType}})
	if r.status != 200 || r.hdr.Get("Content-Type") != clumioTasksType {
		t.Fatalf("read task: %d %q: %s", r.status, r.hdr.Get("Content-Type"), r.body)
	}
	var task sdkTask
	decodeAs(t, "read task", r, &task)
	if *task.Status != "completed" || *task.ProgressPercentage != 100 || *task.IsAbortable || *task.Category != "report_generation" ||
		*task.Genre != "administrative" || *task.ID != done || *task.Etag == "" || task.EndTimestamp == nil || task.StartTimestamp == nil {
		t.Fatalf("completed task: %s", r.body)
	}
	if task.Links == nil || *task.Links.Self.Href != "/tasks/"+done || *task.Links.UpdateTask.Href != "/tasks/"+done || *task.Links.UpdateTask.Type != "patch" {
		t.Fatalf("task links: %s", r.body)
	}
	if task.PrimaryEntity == nil || *task.PrimaryEntity.Value != "done.csv" {
		t.Fatalf("primary entity: %s", r.body)
	}
	// Without the vendor Accept the answer is plain JSON; the Fudo routes
	// keep their own names for the same task.
	if r := e.do(req{method: "GET", path: "/tasks/" + done, user: "vera"}); r.hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("plain read: %q", r.hdr.Get("Content-Type"))
	}
	reports := e.ok(req{method: "GET", path: "/api/v2/report", user: "vera"}, 200)["report"].([]any)
	if len(reports) != 1 || reports[0].(map[string]any)["status"] != "succeeded" {
		t.Fatalf("fudo report list: %v", reports)
	}

	// A queued task is abortable; PATCH {"status":"aborted"} (the SDK's
	// UpdateTask, body as text/plain) aborts it.
	e.eng.Tasks().Close()
	queued := e.ok(req{method: "POST", path: "/reports/downloads", user: "vera", body: downloadBody("queued", "", "activity"), hdr: sdkHeaders(clumioDownloadsType)}, 202)["task_id"].(string)
	r = e.do(req{method: "GET", path: "/tasks/" + queued, user: "vera", hdr: map[string]string{"Accept": clumioTasksType}})
	decodeAs(t, "queued task", r, &task)
	if *task.Status != "queued" || !*task.IsAbortable || *task.ProgressPercentage != 0 || task.StartTimestamp != nil || task.EndTimestamp != nil {
		t.Fatalf("queued task: %s", r.body)
	}
	for _, tc := range []struct {
		body string
		want []string
	}{
		{`{"status":"completed"}`, []string{"status", `"completed"`, "aborted"}},
		{`{"status":""}`, []string{"status", "aborted"}},
		{`{}`, []string{"status is required"}},
		{`{"status":"aborted","owner":"alice"}`, []string{`unknown field "owner"`}},
		{`status=aborted`, []string{"malformed JSON"}},
	} {
		e.fails(req{method: "PATCH", path: "/tasks/" + queued, user: "vera", body: tc.body, hdr: sdkHeaders(clumioTasksType)}, 400, tc.want...)
	}
	e.fails(req{method: "PATCH", path: "/tasks/" + queued, user: "oscar", body: `{"status":"aborted"}`, hdr: sdkHeaders(clumioTasksType)}, 404, "not found")
	r = e.do(req{method: "PATCH", path: "/tasks/" + queued, user: "vera", body: `{"status":"aborted"}`, hdr: sdkHeaders(clumioTasksType)})
	if r.status != 200 || r.hdr.Get("Content-Type") != clumioTasksType {
		t.Fatalf("abort: %d %q: %s", r.status, r.hdr.Get("Content-Type"), r.body)
	}
	decodeAs(t, "aborted task", r, &task)
	if *task.Status != "aborted" || *task.IsAbortable || task.EndTimestamp == nil {
		t.Fatalf("aborted task: %s", r.body)
	}
	if got := e.ok(req{method: "GET", path: "/tasks/" + queued, user: "vera"}, 200); got["status"] != "aborted" {
		t.Fatalf("after abort: %v", got)
	}
	e.fails(req{method: "PATCH", path: "/tasks/" + queued, user: "vera", body: `{"status":"aborted"}`, hdr: sdkHeaders(clumioTasksType)}, 409, "already")
	e.fails(req{method: "PATCH", path: "/tasks/" + done, user: "vera", body: `{"status":"aborted"}`, hdr: sdkHeaders(clumioTasksType)}, 409, "already")
	if r := e.do(req{method: "GET", path: "/api/v2/report", user: "vera"}); !bytes.Contains(r.body, []byte(`"status":"canceled"`)) {
		t.Fatalf("fudo list after abort: %s", r.body)
	}
}

// Item 17: GET /tasks pages with limit and start (a page number from 1)
// and filters with the Clumio JSON filter; the SDK sends limit=0, start=
// and filter= when its caller leaves them out.
func TestClumioTaskList(t *testing.T) {
	e := newEnv(t)
	e.eng.Tasks().Close() // every task stays queued
	var ids []string
	for i := range 5 {
		ids = append(ids, e.ok(req{method: "POST", path: "/reports/downloads", user: "vera", body: downloadBody(fmt.Sprintf("t%d", i), "", "activity")}, 202)["task_id"].(string))
		e.clock.advance(1e9)
	}
	e.ok(req{method: "PATCH", path: "/tasks/" + ids[0], user: "vera", body: `{"status":"aborted"}`}, 200)
	e.ok(req{method: "POST", path: "/reports/downloads", user: "oscar", body: downloadBody("other-user", "", "activity")}, 202)

	list := func(q url.Values) (resp, sdkTaskList) {
		t.Helper()
		r := e.do(req{method: "GET", path: "/tasks?" + q.Encode(), user: "vera", hdr: map[string]string{"Accept": clumioTasksType}})
		if r.status != 200 {
			t.Fatalf("list %v: %d %s", q, r.status, r.body)
		}
		if r.hdr.Get("Content-Type") != clumioTasksType {
			t.Errorf("list: Content-Type %q", r.hdr.Get("Content-Type"))
		}
		var l sdkTaskList
		decodeAs(t, "list", r, &l)
		return r, l
	}
	itemIDs := func(l sdkTaskList) []string {
		var out []string
		for _, it := range l.Embedded.Items {
			out = append(out, *it.ID)
		}
		return out
	}

	_, l := list(url.Values{"limit": {"0"}, "start": {""}, "filter": {""}})
	if got := itemIDs(l); len(got) != 5 || got[0] != ids[4] || *l.TotalCount != 5 || *l.CurrentCount != 5 || *l.Start != "1" || *l.TotalPagesCount != 1 {
		t.Fatalf("SDK defaults: %v total %d", got, *l.TotalCount)
	}
	_, l = list(url.Values{"limit": {"2"}, "start": {"2"}})
	if got := itemIDs(l); len(got) != 2 || got[0] != ids[2] || got[1] != ids[1] || *l.Limit != 2 || *l.Start != "2" || *l.TotalCount != 5 || *l.TotalPagesCount != 3 {
		t.Fatalf("page 2 of 2: %v", got)
	}
	if l.Links.Next == nil || *l.Links.Next.Href != "/tasks?limit=2&start=3" || l.Links.Prev == nil || *l.Links.Prev.Href != "/tasks?limit=2&start=1" ||
		*l.Links.First.Href != "/tasks?limit=2&start=1" || *l.Links.Last.Href != "/tasks?limit=2&start=3" {
		t.Fatalf("page links: %+v", l.Links)
	}
	_, l = list(url.Values{"limit": {"2"}, "start": {"3"}})
	if got := itemIDs(l); len(got) != 1 || got[0] != ids[0] || l.Links.Next != nil {
		t.Fatalf("last page: %v", got)
	}
	if _, l = list(url.Values{"limit": {"2"}, "start": {"9"}}); len(l.Embedded.Items) != 0 || *l.CurrentCount != 0 {
		t.Fatalf("past the end: %v", itemIDs(l))
	}

	_, l = list(url.Values{"filter": {`{"status":{"$in":["aborted"]}}`}})
	if got := itemIDs(l); len(got) != 1 || got[0] != ids[0] || *l.FilterApplied != `{"status":{"$in":["aborted"]}}` {
		t.Fatalf("status aborted: %v", got)
	}
	_, l = list(url.Values{"filter": {`{"status":{"$eq":"queued"},"type":{"$in":["activity"]},"category":{"$eq":"report_generation"}}`}})
	if got := itemIDs(l); len(got) != 4 {
		t.Fatalf("queued: %v", got)
	}
	_, l = list(url.Values{"filter": {`{"created_timestamp":{"$gte":"2026-11-01T12:00:02Z","$lt":"2026-11-01T12:00:04Z"}}`}})
	if got := itemIDs(l); len(got) != 2 || got[0] != ids[3] || got[1] != ids[2] {
		t.Fatalf("created window: %v", got)
	}

	for _, tc := range []struct {
		q    url.Values
		want []string
	}{
		{url.Values{"limit": {"x"}}, []string{"limit", "whole number"}},
		{url.Values{"limit": {"-1"}}, []string{"limit"}},
		{url.Values{"limit": {"100000"}}, []string{"limit"}},
		{url.Values{"start": {"0"}}, []string{"start", "page number"}},
		{url.Values{"start": {"abc"}}, []string{"start"}},
		{url.Values{"filter": {`{"status":{"$in":["done"]}}`}}, []string{"status", `"done"`, "queued"}},
		{url.Values{"filter": {`{"owner":{"$eq":"alice"}}`}}, []string{`unknown field "owner"`}},
		{url.Values{"filter": {`{"status":{"$gte":"queued"}}`}}, []string{"status", "$gte"}},
		{url.Values{"filter": {`{"created_timestamp":{"$gte":"yesterday"}}`}}, []string{"created_timestamp", "RFC 3339"}},
		{url.Values{"filter": {`{"status":`}}, []string{"filter"}},
		{url.Values{"embed": {"x"}}, []string{`unknown query parameter "embed"`}},
	} {
		e.fails(req{method: "GET", path: "/tasks?" + tc.q.Encode(), user: "vera"}, 400, tc.want...)
	}
}

// Item 17: GET /reports/downloads lists the unexpired generated files, with
// the same paging; the SDK sends its parameters as a JSON body on the GET.
func TestClumioReportDownloadsList(t *testing.T) {
	e := newEnv(t)
	act := e.ok(req{method: "POST", path: "/reports/downloads", user: "vera", body: downloadBody("act", `{"activity_start_timestamp":{"$eq":86400}}`, "activity")}, 202)["task_id"].(string)
	e.waitTask("vera", act)
	e.clock.advance(1e9)
	aud := e.ok(req{method: "POST", path: "/reports/downloads", user: "vera", body: downloadBody("aud", "", "consumption")}, 202)["task_id"].(string)
	e.waitTask("vera", aud)
	e.eng.Tasks().Close()
	e.ok(req{method: "POST", path: "/reports/downloads", user: "vera", body: downloadBody("still-queued", "", "activity")}, 202)

	get := func(path, body string) sdkDownloadList {
		t.Helper()
		rq := req{method: "GET", path: path, user: "vera", hdr: map[string]string{"Accept": clumioDownloadsType}}
		if body != "" {
			rq.body, rq.hdr = body, sdkHeaders(clumioDownloadsType)
		}
		r := e.do(rq)
		if r.status != 200 || r.hdr.Get("Content-Type") != clumioDownloadsType {
			t.Fatalf("GET %s %s: %d %q %s", path, body, r.status, r.hdr.Get("Content-Type"), r.body)
		}
		var l sdkDownloadList
		decodeAs(t, "downloads", r, &l)
		return l
	}
	l := get("/reports/downloads", "")
	if len(l.Embedded.Items) != 2 || *l.TotalCount != 2 {
		t.Fatalf("downloads: %d items", len(l.Embedded.Items))
	}
	it := l.Embedded.Items[0]
	if *it.ID != aud || *it.TaskID != aud || *it.FileName != "aud.csv" || *it.Type != "consumption" || *it.DownloadLink != "/api/v2/report/"+aud+"/csv" ||
		it.StartTimestamp == nil || it.EndTimestamp == nil || it.ExpirationTimestamp == nil || it.Filters == nil {
		t.Fatalf("download item %+v", *it)
	}
	if f := *l.Embedded.Items[1].Filters; !strings.Contains(f, "created_at") {
		t.Fatalf("activity download filters %q", f)
	}
	// The SDK's ListReportDownloads body: every field, null when unset.
	if l = get("/reports/downloads", `{"filter":null,"limit":null,"start":null}`); len(l.Embedded.Items) != 2 {
		t.Fatalf("SDK body: %d items", len(l.Embedded.Items))
	}
	if l = get("/reports/downloads", `{"filter":"{\"report_type\":{\"$in\":[\"activity\"]}}","limit":1,"start":"1"}`); len(l.Embedded.Items) != 1 || *l.Embedded.Items[0].ID != act {
		t.Fatalf("SDK body with a filter: %+v", l.Embedded.Items)
	}
	if l = get("/reports/downloads?limit=1&start=2", ""); len(l.Embedded.Items) != 1 || *l.Embedded.Items[0].ID != act || *l.TotalPagesCount != 2 {
		t.Fatalf("page 2: %+v", l.Embedded.Items)
	}
	if l = get("/reports/downloads?"+url.Values{"filter": {`{"start_timestamp":{"$gte":"2026-11-01T12:00:01Z"}}`}}.Encode(), ""); len(l.Embedded.Items) != 1 || *l.Embedded.Items[0].ID != aud {
		t.Fatalf("start_timestamp filter: %+v", l.Embedded.Items)
	}
	if l := e.ok(req{method: "GET", path: "/reports/downloads", user: "oscar"}, 200); l["total_count"] != 0.0 {
		t.Fatalf("another user's list: %v", l)
	}
	e.fails(req{method: "GET", path: "/reports/downloads?limit=1", user: "vera", body: `{"limit":2}`, hdr: sdkHeaders(clumioDownloadsType)}, 400, "limit", "both")
	e.fails(req{method: "GET", path: "/reports/downloads", user: "vera", body: `{"limit":"two"}`, hdr: sdkHeaders(clumioDownloadsType)}, 400, "limit")
	e.fails(req{method: "GET", path: "/reports/downloads", user: "vera", body: `{"sort":"x"}`, hdr: sdkHeaders(clumioDownloadsType)}, 400, `unknown field "sort"`)
	e.fails(req{method: "GET", path: "/reports/downloads?" + url.Values{"filter": {`{"task":{"$in":["x"]}}`}}.Encode(), user: "vera"}, 400, `unknown field "task"`)
	e.fails(req{method: "GET", path: "/reports/downloads?" + url.Values{"filter": {`{"report_type":{"$in":["compliance"]}}`}}.Encode(), user: "vera"}, 400, "compliance")
}
