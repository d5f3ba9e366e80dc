package core

import (
	"fmt"
	"strconv"
	"time"

	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/core/render"
)

// Keeping says where the value of a built-in field lives, which decides how
// the store and the engine read and filter it.
type Keeping uint8

// The places a built-in field's value can live.
const (
	KeptInRaw     Keeping = iota // no typed column: read from the blocks' field columns (or the JSON)
	KeptAsTime                   // the store's time column (created_at); blocks are sorted by it
	KeptAsID                     // the store's event id column, with its bloom filters and index
	KeptAsDict                   // a dictionary-encoded string column of the store
	KeptAsTri                    // a tri-state boolean column of the store (true, false, null/absent)
	KeptAsDerived                // computed from another column, in no event (created_hour)
	KeptBeside                   // kept beside the event, not in it: the triage state
)

// StoreColumn reports whether the store keeps the field as a column of its
// own, extracted at ingest.
func (k Keeping) StoreColumn() bool { return k >= KeptAsTime && k <= KeptAsTri }

// BuiltinField is one field auditdeck knows by name: its filter type, its
// column heading, where its value lives and how to read it from an Activity
// without the raw JSON. BuiltinFields is the one list of them; the filter
// schema, the default export columns, the export cell readers, the store's
// column lookup and the TUI's export columns are all derived from it.
type BuiltinField struct {
	Path       string          // dotted path, as in filters
	Type       query.FieldType // never TypeDynamic
	Enum       []string        // if set, the only values a filter accepts
	Default    string          // value of a missing field, when HasDefault
	HasDefault bool
	Label      string // heading of the field's export column; "" for fields no default view shows
	// Words name the field for readers of reports who do not read filters
	// ("user"); TrueWords and FalseWords say what a boolean being true or
	// false means ("operation failed").
	Words                 string
	TrueWords, FalseWords string
	Kept                  Keeping

	// One accessor is set for every field not KeptInRaw. String and Tri read
	// the extracted fields (the store calls them at ingest); Time and Number
	// read the Activity; Text, when set, is the cell text in place of the
	// one derived from the others.
	String func(*ActivityFields) string // KeptAsID, KeptAsDict; "" is missing
	Tri    func(*ActivityFields) Tri    // KeptAsTri
	Time   func(*Activity) (ns int64, ok bool)
	Number func(*Activity) float64
	Text   func(*Activity) string
}

// BuiltinFields are the Cloudlock activity's known fields (seed 003) plus
// auditdeck's derived hour and triage state, in the order completion and
// docs list them. Adding a built-in field is one entry here (and, when the
// store keeps it as a column, one store column).
var BuiltinFields = []BuiltinField{
	{Path: "event_id", Type: query.TypeString, Words: "event ID", Label: "Event ID", Kept: KeptAsID, String: func(f *ActivityFields) string { return f.EventID }},
	{Path: "client_ip", Type: query.TypeString, Words: "client IP", Label: "Client IP", Kept: KeptAsDict, String: func(f *ActivityFields) string { return f.ClientIP }},
	{Path: "event_type", Type: query.TypeString, Words: "event type", Label: "Type", Kept: KeptAsDict, String: func(f *ActivityFields) string { return f.EventType }},
	{Path: "created_at", Type: query.TypeTime, Words: "time", Label: "Time", Kept: KeptAsTime, Time: func(a *Activity) (int64, bool) { return a.CreatedAt, true }},
	// The UTC hour (0-23) of created_at.
	{Path: "created_hour", Type: query.TypeNumber, Words: "hour of the day (UTC)", Kept: KeptAsDerived, Number: func(a *Activity) float64 { return float64(a.Time().Hour()) }},
	{Path: "operation_successful", Type: query.TypeBool, TrueWords: "operation succeeded", FalseWords: "operation failed", Label: "Successful", Kept: KeptAsTri, Tri: func(f *ActivityFields) Tri { return f.Successful }},
	{Path: "event_category", Type: query.TypeString, Words: "event category"},
	{Path: "origin_id", Type: query.TypeString, Words: "origin ID"},
	{Path: "user_agent", Type: query.TypeString, Words: "user agent"},
	{Path: "user.user_email", Type: query.TypeString, Words: "user", Label: "User", Kept: KeptAsDict, String: func(f *ActivityFields) string { return f.UserEmail }},
	{Path: "user.vendor_id", Type: query.TypeString, Words: "user's vendor ID"},
	{Path: "vendor.name", Type: query.TypeString, Words: "vendor", Label: "Vendor", Kept: KeptAsDict, String: func(f *ActivityFields) string { return f.VendorName }},
	{Path: "vendor.service", Type: query.TypeString, Words: "service", Label: "Service", Kept: KeptAsDict, String: func(f *ActivityFields) string { return f.VendorService }},
	{Path: "client_location.lat", Type: query.TypeNumber, Words: "latitude"},
	{Path: "client_location.lng", Type: query.TypeNumber, Words: "longitude"},
	{Path: "client_location.country.code", Type: query.TypeString, Words: "country", Label: "Country", Kept: KeptAsDict, String: func(f *ActivityFields) string { return f.Country }},
	{Path: "client_location.country.name", Type: query.TypeString, Words: "country name"},
	{Path: "client_location.region.code", Type: query.TypeString, Words: "region"},
	{Path: "client_location.region.name", Type: query.TypeString, Words: "region name"},
	{Path: "client_location.city", Type: query.TypeString, Words: "city"},
	{Path: "extra.auth.auth_type", Type: query.TypeString, Words: "authentication type"},
	{Path: "extra.auth.is_suspicious", Type: query.TypeBool, TrueWords: "authentication is suspicious", FalseWords: "authentication is not suspicious", Label: "Suspicious", Kept: KeptAsTri, Tri: func(f *ActivityFields) Tri { return f.Suspicious }},
	{Path: "triage.state", Type: query.TypeString, Words: "triage state", Enum: []string{string(StateNew), string(StateReviewed), string(StateEscalated), string(StateDismissed)},
		Default: string(StateNew), HasDefault: true, Label: "Triage", Kept: KeptBeside, Text: func(a *Activity) string { return string(a.StateOf()) }},
	{Path: "triage.note", Type: query.TypeString, Words: "triage note", Kept: KeptBeside, Text: func(a *Activity) string {
		if a.Triage == nil {
			return ""
		}
		return a.Triage.Note
	}},
	{Path: "triage.by", Type: query.TypeString, Words: "triaged by", Kept: KeptBeside, Text: func(a *Activity) string {
		if a.Triage == nil {
			return ""
		}
		return a.Triage.By
	}},
	{Path: "triage.at", Type: query.TypeTime, Words: "triage time", Kept: KeptBeside, Time: func(a *Activity) (int64, bool) {
		if a.Triage == nil {
			return 0, false
		}
		return a.Triage.At.UnixNano(), true
	}, Text: func(a *Activity) string {
		if a.Triage == nil || a.Triage.At.IsZero() {
			return ""
		}
		return a.Triage.At.UTC().Format(time.RFC3339Nano)
	}},
}

// activityOpenObjects are the top-level objects beneath which any path is a
// dynamic field; triage is closed.
var activityOpenObjects = []string{"raw", "extra", "user", "vendor", "client_location"}

// defaultExportFields are the fields of an activity export when the request
// names no columns, in order; their headings are the registry's labels.
var defaultExportFields = []string{"created_at", "event_id", "event_type", "user.user_email", "client_ip",
	"client_location.country.code", "vendor.name", "vendor.service", "operation_successful", "extra.auth.is_suspicious", "triage.state"}

// builtinByPath indexes BuiltinFields.
var builtinByPath = indexBuiltins(BuiltinFields)

// ActivitySchema is the filter schema of activities: the built-in fields
// with their types, and the open objects.
var ActivitySchema = query.NewSchema(schemaFields(BuiltinFields), activityOpenObjects...)

// Builtin returns the built-in field of a path.
func Builtin(path string) (*BuiltinField, bool) {
	f, ok := builtinByPath[path]
	return f, ok
}

// BuiltinLabel is the heading of a field's export column: the registry's
// label, or the path itself for a field that has none.
func BuiltinLabel(path string) string {
	if f, ok := builtinByPath[path]; ok && f.Label != "" {
		return f.Label
	}
	return path
}

// indexBuiltins checks the registry's entries, once at start-up, so that a
// field with no accessor, or one that does not fit how it is kept, fails
// every test instead of reading as empty.
func indexBuiltins(fields []BuiltinField) map[string]*BuiltinField {
	m := make(map[string]*BuiltinField, len(fields))
	for i := range fields {
		f := &fields[i]
		if _, dup := m[f.Path]; dup {
			panic(fmt.Sprintf("builtin field %q: listed twice", f.Path))
		}
		if err := f.check(); err != nil {
			panic(fmt.Sprintf("builtin field %q: %v", f.Path, err))
		}
		m[f.Path] = f
	}
	return m
}

func (f *BuiltinField) check() error {
	accessors := 0
	for _, set := range []bool{f.String != nil, f.Tri != nil, f.Time != nil, f.Number != nil} {
		if set {
			accessors++
		}
	}
	want := map[Keeping]func() bool{
		KeptInRaw:     func() bool { return accessors == 0 && f.Text == nil },
		KeptAsTime:    func() bool { return f.Type == query.TypeTime && f.Time != nil && accessors == 1 },
		KeptAsID:      func() bool { return f.Type == query.TypeString && f.String != nil && accessors == 1 },
		KeptAsDict:    func() bool { return f.Type == query.TypeString && f.String != nil && accessors == 1 },
		KeptAsTri:     func() bool { return f.Type == query.TypeBool && f.Tri != nil && accessors == 1 },
		KeptAsDerived: func() bool { return accessors == 1 },
		KeptBeside:    func() bool { return accessors <= 1 && (accessors == 1 || f.Text != nil) },
	}[f.Kept]
	if want == nil || !want() {
		return fmt.Errorf("type %s kept as %d: accessors do not fit", f.Type, f.Kept)
	}
	if f.Type == query.TypeTime && f.Kept != KeptInRaw && f.Time == nil || f.Type == query.TypeNumber && f.Kept != KeptInRaw && f.Number == nil {
		return fmt.Errorf("type %s needs its typed accessor", f.Type)
	}
	return nil
}

func schemaFields(fields []BuiltinField) []query.FieldSpec {
	out := make([]query.FieldSpec, len(fields))
	for i, f := range fields {
		out[i] = query.FieldSpec{Path: f.Path, Type: f.Type, Enum: f.Enum, Default: f.Default, HasDefault: f.HasDefault,
			Words: f.Words, TrueWords: f.TrueWords, FalseWords: f.FalseWords}
	}
	return out
}

// FromColumns reports whether the field's value is read from the Activity
// (its columns, the derived hour or triage), with no raw JSON.
func (f *BuiltinField) FromColumns() bool { return f.Kept != KeptInRaw }

// CellText is the field's text in an output cell: strings as they are,
// booleans as true/false ("" when null or absent), times as
// 2006-01-02T15:04:05.000Z, numbers as JSON writes them. It must not be
// called for a KeptInRaw field.
func (f *BuiltinField) CellText(a *Activity) string {
	switch {
	case f.Text != nil:
		return f.Text(a)
	case f.String != nil:
		return f.String(&a.ActivityFields)
	case f.Tri != nil:
		return triText(f.Tri(&a.ActivityFields))
	case f.Time != nil:
		if ns, ok := f.Time(a); ok {
			return formatTime(ns)
		}
		return ""
	case f.Number != nil:
		return strconv.FormatFloat(f.Number(a), 'f', -1, 64)
	}
	panic("builtin field " + f.Path + " is read from the raw JSON")
}

// labelledColumns are the render columns of fields, headed by their labels.
func labelledColumns(fields []string) []render.Column {
	out := make([]render.Column, len(fields))
	for i, p := range fields {
		f, ok := Builtin(p)
		if !ok || f.Label == "" {
			panic(fmt.Sprintf("default column %q: not a built-in field with a label", p))
		}
		out[i] = render.Column{Field: p, Label: f.Label}
	}
	return out
}
