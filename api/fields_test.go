package api_test

import (
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/store/storetest"
)

// GET /fields lists the stored events' fields with their statistics, for
// any reader, narrowed by ?prefix=; such a field filters GET /activities.
func TestFields(t *testing.T) {
	e := newEnv(t)
	storetest.Ingest(t, e.eng, strings.NewReader(`{"event_id":"x1","created_at":"2026-10-01T00:00:00Z","custom":{"tenant":"acme"},"risk_score":70}`+"\n"))
	m := e.ok(req{method: "GET", path: "/fields", user: "vera"}, 200)
	keys(t, "/fields", m, "fields", "complete")
	fields, _ := m["fields"].([]any)
	byPath := map[string]map[string]any{}
	for _, f := range fields {
		fm := f.(map[string]any)
		keys(t, "/fields item", fm, "path", "types", "rows", "distinct", "first_seen", "last_seen")
		byPath[fm["path"].(string)] = fm
	}
	id, tenant := byPath["event_id"], byPath["custom.tenant"]
	if m["complete"] != true || id == nil || id["rows"].(float64) < 2 || tenant == nil || tenant["rows"] != 1.0 || tenant["distinct"] != 1.0 ||
		tenant["first_seen"] != "2026-10-01T00:00:00Z" || tenant["last_seen"] != "2026-10-01T00:00:00Z" || tenant["types"].([]any)[0] != "string" {
		t.Fatalf("fields: %v", m)
	}
	m = e.ok(req{method: "GET", path: "/fields?prefix=custom.", user: "vera"}, 200)
	if f, _ := m["fields"].([]any); len(f) != 1 {
		t.Errorf("?prefix=custom.: %v", m)
	}
	e.fails(req{method: "GET", path: "/fields"}, 401)
	e.fails(req{method: "GET", path: "/fields?prefix=a&prefix=b", user: "vera"}, 400, "prefix")
	e.fails(req{method: "GET", path: "/fields?pfx=a", user: "vera"}, 400, "pfx")
	m = e.ok(req{method: "GET", path: "/activities?filter=custom.tenant.eq(acme)", user: "vera"}, 200)
	if m["total"] != 1.0 {
		t.Errorf("filter on a stored field: %v", m)
	}
}
