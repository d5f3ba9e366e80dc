package query

import (
	"slices"
	"strings"
)

// FieldType is the type a schema gives a field; it decides how filter
// arguments are parsed and compared.
type FieldType int

const (
	TypeString  FieldType = iota // text; gt/lt compare bytewise
	TypeBool                     // true/false; eq, ne, in, isnull and the bare form only
	TypeNumber                   // float64
	TypeTime                     // RFC 3339 strings in documents; args also take dates, now and -24h
	TypeDynamic                  // anything under an open object (raw.*): compared by the JSON value's own type
)

func (t FieldType) String() string {
	switch t {
	case TypeString:
		return "string"
	case TypeBool:
		return "boolean"
	case TypeNumber:
		return "number"
	case TypeTime:
		return "time"
	case TypeDynamic:
		return "dynamic"
	}
	return "FieldType(?)"
}

// FieldSpec declares one known field of a Schema.
type FieldSpec struct {
	Path       string    // dotted path, e.g. "client_location.country.code"
	Type       FieldType // never TypeDynamic
	Enum       []string  // if set, the only values eq, ne, in and iin accept
	Default    string    // value a missing field takes, when HasDefault
	HasDefault bool
	// Words is the field's everyday name in a described filter ("user");
	// "" spells the path out. TrueWords and FalseWords say what a boolean
	// field being true or false means ("operation failed").
	Words                 string
	TrueWords, FalseWords string
}

// Schema lists the known fields of a document type with their types, and the
// top-level names that are open objects: any path beneath an open object that
// is not a known field is TypeDynamic. Any other unknown name is an error, which
// catches typos. A Schema is immutable once built and safe for concurrent use.
type Schema struct {
	fields map[string]*FieldSpec
	order  []string
	open   map[string]bool
	stored FieldSource // fields the stored documents have; nil: none beyond the declared ones
}

// FieldSource tells a Schema which undeclared paths stored documents have
// (core's field catalog), so that filters on them are valid everywhere.
type FieldSource interface {
	// HasField reports whether documents have path (or an object holding
	// it), and whether its values are booleans: only then does the bare
	// form test it, else a bare word keeps searching the text.
	HasField(path string) (ok, boolean bool)
	// FieldNames lists the paths, for did-you-mean suggestions.
	FieldNames() []string
}

// WithFields returns a copy of s that also accepts, as TypeDynamic, the
// paths src has.
func (s *Schema) WithFields(src FieldSource) *Schema {
	c := *s
	c.stored = src
	return &c
}

// NewSchema builds a schema from known fields and open top-level object names.
func NewSchema(fields []FieldSpec, open ...string) *Schema {
	s := &Schema{fields: make(map[string]*FieldSpec, len(fields)), open: make(map[string]bool, len(open))}
	for i := range fields {
		f := fields[i]
		f.Enum = slices.Clone(f.Enum)
		s.fields[f.Path] = &f
		s.order = append(s.order, f.Path)
	}
	for _, o := range open {
		s.open[o] = true
	}
	return s
}

// Lookup returns the type of a field path: its declared type when known,
// TypeDynamic beneath an open object, else a *FieldError (Pos -1) such as
// `unknown field "event_typ"; did you mean "event_type"?`. A nil schema
// knows nothing and accepts every field as TypeDynamic.
func (s *Schema) Lookup(field string) (FieldType, error) {
	if s == nil {
		return TypeDynamic, nil
	}
	if f, ok := s.fields[field]; ok {
		return f.Type, nil
	}
	top, _, _ := strings.Cut(field, ".")
	if s.open[top] {
		return TypeDynamic, nil
	}
	if s.stored != nil {
		if ok, _ := s.stored.HasField(field); ok {
			return TypeDynamic, nil
		}
	}
	msg := msgUnknownField
	if sug := s.suggest(field); sug != "" {
		msg += `; did you mean "` + sug + `"?`
	}
	return 0, &FieldError{Pos: -1, Field: field, Msg: msg}
}

// Default returns the value a missing field takes ("triage.state" -> "new").
func (s *Schema) Default(field string) (string, bool) {
	if s == nil {
		return "", false
	}
	if f, ok := s.fields[field]; ok && f.HasDefault {
		return f.Default, true
	}
	return "", false
}

// Enum returns the allowed values of a field, or nil when any value goes.
func (s *Schema) Enum(field string) []string {
	if s == nil {
		return nil
	}
	if f, ok := s.fields[field]; ok {
		return slices.Clone(f.Enum)
	}
	return nil
}

// Fields lists the known field paths in declaration order (for completion
// and docs). Paths beneath open objects are not listed; see OpenObjects.
func (s *Schema) Fields() []string {
	if s == nil {
		return nil
	}
	return slices.Clone(s.order)
}

// OpenObjects lists the top-level names beneath which any path is accepted
// as TypeDynamic, sorted.
func (s *Schema) OpenObjects() []string {
	if s == nil {
		return nil
	}
	out := make([]string, 0, len(s.open))
	for k := range s.open {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// lookupTerm is Lookup for a term: a bare word on a stored field that is not
// boolean stays a text search (an error here), so that "admin" does not
// change meaning when some event grows a top-level "admin" string.
func (s *Schema) lookupTerm(t Term) (FieldType, error) {
	typ, err := s.Lookup(t.Field)
	if err != nil || t.Op != OpTrue || s == nil || s.stored == nil || s.fields[t.Field] != nil {
		return typ, err
	}
	if top, _, _ := strings.Cut(t.Field, "."); s.open[top] {
		return typ, nil
	}
	if _, boolean := s.stored.HasField(t.Field); !boolean {
		return 0, &FieldError{Pos: -1, Field: t.Field, Msg: msgUnknownField}
	}
	return typ, nil
}

func (s *Schema) spec(field string) *FieldSpec {
	if s == nil {
		return nil
	}
	return s.fields[field]
}

// Suggest returns the known field or open object name closest to field, if
// it is within a small edit distance, else "".
func (s *Schema) Suggest(field string) string {
	if s == nil {
		return ""
	}
	return s.suggest(field)
}

// Closest returns the candidate closest to field within a small edit
// distance (2, or 1 for names of up to 4 bytes), else "".
func Closest(field string, candidates []string) string {
	best, bestD := "", 3
	if len(field) <= 4 {
		bestD = 2
	}
	for _, c := range candidates {
		if c == field {
			continue
		}
		if d := editDistance(field, c, bestD); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// suggest returns the known field or open object name closest to field, if
// it is within a small edit distance.
func (s *Schema) suggest(field string) string {
	best, bestD := "", 3
	if len(field) <= 4 {
		bestD = 2
	}
	try := func(c string) {
		if d := editDistance(field, c, bestD); d < bestD {
			best, bestD = c, d
		}
	}
	for _, c := range s.order {
		try(c)
	}
	if s.stored != nil {
		for _, c := range s.stored.FieldNames() {
			try(c)
		}
	}
	for _, c := range s.OpenObjects() {
		try(c)
		// "raww.x" -> "raw.x"
		if _, rest, ok := strings.Cut(field, "."); ok {
			if d := editDistance(field, c+"."+rest, bestD); d < bestD {
				best, bestD = c+"."+rest, d
			}
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, or limit when it is at
// least limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}
