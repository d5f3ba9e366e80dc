package core

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/auditdeck/auditdeck/core/query"
)

// MaxFieldPaths bounds a store's FieldPathSet: past it the set stops growing
// and is marked incomplete, so that events with generated member names (ids
// as keys) cannot grow it without end.
const MaxFieldPaths = 20000

// FieldPathSet is the set of dotted member paths (array elements
// transparent, as in filters) of the events in a store. It is immutable.
// Complete is false when the set may miss paths: more than MaxFieldPaths, or
// events stored before paths were recorded. Then nothing can be concluded
// from a path's absence.
type FieldPathSet struct {
	paths    map[string]struct{}
	Complete bool
}

// NewFieldPathSet builds a set from paths.
func NewFieldPathSet(paths []string, complete bool) *FieldPathSet {
	s := &FieldPathSet{paths: make(map[string]struct{}, len(paths)), Complete: complete}
	for _, p := range paths {
		s.paths[p] = struct{}{}
	}
	return s
}

// Has reports whether some stored event has the path.
func (s *FieldPathSet) Has(path string) bool {
	_, ok := s.paths[path]
	return ok
}

// Len is the number of paths.
func (s *FieldPathSet) Len() int { return len(s.paths) }

// Paths lists the paths, sorted.
func (s *FieldPathSet) Paths() []string {
	out := make([]string, 0, len(s.paths))
	for p := range s.paths {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// With returns the set with paths added (s itself when nothing changes);
// past MaxFieldPaths, or with overflow, the result is incomplete.
func (s *FieldPathSet) With(paths []string, overflow bool) *FieldPathSet {
	var add []string
	for _, p := range paths {
		if !s.Has(p) {
			add = append(add, p)
		}
	}
	complete := s.Complete && !overflow && len(s.paths)+len(add) <= MaxFieldPaths
	if len(add) == 0 && complete == s.Complete {
		return s
	}
	n := &FieldPathSet{paths: make(map[string]struct{}, len(s.paths)+len(add)), Complete: complete}
	for p := range s.paths {
		n.paths[p] = struct{}{}
	}
	for _, p := range add {
		if len(n.paths) >= MaxFieldPaths {
			break
		}
		n.paths[p] = struct{}{}
	}
	return n
}

// derivedFields have no member in the stored events: they are computed or
// kept beside them.
func derivedField(field string) bool {
	return field == "created_hour" || strings.HasPrefix(field, "triage.")
}

// FilterWarnings explains terms of f that look like mistakes, from the
// fields the stored events actually have: a field that no event has
// (`no event has field "extra.auth.is_suspcious"; did you mean
// "extra.auth.is_suspicious"?`), and a bare word searched as text that is
// close to a field's name. It returns nothing when the store's set of paths
// is incomplete or the store is empty, since absence then proves nothing.
func (e *Engine) FilterWarnings(ctx context.Context, f query.Filter) []string {
	var out []string
	seen := map[string]bool{}
	var set *FieldPathSet
	loaded := false
	for _, t := range f.Terms {
		if seen[t.Field] || derivedField(t.Field) {
			continue
		}
		seen[t.Field] = true
		if query.IsTextSearch(t, ActivitySchema) {
			if sug := ActivitySchema.Suggest(t.Field); sug != "" {
				out = append(out, strconv.Quote(t.Field)+" is not a field, so it searches the text of the events; did you mean the field "+strconv.Quote(sug)+"?")
			}
			continue
		}
		if !loaded {
			loaded = true
			if s, err := e.store.FieldPaths(ctx); err == nil && s.Complete && s.Len() > 0 {
				set = s
			}
		}
		if set == nil || set.Has(t.Field) || set.Has(withoutIndexes(t.Field)) {
			continue
		}
		w := "no event has field " + strconv.Quote(t.Field)
		if sug := query.Closest(t.Field, set.Paths()); sug != "" {
			w += "; did you mean " + strconv.Quote(sug) + "?"
		}
		out = append(out, w)
	}
	return out
}

// withoutIndexes drops the all-digit segments of a path, which filters may
// use to index arrays ("raw.events.0.name"); stored paths have none.
func withoutIndexes(path string) string {
	segs := strings.Split(path, ".")
	segs = slices.DeleteFunc(segs, func(s string) bool {
		if s == "" {
			return false
		}
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	})
	return strings.Join(segs, ".")
}
