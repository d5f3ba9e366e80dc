package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/auditdeck/auditdeck/core"
	"github.com/dgraph-io/badger/v4"
)

// Objects live under 'o' kind 0x00 id: small JSON documents of the engine.

func objectKey(kind, id string) []byte {
	k := make([]byte, 0, 2+len(kind)+len(id))
	k = append(k, prefixObject)
	k = append(k, kind...)
	k = append(k, 0)
	return append(k, id...)
}

func checkObjectKey(kind, id string) error {
	if kind == "" || strings.IndexByte(kind, 0) >= 0 || strings.IndexByte(id, 0) >= 0 || id == "" || len(id) > 512 {
		return fmt.Errorf("invalid object key %q/%q", kind, id)
	}
	return nil
}

// PutObject stores a document durably.
func (s *Store) PutObject(ctx context.Context, kind, id string, doc []byte) error {
	if err := checkObjectKey(kind, id); err != nil {
		return err
	}
	if err := s.checkSpace(int64(len(doc)) + smallWrite); err != nil {
		return err
	}
	return s.db.Update(func(txn *badger.Txn) error { return txn.Set(objectKey(kind, id), doc) })
}

// GetObject returns a document or core.ErrNotFound.
func (s *Store) GetObject(ctx context.Context, kind, id string) (_ []byte, err error) {
	if err := checkObjectKey(kind, id); err != nil {
		return nil, core.ErrNotFound
	}
	// Objects (tasks, reports, subscriptions) are read by the scheduler
	// and the task sweeper too, where a panic would end the daemon.
	key := objectKey(kind, id)
	defer s.recoverDamage("read object", &key, &err)
	var out []byte
	err = s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(key)
		if err != nil {
			return err
		}
		out, err = item.ValueCopy(nil)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, core.ErrNotFound
	}
	return out, err
}

// DeleteObject removes a document; removing a missing one is not an error.
func (s *Store) DeleteObject(ctx context.Context, kind, id string) error {
	if err := checkObjectKey(kind, id); err != nil {
		return err
	}
	return s.db.Update(func(txn *badger.Txn) error { return txn.Delete(objectKey(kind, id)) })
}

// ListObjects streams every document of a kind in id order.
func (s *Store) ListObjects(ctx context.Context, kind string, fn func(id string, doc []byte) error) (err error) {
	prefix := objectKey(kind, "")
	at := slices.Clone(prefix) // the last key read, for the damage report
	defer s.recoverDamage("list objects", &at, &err)
	guarded := guardCallback(func(kv [2][]byte) error { return fn(string(kv[0]), kv[1]) })
	return s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 64, Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			at = it.Item().KeyCopy(at[:0])
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if err := guarded([2][]byte{at[len(prefix):], v}); err != nil {
				return err
			}
		}
		return nil
	})
}

var _ core.Store = (*Store)(nil)
