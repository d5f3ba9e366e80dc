package core_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/store"
)

// failingObjects fails every object read until healed, as a damaged table
// or an unreadable disk does.
type failingObjects struct {
	core.Store
	healed atomic.Bool
	fails  atomic.Int64
}

var errUnreadable = errors.New("read objects: unreadable (test)")

func (f *failingObjects) GetObject(ctx context.Context, kind, id string) ([]byte, error) {
	if !f.healed.Load() {
		f.fails.Add(1)
		return nil, errUnreadable
	}
	return f.Store.GetObject(ctx, kind, id)
}

func (f *failingObjects) ListObjects(ctx context.Context, kind string, fn func(id string, doc []byte) error) error {
	if !f.healed.Load() {
		f.fails.Add(1)
		return errUnreadable
	}
	return f.Store.ListObjects(ctx, kind, fn)
}

// TestSchedulerStartIsRetried: a scheduler whose start fails (its objects
// cannot be read) tries again and runs once they can, instead of staying
// off for the daemon's life.
func TestSchedulerStartIsRetried(t *testing.T) {
	defer func(d time.Duration) { *core.SchedulerStartRetry = d }(*core.SchedulerStartRetry)
	*core.SchedulerStartRetry = 10 * time.Millisecond
	s, err := store.Open(store.Options{Dir: filepath.Join(t.TempDir(), "store")})
	if err != nil {
		t.Fatal(err)
	}
	fs := &failingObjects{Store: s}
	eng := core.NewEngine(fs, fs)
	defer eng.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.RunScheduler(ctx) }()

	deadline := time.Now().Add(5 * time.Second)
	for fs.fails.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if fs.fails.Load() < 3 {
		t.Fatalf("the scheduler tried %d times to start, want it to keep trying", fs.fails.Load())
	}
	if eng.SchedulerRunning() {
		t.Fatal("the scheduler says it runs while it cannot start")
	}
	fs.healed.Store(true)
	for !eng.SchedulerRunning() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !eng.SchedulerRunning() {
		t.Fatal("the scheduler did not start once its objects could be read")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("RunScheduler ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RunScheduler did not end with its context")
	}
}
