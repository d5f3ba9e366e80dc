package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")

// loopbackServer starts an httptest server bound explicitly to 127.0.0.1.
func loopbackServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s := httptest.NewUnstartedServer(h)
	s.Listener.Close()
	s.Listener = ln
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// receiver verifies every request's signature and headers, records the
// bodies of verified requests, and answers with the scripted responses
// (the last one repeats).
type receiver struct {
	secret []byte
	now    func() time.Time
	script []func(w http.ResponseWriter, r *http.Request)

	mu         sync.Mutex
	hits       int
	bodies     [][]byte
	attempts   []string
	verifyErrs []error
}

func status(code int) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := readAll(r)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	now := time.Now
	if rc.now != nil {
		now = rc.now
	}
	verr := Verify(rc.secret, body, r.Header.Get(SignatureHeader), now(), time.Minute)
	if verr == nil {
		// Header checks, recorded as verification failures.
		var n Notice
		switch {
		case r.Method != http.MethodPost:
			verr = errors.New("method " + r.Method)
		case r.Header.Get("Content-Type") != "application/json":
			verr = errors.New("content-type " + r.Header.Get("Content-Type"))
		case r.Header.Get("User-Agent") != "auditdeck-webhook/1":
			verr = errors.New("user-agent " + r.Header.Get("User-Agent"))
		case json.Unmarshal(body, &n) != nil:
			verr = errors.New("body is not a notice")
		case r.Header.Get("Idempotency-Key") != n.ReportID || n.ReportID == "":
			verr = errors.New("idempotency-key " + r.Header.Get("Idempotency-Key"))
		}
	}
	rc.mu.Lock()
	i := rc.hits
	rc.hits++
	rc.attempts = append(rc.attempts, r.Header.Get(AttemptHeader))
	if verr != nil {
		rc.verifyErrs = append(rc.verifyErrs, verr)
	} else {
		rc.bodies = append(rc.bodies, body)
	}
	rc.mu.Unlock()
	if verr != nil {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if len(rc.script) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	rc.script[min(i, len(rc.script)-1)](w, r)
}

func readAll(r *http.Request) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, 1<<20))
}

func (rc *receiver) snapshot() (hits int, bodies [][]byte, verrs []error, attempts []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.hits, append([][]byte(nil), rc.bodies...), append([]error(nil), rc.verifyErrs...), append([]string(nil), rc.attempts...)
}

func testNotice() Notice {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	return Notice{
		ReportID:        "rpt_01HX",
		SubscriptionID:  "sub_7",
		DefinedReportID: "def_3",
		WindowStart:     start,
		WindowEnd:       start.Add(24 * time.Hour),
		Rows:            1234,
		Formats:         []string{"csv", "json"},
		DownloadPath:    DownloadPath("rpt_01HX", "csv"),
		GeneratedAt:     start.Add(25 * time.Hour),
	}
}

// fakeSleep records requested waits and returns at once (false if ctx
// has ended).
type fakeSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (f *fakeSleep) Sleep(ctx context.Context, d time.Duration) bool {
	f.mu.Lock()
	f.waits = append(f.waits, d)
	f.mu.Unlock()
	return ctx.Err() == nil
}

func (f *fakeSleep) get() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.waits...)
}

func fixedBackoff(attempt int) time.Duration { return time.Duration(attempt) * time.Second }

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func statuses(as []Attempt) []int {
	out := make([]int, len(as))
	for i, a := range as {
		out[i] = a.Status
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDeliverSuccessFirstTry(t *testing.T) {
	rc := &receiver{secret: testSecret}
	srv := loopbackServer(t, rc)
	fs := &fakeSleep{}
	var recorded []Attempt
	n := testNotice()
	atts, err := Deliver(testContext(t), srv.URL+"/hook", testSecret, n, Options{
		Sleep:     fs.Sleep,
		OnAttempt: func(a Attempt) { recorded = append(recorded, a) },
	})
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if len(atts) != 1 || atts[0].N != 1 || atts[0].Status != http.StatusNoContent || atts[0].Error != "" {
		t.Fatalf("attempts = %+v", atts)
	}
	if atts[0].At.IsZero() || atts[0].Duration <= 0 {
		t.Errorf("attempt time/duration not set: %+v", atts[0])
	}
	if len(recorded) != 1 || recorded[0] != atts[0] {
		t.Errorf("OnAttempt got %+v, want %+v", recorded, atts)
	}
	if w := fs.get(); len(w) != 0 {
		t.Errorf("slept %v on success", w)
	}
	hits, bodies, verrs, _ := rc.snapshot()
	if hits != 1 || len(verrs) != 0 || len(bodies) != 1 {
		t.Fatalf("hits=%d verrs=%v bodies=%d", hits, verrs, len(bodies))
	}
	var got Notice
	if err := json.Unmarshal(bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	if got.Event != EventReportGenerated || got.ReportID != n.ReportID || got.SubscriptionID != n.SubscriptionID ||
		got.DefinedReportID != n.DefinedReportID || !got.WindowStart.Equal(n.WindowStart) ||
		!got.WindowEnd.Equal(n.WindowEnd) || got.Rows != n.Rows || strings.Join(got.Formats, ",") != "csv,json" ||
		got.DownloadPath != "/api/v2/report/rpt_01HX/csv" || !got.GeneratedAt.Equal(n.GeneratedAt) {
		t.Errorf("received notice %+v, sent %+v", got, n)
	}
	// The JSON field names are part of the receiver contract.
	var raw map[string]any
	if err := json.Unmarshal(bodies[0], &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"event", "report_id", "subscription_id", "defined_report_id", "window_start",
		"window_end", "row_count", "formats", "download_path", "generated_at"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("body lacks %q: %s", k, bodies[0])
		}
	}
}

func TestDeliverRetriesServerErrors(t *testing.T) {
	rc := &receiver{secret: testSecret, script: []func(http.ResponseWriter, *http.Request){
		status(500), status(500), status(200),
	}}
	srv := loopbackServer(t, rc)
	fs := &fakeSleep{}
	var recorded []Attempt
	atts, err := Deliver(testContext(t), srv.URL, testSecret, testNotice(), Options{
		Sleep:     fs.Sleep,
		Backoff:   fixedBackoff,
		OnAttempt: func(a Attempt) { recorded = append(recorded, a) },
	})
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if got := statuses(atts); !equalInts(got, []int{500, 500, 200}) {
		t.Fatalf("statuses = %v, want [500 500 200]", got)
	}
	for i, a := range atts {
		if a.N != i+1 {
			t.Errorf("attempt %d numbered %d", i, a.N)
		}
		if (a.Error == "") != (a.Status == 200) {
			t.Errorf("attempt %d: status %d error %q", a.N, a.Status, a.Error)
		}
	}
	if !strings.Contains(atts[0].Error, "500") {
		t.Errorf("error %q does not name the status", atts[0].Error)
	}
	if len(recorded) != 3 {
		t.Errorf("OnAttempt called %d times, want 3", len(recorded))
	}
	if w := fs.get(); len(w) != 2 || w[0] != time.Second || w[1] != 2*time.Second {
		t.Errorf("waits = %v, want [1s 2s]", w)
	}
	hits, bodies, verrs, attemptHdrs := rc.snapshot()
	if hits != 3 || len(verrs) != 0 {
		t.Fatalf("hits=%d verify errors=%v", hits, verrs)
	}
	for i := 1; i < len(bodies); i++ {
		if string(bodies[i]) != string(bodies[0]) {
			t.Errorf("retry %d sent a different body", i)
		}
	}
	if strings.Join(attemptHdrs, ",") != "1,2,3" {
		t.Errorf("attempt headers = %v", attemptHdrs)
	}
}

func TestDeliverExhaustsAttempts(t *testing.T) {
	rc := &receiver{secret: testSecret, script: []func(http.ResponseWriter, *http.Request){status(502)}}
	srv := loopbackServer(t, rc)
	fs := &fakeSleep{}
	atts, err := Deliver(testContext(t), srv.URL, testSecret, testNotice(), Options{Sleep: fs.Sleep, MaxAttempts: 4})
	if !errors.Is(err, ErrAttemptsExhausted) {
		t.Fatalf("err = %v, want ErrAttemptsExhausted", err)
	}
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 502 {
		t.Errorf("err %v does not carry the last StatusError", err)
	}
	if len(atts) != 4 || len(fs.get()) != 3 {
		t.Errorf("attempts=%d waits=%v, want 4 attempts, 3 waits", len(atts), fs.get())
	}
	if hits, _, _, _ := rc.snapshot(); hits != 4 {
		t.Errorf("receiver hits = %d", hits)
	}
	// Default MaxAttempts.
	rc2 := &receiver{secret: testSecret, script: []func(http.ResponseWriter, *http.Request){status(500)}}
	srv2 := loopbackServer(t, rc2)
	atts, _ = Deliver(testContext(t), srv2.URL, testSecret, testNotice(), Options{Sleep: (&fakeSleep{}).Sleep})
	if len(atts) != DefaultMaxAttempts {
		t.Errorf("default attempts = %d, want %d", len(atts), DefaultMaxAttempts)
	}
}

func TestDeliverPermanentStatusNotRetried(t *testing.T) {
	rc := &receiver{secret: testSecret, script: []func(http.ResponseWriter, *http.Request){
		func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "unknown subscription\x1b[31m", http.StatusBadRequest)
		},
	}}
	srv := loopbackServer(t, rc)
	fs := &fakeSleep{}
	atts, err := Deliver(testContext(t), srv.URL, testSecret, testNotice(), Options{Sleep: fs.Sleep})
	if !errors.Is(err, ErrNotRetried) {
		t.Fatalf("err = %v, want ErrNotRetried", err)
	}
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 400 || se.Retryable() {
		t.Fatalf("err %v: want non-retryable StatusError 400", err)
	}
	if len(atts) != 1 || atts[0].Status != 400 {
		t.Fatalf("attempts = %+v", atts)
	}
	if !strings.Contains(atts[0].Error, "unknown subscription") || strings.ContainsRune(atts[0].Error, 0x1b) {
		t.Errorf("error %q should quote the sanitised body", atts[0].Error)
	}
	if w := fs.get(); len(w) != 0 {
		t.Errorf("slept %v before giving up", w)
	}
	if hits, _, _, _ := rc.snapshot(); hits != 1 {
		t.Errorf("receiver hits = %d, want 1", hits)
	}
}

func TestDeliverStatusClassification(t *testing.T) {
	for _, tc := range []struct {
		code     int
		attempts int
	}{
		{400, 1}, {401, 1}, {403, 1}, {404, 1}, {410, 1}, {422, 1},
		{408, 2}, {425, 2}, {429, 2}, {500, 2}, {502, 2}, {503, 2}, {504, 2},
	} {
		rc := &receiver{secret: testSecret, script: []func(http.ResponseWriter, *http.Request){status(tc.code)}}
		srv := loopbackServer(t, rc)
		atts, err := Deliver(testContext(t), srv.URL, testSecret, testNotice(),
			Options{Sleep: (&fakeSleep{}).Sleep, MaxAttempts: 2})
		if err == nil || len(atts) != tc.attempts {
			t.Errorf("status %d: %d attempts, err %v; want %d attempts", tc.code, len(atts), err, tc.attempts)
		}
		if RetryableStatus(tc.code) != (tc.attempts == 2) {
			t.Errorf("RetryableStatus(%d) = %v", tc.code, RetryableStatus(tc.code))
		}
	}
}

func TestDeliverRetryAfter(t *testing.T) {
	fixed := time.Now().Truncate(time.Second)
	clock := func() time.Time { return fixed }
	for _, tc := range []struct {
		name   string
		code   int
		header string
		want   time.Duration
	}{
		{"429 seconds", 429, "7", 7 * time.Second},
		{"503 seconds", 503, "3", 3 * time.Second},
		{"429 http date", 429, fixed.Add(42 * time.Second).UTC().Format(http.TimeFormat), 42 * time.Second},
		{"429 date in past", 429, fixed.Add(-time.Hour).UTC().Format(http.TimeFormat), 0},
		{"429 capped", 429, "86400", MaxBackoff},
		{"429 date capped", 429, fixed.Add(48 * time.Hour).UTC().Format(http.TimeFormat), MaxBackoff},
		{"429 garbage uses backoff", 429, "soon", time.Second},
		{"429 negative uses backoff", 429, "-5", time.Second},
		{"500 ignores Retry-After", 500, "7", time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := &receiver{secret: testSecret, now: clock, script: []func(http.ResponseWriter, *http.Request){
				func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Retry-After", tc.header)
					w.WriteHeader(tc.code)
				},
				status(200),
			}}
			srv := loopbackServer(t, rc)
			fs := &fakeSleep{}
			atts, err := Deliver(testContext(t), srv.URL, testSecret, testNotice(), Options{
				Sleep: fs.Sleep, Backoff: fixedBackoff, Clock: clock,
			})
			if err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			if got := statuses(atts); !equalInts(got, []int{tc.code, 200}) {
				t.Fatalf("statuses = %v", got)
			}
			if !atts[0].At.Equal(fixed) {
				t.Errorf("At = %v, want injected clock %v", atts[0].At, fixed)
			}
			if w := fs.get(); len(w) != 1 || w[0] != tc.want {
				t.Errorf("waits = %v, want [%v]", w, tc.want)
			}
		})
	}
}

func TestDeliverRedirectNotFollowed(t *testing.T) {
	var targetHits int
	var mu sync.Mutex
	target := loopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		targetHits++
		mu.Unlock()
		w.WriteHeader(200)
	}))
	for _, code := range []int{301, 302, 307, 308} {
		rc := &receiver{secret: testSecret, script: []func(http.ResponseWriter, *http.Request){
			func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target.URL+"/elsewhere", code) },
		}}
		srv := loopbackServer(t, rc)
		// Both the default client and a caller's client that would
		// follow redirects must stop at the 3xx.
		for _, client := range []*http.Client{nil, {Timeout: 5 * time.Second}} {
			fs := &fakeSleep{}
			atts, err := Deliver(testContext(t), srv.URL, testSecret, testNotice(),
				Options{Client: client, Sleep: fs.Sleep})
			if err == nil {
				t.Fatalf("%d: redirect counted as success", code)
			}
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != code || !strings.HasSuffix(se.Location, "/elsewhere") {
				t.Errorf("%d: err = %v", code, err)
			}
			if len(atts) != 1 || atts[0].Status != code || !strings.Contains(atts[0].Error, "redirect not followed") {
				t.Errorf("%d: attempts = %+v", code, atts)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if targetHits != 0 {
		t.Errorf("redirect target received %d requests", targetHits)
	}
}

func TestDeliverTimeoutRetried(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	rc := &receiver{secret: testSecret, script: []func(http.ResponseWriter, *http.Request){
		func(w http.ResponseWriter, r *http.Request) {
			// Longer than the client timeout; bounded either way.
			select {
			case <-r.Context().Done():
			case <-release:
			case <-time.After(5 * time.Second):
			}
			w.WriteHeader(200)
		},
		status(200),
	}}
	srv := loopbackServer(t, rc)
	fs := &fakeSleep{}
	start := time.Now()
	atts, err := Deliver(testContext(t), srv.URL, testSecret, testNotice(), Options{
		Client: &http.Client{Timeout: 100 * time.Millisecond},
		Sleep:  fs.Sleep,
	})
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if got := statuses(atts); !equalInts(got, []int{0, 200}) {
		t.Fatalf("statuses = %v, want [0 200] (attempts %+v)", got, atts)
	}
	if atts[0].Error == "" || !strings.Contains(strings.ToLower(atts[0].Error), "timeout") {
		t.Errorf("first attempt error %q does not mention the timeout", atts[0].Error)
	}
	if atts[0].Duration < 100*time.Millisecond {
		t.Errorf("timed-out attempt took %v", atts[0].Duration)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("took %v", el)
	}
	if len(fs.get()) != 1 {
		t.Errorf("waits = %v", fs.get())
	}
}

func TestDeliverConnectionRefusedRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	fs := &fakeSleep{}
	atts, err := Deliver(testContext(t), "http://"+addr+"/hook?token=s3cret", testSecret, testNotice(),
		Options{Sleep: fs.Sleep, MaxAttempts: 3})
	if !errors.Is(err, ErrAttemptsExhausted) || len(atts) != 3 {
		t.Fatalf("attempts=%d err=%v", len(atts), err)
	}
	for _, a := range atts {
		if a.Status != 0 || a.Error == "" {
			t.Errorf("attempt %+v", a)
		}
		if strings.Contains(a.Error, "s3cret") {
			t.Errorf("attempt error leaks the query: %q", a.Error)
		}
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error leaks the query: %v", err)
	}
}

func TestDeliverContextCancelStopsRetries(t *testing.T) {
	t.Run("during backoff", func(t *testing.T) {
		rc := &receiver{secret: testSecret, script: []func(http.ResponseWriter, *http.Request){status(500)}}
		srv := loopbackServer(t, rc)
		ctx, cancel := context.WithCancel(testContext(t))
		defer cancel()
		start := time.Now()
		// Real (default) Sleep; after the second attempt an hour-long
		// backoff that only ctx can end.
		atts, err := Deliver(ctx, srv.URL, testSecret, testNotice(), Options{
			Backoff: func(n int) time.Duration {
				if n == 1 {
					return time.Millisecond
				}
				return time.Hour
			},
			OnAttempt: func(a Attempt) {
				if a.N == 2 {
					go func() { time.Sleep(20 * time.Millisecond); cancel() }()
				}
			},
		})
		if el := time.Since(start); el > 2*time.Second {
			t.Fatalf("cancellation took %v", el)
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != 500 {
			t.Errorf("err %v should carry the last status error", err)
		}
		if len(atts) != 2 {
			t.Errorf("attempts = %d, want 2", len(atts))
		}
		if hits, _, _, _ := rc.snapshot(); hits != 2 {
			t.Errorf("receiver hits = %d, want 2", hits)
		}
	})
	t.Run("in flight", func(t *testing.T) {
		entered := make(chan struct{}, 1)
		rc := &receiver{secret: testSecret, script: []func(http.ResponseWriter, *http.Request){
			func(w http.ResponseWriter, r *http.Request) {
				entered <- struct{}{}
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
				w.WriteHeader(200)
			},
		}}
		srv := loopbackServer(t, rc)
		ctx, cancel := context.WithCancel(testContext(t))
		defer cancel()
		go func() {
			select {
			case <-entered:
			case <-time.After(5 * time.Second):
			}
			cancel()
		}()
		fs := &fakeSleep{}
		start := time.Now()
		atts, err := Deliver(ctx, srv.URL, testSecret, testNotice(), Options{Sleep: fs.Sleep})
		if el := time.Since(start); el > 3*time.Second {
			t.Fatalf("cancellation took %v", el)
		}
		if !errors.Is(err, context.Canceled) || len(atts) != 1 || atts[0].Status != 0 {
			t.Fatalf("attempts=%+v err=%v", atts, err)
		}
		if len(fs.get()) != 0 {
			t.Errorf("slept after cancellation: %v", fs.get())
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		atts, err := Deliver(ctx, "http://127.0.0.1:1/", testSecret, testNotice(), Options{})
		if !errors.Is(err, context.Canceled) || len(atts) != 0 {
			t.Fatalf("attempts=%v err=%v", atts, err)
		}
	})
	t.Run("sleep reports false", func(t *testing.T) {
		rc := &receiver{secret: testSecret, script: []func(http.ResponseWriter, *http.Request){status(500)}}
		srv := loopbackServer(t, rc)
		ctx, cancel := context.WithCancel(testContext(t))
		defer cancel()
		atts, err := Deliver(ctx, srv.URL, testSecret, testNotice(), Options{
			Sleep: func(context.Context, time.Duration) bool { cancel(); return false },
		})
		if !errors.Is(err, context.Canceled) || len(atts) != 1 {
			t.Fatalf("attempts=%d err=%v", len(atts), err)
		}
	})
}

func TestDeliverWrongSecretRejectedByReceiver(t *testing.T) {
	rc := &receiver{secret: []byte("the receiver's secret")}
	srv := loopbackServer(t, rc)
	atts, err := Deliver(testContext(t), srv.URL, testSecret, testNotice(), Options{Sleep: (&fakeSleep{}).Sleep})
	if !errors.Is(err, ErrNotRetried) || len(atts) != 1 || atts[0].Status != 401 {
		t.Fatalf("attempts=%+v err=%v", atts, err)
	}
	_, bodies, verrs, _ := rc.snapshot()
	if len(bodies) != 0 || len(verrs) != 1 || !errors.Is(verrs[0], ErrSignatureMismatch) {
		t.Errorf("bodies=%d verify errors=%v", len(bodies), verrs)
	}
}

func TestDeliverRejectsBadInput(t *testing.T) {
	ctx := testContext(t)
	n := testNotice()
	if _, err := Deliver(ctx, "ftp://127.0.0.1/", testSecret, n, Options{}); !errors.Is(err, ErrInvalidURL) {
		t.Errorf("bad URL: %v", err)
	}
	if _, err := Deliver(ctx, "http://127.0.0.1:1/", nil, n, Options{}); err == nil {
		t.Error("empty secret accepted")
	}
	n.ReportID = ""
	if _, err := Deliver(ctx, "http://127.0.0.1:1/", testSecret, n, Options{}); err == nil {
		t.Error("empty report id accepted")
	}
}

func TestDefaultBackoff(t *testing.T) {
	for attempt, base := range map[int]time.Duration{
		0: time.Second, 1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second,
		8: 128 * time.Second, 9: 256 * time.Second, 10: MaxBackoff, 30: MaxBackoff, 1 << 30: MaxBackoff,
	} {
		for range 50 {
			d := DefaultBackoff(attempt)
			lo := time.Duration(float64(base) * 0.8)
			hi := min(time.Duration(float64(base)*1.2), MaxBackoff)
			if d < lo || d > hi {
				t.Fatalf("DefaultBackoff(%d) = %v, want in [%v, %v]", attempt, d, lo, hi)
			}
		}
	}
}

func TestDownloadPath(t *testing.T) {
	if got := DownloadPath("r1", "csv"); got != "/api/v2/report/r1/csv" {
		t.Errorf("got %q", got)
	}
	if got := DownloadPath("a/b c", "json"); got != "/api/v2/report/a%2Fb%20c/json" {
		t.Errorf("got %q", got)
	}
}
