package core_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/internal/tmpfs"
)

// fillTo writes a filler file so that about free bytes stay free on dir's disk.
func fillTo(t *testing.T, dir string, free int64) string {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "filler")
	if err := os.WriteFile(p, make([]byte, int64(st.Bavail)*st.Bsize-free), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExportLeavesTheStoreItsReserve: the export directory shares the
// store's disk (DATA/exports); the store keeps 32 MiB free there because
// Badger writes its tables through memory mappings, where a full disk is a
// SIGBUS. An export must not take that space, even with no floor for new
// tasks: it stops before writing into core.ExportReserve, its task fails
// with ErrLowDisk and leaves no file, and with space again it succeeds.
func TestExportLeavesTheStoreItsReserve(t *testing.T) {
	disk := tmpfs.Mount(t, "96m")
	e := newEnv(t)
	e.ingestFixture(t)
	tr, err := e.eng.StartTasks(core.TaskOptions{Dir: filepath.Join(disk, "exports"), MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req := core.ExportRequest{Formats: []string{"ndjson"}, FileName: "all"}
	for _, c := range []struct {
		name string
		free int64
	}{
		{"below the reserve", core.ExportReserve - 8<<20},
		{"the export would end in the reserve", core.ExportReserve + 100<<10}, // the ndjson export is about 350 KiB
	} {
		t.Run(c.name, func(t *testing.T) {
			filler := fillTo(t, disk, c.free)
			defer os.Remove(filler)
			task, err := tr.Submit(ctx, alice, req)
			if err != nil {
				t.Fatal(err)
			}
			got := waitTask(t, tr, alice, task.ID)
			if got.Status != core.TaskFailed || !strings.Contains(got.Error, "exports leave 64.0 MiB free") {
				t.Fatalf("export on a disk with %d bytes free: %s %q", c.free, got.Status, got.Error)
			}
			if _, err := os.Stat(filepath.Join(disk, "exports", task.ID)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the stopped export left its directory: %v", err)
			}
		})
	}
	task, err := tr.Submit(ctx, alice, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := waitTask(t, tr, alice, task.ID); got.Status != core.TaskSucceeded {
		t.Fatalf("export with space: %s %q", got.Status, got.Error)
	}
}
