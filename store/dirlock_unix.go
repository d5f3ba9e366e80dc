//go:build linux || darwin || freebsd

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/auditdeck/auditdeck/core"
)

// lockDir takes the lock Badger takes on dir (flock of the directory:
// exclusive, or shared for read-only), so that the open-time checks never
// read files another process is writing: a value log being appended to
// looks like a damaged one. The caller releases it just before badger.Open
// takes it again (a second flock from this process would conflict).
func lockDir(dir string, readOnly bool) (release func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_EX | syscall.LOCK_NB
	if readOnly {
		how = syscall.LOCK_SH | syscall.LOCK_NB
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", core.ErrLocked, dir)
		}
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return func() { f.Close() }, nil
}
