package core

import (
	"context"
	"errors"
	"time"

	"github.com/auditdeck/auditdeck/core/query"
)

// ErrLocked means another process holds the data directory.
var ErrLocked = errors.New("data directory is in use by another process")

// ErrClosed means a snapshot or store was used after Close.
var ErrClosed = errors.New("closed")

// ErrNotFound means no object has the id asked for (or the caller may not see it).
var ErrNotFound = errors.New("not found")

// ErrDamaged means stored data failed its checksum or could not be decoded;
// the error names the damaged block. Other data stays readable.
var ErrDamaged = errors.New("damaged data in the store")

// ErrBadCursor means a page cursor is malformed or belongs to another query.
var ErrBadCursor = errors.New("invalid or stale cursor")

// IngestRecord is one validated event on its way into the store.
type IngestRecord struct {
	Fields ActivityFields
	Raw    []byte
}

// BatchResult counts what one durable batch changed.
type BatchResult struct {
	Inserted  int // new event ids
	Updated   int // known ids whose content changed: the old version is replaced
	Unchanged int // known ids with identical content: nothing written
}

// ScanRequest selects, orders and bounds a stream of activities.
type ScanRequest struct {
	Filter  *query.Compiled // nil matches everything
	Order   query.Order     // empty means query.DefaultOrder
	Cursor  string          // opaque keyset cursor from a previous page; rows strictly after it
	Offset  int             // rows to skip after the cursor (or after From)
	Limit   int             // 0 = no limit
	WithRaw bool            // load the raw JSON of each returned row
	// From starts a time-ordered scan at a row's place instead of at the
	// first row: the rows after From in the order, From's own row too when
	// FromInclusive. No row need have that key. It needs a time order
	// (the default, or created_at ascending) and no Cursor.
	From          *RowKey
	FromInclusive bool
	// Backward reads a time order from the other end: the rows before From
	// (every row, from the last, when From is nil), nearest first, which
	// is the order reversed, ties included. The cursor it returns goes on
	// backward when passed with Backward again.
	Backward bool
}

// RowKey is a row's place in the time orders: its created_at, then its
// event_id (unique), as the ordering contract on ActivityStore.Scan sorts.
type RowKey struct {
	CreatedAt int64 // unix nanoseconds
	EventID   string
}

// ActivityStore is what the engine needs from storage. The store package
// implements it on Badger; another engine could sit behind it unchanged.
type ActivityStore interface {
	// WriteBatch stores the batch's records atomically, with the ingest
	// counters its Usage hands back: when it returns nil the whole batch
	// is visible and survives a killed process; on error nothing of it is
	// visible. Sync makes it survive a machine crash too. The store counts
	// nothing itself: which records count is core's rule (CountConsumption).
	WriteBatch(ctx context.Context, b Batch) (BatchResult, error)
	Sync() error
	// Scan calls fn for each matching activity in order, never holding the
	// result set in memory. fn must not keep the pointer it gets (copy the
	// Activity to keep it); the strings and bytes in it may be kept. It
	// returns the cursor after the last row when Limit stopped it early, or
	// "" when the results are exhausted.
	//
	// The ordering contract (package core/conformance checks it): rows by
	// req.Order's keys, then created_at descending, then event_id
	// descending, so no two rows tie. Within a key values sort by kind,
	// missing < bool < number < time < string, and a descending key
	// reverses it all; an untriaged row's triage.state is "new". Filter
	// bounds on created_at are inclusive for ge/le, exclusive for gt/lt.
	// The cursor is an exclusive bound: the next page starts strictly after
	// the last row returned, so paging at any size yields exactly the
	// unpaged rows; Offset skips rows after the cursor. An order of
	// created_at ascending alone (oldest first) is the default read
	// backwards: its ties go by event_id ascending.
	//
	// Positions (time orders only): From is a bound like the cursor,
	// exclusive unless FromInclusive, given as a row key rather than a
	// cursor, so a view can page from any row it holds; Backward yields
	// exactly the rows before that bound in reverse, so paging backward
	// from a row and forward from the same row, at any page size, meet
	// without a gap or a repeat, whatever rows share a created_at.
	Scan(ctx context.Context, req ScanRequest, fn func(*Activity) error) (next string, err error)
	// Count returns the number of matching activities.
	Count(ctx context.Context, f *query.Compiled) (int64, error)
	// CountBefore returns the number of matching activities that precede
	// the key in the default order (created_at descending, then event_id
	// descending): the index a row with that key has, or would have, in
	// the unpaged result.
	CountBefore(ctx context.Context, f *query.Compiled, k RowKey) (int64, error)
	// Histogram counts matching activities in len(counts) equal buckets of
	// [lo, hi) (unix nanoseconds), each half-open like the window, adding
	// up to Count over that window.
	Histogram(ctx context.Context, f *query.Compiled, lo, hi int64, counts []int64) error
	// Aggregate counts the matches by group on one pinned state, with the
	// semantics and memory bound stated above AggregateRequest (a backend
	// merges its parts through an AggTable).
	Aggregate(ctx context.Context, req AggregateRequest) (AggregateResult, error)
	// Get returns the activities with these ids, in the order given; unknown ids are left out.
	Get(ctx context.Context, ids []string, withRaw bool) ([]Activity, error)
	// SetTriage applies the change to the triage of the given events (each
	// keeps what the change leaves unset) and appends the audit entry in
	// the same atomic write. Unknown ids are reported back.
	SetTriage(ctx context.Context, ids []string, c TriageChange, audit AuditEntry) (unknown []string, err error)
	AppendAudit(ctx context.Context, e AuditEntry) error
	// ScanAudit streams audit entries with from <= At < to, oldest first.
	ScanAudit(ctx context.Context, from, to time.Time, fn func(AuditEntry) error) error
	// Consumption returns the per-day, per-vendor-service ingest counters
	// that batches added (see Batch.Usage), for days in [from, to).
	Consumption(ctx context.Context, from, to time.Time) ([]ConsumptionRow, error)
	// Snapshot pins the current state for reads that must agree with each
	// other, such as an export's count and its rows.
	Snapshot() Snapshot
	// Pin names the current state (opaque; see Pin); SnapshotAt(pin) reads
	// that state later: rows committed after it left out, rows replaced after
	// it still shown. A view records the pin of what it shows, so an export
	// started from it holds exactly that. SnapshotAt of the zero Pin, or of
	// a pin the store cannot read (another store's), is the current state.
	Pin() Pin
	SnapshotAt(pin Pin) Snapshot
	// Explain describes the plan the store would choose for a filter.
	Explain(f *query.Compiled, order query.Order) string
	Stats() StoreStats
	Close() error
}

// StoreStats describes the store's size.
type StoreStats struct {
	Events      int64 // live events
	Blocks      int
	DiskBytes   int64
	Triaged     int
	OldestEvent time.Time
	NewestEvent time.Time
}

// Snapshot is a pinned, read-only view of the activities.
type Snapshot interface {
	// Scan and Count answer as ActivityStore's do (the same ordering
	// contract), over the pinned state.
	Scan(ctx context.Context, req ScanRequest, fn func(*Activity) error) (next string, err error)
	Count(ctx context.Context, f *query.Compiled) (int64, error)
	Aggregate(ctx context.Context, req AggregateRequest) (AggregateResult, error)
	Close()
}

// ObjectStore keeps the engine's small records (defined reports,
// subscriptions and their runs, tasks) as JSON documents by kind and id.
type ObjectStore interface {
	PutObject(ctx context.Context, kind, id string, doc []byte) error
	// GetObject returns ErrNotFound for an unknown id.
	GetObject(ctx context.Context, kind, id string) ([]byte, error)
	DeleteObject(ctx context.Context, kind, id string) error
	// ListObjects calls fn for each document of a kind in id order.
	ListObjects(ctx context.Context, kind string, fn func(id string, doc []byte) error) error
}

// FieldPathStore keeps the field catalog of the stored events (see
// FieldCatalog): which fields a filter may name beyond the schema's, and how
// a filter on a field that no event has is told apart from one that matches
// nothing. The store records the fields of every event it writes in the same
// atomic write, so the catalog never misses a path of a stored event.
// It is optional: the engine asserts it on the events store given to
// NewEngine.
type FieldPathStore interface {
	Fields(ctx context.Context) (*FieldCatalog, error)
}

// HealthChecker is implemented by event stores that can tell whether they take
// writes now (their disk has room, their directory exists).
type HealthChecker interface {
	Health() error
}

// Health is nil when the store takes writes; otherwise it says why not
// (an error wrapping syscall.ENOSPC for a full disk). Readiness checks use it.
func (e *Engine) Health() error {
	if h, ok := e.events.(HealthChecker); ok {
		return h.Health()
	}
	return nil
}

// fieldPaths is the events store's FieldPathStore, or one that records
// nothing and knows nothing when the store has none.
func (e *Engine) fieldPaths() FieldPathStore {
	if f, ok := e.events.(FieldPathStore); ok {
		return f
	}
	return noFieldPaths{}
}

type noFieldPaths struct{}

func (noFieldPaths) Fields(context.Context) (*FieldCatalog, error) {
	return nil, errors.New("the event store keeps no field catalog")
}

// Store is a backend that keeps everything in one value (store.Store is
// one): NewEngine(s, s).
type Store interface {
	ActivityStore
	ObjectStore
	FieldPathStore
}
