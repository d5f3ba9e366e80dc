package store

import (
	"errors"
	"fmt"
	"slices"

	"github.com/auditdeck/auditdeck/core"
	"github.com/dgraph-io/badger/v4"
)

// Formats this code opens. A store of an older listed format is migrated in
// place when opened for writing; opened read-only it is read as it is.
const (
	// formatBlocks4: blocks without field columns (before Store v2). Their
	// headers say so (FieldCols false), and every field predicate on them
	// reads the raw JSON, so a half-migrated store answers like a migrated one.
	formatBlocks4 = "auditdeck-blocks-4"
)

// MigrationProgress reports a migration's progress: done of total blocks.
type MigrationProgress func(done, total int)

// migrateFieldColumns gives every block without field columns its columns,
// one block per transaction with its re-encoded header, so an interrupted
// migration resumes where it stopped and loses nothing: the raw events are
// read, never rewritten. Runs in Open, before any reader exists.
func (s *Store) migrateFieldColumns() error {
	snap := s.state.Load()
	var todo []*blockState
	for _, b := range snap.blocks {
		if !b.hdr.FieldCols {
			todo = append(todo, b)
		}
	}
	slices.SortFunc(todo, func(a, b *blockState) int { return int(a.hdr.Seq - b.hdr.Seq) })
	progress := s.opts.MigrationProgress
	if progress != nil && len(todo) > 0 {
		progress(0, len(todo))
	}
	// The catalog of the migrated events is observed on the way, unless
	// the store has one.
	var cat *catalogState
	if has, err := s.hasCatalog(); err != nil {
		return err
	} else if !has {
		cat = newCatalogState()
	}
	for i, b := range todo {
		if err := s.migrateBlock(b, cat); err != nil {
			return fmt.Errorf("migrate block %d to format %s: %w", b.hdr.Seq, formatVersion, err)
		}
		if progress != nil {
			progress(i+1, len(todo))
		}
		if (i+1)%64 == 0 {
			releaseMappedPages(s.opts.Dir)
		}
	}
	if cat != nil && len(todo) == len(snap.blocks) {
		err := s.db.Update(func(txn *badger.Txn) error {
			if err := txn.Set(metaCatalogKey, cat.encode()); err != nil {
				return err
			}
			return txn.Delete(metaFieldPathsKey) // what the catalog replaces
		})
		if err != nil {
			return fmt.Errorf("write field catalog: %w", err)
		}
		s.catalog.state = cat
	}
	return s.setFormat(formatVersion)
}

// hasCatalog reports whether the store keeps a field catalog.
func (s *Store) hasCatalog() (bool, error) {
	found := false
	err := s.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get(metaCatalogKey)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		found = err == nil
		return err
	})
	return found, err
}

// migrateBlock writes b's field columns; cat, when set, observes them (rows
// replaced since count too: the catalog's row counts are approximate).
func (s *Store) migrateBlock(b *blockState, cat *catalogState) error {
	r := s.newReader()
	defer r.close()
	ts, err := r.times(b.hdr.Seq)
	if err != nil {
		return err
	}
	ids, err := r.ids(b.hdr.Seq)
	if err != nil {
		return err
	}
	if len(ts) != b.hdr.Rows || len(ids) != b.hdr.Rows {
		return fmt.Errorf("block %d: %w", b.hdr.Seq, errCorrupt)
	}
	recs := make([]core.IngestRecord, b.hdr.Rows)
	for i := range recs {
		recs[i].Fields.CreatedAt, recs[i].Fields.EventID = ts[i], ids[i]
	}
	for ci := range b.hdr.chunks() {
		c, err := r.chunkUncached(b.hdr.Seq, ci)
		if err != nil {
			return err
		}
		for j, raw := range c.rows {
			if row := ci*b.hdr.ChunkRows + j; row < len(recs) {
				recs[row].Raw = raw
			}
		}
	}
	tasks, finish := fieldColumnTasks(recs)
	runParallel(tasks)
	cols, ok := finish()
	if !ok {
		return fmt.Errorf("a stored event does not parse: %w", errCorrupt)
	}
	h := *b.hdr
	h.FieldCols, h.FieldOverflow = true, overflowed(cols)
	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	if err := setFieldColumns(txn, h.Seq, cols); err != nil {
		return err
	}
	if err := txn.Set(headerKey(h.Seq), h.encode()); err != nil {
		return err
	}
	if err := txn.Commit(); err != nil {
		return err
	}
	b.hdr.FieldCols, b.hdr.FieldOverflow = true, h.FieldOverflow // no reader exists yet: see migrateFieldColumns
	if cat != nil {
		cat.observeBlock(observeColumns(cols, recs))
	}
	return nil
}

func (s *Store) setFormat(v string) error {
	return s.db.Update(func(txn *badger.Txn) error { return txn.Set(metaFormatKey, []byte(v)) })
}
