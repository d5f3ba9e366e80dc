package store

import (
	"fmt"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// fieldFilter clears from bs the rows of [start, end) that fail pr, from the
// block's field columns. ok is false when the columns cannot answer pr for
// this block (see fieldcol.go); the caller then evaluates the raw JSON.
func (r *reader) fieldFilter(b *blockState, pr *query.Pred, pre *query.TextMatcher, bs bitset, start, end int) (ok bool, err error) {
	if !b.hdr.FieldCols || b.hdr.FieldOverflow {
		return false, nil // no columns (yet): see migrate.go, maxBlockFieldColumns
	}
	seq := b.hdr.Seq
	if pr.IsTextSearch() {
		return true, r.anyLeafFilter(b, pr, pre, "", bs, start, end)
	}
	path := pr.Term.Field
	if len(path) > maxFieldPathBytes {
		return false, nil // no column has it: see maxFieldPathBytes
	}
	// One field: its column is read directly (a missing key is a path the
	// block lacks); the directory is for searches over many columns.
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
		return true, r.anyLeafFilter(b, pr, pre, path, bs, start, end)
	}
	if pr.IsNull() && col.viaArray() {
		return false, nil
	}
	if col.rows != b.hdr.Rows {
		return false, fmt.Errorf("block %d field column %q: %d rows, want %d: %w", seq, path, col.rows, b.hdr.Rows, errCorrupt)
	}
	raw, err := rawTable(pr, pre, col)
	if err != nil {
		return false, err
	}
	// pass[code]: the final result for a row holding that one value; pass[0]
	// for a row holding none.
	pass := make([]bool, len(raw))
	allPass, nonePass := true, true
	for i, x := range raw {
		pass[i] = x != neg
		if i == 0 && col.leafRows == col.rows {
			continue // no row holds nothing
		}
		allPass = allPass && pass[i]
		nonePass = nonePass && !pass[i]
	}
	if col.isMulti() {
		allPass, nonePass = false, false // a row's values combine
	}
	switch {
	case allPass:
		return true, nil
	case nonePass:
		clearRange(bs, start, end)
		return true, nil
	}
	if err := col.codes(); err != nil {
		return false, fmt.Errorf("block %d field column %q: %w", seq, path, err)
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

// rawTable is pr's result before negation for each dictionary code of col,
// and at 0 for a row holding no value. When the prefilter finds none of its
// needles in the dictionary's bytes, no value can pass and none is decoded.
func rawTable(pr *query.Pred, pre *query.TextMatcher, col *fieldColumn) ([]bool, error) {
	raw := make([]bool, col.ndict+1)
	raw[0] = pr.RawMissing()
	if !dictMayPass(pre, col.dictBytes) {
		return raw, nil
	}
	kinds, texts, err := col.dict()
	if err != nil {
		return nil, err
	}
	for i, k := range kinds {
		raw[i+1] = pr.RawLeaf(k, texts[i])
	}
	return raw, nil
}

// anyLeafFilter evaluates a contains on an object (or, for path "", a text
// search of the whole document): a row's raw result is true when any leaf
// beneath path passes. A row with no leaf there fails (contains on a
// missing value is false).
func (r *reader) anyLeafFilter(b *blockState, pr *query.Pred, pre *query.TextMatcher, path string, bs bitset, start, end int) error {
	seq := b.hdr.Seq
	paths, err := r.pathsBeneath(seq, path)
	if err != nil {
		return err
	}
	words := pairWords(pr)
	var hit bitset
	scanIDs := path == ""
	for i := range paths {
		e := &paths[i]
		if e.path == idPairsPath {
			scanIDs = words == nil || e.mayHoldAny(words)
			continue
		}
		if e.ndict == 0 || words != nil && !e.mayHoldAny(words) {
			continue
		}
		p := e.path
		col, err := r.fieldColumn(seq, p)
		if err != nil {
			return err
		}
		if col == nil {
			// The directory lists it: written together, so it was lost.
			return fmt.Errorf("read %s: not in the store: %w", describeKey(fieldColumnKey(seq, p)), core.ErrDamaged)
		}
		if col.ndict == 0 || !dictMayPass(pre, col.dictBytes) {
			continue
		}
		if col.rows != b.hdr.Rows {
			return fmt.Errorf("block %d field column %q: %d rows, want %d: %w", seq, p, col.rows, b.hdr.Rows, errCorrupt)
		}
		raw, err := rawTable(pr, nil, col)
		if err != nil {
			return err
		}
		anyRaw := false
		for _, x := range raw[1:] {
			anyRaw = anyRaw || x
		}
		if !anyRaw {
			continue
		}
		if err := col.codes(); err != nil {
			return fmt.Errorf("block %d field column %q: %w", seq, p, err)
		}
		if hit == nil {
			hit = newBitset(b.hdr.Rows)
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
	if hit == nil {
		hit = newBitset(b.hdr.Rows)
	}
	if scanIDs {
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

// dictMayPass reports whether some value of a dictionary (its bytes as
// stored) may pass the prefilter pre (nil: no prefilter). pre folds ASCII
// letters only, so a dictionary with a letter that lowers to ASCII is
// always read.
func dictMayPass(pre *query.TextMatcher, dict []byte) bool {
	return pre == nil || pre.Match(dict) || foldsToASCII(dict)
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
