package store

import (
	"strconv"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// Values of the fields no event holds, for group keys and metrics: those
// kept beside the events (triage.state, triage.by, triage.note, triage.at:
// per row from the triage index by the row's event id) and those derived
// from a column (created_hour, from the time column). Each is read through
// the field registry's accessors, so a value reads as the field's filters
// and export cells read it: an untriaged event's triage.state is "new",
// an empty text is missing.

// besideField: a field whose values besideValues reads.
func besideField(field string) bool {
	f, ok := core.Builtin(field)
	if !ok {
		return false
	}
	switch f.Kept {
	case core.KeptBeside:
		return f.Text != nil
	case core.KeptAsDerived:
		return f.Number != nil
	}
	return false
}

// besideValues reads such a field for the given rows of block b.
func (r *reader) besideValues(b *blockState, field string, rows bitset) (*blockValues, error) {
	f, _ := core.Builtin(field)
	seq := b.hdr.Seq
	v := &blockValues{single: make([]uint32, b.hdr.Rows)}
	dict := map[string]uint32{}
	code := func(kind query.LeafKind, text string) uint32 {
		c, ok := dict[text]
		if !ok {
			v.kinds = append(v.kinds, kind)
			v.texts = append(v.texts, text)
			c = uint32(len(v.kinds))
			dict[text] = c
		}
		return c
	}
	var a core.Activity
	if f.Kept == core.KeptAsDerived {
		ts, err := r.times(seq)
		if err != nil {
			return nil, err
		}
		for i := rows.next(0); i >= 0 && i < len(ts) && i < b.hdr.Rows; i = rows.next(i + 1) {
			a.CreatedAt = ts[i]
			v.single[i] = code(query.LeafNumber, strconv.FormatFloat(f.Number(&a), 'f', -1, 64))
		}
		return v, nil
	}
	ids, err := r.ids(seq)
	if err != nil {
		return nil, err
	}
	for i := rows.next(0); i >= 0 && i < len(ids) && i < b.hdr.Rows; i = rows.next(i + 1) {
		a.Triage = nil
		if tr := r.snap.triage[ids[i]]; tr != nil {
			a.Triage = &tr.Triage
		}
		if text := f.Text(&a); text != "" {
			v.single[i] = code(query.LeafString, text)
		}
	}
	return v, nil
}
