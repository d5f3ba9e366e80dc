package core

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// FieldReader reads chosen fields of activities by dotted path, from the
// stored columns when a field is one and from the raw JSON otherwise, for
// outputs whose columns a user picks (the CLI's query --columns).
type FieldReader struct {
	fields  []string
	getters []cellFunc
	doc     jsonDoc
	raw     bool
}

// NewFieldReader checks every field against the activity schema, so a
// typo is an error naming the field (with a suggestion) instead of an
// empty column.
func NewFieldReader(fields []string) (*FieldReader, error) {
	if len(fields) == 0 {
		return nil, fmt.Errorf("no fields")
	}
	r := &FieldReader{fields: fields}
	for _, f := range fields {
		if _, err := ActivitySchema.Lookup(f); err != nil {
			// The schema's error speaks of a filter; here it is a column.
			return nil, errors.New(strings.TrimPrefix(err.Error(), "filter: "))
		}
		r.getters = append(r.getters, cellGetter(f))
		if !fromColumns(f) {
			r.raw = true
		}
	}
	return r, nil
}

// NeedsRaw reports whether some field lives only in the raw JSON, so the
// scan must read it (QuerySpec.WithRaw).
func (r *FieldReader) NeedsRaw() bool { return r.raw }

// Read fills dst (grown to the number of fields) with a's values as text:
// strings as they are, other JSON values as JSON, "" when missing.
func (r *FieldReader) Read(a *Activity, dst []string) []string {
	dst = slices.Grow(dst[:0], len(r.getters))[:len(r.getters)]
	r.doc.reset(a.Raw)
	readCells(dst, r.getters, a, r.doc.get)
	return dst
}
