package main_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestReportDeleteWithSubscriptions: the CLI refuses to delete a report
// that has subscriptions, naming them, and --force deletes them with it.
func TestReportDeleteWithSubscriptions(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	r := run(t, nil, "report", "create", "--data", data, "--user", "alice", "--title", "NL logins", "--filter", "event_type.eq(login),client_location.country.code.eq(NL)")
	def := struct{ ID string }{strings.TrimSpace(r.stdout)}
	if r.code != 0 || def.ID == "" {
		t.Fatalf("create: %+v", r)
	}
	r = run(t, nil, "subscription", "create", "--data", data, "--user", "alice", def.ID, "--period", "week")
	sub := strings.TrimSpace(r.stdout)
	if r.code != 0 || sub == "" {
		t.Fatalf("subscribe: %+v", r)
	}
	r = run(t, nil, "report", "delete", "--data", data, "--user", "alice", def.ID)
	if r.code == 0 || !strings.Contains(r.stderr, "has 1 subscription: "+sub+" (alice, every week)") || !strings.Contains(r.stderr, "--force") {
		t.Fatalf("delete without --force: %+v", r)
	}
	if r := run(t, nil, "report", "show", "--data", data, "--user", "alice", def.ID); r.code != 0 {
		t.Fatalf("the refused delete removed the report: %+v", r)
	}
	r = run(t, nil, "report", "delete", "--data", data, "--user", "alice", "--force", def.ID)
	if r.code != 0 || strings.TrimSpace(r.stdout) != "deleted report "+def.ID+" and 1 subscription" {
		t.Fatalf("delete --force: %+v", r)
	}
	if r := run(t, nil, "subscription", "list", "--data", data, "--user", "alice"); r.code != 0 || strings.Contains(r.stdout, sub) {
		t.Fatalf("subscription left: %+v", r)
	}
}

// TestSubscriptionRunReportsFailedWebhook: a receiver on 127.0.0.1 that
// refuses every notice; run, show and list say so, and run exits non-zero.
func TestSubscriptionRunReportsFailedWebhook(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "no such hook", http.StatusGone) // permanent: one attempt
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	data := filepath.Join(t.TempDir(), "store")
	if r := run(t, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	r := run(t, nil, "subscription", "create", "--data", data, "--user", "alice", "18", "--period", "month", "--webhook", srv.URL+"/hook")
	sub := strings.Fields(r.stdout)
	if r.code != 0 || len(sub) == 0 {
		t.Fatalf("subscribe: %+v", r)
	}
	r = run(t, nil, "subscription", "run", "--data", data, "--user", "alice", sub[0])
	if r.code == 0 || !strings.Contains(r.stdout, "succeeded") || !strings.Contains(r.stdout, "webhook failed after 1 attempt: HTTP 410 Gone") ||
		!strings.Contains(r.stderr, "was generated, but its webhook notice failed") || hits.Load() != 1 {
		t.Fatalf("run: %+v (%d hits)", r, hits.Load())
	}
	r = run(t, nil, "subscription", "show", "--data", data, "--user", "alice", sub[0])
	if r.code != 0 || !strings.Contains(r.stdout, "DELIVERY") || !strings.Contains(r.stdout, "failed after 1 attempt: HTTP 410 Gone") {
		t.Fatalf("show: %+v", r)
	}
	r = run(t, nil, "subscription", "list", "--data", data, "--user", "alice")
	if r.code != 0 || !strings.Contains(r.stdout, "succeeded") || !strings.Contains(r.stdout, "failed (1 attempt)") {
		t.Fatalf("list: %+v", r)
	}
}

// TestReportGenerateWindowFlags: --from and --to take dates as filters do,
// each is read on its own (the same value for both was read once), and a
// bad one is named with the forms it takes, not Go's layout error.
func TestReportGenerateWindowFlags(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	if r := run(t, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	r := run(t, nil, "report", "generate", "--data", data, "18", "--from", "2000-01-01", "--to", "2100-01-01T00:00:00Z")
	if r.code != 0 {
		t.Fatalf("generate with a date: %+v", r)
	}
	r = run(t, nil, "report", "generate", "--data", data, "18", "--from", "2026-13-01")
	if r.code == 0 || !strings.Contains(r.stderr, `--from "2026-13-01"`) || !strings.Contains(r.stderr, "a date such as 2026-11-01") || strings.Contains(r.stderr, "cannot parse") {
		t.Fatalf("generate with a bad --from: %+v", r)
	}
	// One instant for both is an empty window, refused, not a window open
	// at one end.
	r = run(t, nil, "report", "generate", "--data", data, "18", "--format", "json", "--from", "2026-01-01", "--to", "2026-01-01")
	if r.code == 0 || !strings.Contains(r.stderr, "start must be before end") {
		t.Fatalf("generate --from X --to X: %+v", r)
	}
}
