package core

import (
	"slices"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core/query"
)

// MaxFieldPaths bounds a store's field catalog: past it the catalog stops
// growing and is marked incomplete, so that events with generated member
// names (ids as keys) cannot grow it without end.
const MaxFieldPaths = 20000

// The value types a FieldInfo lists, as seen in the stored events: a string
// that reads as an RFC 3339 time is "time", one that reads as an IP address
// is "ip"; a JSON number with no fraction or exponent is "int".
const (
	FieldString = "string"
	FieldInt    = "int"
	FieldFloat  = "float"
	FieldBool   = "bool"
	FieldTime   = "time"
	FieldIP     = "ip"
	FieldNull   = "null"
)

// FieldInfo describes one dotted leaf path of the stored events (array
// elements transparent: "a.b" for the members b of the elements of array a).
type FieldInfo struct {
	Path  string
	Types []string // FieldString ... FieldNull, those seen, in that order
	// Rows counts events having the path. A replaced event counts again, so
	// after updates it can exceed the live events having it.
	Rows int64
	// Distinct is an approximate count of distinct values (a HyperLogLog,
	// a few percent off); -1 when not kept (paths past the first few
	// thousand).
	Distinct            int64
	FirstSeen, LastSeen time.Time // the created_at range of the events having it
}

// FieldCatalog is the immutable, sorted list of the stored events' fields.
// Complete is false when it may miss paths (more than MaxFieldPaths): then
// nothing can be concluded from a path's absence.
type FieldCatalog struct {
	fields   []FieldInfo // sorted by Path
	Complete bool
}

// NewFieldCatalog builds a catalog from fields (copied and sorted).
func NewFieldCatalog(fields []FieldInfo, complete bool) *FieldCatalog {
	c := &FieldCatalog{fields: slices.Clone(fields), Complete: complete}
	slices.SortFunc(c.fields, func(a, b FieldInfo) int { return strings.Compare(a.Path, b.Path) })
	return c
}

// Len is the number of paths.
func (c *FieldCatalog) Len() int {
	if c == nil {
		return 0
	}
	return len(c.fields)
}

// Fields lists the fields sorted by path; the caller must not change them.
func (c *FieldCatalog) Fields() []FieldInfo {
	if c == nil {
		return nil
	}
	return c.fields
}

// WithPrefix lists the fields whose path starts with prefix, sorted.
func (c *FieldCatalog) WithPrefix(prefix string) []FieldInfo {
	if c == nil {
		return nil
	}
	i, _ := slices.BinarySearchFunc(c.fields, prefix, func(f FieldInfo, p string) int { return strings.Compare(f.Path, p) })
	j := i
	for j < len(c.fields) && strings.HasPrefix(c.fields[j].Path, prefix) {
		j++
	}
	return c.fields[i:j]
}

// Paths lists the paths, sorted.
func (c *FieldCatalog) Paths() []string {
	out := make([]string, 0, c.Len())
	for _, f := range c.Fields() {
		out = append(out, f.Path)
	}
	return out
}

// Lookup returns the field with exactly this path.
func (c *FieldCatalog) Lookup(path string) (FieldInfo, bool) {
	if c == nil {
		return FieldInfo{}, false
	}
	i, ok := slices.BinarySearchFunc(c.fields, path, func(f FieldInfo, p string) int { return strings.Compare(f.Path, p) })
	if !ok {
		return FieldInfo{}, false
	}
	return c.fields[i], true
}

// Has reports whether some stored event has the path as a leaf or as an
// object holding leaves; filters may index arrays ("raw.events.0.name"),
// catalog paths never do.
func (c *FieldCatalog) Has(path string) bool {
	for _, p := range []string{path, withoutIndexes(path)} {
		if _, ok := c.Lookup(p); ok || len(c.WithPrefix(p+".")) > 0 {
			return true
		}
	}
	return false
}

// Suggest returns the path closest to path within a small edit distance, or "".
func (c *FieldCatalog) Suggest(path string) string {
	return query.Closest(path, c.Paths())
}

// HasField implements query.FieldSource. An incomplete catalog accepts every
// path: refusing a field some event has is worse than letting a typo match
// nothing (FilterWarnings says nothing then either).
func (c *FieldCatalog) HasField(path string) (ok, boolean bool) {
	if c == nil {
		return false, false
	}
	for _, p := range []string{path, withoutIndexes(path)} {
		if f, found := c.Lookup(p); found {
			return true, slices.Contains(f.Types, FieldBool)
		}
	}
	if c.Has(path) {
		return true, false
	}
	return !c.Complete, false
}

// FieldNames implements query.FieldSource.
func (c *FieldCatalog) FieldNames() []string { return c.Paths() }
