package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/store"
)

// testNow is the fixed clock of these tests; the fixture ends 2026-11-01.
var testNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func repoFile(t *testing.T, name string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", name)
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(repoFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type testEnv struct {
	dir string
	s   *store.Store
	eng *core.Engine
}

func openEnv(t *testing.T, dir string, opts ...func(*store.Options)) *testEnv {
	t.Helper()
	o := store.Options{Dir: dir}
	for _, f := range opts {
		f(&o)
	}
	s, err := store.Open(o)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	env := &testEnv{dir: dir, s: s, eng: core.NewEngine(s, s, core.WithClock(func() time.Time { return testNow }))}
	t.Cleanup(func() { s.Close() })
	return env
}

func (e *testEnv) ingest(t *testing.T, data []byte, opts core.IngestOptions) core.IngestReport {
	t.Helper()
	rep, err := e.eng.Ingest(context.Background(), bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return rep
}

func (e *testEnv) count(t *testing.T, dsl string) int64 {
	t.Helper()
	f, err := query.ParseDSL(dsl)
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.eng.Count(context.Background(), f)
	if err != nil {
		t.Fatalf("count %q: %v", dsl, err)
	}
	return n
}

// ids pages through a query with the given page size and returns the ids in order.
func (e *testEnv) ids(t *testing.T, f query.Filter, order query.Order, page int) []string {
	t.Helper()
	var out []string
	cursor := ""
	for i := 0; ; i++ {
		if i > 10000 {
			t.Fatal("paging does not end")
		}
		p, err := e.eng.Query(context.Background(), core.QuerySpec{Filter: f, Order: order, Limit: page, Cursor: cursor})
		if err != nil {
			t.Fatalf("query %q: %v", f.String(), err)
		}
		for _, a := range p.Items {
			out = append(out, a.EventID)
		}
		if p.Next == "" {
			return out
		}
		if len(p.Items) != page {
			t.Fatalf("short page (%d of %d) with a next cursor", len(p.Items), page)
		}
		cursor = p.Next
	}
}
