package core_test

import (
	"context"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/store"
)

// memObjects is an object store of its own, apart from the event store.
type memObjects struct {
	mu     sync.Mutex
	docs   map[string][]byte
	closed int
}

func (m *memObjects) PutObject(_ context.Context, kind, id string, doc []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.docs[kind+"/"+id] = append([]byte(nil), doc...)
	return nil
}

func (m *memObjects) GetObject(_ context.Context, kind, id string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.docs[kind+"/"+id]
	if !ok {
		return nil, core.ErrNotFound
	}
	return d, nil
}

func (m *memObjects) DeleteObject(_ context.Context, kind, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.docs, kind+"/"+id)
	return nil
}

func (m *memObjects) ListObjects(_ context.Context, kind string, fn func(id string, doc []byte) error) error {
	m.mu.Lock()
	var keys []string
	for k := range m.docs {
		if len(k) > len(kind) && k[:len(kind)+1] == kind+"/" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	docs := make([][]byte, len(keys))
	for i, k := range keys {
		docs[i] = m.docs[k]
	}
	m.mu.Unlock()
	for i, k := range keys {
		if err := fn(k[len(kind)+1:], docs[i]); err != nil {
			return err
		}
	}
	return nil
}

func (m *memObjects) Close() error { m.closed++; return nil }

// TestEngineSeparateObjectStore: with the event store and the object store
// given apart, reports go to the object store only, events to the event
// store only, and Close closes both.
func TestEngineSeparateObjectStore(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(store.Options{Dir: filepath.Join(t.TempDir(), "store")})
	if err != nil {
		t.Fatal(err)
	}
	objs := &memObjects{docs: map[string][]byte{}}
	eng := core.NewEngine(s, objs, core.WithClock(func() time.Time { return fixtureNow }))
	(&env{eng: eng, store: s}).ingestFixture(t)
	rep, err := eng.CreateReport(ctx, alice, core.DefinedReport{Title: "apart", Type: core.TypeActivity, QueryFilter: "event_type.eq(login)"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := objs.GetObject(ctx, "report.defined", rep.ID); err != nil {
		t.Fatalf("the report is not in the object store: %v", err)
	}
	if _, err := s.GetObject(ctx, "report.defined", rep.ID); err != core.ErrNotFound {
		t.Fatalf("the report went to the event store too: %v", err)
	}
	if n, err := eng.Count(ctx, query.Filter{}); err != nil || n == 0 {
		t.Fatalf("count = %d, %v", n, err)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	if objs.closed != 1 {
		t.Errorf("object store closed %d times, want 1", objs.closed)
	}
	if _, err := s.Count(ctx, nil); err == nil {
		t.Errorf("the event store is still open after Engine.Close")
	}
}

// eventsOnly hides every optional interface of the store behind it: an
// event store with no field paths and no health check.
type eventsOnly struct{ core.ActivityStore }

// TestEngineWithoutOptionalParts: an event store that keeps no field paths
// and cannot check its health still ingests and answers; filters on unknown
// fields get no "no event has field" warning, and Health is nil.
func TestEngineWithoutOptionalParts(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(store.Options{Dir: filepath.Join(t.TempDir(), "store")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	eng := core.NewEngine(eventsOnly{s}, &memObjects{docs: map[string][]byte{}}, core.WithClock(func() time.Time { return fixtureNow }))
	(&env{eng: eng, store: s}).ingestFixture(t)
	if n, err := eng.Count(ctx, query.Filter{}); err != nil || n == 0 {
		t.Fatalf("count = %d, %v", n, err)
	}
	f, _ := query.ParseDSL("raw.zzzqqq.isnull()")
	if w := eng.FilterWarnings(ctx, f); len(w) != 0 {
		t.Errorf("warnings without a field path store: %q", w)
	}
	if err := eng.Health(); err != nil {
		t.Errorf("health without a checker: %v", err)
	}
}
