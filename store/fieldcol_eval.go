package store

import (
	"fmt"

	"github.com/auditdeck/auditdeck/core/query"
)

// fieldFilter clears from bs the rows of [start, end) that fail pr, from the
// block's field columns. ok is false when the columns cannot answer pr for
// this block (see fieldcol.go); the caller then evaluates the raw JSON.
func (r *reader) fieldFilter(b *blockState, pr *query.Pred, bs bitset, start, end int) (ok bool, err error) {
	if !b.hdr.FieldCols {
		return false, nil
	}
	seq := b.hdr.Seq
	if pr.IsTextSearch() {
		return true, r.anyLeafFilter(b, pr, "", bs, start, end)
	}
	path := pr.Term.Field
	col, err := r.fieldColumn(seq, path)
	if err != nil {
		return false, err
	}
	neg := pr.Negated()
	if col == nil {
		// Neither a leaf nor an object in any row: every row misses it.
		if pr.RawMissing() == neg {
			clearRange(bs, start, end)
		}
		return true, nil
	}
	if col.container() {
		if !pr.Contains() {
			return false, nil
		}
		return true, r.anyLeafFilter(b, pr, path, bs, start, end)
	}
	if pr.IsNull() && col.viaArray() {
		return false, nil
	}
	if col.rows != b.hdr.Rows {
		return false, fmt.Errorf("block %d field column %q: %d rows, want %d: %w", seq, path, col.rows, b.hdr.Rows, errCorrupt)
	}
	// pass[code]: the final result for a row holding that one value; pass[0]
	// for a row holding none.
	pass := make([]bool, len(col.kinds)+1)
	pass[0] = pr.RawMissing() != neg
	anyPass := pass[0] && col.leafRows < col.rows
	for i, k := range col.kinds {
		pass[i+1] = pr.RawLeaf(k, col.texts[i]) != neg
		anyPass = anyPass || pass[i+1]
	}
	if !anyPass && col.single != nil {
		clearRange(bs, start, end)
		return true, nil
	}
	if col.single != nil {
		codes := col.single
		for i := bs.next(start); i >= 0 && i < end; i = bs.next(i + 1) {
			if !pass[codes[i]] {
				bs.clear(i)
			}
		}
		return true, nil
	}
	// Several values per row: the raw result is true when any value's is.
	raw := make([]bool, len(pass))
	for i := range raw {
		raw[i] = pass[i] != neg
	}
	for i := bs.next(start); i >= 0 && i < end; i = bs.next(i + 1) {
		codes := col.multi[col.start[i]:col.start[i+1]]
		hit := len(codes) == 0 && raw[0]
		for _, c := range codes {
			if raw[c] {
				hit = true
				break
			}
		}
		if hit == neg {
			bs.clear(i)
		}
	}
	return true, nil
}

// anyLeafFilter evaluates a contains on an object (or, for path "", a text
// search of the whole document): a row's raw result is true when any leaf
// beneath path passes. A row with no leaf there fails (contains on a
// missing value is false).
func (r *reader) anyLeafFilter(b *blockState, pr *query.Pred, path string, bs bitset, start, end int) error {
	seq := b.hdr.Seq
	paths, err := r.pathsBeneath(seq, path)
	if err != nil {
		return err
	}
	hit := newBitset(b.hdr.Rows)
	for _, p := range paths {
		col, err := r.fieldColumn(seq, p)
		if err != nil {
			return err
		}
		if col == nil || len(col.kinds) == 0 {
			continue
		}
		if col.rows != b.hdr.Rows {
			return fmt.Errorf("block %d field column %q: %d rows, want %d: %w", seq, p, col.rows, b.hdr.Rows, errCorrupt)
		}
		raw := make([]bool, len(col.kinds)+1)
		anyRaw := false
		for i, k := range col.kinds {
			raw[i+1] = pr.RawLeaf(k, col.texts[i])
			anyRaw = anyRaw || raw[i+1]
		}
		if !anyRaw {
			continue
		}
		for i := bs.next(start); i >= 0 && i < end; i = bs.next(i + 1) {
			if hit.has(i) {
				continue
			}
			if col.single != nil {
				if raw[col.single[i]] {
					hit.set(i)
				}
				continue
			}
			for _, c := range col.multi[col.start[i]:col.start[i+1]] {
				if raw[c] {
					hit.set(i)
					break
				}
			}
		}
	}
	if path == "" {
		// event_id has its own column, not a field column.
		ids, err := r.ids(seq)
		if err != nil {
			return err
		}
		for i := bs.next(start); i >= 0 && i < end; i = bs.next(i + 1) {
			if !hit.has(i) && i < len(ids) && pr.RawLeaf(query.LeafString, ids[i]) {
				hit.set(i)
			}
		}
	}
	neg := pr.Negated()
	for i := bs.next(start); i >= 0 && i < end; i = bs.next(i + 1) {
		if hit.has(i) == neg {
			bs.clear(i)
		}
	}
	return nil
}

func clearRange(bs bitset, start, end int) {
	for i := bs.next(start); i >= 0 && i < end; i = bs.next(i + 1) {
		bs.clear(i)
	}
}

// rawFilter evaluates preds on the raw JSON of the rows still in bs.
func (r *reader) rawFilter(b *blockState, preds []*query.Pred, bs bitset, start, end int) error {
	for i := bs.next(start); i >= 0 && i < end; i = bs.next(i + 1) {
		raw, err := r.rawRow(b, i)
		if err != nil {
			return err
		}
		doc, err := r.parser.ParseBytes(raw)
		if err != nil {
			return fmt.Errorf("block %d row %d: stored JSON: %w", b.hdr.Seq, i, err)
		}
		for _, pr := range preds {
			if !pr.MatchJSON(doc) {
				bs.clear(i)
				break
			}
		}
	}
	return nil
}
