package core

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/auditdeck/auditdeck/core/query"
)

// derivedFields have no member in the stored events: they are computed or
// kept beside them.
func derivedField(field string) bool {
	return field == "created_hour" || strings.HasPrefix(field, "triage.")
}

// FilterWarnings explains terms of f that look like mistakes, from the
// fields the stored events actually have: a field that no event has
// (`no event has field "extra.auth.is_suspcious"; did you mean
// "extra.auth.is_suspicious"?`), and a bare word searched as text that is
// close to a field's name. It returns nothing when the store's field catalog
// is incomplete or the store is empty, since absence then proves nothing.
func (e *Engine) FilterWarnings(ctx context.Context, f query.Filter) []string {
	var out []string
	seen := map[string]bool{}
	var set *FieldCatalog
	loaded := false
	for _, t := range f.Terms {
		if seen[t.Field] || derivedField(t.Field) {
			continue
		}
		seen[t.Field] = true
		if !loaded {
			loaded = true
			if c, err := e.fieldPaths().Fields(ctx); err == nil && c.Complete && c.Len() > 0 {
				set = c
			}
		}
		schema := ActivitySchema
		if set != nil {
			schema = schema.WithFields(set)
		}
		if query.IsTextSearch(t, schema) {
			if sug := schema.Suggest(t.Field); sug != "" {
				out = append(out, strconv.Quote(t.Field)+" is not a field, so it searches the text of the events; did you mean the field "+strconv.Quote(sug)+"?")
			}
			continue
		}
		if set == nil || set.Has(t.Field) || set.Has(withoutIndexes(t.Field)) {
			continue
		}
		w := "no event has field " + strconv.Quote(t.Field)
		if sug := set.Suggest(t.Field); sug != "" {
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
