// Package storetest opens engines on temporary stores holding the
// repository's fixture events, for the tests of the packages above core
// (tui, api, the SSH server): one place that knows where the fixture is
// and how a test store is opened and closed.
package storetest

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/store"
)

// Fixture reads a file of the repository's testdata directory, wherever
// the calling test's package lives.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(self), "..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Engine opens a store in a temporary directory, an engine on it with
// opts, and ingests testdata/activities.ndjson. The engine, and its task
// runner if the test started one, close when the test ends.
func Engine(t testing.TB, opts ...core.EngineOption) *core.Engine {
	t.Helper()
	s, err := store.Open(store.Options{Dir: filepath.Join(t.TempDir(), "store")})
	if err != nil {
		t.Fatal(err)
	}
	eng := core.NewEngine(s, s, opts...)
	t.Cleanup(func() {
		if tr := eng.Tasks(); tr != nil {
			tr.Close()
		}
		eng.Close()
	})
	if rep := Ingest(t, eng, bytes.NewReader(Fixture(t, "activities.ndjson"))); rep.Ingested == 0 {
		t.Fatal("the fixture stored nothing")
	}
	return eng
}

// Ingest stores NDJSON or Cloudlock pages and fails the test on an error
// or a skipped line.
func Ingest(t testing.TB, eng *core.Engine, r io.Reader) core.IngestReport {
	t.Helper()
	rep, err := eng.Ingest(context.Background(), r, core.IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Skipped > 0 {
		t.Fatalf("ingest skipped lines: %v", rep.Problems)
	}
	return rep
}
