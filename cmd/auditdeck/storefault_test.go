package main_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func snapshotDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func unchangedDir(t *testing.T, dir string, before map[string][]byte) {
	t.Helper()
	after := snapshotDir(t, dir)
	if len(after) != len(before) {
		t.Errorf("files before %d, after %d", len(before), len(after))
	}
	for name, b := range before {
		if !bytes.Equal(after[name], b) {
			t.Errorf("%s changed", name)
		}
	}
}

// TestDamagedManifestCLI: the CLI and serve refuse a store without its
// MANIFEST in one line and write nothing (they opened it as empty and
// replaced its table).
func TestDamagedManifestCLI(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	if r := run(t, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	if err := os.Remove(filepath.Join(data, "MANIFEST")); err != nil {
		t.Fatal(err)
	}
	before := snapshotDir(t, data)
	for _, args := range [][]string{
		{"query", "--data", data, "--count"},
		{"ingest", "--data", data, fixture(t, "activities.ndjson")},
		{"serve", "--data", data, "--http", "127.0.0.1:0", "--ssh", "off"},
	} {
		r := run(t, nil, args...)
		want := "auditdeck: open store " + data + ": refusing to open a store whose MANIFEST is missing or damaged: no MANIFEST beside 1 table"
		if r.code == 0 || !strings.HasPrefix(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("%s: code %d stdout %q stderr %q, want one line starting %q", args[0], r.code, r.stdout, r.stderr, want)
		}
	}
	unchangedDir(t, data, before)
}
