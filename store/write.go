package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/cespare/xxhash/v2"
	"github.com/dgraph-io/badger/v4"
)

// idIndex maps xxhash(event_id) to the row holding the event, for ingest
// dedupe. Hash collisions are resolved by reading the id column; the rare
// second row for one hash goes to extra. main and extra hold the ids of
// blocks after covered; older ones are in runs on disk (idruns.go).
type idIndex struct {
	main    map[uint64]rowRef
	extra   map[uint64][]rowRef
	runs    []*idRun // oldest first
	covered uint64
	nextRun uint64
}

func (x *idIndex) memRows() int { return len(x.main) + len(x.extra) }

type rowRef struct {
	seq uint64
	row uint32
}

func (x *idIndex) lookup(h uint64) []rowRef {
	r, ok := x.main[h]
	if !ok {
		return nil
	}
	return append([]rowRef{r}, x.extra[h]...)
}

// lookup returns the rows that may hold the id with hash h: the recent ones
// and the runs' (some stale, see idruns.go).
func (s *Store) lookupID(r *reader, h uint64) ([]rowRef, error) {
	return s.lookupRuns(r.txn, h, s.ids.lookup(h))
}

func (x *idIndex) put(h uint64, old *rowRef, ref rowRef) {
	if old != nil {
		x.remove(h, *old)
	}
	if _, ok := x.main[h]; ok {
		x.extra[h] = append(x.extra[h], ref)
		return
	}
	x.main[h] = ref
}

func (x *idIndex) remove(h uint64, ref rowRef) {
	if x.main[h] == ref {
		if ex := x.extra[h]; len(ex) > 0 {
			x.main[h] = ex[0]
			if len(ex) == 1 {
				delete(x.extra, h)
			} else {
				x.extra[h] = ex[1:]
			}
		} else {
			delete(x.main, h)
		}
		return
	}
	ex := x.extra[h]
	if i := slices.Index(ex, ref); i >= 0 {
		x.extra[h] = slices.Delete(ex, i, i+1)
		if len(x.extra[h]) == 0 {
			delete(x.extra, h)
		}
	}
}

// loadIDs opens the id index: the runs on disk, and the hash columns of the
// blocks written after them, which go to runs as they fill memory.
func (s *Store) loadIDs() error {
	if s.ids != nil {
		return nil
	}
	r := s.newReader()
	defer r.close()
	x := &idIndex{main: map[uint64]rowRef{}, extra: map[uint64][]rowRef{}}
	if err := s.loadRuns(x); err != nil {
		return err
	}
	s.ids = x
	// A block numbered at or below covered would be taken for indexed.
	s.nextSeq = max(s.nextSeq, x.covered+1)
	var todo []*blockState
	for _, b := range r.snap.blocks {
		if b.hdr.Seq > x.covered {
			todo = append(todo, b)
		}
	}
	slices.SortFunc(todo, func(a, b *blockState) int { return cmp.Compare(a.hdr.Seq, b.hdr.Seq) })
	for _, b := range todo {
		hc, err := r.hashes(b.hdr.Seq)
		if err != nil {
			s.ids = nil
			return err
		}
		for row, h := range hc.id {
			if !b.deleted(row) {
				x.put(h, nil, rowRef{seq: b.hdr.Seq, row: uint32(row)})
			}
		}
		if x.memRows() >= s.opts.IDMemRows {
			if err := s.flushMem(r.snap, b.hdr.Seq); err != nil {
				s.ids = nil
				return err
			}
		}
	}
	return nil
}

// pendingRec is a record that will be written, with the row it replaces.
type pendingRec struct {
	rec      core.IngestRecord
	idHash   uint64
	replaces *rowRef
	seq      uint64 // the row's original commit (merges); 0 for a new row
}

// WriteBatch stores records as sealed blocks in one Badger transaction, so a
// batch is all or nothing and durable once WriteBatch returns.
func (s *Store) WriteBatch(ctx context.Context, batch core.Batch) (res core.BatchResult, err error) {
	recs := batch.Records
	defer s.recoverDamage("write batch", nil, &err)
	if len(recs) == 0 {
		return res, nil
	}
	if s.opts.ReadOnly {
		return res, errors.New("store is read-only")
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if err := s.loadIDs(); err != nil {
		return res, fmt.Errorf("load event id index: %w", err)
	}
	r := s.newReader()
	defer r.close()

	pending := make([]pendingRec, 0, len(recs))
	inBatch := make(map[string]int, len(recs))
	for _, rec := range recs {
		id := rec.Fields.EventID
		if j, ok := inBatch[id]; ok {
			// The same id twice in one batch: the later version wins.
			if bytes.Equal(pending[j].rec.Raw, rec.Raw) {
				res.Unchanged++
			} else {
				pending[j].rec = rec
				res.Updated++
			}
			continue
		}
		h := xxhash.Sum64String(id)
		old, same, err := s.findExisting(r, h, id, rec.Raw)
		if err != nil {
			return res, err
		}
		switch {
		case old != nil && same:
			res.Unchanged++
			continue
		case old != nil:
			res.Updated++
		default:
			res.Inserted++
		}
		inBatch[id] = len(pending)
		pending = append(pending, pendingRec{rec: rec, idHash: h, replaces: old})
	}
	if len(pending) == 0 {
		return res, nil
	}
	if err := s.checkSpace(pendingBytes(pending)); err != nil {
		return core.BatchResult{}, err
	}
	var usage []core.ConsumptionRow
	if batch.Usage != nil {
		written := make([]core.IngestRecord, len(pending))
		isNew := make([]bool, len(pending))
		for i, p := range pending {
			written[i], isNew[i] = p.rec, p.replaces == nil
		}
		usage = batch.Usage(written, isNew)
	}
	if err := s.commitRecords(r.snap, pending, nil, usage); err != nil {
		return core.BatchResult{}, err
	}

	if s.ids.memRows() >= s.opts.IDMemRows {
		if err := s.flushMem(s.state.Load(), s.nextSeq-1); err != nil {
			// The batch is committed and the ids stay in memory for now.
			s.opts.Logger.Warn("write event id run", "err", err)
		}
	}
	s.written += int64(len(recs))
	if s.written-s.releasedAt > 50000 {
		s.releasedAt = s.written
		releaseMappedPages(s.opts.Dir)
	}
	if err := s.mergeSmallBlocks(); err != nil {
		// The batch itself is committed; a failed merge only leaves small blocks.
		s.opts.Logger.Warn("merge small blocks", "err", err)
	}
	if err := s.mergePostings(); err != nil {
		// Unmerged segments are only slower to look up.
		s.opts.Logger.Warn("merge posting segments", "err", err)
	}
	return res, nil
}

// findExisting locates the live row with this event id, and whether its raw
// bytes equal raw.
func (s *Store) findExisting(r *reader, h uint64, id string, raw []byte) (*rowRef, bool, error) {
	refs, err := s.lookupID(r, h)
	if err != nil {
		return nil, false, err
	}
	for _, ref := range refs {
		b := r.snap.bySeq[ref.seq]
		if b == nil || b.deleted(int(ref.row)) {
			continue // a run's entry for a row merged away or replaced since
		}
		ids, err := r.ids(ref.seq)
		if err != nil {
			return nil, false, err
		}
		if int(ref.row) < len(ids) && ids[ref.row] == id {
			// Comparing the stored bytes costs a chunk read only for known
			// ids; hashing every new event's bytes cost 5% of a fresh ingest.
			old, err := r.rawRow(b, int(ref.row))
			if err != nil {
				return nil, false, err
			}
			ref := ref
			return &ref, bytes.Equal(old, raw), nil
		}
	}
	return nil, false, nil
}

// commitRecords writes pending records as new blocks, marks the rows they
// replace as deleted, drops the blocks in remove, adds the usage counters,
// and publishes the result.
func (s *Store) commitRecords(snap *snapshot, pending []pendingRec, remove []*blockState, usage []core.ConsumptionRow) error {
	replaced := make(map[string]*rowRef, len(pending))
	for _, p := range pending {
		if p.replaces != nil {
			replaced[p.rec.Fields.EventID] = p.replaces
		}
	}
	sortPending(pending)
	recs := make([]core.IngestRecord, len(pending))
	var rowSeqs []uint64
	for i, p := range pending {
		recs[i] = p.rec
		if p.seq != 0 {
			if rowSeqs == nil {
				rowSeqs = make([]uint64, len(pending))
			}
			rowSeqs[i] = p.seq
		}
	}
	var built []*builtBlock
	seq := s.nextSeq
	commitSeq := seq // deletions made by this commit carry its sequence
	for lo := 0; lo < len(recs); lo += s.opts.BlockRows {
		hi := min(lo+s.opts.BlockRows, len(recs))
		var rs []uint64
		if rowSeqs != nil {
			rs = rowSeqs[lo:hi]
		}
		built = append(built, buildBlock(seq, recs[lo:hi], rs, s.opts.ChunkRows))
		seq++
	}
	if len(built) == 0 {
		seq++ // a merge that writes nothing still takes a sequence number
	}

	// New deletion sets for blocks that lose rows.
	newDel := map[uint64]*deletions{}
	for _, ref := range replaced {
		d, ok := newDel[ref.seq]
		if !ok {
			d = snap.bySeq[ref.seq].deletions().clone()
			newDel[ref.seq] = d
		}
		d.add(ref.row, commitSeq)
	}
	removed := map[uint64]bool{}
	for _, b := range remove {
		removed[b.hdr.Seq] = true
	}

	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	// Ingest commits bring fields to the catalog, in the same transaction;
	// merges only move rows. The lock is held until the new state is
	// published, so a rebuild or another commit cannot interleave.
	var catalog *catalogState
	if remove == nil && len(built) > 0 {
		s.catalog.mu.Lock()
		defer s.catalog.mu.Unlock()
		next, err := s.nextCatalog(built)
		if err != nil {
			return err
		}
		if err := txn.Set(metaCatalogKey, next.encode()); err != nil {
			return fmt.Errorf("write field catalog: %w", err)
		}
		catalog = next
	}
	for _, b := range built {
		if err := txn.Set(headerKey(b.hdr.Seq), b.hdr.encode()); err != nil {
			return fmt.Errorf("write block %d: %w", b.hdr.Seq, err)
		}
		if err := txn.Set(bloomKey(b.hdr.Seq), b.hdr.encodeBlooms()); err != nil {
			return fmt.Errorf("write block %d: %w", b.hdr.Seq, err)
		}
		for c, v := range b.cols {
			if err := txn.Set(columnKey(b.hdr.Seq, column(c)), v); err != nil {
				return fmt.Errorf("write block %d: %w", b.hdr.Seq, err)
			}
		}
		for i, v := range b.chunks {
			if err := txn.Set(chunkKey(b.hdr.Seq, i), v); err != nil {
				return fmt.Errorf("write block %d: %w", b.hdr.Seq, err)
			}
		}
		if err := setFieldColumns(txn, b.hdr.Seq, b.fields); err != nil {
			return fmt.Errorf("write block %d: %w", b.hdr.Seq, err)
		}
	}
	for seq, d := range newDel {
		if removed[seq] {
			continue
		}
		if err := txn.Set(deletedKey(seq), d.encode()); err != nil {
			return err
		}
	}
	for _, b := range remove {
		if err := deleteBlockKeys(txn, b.hdr); err != nil {
			return err
		}
	}
	if err := addConsumption(txn, usage); err != nil {
		return err
	}
	var pb postingBuilder
	for _, b := range built {
		pb.addBlock(b)
	}
	postings, err := s.writePostings(txn, snap.postings, &pb)
	if err != nil {
		return err
	}

	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	if err := txn.Commit(); err != nil {
		return fmt.Errorf("commit batch: %w", err)
	}
	s.nextSeq = seq
	if catalog != nil {
		s.publishCatalog(catalog)
	}

	// Publish: a new snapshot sharing unchanged block states.
	cur := s.state.Load()
	next := &snapshot{bySeq: make(map[uint64]*blockState, len(cur.bySeq)+len(built)), triage: cur.triage, events: cur.events, pin: seq - 1, postings: postings}
	for _, b := range cur.blocks {
		if removed[b.hdr.Seq] {
			next.events -= int64(b.live)
			continue
		}
		if d, ok := newDel[b.hdr.Seq]; ok {
			nb := &blockState{hdr: b.hdr, del: d.bitmap(), delSeq: d.seqs, live: b.hdr.Rows - len(d.seqs)}
			next.events -= int64(b.live - nb.live)
			b = nb
		}
		next.blocks = append(next.blocks, b)
		next.bySeq[b.hdr.Seq] = b
	}
	for _, bb := range built {
		// The filters are written; keeping them would keep every block's.
		bb.hdr.setBloomSource(s.blooms, s.bloomLoader(bb.hdr.Seq))
		b := &blockState{hdr: bb.hdr, live: bb.hdr.Rows}
		next.blocks = append(next.blocks, b)
		next.bySeq[b.hdr.Seq] = b
		next.events += int64(b.live)
		for row, rec := range bb.recs {
			ref := rowRef{seq: bb.hdr.Seq, row: uint32(row)}
			s.ids.put(xxhash.Sum64String(rec.Fields.EventID), replaced[rec.Fields.EventID], ref)
		}
	}
	next.sortBlocks()
	s.state.Store(next)
	for _, b := range remove {
		s.cache.dropBlock(b.hdr.Seq)
		s.blooms.dropBlock(b.hdr.Seq)
	}
	return nil
}

func deleteBlockKeys(txn *badger.Txn, h *header) error {
	keys := [][]byte{headerKey(h.Seq), bloomKey(h.Seq), deletedKey(h.Seq), fieldDirKey(h.Seq)}
	for c := range numColumns {
		keys = append(keys, columnKey(h.Seq, c))
	}
	for i := range h.chunks() {
		keys = append(keys, chunkKey(h.Seq, i))
	}
	fieldKeys, err := blockFieldKeys(txn, h.Seq)
	if err != nil {
		return fmt.Errorf("delete block %d: %w", h.Seq, err)
	}
	for _, k := range append(keys, fieldKeys...) {
		if err := txn.Delete(k); err != nil {
			return fmt.Errorf("delete block %d: %w", h.Seq, err)
		}
	}
	return nil
}

// blockFieldKeys lists the keys of a block's field columns.
func blockFieldKeys(txn *badger.Txn, seq uint64) ([][]byte, error) {
	prefix := fieldColumnPrefix(seq)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var keys [][]byte
	for it.Rewind(); it.Valid(); it.Next() {
		keys = append(keys, it.Item().KeyCopy(nil))
	}
	return keys, nil
}

// addConsumption adds counters to the stored ones (little-endian events
// and bytes under the day, vendor and service; the layout stores made
// before core did the counting have too).
func addConsumption(txn *badger.Txn, rows []core.ConsumptionRow) error {
	type usage struct{ events, bytes int64 }
	m := map[[3]string]usage{}
	for _, r := range rows {
		k := [3]string{r.Day, r.Vendor, r.Service}
		u := m[k]
		u.events += r.Events
		u.bytes += r.Bytes
		m[k] = u
	}
	for k, u := range m {
		key := consumptionKey(k[0], k[1], k[2])
		var cur usage
		item, err := txn.Get(key)
		switch {
		case err == nil:
			err = item.Value(func(v []byte) error {
				if len(v) != 16 {
					return errCorrupt
				}
				cur.events = int64(binary.LittleEndian.Uint64(v))
				cur.bytes = int64(binary.LittleEndian.Uint64(v[8:]))
				return nil
			})
			if err != nil {
				return fmt.Errorf("consumption %s: %w", k[0], err)
			}
		case !errors.Is(err, badger.ErrKeyNotFound):
			return fmt.Errorf("consumption %s: %w", k[0], err)
		}
		v := make([]byte, 16)
		binary.LittleEndian.PutUint64(v, uint64(cur.events+u.events))
		binary.LittleEndian.PutUint64(v[8:], uint64(cur.bytes+u.bytes))
		if err := txn.Set(key, v); err != nil {
			return err
		}
	}
	return nil
}

// Merge policy: blocks under a quarter of BlockRows are small (from small
// ingests, such as single events through the API). When mergeTrigger of them
// exist, their live rows are rewritten as full blocks.
const mergeTrigger = 16

func (s *Store) mergeSmallBlocks() error {
	snap := s.state.Load()
	small := s.smallBlocks(snap)
	if len(small) < mergeTrigger {
		return nil
	}
	// A merge deletes every field column of the blocks it merges and writes
	// the merged ones in one transaction, which blocks with many distinct
	// paths make bigger than Badger takes: fewer blocks are merged then
	// (nothing is published before the commit, so a retry is clean).
	for {
		err := s.mergeBlocks(snap, small)
		if !errors.Is(err, badger.ErrTxnTooBig) || len(small) <= 2 {
			return err
		}
		small = small[:len(small)/2]
	}
}

// mergeBlocks rewrites the live rows of small as full blocks.
func (s *Store) mergeBlocks(snap *snapshot, small []*blockState) error {
	r := s.newReader()
	defer r.close()
	var pending []pendingRec
	var x core.FieldExtractor
	for _, b := range small {
		for row := range b.hdr.Rows {
			if b.deleted(row) {
				continue
			}
			raw, err := r.rawRow(b, row)
			if err != nil {
				return err
			}
			f, err := x.Extract(raw)
			if err != nil {
				return fmt.Errorf("re-read block %d row %d: %w", b.hdr.Seq, row, err)
			}
			ref := rowRef{seq: b.hdr.Seq, row: uint32(row)}
			rowSeq, err := r.rowSeq(b, row)
			if err != nil {
				return err
			}
			pending = append(pending, pendingRec{rec: core.IngestRecord{Fields: f, Raw: slices.Clone(raw)}, idHash: xxhash.Sum64String(f.EventID), replaces: &ref, seq: rowSeq})
		}
	}
	if err := s.checkSpace(pendingBytes(pending)); err != nil {
		return err
	}
	// pending may be empty when every row of the small blocks was replaced:
	// the blocks are still removed.
	return s.commitRecords(snap, pending, small, nil) // a merge moves events, it ingests none
}

func (s *Store) smallBlocks(snap *snapshot) []*blockState {
	var small []*blockState
	for _, b := range snap.blocks {
		if b.live < s.opts.BlockRows/4 {
			small = append(small, b)
		}
	}
	return small
}

// SetTriage applies a triage change to known events with its audit entry
// in one transaction.
func (s *Store) SetTriage(ctx context.Context, ids []string, c core.TriageChange, audit core.AuditEntry) (_ []string, err error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	defer s.recoverDamage("set triage", nil, &err)
	// Every triage write holds wmu, so the current records cannot move
	// until this one is stored.
	current := s.state.Load().triage
	r := s.newReader()
	found, err := r.locate(ids)
	r.close()
	if err != nil {
		return nil, err
	}
	var unknown []string
	if err := s.checkSpace(smallWrite); err != nil {
		return nil, err
	}
	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	updates := map[string]*triageRecord{}
	for _, id := range ids {
		loc, ok := found[id]
		if !ok {
			unknown = append(unknown, id)
			continue
		}
		var cur *core.Triage
		if prev, ok := updates[id]; ok { // an id named twice
			cur = &prev.Triage
		} else if prev := current[id]; prev != nil {
			cur = &prev.Triage
		}
		tr := &triageRecord{Triage: c.Apply(cur), CreatedAt: loc.createdAt}
		v, err := json.Marshal(tr)
		if err != nil {
			return nil, err
		}
		if err := txn.Set(triageKey(id), v); err != nil {
			return nil, fmt.Errorf("write triage: %w", err)
		}
		updates[id] = tr
	}
	if len(updates) == 0 {
		return unknown, nil
	}
	audit.Rows = int64(len(updates))
	if err := s.putAudit(txn, audit); err != nil {
		return nil, err
	}
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	if err := txn.Commit(); err != nil {
		return nil, fmt.Errorf("commit triage: %w", err)
	}
	cur := s.state.Load()
	next := *cur
	next.triage = maps.Clone(cur.triage)
	maps.Copy(next.triage, updates)
	s.state.Store(&next)
	return unknown, nil
}

// Sync makes every committed write durable through a power loss (a commit
// alone survives a killed process, not a crashed machine).
func (s *Store) Sync() error {
	if err := s.db.Sync(); err != nil {
		return fmt.Errorf("sync store: %w", err)
	}
	return nil
}

// AppendAudit stores one audit entry.
func (s *Store) AppendAudit(ctx context.Context, e core.AuditEntry) error {
	if err := s.checkSpace(smallWrite); err != nil {
		return err
	}
	return s.db.Update(func(txn *badger.Txn) error { return s.putAudit(txn, e) })
}

func (s *Store) putAudit(txn *badger.Txn, e core.AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode audit entry: %w", err)
	}
	if err := txn.Set(auditKey(e.At.UnixNano(), s.auditN.Add(1)), v); err != nil {
		return fmt.Errorf("write audit entry: %w", err)
	}
	return nil
}

// ScanAudit streams audit entries with from <= At < to, oldest first.
func (s *Store) ScanAudit(ctx context.Context, from, to time.Time, fn func(core.AuditEntry) error) (err error) {
	defer s.recoverDamage("read the audit log", nil, &err)
	fn = guardCallback(fn)
	return s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100, Prefix: []byte{prefixAudit}})
		defer it.Close()
		lo, hi := clampNs(from), clampNs(to)
		for it.Seek(auditKey(lo, 0)); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			k := it.Item().Key()
			if len(k) != 17 || int64(beUint64(k[1:9])) >= hi {
				return nil
			}
			var e core.AuditEntry
			err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &e) })
			if err != nil {
				return fmt.Errorf("audit entry %x: %w", k, err)
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// Consumption returns ingest counters for UTC days in [from, to).
func (s *Store) Consumption(ctx context.Context, from, to time.Time) (out []core.ConsumptionRow, err error) {
	defer s.recoverDamage("read consumption", nil, &err)
	lo := from.UTC().Format(time.DateOnly)
	hi := to.UTC().Format(time.DateOnly)
	err = s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte{prefixConsumption}})
		defer it.Close()
		for it.Seek(consumptionKey(lo, "", "")[:1+len(lo)]); it.Valid(); it.Next() {
			parts := splitZero(it.Item().Key()[1:])
			if len(parts) != 3 {
				continue
			}
			day := parts[0]
			if day >= hi && !(from.Equal(to)) {
				return nil
			}
			row := core.ConsumptionRow{Day: day, Vendor: parts[1], Service: parts[2]}
			err := it.Item().Value(func(v []byte) error {
				if len(v) != 16 {
					return errCorrupt
				}
				row.Events = int64(binary.LittleEndian.Uint64(v))
				row.Bytes = int64(binary.LittleEndian.Uint64(v[8:]))
				return nil
			})
			if err != nil {
				return err
			}
			out = append(out, row)
		}
		return nil
	})
	return out, err
}

// clampNs maps a time to unix nanoseconds within the range audit keys use:
// UnixNano is undefined before 1678 and after 2262, and keys are unsigned.
func clampNs(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, 0)):
		return 0
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

func splitZero(b []byte) []string {
	var out []string
	start := 0
	for i, c := range b {
		if c == 0 {
			out = append(out, string(b[start:i]))
			start = i + 1
		}
	}
	return append(out, string(b[start:]))
}

// smallWrite is what a triage change, an audit entry or an object costs at
// most on disk, for the free-space check.
const smallWrite = 1 << 20

// pendingBytes bounds what writing records costs on disk: the raw events
// (stored compressed) and, per row, the columns and keys.
func pendingBytes(p []pendingRec) int64 {
	n := int64(smallWrite)
	for _, r := range p {
		n += int64(len(r.rec.Raw)) + 128
	}
	return n
}

// sortPending orders records newest first, then by event id descending,
// the order rows have inside a block.
func sortPending(p []pendingRec) {
	slices.SortFunc(p, func(a, b pendingRec) int {
		if c := cmp.Compare(b.rec.Fields.CreatedAt, a.rec.Fields.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.rec.Fields.EventID, a.rec.Fields.EventID)
	})
}
