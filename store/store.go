// Package store keeps auditdeck's activities in Badger, laid out in
// block-columnar form (see DESIGN.md, "Store layout"): events are grouped
// into blocks sorted newest first; each block is a header kept in memory,
// one entry per indexed column and the raw events in compressed chunks.
// It implements core.ActivityStore.
package store

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/auditdeck/auditdeck/core"
	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/valyala/fastjson"
)

// Options tunes the store. The zero value of each field picks the default
// recorded in BENCHMARKS.md with the measurements behind it.
type Options struct {
	Dir        string
	BlockRows  int           // events per block; 4096
	ChunkRows  int           // events per compressed raw chunk; 128 (rawcodec.go)
	CacheBytes int64         // decoded column and chunk cache; 32 MiB
	GCInterval time.Duration // value-log GC period; 10 minutes, negative = never
	ReadOnly   bool
	// MinFreeBytes is the disk space writes must leave free (see
	// DefaultMinFreeBytes, the value for 0); negative: no check.
	MinFreeBytes int64
	Logger       *slog.Logger
	// MigrationProgress, when set, hears how far opening a store of an
	// older format has come in migrating it (see migrate.go).
	MigrationProgress MigrationProgress
	// Tune, when set, adjusts the Badger options last. Benchmarks use it to
	// compare the tuned options with Badger's defaults.
	Tune func(*badger.Options)
	// BloomCacheBytes bounds the block bloom filters kept decoded (about
	// 15 KB a block); 4 MiB.
	BloomCacheBytes int64
	// IDMemRows is how many event ids ingest dedupe keeps in memory before
	// writing them to a sorted run on disk (idruns.go); 262144.
	IDMemRows int
}

func (o *Options) defaults() {
	if o.BlockRows <= 0 {
		o.BlockRows = 4096
	}
	if o.BlockRows > 60000 {
		o.BlockRows = 60000 // dictionary codes are uint16
	}
	if o.ChunkRows <= 0 {
		o.ChunkRows = rawChunkRows
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = 32 << 20
	}
	if o.BloomCacheBytes <= 0 {
		o.BloomCacheBytes = 4 << 20
	}
	if o.IDMemRows <= 0 {
		o.IDMemRows = defaultIDMemRows
	}
	if o.MinFreeBytes == 0 {
		o.MinFreeBytes = DefaultMinFreeBytes
	}
	if o.GCInterval == 0 {
		o.GCInterval = 10 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
}

// badgerOptions are chosen for a 2-core machine with bounded memory; see
// BENCHMARKS.md ("Store options") for the measurements.
func badgerOptions(o Options) badger.Options {
	return badger.DefaultOptions(o.Dir).
		WithLogger(badgerLogger{o.Logger}).
		WithValueThreshold(512).        // columns and chunks live in the value log, the LSM holds keys
		WithMemTableSize(16 << 20).     // default 64 MiB x 5 memtables was most of the 4 GB RSS
		WithNumMemtables(2).            //
		WithNumLevelZeroTables(4).      //
		WithNumLevelZeroTablesStall(8). //
		WithBaseTableSize(4 << 20).     //
		WithNumCompactors(2).           // two cores
		WithBlockCacheSize(16 << 20).   // our own decoded cache does the heavy lifting
		WithIndexCacheSize(8 << 20).    //
		WithCompression(options.None).  // values are compressed by us (s2) already
		WithValueLogFileSize(64 << 20). // the file being written stays mapped: its size bounds that part of RSS
		WithDetectConflicts(false).     // one writer goroutine at a time (Store.wmu)
		WithMetricsEnabled(false).      //
		WithNumGoroutines(2).           //
		WithReadOnly(o.ReadOnly).       //
		WithSyncWrites(false).          // Sync is called explicitly, see WriteBatch
		// Checksums on every read: a damaged value or table block is then
		// an error naming the block, not garbage decoded or a panic in
		// Badger's table iterator (and a failed read no longer leaks a
		// value-log read lock that made Close hang).
		WithVerifyValueChecksum(true).
		WithChecksumVerificationMode(options.OnBlockRead).
		WithNumVersionsToKeep(1)
}

// Store is the Badger-backed core.ActivityStore.
type Store struct {
	db    *badger.DB
	opts  Options
	cache *decodedCache
	// migrate: the store's format is older; Open migrates it (migrate.go).
	migrate bool
	// blooms holds the block bloom filters queries read lately (blockcache.go).
	blooms *decodedCache
	// results caches counts and histograms of the current snapshot.
	results resultCache

	// wmu serialises writers. pubMu is held for writing while a commit is
	// published, so a reader's snapshot and its Badger transaction agree.
	wmu     sync.Mutex
	pubMu   sync.RWMutex
	state   atomic.Pointer[snapshot]
	ids     *idIndex // loaded by the first write; guarded by wmu
	nextSeq uint64   // guarded by wmu
	// written counts events written by this process; releasedAt is the count
	// at the last releaseMappedPages. Both guarded by wmu.
	written, releasedAt int64
	auditN              atomic.Uint64
	mappedReads         atomic.Uint64 // see mappedreads.go

	stop      chan struct{}
	bg        sync.WaitGroup
	closeOnce sync.Once

	catalog fieldCatalog // see catalog.go
}

// blockState is a block as one snapshot sees it.
type blockState struct {
	hdr    *header
	del    *roaring.Bitmap   // replaced rows; nil when none. Never mutated: replaced on change.
	delSeq map[uint32]uint64 // the commit that replaced each of them, for pinned reads
	live   int
}

func (b *blockState) deleted(row int) bool { return b.del != nil && b.del.Contains(uint32(row)) }

// deletedBefore: was the row replaced by a commit at or before pin?
func (b *blockState) deletedBefore(row uint32, pin uint64) bool {
	q, ok := b.delSeq[row]
	return ok && q <= pin
}

// deletions is the replaced rows of a block with the commits that replaced them.
type deletions struct{ seqs map[uint32]uint64 }

func (b *blockState) deletions() *deletions {
	if b == nil {
		return &deletions{seqs: map[uint32]uint64{}}
	}
	return &deletions{seqs: b.delSeq}
}

func (d *deletions) clone() *deletions {
	c := &deletions{seqs: make(map[uint32]uint64, len(d.seqs)+1)}
	for k, v := range d.seqs {
		c.seqs[k] = v
	}
	return c
}

func (d *deletions) add(row uint32, seq uint64) {
	if _, ok := d.seqs[row]; !ok {
		d.seqs[row] = seq
	}
}

func (d *deletions) bitmap() *roaring.Bitmap {
	bm := roaring.New()
	for row := range d.seqs {
		bm.Add(row)
	}
	return bm
}

// encode writes count, then (row, seq) pairs.
func (d *deletions) encode() []byte {
	var e enc
	e.uvarint(uint64(len(d.seqs)))
	for row, seq := range d.seqs {
		e.uvarint(uint64(row))
		e.uvarint(seq)
	}
	return e.b
}

func decodeDeletions(b []byte) (*deletions, error) {
	dd := dec{b: b}
	n := dd.count(2)
	d := &deletions{seqs: make(map[uint32]uint64, n)}
	for range n {
		row := dd.uvarint()
		d.seqs[uint32(row)] = dd.uvarint()
	}
	return d, dd.err
}

// snapshot is an immutable view of the store's in-memory state.
type snapshot struct {
	pin uint64 // the last commit sequence this snapshot includes
	// postings is the posting index's directory as of this snapshot (posting.go).
	postings *postingDir
	blocks   []*blockState // newest first: by MaxT, then Seq, descending
	bySeq    map[uint64]*blockState
	triage   map[string]*triageRecord
	events   int64
}

type triageRecord struct {
	core.Triage
	CreatedAt int64 `json:"created_at"` // the event's time, to find its block
}

func (s *snapshot) sortBlocks() {
	slices.SortFunc(s.blocks, func(a, b *blockState) int {
		if c := cmp.Compare(b.hdr.MaxT, a.hdr.MaxT); c != 0 {
			return c
		}
		return cmp.Compare(b.hdr.Seq, a.hdr.Seq)
	})
}

// Open opens or creates a store. A directory held by another process gives
// an error wrapping core.ErrLocked.
func Open(opts Options) (*Store, error) {
	opts.defaults()
	if opts.Dir == "" {
		return nil, errors.New("open store: no data directory")
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("open store %s: %w", opts.Dir, err)
	}
	bopts := badgerOptions(opts)
	if opts.Tune != nil {
		opts.Tune(&bopts)
	}
	unlock, err := lockDir(opts.Dir, opts.ReadOnly)
	if err != nil {
		if errors.Is(err, core.ErrLocked) {
			return nil, err
		}
		return nil, fmt.Errorf("open store %s: %w", opts.Dir, err)
	}
	if err := checkManifest(opts.Dir, bopts); err != nil {
		unlock()
		return nil, fmt.Errorf("open store %s: %w", opts.Dir, err)
	}
	if !opts.ReadOnly {
		if err := checkNewestLog(opts.Dir); err != nil {
			unlock()
			return nil, fmt.Errorf("open store %s: %w", opts.Dir, err)
		}
	}
	unlock()
	db, err := badger.Open(bopts)
	if err != nil {
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return nil, fmt.Errorf("%w: %s", core.ErrLocked, opts.Dir)
		}
		return nil, fmt.Errorf("open store %s: %w", opts.Dir, err)
	}
	s := &Store{db: db, opts: opts, cache: newDecodedCache(opts.CacheBytes), blooms: newDecodedCache(opts.BloomCacheBytes), stop: make(chan struct{})}
	if err := s.load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", opts.Dir, err)
	}
	if s.migrate && !opts.ReadOnly {
		if err := s.migrateFieldColumns(); err != nil {
			db.Close()
			return nil, fmt.Errorf("open store %s: %w", opts.Dir, err)
		}
	}
	// Opening reads through value-log files Badger keeps mapped; drop them
	// from this process's RSS (they stay in the page cache).
	releaseMappedPages(opts.Dir)
	if opts.GCInterval > 0 && !opts.ReadOnly {
		s.bg.Add(1)
		go s.gcLoop(opts.GCInterval)
	}
	return s, nil
}

func (s *Store) load() error {
	snap := &snapshot{bySeq: map[uint64]*blockState{}, triage: map[string]*triageRecord{}}
	hasFormat := false
	var brokenPostings []*postingSeg
	err := s.db.View(func(txn *badger.Txn) error {
		if item, err := txn.Get(metaFormatKey); err == nil {
			hasFormat = true
			v, _ := item.ValueCopy(nil)
			switch string(v) {
			case formatVersion:
			case formatBlocks4:
				s.migrate = true
			default:
				return fmt.Errorf("data directory has format %q; this auditdeck reads %q", v, formatVersion)
			}
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		err := eachValue(txn, prefixHeader, func(k, v []byte) error {
			h, err := decodeHeader(v)
			if err != nil {
				return fmt.Errorf("block header %x: %w", k, err)
			}
			h.setBloomSource(s.blooms, s.bloomLoader(h.Seq))
			b := &blockState{hdr: h, live: h.Rows}
			snap.blocks = append(snap.blocks, b)
			snap.bySeq[h.Seq] = b
			s.nextSeq = max(s.nextSeq, h.Seq+1)
			return nil
		})
		if err != nil {
			return err
		}
		err = eachValue(txn, prefixDeleted, func(k, v []byte) error {
			seq := seqOfKey(k)
			b := snap.bySeq[seq]
			if b == nil {
				return nil
			}
			d, err := decodeDeletions(v)
			if err != nil {
				return fmt.Errorf("deleted rows of block %d: %w", seq, err)
			}
			b.del, b.delSeq = d.bitmap(), d.seqs
			b.live = b.hdr.Rows - len(d.seqs)
			return nil
		})
		if err != nil {
			return err
		}
		err = eachValue(txn, prefixTriage, func(k, v []byte) error {
			var tr triageRecord
			if err := json.Unmarshal(v, &tr); err != nil {
				return fmt.Errorf("triage record %q: %w", k[1:], err)
			}
			snap.triage[string(k[1:])] = &tr
			return nil
		})
		if err != nil {
			return err
		}
		if snap.postings, brokenPostings, err = loadPostings(txn); err != nil {
			return err
		}
		snap.postings.db = s.db
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixAudit}, Reverse: true})
		defer it.Close()
		it.Seek([]byte{prefixAudit + 1})
		if it.Valid() {
			k := it.Item().Key()
			if len(k) == 17 {
				s.auditN.Store(beUint64(k[9:]) + 1)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, b := range snap.blocks {
		snap.events += int64(b.live)
	}
	if s.nextSeq == 0 {
		s.nextSeq = 1 // a pin of 0 means "not pinned", so no commit may have it
	}
	snap.pin = s.nextSeq - 1
	snap.sortBlocks()
	s.state.Store(snap)
	if !s.opts.ReadOnly {
		if err := s.repairPostings(brokenPostings); err != nil {
			return err
		}
	}
	if !s.opts.ReadOnly && !hasFormat {
		// Only a new store is stamped: a write on every open would leave a
		// memtable for Close to flush, slowing every read-only command.
		return s.db.Update(func(txn *badger.Txn) error { return txn.Set(metaFormatKey, []byte(formatVersion)) })
	}
	return nil
}

// eachValue calls fn for every key with the prefix; the slices are copies.
func eachValue(txn *badger.Txn, prefix byte, fn func(k, v []byte) error) error {
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 64, Prefix: []byte{prefix}})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		v, err := it.Item().ValueCopy(nil)
		if err != nil {
			return err
		}
		if err := fn(it.Item().KeyCopy(nil), v); err != nil {
			return err
		}
	}
	return nil
}

func seqOfKey(k []byte) uint64 { return beUint64(k[1:9]) }

func beUint64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

func (s *Store) gcLoop(every time.Duration) {
	defer s.bg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.RunValueLogGC()
		}
	}
}

// RunValueLogGC reclaims value-log space left by replaced events and merged blocks.
func (s *Store) RunValueLogGC() {
	for i := 0; i < 16; i++ {
		// A GC pass rewrites up to one value-log file's live entries.
		if err := s.checkSpace(s.db.Opts().ValueLogFileSize); err != nil {
			s.opts.Logger.Warn("value-log GC skipped", "err", err)
			return
		}
		if err := s.db.RunValueLogGC(0.5); err != nil {
			return
		}
	}
}

// Close flushes and closes the store.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stop)
		s.bg.Wait()
		s.wmu.Lock()
		defer s.wmu.Unlock()
		err = s.db.Close()
	})
	return err
}

// Stats describes the store.
func (s *Store) Stats() core.StoreStats {
	snap := s.state.Load()
	st := core.StoreStats{Events: snap.events, Blocks: len(snap.blocks), Triaged: len(snap.triage)}
	// Badger's own Size is refreshed only every minute; the directory is exact.
	if entries, err := os.ReadDir(s.opts.Dir); err == nil {
		for _, e := range entries {
			if info, err := e.Info(); err == nil {
				st.DiskBytes += info.Size()
			}
		}
	}
	for i, b := range snap.blocks {
		if b.live == 0 {
			continue
		}
		if i == 0 || st.NewestEvent.IsZero() || b.hdr.MaxT > st.NewestEvent.UnixNano() {
			st.NewestEvent = time.Unix(0, b.hdr.MaxT).UTC()
		}
		if st.OldestEvent.IsZero() || b.hdr.MinT < st.OldestEvent.UnixNano() {
			st.OldestEvent = time.Unix(0, b.hdr.MinT).UTC()
		}
	}
	return st
}

// reader reads one consistent view: a snapshot and a Badger transaction
// opened together.
type reader struct {
	s         *Store
	snap      *snapshot
	asOf      uint64 // pinned reads: rows committed after it are invisible; 0 = everything
	txn       *badger.Txn
	extractor core.FieldExtractor
	// memo, when set, holds the decoded columns and chunks of the blocks a
	// bulk scan has open, instead of the shared cache: a scan of everything
	// would only evict what interactive queries use, and keeping the open
	// blocks here costs no locking per row.
	memo map[cacheKey]any
	// scratch, when set, decodes the typed columns of one block at a time
	// into reused buffers instead of the shared cache (aggregate_scratch.go).
	scratch *columnScratch
	loaded  int // blocks loaded by this bulk reader, to release mappings now and then
	cols    *rowColumns
	recent  []recentChunk   // a bulk scan's last chunks
	at      []byte          // the last key read, to name it when a read panics
	parser  fastjson.Parser // field predicates a block's columns cannot answer
	// sparse holds the fields of rows a scan took from postings and raw
	// rows (posting_scan.go), so showing them reads no column.
	sparse map[rowRef]sparseRow
}

type recentChunk struct {
	key  cacheKey
	rows *chunkRows
}

// recentChunks bounds the raw chunks a bulk scan holds (about 150 KB each).
const recentChunks = 32

// bulk switches the reader to per-scan memory for long scans.
func (r *reader) bulk() { r.memo = map[cacheKey]any{} }

// forget drops a finished block from the bulk memo.
func (r *reader) forget(seq uint64) {
	if r.memo == nil {
		return
	}
	for k := range r.memo {
		if k.seq == seq {
			delete(r.memo, k)
		}
	}
	if r.cols != nil && r.cols.seq == seq {
		r.cols = nil
	}
	r.loaded++
	if r.loaded%8 == 0 {
		releaseMappedPages(r.s.opts.Dir)
	}
}

func (s *Store) newReader() *reader {
	s.pubMu.RLock()
	defer s.pubMu.RUnlock()
	return &reader{s: s, snap: s.state.Load(), txn: s.db.NewTransaction(false)}
}

func (r *reader) close() { r.txn.Discard() }

// item looks a block key up, for the reads of its value.
func (r *reader) item(key []byte) (*badger.Item, error) {
	r.at = key
	r.s.mappedRead()
	item, err := r.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		// Block keys are written and removed together with their header: a
		// missing one was lost to a damaged table block.
		return nil, fmt.Errorf("read %s: not in the store: %w", describeKey(key), core.ErrDamaged)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", describeKey(key), err)
	}
	return item, nil
}

func (r *reader) raw(key []byte) ([]byte, error) {
	item, err := r.item(key)
	if err != nil {
		return nil, err
	}
	var out []byte
	err = item.Value(func(v []byte) error {
		// Decompress straight from Badger's buffer; only an uncompressed
		// value needs a copy, since v is valid only inside this call.
		b, err := uncompress(v)
		if err == nil && len(v) > 0 && v[0] == codecNone {
			b = bytes.Clone(b)
		}
		out = b
		return err
	})
	if err != nil {
		// Badger logs a value that fails its checksum and hands over no
		// bytes, which uncompress reports as damaged.
		return nil, fmt.Errorf("read %s: %w", describeKey(key), err)
	}
	return out, nil
}

// chunkUncached reads a raw chunk without caching it, for full scans that
// would only evict what interactive queries need.
func (r *reader) chunkUncached(seq uint64, i int) (*chunkRows, error) {
	if v, ok := r.s.cache.get(cacheKey{seq: seq, col: uint32(numColumns) + uint32(i)}); ok {
		return v.(*chunkRows), nil
	}
	b, err := r.raw(chunkKey(seq, i))
	if err != nil {
		return nil, err
	}
	return decodeChunk(b)
}

// load returns a decoded column or chunk through the cache.
func (r *reader) load(seq uint64, col uint32, key []byte, decode func([]byte) (any, int64, error)) (any, error) {
	k := cacheKey{seq: seq, col: col}
	if r.memo != nil {
		if v, ok := r.memo[k]; ok {
			return v, nil
		}
	}
	if v, ok := r.s.cache.get(k); ok {
		return v, nil
	}
	b, err := r.raw(key)
	if err != nil {
		return nil, err
	}
	v, size, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("block %d column %d: %w", seq, col, err)
	}
	if r.memo != nil {
		r.memo[k] = v
	} else {
		r.s.cache.put(k, v, size)
	}
	return v, nil
}

func (r *reader) times(seq uint64) ([]int64, error) {
	v, err := r.load(seq, uint32(colTime), columnKey(seq, colTime), func(b []byte) (any, int64, error) {
		t, err := decodeTime(b)
		return t, int64(len(t) * 8), err
	})
	if err != nil {
		return nil, err
	}
	return v.([]int64), nil
}

func (r *reader) ids(seq uint64) ([]string, error) {
	v, err := r.load(seq, uint32(colID), columnKey(seq, colID), func(b []byte) (any, int64, error) {
		ids, err := decodeIDs(b)
		return ids, int64(len(b) + len(ids)*16), err
	})
	if err != nil {
		return nil, err
	}
	return v.([]string), nil
}

func (r *reader) hashes(seq uint64) (*hashColumn, error) {
	v, err := r.load(seq, uint32(colHash), columnKey(seq, colHash), func(b []byte) (any, int64, error) {
		h, err := decodeHashes(b)
		return h, int64(len(b)), err
	})
	if err != nil {
		return nil, err
	}
	return v.(*hashColumn), nil
}

func (r *reader) dict(seq uint64, c column) (*dictColumn, error) {
	if r.scratch != nil && r.memo == nil {
		return r.scratchDict(seq, c)
	}
	v, err := r.load(seq, uint32(c), columnKey(seq, c), func(b []byte) (any, int64, error) {
		d, err := decodeDict(b)
		return d, d.size(), err
	})
	if err != nil {
		return nil, err
	}
	return v.(*dictColumn), nil
}

func (r *reader) tri(seq uint64, c column) ([]core.Tri, error) {
	if r.scratch != nil && r.memo == nil {
		return r.scratchTri(seq, c)
	}
	v, err := r.load(seq, uint32(c), columnKey(seq, c), func(b []byte) (any, int64, error) {
		t, err := decodeTri(b)
		return t, int64(len(t)), err
	})
	if err != nil {
		return nil, err
	}
	return v.([]core.Tri), nil
}

func (r *reader) chunk(seq uint64, i int) (*chunkRows, error) {
	if r.memo != nil {
		// A bulk scan keeps only its most recent chunks: with blocks that
		// overlap in time every block is open at once, and holding their
		// raw chunks would hold the store.
		k := cacheKey{seq: seq, col: uint32(numColumns) + uint32(i)}
		for _, c := range r.recent {
			if c.key == k {
				return c.rows, nil
			}
		}
		b, err := r.raw(chunkKey(seq, i))
		if err != nil {
			return nil, err
		}
		c, err := decodeChunk(b)
		if err != nil {
			return nil, fmt.Errorf("block %d chunk %d: %w", seq, i, err)
		}
		if len(r.recent) >= recentChunks {
			copy(r.recent, r.recent[1:])
			r.recent = r.recent[:recentChunks-1]
		}
		r.recent = append(r.recent, recentChunk{key: k, rows: c})
		return c, nil
	}
	v, err := r.load(seq, uint32(numColumns)+uint32(i), chunkKey(seq, i), func(b []byte) (any, int64, error) {
		c, err := decodeChunk(b)
		return c, int64(len(b)), err
	})
	if err != nil {
		return nil, err
	}
	return v.(*chunkRows), nil
}

// rawRow returns the raw JSON of one row.
func (r *reader) rawRow(b *blockState, row int) ([]byte, error) {
	c, err := r.chunk(b.hdr.Seq, row/b.hdr.ChunkRows)
	if err != nil {
		return nil, err
	}
	i := row % b.hdr.ChunkRows
	if i >= len(c.rows) {
		return nil, fmt.Errorf("block %d row %d: %w", b.hdr.Seq, row, errCorrupt)
	}
	return c.rows[i], nil
}

// fields rebuilds the column fields of one row.
func (r *reader) fields(b *blockState, row int) (core.ActivityFields, error) {
	var f core.ActivityFields
	c, err := r.rowColumns(b)
	if err != nil {
		return f, err
	}
	if row >= len(c.ts) || row >= len(c.ids) {
		return f, errCorrupt
	}
	f.CreatedAt, f.EventID = c.ts[row], c.ids[row]
	f.EventType = c.dicts[0].at(row)
	f.UserEmail = c.dicts[1].at(row)
	f.ClientIP = c.dicts[2].at(row)
	f.VendorName = c.dicts[3].at(row)
	f.VendorService = c.dicts[4].at(row)
	f.Country = c.dicts[5].at(row)
	f.Successful, f.Suspicious = c.ok[row], c.su[row]
	return f, nil
}

// rowColumns are every column of one block, for building whole rows.
type rowColumns struct {
	seq   uint64
	ts    []int64
	ids   []string
	dicts [6]*dictColumn // colEventType .. colCountry
	ok    []core.Tri
	su    []core.Tri
}

func (d *dictColumn) at(row int) string { return d.dict[d.codes[row]] }

// rowColumns loads a block's columns once and keeps the last block's: rows
// come block by block, so building a row costs no lookups.
func (r *reader) rowColumns(b *blockState) (*rowColumns, error) {
	seq := b.hdr.Seq
	if r.cols != nil && r.cols.seq == seq {
		return r.cols, nil
	}
	c := &rowColumns{seq: seq}
	var err error
	if c.ts, err = r.times(seq); err != nil {
		return nil, err
	}
	if c.ids, err = r.ids(seq); err != nil {
		return nil, err
	}
	for i := range c.dicts {
		if c.dicts[i], err = r.dict(seq, colEventType+column(i)); err != nil {
			return nil, err
		}
		if len(c.dicts[i].codes) != len(c.ts) {
			return nil, fmt.Errorf("block %d: %w", seq, errCorrupt)
		}
	}
	if c.ok, err = r.tri(seq, colSuccessful); err != nil {
		return nil, err
	}
	if c.su, err = r.tri(seq, colSuspicious); err != nil {
		return nil, err
	}
	if len(c.ok) != len(c.ts) || len(c.su) != len(c.ts) {
		return nil, fmt.Errorf("block %d: %w", seq, errCorrupt)
	}
	r.cols = c
	return c, nil
}

// activity materialises one row for a caller. With raw JSON wanted, the
// fields come from re-reading that JSON: one chunk read instead of nine
// column reads, which matters when the rows of a page sit in many blocks.
func (r *reader) activity(b *blockState, row int, withRaw bool) (core.Activity, error) {
	var a core.Activity
	if withRaw && r.memo != nil {
		// A bulk scan has the block's columns at hand already.
		f, err := r.fields(b, row)
		if err != nil {
			return a, err
		}
		raw, err := r.rawRow(b, row)
		if err != nil {
			return a, err
		}
		a.ActivityFields, a.Raw = f, raw
	} else if withRaw {
		if sr, ok := r.sparse[rowRef{seq: b.hdr.Seq, row: uint32(row)}]; ok {
			a.ActivityFields, a.Raw = sr.f, sr.raw
		} else {
			raw, err := r.rawRow(b, row)
			if err != nil {
				return a, err
			}
			f, err := r.extractor.Extract(raw)
			if err != nil {
				return a, fmt.Errorf("block %d row %d: stored event: %w", b.hdr.Seq, row, err)
			}
			a.ActivityFields, a.Raw = f, raw
		}
	} else if sr, ok := r.sparse[rowRef{seq: b.hdr.Seq, row: uint32(row)}]; ok {
		a.ActivityFields = sr.f
	} else {
		f, err := r.fields(b, row)
		if err != nil {
			return a, err
		}
		a.ActivityFields = f
	}
	if tr, ok := r.snap.triage[a.EventID]; ok {
		t := tr.Triage
		a.Triage = &t
	}
	return a, nil
}

type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any) {
	b.l.Error(strings.TrimSpace(fmt.Sprintf(f, a...)), "component", "badger")
}
func (b badgerLogger) Warningf(f string, a ...any) {
	b.l.Warn(strings.TrimSpace(fmt.Sprintf(f, a...)), "component", "badger")
}
func (b badgerLogger) Infof(f string, a ...any)  {}
func (b badgerLogger) Debugf(f string, a ...any) {}

var _ core.ActivityStore = (*Store)(nil)

// rowSeq is the commit sequence of one row.
func (r *reader) rowSeq(b *blockState, row int) (uint64, error) {
	if b.hdr.SeqMin == b.hdr.SeqMax {
		return b.hdr.SeqMin, nil
	}
	v, err := r.load(b.hdr.Seq, uint32(colRowSeq), columnKey(b.hdr.Seq, colRowSeq), func(raw []byte) (any, int64, error) {
		q, err := decodeRowSeqs(raw, b.hdr.SeqMin)
		return q, int64(len(q) * 8), err
	})
	if err != nil {
		return 0, err
	}
	q := v.([]uint64)
	if row >= len(q) {
		return 0, errCorrupt
	}
	return q[row], nil
}

// Pin names the last commit by its sequence (decimal text, see pinSeq): a
// read pinned to it later sees exactly what is stored now, whatever is
// ingested or replaced meanwhile.
func (s *Store) Pin() core.Pin { return core.MakePin(strconv.FormatUint(s.state.Load().pin, 10)) }

// pinSeq is the commit sequence a pin names; 0 (the current state) for the
// zero pin or one this store did not make.
func pinSeq(p core.Pin) uint64 {
	n, err := strconv.ParseUint(p.String(), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// readValue reads one value outside any snapshot: for entries that never
// change once written, such as a block's bloom filters.
func (s *Store) readValue(key []byte) ([]byte, error) {
	s.mappedRead()
	var out []byte
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(key)
		if err != nil {
			return err
		}
		out, err = item.ValueCopy(nil)
		return err
	})
	return out, err
}
