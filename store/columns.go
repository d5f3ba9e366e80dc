package store

import (
	"fmt"

	"github.com/auditdeck/auditdeck/core"
)

// fieldColumns names the built-in field (core.BuiltinFields) each field
// column of a block holds. It is the store's only list of field names: the
// planner's field->column lookup, the values encoded at ingest and the
// check below are derived from it and the registry. A field the registry
// says the store keeps needs one column here and one in the column enum.
var fieldColumns = []struct {
	col  column
	path string
}{
	{colTime, "created_at"},
	{colID, "event_id"},
	{colEventType, "event_type"},
	{colUser, "user.user_email"},
	{colIP, "client_ip"},
	{colVendor, "vendor.name"},
	{colService, "vendor.service"},
	{colCountry, "client_location.country.code"},
	{colSuccessful, "operation_successful"},
	{colSuspicious, "extra.auth.is_suspicious"},
}

// columnLookup is what the planner and the block encoder need from the
// registry, resolved once.
type columnLookup struct {
	// of maps a filter field to its dictionary or tri-state column (time
	// and id have planner paths of their own).
	of map[string]column
	// field is the registry entry of each field column.
	field [numColumns]*core.BuiltinField
	// triage are the fields kept beside events, in the triage index.
	triage map[string]bool
}

var registryColumns = mustColumnLookup(core.BuiltinFields)

var (
	columnOf     = registryColumns.of
	triageFields = registryColumns.triage
)

func mustColumnLookup(registry []core.BuiltinField) *columnLookup {
	l, err := newColumnLookup(registry)
	if err != nil {
		panic("store: " + err.Error())
	}
	return l
}

// newColumnLookup builds the lookup and checks that the store and the
// registry agree: every field the registry says the store keeps has a
// column of the kind the registry says, and every column holds such a field.
func newColumnLookup(registry []core.BuiltinField) (*columnLookup, error) {
	l := &columnLookup{of: map[string]column{}, triage: map[string]bool{}}
	byPath := make(map[string]*core.BuiltinField, len(registry))
	for i := range registry {
		f := &registry[i]
		byPath[f.Path] = f
		if f.Kept == core.KeptBeside {
			l.triage[f.Path] = true
		}
	}
	held := map[string]bool{}
	for _, fc := range fieldColumns {
		f, ok := byPath[fc.path]
		if !ok {
			return nil, fmt.Errorf("column %d holds %q, which is not a built-in field", fc.col, fc.path)
		}
		if want := columnKeeping(fc.col); f.Kept != want {
			return nil, fmt.Errorf("column %d holds %q, which the registry keeps as %d, not %d", fc.col, fc.path, f.Kept, want)
		}
		if l.field[fc.col] != nil || held[fc.path] {
			return nil, fmt.Errorf("column %d or field %q listed twice", fc.col, fc.path)
		}
		l.field[fc.col], held[fc.path] = f, true
		if fc.col.isDict() || fc.col.isTri() {
			l.of[fc.path] = fc.col
		}
	}
	for _, f := range registry {
		if f.Kept.StoreColumn() && !held[f.Path] {
			return nil, fmt.Errorf("the registry keeps %q as a store column, but no column holds it", f.Path)
		}
	}
	for c := colEventType; c <= colSuspicious; c++ {
		if l.field[c] == nil {
			return nil, fmt.Errorf("column %d holds no field", c)
		}
	}
	return l, nil
}

// columnKeeping is how the registry must keep the field of a column.
func columnKeeping(c column) core.Keeping {
	switch {
	case c == colTime:
		return core.KeptAsTime
	case c == colID:
		return core.KeptAsID
	case c.isDict():
		return core.KeptAsDict
	case c.isTri():
		return core.KeptAsTri
	}
	return core.KeptInRaw // no field column: never matches a stored field
}
