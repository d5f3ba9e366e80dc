package api_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TestActivitiesWarnings: a filter on a field no stored event has answers
// its (empty) page plus a warnings array naming the field and the closest
// stored one; a correct filter has no warnings key.
func TestActivitiesWarnings(t *testing.T) {
	e := newEnv(t)
	m := e.ok(req{method: "GET", path: "/activities?filter=" + url.QueryEscape("extra.auth.is_suspcious"), user: "vera"}, 200)
	keys(t, "typo", m, "limit", "offset", "total", "results", "items", "warnings")
	w, _ := m["warnings"].([]any)
	want := `no event has field "extra.auth.is_suspcious"; did you mean "extra.auth.is_suspicious"?`
	if m["total"] != 0.0 || len(w) != 1 || w[0] != want {
		t.Fatalf("page %v, want total 0 and warnings [%s]", m, want)
	}
	m = e.ok(req{method: "GET", path: "/activities?filter=" + url.QueryEscape("extra.auth.is_suspicious"), user: "vera"}, 200)
	keys(t, "right", m, "limit", "offset", "total", "results", "items")
	if m["total"] == 0.0 {
		t.Fatalf("no suspicious events: %v", m)
	}
	// A bare word searches the events' text.
	m = e.ok(req{method: "GET", path: "/activities?filter=harpenden", user: "vera"}, 200)
	if m["total"] == 0.0 || m["warnings"] != nil {
		t.Fatalf("harpenden: %v", m)
	}
}

// TestActivitiesFilterLimits: filters over the limits are a 400 naming the
// parameter or the position, before any row is read.
func TestActivitiesFilterLimits(t *testing.T) {
	e := newEnv(t)
	ids := make([]string, 257)
	args := make([]string, 257)
	for i := range ids {
		ids[i] = fmt.Sprintf("google:auth:%d%%230", i)
		args[i] = "x"
	}
	e.fails(req{method: "GET", path: "/activities?ids=" + strings.Join(ids, ","), user: "vera"}, 400, `parameter "ids"`, "at most 256 arguments in one term")
	e.fails(req{method: "GET", path: "/activities?filter=" + url.QueryEscape("raw.icontains("+strings.Join(args, ",")+")"), user: "vera"}, 400,
		`parameter "filter"`, "at position 526", "at most 256 arguments in one term")
	e.fails(req{method: "GET", path: "/activities?filter=" + url.QueryEscape(strings.Repeat("raw.a,", 64)+"raw.b"), user: "vera"}, 400,
		`parameter "filter"`, "at position 384", "at most 64 terms")
	// Times far out are accepted.
	m := e.ok(req{method: "GET", path: "/activities?created_after=0001-01-01&filter=" + url.QueryEscape("created_at.le(9999-12-31)"), user: "vera"}, 200)
	if m["total"] == 0.0 {
		t.Fatalf("years 0001 to 9999: %v", m)
	}
}

// TestActivitiesOrderLimit: an order of thousands of keys cost seconds per
// request (every key compared on every row); it is capped like filters.
func TestActivitiesOrderLimit(t *testing.T) {
	e := newEnv(t)
	keys := make([]string, 3000)
	for i := range keys {
		keys[i] = fmt.Sprintf("raw.f%d", i)
	}
	e.fails(req{method: "GET", path: "/activities?order=" + strings.Join(keys, ","), user: "vera"}, 400, `parameter "order"`, "at most 16 keys")
	e.ok(req{method: "GET", path: "/activities?order=" + strings.Join(keys[:16], ","), user: "vera"}, 200)
}
