package store

import (
	"net/netip"
	"slices"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/cespare/xxhash/v2"
	"github.com/valyala/fastjson"
)

// maxObservedPathBytes: longer paths are not observed (nobody types them).
const maxObservedPathBytes = 256

// observeRows is the field catalog's producer: it walks each raw row with
// fastjson and summarises every leaf path of the rows (array elements
// transparent: "a.b" for "a[].b"). Paths that a filter cannot name (odd
// member names, longer than maxObservedPathBytes) are left out. The
// per-block column builder replaces it with the statistics it gathers
// anyway.
func observeRows(recs []core.IngestRecord) []fieldObservation {
	type acc struct {
		obs     *fieldObservation // nil: a path a filter cannot name
		lastRow int
	}
	paths := map[string]*acc{}
	var out []*fieldObservation
	var p fastjson.Parser
	var path, scratch []byte
	row, t := 0, int64(0)
	leaf := func(m typeMask, hash uint64, hashed bool) {
		a := paths[string(path)]
		if a == nil {
			a = &acc{lastRow: -1}
			if len(path) <= maxObservedPathBytes && query.ValidField(string(path)) {
				a.obs = &fieldObservation{Path: string(path), MinT: t, MaxT: t}
				out = append(out, a.obs)
			}
			paths[string(path)] = a
		}
		o := a.obs
		if o == nil {
			return
		}
		o.Types |= m
		if a.lastRow != row {
			a.lastRow = row
			o.Rows++
			o.MinT, o.MaxT = min(o.MinT, t), max(o.MaxT, t)
		}
		if hashed {
			o.Hashes = append(o.Hashes, hash)
		}
	}
	var walk func(v *fastjson.Value)
	walk = func(v *fastjson.Value) {
		switch v.Type() {
		case fastjson.TypeObject:
			o, _ := v.Object()
			o.Visit(func(k []byte, c *fastjson.Value) {
				n := len(path)
				if n > 0 {
					path = append(path, '.')
				}
				path = append(path, k...)
				walk(c)
				path = path[:n]
			})
		case fastjson.TypeArray:
			a, _ := v.Array()
			for _, c := range a {
				walk(c)
			}
		case fastjson.TypeString:
			s, _ := v.StringBytes()
			leaf(stringType(s), xxhash.Sum64(s), true)
		case fastjson.TypeNumber:
			scratch = v.MarshalTo(scratch[:0])
			m := typeInt
			if slices.ContainsFunc(scratch, func(c byte) bool { return c == '.' || c == 'e' || c == 'E' }) {
				m = typeFloat
			}
			leaf(m, xxhash.Sum64(scratch), true)
		case fastjson.TypeTrue:
			leaf(typeBool, 1, true)
		case fastjson.TypeFalse:
			leaf(typeBool, 0, true)
		case fastjson.TypeNull:
			leaf(typeNull, 0, false)
		}
	}
	for i, r := range recs {
		v, err := p.ParseBytes(r.Raw)
		if err != nil {
			continue // ingest validated every row; nothing to say about one that is not JSON
		}
		row, t = i, r.Fields.CreatedAt
		path = path[:0]
		walk(v)
	}
	res := make([]fieldObservation, len(out))
	for i, o := range out {
		slices.Sort(o.Hashes)
		o.Hashes = slices.Compact(o.Hashes)
		res[i] = *o
	}
	return res
}

// stringType tells times and IP addresses among strings, cheaply ruling
// out most strings before parsing.
func stringType(s []byte) typeMask {
	switch {
	case len(s) >= 20 && len(s) <= 35 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == 't'):
		if _, err := time.Parse(time.RFC3339Nano, string(s)); err == nil {
			return typeTime
		}
	case len(s) >= 2 && len(s) <= 45 && looksLikeIP(s):
		if _, err := netip.ParseAddr(string(s)); err == nil {
			return typeIP
		}
	}
	return typeString
}

func looksLikeIP(s []byte) bool {
	colon := false
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9', c == '.':
		case c == ':':
			colon = true
		case colon && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '%'):
		case c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F':
			colon = true // hex before the first colon: only IPv6 may have it
		default:
			return false
		}
	}
	return true
}
