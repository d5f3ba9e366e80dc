package store

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/core"
	"github.com/dgraph-io/badger/v4"
)

func postingIDs(t *testing.T, s *Store, dsl string) []string {
	t.Helper()
	var ids []string
	_, err := s.Scan(context.Background(), core.ScanRequest{Filter: compile(t, dsl)}, func(a *core.Activity) error {
		ids = append(ids, a.EventID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

const postingUser = "user.user_email.eq(richard.wagner@fabrikam.eu)"

// TestPostingPageLostFallsBack: a segment whose page cannot be read (merged
// away after a snapshot took the directory) is left out, and its blocks are
// answered through bloom filters and columns: nothing is missed.
func TestPostingPageLostFallsBack(t *testing.T) {
	dir := t.TempDir()
	smallBlockStore(t, dir)
	s, err := Open(Options{Dir: dir, BlockRows: 64, ChunkRows: 16, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := postingIDs(t, s, postingUser)
	if len(want) == 0 {
		t.Fatal("no events for the user")
	}
	segs := s.state.Load().postings.segs["user.user_email"]
	if len(segs) == 0 {
		t.Fatal("no user segments")
	}
	err = s.db.Update(func(txn *badger.Txn) error {
		for _, g := range segs {
			for page := uint32(0); page < 1<<g.bits; page++ {
				if err := txn.Delete(postingPageKey(g.path, g.id, page)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := postingIDs(t, s, postingUser); !slices.Equal(got, want) {
		t.Fatalf("without readable pages %v, want %v", got, want)
	}
	if e := s.Explain(compile(t, postingUser), nil); strings.Contains(e, "posting index") {
		t.Fatalf("explain names unreadable postings:\n%s", e)
	}
}

// TestPostingHalfBuiltSegmentRemoved: a segment a crash left "building" is
// ignored and removed on open, and its pages with it.
func TestPostingHalfBuiltSegmentRemoved(t *testing.T) {
	dir := t.TempDir()
	smallBlockStore(t, dir)
	s, err := Open(Options{Dir: dir, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	want := postingIDs(t, s, postingUser)
	// A half-built segment claiming every block but listing no entries:
	// were it used, the user's lookup would find nothing.
	g := &postingSeg{path: "user.user_email", id: 1 << 40, first: 0, last: 1 << 40, level: 5, building: true}
	if err := s.db.Update(func(txn *badger.Txn) error {
		if err := writeSegment(txn, g, nil); err != nil {
			return err
		}
		return txn.Set(postingDirKey(g.path, g.id), g.encode())
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(Options{Dir: dir, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := postingIDs(t, s, postingUser); !slices.Equal(got, want) {
		t.Fatalf("with a half-built segment %v, want %v", got, want)
	}
	err = s.db.View(func(txn *badger.Txn) error {
		for _, k := range [][]byte{postingDirKey(g.path, g.id), postingPageKey(g.path, g.id, 0)} {
			if _, err := txn.Get(k); err != badger.ErrKeyNotFound {
				t.Errorf("key %q of the half-built segment: %v, want it removed", k, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPostingKeysDescribed: damage reports name posting keys as such.
func TestPostingKeysDescribed(t *testing.T) {
	for _, k := range [][]byte{postingDirKey("client_ip", 3), postingPageKey("client_ip", 3, 7)} {
		if d := describeKey(k); !strings.Contains(d, "posting index") {
			t.Errorf("describeKey(%q) = %q", k, d)
		}
	}
}

// TestPostingBackfillOnlyMissingPaths: a path no segment covers (a field
// indexed from now on) is built on open; the other paths are left alone.
func TestPostingBackfillOnlyMissingPaths(t *testing.T) {
	dir := t.TempDir()
	smallBlockStore(t, dir)
	s, err := Open(Options{Dir: dir, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	wantIP := postingIDs(t, s, "client_ip.eq(84.248.124.209)")
	users := s.state.Load().postings.segs["user.user_email"]
	err = s.db.Update(func(txn *badger.Txn) error {
		for _, g := range s.state.Load().postings.segs["client_ip"] {
			if err := deleteSegment(txn, g); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(Options{Dir: dir, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := s.state.Load().postings
	if len(d.segs["client_ip"]) == 0 {
		t.Fatal("client_ip postings not rebuilt on open")
	}
	if got := d.segs["user.user_email"]; len(got) != len(users) || got[0].id != users[0].id {
		t.Fatalf("user segments rebuilt too: %d segments, had %d", len(got), len(users))
	}
	if e := s.Explain(compile(t, "client_ip.eq(84.248.124.209)"), nil); !strings.Contains(e, "posting index: client_ip") {
		t.Fatalf("explain:\n%s", e)
	}
	if got := postingIDs(t, s, "client_ip.eq(84.248.124.209)"); !slices.Equal(got, wantIP) {
		t.Fatalf("ip lookup %v, want %v", got, wantIP)
	}
}
