package api_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/store/storetest"
)

// GET /activities/stats with count_if (its filter's commas inside its
// parentheses) and first/last: integers and exact RFC 3339 times.
func TestActivityStatsCountIfFirstLast(t *testing.T) {
	e := newEnv(t)
	storetest.Ingest(t, e.eng, strings.NewReader(strings.Join([]string{
		`{"event_id":"c1","created_at":"2026-10-01T01:00:00.000000001Z","event_type":"login","operation_successful":false,"user":{"user_email":"alice@x.io"},"batch":"c"}`,
		`{"event_id":"c2","created_at":"2026-10-01T02:00:00Z","event_type":"login","operation_successful":true,"user":{"user_email":"alice@x.io"},"batch":"c"}`,
		`{"event_id":"c3","created_at":"2026-10-02T03:00:00.5Z","event_type":"logout","operation_successful":false,"user":{"user_email":"alice@x.io"},"batch":"c"}`,
	}, "\n")+"\n"))
	stats := "count(),count_if(event_type.eq(login),operation_successful.eq(false)),first(),last()"
	m := e.ok(req{method: "GET", path: "/activities/stats?by=user.user_email&stats=" + url.QueryEscape(stats) + "&filter=" + url.QueryEscape("batch.eq(c)"), user: "vera"}, 200)
	want := "[count() count_if(event_type.eq(login),operation_successful.eq(false)) first() last()]"
	if fmt.Sprint(m["stats"]) != want {
		t.Fatalf("stats: %v, want %s", m["stats"], want)
	}
	groups := m["groups"].([]any)
	if len(groups) != 1 {
		t.Fatalf("groups: %v", m)
	}
	st := groups[0].(map[string]any)["stats"].(map[string]any)
	if st["count()"] != 3.0 || st["count_if(event_type.eq(login),operation_successful.eq(false))"] != 1.0 ||
		st["first()"] != "2026-10-01T01:00:00.000000001Z" || st["last()"] != "2026-10-02T03:00:00.5Z" {
		t.Errorf("group stats: %v", st)
	}
	e.fails(req{method: "GET", path: "/activities/stats?stats=count_if()", user: "vera"}, 400, "count_if")
}
