package store

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"
)

// chunkedWriter writes through a sequence of transactions, committing
// whenever the pending values pass postingTxnBytes: a merged segment of a
// 10M-event store is tens of MB, which one transaction would hold in memory.
type chunkedWriter struct {
	db      *badger.DB
	txn     *badger.Txn
	pending int
}

const postingTxnBytes = 8 << 20

func (w *chunkedWriter) Set(k, v []byte) error {
	if w.txn == nil {
		w.txn = w.db.NewTransaction(true)
	}
	if err := w.txn.Set(k, v); err != nil {
		return err
	}
	w.pending += len(k) + len(v)
	if w.pending >= postingTxnBytes {
		return w.flush()
	}
	return nil
}

func (w *chunkedWriter) flush() error {
	if w.txn == nil {
		return nil
	}
	err := w.txn.Commit()
	w.txn, w.pending = nil, 0
	return err
}

func (w *chunkedWriter) discard() {
	if w.txn != nil {
		w.txn.Discard()
	}
}

// buildSegment writes a segment whose pages come from fill, called once per
// page in page order with the page's fingerprint range. The directory entry
// is written "building" first and completed last, so a crash in between
// leaves a segment that open removes (loadPostings).
func (s *Store) buildSegment(g *postingSeg, fill func(page uint32, bits uint8) ([]postingEntry, error)) error {
	w := &chunkedWriter{db: s.db}
	defer w.discard()
	g.building = true
	if err := w.Set(postingDirKey(g.path, g.id), g.encode()); err != nil {
		return err
	}
	for page := uint32(0); page < 1<<g.bits; page++ {
		es, err := fill(page, g.bits)
		if err != nil {
			return err
		}
		if err := w.Set(postingPageKey(g.path, g.id, page), encodePage(es, g.first)); err != nil {
			return fmt.Errorf("write posting segment %d of %s: %w", g.id, g.path, err)
		}
	}
	if err := w.flush(); err != nil {
		return fmt.Errorf("write posting segment %d of %s: %w", g.id, g.path, err)
	}
	g.building = false
	return nil
}

// deleteSegment removes a segment's directory entry and pages.
func deleteSegment(w setterDeleter, g *postingSeg) error {
	if err := w.Delete(postingDirKey(g.path, g.id)); err != nil {
		return err
	}
	for page := uint32(0); page < 1<<g.bits; page++ {
		if err := w.Delete(postingPageKey(g.path, g.id, page)); err != nil {
			return err
		}
	}
	return nil
}

type setterDeleter interface {
	Set(k, v []byte) error
	Delete(k []byte) error
}

func (w *chunkedWriter) Delete(k []byte) error {
	if w.txn == nil {
		w.txn = w.db.NewTransaction(true)
	}
	if err := w.txn.Delete(k); err != nil {
		return err
	}
	w.pending += len(k) + 16
	if w.pending >= postingTxnBytes {
		return w.flush()
	}
	return nil
}

// mergePostings merges postingFanout segments of a level into one of the
// next, for every path and level that has them. Caller holds wmu.
func (s *Store) mergePostings() error {
	for {
		snap := s.state.Load()
		dir := snap.postings
		if dir == nil {
			return nil
		}
		var inputs []*postingSeg
		for _, path := range slices.Sorted(mapKeys(dir.segs)) {
			byLevel := map[uint8][]*postingSeg{}
			for _, g := range dir.segs[path] {
				byLevel[g.level] = append(byLevel[g.level], g)
				if len(byLevel[g.level]) == postingFanout {
					inputs = byLevel[g.level]
					break
				}
			}
			if inputs != nil {
				break
			}
		}
		if inputs == nil {
			return nil
		}
		if err := s.mergeSegments(snap, inputs); err != nil {
			return err
		}
	}
}

// mergeSegments replaces inputs (one path) by one segment of the next level.
// Entries of blocks gone from the snapshot (merged away) are dropped.
func (s *Store) mergeSegments(snap *snapshot, inputs []*postingSeg) error {
	dir := snap.postings
	g := &postingSeg{path: inputs[0].path, id: dir.nextID, first: inputs[0].first, last: inputs[0].last, level: inputs[0].level + 1}
	total := 0
	for _, in := range inputs {
		g.first, g.last = min(g.first, in.first), max(g.last, in.last)
		total += in.entries
	}
	g.bits = pageBitsFor(total)
	type cursor struct {
		page    uint32
		entries []postingEntry
		loaded  bool
	}
	curs := make([]cursor, len(inputs))
	kept := 0
	// The blocks still in the store, by seq - g.first: a map lookup per
	// entry was most of a merge's cost.
	live := newBitset(int(g.last - g.first + 1))
	for seq := range snap.bySeq {
		if seq >= g.first && seq <= g.last {
			live.set(int(seq - g.first))
		}
	}
	fill := func(page uint32, bits uint8) ([]postingEntry, error) {
		runs := make([][]postingEntry, 0, len(inputs))
		for i, in := range inputs {
			var out []postingEntry
			// The input pages overlapping this output page's fingerprints.
			lo, hi := page, page
			if in.bits > bits {
				lo, hi = page<<(in.bits-bits), (page+1)<<(in.bits-bits)-1
			} else {
				lo >>= bits - in.bits
				hi = lo
			}
			for ip := lo; ip <= hi; ip++ {
				c := &curs[i]
				if !c.loaded || c.page != ip {
					v, err := s.readValue(postingPageKey(in.path, in.id, ip))
					if err != nil {
						return nil, fmt.Errorf("read posting segment %d of %s: %w", in.id, in.path, err)
					}
					p, err := parsePage(v)
					if err != nil {
						return nil, fmt.Errorf("posting segment %d of %s: %w", in.id, in.path, err)
					}
					es, err := p.all(in.first, nil)
					if err != nil {
						return nil, fmt.Errorf("posting segment %d of %s: %w", in.id, in.path, err)
					}
					*c = cursor{page: ip, entries: es, loaded: true}
				}
				// The input page is sorted: find this output page's part.
				es := c.entries
				a, _ := slices.BinarySearchFunc(es, page, func(e postingEntry, p uint32) int { return cmp.Compare(pageOf(e.fp, bits), p) })
				b, _ := slices.BinarySearchFunc(es, page+1, func(e postingEntry, p uint32) int { return cmp.Compare(pageOf(e.fp, bits), p) })
				out = slices.Grow(out, b-a)
				for _, e := range es[a:b] {
					if e.seq >= g.first && e.seq <= g.last && live.has(int(e.seq-g.first)) {
						out = append(out, e)
					}
				}
			}
			runs = append(runs, out) // sorted: input pages are, and come in order
		}
		out := mergeRuns(runs)
		kept += len(out)
		return out, nil
	}
	if err := s.buildSegment(g, fill); err != nil {
		return err
	}
	g.entries = kept
	w := &chunkedWriter{db: s.db}
	defer w.discard()
	// The complete directory entry goes first: once it is committed the merge
	// is done, and a crash while dropping the inputs leaves only duplicates.
	if err := w.Set(postingDirKey(g.path, g.id), g.encode()); err != nil {
		return err
	}
	for _, in := range inputs {
		if err := deleteSegment(w, in); err != nil {
			return fmt.Errorf("drop merged posting segment: %w", err)
		}
	}
	next := dir.clone()
	next.nextID++
	var segs []*postingSeg
	for _, x := range next.segs[g.path] {
		if !slices.Contains(inputs, x) {
			segs = append(segs, x)
		}
	}
	segs = append(segs, g)
	slices.SortFunc(segs, func(a, b *postingSeg) int { return cmp.Compare(a.id, b.id) })
	next.segs[g.path] = segs
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	if err := w.flush(); err != nil {
		return fmt.Errorf("commit posting merge: %w", err)
	}
	cur := *s.state.Load()
	cur.postings = next
	s.state.Store(&cur)
	releaseMappedPages(s.opts.Dir) // the input pages read
	return nil
}

// postingBackfillBlocks is how many blocks one backfilled segment covers:
// the entries of that many blocks are what backfill holds in memory.
const postingBackfillBlocks = 64

// backfillPostings indexes the blocks no segment covers (a store written
// before postings existed), postingBackfillBlocks at a time, and persists
// the segments. Caller holds wmu or is opening the store.
func (s *Store) backfillPostings() error {
	snap := s.state.Load()
	var todo []*blockState
	need := map[string]bool{} // paths some block lacks
	for _, b := range snap.blocks {
		missing := false
		for path := range postingNormal {
			if !postingCovered(snap.postings, path, b.hdr.Seq) {
				need[path], missing = true, true
			}
		}
		if missing {
			todo = append(todo, b)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	slices.SortFunc(todo, func(a, b *blockState) int { return cmp.Compare(a.hdr.Seq, b.hdr.Seq) })
	s.opts.Logger.Info("building the posting index", "blocks", len(todo))
	r := s.newReader()
	defer r.close()
	for lo := 0; lo < len(todo); lo += postingBackfillBlocks {
		group := todo[lo:min(lo+postingBackfillBlocks, len(todo))]
		var pb postingBuilder
		for _, b := range group {
			if err := r.addStoredBlock(&pb, b.hdr); err != nil {
				return err
			}
		}
		dir := s.state.Load().postings
		next := dir.clone()
		for _, path := range slices.Sorted(mapKeys(pb.byPath)) {
			if !need[path] {
				continue // duplicates would do no harm, but cost space
			}
			es := pb.byPath[path]
			sortEntries(es, pb.first)
			g := &postingSeg{path: path, id: next.nextID, first: pb.first, last: pb.last, level: levelFor(pb.blocks), bits: pageBitsFor(len(es)), entries: len(es)}
			next.nextID++
			i := 0
			err := s.buildSegment(g, func(page uint32, bits uint8) ([]postingEntry, error) {
				j := i
				for j < len(es) && pageOf(es[j].fp, bits) == page {
					j++
				}
				out := es[i:j]
				i = j
				return out, nil
			})
			if err != nil {
				return fmt.Errorf("build posting index: %w", err)
			}
			if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(postingDirKey(path, g.id), g.encode()) }); err != nil {
				return fmt.Errorf("build posting index: %w", err)
			}
			next.segs[path] = append(next.segs[path], g)
		}
		s.pubMu.Lock()
		cur := *s.state.Load()
		cur.postings = next
		s.state.Store(&cur)
		s.pubMu.Unlock()
		// The columns read are value-log pages this process mapped: drop
		// them from RSS as the count path does (10M events: 1.7 GB otherwise).
		releaseMappedPages(s.opts.Dir)
	}
	return s.mergePostings()
}

// postingCovered: a segment of path covers block seq.
func postingCovered(dir *postingDir, path string, seq uint64) bool {
	for _, g := range dir.segs[path] {
		if g.first <= seq && seq <= g.last {
			return true
		}
	}
	return false
}

// addStoredBlock feeds a stored block's columns to pb: event ids from the
// hash column, users and IPs from their dictionaries (hashed once per
// dictionary entry). Read without the decoded cache: backfill visits every
// block once.
func (r *reader) addStoredBlock(pb *postingBuilder, h *header) error {
	seq := h.Seq
	raw, err := r.raw(columnKey(seq, colHash))
	if err != nil {
		return err
	}
	hc, err := decodeHashes(raw)
	if err != nil {
		return fmt.Errorf("block %d hash column: %w", seq, err)
	}
	ids := make([]uint64, len(hc.id))
	for i, x := range hc.id {
		ids[i] = max(x, 1) // postingHash of the id
	}
	pb.add("event_id", seq, ids)
	for _, c := range []struct {
		col  column
		path string
	}{{colUser, "user.user_email"}, {colIP, "client_ip"}} {
		raw, err := r.raw(columnKey(seq, c.col))
		if err != nil {
			return err
		}
		d, err := decodeDict(raw)
		if err != nil {
			return fmt.Errorf("block %d column %s: %w", seq, c.path, err)
		}
		byCode := make([]uint64, len(d.dict))
		for i := 1; i < len(d.dict); i++ {
			byCode[i] = postingHash(c.path, d.dict[i])
		}
		rows := make([]uint64, len(d.codes))
		for i, code := range d.codes {
			rows[i] = byCode[code]
		}
		pb.add(c.path, seq, rows)
	}
	pb.blocks++
	return nil
}

// repairPostings removes segments a crash left half built and indexes the
// blocks no segment covers; run on every writable open.
func (s *Store) repairPostings(broken []*postingSeg) error {
	if len(broken) > 0 {
		w := &chunkedWriter{db: s.db}
		defer w.discard()
		for _, g := range broken {
			if err := deleteSegment(w, g); err != nil {
				return fmt.Errorf("remove half-built posting segment: %w", err)
			}
		}
		if err := w.flush(); err != nil {
			return fmt.Errorf("remove half-built posting segment: %w", err)
		}
	}
	if err := s.backfillPostings(); err != nil {
		return fmt.Errorf("build posting index: %w", err)
	}
	return nil
}
