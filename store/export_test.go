package store

import (
	"errors"

	"github.com/dgraph-io/badger/v4"
)

// HasStoredCatalog reports whether the store holds a field catalog key.
func HasStoredCatalog(s *Store) bool {
	err := s.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get(metaCatalogKey)
		return err
	})
	return !errors.Is(err, badger.ErrKeyNotFound) && err == nil
}
