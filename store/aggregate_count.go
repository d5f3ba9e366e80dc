package store

import (
	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// count() by one field without a dictionary column of its own (a field
// column, the raw fallback, a triage field) counts as aggregateByDict
// does: per block the rows per code of the field's values in a flat
// array, then each counted value into the worker's totals by kind and
// text. The general path gives every block's group a partial of its own
// and merges each into the shared table under its lock: for the fields
// panel's top 10 of a field column that was half the time.

// countGroupField reports whether req is such a count: one key, not a
// time bucket, no metric but count.
func countGroupField(req *core.AggregateRequest) bool {
	if len(req.By) != 1 || req.By[0].Every > 0 {
		return false
	}
	for _, m := range req.Metrics {
		if m.Op != core.StatCount || m.Field != "" {
			return false
		}
	}
	return true
}

// valueCounts are a worker's per-code buffers for countByValues.
type valueCounts struct {
	counts []int32  // per code: the block's matching rows with it
	hit    []uint32 // the codes counted in the block
	buf    []uint32
	key    []byte
}

// countByValues counts a block's rows by the values of field by.
func countByValues(by core.GroupBy) func(x *exec, b *blockState, bs bitset, dc *dictCounter) error {
	return func(x *exec, b *blockState, bs bitset, dc *dictCounter) error {
		v, err := x.r.valuesOf(b, by, bs)
		if err != nil {
			return err
		}
		if dc.values == nil {
			dc.values = &valueCounts{}
		}
		dc.values.count(v, bs, dc)
		return nil
	}
}

// count adds the rows of bs by their values in v to dc's totals; a row
// with several values (an array) counts once for each distinct one.
func (vc *valueCounts) count(v *blockValues, bs bitset, dc *dictCounter) {
	if n := len(v.kinds) + 1; cap(vc.counts) < n {
		vc.counts = make([]int32, n)
	} else {
		vc.counts = vc.counts[:n]
	}
	hit := vc.hit[:0]
	for row := bs.next(0); row >= 0; row = bs.next(row + 1) {
		dc.rows++
		vc.buf = v.codes(row, vc.buf, true)
		if len(vc.buf) == 0 {
			dc.missing++
			continue
		}
		for _, c := range vc.buf {
			if vc.counts[c] == 0 {
				hit = append(hit, c)
			}
			vc.counts[c]++
		}
	}
	for _, c := range hit {
		n := int64(vc.counts[c])
		vc.counts[c] = 0 // clean for the next block
		k := v.kinds[c-1]
		vc.key = append(append(vc.key[:0], byte(k)), leafText(k, v.texts[c-1])...)
		dc.addBytes(vc.key, n)
	}
	vc.hit = hit
}

// valueKey is the group value of a total's key: the leaf kind's byte,
// then the text.
func valueKey(key string) core.AggValue {
	return core.AggValue{Kind: query.LeafKind(key[0]), Text: key[1:]}
}
