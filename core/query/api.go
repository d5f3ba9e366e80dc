// Package query holds auditdeck's one filter AST, its three parsers (the DSL,
// the Clumio JSON filter and URL parameters), query_order, and the compiled
// predicates that the store evaluates against columns and raw JSON.
package query

// Op is a filter operator of the DSL.
type Op string

// The DSL operators. OpTrue is a bare field ("retention_locked"): the field is boolean true.
const (
	OpTrue      Op = ""
	OpEq        Op = "eq"
	OpNe        Op = "ne"
	OpGt        Op = "gt"
	OpGe        Op = "ge"
	OpLt        Op = "lt"
	OpLe        Op = "le"
	OpIn        Op = "in"
	OpIin       Op = "iin"
	OpContains  Op = "contains"
	OpIcontains Op = "icontains"
	OpIsNull    Op = "isnull"
)

// Term is one conjunct: [!]field.op(args) or [!]field.
type Term struct {
	Field  string   // dotted path, e.g. "client_location.country.code"
	Op     Op       // OpTrue for a bare field
	Args   []string // decoded argument text (percent-decoding already applied)
	Negate bool
	// Pos is the byte offset of the term in the DSL text it was parsed from
	// (-1 when the term came from JSON or URL parameters). Ignored by Equal.
	Pos int
}

// Filter is a conjunction of terms; no terms matches everything.
type Filter struct {
	Terms []Term
}

// OrderKey is one query_order field; Desc for a leading "!".
type OrderKey struct {
	Field string
	Desc  bool
}

// Order is a parsed query_order.
type Order []OrderKey
