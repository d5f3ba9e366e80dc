package store_test

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/conformance"
	"github.com/auditdeck/auditdeck/store"
)

// TestCatalogOfOlderStore: a store written before field catalogs were kept
// (testdata/store-v1: blocks, no catalog) answers Fields with a catalog
// rebuilt from its raw events and stores it; a read-only open of such a
// store rebuilds it in memory only.
func TestCatalogOfOlderStore(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(repoFile(t, "store-v1"))); err != nil {
		t.Fatal(err)
	}
	ro := openEnv(t, dir, func(o *store.Options) { o.ReadOnly = true })
	check := func(env *testEnv) {
		t.Helper()
		cat, err := env.s.Fields(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		id, ok := cat.Lookup("event_id")
		city, _ := cat.Lookup("client_location.city")
		if !cat.Complete || !ok || id.Rows != 309 || id.Distinct < 290 || id.Distinct > 330 || city.Rows == 0 || !slices.Equal(city.Types, []string{"string"}) {
			t.Fatalf("rebuilt catalog: complete=%v event_id=%+v city=%+v", cat.Complete, id, city)
		}
		if n := env.count(t, "client_location.city.eq(東京)"); n != 1 {
			t.Errorf("city count %d", n)
		}
	}
	check(ro)
	if store.HasStoredCatalog(ro.s) {
		t.Fatal("a read-only open stored a catalog")
	}
	ro.s.Close()

	env := openEnv(t, dir)
	check(env)
	env.s.Close()
	// Stored by the writable open; the read-only one before it stored nothing.
	env = openEnv(t, dir, func(o *store.Options) { o.ReadOnly = true })
	if !store.HasStoredCatalog(env.s) {
		t.Fatal("the rebuilt catalog was not stored")
	}
	check(env)
}

// TestCatalogFollowsMerges: merging small blocks moves rows
// without counting them again.
func TestCatalogFollowsMerges(t *testing.T) {
	env := openEnv(t, t.TempDir(), func(o *store.Options) { o.BlockRows = 64 })
	lines := conformance.FixtureLines(t)[:120]
	for _, l := range lines {
		env.ingest(t, append(slices.Clone(l), '\n'), core.IngestOptions{})
	}
	if st := env.s.Stats(); st.Blocks > 16 {
		t.Fatalf("%d blocks: no merge happened", st.Blocks)
	}
	cat, err := env.s.Fields(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := cat.Lookup("event_id"); f.Rows != 120 || f.Distinct < 110 || f.Distinct > 130 {
		t.Errorf("event_id after merges: %+v", f)
	}
}
