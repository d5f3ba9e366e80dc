package core_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/delivery"
	"github.com/auditdeck/auditdeck/core/schedule"
)

func TestSubscriptionGeneratesEachPeriodOnceAndNotifies(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	tr := e.startTasks(t)
	ctx := context.Background()

	var mu sync.Mutex
	var notices []delivery.Notice
	hits := 0
	var secret string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		hits++
		if hits == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // the first attempt fails: retried
			return
		}
		if err := delivery.Verify([]byte(secret), body, r.Header.Get(delivery.SignatureHeader), time.Now(), 24*365*time.Hour*10); err != nil {
			t.Errorf("signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var n delivery.Notice
		json.Unmarshal(body, &n)
		notices = append(notices, n)
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	defer srv.Close()

	e.clock.set(time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC))
	if _, err := e.eng.Subscribe(ctx, alice, core.SubscribeRequest{DefinedReportID: "18", Period: "fortnight"}); err == nil {
		t.Fatal("bad period accepted")
	}
	if _, err := e.eng.Subscribe(ctx, alice, core.SubscribeRequest{DefinedReportID: "18", Period: "day", TimeZone: "Mars/Olympus"}); err == nil {
		t.Fatal("bad zone accepted")
	}
	sub, err := e.eng.Subscribe(ctx, alice, core.SubscribeRequest{DefinedReportID: "18", Period: "day", Formats: []string{"csv", "html"}, Webhook: srv.URL + "/hook"})
	if err != nil {
		t.Fatal(err)
	}
	secret = sub.WebhookSecret
	info, err := e.eng.GetSubscription(ctx, alice, sub.ID)
	if err != nil || !info.NextRunAt.Equal(time.Date(2026, 10, 21, 0, 15, 0, 0, time.UTC)) {
		t.Fatalf("next run %v %v", info.NextRunAt, err)
	}
	// Three days pass while the process is down; one tick catches up, each day once.
	e.clock.set(time.Date(2026, 10, 23, 1, 0, 0, 0, time.UTC))
	if err := e.eng.SchedulerTick(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.eng.SchedulerTick(ctx); err != nil {
		t.Fatal(err)
	}
	info, _ = e.eng.GetSubscription(ctx, alice, sub.ID)
	if len(info.Runs) != 3 {
		t.Fatalf("%d runs: %+v", len(info.Runs), info.Runs)
	}
	seen := map[string]bool{}
	for i, r := range info.Runs {
		wantStart := time.Date(2026, 10, 22-i, 0, 0, 0, 0, time.UTC)
		if r.State != schedule.Succeeded || !r.Window.Start.Equal(wantStart) || !r.Window.End.Equal(wantStart.AddDate(0, 0, 1)) || seen[r.ReportID] {
			t.Errorf("run %d: %+v", i, r)
		}
		seen[r.ReportID] = true
		task, err := tr.Get(ctx, alice, r.ReportID)
		if err != nil || task.Status != core.TaskSucceeded || task.Kind != "report" || len(task.Files) != 2 || task.Done != r.Rows {
			t.Errorf("report %s: %v %+v", r.ReportID, err, task)
		}
		if !task.WindowStart.Equal(wantStart) {
			t.Errorf("report window %v", task.WindowStart)
		}
	}
	tasks, _ := tr.List(ctx, alice)
	if len(tasks) != 3 {
		t.Errorf("%d tasks", len(tasks))
	}
	mu.Lock()
	if len(notices) != 3 || hits != 4 {
		t.Errorf("%d notices, %d hits", len(notices), hits)
	}
	for _, n := range notices {
		if n.SubscriptionID != sub.ID || !seen[n.ReportID] || !strings.HasPrefix(n.DownloadPath, "/api/v2/report/") || n.Event != "report.generated" {
			t.Errorf("notice %+v", n)
		}
	}
	mu.Unlock()
	attempts := 0
	for id := range seen {
		a, err := e.eng.WebhookAttempts(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		attempts += len(a)
	}
	if attempts != 4 {
		t.Errorf("%d attempts recorded, want 4 (one retry)", attempts)
	}
	// Pause: nothing runs; resume catches up.
	if _, err := e.eng.SetSubscriptionEnabled(ctx, alice, sub.ID, false); err != nil {
		t.Fatal(err)
	}
	e.clock.set(e.clock.now().AddDate(0, 0, 2))
	e.eng.SchedulerTick(ctx)
	if info, _ = e.eng.GetSubscription(ctx, alice, sub.ID); len(info.Runs) != 3 {
		t.Errorf("paused subscription ran: %d runs", len(info.Runs))
	}
	if _, err := e.eng.SetSubscriptionEnabled(ctx, alice, sub.ID, true); err != nil {
		t.Fatal(err)
	}
	e.eng.SchedulerTick(ctx)
	if info, _ = e.eng.GetSubscription(ctx, alice, sub.ID); len(info.Runs) != 5 {
		t.Errorf("resumed subscription: %d runs", len(info.Runs))
	}
	if _, err := e.eng.GetSubscription(ctx, bob, sub.ID); err == nil {
		t.Error("bob sees alice's subscription")
	}
	if err := e.eng.Unsubscribe(ctx, alice, sub.ID); err != nil {
		t.Fatal(err)
	}
	if l, _ := e.eng.ListSubscriptions(ctx, alice); len(l) != 0 {
		t.Errorf("%d subscriptions after unsubscribe", len(l))
	}
}
