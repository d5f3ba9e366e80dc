package store

import (
	"context"
	"sync"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// snapshotView is a pinned, read-only view of the store: every Scan and
// Count on it sees the same events, whatever is ingested meanwhile. Exports
// use it so the row count they announce is the row count they write.
type snapshotView struct {
	mu     sync.Mutex // the reader's extractor and cursors are single-threaded
	r      *reader
	closed bool
}

// Snapshot pins the current state. Close releases it; until then Badger
// keeps the versions it reads.
func (s *Store) Snapshot() core.Snapshot {
	return &snapshotView{r: s.newReader()}
}

// SnapshotAt is a snapshot pinned to an earlier commit (see Pin): rows
// committed after it are left out and rows replaced after it are still shown.
// Merges of small blocks drop replaced rows for good, so a pin older than a
// merge may miss a row replaced between the pin and the merge.
func (s *Store) SnapshotAt(p core.Pin) core.Snapshot {
	r := s.newReader()
	if pin := pinSeq(p); pin > 0 && pin < r.snap.pin {
		r.asOf = pin
	}
	return &snapshotView{r: r}
}

func (v *snapshotView) Scan(ctx context.Context, req core.ScanRequest, fn func(*core.Activity) error) (_ string, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return "", core.ErrClosed
	}
	defer v.r.s.recoverDamage("scan", &v.r.at, &err)
	return v.r.scan(ctx, req, guardCallback(fn))
}

func (v *snapshotView) Count(ctx context.Context, c *query.Compiled) (_ int64, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return 0, core.ErrClosed
	}
	defer v.r.s.recoverDamage("count", &v.r.at, &err)
	return v.r.count(ctx, c, false)
}

func (v *snapshotView) Close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.closed {
		v.closed = true
		v.r.close()
	}
}
