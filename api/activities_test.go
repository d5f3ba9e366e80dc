package api_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// The three URL examples of the Cloudlock seed, host replaced.
func TestCloudlockSeedExamples(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		query string
		check func(items []any) string
	}{
		{"event_type=user_settings", func(items []any) string {
			for _, it := range items {
				if it.(map[string]any)["event_type"] != "user_settings" {
					return "an item is not user_settings"
				}
			}
			if len(items) == 0 {
				return "no user_settings events"
			}
			return ""
		}},
		// Neither id is in the fixture: an empty page of the same shape.
		{"ids=google:auth:-1595373817266362937%230,aws:CloudTrail:d891a0e2-4aaa-4cea-b237-da3d103ccbef", func(items []any) string {
			if len(items) != 0 {
				return "unknown ids matched"
			}
			return ""
		}},
		{"created_after=2016-01-01", func(items []any) string {
			if len(items) != 50 {
				return "want a full default page of 50"
			}
			return ""
		}},
	} {
		m := e.ok(req{method: "GET", path: "/activities?" + tc.query, user: "vera"}, 200)
		keys(t, tc.query, m, "limit", "offset", "total", "results", "items")
		items, _ := m["items"].([]any)
		if m["limit"] != 50.0 || m["offset"] != 0.0 || m["results"] != float64(len(items)) {
			t.Errorf("%s: page %v %v %v with %d items", tc.query, m["limit"], m["offset"], m["results"], len(items))
		}
		v, _ := url.ParseQuery(tc.query)
		f, err := query.ParseCloudlockParams(v)
		if err != nil {
			t.Fatal(err)
		}
		total, err := e.eng.Count(context.Background(), f)
		if err != nil || m["total"] != float64(total) {
			t.Errorf("%s: total %v, engine counts %d (%v)", tc.query, m["total"], total, err)
		}
		if msg := tc.check(items); msg != "" {
			t.Errorf("%s: %s", tc.query, msg)
		}
	}
}

// The seed's own page comes back item for item: same fields, same values,
// newest first.
func TestActivitiesSeedPageRoundTrip(t *testing.T) {
	e := newEnv(t)
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "seed_activities.json"))
	if err != nil {
		t.Fatal(err)
	}
	var seed map[string]any
	if err := json.Unmarshal(raw, &seed); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range seed["items"].([]any) {
		ids = append(ids, url.QueryEscape(it.(map[string]any)["event_id"].(string)))
	}
	m := e.ok(req{method: "GET", path: "/activities?limit=3&ids=" + strings.Join(ids, ","), user: "vera"}, 200)
	if m["total"] != 3.0 || m["results"] != 3.0 || m["limit"] != 3.0 {
		t.Fatalf("page %v", m)
	}
	if !reflect.DeepEqual(m["items"], seed["items"]) {
		got, _ := json.MarshalIndent(m["items"], "", " ")
		t.Fatalf("items differ from the seed's:\n%s", got)
	}
}

func TestActivitiesPaging(t *testing.T) {
	e := newEnv(t)
	all := e.ok(req{method: "GET", path: "/activities?limit=1000", user: "vera"}, 200)
	total := int(all["total"].(float64))
	if total != 309 || all["results"] != float64(total) || len(all["items"].([]any)) != total {
		t.Fatalf("total %d results %v", total, all["results"])
	}
	items := all["items"].([]any)
	page := e.ok(req{method: "GET", path: "/activities?limit=20&offset=300", user: "vera"}, 200)
	got := page["items"].([]any)
	if page["results"] != float64(total-300) || len(got) != total-300 {
		t.Fatalf("last page: results %v, %d items", page["results"], len(got))
	}
	for i := range got {
		if got[i].(map[string]any)["event_id"] != items[300+i].(map[string]any)["event_id"] {
			t.Fatalf("offset page item %d differs", i)
		}
	}
	beyond := e.ok(req{method: "GET", path: "/activities?offset=5000", user: "vera"}, 200)
	if beyond["results"] != 0.0 || len(beyond["items"].([]any)) != 0 || beyond["total"] != float64(total) {
		t.Fatalf("past the end: %v", beyond)
	}
	// filter DSL and order on top of the seed's parameters
	f := e.ok(req{method: "GET", path: "/activities?event_type=login&filter=" + url.QueryEscape("!operation_successful,created_at.ge(2026-10-02)") + "&order=created_at", user: "vera"}, 200)
	fi := f["items"].([]any)
	if len(fi) == 0 {
		t.Fatal("no failed logins")
	}
	prev := ""
	for _, it := range fi {
		a := it.(map[string]any)
		if a["event_type"] != "login" || a["operation_successful"] != false {
			t.Fatalf("filter let through %v", a["event_id"])
		}
		if c := a["created_at"].(string); c < prev {
			t.Fatalf("order=created_at is not ascending: %s after %s", c, prev)
		} else {
			prev = c
		}
	}
}

func TestActivitiesBadParameters(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"limit=1001", []string{`"limit"`, "1 to 1000"}},
		{"limit=0", []string{`"limit"`}},
		{"limit=ten", []string{`"limit"`, `"ten"`}},
		{"offset=-1", []string{`"offset"`}},
		{"limit=5&limit=6", []string{"more than once"}},
		{"created_after=yesterday", []string{"created_after", "RFC 3339"}},
		{"filter=" + url.QueryEscape("event_type.eq(login"), []string{"position 19"}},
		{"filter=" + url.QueryEscape("event_type.eq(login),event_typ.eq(x)"), []string{"position 21", `unknown field "event_typ"`}},
		{"filter=" + url.QueryEscape("operation_successful.eq(maybe)"), []string{"operation_successful", "maybe"}},
		{"order=" + url.QueryEscape("!!created_at"), []string{"order", "position"}},
		{"order=nosuchfield", []string{"order", "nosuchfield"}},
		{"limt=10", []string{`unknown query parameter "limt"`}},
	} {
		e.fails(req{method: "GET", path: "/activities?" + tc.query, user: "vera"}, 400, tc.want...)
	}
}

func TestTriage(t *testing.T) {
	e := newEnv(t)
	id := "-6285966971996490902#0"
	path := "/activities/" + url.PathEscape(id) + "/triage"
	a := e.ok(req{method: "PATCH", path: path, user: "oscar", body: `{"state":"escalated","note":"ask the user"}`}, 200)
	tri, _ := a["triage"].(map[string]any)
	if a["event_id"] != id || tri["state"] != "escalated" || tri["note"] != "ask the user" || tri["by"] != "oscar" {
		t.Fatalf("triaged activity %v", a)
	}
	page := e.ok(req{method: "GET", path: "/activities?filter=" + url.QueryEscape("triage.state.eq(escalated)"), user: "vera"}, 200)
	if page["total"] != 1.0 || page["items"].([]any)[0].(map[string]any)["event_id"] != id {
		t.Fatalf("escalated page %v", page)
	}
	// The audit log names the user and where the request came from.
	var found bool
	err := e.eng.Events().ScanAudit(context.Background(), time.Time{}, fixtureNow.Add(time.Hour), func(a core.AuditEntry) error {
		if a.Action == "triage.set" && a.User == "oscar" && strings.HasPrefix(a.From, "api 127.0.0.1:") && a.Target == id {
			found = true
		}
		return nil
	})
	if err != nil || !found {
		t.Fatalf("no audit entry for the API triage (%v)", err)
	}

	e.fails(req{method: "PATCH", path: path, user: "vera", body: `{"state":"reviewed"}`}, 403, "vera", "viewer", "triage")
	e.fails(req{method: "PATCH", path: "/activities/nope%230/triage", user: "oscar", body: `{"state":"reviewed"}`}, 404, `"nope#0"`)
	e.fails(req{method: "PATCH", path: path, user: "oscar", body: `{"state":"closed"}`}, 400, "closed")
	// A note alone keeps the state; a state alone keeps the note.
	a = e.ok(req{method: "PATCH", path: path, user: "oscar", body: `{"note":"called, no answer"}`}, 200)
	if tri, _ := a["triage"].(map[string]any); tri["state"] != "escalated" || tri["note"] != "called, no answer" {
		t.Fatalf("note alone: %v", a["triage"])
	}
	a = e.ok(req{method: "PATCH", path: path, user: "oscar", body: `{"state":"reviewed"}`}, 200)
	if tri, _ := a["triage"].(map[string]any); tri["state"] != "reviewed" || tri["note"] != "called, no answer" {
		t.Fatalf("state alone: %v", a["triage"])
	}
	a = e.ok(req{method: "PATCH", path: path, user: "oscar", body: `{"note":""}`}, 200)
	if tri, _ := a["triage"].(map[string]any); tri["state"] != "reviewed" || tri["note"] != nil {
		t.Fatalf("note cleared: %v", a["triage"])
	}
	e.fails(req{method: "PATCH", path: path, user: "oscar", body: `{}`}, 400, "state or note is required")
	e.fails(req{method: "PATCH", path: path, user: "oscar", body: `{"state":"reviewed","by":"mallory"}`}, 400, `unknown field "by"`)
	e.fails(req{method: "PATCH", path: path, user: "oscar", body: `{"state":"reviewed","note":"` + strings.Repeat("n", 5000) + `"}`}, 400, "note")
	e.fails(req{method: "PATCH", path: path, user: "oscar", body: `{"state":"reviewed"}`, hdr: map[string]string{"Content-Type": "application/xml"}}, 415, "application/xml")
}
