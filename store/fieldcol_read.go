package store

import (
	"errors"
	"fmt"
	"math"

	"github.com/dgraph-io/badger/v4"
)

// Cache slots of a block's field columns and of its list of column paths.
const (
	fieldColumnSlot = math.MaxUint32 - iota
	fieldDirSlot
)

// setFieldColumns writes a block's field columns and directory.
func setFieldColumns(txn *badger.Txn, seq uint64, cols []builtFieldColumn) error {
	for _, f := range cols {
		if f.value == nil {
			continue // a directory-only entry
		}
		if err := txn.Set(fieldColumnKey(seq, f.path), f.value); err != nil {
			return err
		}
	}
	return txn.Set(fieldDirKey(seq), encodeFieldDir(cols))
}

// fieldDir returns a block's field directory.
func (r *reader) fieldDir(seq uint64) (*fieldDir, error) {
	v, err := r.load(seq, fieldDirSlot, fieldDirKey(seq), func(b []byte) (any, int64, error) {
		fd, err := decodeFieldDir(b)
		if err != nil {
			return nil, 0, err
		}
		return fd, fd.size(), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*fieldDir), nil
}

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
		// No row of the block has the path (Badger's table filters make
		// asking cheap).
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

// pathsBeneath returns the directory entries of a block's columns at or
// beneath path ("" for all of them): what a contains on an object searches.
func (r *reader) pathsBeneath(seq uint64, path string) ([]fieldDirEntry, error) {
	fd, err := r.fieldDir(seq)
	if err != nil {
		return nil, err
	}
	return fd.beneath(path), nil
}
