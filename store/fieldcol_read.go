package store

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// Cache slots of a block's field columns and of its list of column paths.
const (
	fieldColumnSlot = math.MaxUint32 - iota
	fieldPathsSlot
)

// fieldColumn returns a block's column of path, or nil when no row of the
// block has the path.
func (r *reader) fieldColumn(seq uint64, path string) (*fieldColumn, error) {
	k := cacheKey{seq: seq, col: fieldColumnSlot, path: path}
	if r.memo != nil {
		if v, ok := r.memo[k]; ok {
			return v.(*fieldColumn), nil
		}
	}
	if v, ok := r.s.cache.get(k); ok {
		return v.(*fieldColumn), nil
	}
	key := fieldColumnKey(seq, path)
	r.at = key
	item, err := r.txn.Get(key)
	var c *fieldColumn
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", describeKey(key), err)
	default:
		err = item.Value(func(v []byte) error {
			var derr error
			c, derr = decodeFieldColumn(v)
			return derr
		})
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", describeKey(key), err)
		}
	}
	size := int64(48)
	if c != nil {
		size = c.size()
	}
	if r.memo != nil {
		r.memo[k] = c
	} else {
		r.s.cache.put(k, c, size)
	}
	return c, nil
}

// fieldPaths lists the paths of a block's field columns, sorted.
func (r *reader) fieldPaths(seq uint64) ([]string, error) {
	k := cacheKey{seq: seq, col: fieldPathsSlot}
	if v, ok := r.s.cache.get(k); ok {
		return v.([]string), nil
	}
	prefix := fieldColumnPrefix(seq)
	r.at = prefix
	it := r.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close() // also when Badger panics on a damaged table block
	var paths []string
	size := int64(24)
	for it.Rewind(); it.Valid(); it.Next() {
		p := string(it.Item().Key()[len(prefix):])
		paths = append(paths, p)
		size += int64(len(p) + 16)
	}
	r.s.cache.put(k, paths, size)
	return paths, nil
}

// pathsBeneath returns the paths of a block's columns at or beneath path
// ("" for all of them): what a contains on an object searches.
func (r *reader) pathsBeneath(seq uint64, path string) ([]string, error) {
	all, err := r.fieldPaths(seq)
	if err != nil {
		return nil, err
	}
	if path == "" {
		return all, nil
	}
	var out []string
	for _, p := range all {
		if p == path || strings.HasPrefix(p, path) && len(p) > len(path) && p[len(path)] == '.' {
			out = append(out, p)
		}
	}
	return out, nil
}
