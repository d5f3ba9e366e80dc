package core_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/schedule"
	"github.com/auditdeck/auditdeck/store"
)

// webhookOn127 is a real receiver on 127.0.0.1 that answers status while
// status is non-zero, 204 otherwise.
func webhookOn127(t *testing.T, status *atomic.Int32, hits *atomic.Int32) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if f := onHit.Load(); f != nil {
			(*f)()
		}
		if s := status.Load(); s != 0 {
			http.Error(w, "receiver is down", int(s))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL + "/hook"
}

// onHit, when set, runs as the receiver answers (a shutdown mid-delivery).
var onHit atomic.Pointer[context.CancelFunc]

// retryEnv is an env whose engine retries webhooks 3 times without waiting.
func retryEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	s, err := store.Open(store.Options{Dir: dir + "/store"})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: fixtureNow}
	e := &env{dir: dir, store: s, clock: clock,
		eng: core.NewEngine(s, s, core.WithClock(clock.now), core.WithWebhookRetries(3, func(int) time.Duration { return 0 }))}
	t.Cleanup(func() {
		if r := e.eng.Tasks(); r != nil {
			r.Close()
		}
		s.Close()
	})
	e.ingestFixture(t)
	e.startTasks(t)
	return e
}

func TestWebhookThatAlwaysFailsShowsOnTheRun(t *testing.T) {
	e := retryEnv(t)
	ctx := context.Background()
	var status, hits atomic.Int32
	status.Store(http.StatusInternalServerError)
	url := webhookOn127(t, &status, &hits)

	e.clock.set(time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC))
	sub, err := e.eng.Subscribe(ctx, alice, core.SubscribeRequest{DefinedReportID: "18", Period: "month", Webhook: url})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := e.eng.Subscribe(ctx, alice, core.SubscribeRequest{DefinedReportID: "17", Period: "month"})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.set(time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC))
	if err := e.eng.SchedulerTick(ctx); err != nil {
		t.Fatal(err)
	}
	info, err := e.eng.GetSubscription(ctx, alice, sub.ID)
	if err != nil || len(info.Runs) != 1 {
		t.Fatalf("runs %+v %v", info.Runs, err)
	}
	r := info.Runs[0]
	// The report exists, so the run succeeded; the notice did not arrive.
	if r.State != schedule.Succeeded || r.ReportID == "" {
		t.Fatalf("run %+v", r.Run)
	}
	d := r.Delivery
	if d.State != core.DeliveryFailed || d.Attempts != 3 || d.LastStatus != 500 || !strings.Contains(d.LastError, "HTTP 500") || hits.Load() != 3 {
		t.Fatalf("delivery %+v after %d hits", d, hits.Load())
	}
	if got := d.String(); !strings.HasPrefix(got, "failed after 3 attempts: HTTP 500 Internal Server Error") {
		t.Errorf("delivery text %q", got)
	}
	if p, _ := e.eng.GetSubscription(ctx, alice, plain.ID); len(p.Runs) != 1 || p.Runs[0].Delivery.State != core.DeliveryNone {
		t.Errorf("no webhook: %+v", p.Runs)
	}
	// The receiver is fixed; "run now" on the same period delivers the
	// notice again (the report is not generated twice).
	status.Store(0)
	again, err := e.eng.RunSubscriptionNow(ctx, alice, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.ReportID != r.ReportID || again.Delivery.State != core.DeliveryDelivered || hits.Load() != 4 {
		t.Fatalf("run now: %+v %+v, %d hits", again.Run, again.Delivery, hits.Load())
	}
	info, _ = e.eng.GetSubscription(ctx, alice, sub.ID)
	if len(info.Runs) != 1 || info.Runs[0].Delivery.State != core.DeliveryDelivered || info.Runs[0].Delivery.Attempts != 1 {
		t.Errorf("after redelivery %+v", info.Runs)
	}
	// Delivered once: running now again sends nothing more.
	if _, err := e.eng.RunSubscriptionNow(ctx, alice, sub.ID); err != nil || hits.Load() != 4 {
		t.Errorf("a delivered notice was sent again: %v, %d hits", err, hits.Load())
	}
	// Others do not see the delivery of alice's subscription.
	if _, err := e.eng.RunDelivery(ctx, bob, sub.ID, r.ReportID); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("bob reads alice's delivery: %v", err)
	}
	// Unsubscribing leaves no run or delivery records behind.
	if err := e.eng.Unsubscribe(ctx, alice, sub.ID); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"run." + sub.ID, "delivery." + sub.ID} {
		n := 0
		e.store.ListObjects(ctx, kind, func(string, []byte) error { n++; return nil })
		if n != 0 {
			t.Errorf("%d %s records left after unsubscribe", n, kind)
		}
	}
}

func TestWebhookStoppedByShutdownIsRetriedOnNextStart(t *testing.T) {
	e := retryEnv(t)
	var status, hits atomic.Int32
	status.Store(http.StatusServiceUnavailable)
	url := webhookOn127(t, &status, &hits)
	e.clock.set(time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC))
	sub, err := e.eng.Subscribe(context.Background(), alice, core.SubscribeRequest{DefinedReportID: "18", Period: "month", Webhook: url})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.set(time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC))
	// Shutdown arrives while the receiver fails: the receiver itself
	// ends the context during its first answer.
	ctx, cancel := context.WithCancel(context.Background())
	onHit.Store(&cancel)
	e.eng.SchedulerTick(ctx)
	onHit.Store(nil)
	if hits.Load() != 1 {
		t.Fatalf("%d attempts after shutdown began", hits.Load())
	}
	info, _ := e.eng.GetSubscription(context.Background(), alice, sub.ID)
	if len(info.Runs) != 1 || info.Runs[0].State == schedule.Succeeded || info.Runs[0].Delivery.State == core.DeliveryFailed {
		t.Fatalf("interrupted delivery recorded as final: %+v %+v", info.Runs[0].Run, info.Runs[0].Delivery)
	}
	// Next start: the run is finished and the notice delivered.
	status.Store(0)
	if err := e.eng.SchedulerTick(context.Background()); err != nil {
		t.Fatal(err)
	}
	info, _ = e.eng.GetSubscription(context.Background(), alice, sub.ID)
	if len(info.Runs) != 1 || info.Runs[0].State != schedule.Succeeded || info.Runs[0].Delivery.State != core.DeliveryDelivered {
		t.Fatalf("after restart: %+v %+v", info.Runs[0].Run, info.Runs[0].Delivery)
	}
}
