package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// hssSignature is an AK/SK signature as Huawei's SDKs send it.
const hssSignature = "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d40bb27564e7e3bbd30dc2"

// Item 20: an HSS client that signs its requests and also sends a token
// is authenticated by the token; without a token the signature alone is
// still refused.
func TestHSSTokenWinsOverSignature(t *testing.T) {
	e := newEnv(t)
	rq := e.hss("", "vera", hssOursFlat)
	rq.hdr["Authorization"] = hssSignature
	rq.hdr["X-Sdk-Date"] = "20261101T120000Z"
	m := e.ok(rq, 200)
	if m["task_id"] == nil {
		t.Fatalf("export with token and signature: %v", m)
	}
	// Any route: the token decides.
	r := e.do(req{method: "GET", path: "/tasks/" + m["task_id"].(string), hdr: map[string]string{"X-Auth-Token": e.tok["vera"], "Authorization": hssSignature}})
	if r.status != 200 {
		t.Fatalf("read task with token and signature: %d %s", r.status, r.body)
	}
	// A signature without a token is not something auditdeck can check.
	e.fails(req{method: "GET", path: "/tasks", hdr: map[string]string{"Authorization": hssSignature}}, 401, "SDK-HMAC-SHA256", "not supported")
	// Two tokens that differ are still refused, whatever the header forms.
	e.fails(req{method: "GET", path: "/tasks", hdr: map[string]string{"X-Auth-Token": e.tok["vera"], "Authorization": "Bearer " + e.tok["alice"]}}, 401, "different tokens")
	e.fails(req{method: "GET", path: "/tasks", hdr: map[string]string{"X-Auth-Token": e.tok["vera"], "Authorization": e.tok["alice"]}}, 401, "different tokens")
	// A bad token is not rescued by a signature.
	e.fails(req{method: "GET", path: "/tasks", hdr: map[string]string{"X-Auth-Token": "nope", "Authorization": hssSignature}}, 401, "invalid or expired token")
}

// Item 20: HSS errors also carry Huawei's top-level error_code and
// error_msg, which the HSS SDKs read; other routes keep the one shape.
func TestHSSErrorShape(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		rq     req
		status int
	}{
		{e.hss("?host_name=web-1", "vera", hssOursFlat), 400},
		{e.hss("", "vera", `[["event_id"]]`), 400},
		{req{method: "POST", path: "/v5/p1/event/export", body: hssOursFlat}, 401},
		{req{method: "GET", path: "/v5/p1/event/export", hdr: map[string]string{"X-Auth-Token": e.tok["vera"]}}, 405},
		{req{method: "POST", path: "/v5/p1/event/exports", hdr: map[string]string{"X-Auth-Token": e.tok["vera"]}}, 404},
	} {
		r := e.do(tc.rq)
		checkError(t, tc.rq.method+" "+tc.rq.path, r, tc.status)
		var body struct {
			Errors []struct {
				ErrorMessage string `json:"error_message"`
			} `json:"errors"`
			ErrorCode *string `json:"error_code"`
			ErrorMsg  *string `json:"error_msg"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		if body.ErrorCode == nil || !regexp.MustCompile(`^HSS\.\d{4}$`).MatchString(*body.ErrorCode) || body.ErrorMsg == nil || *body.ErrorMsg != body.Errors[0].ErrorMessage {
			t.Errorf("%s %s: HSS error shape: %s", tc.rq.method, tc.rq.path, r.body)
		}
	}
	r := e.do(req{method: "GET", path: "/tasks/nope", user: "vera"})
	if r.status != 404 || bytes.Contains(r.body, []byte("error_msg")) {
		t.Fatalf("Clumio error: %d %s", r.status, r.body)
	}
}

// Item 20: every response has X-Request-Id, errors included, one per
// request.
func TestRequestID(t *testing.T) {
	e := newEnv(t)
	exp := e.ok(e.hss("", "vera", hssOursFlat), 200)["task_id"].(string)
	e.waitTask("vera", exp)
	id := regexp.MustCompile(`^[0-9a-f]{32}$`)
	seen := map[string]bool{}
	for _, rq := range []req{
		e.hss("", "vera", hssOursFlat),
		e.hss("?severity=High", "vera", hssOursFlat),
		{method: "GET", path: "/openapi.json"},
		{method: "GET", path: "/activities?limit=1", user: "vera"},
		{method: "GET", path: "/api/v2/report/" + exp + "/csv", user: "vera"},
		{method: "HEAD", path: "/api/v2/report/" + exp + "/csv", user: "vera"},
		{method: "GET", path: "/tasks"},
		{method: "DELETE", path: "/openapi.json"},
		{method: "GET", path: "/nowhere"},
		{method: "POST", path: "/reports/downloads", user: "vera", body: strings.Repeat("x", testMaxBody+10)},
	} {
		r := e.do(rq)
		got := r.hdr.Values("X-Request-Id")
		if len(got) != 1 || !id.MatchString(got[0]) || seen[got[0]] {
			t.Errorf("%s %s (%d): X-Request-Id %q", rq.method, rq.path, r.status, got)
			continue
		}
		seen[got[0]] = true
	}
	// A client's own X-Request-Id is not echoed: ours identify our log lines.
	rq, _ := http.NewRequest("GET", e.srv.URL+"/openapi.json", nil)
	rq.Header.Set("X-Request-Id", "forged\x01id")
	res, err := e.srv.Client().Do(rq)
	if err == nil {
		res.Body.Close()
		if got := res.Header.Get("X-Request-Id"); !id.MatchString(got) {
			t.Errorf("client-sent id: %q", got)
		}
	}
}
