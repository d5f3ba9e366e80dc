//go:build !(linux || darwin || freebsd)

package store

func freeBytes(dir string) (int64, bool, error) { return 0, false, nil }
