package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/auditdeck/auditdeck/core/delivery"
	"github.com/auditdeck/auditdeck/core/schedule"
)

// Subscription is a user's periodic report: the scheduler's view plus the
// optional webhook that is told about every generated report.
type Subscription struct {
	schedule.Subscription
	Webhook       string    `json:"webhook,omitempty"`
	WebhookSecret string    `json:"webhook_secret,omitempty"`
	ModifiedAt    time.Time `json:"modified_at"`
}

// SubscriptionInfo is a subscription with its schedule state for display.
type SubscriptionInfo struct {
	Subscription
	NextRunAt time.Time `json:"next_run_at,omitzero"`
	Runs      []RunInfo `json:"runs,omitempty"` // newest first
}

// SubscribeRequest creates a subscription.
type SubscribeRequest struct {
	DefinedReportID string
	Period          string
	Formats         []string      // default csv
	TimeZone        string        // default UTC
	Delay           time.Duration // default 15 minutes
	Webhook         string        // optional
	// Owner subscribes another user (Fudo's user_id): admins only; the
	// report must be one that user can see. "" is the actor.
	Owner string
}

const (
	kindSubscription = "subscription"
	kindWebhookTry   = "webhook.attempt"
	defaultDelay     = 15 * time.Minute
	// maxCatchUp periods are generated after an outage (a month of daily
	// reports); older missed periods are recorded as skipped.
	maxCatchUp = 31
)

func runKind(subID string) string { return "run." + subID }

// Subscribe creates a subscription to a report the actor can see.
func (e *Engine) Subscribe(ctx context.Context, a Actor, r SubscribeRequest) (Subscription, error) {
	owner := a.User
	if r.Owner != "" && r.Owner != a.User {
		if !a.Admin {
			return Subscription{}, fmt.Errorf("subscribe user %q: only an admin subscribes other users: %w", r.Owner, ErrForbidden)
		}
		if err := validText("user_id", r.Owner, 200, true); err != nil {
			return Subscription{}, err
		}
		owner = r.Owner
	}
	// The report must be one the subscriber sees: an admin cannot hand a
	// user the contents of someone else's private definition.
	def, err := e.GetReport(ctx, Actor{User: owner, Admin: a.Admin && owner == a.User}, r.DefinedReportID)
	if errors.Is(err, ErrNotFound) {
		if owner != a.User {
			return Subscription{}, fieldErr("defined_report_id", "no defined report %q that user %q can see", r.DefinedReportID, owner)
		}
		return Subscription{}, fieldErr("defined_report_id", "no defined report %q", r.DefinedReportID)
	}
	if err != nil {
		return Subscription{}, err
	}
	// The owner's role decides, by the rule the scheduled runs use: an
	// audit subscription for a non-admin would never run.
	if def.Type == TypeAudit && !e.ownerIsAdmin(a, owner) {
		if owner != a.User {
			return Subscription{}, fmt.Errorf("subscribe user %q: %w", owner, ErrAuditNeedsAdmin)
		}
		return Subscription{}, ErrAuditNeedsAdmin
	}
	p, err := schedule.ParsePeriod(r.Period)
	if err != nil {
		return Subscription{}, &FieldError{Field: "period", Err: err}
	}
	if len(r.Formats) == 0 {
		r.Formats = []string{"csv"}
	}
	if r.Delay == 0 {
		r.Delay = defaultDelay
	}
	now := e.now().UTC()
	s := Subscription{Subscription: schedule.Subscription{ID: NewID(now), DefinedReportID: def.ID, Owner: owner, Period: p,
		Formats: r.Formats, TimeZone: r.TimeZone, Delay: r.Delay, Enabled: true, CreatedAt: now}, ModifiedAt: now}
	if err := schedule.ValidateSubscription(s.Subscription); err != nil {
		return Subscription{}, err
	}
	probe := ExportRequest{Type: def.Type, Formats: r.Formats, FileName: "probe"}
	if err := probe.validate(nil); err != nil {
		return Subscription{}, err
	}
	if r.Webhook != "" {
		if err := delivery.ValidateURL(r.Webhook); err != nil {
			return Subscription{}, &FieldError{Field: "webhook", Err: err}
		}
		s.Webhook = r.Webhook
		if s.WebhookSecret, err = delivery.NewSecret(); err != nil {
			return Subscription{}, err
		}
	}
	if err := e.putJSON(ctx, kindSubscription, s.ID, s); err != nil {
		return Subscription{}, err
	}
	detail := map[string]any{"defined_report_id": def.ID, "period": string(p), "time_zone": s.TimeZone, "filter": def.QueryFilter}
	if owner != a.User {
		detail["owner"] = owner
	}
	e.audit(ctx, a, "subscription.create", s.ID, detail)
	e.wakeScheduler()
	return s, nil
}

// ownerIsAdmin is whether the owner of work the actor files may have
// admin-only reports: the actor's own role, or, for another user (an
// admin's user_id), that user's role now, as the scheduled run will judge
// it. Without a task runner to ask, another user is not.
func (e *Engine) ownerIsAdmin(a Actor, owner string) bool {
	if owner == a.User {
		return a.Admin
	}
	tr := e.Tasks()
	return tr != nil && tr.ownerIsAdmin(owner)
}

func (e *Engine) getSub(ctx context.Context, a Actor, id string) (Subscription, error) {
	if err := e.InstallPredefined(ctx); err != nil {
		return Subscription{}, err
	}
	var s Subscription
	if err := e.getJSON(ctx, kindSubscription, id, &s); err != nil {
		return s, err
	}
	if !a.Admin && s.Owner != a.User {
		return Subscription{}, ErrNotFound
	}
	return s, nil
}

// GetSubscription returns a subscription with its next run and history.
func (e *Engine) GetSubscription(ctx context.Context, a Actor, id string) (SubscriptionInfo, error) {
	s, err := e.getSub(ctx, a, id)
	if err != nil {
		return SubscriptionInfo{}, err
	}
	return e.subInfo(ctx, s)
}

func (e *Engine) subInfo(ctx context.Context, s Subscription) (SubscriptionInfo, error) {
	info := SubscriptionInfo{Subscription: s}
	if s.Enabled {
		if next, err := e.scheduler().NextRun(s.Subscription); err == nil {
			info.NextRunAt = next
		}
	}
	runs, err := (&runStore{e: e}).Runs(s.ID)
	if err != nil {
		return info, err
	}
	info.Runs, err = e.runInfos(ctx, s, runs)
	return info, err
}

// ListSubscriptions returns the subscriptions the actor may see.
func (e *Engine) ListSubscriptions(ctx context.Context, a Actor) ([]SubscriptionInfo, error) {
	if err := e.InstallPredefined(ctx); err != nil {
		return nil, err
	}
	var subs []Subscription
	err := e.objects.ListObjects(ctx, kindSubscription, func(id string, doc []byte) error {
		var s Subscription
		if err := json.Unmarshal(doc, &s); err != nil {
			return fmt.Errorf("decode subscription %s: %w", id, err)
		}
		if a.Admin || s.Owner == a.User {
			subs = append(subs, s)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]SubscriptionInfo, 0, len(subs))
	for _, s := range subs {
		info, err := e.subInfo(ctx, s)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(x, y SubscriptionInfo) int { return x.CreatedAt.Compare(y.CreatedAt) })
	return out, nil
}

// SetSubscriptionEnabled pauses or resumes a subscription.
func (e *Engine) SetSubscriptionEnabled(ctx context.Context, a Actor, id string, enabled bool) (Subscription, error) {
	s, err := e.getSub(ctx, a, id)
	if err != nil {
		return s, err
	}
	s.Enabled, s.ModifiedAt = enabled, e.now().UTC()
	if err := e.putJSON(ctx, kindSubscription, id, s); err != nil {
		return s, err
	}
	action := "subscription.pause"
	if enabled {
		action = "subscription.resume"
	}
	e.audit(ctx, a, action, id, nil)
	e.wakeScheduler()
	return s, nil
}

// Unsubscribe deletes a subscription; its generated reports stay until they expire.
func (e *Engine) Unsubscribe(ctx context.Context, a Actor, id string) error {
	s, err := e.getSub(ctx, a, id)
	if err != nil {
		return err
	}
	if err := e.deleteSubscription(ctx, id); err != nil {
		return err
	}
	e.audit(ctx, a, "subscription.delete", id, map[string]any{"defined_report_id": s.DefinedReportID})
	e.wakeScheduler()
	return nil
}

// deleteSubscription removes a subscription, then its run and delivery
// records, which nothing reads once it is gone. The subscription goes
// first: a crash part-way leaves only unread records behind.
func (e *Engine) deleteSubscription(ctx context.Context, id string) error {
	if err := e.objects.DeleteObject(ctx, kindSubscription, id); err != nil {
		return err
	}
	for _, kind := range []string{runKind(id), deliveryKind(id)} {
		var ids []string
		if err := e.objects.ListObjects(ctx, kind, func(rid string, _ []byte) error {
			ids = append(ids, rid)
			return nil
		}); err != nil {
			return fmt.Errorf("subscription %s records: %w", id, err)
		}
		for _, rid := range ids {
			if err := e.objects.DeleteObject(ctx, kind, rid); err != nil {
				return fmt.Errorf("subscription %s records: %w", id, err)
			}
		}
	}
	return nil
}

// RunSubscriptionNow generates the latest complete period at once (still
// once per period). When that period's report exists already and its
// webhook notice failed, the notice is delivered again: after fixing a
// receiver, "run now" is how an operator gets the notice through.
func (e *Engine) RunSubscriptionNow(ctx context.Context, a Actor, id string) (RunInfo, error) {
	s, err := e.getSub(ctx, a, id)
	if err != nil {
		return RunInfo{}, err
	}
	// Refused at once, not after the scheduler's attempts: the report
	// would count against the owner's limit like any task they start.
	if tr := e.Tasks(); tr != nil {
		if err := tr.room(s.Owner); err != nil {
			return RunInfo{}, err
		}
	}
	e.audit(ctx, a, "subscription.run", id, nil)
	notified := new(bool)
	run, err := e.scheduler().RunNow(context.WithValue(ctx, notifiedKey{}, notified), s.Subscription)
	info := RunInfo{Run: run, Delivery: Delivery{State: DeliveryNone}}
	if err != nil || run.State != schedule.Succeeded || run.ReportID == "" || s.Webhook == "" {
		return info, err
	}
	if info.Delivery, err = e.RunDelivery(ctx, a, id, run.ReportID); err != nil {
		return info, err
	}
	if !*notified && (info.Delivery.State == DeliveryFailed || info.Delivery.State == DeliveryUnknown) {
		tr := e.Tasks()
		if tr == nil {
			return info, errors.New("task runner is not running")
		}
		t, err := tr.Get(ctx, Actor{User: s.Owner, Admin: true}, run.ReportID)
		if err != nil {
			return info, fmt.Errorf("report %s: %w", run.ReportID, err)
		}
		info.Delivery, err = e.notify(ctx, s, t, run.Window)
		if err != nil {
			return info, err
		}
	}
	return info, nil
}

// notifiedKey marks a RunNow context; generateReport sets the flag when it
// delivered the notice itself.
type notifiedKey struct{}

// isRunNow reports a context of RunSubscriptionNow: a user asked for the
// report, so it counts against their task limit.
func isRunNow(ctx context.Context) bool { return ctx.Value(notifiedKey{}) != nil }

// runStore is the scheduler's persistence on the object store.
type runStore struct{ e *Engine }

func (r *runStore) Subscriptions() ([]schedule.Subscription, error) {
	var out []schedule.Subscription
	err := r.e.objects.ListObjects(context.Background(), kindSubscription, func(id string, doc []byte) error {
		var s Subscription
		if err := json.Unmarshal(doc, &s); err != nil {
			return fmt.Errorf("decode subscription %s: %w", id, err)
		}
		out = append(out, s.Subscription)
		return nil
	})
	return out, err
}

func runID(start time.Time) string { return fmt.Sprintf("%020d", start.UnixNano()) }

func (r *runStore) Run(subID string, start time.Time) (schedule.Run, bool, error) {
	var run schedule.Run
	err := r.e.getJSON(context.Background(), runKind(subID), runID(start), &run)
	if errors.Is(err, ErrNotFound) {
		return run, false, nil
	}
	return run, err == nil, err
}

func (r *runStore) PutRun(run schedule.Run) error {
	if err := r.e.putJSON(context.Background(), runKind(run.SubscriptionID), runID(run.Window.Start), run); err != nil {
		return err
	}
	r.e.publish(ChangeSubscriptions, run.SubscriptionID)
	return nil
}

func (r *runStore) Runs(subID string) ([]schedule.Run, error) {
	var out []schedule.Run
	err := r.e.objects.ListObjects(context.Background(), runKind(subID), func(id string, doc []byte) error {
		var run schedule.Run
		if err := json.Unmarshal(doc, &run); err != nil {
			return err
		}
		out = append(out, run)
		return nil
	})
	slices.Reverse(out) // ids sort by window start
	return out, err
}

// schedulerState holds the engine's one scheduler.
type schedulerState struct {
	running atomic.Bool
	once    sync.Once
	s       *schedule.Scheduler
	wake    chan struct{}
	clock   func() time.Time
}

func (e *Engine) scheduler() *schedule.Scheduler {
	e.sched.once.Do(func() {
		e.sched.wake = make(chan struct{}, 1)
		e.sched.s = schedule.New(&runStore{e: e}, e.generateReport, schedule.Options{Clock: e.now, Wake: e.sched.wake, MaxCatchUp: maxCatchUp,
			OnError: func(err error) { e.logf("scheduler: %v", err) }})
	})
	return e.sched.s
}

func (e *Engine) wakeScheduler() {
	e.publish(ChangeSubscriptions, "")
	if e.sched.wake == nil {
		return
	}
	select {
	case e.sched.wake <- struct{}{}:
	default:
	}
}

// RunScheduler recovers interrupted runs and generates due reports until ctx
// ends. It needs the task runner (StartTasks) for the files.
func (e *Engine) RunScheduler(ctx context.Context) error {
	s := e.scheduler()
	// A start that fails (damaged or unreadable objects, a full disk) is
	// tried again with a growing wait instead of leaving the daemon without
	// a scheduler for the rest of its life.
	wait := schedulerStartRetry
	for {
		err := e.InstallPredefined(ctx)
		if err == nil {
			err = s.Recover(ctx)
		}
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e.log.Error("scheduler could not start; trying again", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
	e.sched.running.Store(true)
	defer e.sched.running.Store(false)
	return s.Loop(ctx)
}

// schedulerStartRetry is the first wait after a failed scheduler start.
var schedulerStartRetry = time.Second

// SchedulerRunning reports whether RunScheduler is generating reports in
// this process.
func (e *Engine) SchedulerRunning() bool { return e.sched.running.Load() }

// SchedulerTick generates everything due now; tests and the CLI use it.
func (e *Engine) SchedulerTick(ctx context.Context) error {
	if err := e.InstallPredefined(ctx); err != nil {
		return err
	}
	s := e.scheduler()
	if err := s.Recover(ctx); err != nil {
		return err
	}
	return s.Tick(ctx)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_ -]+`)

// reportFileTitle makes a report title usable in a file name whatever it
// holds: ASCII letters, digits, spaces, dashes; at most 60 bytes.
func reportFileTitle(title string) string {
	t := strings.Trim(strings.Join(strings.Fields(unsafeName.ReplaceAllString(title, "-")), " "), " -")
	if len(t) > 60 {
		t = strings.TrimRight(t[:60], " -")
	}
	if t == "" {
		return "report"
	}
	return t
}

// reportTaskID is the same for the same (subscription, window), so a run
// repeated after a crash finds its report instead of writing a second one.
func reportTaskID(subID string, w schedule.Window) string {
	return "r" + subID + "-" + strconv.FormatInt(w.Start.Unix(), 10)
}

// generateReport is the scheduler's Generate: one report task per
// (subscription, window), then the webhook notice.
func (e *Engine) generateReport(ctx context.Context, sub schedule.Subscription, w schedule.Window) (string, int64, error) {
	tr := e.Tasks()
	if tr == nil {
		return "", 0, errors.New("task runner is not running")
	}
	var full Subscription
	if err := e.getJSON(ctx, kindSubscription, sub.ID, &full); err != nil {
		return "", 0, err
	}
	owner := Actor{User: sub.Owner, Admin: tr.ownerIsAdmin(sub.Owner), From: "scheduler"}
	// full, read now, has the report id as migrated; sub may be older.
	def, err := e.GetReport(ctx, Actor{User: sub.Owner, Admin: true}, full.DefinedReportID)
	if err != nil {
		return "", 0, fmt.Errorf("defined report %s: %w", full.DefinedReportID, err)
	}
	id := reportTaskID(sub.ID, w)
	var t Task
	err = e.getJSON(ctx, kindTask, id, &t)
	switch {
	case errors.Is(err, ErrNotFound):
		start, end := w.Start.UTC(), w.End.UTC()
		pin := end
		name := fmt.Sprintf("%s %s %s", reportFileTitle(def.Title), start.In(loadLoc(sub.TimeZone)).Format("2006-01-02"), id)
		req := ExportRequest{Type: def.Type, Title: def.Title, Filter: def.QueryFilter, Order: def.QueryOrder, Columns: def.Columns,
			GroupBy: def.GroupBy, Formats: sub.Formats, FileName: name, DefinedReportID: def.ID, SubscriptionID: sub.ID,
			WindowStart: &start, WindowEnd: &end, PinAt: &pin, TimeZone: sub.TimeZone}
		if t, err = tr.submit(ctx, owner, "report", id, req); err != nil {
			return "", 0, err
		}
	case err != nil:
		return "", 0, err
	case t.Status == TaskFailed || t.Status == TaskCanceled:
		if t, err = tr.Retry(ctx, owner, id); err != nil {
			return "", 0, err
		}
	}
	t, err = tr.Wait(ctx, owner, id, 50*time.Millisecond, nil)
	if err != nil {
		return "", 0, err
	}
	if t.Status != TaskSucceeded {
		return id, 0, fmt.Errorf("report %s %s: %s", id, t.Status, t.Error)
	}
	if full.Webhook != "" {
		if flag, ok := ctx.Value(notifiedKey{}).(*bool); ok {
			*flag = true
		}
		if _, err := e.notify(ctx, full, t, w); err != nil {
			// Shutdown during the retries: the run stays unfinished and
			// is generated (found) and delivered again on the next start.
			return id, 0, err
		}
	}
	e.publish(ChangeSubscriptions, sub.ID)
	return id, t.Done, nil
}

func loadLoc(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

// WebhookAttempt is one recorded delivery attempt.
type WebhookAttempt struct {
	ReportID       string           `json:"report_id"`
	SubscriptionID string           `json:"subscription_id"`
	URL            string           `json:"url"`
	Attempt        delivery.Attempt `json:"attempt"`
}

// notify posts the signed notice and records the outcome per attempt and
// at the end (see Delivery). A failed delivery is recorded, never fatal to
// the report, which is already kept as a file; the error returned is the
// end of ctx only.
func (e *Engine) notify(ctx context.Context, s Subscription, t Task, w schedule.Window) (Delivery, error) {
	formats := make([]string, len(t.Files))
	for i, f := range t.Files {
		formats[i] = f.Format
	}
	path := ""
	if len(formats) > 0 {
		path = delivery.DownloadPath(t.ID, formats[0])
	}
	n := delivery.Notice{Event: delivery.EventReportGenerated, ReportID: t.ID, SubscriptionID: s.ID, DefinedReportID: s.DefinedReportID,
		WindowStart: w.Start, WindowEnd: w.End, Rows: t.Done, Formats: formats, DownloadPath: path, GeneratedAt: t.FinishedAt}
	d := Delivery{State: DeliveryPending}
	e.putDelivery(ctx, s.ID, t.ID, d)
	opts := e.webhook
	opts.Clock = e.now
	opts.OnAttempt = func(a delivery.Attempt) {
		rec := WebhookAttempt{ReportID: t.ID, SubscriptionID: s.ID, URL: s.Webhook, Attempt: a}
		// The time keeps the attempts of a delivery repeated after a
		// crash beside the first ones instead of over them.
		key := fmt.Sprintf("%s-%020d-%03d", t.ID, a.At.UnixNano(), a.N)
		if err := e.putJSON(ctx, kindWebhookTry, key, rec); err != nil {
			e.logf("record webhook attempt: %v", err)
		}
		d.Attempts++
		d.LastStatus, d.LastError, d.At = a.Status, a.Error, a.At
		e.putDelivery(ctx, s.ID, t.ID, d)
	}
	_, err := delivery.Deliver(ctx, s.Webhook, []byte(s.WebhookSecret), n, opts)
	switch {
	case err == nil:
		d.State = DeliveryDelivered
	case ctx.Err() != nil:
		// Left pending: the interrupted run delivers again on the next start.
		e.logf("webhook for report %s interrupted: %v", t.ID, err)
		return d, ctx.Err()
	default:
		d.State = DeliveryFailed
		if d.LastError == "" {
			d.LastError = err.Error() // failed before any attempt (bad URL, no secret)
		}
		e.logf("webhook for report %s: %v", t.ID, err)
	}
	// Recorded with a context of its own: the outcome must be kept even
	// if ctx ends right now.
	e.putDelivery(context.WithoutCancel(ctx), s.ID, t.ID, d)
	e.audit(ctx, Actor{User: s.Owner, From: "scheduler"}, "webhook.deliver", t.ID, map[string]any{"error": errString(err), "url": s.Webhook,
		"delivery": string(d.State), "attempts": d.Attempts})
	e.publish(ChangeSubscriptions, s.ID)
	return d, nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// WebhookAttempts returns the recorded delivery attempts of a report.
func (e *Engine) WebhookAttempts(ctx context.Context, reportID string) ([]WebhookAttempt, error) {
	var out []WebhookAttempt
	err := e.objects.ListObjects(ctx, kindWebhookTry, func(id string, doc []byte) error {
		if !strings.HasPrefix(id, reportID+"-") {
			return nil
		}
		var a WebhookAttempt
		if err := json.Unmarshal(doc, &a); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	slices.SortFunc(out, func(x, y WebhookAttempt) int {
		if c := x.Attempt.At.Compare(y.Attempt.At); c != 0 {
			return c
		}
		return x.Attempt.N - y.Attempt.N
	})
	return out, err
}
