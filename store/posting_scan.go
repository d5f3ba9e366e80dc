package store

import (
	"fmt"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/valyala/fastjson"
	"slices"

	"github.com/auditdeck/auditdeck/core"
)

// sparseRows bounds the candidate rows of a block opened sparsely: each
// costs a raw-row read and a field extraction, where the columns cost a
// fixed read per block.
const sparseRows = 64

// sparseBlock is a block opened from postings alone: candidate rows with
// the times and ids the time-order merge needs, taken from the raw rows.
// Compact (a few rows, not one slot per row of the block): in a fresh
// process every fresh page of memory is a page fault.
type sparseBlock struct {
	bits bitset
	rows []int // sorted
	ts   []int64
	ids  []string
}

func (sb *sparseBlock) at(row int) int {
	i, _ := slices.BinarySearch(sb.rows, row)
	return i
}

func (sb *sparseBlock) time(row int) int64 { return sb.ts[sb.at(row)] }
func (sb *sparseBlock) id(row int) string  { return sb.ids[sb.at(row)] }

// sparseRow is a row a scan took from postings: its fields and raw JSON.
type sparseRow struct {
	f   core.ActivityFields
	raw []byte
}

// sparseCandidates opens block b from its posting rows when they are few:
// every predicate of p is checked on the row's extracted fields (the same
// fields the columns were built from), so no column of the block is read.
// A user's last 50 touches about 60 blocks with one or two rows each; their
// time and user columns were most of that query's cost.
func (r *reader) sparseCandidates(p *plan, b *blockState) (*sparseBlock, bool, error) {
	h := b.hdr
	if p.asOf > 0 && h.SeqMax > p.asOf {
		return nil, false, nil // rows of a merged block may postdate the pin
	}
	if r.memo != nil {
		return nil, false, nil // a bulk scan: r.sparse would hold every row it shows
	}
	var rows []uint32
	found := false
	for _, ph := range p.postings {
		if !ph.covers(h.Seq) {
			continue
		}
		rs := ph.rows[h.Seq]
		if !found || len(rs) < len(rows) {
			rows, found = rs, true
		}
	}
	if !found || len(rows) > sparseRows {
		return nil, false, nil
	}
	sb := &sparseBlock{bits: newBitset(h.Rows)}
	for _, row := range rows {
		if int(row) >= h.Rows {
			return nil, false, fmt.Errorf("block %d: posting row %d: %w", h.Seq, row, errCorrupt)
		}
		if b.del != nil && b.del.Contains(row) && (p.asOf == 0 || b.deletedBefore(row, p.asOf)) {
			continue
		}
		raw, err := r.rawRow(b, int(row))
		if err != nil {
			return nil, false, err
		}
		f, err := r.extractor.Extract(raw)
		if err != nil {
			return nil, false, fmt.Errorf("block %d row %d: stored event: %w", h.Seq, row, err)
		}
		if !p.matchFields(r, &f) {
			continue
		}
		if len(p.fieldPreds) > 0 {
			// Fields without a typed column: the row's JSON answers as the
			// block's field columns would.
			doc, err := r.parser.ParseBytes(raw)
			if err != nil {
				return nil, false, fmt.Errorf("block %d row %d: stored event: %w", h.Seq, row, err)
			}
			if !matchAll(p.fieldPreds, doc) {
				continue
			}
		}
		sb.bits.set(int(row))
		sb.rows = append(sb.rows, int(row))
		sb.ts, sb.ids = append(sb.ts, f.CreatedAt), append(sb.ids, f.EventID)
		if r.sparse == nil {
			r.sparse = map[rowRef]sparseRow{}
		}
		r.sparse[rowRef{seq: h.Seq, row: row}] = sparseRow{f: f, raw: raw}
	}
	return sb, true, nil
}

// matchFields evaluates every non-raw predicate of p on one row's fields,
// as candidates does on the columns.
func (p *plan) matchFields(r *reader, f *core.ActivityFields) bool {
	t := f.CreatedAt
	if t < p.lo || t > p.hi {
		return false
	}
	for _, pr := range p.timePreds {
		if !pr.MatchTime(t) {
			return false
		}
	}
	for _, pr := range p.hourPreds {
		if !pr.MatchNumber(float64(utcHour(t))) {
			return false
		}
	}
	for c := colEventType; c <= colCountry; c++ {
		if preds := p.colPreds[c]; len(preds) > 0 {
			v := dictValue(f, c)
			if v == "" && !allMissing(preds) || v != "" && !allString(preds, v) {
				return false
			}
		}
	}
	for _, c := range []column{colSuccessful, colSuspicious} {
		if preds := p.colPreds[c]; len(preds) > 0 {
			table := [3]bool{allMissing(preds), allBool(preds, false), allBool(preds, true)}
			if tv := triValue(f, c); tv > 2 || !table[tv] {
				return false
			}
		}
	}
	if p.idSet != nil && !p.idSet[f.EventID] {
		return false
	}
	for _, pr := range p.idPreds {
		if !pr.MatchString(f.EventID) {
			return false
		}
	}
	return len(p.triagePreds) == 0 || p.matchTriage(r.snap.triage[f.EventID])
}

func matchAll(preds []*query.Pred, doc *fastjson.Value) bool {
	for _, pr := range preds {
		if !pr.MatchJSON(doc) {
			return false
		}
	}
	return true
}
