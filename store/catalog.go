package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/dgraph-io/badger/v4"
)

// The field catalog (core.FieldCatalog) is accumulated from each sealed
// block's field observations and kept under metaCatalogKey, written in the
// same Badger transaction as the blocks it describes: it never misses a
// path of a stored event, and never holds one of a batch that failed.
//
// Rows counts the rows of every ingest commit having a path: a replaced
// event counts again (its old row is not subtracted), so after updates Rows
// may exceed the live events having the path. Merges move rows and are not
// observed. A store rebuilt from its raw events (below) counts exactly.

// metaCatalogKey holds the encoded catalogState.
var metaCatalogKey = []byte{prefixMeta, 'c', 'a', 't', 'a', 'l', 'o', 'g'}

// maxSketches is how many paths (the first seen) get a distinct-value
// sketch: 1 KiB each, so the catalog stays about 2 MiB at most however many
// paths events have.
const maxSketches = 2000

// typeMask is a set of value types, one bit per core.Field* name.
type typeMask uint8

const (
	typeString typeMask = 1 << iota
	typeInt
	typeFloat
	typeBool
	typeTime
	typeIP
	typeNull
)

var typeNames = [...]string{core.FieldString, core.FieldInt, core.FieldFloat, core.FieldBool, core.FieldTime, core.FieldIP, core.FieldNull}

func (m typeMask) names() []string {
	var out []string
	for i, n := range typeNames {
		if m&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// fieldObservation is what one block says about one leaf path.
type fieldObservation struct {
	Path       string
	Types      typeMask
	Rows       int   // rows of the block having the path
	MinT, MaxT int64 // created_at range of those rows, unix ns
	// Hashes are xxhash64 of the block's values: each distinct value once
	// from the column builder's dictionaries; observeRows passes repeats
	// (the sketch ignores them, and deduplicating cost it a quarter of its
	// time).
	Hashes []uint64
}

// fieldStat is the catalog's running summary of one path.
type fieldStat struct {
	types      typeMask
	rows       int64
	minT, maxT int64
	hll        *core.HyperLogLog // nil past maxSketches
}

// catalogState is the catalog as the store accumulates it. A state that was
// published is never mutated: writers observe into a clone.
type catalogState struct {
	fields   map[string]*fieldStat
	sketches int
	complete bool
}

func newCatalogState() *catalogState {
	return &catalogState{fields: map[string]*fieldStat{}, complete: true}
}

// clone copies the state; each stat is copied (sketches too) so observing
// into the clone leaves the original untouched.
func (c *catalogState) clone() *catalogState {
	n := &catalogState{fields: make(map[string]*fieldStat, len(c.fields)), sketches: c.sketches, complete: c.complete}
	for p, f := range c.fields {
		cp := *f
		if f.hll != nil {
			cp.hll = f.hll.Clone()
		}
		n.fields[p] = &cp
	}
	return n
}

// observeBlock adds one block's observations. Past core.MaxFieldPaths new
// paths are dropped and the catalog is marked incomplete.
func (c *catalogState) observeBlock(obs []fieldObservation) {
	for i := range obs {
		o := &obs[i]
		f := c.fields[o.Path]
		if f == nil {
			if len(c.fields) >= core.MaxFieldPaths {
				c.complete = false
				continue
			}
			f = &fieldStat{minT: o.MinT, maxT: o.MaxT}
			if c.sketches < maxSketches {
				f.hll = core.NewHyperLogLog(hllPrecision)
				c.sketches++
			}
			c.fields[o.Path] = f
		}
		f.types |= o.Types
		f.rows += int64(o.Rows)
		f.minT = min(f.minT, o.MinT)
		f.maxT = max(f.maxT, o.MaxT)
		if f.hll != nil {
			for _, h := range o.Hashes {
				f.hll.Add(h)
			}
		}
	}
}

// catalog is the state as core sees it.
func (c *catalogState) catalog() *core.FieldCatalog {
	out := make([]core.FieldInfo, 0, len(c.fields))
	for p, f := range c.fields {
		fi := core.FieldInfo{Path: p, Types: f.types.names(), Rows: f.rows, Distinct: -1,
			FirstSeen: time.Unix(0, f.minT).UTC(), LastSeen: time.Unix(0, f.maxT).UTC()}
		if f.hll != nil {
			fi.Distinct = int64(math.Round(f.hll.Estimate()))
		}
		out = append(out, fi)
	}
	return core.NewFieldCatalog(out, c.complete)
}

// catalogVersion tags the encoding of metaCatalogKey's value.
const catalogVersion = 1

// encode lays out version, complete, then per path (sorted): path, types,
// rows, time range and the sketch (empty when none), s2-compressed: the
// registers of low-cardinality paths are mostly zero.
func (c *catalogState) encode() []byte {
	e := enc{b: make([]byte, 0, 64*len(c.fields)+1024*c.sketches)}
	e.uvarint(catalogVersion)
	flags := uint64(0)
	if c.complete {
		flags = 1
	}
	e.uvarint(flags)
	e.uvarint(uint64(len(c.fields)))
	for _, p := range slices.Sorted(maps.Keys(c.fields)) {
		f := c.fields[p]
		e.str(p)
		e.uvarint(uint64(f.types))
		e.uvarint(uint64(f.rows))
		e.varint(f.minT)
		e.varint(f.maxT)
		if f.hll != nil {
			e.bytes(f.hll.Registers())
		} else {
			e.bytes(nil)
		}
	}
	return compress(e.b)
}

func decodeCatalog(v []byte) (*catalogState, error) {
	raw, err := uncompress(v)
	if err != nil {
		return nil, err
	}
	d := dec{b: raw}
	if ver := d.uvarint(); ver != catalogVersion {
		return nil, fmt.Errorf("%w: field catalog version %d", errCorrupt, ver)
	}
	c := &catalogState{complete: d.uvarint()&1 != 0}
	n := d.count(6)
	c.fields = make(map[string]*fieldStat, n)
	for range n {
		p := d.str()
		f := &fieldStat{types: typeMask(d.uvarint()), rows: int64(d.uvarint()), minT: d.varint(), maxT: d.varint()}
		switch reg := d.bytes(); len(reg) {
		case 0:
		case 1 << hllPrecision:
			f.hll = core.HyperLogLogFrom(reg)
			c.sketches++
		default:
			d.fail()
		}
		c.fields[p] = f
	}
	if d.err != nil {
		return nil, d.err
	}
	return c, nil
}

// fieldCatalog is the store's catalog in memory: the state (nil until
// loaded) and the core form built from it on demand.
type fieldCatalog struct {
	mu    sync.Mutex
	state *catalogState
	built *core.FieldCatalog // nil when state changed since
}

// Fields implements core.FieldPathStore.
func (s *Store) Fields(ctx context.Context) (_ *core.FieldCatalog, err error) {
	// Every filter's compile and warnings read it: damage there fails the
	// read, not the process.
	key := metaCatalogKey
	defer s.recoverDamage("field catalog", &key, &err)
	s.catalog.mu.Lock()
	defer s.catalog.mu.Unlock()
	if s.catalog.built != nil {
		return s.catalog.built, nil
	}
	st, err := s.loadCatalog(ctx)
	if err != nil {
		return nil, err
	}
	s.catalog.built = st.catalog()
	return s.catalog.built, nil
}

// loadCatalog reads the state on first use; s.catalog.mu is held. A store
// with blocks but no catalog (written before catalogs were kept) gets one
// rebuilt from its raw events, persisted unless the store is read-only.
func (s *Store) loadCatalog(ctx context.Context) (*catalogState, error) {
	if s.catalog.state != nil {
		return s.catalog.state, nil
	}
	var st *catalogState
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(metaCatalogKey)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			st, err = decodeCatalog(v)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read field catalog: %w", err)
	}
	if st == nil {
		if st, err = s.rebuildCatalog(ctx); err != nil {
			return nil, err
		}
	}
	s.catalog.state = st
	return st, nil
}

// rebuildCatalog observes every live row of the current snapshot, one block
// at a time (memory bounded by a block), and stores the result.
func (s *Store) rebuildCatalog(ctx context.Context) (*catalogState, error) {
	st := newCatalogState()
	r := s.newReader()
	defer r.close()
	r.bulk()
	if len(r.snap.blocks) == 0 {
		return st, nil
	}
	for _, b := range r.snap.blocks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ts, err := r.times(b.hdr.Seq)
		if err != nil {
			return nil, fmt.Errorf("rebuild field catalog: %w", err)
		}
		ids, err := r.ids(b.hdr.Seq)
		if err != nil {
			return nil, fmt.Errorf("rebuild field catalog: %w", err)
		}
		recs := make([]core.IngestRecord, 0, b.live)
		for row := range b.hdr.Rows {
			if b.deleted(row) {
				continue
			}
			raw, err := r.rawRow(b, row)
			if err != nil {
				return nil, fmt.Errorf("rebuild field catalog: %w", err)
			}
			recs = append(recs, core.IngestRecord{Fields: core.ActivityFields{CreatedAt: ts[row], EventID: ids[row]}, Raw: raw})
		}
		st.observeBlock(observeRecords(recs))
		r.forget(b.hdr.Seq)
	}
	if s.opts.ReadOnly {
		return st, nil
	}
	if err := s.checkSpace(smallWrite); err != nil {
		return nil, err
	}
	err := s.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(metaCatalogKey, st.encode()); err != nil {
			return err
		}
		// The path set the catalog replaces.
		return txn.Delete(metaFieldPathsKey)
	})
	if err != nil {
		return nil, fmt.Errorf("write field catalog: %w", err)
	}
	return st, nil
}

// nextCatalog returns the catalog state after an ingest commit of built,
// with s.catalog.mu held (the caller publishes it with publishCatalog once
// the commit is in).
func (s *Store) nextCatalog(built []*builtBlock) (*catalogState, error) {
	cur, err := s.loadCatalog(context.Background())
	if err != nil {
		return nil, err
	}
	next := cur.clone()
	for _, b := range built {
		next.observeBlock(b.obs)
	}
	return next, nil
}

func (s *Store) publishCatalog(next *catalogState) {
	s.catalog.state = next
	s.catalog.built = nil
}

// hllPrecision is the catalog sketches' precision (1024 registers,
// about 3.3%), persisted with them.
const hllPrecision = 10
