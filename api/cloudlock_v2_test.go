package api_test

import (
	"bytes"
	"net/url"
	"testing"
)

// Item 18: Cloudlock clients (Cisco's Postman collection, Rapid7's plugin)
// call the /api/v2 base; they sort with a minus for descending and send
// numbers as floats.
func TestCloudlockV2Base(t *testing.T) {
	e := newEnv(t)
	for _, q := range []string{"limit=7&offset=3", "event_type=login&limit=5", "created_after=2026-10-20&order=created_at"} {
		v1 := e.do(req{method: "GET", path: "/activities?" + q, user: "vera"})
		v2 := e.do(req{method: "GET", path: "/api/v2/activities?" + q, user: "vera"})
		if v1.status != 200 || v2.status != 200 || !bytes.Equal(v1.body, v2.body) || v2.hdr.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: /activities %d and /api/v2/activities %d differ:\n%s\n%s", q, v1.status, v2.status, v1.body, v2.body)
		}
	}
	e.fails(req{method: "GET", path: "/api/v2/activities?limt=1", user: "vera"}, 400, `unknown query parameter "limt"`)
	e.fails(req{method: "GET", path: "/api/v2/activities"}, 401)
	e.fails(req{method: "POST", path: "/api/v2/activities", user: "vera", body: "{}"}, 405, "GET")

	same := func(a, b string) {
		t.Helper()
		ra := e.do(req{method: "GET", path: "/api/v2/activities?" + a, user: "vera"})
		rb := e.do(req{method: "GET", path: "/activities?" + b, user: "vera"})
		if ra.status != 200 || rb.status != 200 || !bytes.Equal(ra.body, rb.body) {
			t.Fatalf("%q (%d) and %q (%d) differ:\n%s\n%s", a, ra.status, b, rb.status, ra.body, rb.body)
		}
	}
	same("order=-created_at&limit=20", "order="+url.QueryEscape("!created_at")+"&limit=20")
	same("order="+url.QueryEscape("event_type,-created_at")+"&limit=30", "order="+url.QueryEscape("event_type,!created_at")+"&limit=30")
	same("order="+url.QueryEscape("+created_at")+"&limit=20", "order=created_at&limit=20")
	same("limit=20.0&offset=40.00", "limit=20&offset=40")
	same("limit=20.", "limit=20")
	if asc, desc := e.do(req{method: "GET", path: "/api/v2/activities?order=created_at&limit=5", user: "vera"}), e.do(req{method: "GET", path: "/api/v2/activities?order=-created_at&limit=5", user: "vera"}); bytes.Equal(asc.body, desc.body) {
		t.Fatal("order=-created_at is not descending")
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"limit=20.5", []string{`"limit"`, "whole number", `"20.5"`}},
		{"limit=1e3", []string{`"limit"`}},
		{"limit=NaN", []string{`"limit"`}},
		{"limit=Inf", []string{`"limit"`}},
		{"offset=0x10", []string{`"offset"`}},
		{"limit=1000.0000001", []string{`"limit"`}},
		{"limit=1001.0", []string{`"limit"`, "1 to 1000"}},
		{"order=" + url.QueryEscape("--created_at"), []string{"order"}},
		{"order=" + url.QueryEscape("-!created_at"), []string{"order"}},
		{"order=-", []string{"order"}},
	} {
		e.fails(req{method: "GET", path: "/api/v2/activities?" + tc.query, user: "vera"}, 400, tc.want...)
	}
}
