package store

import (
	"bytes"
	"net/netip"
	"slices"

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
	// A trie of member names: looking up a short name under its parent
	// costs less than hashing the whole dotted path at every leaf.
	type node struct {
		kids    map[string]*node
		path    string
		obs     *fieldObservation // nil until a leaf is seen; stays nil for a path a filter cannot name
		named   bool              // path checked with query.ValidField
		lastRow int
	}
	root := &node{lastRow: -1}
	var out []*fieldObservation
	var p fastjson.Parser
	var scratch []byte
	row, t := 0, int64(0)
	leaf := func(n *node, m typeMask, hash uint64, hashed bool) {
		if !n.named {
			n.named = true
			if len(n.path) <= maxObservedPathBytes && query.ValidField(n.path) {
				n.obs = &fieldObservation{Path: n.path, MinT: t, MaxT: t}
				out = append(out, n.obs)
			}
		}
		o := n.obs
		if o == nil {
			return
		}
		o.Types |= m
		if n.lastRow != row {
			n.lastRow = row
			o.Rows++
			o.MinT, o.MaxT = min(o.MinT, t), max(o.MaxT, t)
		}
		if hashed {
			o.Hashes = append(o.Hashes, hash)
		}
	}
	var walk func(n *node, v *fastjson.Value)
	walk = func(n *node, v *fastjson.Value) {
		switch v.Type() {
		case fastjson.TypeObject:
			o, _ := v.Object()
			o.Visit(func(k []byte, c *fastjson.Value) {
				kid := n.kids[string(k)]
				if kid == nil {
					if n.kids == nil {
						n.kids = map[string]*node{}
					}
					kid = &node{path: string(k), lastRow: -1}
					if n != root {
						kid.path = n.path + "." + kid.path
					}
					n.kids[string(k)] = kid
				}
				walk(kid, c)
			})
		case fastjson.TypeArray:
			a, _ := v.Array()
			for _, c := range a {
				walk(n, c)
			}
		case fastjson.TypeString:
			s, _ := v.StringBytes()
			leaf(n, stringType(s), xxhash.Sum64(s), true)
		case fastjson.TypeNumber:
			scratch = v.MarshalTo(scratch[:0])
			m := typeInt
			if slices.ContainsFunc(scratch, func(c byte) bool { return c == '.' || c == 'e' || c == 'E' }) {
				m = typeFloat
			}
			leaf(n, m, xxhash.Sum64(scratch), true)
		case fastjson.TypeTrue:
			leaf(n, typeBool, 1, true)
		case fastjson.TypeFalse:
			leaf(n, typeBool, 0, true)
		case fastjson.TypeNull:
			leaf(n, typeNull, 0, false)
		}
	}
	for i, r := range recs {
		v, err := p.ParseBytes(r.Raw)
		if err != nil {
			continue // ingest validated every row; nothing to say about one that is not JSON
		}
		row, t = i, r.Fields.CreatedAt
		walk(root, v)
	}
	res := make([]fieldObservation, len(out))
	for i, o := range out {
		res[i] = *o
	}
	return res
}

// stringType tells times and IP addresses among strings without
// allocating: this runs for every string of every event.
func stringType(s []byte) typeMask {
	switch {
	case rfc3339(s):
		return typeTime
	case ipv4(s):
		return typeIP
	case len(s) >= 2 && len(s) <= 45 && bytes.IndexByte(s, ':') >= 0 && looksLikeIPv6(s):
		if _, err := netip.ParseAddr(string(s)); err == nil {
			return typeIP
		}
	}
	return typeString
}

// rfc3339 reports whether s is an RFC 3339 date-time:
// YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM).
func rfc3339(s []byte) bool {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' && s[10] != 't' || s[13] != ':' || s[16] != ':' {
		return false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range s[i : i+n] {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	if num(0, 4) < 0 || !in(num(5, 2), 1, 12) || !in(num(8, 2), 1, 31) || !in(num(11, 2), 0, 23) || !in(num(14, 2), 0, 59) || !in(num(17, 2), 0, 60) {
		return false
	}
	rest := s[19:]
	if len(rest) > 1 && rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 1 {
			return false
		}
		rest = rest[i:]
	}
	switch {
	case len(rest) == 1:
		return rest[0] == 'Z' || rest[0] == 'z'
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		h, m := rest[1:3], rest[4:6]
		return h[0] >= '0' && h[0] <= '2' && h[1] >= '0' && h[1] <= '9' && m[0] >= '0' && m[0] <= '5' && m[1] >= '0' && m[1] <= '9'
	}
	return false
}

func in(v, lo, hi int) bool { return v >= lo && v <= hi }

// ipv4 reports whether s is a dotted-quad IPv4 address (no leading zeros,
// as netip reads them).
func ipv4(s []byte) bool {
	if len(s) < 7 || len(s) > 15 {
		return false
	}
	parts, v, digits := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || v > 255 || digits > 1 && s[i-digits] == '0' {
				return false
			}
			parts++
			v, digits = 0, 0
			continue
		}
		c := s[i]
		if c < '0' || c > '9' || digits == 3 {
			return false
		}
		v = v*10 + int(c-'0')
		digits++
	}
	return parts == 4
}

func looksLikeIPv6(s []byte) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.' || c == '%') {
			return false
		}
	}
	return true
}
