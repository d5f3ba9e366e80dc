//go:build !linux

package store

// releaseMappedPages is a no-op where Badger's mappings are not kept resident.
func releaseMappedPages(dir string) {}
