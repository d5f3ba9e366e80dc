package core

import (
	"context"
	"errors"
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
	events  ActivityStore
	objects ObjectStore
	now     func() time.Time
	log     *slog.Logger

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

// NewEngine wraps the two halves of storage: events (activities, triage,
// audit, consumption) and objects (reports, subscriptions, tasks, tokens).
// They may be one value (store.Store is both) or two backends. The engine
// finds the optional parts of the events store by interface assertion:
// FieldPathStore (field-path warnings; without it ingest records no paths
// and filters get no "no event has field" warning) and HealthChecker
// (readiness; without it the store is taken as healthy).
func NewEngine(events ActivityStore, objects ObjectStore, opts ...EngineOption) *Engine {
	e := &Engine{events: events, objects: objects, now: time.Now, log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	for _, o := range opts {
		o(e)
	}
	return e
}

// Pin names the store's current state; see ActivityStore.Pin.
func (e *Engine) Pin() Pin { return e.events.Pin() }

// Events returns the event store the engine was made with.
func (e *Engine) Events() ActivityStore { return e.events }

// Objects returns the object store the engine was made with.
func (e *Engine) Objects() ObjectStore { return e.objects }

// Stats describes the event store's size.
func (e *Engine) Stats() StoreStats { return e.events.Stats() }

// Now is the engine's clock.
func (e *Engine) Now() time.Time { return e.now() }

// Close closes the event store, and the object store when it is another
// value that can be closed.
func (e *Engine) Close() error {
	err := e.events.Close()
	if c, ok := e.objects.(interface{ Close() error }); ok && any(e.objects) != any(e.events) {
		err = errors.Join(err, c.Close())
	}
	return err
}

// Compile type-checks a filter against the activity schema, extended with
// the fields of the stored events (see Schema), and resolves its relative
// times against the engine's clock.
func (e *Engine) Compile(f query.Filter) (*query.Compiled, error) {
	return query.Compile(f, e.Schema(context.Background()), e.now())
}

// Schema is ActivitySchema extended with the store's field catalog:
// a filter may name any field some stored event has ("custom.tenant"), not
// only those beneath the schema's open objects. When the catalog cannot be
// read the plain schema answers.
func (e *Engine) Schema(ctx context.Context) *query.Schema {
	return ActivitySchema.WithFields(e.storedFields(ctx))
}

// storedFields is the store's field catalog as a query.FieldSource, read
// on first need.
func (e *Engine) storedFields(ctx context.Context) query.FieldSource {
	return &lazyCatalog{load: func() *FieldCatalog {
		c, err := e.fieldPaths().Fields(ctx)
		if err != nil {
			return nil
		}
		return c
	}}
}

// lazyCatalog reads the catalog only when the schema asks about an
// undeclared field: most filters name none, and an older store's first read
// rebuilds its catalog from every event.
type lazyCatalog struct {
	once sync.Once
	load func() *FieldCatalog
	cat  *FieldCatalog
}

func (l *lazyCatalog) get() *FieldCatalog {
	l.once.Do(func() { l.cat = l.load() })
	return l.cat
}

func (l *lazyCatalog) HasField(path string) (ok, boolean bool) { return l.get().HasField(path) }
func (l *lazyCatalog) FieldNames() []string                    { return l.get().FieldNames() }

// Fields returns the store's field catalog.
func (e *Engine) Fields(ctx context.Context) (*FieldCatalog, error) {
	return e.fieldPaths().Fields(ctx)
}

// QuerySpec is a query as front ends state it.
type QuerySpec struct {
	Filter  query.Filter
	Order   query.Order
	Limit   int
	Offset  int
	Cursor  string
	WithRaw bool
	// From, FromInclusive and Backward page from a row's place in a time
	// order: see ScanRequest.
	From          *RowKey
	FromInclusive bool
	Backward      bool
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
	if err := query.CompileOrder(order, e.Schema(context.Background())); err != nil {
		return ScanRequest{}, err
	}
	if q.Limit < 0 || q.Offset < 0 {
		return ScanRequest{}, fmt.Errorf("limit and offset must not be negative")
	}
	return ScanRequest{Filter: c, Order: order, Cursor: q.Cursor, Offset: q.Offset, Limit: q.Limit, WithRaw: q.WithRaw,
		From: q.From, FromInclusive: q.FromInclusive, Backward: q.Backward}, nil
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
	p.Next, err = e.events.Scan(ctx, req, func(a *Activity) error {
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
	return e.events.Scan(ctx, req, fn)
}

// Count counts matching activities.
func (e *Engine) Count(ctx context.Context, f query.Filter) (int64, error) {
	c, err := e.Compile(f)
	if err != nil {
		return 0, err
	}
	return e.events.Count(ctx, c)
}

// CountBefore counts the matches that precede a row's key in the default
// order: that row's index in the result.
func (e *Engine) CountBefore(ctx context.Context, f query.Filter, k RowKey) (int64, error) {
	c, err := e.Compile(f)
	if err != nil {
		return 0, err
	}
	return e.events.CountBefore(ctx, c, k)
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
	return e.events.Explain(c, order), nil
}

// Get returns activities by id.
func (e *Engine) Get(ctx context.Context, ids []string, withRaw bool) ([]Activity, error) {
	return e.events.Get(ctx, ids, withRaw)
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
	st := e.events.Stats()
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
	if err := e.events.Histogram(ctx, c, lo, hi, res.Counts); err != nil {
		return res, err
	}
	for _, n := range res.Counts {
		res.Total += n
	}
	return res, nil
}
