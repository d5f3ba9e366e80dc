package core_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/store"
)

// fixtureNow is after the fixture's last event (2026-11-01).
var fixtureNow = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

type env struct {
	dir   string
	store *store.Store
	eng   *core.Engine
	clock *fakeClock
}

// fakeClock is set by tests and read by the engine's goroutines.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	return openEnvAt(t, dir)
}

func openEnvAt(t *testing.T, dir string) *env {
	t.Helper()
	s, err := store.Open(store.Options{Dir: filepath.Join(dir, "store")})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: fixtureNow}
	e := &env{dir: dir, store: s, eng: core.NewEngine(s, s, core.WithClock(clock.now)), clock: clock}
	t.Cleanup(func() {
		if r := e.eng.Tasks(); r != nil {
			r.Close()
		}
		s.Close()
	})
	return e
}

func (e *env) ingestFixture(t *testing.T) {
	t.Helper()
	data, err := os.ReadFile("../testdata/activities.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Ingest(context.Background(), bytes.NewReader(data), core.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
}

const time1h = time.Hour

func itoa(i int) string { return strconv.Itoa(i) }

func strconvAtoi(s string) (int, error) { return strconv.Atoi(s) }
