package main_test

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeExportDiskFloor: with the export disk below serve's floor, a
// relayed export is refused in one clear line and writes nothing; a floor
// that is not a size or a percentage stops serve in one line.
func TestServeExportDiskFloor(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	if r := run(t, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	for _, bad := range []string{"lots", "100%", "-1GiB", "5XB"} {
		r := run(t, nil, "serve", "--data", data, "--http", "off", "--ssh", "off", "--export-min-free", bad)
		if r.code == 0 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "--export-min-free") {
			t.Fatalf("--export-min-free %s: %+v", bad, r)
		}
	}
	// No disk has a million TiB free.
	srv := startServe(t, data, "--http", "off", "--ssh", "off", "--export-min-free", "1000000TiB")
	r := runIn(t, t.TempDir(), nil, "export", "--data", data, "--file-name", "logins", "--filter", "event_type.eq(login)")
	if r.code == 0 || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "auditdeck: export disk space is low: ") ||
		!strings.Contains(r.stderr, "the floor is 976.6 PiB") {
		t.Fatalf("export below the floor: %+v", r)
	}
	if m, _ := filepath.Glob(filepath.Join(data, "exports", "*")); len(m) != 0 {
		t.Errorf("a refused export wrote %v", m)
	}
	if code := srv.stop(t, syscall.SIGTERM, 12*time.Second); code != 0 {
		t.Fatalf("serve exit %d:\n%s", code, srv.logged())
	}
	srv = startServe(t, data, "--http", "off", "--ssh", "off", "--export-min-free", "0")
	if r := runIn(t, t.TempDir(), nil, "export", "--data", data, "--file-name", "logins", "--filter", "event_type.eq(login)"); r.code != 0 {
		t.Fatalf("export without a floor: %+v", r)
	}
	srv.stop(t, syscall.SIGTERM, 12*time.Second)
}
