package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// DefaultMinFreeBytes is the space the store leaves free on its disk when
// Options.MinFreeBytes is 0.
//
// Badger writes its value log and memtable log through memory mappings of
// sparse files, and its flushes and compactions write new tables the same
// way: on a full disk the kernel answers a write to such a page with
// SIGBUS, which kills the process. So writes are refused with ENOSPC while
// they would leave less than this free, which keeps room for the flush of a
// full memtable (16 MiB) and the compaction after it.
const DefaultMinFreeBytes = 32 << 20

// spaceError is a write refused for lack of disk space. It wraps ENOSPC.
type spaceError struct {
	dir              string
	free, need, keep int64
}

func (e *spaceError) Error() string {
	return fmt.Sprintf("no space left on device: %s has %s free, and this write needs %s beyond the %s the store keeps free for its own files; nothing of it was stored",
		e.dir, mib(e.free), mib(e.need), mib(e.keep))
}

func (e *spaceError) Unwrap() error { return syscall.ENOSPC }

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// diskFree is freeBytes; tests of what a full disk refuses replace it.
var diskFree = freeBytes

// checkSpace refuses a write of about need bytes that would leave less than
// the reserve free.
func (s *Store) checkSpace(need int64) error {
	if s.opts.MinFreeBytes < 0 {
		return nil
	}
	free, ok, err := diskFree(s.opts.Dir)
	if err != nil {
		return fmt.Errorf("check free space: %w", err)
	}
	if !ok {
		return nil // the platform cannot tell
	}
	if free < s.opts.MinFreeBytes+need {
		return &spaceError{dir: s.opts.Dir, free: free, need: need, keep: s.opts.MinFreeBytes}
	}
	return nil
}

// Health says whether the store can take writes now: its directory is
// there and its disk has room. The daemon's readiness check reports it.
func (s *Store) Health() error {
	if _, err := os.Stat(s.opts.Dir); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("data directory %s is gone", s.opts.Dir)
		}
		return fmt.Errorf("data directory: %w", err)
	}
	return s.checkSpace(0)
}
