package subscriptions

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
	"github.com/auditdeck/auditdeck/tui"
	"github.com/auditdeck/auditdeck/tui/viewkit/viewkittest"
	"github.com/charmbracelet/x/exp/teatest"
)

var _ tui.View = (*Model)(nil)

// subscribe creates alice's monthly "Failed logins" subscription in
// October (the fixture's month) and moves the clock to when October is
// complete.
func subscribe(t *testing.T, e *env, zone string) core.Subscription {
	t.Helper()
	e.Clock.Set(time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC))
	s, err := e.Eng.Subscribe(context.Background(), e.Alice, core.SubscribeRequest{DefinedReportID: "18", Period: "month", TimeZone: zone, Formats: []string{"csv"}})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Set(time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC))
	return s
}

func TestSubscriptionsListWithRun(t *testing.T) {
	e := newEnv(t, true)
	e.StartTasks(t)
	sub := subscribe(t, e, "UTC")
	run, err := e.Eng.RunSubscriptionNow(context.Background(), e.Alice, sub.ID)
	if err != nil || run.State != schedule.Succeeded {
		t.Fatalf("run %+v %v", run, err)
	}
	tm := run_(t, e)
	s := waitText(t, tm, "Failed logins")
	for _, want := range []string{"month", "UTC", "2026-10-01 succeeded", "active", "2026-12-01 00:15"} {
		if !strings.Contains(s, want) {
			t.Errorf("list lacks %q:\n%s", want, s)
		}
	}
	goldens(t, tm)
	t.Run("history", func(t *testing.T) {
		keys(tm, "enter")
		s := waitText(t, tm, "Run history")
		if !strings.Contains(s, "2026-10-01 → 2026-11-01") || !strings.Contains(s, run.ReportID) {
			t.Errorf("history:\n%s", s)
		}
		goldens(t, tm)
		keys(tm, "esc")
		waitText(t, tm, "Next run")
	})
}

// run_ starts the shell with a fresh Subscriptions view.
func run_(t *testing.T, e *env) *teatest.TestModel {
	return run(t, e, New(e.Ctx))
}

func TestSubscriptionsPauseRunNowDelete(t *testing.T) {
	e := newEnv(t, true)
	e.StartTasks(t)
	sub := subscribe(t, e, "Europe/Berlin")
	tm := run_(t, e)
	waitText(t, tm, "Europe/Berlin")

	keys(tm, "D")
	waitText(t, tm, `Delete the month subscription to "Failed logins"? y/n`)
	goldens(t, tm)
	keys(tm, "n")
	waitText(t, tm, "delete canceled")

	keys(tm, "p")
	waitText(t, tm, `subscription to "Failed logins" paused`)
	waitText(t, tm, "paused ")
	if info, _ := e.Eng.GetSubscription(context.Background(), e.Alice, sub.ID); info.Enabled {
		t.Fatal("not paused in the engine")
	}
	keys(tm, "p")
	waitText(t, tm, `subscription to "Failed logins" resumed`)
	if info, _ := e.Eng.GetSubscription(context.Background(), e.Alice, sub.ID); !info.Enabled {
		t.Fatal("not resumed in the engine")
	}

	keys(tm, "R")
	s := waitText(t, tm, `run of "Failed logins" for 2026-10-01 succeeded: 11 rows`)
	info, err := e.Eng.GetSubscription(context.Background(), e.Alice, sub.ID)
	if err != nil || len(info.Runs) != 1 || info.Runs[0].State != schedule.Succeeded || !info.Runs[0].Manual {
		t.Fatalf("runs %+v %v", info.Runs, err)
	}
	if !strings.Contains(s, "2026-10-01 succeeded") {
		waitText(t, tm, "2026-10-01 succeeded")
	}

	keys(tm, "D", "y")
	waitText(t, tm, `subscription to "Failed logins" deleted`)
	waitText(t, tm, "no subscriptions")
	if _, err := e.Eng.GetSubscription(context.Background(), e.Alice, sub.ID); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("still subscribed: %v", err)
	}
}

func TestSubscriptionsViewerOnlyLooks(t *testing.T) {
	e := newEnv(t, false)
	sub := subscribe(t, e, "UTC")
	tm := run_(t, e)
	s := waitText(t, tm, "Failed logins")
	footer := s[strings.LastIndex(s, "\n")+1:]
	if strings.Contains(footer, "pause") || strings.Contains(footer, "run now") || strings.Contains(footer, "delete") {
		t.Errorf("a viewer's footer offers actions: %q", footer)
	}
	keys(tm, "p")
	waitText(t, tm, "pause/resume: your role can only view subscriptions")
	keys(tm, "R")
	waitText(t, tm, "run now: your role can only view subscriptions")
	keys(tm, "D")
	s = waitText(t, tm, "delete: your role can only view subscriptions")
	if strings.Contains(s, "y/n") {
		t.Fatal("a viewer was asked to confirm a delete")
	}
	goldens(t, tm)
	info, err := e.Eng.GetSubscription(context.Background(), e.Alice, sub.ID)
	if err != nil || !info.Enabled || len(info.Runs) != 0 {
		t.Fatalf("a viewer changed the subscription: %+v %v", info, err)
	}
}

func TestSubscriptionsRefreshOnNotice(t *testing.T) {
	e := newEnv(t, true)
	tm := run_(t, e)
	waitText(t, tm, "no subscriptions")
	subscribe(t, e, "UTC") // the engine announces it; the view reloads by itself
	waitText(t, tm, "Failed logins")
}

func TestSubscriptionsDropsStaleLists(t *testing.T) {
	e := newEnv(t, true)
	m := New(e.Ctx)
	m.SetSize(80, 20)
	m.gen = 2
	m.Update(listMsg{view: m.id, gen: 1, subs: []core.SubscriptionInfo{{}}})
	if m.loaded {
		t.Fatal("stale list applied")
	}
	m.Update(listMsg{view: m.id, gen: 2})
	if !m.loaded || !strings.Contains(m.View(), "no subscriptions") {
		t.Fatalf("current list not applied:\n%s", m.View())
	}
}

// A webhook that always fails: the run's report exists, and the list,
// the detail and the run history say the notice was not delivered.
func TestSubscriptionsShowUndeliveredWebhook(t *testing.T) {
	e := viewkittest.NewEnvWith(t, true, core.WithWebhookRetries(2, func(int) time.Duration { return 0 }))
	e.StartTasks(t)
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "down for maintenance", http.StatusBadGateway)
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	e.Clock.Set(time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC))
	sub, err := e.Eng.Subscribe(context.Background(), e.Alice, core.SubscribeRequest{DefinedReportID: "18", Period: "month", Webhook: srv.URL + "/hook"})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Set(time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC))
	tm := run_(t, e)
	waitText(t, tm, "Failed logins")
	keys(tm, "R")
	waitText(t, tm, `webhook of "Failed logins" failed after 2 attempts: HTTP 502`)
	s := waitText(t, tm, "2026-10-01 undelivered")
	if !strings.Contains(s, "Delivery") || hits.Load() != 2 {
		t.Errorf("detail lacks the delivery (%d hits):\n%s", hits.Load(), s)
	}
	info, _ := e.Eng.GetSubscription(context.Background(), e.Alice, sub.ID)
	if len(info.Runs) != 1 || info.Runs[0].State != schedule.Succeeded || info.Runs[0].Delivery.State != core.DeliveryFailed {
		t.Fatalf("runs %+v", info.Runs)
	}
	keys(tm, "enter")
	s = waitText(t, tm, "Run history")
	if !strings.Contains(s, "failed ×2") {
		t.Errorf("history lacks the delivery:\n%s", s)
	}
	goldens(t, tm) // the history shows no webhook URL (its port changes per run)
}
