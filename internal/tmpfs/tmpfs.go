// Package tmpfs gives a test a small file system of its own, so that a
// full disk can be reached in a test without filling the machine's.
package tmpfs

import (
	"os/exec"
	"strings"
	"testing"
)

// Mount mounts a tmpfs of size (as mount's size= takes it, e.g. "16m") on
// a new temporary directory for the test and unmounts it afterwards. It
// needs root, as CI runs; elsewhere the test is skipped.
func Mount(t testing.TB, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a %s tmpfs (%v: %s): the full-disk tests need root", size, err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}
