//go:build linux || darwin || freebsd

package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/store"
)

// TestOpenWhileAnotherWrites: a second open of a directory another process
// holds says it is locked, even while the holder is half way through an
// append to its newest value log. The open-time checks once read that log
// before Badger took the lock, and called the store damaged.
func TestOpenWhileAnotherWrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	s, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	// The holder: Badger's own lock, a flock of the directory.
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	// ... appending to its newest value log: bytes that do not check out yet.
	logs, _ := filepath.Glob(filepath.Join(dir, "*.vlog"))
	slices.Sort(logs)
	f, err := os.OpenFile(logs[len(logs)-1], os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, 4096))
	f.Write([]byte("a half-written entry"))
	f.Close()

	for _, ro := range []bool{false, true} {
		if _, err := store.Open(store.Options{Dir: dir, ReadOnly: ro}); !errors.Is(err, core.ErrLocked) {
			t.Errorf("open (read-only %v) while another process writes: %v, want core.ErrLocked", ro, err)
		}
	}
}
