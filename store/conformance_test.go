package store_test

import (
	"testing"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/conformance"
	"github.com/auditdeck/auditdeck/store"
)

// TestConformance runs the backend conformance suite (filters in all three
// syntaxes against a brute force, orders, cursor and offset paging, counts,
// histograms, a pinned snapshot, a reopen) on the Badger store. Small blocks
// and chunks make the suite's shuffled batches cross many overlapping
// blocks and chunk boundaries.
func TestConformance(t *testing.T) {
	small := func(o *store.Options) { o.BlockRows = 48; o.ChunkRows = 8 }
	dirs := map[core.Store]string{}
	conformance.Run(t, conformance.Backend{
		UnknownTopLevel: true,
		Open: func(t *testing.T) core.Store {
			env := openEnv(t, t.TempDir(), small)
			dirs[env.s] = env.dir
			return env.s
		},
		Reopen: func(t *testing.T, s core.Store) core.Store {
			if err := s.Close(); err != nil {
				t.Fatalf("close store: %v", err)
			}
			return openEnv(t, dirs[s], small).s
		},
	})
}
