//go:build !linux

package relay

import (
	"errors"
	"io/fs"
	"net"
	"syscall"
)

// peerUID is unknown where peer credentials are not available; the
// socket's 0600 mode in a 0700 directory is then the only check.
func peerUID(*net.UnixConn) (int, bool, error) { return 0, false, nil }

// fileOwner is unknown here; the directory's mode is still checked.
func fileOwner(fs.FileInfo) (int, bool) { return 0, false }

func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }
