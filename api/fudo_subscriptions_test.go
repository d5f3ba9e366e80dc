package api_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
)

func TestFudoSubscribeForAnotherUser(t *testing.T) {
	e := newEnv(t)
	// An admin subscribes oscar.
	id := createdID(t, e.ok(e.fudo("POST", "/api/v2/report/subscription", "alice", `{"period":"week","defined_report_id":"13","user_id":"oscar"}`), 200),
		"defined_report_subscription")
	list := e.ok(e.fudo("GET", "/api/v2/report/subscription", "oscar", ""), 200)["defined_report_subscription"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != id || list[0].(map[string]any)["user_id"] != "oscar" {
		t.Fatalf("oscar's subscriptions: %v", list)
	}
	// An operator only for themself.
	e.fails(e.fudo("POST", "/api/v2/report/subscription", "oscar", `{"period":"week","defined_report_id":"13","user_id":"olga"}`), 403, "admin")
	e.ok(e.fudo("POST", "/api/v2/report/subscription", "oscar", `{"period":"day","defined_report_id":"13","user_id":"oscar"}`), 200)
	// An admin's typo is caught, not stored.
	e.fails(e.fudo("POST", "/api/v2/report/subscription", "alice", `{"period":"day","defined_report_id":"13","user_id":"oskar"}`), 400, "user_id", `"oskar"`)
	e.fails(e.fudo("POST", "/api/v2/report/subscription", "alice", `{"period":"day","defined_report_id":"13","user_id":""}`), 400, "user_id")
	if n := len(e.ok(e.fudo("GET", "/api/v2/report/subscription", "olga", ""), 200)["defined_report_subscription"].([]any)); n != 0 {
		t.Fatalf("olga has %d subscriptions", n)
	}
}

// TestFudoAdminCannotSubscribeViewerToAuditTrail: user_id does not hand a
// viewer the audit trail (every user's actions and addresses), which the
// viewer may not generate themself.
func TestFudoAdminCannotSubscribeViewerToAuditTrail(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{"5", "10", "11"} {
		for _, user := range []string{"vera", "oscar"} {
			e.fails(e.fudo("POST", "/api/v2/report/subscription", "alice", `{"period":"day","defined_report_id":"`+id+`","user_id":"`+user+`"}`), 403, "admin")
		}
	}
	if n := len(e.ok(e.fudo("GET", "/api/v2/report/subscription", "alice", ""), 200)["defined_report_subscription"].([]any)); n != 0 {
		t.Fatalf("refused subscriptions were stored: %d", n)
	}
	// The admin's own, and a viewer's non-audit report, still work.
	e.ok(e.fudo("POST", "/api/v2/report/subscription", "alice", `{"period":"day","defined_report_id":"5","user_id":"alice"}`), 200)
	e.ok(e.fudo("POST", "/api/v2/report/subscription", "alice", `{"period":"day","defined_report_id":"13","user_id":"vera"}`), 200)
}

func TestFudoDeleteDefinedWithSubscriptions(t *testing.T) {
	e := newEnv(t)
	defID := createdID(t, e.ok(e.fudo("POST", "/api/v2/report/defined", "oscar", `{"title":"US logins","query_filter":"event_type.eq(login),client_location.country.code.eq(US)"}`), 200), "defined_report")
	subID := createdID(t, e.ok(e.fudo("POST", "/api/v2/report/subscription", "oscar", `{"period":"week","defined_report_id":"`+defID+`"}`), 200), "defined_report_subscription")
	e.fails(e.fudo("DELETE", "/api/v2/report/defined/"+defID, "oscar", ""), 409, "1 subscription", subID, "user oscar, every week", "?force=true")
	e.fails(e.fudo("DELETE", "/api/v2/report/defined/"+defID+"?force=maybe", "oscar", ""), 400, "force")
	if n := len(e.ok(e.fudo("GET", "/api/v2/report/subscription", "oscar", ""), 200)["defined_report_subscription"].([]any)); n != 1 {
		t.Fatalf("refused delete left %d subscriptions", n)
	}
	e.ok(e.fudo("DELETE", "/api/v2/report/defined/"+defID+"?force=true", "oscar", ""), 200)
	if n := len(e.ok(e.fudo("GET", "/api/v2/report/subscription", "oscar", ""), 200)["defined_report_subscription"].([]any)); n != 0 {
		t.Fatalf("%d subscriptions left after a forced delete", n)
	}
	e.fails(e.fudo("DELETE", "/api/v2/report/defined/"+defID, "oscar", ""), 404)
}

func TestFudoSubscriptionShowsWebhookDelivery(t *testing.T) {
	e := newEnv(t)
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusForbidden) // permanent: not retried
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	ctx := context.Background()
	setClock(e.clock, time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC))
	sub, err := e.eng.Subscribe(ctx, core.Actor{User: "oscar"}, core.SubscribeRequest{DefinedReportID: "18", Period: "month", Webhook: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	setClock(e.clock, time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC))
	if _, err := e.eng.RunSubscriptionNow(ctx, core.Actor{User: "oscar"}, sub.ID); err != nil {
		t.Fatal(err)
	}
	list := e.ok(e.fudo("GET", "/api/v2/report/subscription", "oscar", ""), 200)["defined_report_subscription"].([]any)
	last, _ := list[0].(map[string]any)["last_run"].(map[string]any)
	d, _ := last["delivery"].(map[string]any)
	if last["state"] != "succeeded" || d["state"] != "failed" || d["attempts"] != float64(1) || d["last_status"] != float64(403) ||
		!strings.Contains(d["last_error"].(string), "HTTP 403") || hits.Load() != 1 {
		t.Fatalf("last run %v", last)
	}
}

func setClock(c *testClock, t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// An admin subscribing another user to the audit trail (report 5, every
// user's actions and addresses) would hand a non-admin a subscription that
// the scheduler never runs for them: refused unless that user is an admin.
func TestFudoSubscribeAnotherUserToAuditNeedsThemAdmin(t *testing.T) {
	e := newEnv(t)
	e.fails(e.fudo("POST", "/api/v2/report/subscription", "alice", `{"period":"day","defined_report_id":"5","user_id":"oscar"}`), 403, "oscar", "admin")
	if n := len(e.ok(e.fudo("GET", "/api/v2/report/subscription", "oscar", ""), 200)["defined_report_subscription"].([]any)); n != 0 {
		t.Fatalf("oscar (operator) got %d audit subscriptions", n)
	}
	// Activity reports for others and the audit trail for oneself still work.
	e.ok(e.fudo("POST", "/api/v2/report/subscription", "alice", `{"period":"day","defined_report_id":"6","user_id":"oscar"}`), 200)
	e.ok(e.fudo("POST", "/api/v2/report/subscription", "alice", `{"period":"day","defined_report_id":"5","user_id":"alice"}`), 200)
}
