package api_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/store/storetest"
)

// GET /activities/stats counts the matches by field over HTTP, for any
// reader, with top-N and other, metrics, time buckets and missing as null.
func TestActivityStats(t *testing.T) {
	e := newEnv(t)
	storetest.Ingest(t, e.eng, strings.NewReader(strings.Join([]string{
		`{"event_id":"s1","created_at":"2026-10-01T01:00:00Z","event_type":"login","operation_successful":false,"user":{"user_email":"alice@x.io"},"batch":"t","n":2}`,
		`{"event_id":"s2","created_at":"2026-10-01T02:00:00Z","event_type":"login","operation_successful":false,"user":{"user_email":"alice@x.io"},"batch":"t","n":4}`,
		`{"event_id":"s3","created_at":"2026-10-02T03:00:00Z","event_type":"login","operation_successful":false,"user":{"user_email":"bob@x.io"},"batch":"t"}`,
		`{"event_id":"s4","created_at":"2026-10-02T04:00:00Z","event_type":"login","operation_successful":false,"batch":"t","n":"7"}`,
		`{"event_id":"s5","created_at":"2026-10-02T05:00:00Z","event_type":"logout","user":{"user_email":"carol@x.io"},"batch":"t"}`,
	}, "\n")+"\n"))
	get := func(params string) map[string]any {
		t.Helper()
		return e.ok(req{method: "GET", path: "/activities/stats?" + params, user: "vera"}, 200)
	}
	m := get("by=user.user_email&top=1&stats=count(),avg(n),distinct(n)&event_type=login&filter=" + url.QueryEscape("batch.eq(t)"))
	keys(t, "/activities/stats", m, "rows", "by", "stats", "groups", "other", "total_groups", "approximate", "max_error", "warnings")
	groups := m["groups"].([]any)
	if m["rows"] != 4.0 || len(groups) != 1 || fmt.Sprint(m["by"]) != "[user.user_email]" || fmt.Sprint(m["stats"]) != "[count() avg(n) distinct(n)]" {
		t.Fatalf("stats: %v", m)
	}
	g := groups[0].(map[string]any)
	keys(t, "stats group", g, "key", "count", "stats")
	st := g["stats"].(map[string]any)
	if fmt.Sprint(g["key"]) != "[alice@x.io]" || g["count"] != 2.0 || st["count()"] != 2.0 || st["avg(n)"] != 3.0 || st["distinct(n)"] != 2.0 {
		t.Errorf("top group: %v", g)
	}
	if o := m["other"].(map[string]any); o["count"] != 2.0 || o["groups"] != 2.0 || m["total_groups"] != 3.0 || m["approximate"] != false {
		t.Errorf("other: %v", m)
	}
	// Every group: the missing user is null; a string "7" is no number for avg.
	m = get("by=user.user_email&top=0&stats=avg(n)&filter=" + url.QueryEscape("batch.eq(t),event_type.eq(login)"))
	var lines []string
	for _, x := range m["groups"].([]any) {
		g := x.(map[string]any)
		lines = append(lines, fmt.Sprint(g["key"], g["count"], g["stats"].(map[string]any)["avg(n)"]))
	}
	if want := "[alice@x.io] 2 3|[<nil>] 1 <nil>|[bob@x.io] 1 <nil>"; strings.Join(lines, "|") != want {
		t.Errorf("groups: %s, want %s", strings.Join(lines, "|"), want)
	}
	m = get("by=" + url.QueryEscape("time(1d),event_type") + "&filter=" + url.QueryEscape("batch.eq(t)"))
	lines = nil
	for _, x := range m["groups"].([]any) {
		g := x.(map[string]any)
		lines = append(lines, fmt.Sprint(g["key"], g["count"]))
	}
	if want := "[2026-10-01T00:00:00Z login] 2|[2026-10-02T00:00:00Z login] 2|[2026-10-02T00:00:00Z logout] 1"; strings.Join(lines, "|") != want {
		t.Errorf("time buckets: %s, want %s", strings.Join(lines, "|"), want)
	}
	// No key: one group of every match (the seed fixture too).
	all := e.ok(req{method: "GET", path: "/activities?limit=1", user: "vera"}, 200)
	if m = get(""); m["rows"] != all["total"] || len(m["groups"].([]any)) != 1 {
		t.Errorf("no key: %v rows, /activities total %v", m["rows"], all["total"])
	}

	e.fails(req{method: "GET", path: "/activities/stats?by=user.user_email"}, 401)
	e.fails(req{method: "GET", path: "/activities/stats?by=user.user_emial", user: "vera"}, 400, "user.user_email")
	e.fails(req{method: "GET", path: "/activities/stats?by=a,b,c,d", user: "vera"}, 400, "at most 3")
	e.fails(req{method: "GET", path: "/activities/stats?stats=median(n)", user: "vera"}, 400, "unknown aggregate")
	e.fails(req{method: "GET", path: "/activities/stats?top=-1", user: "vera"}, 400, "top")
	e.fails(req{method: "GET", path: "/activities/stats?by=x&by=y", user: "vera"}, 400, "more than once")
	e.fails(req{method: "GET", path: "/activities/stats?limit=3", user: "vera"}, 400, "limit")
	e.fails(req{method: "GET", path: "/activities/stats?filter=" + url.QueryEscape("event_type.eq("), user: "vera"}, 400)
}
