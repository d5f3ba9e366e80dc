package query

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SyntaxError is a parse error in a DSL filter, a JSON filter or a query_order.
//
// Pos is the 0-based byte offset into the parsed text. Expected says what the
// parser was looking for and Found what it saw instead, both ready to print:
// Found is a Go-quoted token (`"x"`) or the words `end of input`.
type SyntaxError struct {
	Pos      int
	Expected string
	Found    string
}

// Error renders `filter: at position 12: expected "(" or ",", found "x"`.
func (e *SyntaxError) Error() string {
	return "filter: " + e.detail()
}

// detail is the message without the "filter: " prefix.
func (e *SyntaxError) detail() string {
	return fmt.Sprintf("at position %d: expected %s, found %s", e.Pos, e.Expected, e.Found)
}

// ParamError is a bad URL parameter (Cloudlock or HSS). When the parameter is
// the "filter" DSL, Msg keeps the position of the underlying SyntaxError and
// errors.As can reach that *SyntaxError through Unwrap.
type ParamError struct {
	Param string
	Msg   string

	err error // the wrapped error, if any
}

// Error renders `parameter "begin_time": ...`.
func (e *ParamError) Error() string {
	return fmt.Sprintf("parameter %q: %s", e.Param, e.Msg)
}

// Unwrap returns the wrapped *SyntaxError for the "filter" parameter, else nil.
func (e *ParamError) Unwrap() error { return e.err }

// FieldError is a compile error: an unknown field, an operator that does not
// apply to the field's type, or an argument of the wrong type. Pos is the byte
// offset of the term in the DSL text (Term.Pos), or -1 when unknown.
type FieldError struct {
	Pos   int
	Field string
	Msg   string
}

// msgUnknownField starts the Msg of an unknown-field FieldError; Error renders
// such errors as `unknown field "x"` followed by the rest of Msg (a suggestion).
const msgUnknownField = "unknown field"

// Error renders `filter: at position 4: field "operation_successful": expected
// true or false, found "maybe"`, or `filter: unknown field "event_typ"; did you
// mean "event_type"?`. "at position" is omitted when Pos < 0.
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString("filter: ")
	if e.Pos >= 0 {
		b.WriteString("at position ")
		b.WriteString(strconv.Itoa(e.Pos))
		b.WriteString(": ")
	}
	if rest, ok := strings.CutPrefix(e.Msg, msgUnknownField); ok {
		b.WriteString(msgUnknownField)
		b.WriteString(" ")
		b.WriteString(strconv.Quote(e.Field))
		b.WriteString(rest)
		return b.String()
	}
	b.WriteString("field ")
	b.WriteString(strconv.Quote(e.Field))
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

const endOfInput = "end of input"

// foundAt describes the character of s at byte offset i for a SyntaxError.
func foundAt(s string, i int) string {
	if i >= len(s) {
		return endOfInput
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return strconv.Quote(s[i : i+n])
}

// quoteToken quotes a token for a SyntaxError, shortening long ones.
func quoteToken(tok string) string {
	const max = 40
	if len(tok) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(tok[cut]) {
			cut--
		}
		return strconv.Quote(tok[:cut]) + "..."
	}
	return strconv.Quote(tok)
}
