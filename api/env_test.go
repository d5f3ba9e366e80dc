package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/api"
	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
	"github.com/auditdeck/auditdeck/store/storetest"
)

// fixtureNow is half a day after the fixture's newest events, so the
// seed's "last 86400 seconds" filter selects some of them.
var fixtureNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Users of the users file: one admin, two operators (to check that one
// cannot reach the other's objects) and a viewer.
const usersFile = `users:
  - name: alice
    role: admin
  - name: oscar
    role: operator
  - name: olga
    role: operator
    time_zone: Asia/Tokyo
  - name: vera
    role: viewer
`

type env struct {
	t      testing.TB
	dir    string
	srv    *httptest.Server
	eng    *core.Engine
	tokens *access.Tokens
	clock  *testClock
	tok    map[string]string // user -> token
}

const testMaxBody = 64 << 10

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, core.TaskOptions{})
}

// newEnvWith runs the task runner with opts (Dir is the env's own).
func newEnvWith(t testing.TB, opts core.TaskOptions) *env {
	t.Helper()
	dir := t.TempDir()
	clock := &testClock{t: fixtureNow}
	eng := storetest.Engine(t, core.WithClock(clock.now), core.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	e := &env{t: t, dir: dir, eng: eng, clock: clock, tok: map[string]string{}}
	t.Cleanup(func() {
		if e.srv != nil {
			e.srv.Close()
		}
	})
	if rep := storetest.Ingest(t, eng, bytes.NewReader(storetest.Fixture(t, "seed_activities.json"))); rep.Ingested == 0 {
		t.Fatalf("ingest seed_activities.json: %+v", rep)
	}
	usersPath := filepath.Join(dir, "users.yaml")
	if err := os.WriteFile(usersPath, []byte(usersFile), 0o600); err != nil {
		t.Fatal(err)
	}
	users, err := access.OpenDirectory(usersPath)
	if err != nil {
		t.Fatal(err)
	}
	opts.Dir = filepath.Join(dir, "exports")
	if opts.IsAdmin == nil {
		// As serve: work done for a user without a session (scheduled
		// reports, user_id subscriptions) follows the users file's role.
		opts.IsAdmin = func(name string) bool {
			u, ok := users.Users().Lookup(name)
			return ok && u.Role == access.Admin
		}
	}
	if _, err := eng.StartTasks(opts); err != nil {
		t.Fatal(err)
	}
	e.tokens = access.NewTokens(eng)
	for _, u := range []string{"alice", "oscar", "olga", "vera"} {
		e.tok[u] = e.newToken(u, 0)
	}
	h := api.New(api.Options{Engine: eng, Users: users, Tokens: e.tokens, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxBodyBytes: testMaxBody})
	e.srv = httptest.NewUnstartedServer(h)
	e.srv.Config = api.NewServer("", h)
	e.srv.Start()
	if !strings.HasPrefix(e.srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server is not on loopback: %s", e.srv.URL)
	}
	return e
}

func (e *env) newToken(user string, ttl time.Duration) string {
	e.t.Helper()
	tok, _, err := e.tokens.Create(context.Background(), core.Actor{User: "root", Admin: true, From: "test"}, access.TokenRequest{User: user, TTL: ttl})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// req is one HTTP request; auth is the header form the seeds use.
type req struct {
	method string
	path   string
	body   string
	user   string            // token of this user, as "Authorization: Bearer"
	hdr    map[string]string // extra headers, set after the token
}

type resp struct {
	status int
	hdr    http.Header
	body   []byte
}

func (e *env) do(rq req) resp {
	e.t.Helper()
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	hr, err := http.NewRequest(rq.method, e.srv.URL+rq.path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if rq.user != "" {
		hr.Header.Set("Authorization", "Bearer "+e.tok[rq.user])
	}
	if rq.body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range rq.hdr {
		if v == "" {
			hr.Header.Del(k)
			continue
		}
		hr.Header.Set(k, v)
	}
	res, err := e.srv.Client().Do(hr)
	if err != nil {
		e.t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read: %v", rq.method, rq.path, err)
	}
	return resp{status: res.StatusCode, hdr: res.Header, body: b}
}

// ok sends a request that must answer status and decodes the JSON object.
func (e *env) ok(rq req, status int) map[string]any {
	e.t.Helper()
	r := e.do(rq)
	if r.status != status {
		e.t.Fatalf("%s %s: status %d, want %d: %s", rq.method, rq.path, r.status, status, r.body)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		e.t.Fatalf("%s %s: body is not a JSON object: %v: %s", rq.method, rq.path, err, r.body)
	}
	return m
}

// fails sends a request that must answer status with the error body, whose
// message contains every part of want.
func (e *env) fails(rq req, status int, want ...string) resp {
	e.t.Helper()
	r := e.do(rq)
	checkError(e.t, rq.method+" "+rq.path, r, status, want...)
	return r
}

func checkError(t testing.TB, what string, r resp, status int, want ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.status, status, r.body)
	}
	if ct := r.hdr.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: error Content-Type %q", what, ct)
	}
	var body struct {
		Errors []struct {
			ErrorCode    *int    `json:"error_code"`
			ErrorMessage *string `json:"error_message"`
		} `json:"errors"`
		// HSS routes add Huawei's top-level pair; TestHSSErrorShape checks it.
		HSSCode *string `json:"error_code"`
		HSSMsg  *string `json:"error_msg"`
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || len(body.Errors) != 1 || body.Errors[0].ErrorCode == nil || body.Errors[0].ErrorMessage == nil {
		t.Fatalf("%s: not the error shape: %v: %s", what, err, r.body)
	}
	if *body.Errors[0].ErrorCode != status {
		t.Errorf("%s: error_code %d, want %d", what, *body.Errors[0].ErrorCode, status)
	}
	for _, w := range want {
		if !strings.Contains(*body.Errors[0].ErrorMessage, w) {
			t.Errorf("%s: error message %q lacks %q", what, *body.Errors[0].ErrorMessage, w)
		}
	}
}

// waitTask polls GET /tasks/{id} until the task is final. That route
// speaks Clumio's task vocabulary (completed, failed, aborted); the task
// returned carries the engine's names (succeeded, failed, canceled) in
// "status", as the Fudo and HSS routes report them, and the Clumio one in
// "clumio_status". TestClumioTaskVocabulary checks the route itself.
func (e *env) waitTask(user, id string) map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		m := e.ok(req{method: "GET", path: "/tasks/" + id, user: user}, 200)
		if engine, ok := map[any]string{"completed": "succeeded", "failed": "failed", "aborted": "canceled"}[m["status"]]; ok {
			m["clumio_status"], m["status"] = m["status"], engine
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("task %s did not finish", id)
	return nil
}

// keys checks that a JSON object has exactly these keys.
func keys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	if len(m) != len(want) {
		t.Errorf("%s: keys %v, want %v", what, mapKeys(m), want)
	}
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: missing %q in %v", what, k, mapKeys(m))
		}
	}
}

func mapKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
