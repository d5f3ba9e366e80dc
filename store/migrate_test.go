package store_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/store"
)

// migrationFilters are answered from the raw JSON before the migration and
// from field columns after it: the counts must agree.
var migrationFilters = []string{
	"", "client_location.city.eq(東京)", "user_agent.icontains(python)", "raw.contains(login)",
	"extra.auth.auth_type.eq(mfa)", "login", "triage.state.eq(escalated)", "!raw.ResultStatus.eq(Success)",
	"client_location.lat.gt(40)", "event_type.eq(login),operation_successful.eq(false)",
}

// TestMigrateStoreV1: a store written before Store v2 (testdata/store-v1)
// is migrated in place when opened for writing, with progress; every event
// comes back byte for byte, every filter counts the same, triage and the
// engine's documents are kept, and a second open has nothing to migrate.
func TestMigrateStoreV1(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	if err := os.CopyFS(dir, os.DirFS(repoFile(t, "store-v1"))); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	type state struct {
		counts []int64
		raws   [][]byte
		docs   int
	}
	read := func(s *store.Store) state {
		t.Helper()
		var st state
		for _, dsl := range migrationFilters {
			f, err := query.ParseDSL(dsl)
			if err != nil {
				t.Fatal(err)
			}
			c, err := core.NewEngine(s, s).Compile(f)
			if err != nil {
				t.Fatalf("%s: %v", dsl, err)
			}
			n, err := s.Count(ctx, c)
			if err != nil {
				t.Fatalf("count %s: %v", dsl, err)
			}
			st.counts = append(st.counts, n)
		}
		_, err := s.Scan(ctx, core.ScanRequest{WithRaw: true}, func(a *core.Activity) error {
			st.raws = append(st.raws, slices.Clone(a.Raw))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, kind := range []string{"report", "subscription", "task"} {
			if err := s.ListObjects(ctx, kind, func(string, []byte) error { st.docs++; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		return st
	}

	ro, err := store.Open(store.Options{Dir: dir, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	before := read(ro)
	ro.Close()
	if len(before.raws) != 309 || before.counts[6] != 4 || before.docs == 0 {
		t.Fatalf("fixture: %d events, %d escalated, %d documents", len(before.raws), before.counts[6], before.docs)
	}

	var calls [][2]int
	s, err := store.Open(store.Options{Dir: dir, MigrationProgress: func(done, total int) { calls = append(calls, [2]int{done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) < 2 || calls[0][0] != 0 || calls[len(calls)-1][0] != calls[len(calls)-1][1] {
		t.Fatalf("progress %v, want 0 of N ... N of N", calls)
	}
	if f, err := query.ParseDSL("client_location.city.eq(東京)"); err != nil {
		t.Fatal(err)
	} else if c, err := core.NewEngine(s, s).Compile(f); err != nil {
		t.Fatal(err)
	} else if ex := s.Explain(c, nil); !strings.Contains(ex, "field columns in every block") {
		t.Errorf("after migration a field filter still reads the raw JSON:\n%s", ex)
	}
	after := read(s)
	s.Close()
	if !slices.Equal(before.counts, after.counts) {
		t.Errorf("counts before %v, after %v (filters %q)", before.counts, after.counts, migrationFilters)
	}
	if len(after.raws) != len(before.raws) {
		t.Fatalf("%d events after, %d before", len(after.raws), len(before.raws))
	}
	for i := range before.raws {
		if string(before.raws[i]) != string(after.raws[i]) {
			t.Fatalf("event %d changed:\n%s\n%s", i, before.raws[i], after.raws[i])
		}
	}
	if after.docs != before.docs {
		t.Errorf("%d documents after, %d before", after.docs, before.docs)
	}

	calls = nil
	s, err = store.Open(store.Options{Dir: dir, MigrationProgress: func(done, total int) { calls = append(calls, [2]int{done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if len(calls) != 0 {
		t.Errorf("second open migrated again: %v", calls)
	}
}
