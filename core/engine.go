package core

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/auditdeck/auditdeck/core/delivery"
	"github.com/auditdeck/auditdeck/core/query"
)

// Engine is the one value shared by every front end of a process: CLI
// commands, TUI sessions, the HTTP API, the task runner and the scheduler.
type Engine struct {
	store Store
	now   func() time.Time
	log   *slog.Logger

	predefinedMu sync.Mutex
	predefinedOK atomic.Bool
	tasks        atomic.Pointer[TaskRunner]
	sched        schedulerState
	watch        watchers
	webhook      delivery.Options // retries of subscription webhooks
}

// Tasks returns the running task runner, or nil before StartTasks.
func (e *Engine) Tasks() *TaskRunner { return e.tasks.Load() }

// EngineOption configures an Engine.
type EngineOption func(*Engine)

// WithClock injects the clock, so tests control relative times.
func WithClock(now func() time.Time) EngineOption {
	return func(e *Engine) { e.now = now }
}

// WithWebhookRetries sets how subscription webhooks are retried: at most
// attempts POSTs, waiting backoff(n) after failed attempt n (defaults:
// delivery.DefaultMaxAttempts, delivery.DefaultBackoff).
func WithWebhookRetries(attempts int, backoff func(attempt int) time.Duration) EngineOption {
	return func(e *Engine) { e.webhook.MaxAttempts, e.webhook.Backoff = attempts, backoff }
}

// WithLogger sets where background problems are reported.
func WithLogger(l *slog.Logger) EngineOption {
	return func(e *Engine) { e.log = l }
}

func (e *Engine) logf(format string, a ...any) {
	e.log.Warn(fmt.Sprintf(format, a...))
}

// NewEngine wraps a store.
func NewEngine(s Store, opts ...EngineOption) *Engine {
	e := &Engine{store: s, now: time.Now, log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	for _, o := range opts {
		o(e)
	}
	return e
}

// Pin names the store's current state; see ActivityStore.Pin.
func (e *Engine) Pin() uint64 { return e.store.Pin() }

// Store returns the underlying store.
func (e *Engine) Store() Store { return e.store }

// Now is the engine's clock.
func (e *Engine) Now() time.Time { return e.now() }

// Close closes the store.
func (e *Engine) Close() error { return e.store.Close() }

// Compile type-checks a filter against the activity schema and resolves its
// relative times against the engine's clock.
func (e *Engine) Compile(f query.Filter) (*query.Compiled, error) {
	return query.Compile(f, ActivitySchema, e.now())
}

// QuerySpec is a query as front ends state it.
type QuerySpec struct {
	Filter  query.Filter
	Order   query.Order
	Limit   int
	Offset  int
	Cursor  string
	WithRaw bool
}

// Page is one page of results.
type Page struct {
	Items []Activity
	Next  string // cursor of the next page, "" on the last page
}

func (e *Engine) scanRequest(q QuerySpec) (ScanRequest, error) {
	c, err := e.Compile(q.Filter)
	if err != nil {
		return ScanRequest{}, err
	}
	order := q.Order
	if len(order) == 0 {
		order = query.DefaultOrder
	}
	if err := query.CompileOrder(order, ActivitySchema); err != nil {
		return ScanRequest{}, err
	}
	if q.Limit < 0 || q.Offset < 0 {
		return ScanRequest{}, fmt.Errorf("limit and offset must not be negative")
	}
	return ScanRequest{Filter: c, Order: order, Cursor: q.Cursor, Offset: q.Offset, Limit: q.Limit, WithRaw: q.WithRaw}, nil
}

// Query returns one page. Limit 0 is not allowed here: use Scan to stream everything.
func (e *Engine) Query(ctx context.Context, q QuerySpec) (Page, error) {
	if q.Limit <= 0 {
		return Page{}, fmt.Errorf("a page needs a positive limit")
	}
	req, err := e.scanRequest(q)
	if err != nil {
		return Page{}, err
	}
	p := Page{Items: make([]Activity, 0, q.Limit)}
	p.Next, err = e.store.Scan(ctx, req, func(a *Activity) error {
		p.Items = append(p.Items, *a)
		return nil
	})
	return p, err
}

// Scan streams every matching activity (bounded by q.Limit when set) to fn.
func (e *Engine) Scan(ctx context.Context, q QuerySpec, fn func(*Activity) error) (string, error) {
	req, err := e.scanRequest(q)
	if err != nil {
		return "", err
	}
	return e.store.Scan(ctx, req, fn)
}

// Count counts matching activities.
func (e *Engine) Count(ctx context.Context, f query.Filter) (int64, error) {
	c, err := e.Compile(f)
	if err != nil {
		return 0, err
	}
	return e.store.Count(ctx, c)
}

// Explain describes the plan for a filter and order.
func (e *Engine) Explain(f query.Filter, order query.Order) (string, error) {
	c, err := e.Compile(f)
	if err != nil {
		return "", err
	}
	if len(order) == 0 {
		order = query.DefaultOrder
	}
	return e.store.Explain(c, order), nil
}

// Get returns activities by id.
func (e *Engine) Get(ctx context.Context, ids []string, withRaw bool) ([]Activity, error) {
	return e.store.Get(ctx, ids, withRaw)
}

// HistogramResult is a filter's events counted over time.
type HistogramResult struct {
	Start, End time.Time // the window: the filter's, else the stored events'
	Counts     []int64   // equal buckets of [Start, End)
	Total      int64
}

// Histogram counts a filter's matches in buckets over its time window (or,
// when the filter has none, over the stored events' time range).
func (e *Engine) Histogram(ctx context.Context, f query.Filter, buckets int) (HistogramResult, error) {
	var res HistogramResult
	c, err := e.Compile(f)
	if err != nil {
		return res, err
	}
	lo, hi := c.TimeRange("created_at")
	st := e.store.Stats()
	if lo == math.MinInt64 {
		lo = st.OldestEvent.UnixNano()
	}
	if hi == math.MaxInt64 {
		hi = st.NewestEvent.UnixNano()
	}
	hi++ // make the window half-open over an inclusive bound
	if st.Events == 0 || hi <= lo || buckets <= 0 {
		return res, nil
	}
	res.Start, res.End = time.Unix(0, lo).UTC(), time.Unix(0, hi).UTC()
	res.Counts = make([]int64, buckets)
	if err := e.store.Histogram(ctx, c, lo, hi, res.Counts); err != nil {
		return res, err
	}
	for _, n := range res.Counts {
		res.Total += n
	}
	return res, nil
}
