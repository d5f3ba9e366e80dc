package relay

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"syscall"
)

// peerUID is the user the process at the other end of c runs as (for a
// listener: as it ran when it began listening).
func peerUID(c *net.UnixConn) (uid int, ok bool, err error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, false, err
	}
	var cred *syscall.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return 0, false, err
	}
	if cerr != nil {
		return 0, false, fmt.Errorf("relay: peer credentials: %w", cerr)
	}
	return int(cred.Uid), true, nil
}

func fileOwner(st fs.FileInfo) (int, bool) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(s.Uid), true
	}
	return 0, false
}

func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }
