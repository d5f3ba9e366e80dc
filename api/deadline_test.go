package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/api"
	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/store/storetest"
	"github.com/auditdeck/auditdeck/synthetic"
)

// TestQueryDeadline: a filter that costs a full scan of raw JSON stops at
// the server's per-request deadline with a 503 that names the limit, long
// before the scan would end; cheaper requests on the same server answer.
func TestQueryDeadline(t *testing.T) {
	eng := storetest.Engine(t, core.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	var events bytes.Buffer
	if err := synthetic.Write(&events, synthetic.Options{Events: 60000, Seed: 5, End: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	storetest.Ingest(t, eng, &events)
	tokens := access.NewTokens(eng)
	tok, _, err := tokens.Create(context.Background(), core.Actor{User: "root", Admin: true, From: "test"}, access.TokenRequest{User: "vera", Role: access.Viewer})
	if err != nil {
		t.Fatal(err)
	}
	const limit = 50 * time.Millisecond
	h := api.New(api.Options{Engine: eng, Tokens: tokens, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), QueryTimeout: limit})
	srv := httptest.NewServer(h)
	defer srv.Close()

	// Ten needles no event holds: every raw row is parsed and searched ten times.
	needles := make([]string, 10)
	for i := range needles {
		needles[i] = "no-such-text-" + strings.Repeat("q", i+3)
	}
	slow := "raw.0.icontains(" + strings.Join(needles, ",") + ")" // an array index reads the raw JSON

	// Unbounded, this filter takes well over the limit (checked in process,
	// so the test means something on a fast machine too).
	start := time.Now()
	f, err := query.ParseDSL(slow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Count(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	unbounded := time.Since(start)
	if unbounded < 4*limit {
		t.Skipf("the slow filter took only %s on this machine; the deadline test needs it slower than %s", unbounded, 4*limit)
	}

	get := func(path string) (int, string, time.Duration) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), time.Since(start)
	}
	code, body, took := get("/activities?limit=10&filter=" + url.QueryEscape(slow))
	var eb struct {
		Errors []struct {
			ErrorCode    int    `json:"error_code"`
			ErrorMessage string `json:"error_message"`
		} `json:"errors"`
	}
	if code != http.StatusServiceUnavailable || json.Unmarshal([]byte(body), &eb) != nil || len(eb.Errors) != 1 ||
		!strings.Contains(eb.Errors[0].ErrorMessage, "longer than the server's 50ms limit") {
		t.Fatalf("slow filter: %d %s (unbounded it takes %s)", code, body, unbounded)
	}
	if took > unbounded/2+limit {
		t.Fatalf("the 503 took %s; the filter unbounded takes %s", took, unbounded)
	}
	t.Logf("unbounded %s, answered in %s", unbounded, took)
	if code, body, _ := get("/activities?limit=5&event_type=login"); code != http.StatusOK {
		t.Fatalf("cheap query after the slow one: %d %s", code, body)
	}
}
