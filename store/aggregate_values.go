package store

import (
	"strings"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/valyala/fastjson"
)

// blockValues are one field's values over a block's rows as codes into a
// dictionary (code 0: none), whatever column they come from: a field
// column, the id or time column, or, for a block without field columns,
// the raw JSON of its candidate rows.
type blockValues struct {
	kinds []query.LeafKind // per code-1
	texts []string
	// Either single (one code per row) or start/multi (row r's codes are
	// multi[start[r]:start[r+1]]); neither: no row has a value.
	single []uint32
	start  []uint32
	multi  []uint32
	nums   []float64 // per code-1, when numeric (see numbers)
	isNum  []bool
	hashes []uint64 // per code-1, DistinctHash (see hashed)
}

// absent is a leaf a group treats as missing: null, or an empty array.
func absent(k query.LeafKind) bool { return k == query.LeafNull || k == leafEmptyArray }

// codes returns row r's codes with the absent ones left out; distinct
// keeps each value once (by text too: a dictionary of nearly distinct
// values may list one text under two codes).
func (v *blockValues) codes(r int, buf []uint32, distinct bool) []uint32 {
	buf = buf[:0]
	if v.single != nil {
		if r < len(v.single) {
			if c := v.single[r]; c != 0 && !absent(v.kinds[c-1]) {
				buf = append(buf, c)
			}
		}
		return buf
	}
	if r+1 >= len(v.start) {
		return buf
	}
next:
	for _, c := range v.multi[v.start[r]:v.start[r+1]] {
		if c == 0 || absent(v.kinds[c-1]) {
			continue
		}
		if distinct {
			for _, d := range buf {
				if d == c || v.kinds[d-1] == v.kinds[c-1] && leafText(v.kinds[d-1], v.texts[d-1]) == leafText(v.kinds[c-1], v.texts[c-1]) {
					continue next
				}
			}
		}
		buf = append(buf, c)
	}
	return buf
}

func (v *blockValues) value(c uint32) core.AggValue {
	if c == 0 {
		return core.AggValue{Missing: true}
	}
	return core.AggValue{Kind: v.kinds[c-1], Text: leafText(v.kinds[c-1], v.texts[c-1])}
}

// leafText is a value's text as groups compare it: booleans have none
// (field columns spell them out, the raw fallback does not).
func leafText(k query.LeafKind, text string) string {
	if k == query.LeafTrue || k == query.LeafFalse {
		return ""
	}
	return text
}

// numbers parses each numeric dictionary value once.
func (v *blockValues) numbers() {
	if v.isNum != nil {
		return
	}
	v.nums = make([]float64, len(v.kinds))
	v.isNum = make([]bool, len(v.kinds))
	for i, k := range v.kinds {
		if k == query.LeafNumber {
			if f, ok := parseNumber(v.texts[i]); ok {
				v.nums[i], v.isNum[i] = f, true
			}
		}
	}
}

func (v *blockValues) hashed() {
	if v.hashes != nil {
		return
	}
	v.hashes = make([]uint64, len(v.kinds))
	for i, k := range v.kinds {
		v.hashes[i] = core.DistinctHash(k, leafText(k, v.texts[i]))
	}
}

// valuesOf reads one field's values for a block. rows are the rows that
// will be asked for (the raw fallback reads only those).
func (r *reader) valuesOf(b *blockState, g core.GroupBy, rows bitset) (*blockValues, error) {
	seq := b.hdr.Seq
	switch {
	case g.Every > 0:
		ts, err := r.times(seq)
		if err != nil {
			return nil, err
		}
		v := &blockValues{single: make([]uint32, len(ts))}
		codes := map[int64]uint32{}
		for i := rows.next(0); i >= 0 && i < len(ts); i = rows.next(i + 1) {
			start := core.BucketStart(ts[i], g.Every)
			c, ok := codes[start]
			if !ok {
				bv := core.BucketValue(ts[i], g.Every)
				v.kinds = append(v.kinds, bv.Kind)
				v.texts = append(v.texts, bv.Text)
				c = uint32(len(v.kinds))
				codes[start] = c
			}
			v.single[i] = c
		}
		return v, nil
	case besideField(g.Field):
		return r.besideValues(b, g.Field, rows)
	case g.Field == "event_id":
		ids, err := r.ids(seq)
		if err != nil {
			return nil, err
		}
		v := &blockValues{texts: ids, kinds: make([]query.LeafKind, len(ids)), single: make([]uint32, len(ids))}
		for i := range ids {
			v.kinds[i] = query.LeafString
			v.single[i] = uint32(i + 1)
		}
		return v, nil
	case isDictColumn(g.Field):
		// The typed column the filter reads too: smaller than the field
		// column (a third less time cold). Ingest takes only strings here,
		// and keeps "" as missing, as the filters read it.
		d, err := r.dict(seq, columnOf[g.Field])
		if err != nil || len(d.dict) == 0 {
			return &blockValues{}, err
		}
		v := &blockValues{texts: d.dict[1:], kinds: make([]query.LeafKind, len(d.dict)-1), single: make([]uint32, len(d.codes))}
		for i := range v.kinds {
			v.kinds[i] = query.LeafString
		}
		for i, c := range d.codes {
			v.single[i] = uint32(c)
		}
		return v, nil
	case isTriColumn(g.Field):
		t, err := r.tri(seq, columnOf[g.Field])
		if err != nil {
			return nil, err
		}
		v := &blockValues{kinds: []query.LeafKind{query.LeafFalse, query.LeafTrue}, texts: []string{"", ""}, single: make([]uint32, len(t))}
		for i, x := range t {
			switch x {
			case core.TriFalse:
				v.single[i] = 1
			case core.TriTrue:
				v.single[i] = 2
			}
		}
		return v, nil
	case !b.hdr.FieldCols || b.hdr.FieldOverflow || len(g.Field) > maxFieldPathBytes:
		// No columns (not migrated, or too many paths), or no column for so
		// long a path: as the filters do, read the raw JSON.
		return r.rawValues(b, g.Field, rows)
	}
	col, err := r.fieldColumn(seq, g.Field)
	if err != nil || col == nil {
		return &blockValues{}, err
	}
	if col.rows != b.hdr.Rows {
		return nil, errCorrupt
	}
	kinds, texts, err := col.dict()
	if err != nil {
		return nil, err
	}
	if err := col.codes(); err != nil {
		return nil, err
	}
	return &blockValues{kinds: kinds, texts: texts, single: col.single, start: col.start, multi: col.multi}, nil
}

// rawValues reads a field from the raw JSON of the given rows: for blocks
// written without field columns, with the field columns' meaning (arrays
// transparent, numbers as written).
func (r *reader) rawValues(b *blockState, path string, rows bitset) (*blockValues, error) {
	v := &blockValues{start: make([]uint32, b.hdr.Rows+1)}
	segs := strings.Split(path, ".")
	dict := map[string]uint32{}
	var p fastjson.Parser
	var num []byte
	add := func(kind query.LeafKind, text string) {
		k := string(rune(kind)) + text
		c, ok := dict[k]
		if !ok {
			v.kinds = append(v.kinds, kind)
			v.texts = append(v.texts, text)
			c = uint32(len(v.kinds))
			dict[k] = c
		}
		v.multi = append(v.multi, c)
	}
	var walk func(x *fastjson.Value, i int)
	walk = func(x *fastjson.Value, i int) {
		switch x.Type() {
		case fastjson.TypeArray:
			a, _ := x.Array()
			if len(a) == 0 && i == len(segs) {
				add(leafEmptyArray, "")
			}
			for _, e := range a {
				walk(e, i)
			}
			return
		case fastjson.TypeObject:
			if i < len(segs) {
				if e := x.Get(segs[i]); e != nil {
					walk(e, i+1)
				}
			}
			return
		}
		if i < len(segs) {
			return
		}
		switch x.Type() {
		case fastjson.TypeString:
			s, _ := x.StringBytes()
			add(query.LeafString, string(s))
		case fastjson.TypeNumber:
			num = x.MarshalTo(num[:0])
			add(query.LeafNumber, string(num))
		case fastjson.TypeTrue:
			add(query.LeafTrue, "")
		case fastjson.TypeFalse:
			add(query.LeafFalse, "")
		case fastjson.TypeNull:
			add(query.LeafNull, "")
		}
	}
	last := 0
	for i := rows.next(0); i >= 0 && i < b.hdr.Rows; i = rows.next(i + 1) {
		for ; last <= i; last++ {
			v.start[last] = uint32(len(v.multi))
		}
		raw, err := r.rawRow(b, i)
		if err != nil {
			return nil, err
		}
		doc, err := p.ParseBytes(raw)
		if err != nil {
			return nil, err
		}
		walk(doc, 0)
	}
	for ; last <= b.hdr.Rows; last++ {
		v.start[last] = uint32(len(v.multi))
	}
	return v, nil
}

// isDictColumn: the field has a typed dictionary column of its own.
func isDictColumn(field string) bool {
	c, ok := columnOf[field]
	return ok && c.isDict()
}

// isTriColumn: the field has a tri-state boolean column of its own.
func isTriColumn(field string) bool {
	c, ok := columnOf[field]
	return ok && c.isTri()
}
