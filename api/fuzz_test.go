package api_test

import (
	"bytes"
	"encoding/json"
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
	for i, rt := range routes {
		method, _, _ := strings.Cut(rt, " ")
		f.Add(uint8(i), "", "x1", "", []byte(`{}`), "application/json", uint8(i))
		f.Add(uint8(i), method, "../..", "limit=1&filter=%7B", []byte(`[[["a","b"]]]`), "text/plain", uint8(i+1))
	}
	// Issue 9 item 15: an empty format name was a 500.
	f.Add(uint8(slices.Index(routes, "POST /api/v2/report/subscription")), "", "", "", []byte(`{"period":"week","defined_report_id":"6","formats":[""]}`), "application/json", uint8(1))

	client := e.srv.Client()
	client.Timeout = 30 * time.Second
	f.Fuzz(func(t *testing.T, route uint8, method, pathValue, rawQuery string, body []byte, contentType string, auth uint8) {
		rt := routes[int(route)%len(routes)]
		routeMethod, pattern, _ := strings.Cut(rt, " ")
		if method == "" {
			method = routeMethod
		}
		if !methodToken.MatchString(method) || method == "CONNECT" {
			t.Skip("not a method a client can send")
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
			if strings.ContainsAny(contentType, "\r\n\x00") {
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
