//go:build !(linux || darwin || freebsd)

package core

// diskSpace is unknown here: the free-space floor is not checked and a
// full disk shows as the export's write error.
func diskSpace(dir string) (free, total uint64, err error) { return 0, 0, nil }
