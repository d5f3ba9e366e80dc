package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/auditdeck/auditdeck/core"
	"github.com/dgraph-io/badger/v4"
)

// fieldPaths keeps the core.FieldPathSet of the store in memory and under
// metaFieldPathsKey, as one small JSON document rewritten when ingest brings
// a new path (rare once a source's shape is known).
type fieldPaths struct {
	mu  sync.Mutex
	set *core.FieldPathSet // nil until loaded
}

type fieldPathsDoc struct {
	Complete bool     `json:"complete"`
	Paths    []string `json:"paths"`
}

// loadPaths reads the set on first use. A store without the key is complete
// only when it has no blocks: events written before paths were recorded are
// not in any set.
func (s *Store) loadPaths() (*core.FieldPathSet, error) {
	if s.paths.set != nil {
		return s.paths.set, nil
	}
	var doc fieldPathsDoc
	found := false
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(metaFieldPathsKey)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		return item.Value(func(v []byte) error { return json.Unmarshal(v, &doc) })
	})
	if err != nil {
		return nil, fmt.Errorf("read field paths: %w", err)
	}
	if !found {
		doc.Complete = len(s.state.Load().blocks) == 0
	}
	s.paths.set = core.NewFieldPathSet(doc.Paths, doc.Complete)
	return s.paths.set, nil
}

// AddFieldPaths implements core.FieldPathStore.
func (s *Store) AddFieldPaths(ctx context.Context, paths []string, overflow bool) (err error) {
	key := metaFieldPathsKey
	defer s.recoverDamage("field paths", &key, &err)
	s.paths.mu.Lock()
	defer s.paths.mu.Unlock()
	cur, err := s.loadPaths()
	if err != nil {
		return err
	}
	next := cur.With(paths, overflow)
	if next == cur {
		return nil
	}
	b, err := json.Marshal(fieldPathsDoc{Complete: next.Complete, Paths: next.Paths()})
	if err != nil {
		return err
	}
	// Badger writes through mapped files: on a full disk that is a SIGBUS,
	// so the same free-space check as every other write comes first.
	if err := s.checkSpace(smallWrite); err != nil {
		return err
	}
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(metaFieldPathsKey, b) }); err != nil {
		return fmt.Errorf("write field paths: %w", err)
	}
	s.paths.set = next
	return nil
}

// FieldPaths implements core.FieldPathStore.
func (s *Store) FieldPaths(ctx context.Context) (_ *core.FieldPathSet, err error) {
	// Every filter's warnings read it (the CLI's query too): damage there
	// fails the read, not the process.
	key := metaFieldPathsKey
	defer s.recoverDamage("field paths", &key, &err)
	s.paths.mu.Lock()
	defer s.paths.mu.Unlock()
	return s.loadPaths()
}
