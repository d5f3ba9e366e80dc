package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/store"
	"github.com/auditdeck/auditdeck/synthetic"
)

// dirContents maps each file of dir to its bytes.
func dirContents(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func sameContents(t *testing.T, dir string, before map[string][]byte) {
	t.Helper()
	after := dirContents(t, dir)
	for name, b := range before {
		a, ok := after[name]
		if !ok {
			t.Errorf("%s was removed", name)
		} else if !bytes.Equal(a, b) {
			t.Errorf("%s changed (%d bytes, was %d)", name, len(a), len(b))
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s was created", name)
		}
	}
}

// fixtureStore writes the fixture into a store in dir and closes it.
func fixtureStore(t *testing.T, dir string) {
	t.Helper()
	env := openEnv(t, dir)
	env.ingest(t, readFile(t, "activities.ndjson"), core.IngestOptions{})
	if err := env.s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedManifestRefused: a store whose MANIFEST is gone, cut off or
// cut back to its header is refused at open, and nothing in it is written.
// Badger opened these as empty stores and wrote a new 000001.sst over the
// table that held every key.
func TestDamagedManifestRefused(t *testing.T) {
	cases := []struct {
		name   string
		damage func(path string) error
		want   string
	}{
		{"missing", os.Remove, "no MANIFEST beside 1 table"},
		{"cut in an entry", func(p string) error {
			info, err := os.Stat(p)
			if err != nil {
				return err
			}
			return os.Truncate(p, info.Size()-5)
		}, "MANIFEST is cut off in an entry"},
		{"header only", func(p string) error { return os.Truncate(p, 8) }, "MANIFEST names no table but the directory has 1"},
		{"empty", func(p string) error { return os.Truncate(p, 0) }, "MANIFEST: manifest has bad magic"},
		{"flipped byte", func(p string) error {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)-1] ^= 0xff
			return os.WriteFile(p, b, 0o600)
		}, "MANIFEST: manifest has checksum mismatch"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			fixtureStore(t, dir)
			if err := c.damage(filepath.Join(dir, "MANIFEST")); err != nil {
				t.Fatal(err)
			}
			before := dirContents(t, dir)
			for _, ro := range []bool{false, true} {
				s, err := store.Open(store.Options{Dir: dir, ReadOnly: ro})
				if err == nil {
					s.Close()
					t.Fatalf("read-only %v: opened a store with a damaged MANIFEST", ro)
				}
				if !errors.Is(err, store.ErrDamagedManifest) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("read-only %v: error %q, want one line with %q", ro, err, c.want)
				}
			}
			sameContents(t, dir, before)
		})
	}
}

// TestIntactManifestOpens: the check refuses nothing a healthy store has,
// also after a reopen that leaves its own tables.
func TestIntactManifestOpens(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	fixtureStore(t, dir)
	fixtureStore(t, dir) // the replay writes nothing new; the reopen must work
	env := openEnv(t, dir)
	if n := env.count(t, ""); n != 306 {
		t.Fatalf("count %d, want 306", n)
	}
}

// TestScanStopsAtDeadline: a scan for the first page of a filter no event
// matches visits every block before its first row; it must still stop at
// its context's deadline (it checked the context only between rows).
func TestScanStopsAtDeadline(t *testing.T) {
	env := openEnv(t, t.TempDir())
	var events bytes.Buffer
	if err := synthetic.Write(&events, synthetic.Options{Events: 60000, Seed: 5, End: testNow}); err != nil {
		t.Fatal(err)
	}
	env.ingest(t, events.Bytes(), core.IngestOptions{})
	// An array index reads the raw JSON of every row (other filters read columns).
	f, err := query.ParseDSL("raw.0.icontains(no-such-text-a,no-such-text-b,no-such-text-c,no-such-text-d,no-such-text-e)")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := env.eng.Query(context.Background(), core.QuerySpec{Filter: f, Limit: 50}); err != nil {
		t.Fatal(err)
	}
	unbounded := time.Since(start)
	const limit = 20 * time.Millisecond
	if unbounded < 5*limit {
		t.Skipf("the filter took only %s here", unbounded)
	}
	for _, run := range []struct {
		name string
		fn   func(ctx context.Context) error
	}{
		{"page", func(ctx context.Context) error {
			_, err := env.eng.Query(ctx, core.QuerySpec{Filter: f, Limit: 50})
			return err
		}},
		{"count", func(ctx context.Context) error { _, err := env.eng.Count(ctx, f); return err }},
		{"histogram", func(ctx context.Context) error { _, err := env.eng.Histogram(ctx, f, 20); return err }},
		{"aggregate", func(ctx context.Context) error {
			_, err := env.eng.Aggregate(ctx, core.StatsQuery{Filter: f, By: []core.GroupBy{{Field: "user.user_email"}}})
			return err
		}},
		{"sorted", func(ctx context.Context) error {
			_, err := env.eng.Query(ctx, core.QuerySpec{Filter: f, Order: query.Order{{Field: "user.user_email"}}, Limit: 50})
			return err
		}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), limit)
		start := time.Now()
		err := run.fn(ctx)
		cancel()
		took := time.Since(start)
		if !errors.Is(err, context.DeadlineExceeded) || took > limit+unbounded/3 {
			t.Errorf("%s: %v after %s (the page unbounded takes %s)", run.name, err, took, unbounded)
		}
	}
}
