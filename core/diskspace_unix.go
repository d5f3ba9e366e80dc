//go:build linux || darwin || freebsd

package core

import "syscall"

// diskSpace is the space an unprivileged writer may still use in dir's
// file system, and its size.
func diskSpace(dir string) (free, total uint64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, 0, err
	}
	bs := uint64(st.Bsize)
	return uint64(st.Bavail) * bs, uint64(st.Blocks) * bs, nil
}
