package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	get := func(hdr map[string]string) req { return req{method: "GET", path: "/tasks", hdr: hdr} }
	tok := e.tok["vera"]
	for name, hdr := range map[string]map[string]string{
		"bearer":          {"Authorization": "Bearer " + tok},
		"bearer any case": {"Authorization": "bearer " + tok},
		"bare (Fudo)":     {"Authorization": tok},
		"X-Auth-Token":    {"X-Auth-Token": tok},
		"both, same":      {"Authorization": "Bearer " + tok, "X-Auth-Token": tok},
	} {
		if r := e.do(get(hdr)); r.status != 200 {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	for name, tc := range map[string]struct {
		hdr  map[string]string
		want string
	}{
		"none":           {nil, "missing token"},
		"empty bearer":   {map[string]string{"Authorization": "Bearer "}, "missing token"},
		"unknown":        {map[string]string{"Authorization": "Bearer adk_" + strings.Repeat("A", 43)}, "invalid or expired token"},
		"garbage":        {map[string]string{"X-Auth-Token": "' OR 1=1 --"}, "invalid or expired token"},
		"basic":          {map[string]string{"Authorization": "Basic dmVyYTpwdw=="}, `"Basic"`},
		"two tokens":     {map[string]string{"Authorization": "Bearer " + tok, "X-Auth-Token": e.tok["alice"]}, "different tokens"},
		"token + suffix": {map[string]string{"Authorization": "Bearer " + tok + "x"}, "invalid"},
	} {
		r := e.fails(get(tc.hdr), 401, tc.want)
		if r.hdr.Get("WWW-Authenticate") != `Bearer realm="auditdeck"` {
			t.Errorf("%s: WWW-Authenticate %q", name, r.hdr.Get("WWW-Authenticate"))
		}
	}
	// Authentication comes before the body is looked at.
	e.fails(req{method: "POST", path: "/reports/downloads", body: `{not json`}, 401, "missing token")

	// Expired: a token with a one-hour life stops working after it.
	short := e.newToken("oscar", time.Hour)
	withShort := get(map[string]string{"Authorization": "Bearer " + short})
	if r := e.do(withShort); r.status != 200 {
		t.Fatalf("fresh short token: %d", r.status)
	}
	e.clock.advance(2 * time.Hour)
	e.fails(withShort, 401, "invalid or expired token")

	// Revoked.
	revokeMe := e.newToken("olga", 0)
	withRevoked := get(map[string]string{"X-Auth-Token": revokeMe})
	if r := e.do(withRevoked); r.status != 200 {
		t.Fatalf("token before revoke: %d", r.status)
	}
	list, err := e.tokens.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	revoked := false
	for _, rec := range list {
		if rec.User == "olga" {
			if err := e.tokens.Revoke(context.Background(), core.Actor{User: "root", Admin: true}, rec.ID); err != nil {
				t.Fatal(err)
			}
			revoked = true
		}
	}
	if !revoked {
		t.Fatal("no token of olga to revoke")
	}
	e.fails(withRevoked, 401, "invalid or expired token")

	// A user no longer in the users file loses their tokens.
	mallory := e.newToken("mallory", 0)
	e.fails(get(map[string]string{"Authorization": "Bearer " + mallory}), 401, "invalid or expired token")

	// The OpenAPI document needs no token; unknown paths are 404 with the
	// error body whether or not a token comes along.
	if r := e.do(req{method: "GET", path: "/openapi.json"}); r.status != 200 {
		t.Fatalf("openapi without token: %d", r.status)
	}
	e.fails(req{method: "GET", path: "/admin"}, 404, "no route")
}

// What each role may do, and that users reach only their own objects.
func TestRoles(t *testing.T) {
	e := newEnv(t)
	fudo := e.fudo
	// viewer: reads and runs their own exports; no triage, no definitions,
	// no subscriptions.
	e.ok(fudo("GET", "/api/v2/report/defined", "vera", ""), 200)
	e.ok(fudo("GET", "/api/v2/report/subscription", "vera", ""), 200)
	e.ok(req{method: "GET", path: "/activities", user: "vera"}, 200)
	veraTask := e.ok(req{method: "POST", path: "/reports/downloads", user: "vera", body: downloadBody("vera-export", "", "activity")}, 202)["task_id"].(string)
	for _, rq := range []req{
		{method: "PATCH", path: "/activities/x/triage", body: `{"state":"reviewed"}`},
		fudo("POST", "/api/v2/report/defined", "vera", `{"title":"mine"}`),
		fudo("PATCH", "/api/v2/report/defined/5", "vera", `{"title":"mine"}`),
		fudo("DELETE", "/api/v2/report/defined/5", "vera", ""),
		fudo("POST", "/api/v2/report/subscription", "vera", fudoSubscriptionSeed),
		fudo("DELETE", "/api/v2/report/subscription/1", "vera", ""),
	} {
		rq.user = "vera"
		if rq.hdr != nil {
			rq.hdr["Authorization"] = "Bearer " + e.tok["vera"]
			rq.user = ""
		}
		e.fails(rq, 403, "vera", "role viewer")
	}

	// Two operators: olga's objects do not exist for oscar.
	olgaTask := e.ok(req{method: "POST", path: "/reports/downloads", user: "olga", body: downloadBody("olga-export", "", "activity")}, 202)["task_id"].(string)
	olgaDef := createdID(t, e.ok(fudo("POST", "/api/v2/report/defined", "olga", `{"title":"Olga's logins","query_filter":"event_type.eq(login)"}`), 200), "defined_report")
	olgaSub := createdID(t, e.ok(fudo("POST", "/api/v2/report/subscription", "olga", `{"period":"week","defined_report_id":"`+olgaDef+`","time_zone":"Europe/Berlin"}`), 200), "defined_report_subscription")
	oscarSub := createdID(t, e.ok(fudo("POST", "/api/v2/report/subscription", "oscar", fudoSubscriptionSeed), 200), "defined_report_subscription")
	e.waitTask("olga", olgaTask)
	e.waitTask("vera", veraTask)

	for _, rq := range []req{
		{method: "GET", path: "/tasks/" + olgaTask},
		{method: "DELETE", path: "/tasks/" + olgaTask},
		{method: "GET", path: "/api/v2/report/" + olgaTask + "/csv"},
		{method: "DELETE", path: "/api/v2/report/" + olgaTask},
		fudo("PATCH", "/api/v2/report/defined/"+olgaDef, "oscar", `{"title":"taken"}`),
		fudo("DELETE", "/api/v2/report/defined/"+olgaDef, "oscar", ""),
		fudo("DELETE", "/api/v2/report/subscription/"+olgaSub, "oscar", ""),
		fudo("POST", "/api/v2/report/subscription", "oscar", `{"period":"day","defined_report_id":"`+olgaDef+`"}`),
	} {
		if rq.hdr == nil {
			rq.user = "oscar"
		}
		want := "not found"
		if strings.Contains(rq.body, "defined_report_id") {
			want = "no defined report"
			e.fails(rq, 400, want)
			continue
		}
		e.fails(rq, 404, want)
	}
	ids := func(user, path, list string) []string {
		m := e.ok(req{method: "GET", path: path, user: user}, 200)
		var items []any
		if list == "" {
			items = m["_embedded"].(map[string]any)["items"].([]any)
		} else {
			items = m[list].([]any)
		}
		var out []string
		for _, it := range items {
			out = append(out, it.(map[string]any)["id"].(string))
		}
		return out
	}
	has := func(list []string, id string) bool {
		for _, x := range list {
			if x == id {
				return true
			}
		}
		return false
	}
	if l := ids("oscar", "/tasks", ""); len(l) != 0 {
		t.Errorf("oscar sees tasks %v", l)
	}
	if l := ids("oscar", "/api/v2/report", "report"); len(l) != 0 {
		t.Errorf("oscar sees reports %v", l)
	}
	if l := ids("oscar", "/api/v2/report/defined", "defined_report"); has(l, olgaDef) {
		t.Errorf("oscar sees olga's definition")
	}
	if l := ids("oscar", "/api/v2/report/subscription", "defined_report_subscription"); len(l) != 1 || l[0] != oscarSub {
		t.Errorf("oscar's subscriptions %v", l)
	}
	if l := ids("vera", "/tasks", ""); len(l) != 1 || l[0] != veraTask {
		t.Errorf("vera's tasks %v", l)
	}

	// admin: everyone's objects.
	if l := ids("alice", "/tasks", ""); !has(l, olgaTask) || !has(l, veraTask) {
		t.Errorf("alice's task list %v", l)
	}
	if l := ids("alice", "/api/v2/report/defined", "defined_report"); !has(l, olgaDef) {
		t.Errorf("alice does not see olga's definition")
	}
	if l := ids("alice", "/api/v2/report/subscription", "defined_report_subscription"); !has(l, olgaSub) || !has(l, oscarSub) {
		t.Errorf("alice's subscriptions %v", l)
	}
	e.ok(req{method: "GET", path: "/tasks/" + olgaTask, user: "alice"}, 200)
	if r := e.do(req{method: "GET", path: "/api/v2/report/" + olgaTask + "/csv", user: "alice"}); r.status != 200 {
		t.Errorf("alice download: %d", r.status)
	}
	e.ok(fudo("PATCH", "/api/v2/report/defined/"+olgaDef, "alice", `{"title":"Renamed by the admin"}`), 200)
	e.ok(fudo("DELETE", "/api/v2/report/subscription/"+olgaSub, "alice", ""), 200)
	e.ok(fudo("DELETE", "/api/v2/report/"+veraTask, "alice", ""), 200)
	e.fails(req{method: "GET", path: "/tasks/" + veraTask, user: "vera"}, 404, "not found")
}
