package store

import (
	"errors"
	"slices"

	"github.com/dgraph-io/badger/v4"
)

// Pseudo columns of postingHits.col: event_id (no block column, checked
// through idSet and the id bloom) and fields with no column of their own.
const (
	postingIDColumn = numColumns
	postingNoColumn = numColumns + 1
)

// postingHits is what the posting index says about one eq/in predicate:
// the blocks its segments cover and, in them, the rows that may match.
type postingHits struct {
	path  string
	col   column // the block column of path, or a pseudo column above
	cover [][2]uint64
	rows  map[uint64][]uint32 // seq -> candidate rows, sorted
}

// covers reports whether the segments read cover block seq: if so, rows
// lists every row of it that can match.
func (h *postingHits) covers(seq uint64) bool {
	for _, r := range h.cover {
		if r[0] <= seq && seq <= r[1] {
			return true
		}
	}
	return false
}

// lookup reads the hits of any of hashes in path's segments. A segment that
// cannot be read (merged away after this directory was taken) is left out
// of the coverage, so its blocks fall back to bloom filters.
func (d *postingDir) lookup(path string, hashes []uint64) (*postingHits, bool) {
	if d == nil || d.db == nil || len(d.segs[path]) == 0 {
		return nil, false
	}
	fps := make([]uint32, len(hashes))
	for i, h := range hashes {
		fps[i] = uint32(h >> 32)
	}
	slices.Sort(fps)
	fps = slices.Compact(fps)
	h := &postingHits{path: path, rows: map[uint64][]uint32{}}
	var out []postingEntry
	err := d.db.View(func(txn *badger.Txn) error {
		for _, g := range d.segs[path] {
			start := len(out)
			ok := true
			for i := 0; i < len(fps) && ok; {
				pn := pageOf(fps[i], g.bits)
				j := i
				for j < len(fps) && pageOf(fps[j], g.bits) == pn {
					j++
				}
				item, err := txn.Get(postingPageKey(path, g.id, pn))
				if errors.Is(err, badger.ErrKeyNotFound) {
					ok = false
					break
				}
				if err != nil {
					return err
				}
				// Parse in place: v is valid only inside the callback.
				err = item.Value(func(v []byte) error {
					page, err := parsePage(v)
					if err != nil {
						return err
					}
					for _, fp := range fps[i:j] {
						if k := page.find(fp); k >= 0 {
							if out, err = page.group(k, g.first, out); err != nil {
								return err
							}
						}
					}
					return nil
				})
				if err != nil {
					ok = false
				}
				i = j
			}
			if !ok {
				out = out[:start]
				continue
			}
			h.cover = append(h.cover, [2]uint64{g.first, g.last})
		}
		return nil
	})
	if err != nil || len(h.cover) == 0 {
		return nil, false
	}
	for _, e := range out {
		h.rows[e.seq] = append(h.rows[e.seq], e.row)
	}
	for seq, rs := range h.rows {
		slices.Sort(rs)
		h.rows[seq] = slices.Compact(rs)
	}
	return h, true
}

// planPostings looks up every eq/in predicate on an indexed path.
func (p *plan) planPostings(snap *snapshot) {
	if p.c == nil || snap.postings == nil {
		return
	}
	for _, pr := range p.c.Preds {
		f := pr.Term.Field
		if _, ok := postingNormal[f]; !ok {
			continue
		}
		vals, fold, ok := pr.Values()
		if !ok || fold && !postingFold[f] || len(vals) > maxBloomIDs {
			continue
		}
		hashes := make([]uint64, len(vals))
		for i, v := range vals {
			hashes[i] = postingHash(f, v)
		}
		h, ok := snap.postings.lookup(f, hashes)
		if !ok {
			continue
		}
		h.col = postingNoColumn
		if f == "event_id" {
			h.col = postingIDColumn
		} else if c, ok := columnOf[f]; ok {
			h.col = c
		}
		p.postings = append(p.postings, h)
	}
}

// postingExcludes: a covering posting lists no row of the block.
func (p *plan) postingExcludes(seq uint64) bool {
	for _, h := range p.postings {
		if h.covers(seq) && len(h.rows[seq]) == 0 {
			return true
		}
	}
	return false
}

// postingDecides: the block's candidates on column c come from postings,
// so its bloom filter need not be read (postingIDColumn: the id bloom).
func (p *plan) postingDecides(c column, seq uint64) bool {
	for _, h := range p.postings {
		if h.col == c && h.covers(seq) {
			return true
		}
	}
	return false
}

// postingRows narrows candidate rows to those the postings list.
func (p *plan) postingRows(seq uint64, bs bitset) {
	for _, h := range p.postings {
		if !h.covers(seq) {
			continue
		}
		keep := newBitset(len(bs) * 64)
		for _, r := range h.rows[seq] {
			if int(r) < len(bs)*64 {
				keep.set(int(r))
			}
		}
		for i := range bs {
			bs[i] &= keep[i]
		}
	}
}

// postingFields names the paths answered from postings, for Explain.
func (p *plan) postingFields() []string {
	var out []string
	for _, h := range p.postings {
		out = append(out, h.path)
	}
	return out
}
