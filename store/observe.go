package store

import (
	"bytes"
	"net/netip"
	"strings"
	"unsafe"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// maxObservedPathBytes: longer paths are not observed (nobody types them).
const maxObservedPathBytes = 256

// observeColumns is the field catalog's producer: what a block's field
// columns (fieldcol.go) say of each path a filter can name, from their
// dictionaries (each distinct value once) and the created_at of the first
// and last rows holding the path (rows are newest first). recs are the
// block's rows, for their created_at.
func observeColumns(cols []builtFieldColumn, recs []core.IngestRecord) []fieldObservation {
	out := make([]fieldObservation, 0, len(cols)+1)
	if len(recs) > 0 {
		// event_id lives in the block's id column, not a field column.
		ids := fieldObservation{Path: "event_id", Types: typeString, Rows: len(recs), MinT: recs[len(recs)-1].Fields.CreatedAt, MaxT: recs[0].Fields.CreatedAt}
		ids.Hashes = make([]uint64, len(recs))
		for i, r := range recs {
			ids.Hashes[i] = leafHash(query.LeafString, r.Fields.EventID)
		}
		out = append(out, ids)
	}
	for _, c := range cols {
		if c.realRows == 0 || len(c.path) > maxObservedPathBytes || !query.ValidField(c.path) {
			continue // directory-only entries (\x01...), unspellable or overlong paths
		}
		o := fieldObservation{Path: c.path, Types: c.types, Rows: c.realRows, Hashes: c.hashes}
		if c.firstRow < len(recs) && c.lastRow < len(recs) {
			o.MaxT, o.MinT = recs[c.firstRow].Fields.CreatedAt, recs[c.lastRow].Fields.CreatedAt
		}
		out = append(out, o)
	}
	return out
}

// observeRecords builds the field columns of rows read back (newest
// first, with their created_at and event_id) only to observe them.
func observeRecords(recs []core.IngestRecord) []fieldObservation {
	tasks, finish := fieldColumnTasks(recs)
	runParallel(tasks)
	cols, _ := finish()
	return observeColumns(cols, recs)
}

// typeOf is the catalog type of one distinct value.
func typeOf(kind query.LeafKind, text string) typeMask {
	switch kind {
	case query.LeafString:
		// A read-only view of the text: this runs for every distinct value.
		return stringType(unsafe.Slice(unsafe.StringData(text), len(text)))
	case query.LeafNumber:
		if strings.ContainsAny(text, ".eE") {
			return typeFloat
		}
		return typeInt
	case query.LeafTrue, query.LeafFalse:
		return typeBool
	case query.LeafNull:
		return typeNull
	}
	return 0 // an empty array
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
