package store

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"sort"

	"github.com/dgraph-io/badger/v4"
)

// The event-id index (idIndex, write.go) keeps only recent ids in memory.
// Older ones live in sorted runs on disk, the way an LSM tree keeps keys: a
// map of 100M ids held 4 GB and was most of an ingest's RSS. A run is
// (hash, block, row) entries sorted by hash in pages, with in memory only a
// bloom filter (12 bits per id, what a fresh id costs to rule out) and the
// first hash of each page. Runs are merged two by two as they grow, so a
// lookup tests a few filters and, for a probable hit, reads one page.
//
// Runs are never edited: a replaced or merged-away row stays in its run and
// is recognised as stale at lookup (its block is gone, the row is deleted or
// holds another id), and dropped when its run is next merged.
const (
	prefixIDPage  = 'i' // i run page   -> sorted (hash, seq, row) entries
	prefixIDAux   = 'j' // j run piece  -> the run's page fences and bloom filter, in pieces
	prefixIDRun   = 'I' // I run        -> run summary, written last: a run without one is unfinished
	idEntrySize   = 20
	idPageEntries = 512
	idAuxPiece    = 1 << 20 // a value of its own each: no value as large as the filter of 100M ids
	idBloomBits   = 12
)

// maxRunEntries stops merging runs at about 16M ids (24 MB of filter): a
// merge holds the filters of both runs and of the merged one at once, which
// for the last merge of a 100M-event store was 300 MB. A 100M-event store
// then has about a dozen runs to test.
var maxRunEntries = 1 << 24

// defaultIDMemRows is how many ids stay in memory before they are written
// as a run: about 10 MB of map.
const defaultIDMemRows = 1 << 18

type idRun struct {
	id      uint64
	n       int      // entries
	covered uint64   // every block with seq <= covered had its rows indexed by runs up to this one
	fences  []uint64 // first hash of each page
	bloom   blockedBloom
}

func idRunKey(prefix byte, run uint64, i uint32) []byte {
	k := make([]byte, 13)
	k[0] = prefix
	binary.BigEndian.PutUint64(k[1:], run)
	binary.BigEndian.PutUint32(k[9:], i)
	return k
}

func idRunSummaryKey(run uint64) []byte { return idRunKey(prefixIDRun, run, 0)[:9] }

// blockedBloom is a bloom filter whose probes for one key fall in one 512-bit
// block: one cache miss per test. Keys are xxhash values already.
type blockedBloom []uint64

func newBlockedBloom(n int) blockedBloom {
	blocks := max(1, (n*idBloomBits+511)/512)
	return make(blockedBloom, blocks*8)
}

func (b blockedBloom) probes(h uint64) (base uint64, bitsAt uint64) {
	blocks := uint64(len(b) / 8)
	hi, _ := bits.Mul64(h, blocks)
	return hi * 8, h*0x9E3779B97F4A7C15 ^ h>>29
}

func (b blockedBloom) add(h uint64) {
	base, m := b.probes(h)
	for range 6 {
		bit := m & 511
		b[base+bit>>6] |= 1 << (bit & 63)
		m >>= 9
	}
}

func (b blockedBloom) has(h uint64) bool {
	base, m := b.probes(h)
	for range 6 {
		bit := m & 511
		if b[base+bit>>6]&(1<<(bit&63)) == 0 {
			return false
		}
		m >>= 9
	}
	return true
}

// idEntry is one row of a run.
type idEntry struct {
	h   uint64
	ref rowRef
}

func (e idEntry) put(b []byte) []byte {
	b = binary.LittleEndian.AppendUint64(b, e.h)
	b = binary.LittleEndian.AppendUint64(b, e.ref.seq)
	return binary.LittleEndian.AppendUint32(b, e.ref.row)
}

func idEntryAt(page []byte, i int) idEntry {
	p := page[i*idEntrySize:]
	return idEntry{h: binary.LittleEndian.Uint64(p), ref: rowRef{seq: binary.LittleEndian.Uint64(p[8:]), row: binary.LittleEndian.Uint32(p[16:])}}
}

// runWriter writes one run's pages as entries arrive in hash order.
type runWriter struct {
	s       *Store
	run     *idRun
	page    []byte
	pages   uint32
	pending []kv // pages not yet committed
	err     error
}

type kv struct{ k, v []byte }

// runTxnPages is how many pages (5 MB) one transaction writes. Badger's
// WriteBatch sizes its transactions by the keys alone when values go to the
// value log, and held 200 MB of pages in one during a 10M-id merge.
const runTxnPages = 512

func (s *Store) newRunWriter(n int, covered uint64) *runWriter {
	x := s.ids
	x.nextRun++
	return &runWriter{s: s, run: &idRun{id: x.nextRun, covered: covered, bloom: newBlockedBloom(n)}}
}

func (w *runWriter) set(k, v []byte) {
	w.pending = append(w.pending, kv{k, v})
	if len(w.pending) >= runTxnPages {
		w.commit()
	}
}

func (w *runWriter) commit() {
	if w.err != nil || len(w.pending) == 0 {
		w.pending = nil
		return
	}
	w.err = w.s.db.Update(func(txn *badger.Txn) error {
		for _, e := range w.pending {
			if err := txn.Set(e.k, e.v); err != nil {
				return err
			}
		}
		return nil
	})
	w.pending = w.pending[:0]
	// A merge reads and writes runs through mapped value-log files:
	// unmapped as it goes, they stay out of RSS (see releaseMappedPages).
	releaseMappedPages(w.s.opts.Dir)
}

func (w *runWriter) add(e idEntry) {
	if len(w.page) == 0 {
		w.page = make([]byte, 0, idPageEntries*idEntrySize)
		w.run.fences = append(w.run.fences, e.h)
	}
	w.page = e.put(w.page)
	w.run.bloom.add(e.h)
	w.run.n++
	if len(w.page) == idPageEntries*idEntrySize {
		w.flushPage()
	}
}

func (w *runWriter) flushPage() {
	if len(w.page) == 0 {
		return
	}
	w.set(idRunKey(prefixIDPage, w.run.id, w.pages), w.page)
	w.pages++
	w.page = nil
}

// finish writes the fences, the filter and, last, the run's summary, in
// which the runs it replaces are deleted: a crash before that leaves the
// old runs in force and the new one's pages to be swept at the next load.
func (w *runWriter) finish(replaced ...*idRun) (*idRun, error) {
	w.flushPage()
	var e enc
	e.uvarint(uint64(len(w.run.fences)))
	for _, f := range w.run.fences {
		e.u64(f)
	}
	for _, word := range w.run.bloom {
		e.u64(word)
	}
	pieces := uint32(0)
	for off := 0; off < len(e.b); off += idAuxPiece {
		w.set(idRunKey(prefixIDAux, w.run.id, pieces), e.b[off:min(off+idAuxPiece, len(e.b))])
		pieces++
	}
	w.commit()
	if w.err != nil {
		return nil, fmt.Errorf("write event id run %d: %w", w.run.id, w.err)
	}
	var m enc
	m.uvarint(uint64(w.run.n))
	m.uvarint(w.run.covered)
	m.uvarint(uint64(w.pages))
	m.uvarint(uint64(pieces))
	m.uvarint(uint64(len(w.run.bloom)))
	err := w.s.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(idRunSummaryKey(w.run.id), m.b); err != nil {
			return err
		}
		for _, r := range replaced {
			if err := txn.Delete(idRunSummaryKey(r.id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("write event id run %d: %w", w.run.id, err)
	}
	return w.run, nil
}

// live reports whether an entry can still name a live row of snap (the id
// itself is checked at lookup).
func live(snap *snapshot, ref rowRef) bool {
	b := snap.bySeq[ref.seq]
	return b != nil && !b.deleted(int(ref.row)) && int(ref.row) < b.hdr.Rows
}

// flushMem writes the in-memory ids as a run covering blocks up to covered,
// then merges runs while the newest is at least half the size of the one
// before it, so there are about log2(ids / IDMemRows) of them (up to
// maxRunEntries each).
func (s *Store) flushMem(snap *snapshot, covered uint64) error {
	x := s.ids
	entries := make([]idEntry, 0, len(x.main)+len(x.extra))
	for h, ref := range x.main {
		entries = append(entries, idEntry{h, ref})
	}
	for h, refs := range x.extra {
		for _, ref := range refs {
			entries = append(entries, idEntry{h, ref})
		}
	}
	slices.SortFunc(entries, func(a, b idEntry) int {
		if a.h != b.h {
			if a.h < b.h {
				return -1
			}
			return 1
		}
		return 0
	})
	if err := s.checkSpace(int64(len(entries)) * idEntrySize); err != nil {
		return err // the ids stay in memory until there is room
	}
	w := s.newRunWriter(len(entries), covered)
	for _, e := range entries {
		if live(snap, e.ref) {
			w.add(e)
		}
	}
	run, err := w.finish()
	if err != nil {
		return err
	}
	x.runs = append(x.runs, run)
	x.main, x.extra = map[uint64]rowRef{}, map[uint64][]rowRef{}
	x.covered = covered
	for len(x.runs) >= 2 {
		a, b := x.runs[len(x.runs)-2], x.runs[len(x.runs)-1]
		if a.n > 2*b.n || a.n+b.n > maxRunEntries {
			break
		}
		if err := s.checkSpace(int64(a.n+b.n) * idEntrySize); err != nil {
			return nil // the runs stay apart until there is room
		}
		m, err := s.mergeRuns(snap, a, b)
		if err != nil {
			return err
		}
		x.runs = append(x.runs[:len(x.runs)-2], m)
	}
	return nil
}

// runPages streams a run's entries in hash order.
type runCursor struct {
	s    *Store
	txn  *badger.Txn
	run  *idRun
	page []byte
	next uint32
	i    int
	err  error
}

func (c *runCursor) entry() (idEntry, bool) {
	for c.i*idEntrySize >= len(c.page) {
		if c.err != nil || int(c.next) >= len(c.run.fences) {
			return idEntry{}, false
		}
		c.page, c.err = c.s.readRunPage(c.txn, c.run, c.next, false)
		c.next++
		c.i = 0
	}
	return idEntryAt(c.page, c.i), true
}

func (s *Store) mergeRuns(snap *snapshot, a, b *idRun) (*idRun, error) {
	txn := s.db.NewTransaction(false)
	defer txn.Discard()
	ca, cb := &runCursor{s: s, txn: txn, run: a}, &runCursor{s: s, txn: txn, run: b}
	w := s.newRunWriter(a.n+b.n, max(a.covered, b.covered))
	for {
		ea, oka := ca.entry()
		eb, okb := cb.entry()
		var e idEntry
		switch {
		case oka && (!okb || ea.h <= eb.h):
			e = ea
			ca.i++
		case okb:
			e = eb
			cb.i++
		default:
			if err := cmpErr(ca.err, cb.err); err != nil {
				return nil, fmt.Errorf("merge event id runs %d and %d: %w", a.id, b.id, err)
			}
			run, err := w.finish(a, b)
			if err != nil {
				return nil, err
			}
			s.dropRunKeys(a, b)
			return run, nil
		}
		if live(snap, e.ref) {
			w.add(e)
		}
	}
}

func cmpErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// dropRunKeys deletes the pages and pieces of runs no summary names any more.
// A failure only leaves garbage the next load sweeps.
func (s *Store) dropRunKeys(runs ...*idRun) {
	wb := s.db.NewWriteBatch()
	for _, r := range runs {
		for _, prefix := range []byte{prefixIDPage, prefixIDAux} {
			var keys [][]byte
			err := s.db.View(func(txn *badger.Txn) error {
				p := idRunKey(prefixIDPage, r.id, 0)[:9]
				p[0] = prefix
				it := txn.NewIterator(badger.IteratorOptions{Prefix: p})
				defer it.Close()
				for it.Rewind(); it.Valid(); it.Next() {
					keys = append(keys, it.Item().KeyCopy(nil))
				}
				return nil
			})
			if err != nil {
				continue
			}
			for _, k := range keys {
				if wb.Delete(k) != nil {
					break
				}
			}
		}
	}
	if err := wb.Flush(); err != nil {
		s.opts.Logger.Warn("delete merged event id runs", "err", err)
	}
}

// readRunPage reads one page of a run; cached pages are those lookups read.
func (s *Store) readRunPage(txn *badger.Txn, run *idRun, page uint32, cache bool) ([]byte, error) {
	k := cacheKey{seq: run.id | 1<<63, col: page}
	if v, ok := s.cache.get(k); ok {
		return v.([]byte), nil
	}
	s.mappedRead()
	item, err := txn.Get(idRunKey(prefixIDPage, run.id, page))
	if err != nil {
		return nil, fmt.Errorf("read event id run %d page %d: %w", run.id, page, err)
	}
	v, err := item.ValueCopy(nil)
	if err != nil {
		return nil, fmt.Errorf("read event id run %d page %d: %w", run.id, page, err)
	}
	if len(v)%idEntrySize != 0 || len(v) == 0 {
		return nil, fmt.Errorf("event id run %d page %d: %w", run.id, page, errCorrupt)
	}
	if cache {
		s.cache.put(k, v, int64(len(v)))
	}
	return v, nil
}

// lookupRuns appends the run entries for hash h.
func (s *Store) lookupRuns(txn *badger.Txn, h uint64, out []rowRef) ([]rowRef, error) {
	for _, run := range s.ids.runs {
		if !run.bloom.has(h) {
			continue
		}
		// Entries of one hash may begin on the page before the first fence >= h.
		p := sort.Search(len(run.fences), func(i int) bool { return run.fences[i] >= h })
		if p > 0 {
			p--
		}
		for ; p < len(run.fences) && run.fences[p] <= h; p++ {
			page, err := s.readRunPage(txn, run, uint32(p), true)
			if err != nil {
				return nil, err
			}
			n := len(page) / idEntrySize
			i := sort.Search(n, func(i int) bool { return idEntryAt(page, i).h >= h })
			for ; i < n; i++ {
				e := idEntryAt(page, i)
				if e.h != h {
					break
				}
				out = append(out, e.ref)
			}
		}
	}
	return out, nil
}

// loadRuns reads the run summaries and their filters, and deletes what
// unfinished runs left behind.
func (s *Store) loadRuns(x *idIndex) error {
	err := s.db.View(func(txn *badger.Txn) error {
		return eachValue(txn, prefixIDRun, func(k, v []byte) error {
			if len(k) != 9 {
				return nil
			}
			d := dec{b: v}
			run := &idRun{id: beUint64(k[1:])}
			run.n = int(d.uvarint())
			run.covered = d.uvarint()
			pages := d.uvarint()
			pieces := uint32(d.uvarint())
			words := int(min(d.uvarint(), 1<<40))
			if d.err != nil {
				return fmt.Errorf("event id run %d: %w", run.id, errCorrupt)
			}
			return s.decodeRunAux(txn, run, pieces, pages, words, x)
		})
	})
	if err != nil {
		return err
	}
	for _, r := range x.runs {
		x.covered = max(x.covered, r.covered)
		x.nextRun = max(x.nextRun, r.id)
	}
	s.sweepRuns(x)
	return nil
}

func (s *Store) decodeRunAux(txn *badger.Txn, run *idRun, pieces uint32, pages uint64, words int, x *idIndex) error {
	var aux []byte
	for i := range pieces {
		item, err := txn.Get(idRunKey(prefixIDAux, run.id, i))
		if err != nil {
			return fmt.Errorf("event id run %d filter: %w", run.id, err)
		}
		err = item.Value(func(v []byte) error { aux = append(aux, v...); return nil })
		if err != nil {
			return fmt.Errorf("event id run %d filter: %w", run.id, err)
		}
	}
	d := dec{b: aux}
	nf := d.count(8)
	run.fences = make([]uint64, nf)
	for i := range run.fences {
		run.fences[i] = d.u64()
	}
	run.bloom = make(blockedBloom, words)
	for i := range run.bloom {
		run.bloom[i] = d.u64()
	}
	if d.err != nil || uint64(nf) != pages || words%8 != 0 || words == 0 {
		return fmt.Errorf("event id run %d filter: %w", run.id, errCorrupt)
	}
	x.runs = append(x.runs, run)
	return nil
}

// sweepRuns deletes pages and pieces of runs that have no summary: a run
// being written or merged away when the process stopped.
func (s *Store) sweepRuns(x *idIndex) {
	known := map[uint64]bool{}
	for _, r := range x.runs {
		known[r.id] = true
	}
	orphans := map[uint64]bool{}
	_ = s.db.View(func(txn *badger.Txn) error {
		for _, prefix := range []byte{prefixIDPage, prefixIDAux} {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefix}})
			for it.Rewind(); it.Valid(); it.Next() {
				if k := it.Item().Key(); len(k) == 13 && !known[beUint64(k[1:])] {
					orphans[beUint64(k[1:])] = true
				}
			}
			it.Close()
		}
		return nil
	})
	var runs []*idRun
	for id := range orphans {
		runs = append(runs, &idRun{id: id})
		x.nextRun = max(x.nextRun, id)
	}
	if len(runs) > 0 {
		s.dropRunKeys(runs...)
	}
}
