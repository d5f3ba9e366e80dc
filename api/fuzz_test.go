package api_test

import (
	"bytes"
	"encoding/json"
	"hash/fnv"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/api"
)

// documentedRoutes are "METHOD /pattern" for every route, read from the
// OpenAPI document (TestOpenAPIMatchesRoutes keeps it equal to the routes
// the server registers), sorted so that a route index means the same route
// on every run.
func documentedRoutes(t testing.TB) []string {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for path, ops := range doc.Paths {
		for m := range ops {
			out = append(out, strings.ToUpper(m)+" "+path)
		}
	}
	sort.Strings(out)
	return out
}

var (
	wildcard    = regexp.MustCompile(`\{[^}]+\}`)
	methodToken = regexp.MustCompile(`^[A-Z]{1,12}$`)
)

// fuzzUsers are the identities a fuzzed request may carry: every role, no
// token, and a token that is not one.
var fuzzUsers = []string{"alice", "oscar", "vera", "", "bogus"}

// FuzzRoutes sends arbitrary requests to every route of a real server on
// 127.0.0.1: any method, path values, query, body and Content-Type, with
// any of the roles. No answer may be a 5xx other than a deliberate 503,
// no request may break the connection, and every error must be the
// documented error body. The seeds in testdata/fuzz/FuzzRoutes (run by
// plain `go test`) hold the inputs that once found a 500; run the fuzzer
// with
//
//	go test ./api -run '^$' -fuzz FuzzRoutes -fuzztime 3m -parallel 1
func FuzzRoutes(f *testing.F) {
	e := newEnv(f)
	routes := documentedRoutes(f)
	// Objects that exist, so that path values can reach them: a defined
	// report of oscar's and a finished export of vera's.
	def := e.ok(req{method: "POST", path: "/api/v2/report/defined", user: "oscar", body: `{"title":"fuzz","query_filter":"event_type.eq(login)","columns":[["event_id","ID"]]}`}, 200)["defined_report"].(map[string]any)["id"].(string)
	exp := e.ok(req{method: "POST", path: "/reports/downloads", user: "vera", body: downloadBody("fuzz", "", "activity")}, 202)["task_id"].(string)
	e.waitTask("vera", exp)

	for i, rt := range routes {
		method, _, _ := strings.Cut(rt, " ")
		f.Add(rt, "", "x1", "", []byte(`{}`), "application/json", uint8(i))
		f.Add(rt, method, "../..", "limit=1&filter=%7B", []byte(`[[["a","b"]]]`), "text/plain", uint8(i+1))
	}
	// Bodies of the right shape, on objects that exist, for the fuzzer to
	// mutate from.
	for _, s := range []struct {
		route, path, query, body, ct string
		auth                         uint8 // index into fuzzUsers; +5 plain Authorization, +10 X-Auth-Token
	}{
		{"POST /reports/downloads", "", "", `{"file_name":"a","type":"activity","filter":"{\"activity_start_timestamp\":{\"$eq\":86400},\"event_type\":{\"$in\":[\"login\"]}}"}`, "application/api.clumio.report-downloads=v1+json", 2},
		{"GET /reports/downloads", "", "limit=1&start=1", `{"filter":"{\"report_type\":{\"$in\":[\"audit\"]}}","limit":null,"start":"1"}`, "text/plain; charset=utf-8", 2},
		{"GET /tasks", "", "limit=2&start=1&filter=%7B%22status%22%3A%7B%22%24in%22%3A%5B%22queued%22%5D%7D%7D", "", "", 0},
		{"PATCH /tasks/{task_id}", exp, "", `{"status":"aborted"}`, "text/plain; charset=utf-8", 2},
		{"GET /tasks/{task_id}", exp, "", "", "", 12},
		{"GET /api/v2/report/{id}/{format}", exp, "", "", "", 2},
		{"GET /activities", "", "event_type=login&ids=a%230&created_after=2026-10-01&limit=20.0&offset=1&filter=%21operation_successful&order=-created_at", "", "", 2},
		{"GET /api/v2/activities", "", "order=event_type,-created_at&limit=5", "", "", 7},
		{"PATCH /activities/{id}/triage", "-6285966971996490902#0", "", `{"state":"escalated","note":"n"}`, "application/json", 1},
		{"POST /api/v2/report", "", "", `{"criteria":[{"field":"event_type","value":["login","other"]},{"field":"user.user_email","value":null}],"defined_report_id":"` + def + `","title":"t"}`, "application/json", 1},
		{"POST /api/v2/report/defined", "", "", `{"title":"t","type":"audit","query_filter":"action.eq(x)","query_order":"!at","columns":[["user","User"]]}`, "application/json", 6},
		{"PATCH /api/v2/report/defined/{id}", def, "", `{"title":"u","query_filter":"vendor.name.iin(google)","query_order":"created_at","columns":[["event_id","E"]]}`, "application/json", 1},
		{"POST /api/v2/report/subscription", "", "", `{"period":"month","defined_report_id":"` + def + `","time_zone":"Europe/Warsaw","formats":["csv","pdf"]}`, "application/json", 1},
		// Issue 9 item 15: an empty format name was a 500.
		{"POST /api/v2/report/subscription", "", "", `{"period":"week","defined_report_id":"6","formats":[""]}`, "application/json", 1},
		{"POST /v5/{project_id}/event/export", "p1", "last_days=7&category=auth&export_size=5&handle_status=unhandled&event_id=x", `[["event_id","ID"],["created_at","Time"]]`, "application/json;charset=UTF-8", 12},
	} {
		f.Add(s.route, "", s.path, s.query, []byte(s.body), s.ct, s.auth)
	}

	client := e.srv.Client()
	client.Timeout = 30 * time.Second
	f.Fuzz(func(t *testing.T, route, method, pathValue, rawQuery string, body []byte, contentType string, auth uint8) {
		// route names a route; any other string picks one by its hash, so
		// mutated inputs still spread over all routes.
		i := slices.Index(routes, route)
		if i < 0 {
			h := fnv.New32a()
			h.Write([]byte(route))
			i = int(h.Sum32() % uint32(len(routes)))
		}
		rt := routes[i]
		routeMethod, pattern, _ := strings.Cut(rt, " ")
		if method == "" {
			method = routeMethod
		}
		if !methodToken.MatchString(method) || method == "CONNECT" {
			t.Skip("not a method a client can send")
		}
		if strings.IndexFunc(rawQuery, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '#' }) >= 0 {
			t.Skip("not a query a client can send: net/http would write it into the request line as is")
		}
		path := wildcard.ReplaceAllLiteralString(pattern, url.PathEscape(pathValue))
		target := e.srv.URL + path
		if rawQuery != "" {
			target += "?" + rawQuery
		}
		var rd io.Reader
		if len(body) > 0 {
			rd = bytes.NewReader(body)
		}
		rq, err := http.NewRequest(method, target, rd)
		if err != nil {
			t.Skip("not a request a client can send")
		}
		if contentType != "" {
			if strings.IndexFunc(contentType, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) >= 0 {
				t.Skip("not a header a client can send")
			}
			rq.Header.Set("Content-Type", contentType)
		}
		user := fuzzUsers[int(auth)%len(fuzzUsers)]
		tok := e.tok[user]
		if user == "bogus" {
			tok = "bogus-token"
		}
		if tok != "" {
			switch (int(auth) / len(fuzzUsers)) % 3 {
			case 0:
				rq.Header.Set("Authorization", "Bearer "+tok)
			case 1:
				rq.Header.Set("Authorization", tok)
			default:
				rq.Header.Set("X-Auth-Token", tok)
			}
		}
		res, err := client.Do(rq)
		if err != nil {
			t.Fatalf("%s %s: the server broke the connection: %v", method, target, err)
		}
		got, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("%s %s: the response broke off: %v", method, target, err)
		}
		if res.StatusCode >= 500 && res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%s %s (Content-Type %q, body %q): %d %s", method, target, contentType, body, res.StatusCode, got)
		}
		if res.StatusCode >= 400 && method != http.MethodHead {
			checkError(t, method+" "+target, resp{status: res.StatusCode, hdr: res.Header, body: got}, res.StatusCode)
		}
		if res.Header.Get("X-Request-Id") == "" {
			t.Fatalf("%s %s: no X-Request-Id", method, target)
		}
	})
}
