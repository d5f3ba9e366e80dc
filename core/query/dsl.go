package query

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The DSL grammar (stored in query_filter, typed in the TUI):
//
//	filter = ws [ term { ws "," ws term } ] ws
//	term   = [ "!" ] field [ "(" [ arg { "," arg } ] ")" ]
//	field  = segment { "." segment }          segment = 1*( A-Z a-z 0-9 _ @ $ - )
//	arg    = raw text up to "," or ")", trimmed of white space, then percent-decoded
//
// When a field is followed by "(", its last segment is the operator. White
// space (space, tab, CR, LF) is allowed around terms and arguments only.

// opNames lists the operators in the order error messages name them.
var opNames = []Op{OpEq, OpNe, OpGt, OpGe, OpLt, OpLe, OpIn, OpIin, OpContains, OpIcontains, OpIsNull}

const expectedOps = "one of eq, ne, gt, ge, lt, le, in, iin, contains, icontains, isnull"

// opArity returns the minimum and maximum argument counts of op (max -1 means
// unbounded) and whether op is a known operator.
func opArity(op Op) (min, max int, ok bool) {
	switch op {
	case OpTrue, OpIsNull:
		return 0, 0, true
	case OpEq, OpNe, OpGt, OpGe, OpLt, OpLe:
		return 1, 1, true
	case OpIn, OpIin, OpContains, OpIcontains:
		return 1, -1, true
	}
	return 0, 0, false
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isFieldChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '@' || c == '$' || c == '-'
}

// validField reports whether f is a dotted path of non-empty segments of the
// field character set.
// ValidField reports whether f can be written as a filter's field: dotted
// segments of letters, digits and _@$- .
func ValidField(f string) bool { return validField(f) }

func validField(f string) bool {
	if f == "" {
		return false
	}
	seg := 0
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case c == '.':
			if seg == 0 {
				return false
			}
			seg = 0
		case isFieldChar(c):
			seg++
		default:
			return false
		}
	}
	return seg > 0
}

func trimWS(s string) string {
	i, j := 0, len(s)
	for i < j && isWS(s[i]) {
		i++
	}
	for j > i && isWS(s[j-1]) {
		j--
	}
	return s[i:j]
}

// ParseDSL parses a filter in the DSL. It checks syntax only (see Compile for
// fields and types). Errors are *SyntaxError with the byte offset into s.
// Empty or all-white-space input is the empty filter.
func ParseDSL(s string) (Filter, error) {
	p := dslParser{s: s}
	p.skipWS()
	if p.i == len(s) {
		return Filter{}, nil
	}
	var terms []Term
	for {
		if s[p.i] == ',' {
			return Filter{}, p.errAt(p.i, "a term")
		}
		if len(terms) == MaxTerms {
			return Filter{}, &SyntaxError{Pos: p.i, Expected: limitTerms, Found: "a " + nth(MaxTerms+1) + " term"}
		}
		t, bare, err := p.term()
		if err != nil {
			return Filter{}, err
		}
		terms = append(terms, t)
		afterTerm := p.i
		p.skipWS()
		if p.i == len(s) {
			return Filter{Terms: terms}, nil
		}
		if s[p.i] != ',' {
			exp := `"," or end of input`
			if bare && p.i == afterTerm {
				// Right after a field segment: a "." or "(" could follow too.
				exp = `".", "(", "," or end of input`
			}
			return Filter{}, p.errAt(p.i, exp)
		}
		p.i++
		p.skipWS()
		if p.i == len(s) {
			return Filter{}, p.errAt(p.i, "a term")
		}
	}
}

type dslParser struct {
	s      string
	i      int
	budget argBudget
}

func (p *dslParser) skipWS() {
	for p.i < len(p.s) && isWS(p.s[p.i]) {
		p.i++
	}
}

func (p *dslParser) errAt(pos int, expected string) *SyntaxError {
	return &SyntaxError{Pos: pos, Expected: expected, Found: foundAt(p.s, pos)}
}

// field reads a dotted field path at p.i. It returns the start offset of the
// last segment.
func (p *dslParser) field() (start, lastSeg int, err error) {
	s := p.s
	start = p.i
	for {
		lastSeg = p.i
		for p.i < len(s) && isFieldChar(s[p.i]) {
			p.i++
		}
		if p.i == lastSeg {
			if lastSeg == start {
				return 0, 0, p.errAt(p.i, "a field")
			}
			return 0, 0, p.errAt(p.i, `a field segment after "."`)
		}
		if p.i < len(s) && s[p.i] == '.' {
			p.i++
			continue
		}
		return start, lastSeg, nil
	}
}

// term parses one term at p.i (no leading white space). bare reports that the
// term is a bare field, so a "." or "(" could have continued it.
func (p *dslParser) term() (t Term, bare bool, err error) {
	s := p.s
	t.Pos = p.i
	if s[p.i] == '!' {
		t.Negate = true
		p.i++
	}
	start, lastSeg, err := p.field()
	if err != nil {
		return Term{}, false, err
	}
	if p.i == len(s) || s[p.i] != '(' {
		t.Field = s[start:p.i]
		t.Op = OpTrue
		if lastSeg > start {
			// "x.isnull" means x.isnull(): it takes no arguments, so the
			// parentheses add nothing. Another operator name at the end
			// lacks its arguments; a field of that name is still reachable
			// as "x.eq.eq(true)".
			switch op := Op(s[lastSeg:p.i]); {
			case op == OpIsNull:
				t.Field, t.Op = s[start:lastSeg-1], OpIsNull
				return t, false, nil
			case slices.Contains(opNames, op):
				return Term{}, false, p.errAt(p.i, `"(" and the arguments of `+string(op)+` (a field named `+strconv.Quote(string(op))+` is tested as `+s[start:p.i]+`.eq(true))`)
			}
		}
		return t, true, nil
	}
	if lastSeg == start {
		// "foo(...)": no operator segment.
		if _, _, ok := opArity(Op(s[start:p.i])); ok {
			return Term{}, false, &SyntaxError{Pos: start, Expected: "a field before the operator", Found: quoteToken(s[start:p.i])}
		}
		return Term{}, false, p.errAt(p.i, `"." and an operator before "("`)
	}
	op := Op(s[lastSeg:p.i])
	min, max, ok := opArity(op)
	if !ok || op == OpTrue {
		return Term{}, false, &SyntaxError{Pos: lastSeg, Expected: expectedOps, Found: quoteToken(string(op))}
	}
	t.Field = s[start : lastSeg-1]
	t.Op = op
	p.i++ // "("
	p.skipWS()
	if p.i < len(s) && s[p.i] == ')' {
		if min > 0 {
			return Term{}, false, p.errAt(p.i, "an argument")
		}
		p.i++
		return t, false, nil
	}
	for {
		argStart := p.i
		j := p.i
		for j < len(s) && s[j] != ',' && s[j] != ')' {
			j++
		}
		raw := trimWS(s[argStart:j])
		if raw == "" {
			if max == 0 {
				return Term{}, false, p.errAt(j, `")"`)
			}
			return Term{}, false, p.errAt(j, "an argument")
		}
		if max == 0 {
			return Term{}, false, &SyntaxError{Pos: argStart, Expected: `")" (` + string(op) + ` takes no arguments)`, Found: quoteToken(raw)}
		}
		if len(t.Args) == MaxArgs {
			return Term{}, false, &SyntaxError{Pos: argStart, Expected: `")" (` + limitArgs + `)`, Found: "a " + nth(MaxArgs+1) + " argument"}
		}
		arg, err := percentDecode(raw, argStart)
		if err != nil {
			return Term{}, false, err
		}
		if !p.budget.add(arg) {
			return Term{}, false, &SyntaxError{Pos: argStart, Expected: limitArgBytes, Found: "an argument past the limit"}
		}
		t.Args = append(t.Args, arg)
		if j == len(s) {
			return Term{}, false, p.errAt(j, `"," or ")"`)
		}
		if s[j] == ')' {
			p.i = j + 1
			return t, false, nil
		}
		// s[j] == ','
		if max > 0 && len(t.Args) >= max {
			return Term{}, false, &SyntaxError{Pos: j, Expected: `")" (` + string(op) + ` takes exactly one argument)`, Found: `","`}
		}
		p.i = j + 1
		p.skipWS()
	}
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// percentDecode decodes %XX escapes in s; base is the offset of s in the
// input, for error positions. s is returned as is when it has no "%".
func percentDecode(s string, base int) (string, error) {
	if strings.IndexByte(s, '%') < 0 {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b = append(b, c)
			continue
		}
		if i+2 >= len(s) {
			return "", &SyntaxError{Pos: base + i, Expected: `two hex digits after "%"`, Found: quoteToken(s[i:])}
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", &SyntaxError{Pos: base + i, Expected: `two hex digits after "%"`, Found: quoteToken(s[i : i+3])}
		}
		b = append(b, hi<<4|lo)
		i += 2
	}
	return string(b), nil
}

const hexDigits = "0123456789ABCDEF"

// appendArg appends arg percent-encoded for the DSL: "%", ",", "(", ")", bytes
// <= 0x20, 0x7f, bytes of invalid UTF-8 and C1 controls are escaped; other
// UTF-8 stays readable.
func appendArg(b []byte, arg string) []byte {
	for i := 0; i < len(arg); {
		c := arg[i]
		if c < utf8.RuneSelf {
			if c <= 0x20 || c == 0x7f || c == '%' || c == ',' || c == '(' || c == ')' {
				b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
			} else {
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(arg[i:])
		if (r == utf8.RuneError && n == 1) || (r >= 0x80 && r <= 0x9f) {
			for k := i; k < i+n; k++ {
				b = append(b, '%', hexDigits[arg[k]>>4], hexDigits[arg[k]&15])
			}
		} else {
			b = append(b, arg[i:i+n]...)
		}
		i += n
	}
	return b
}

func (t Term) appendTo(b []byte) []byte {
	if t.Negate {
		b = append(b, '!')
	}
	b = append(b, t.Field...)
	if t.Op == OpTrue {
		return b
	}
	b = append(b, '.')
	b = append(b, t.Op...)
	b = append(b, '(')
	for i, a := range t.Args {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendArg(b, a)
	}
	return append(b, ')')
}

// String renders the term in canonical DSL.
func (t Term) String() string { return string(t.appendTo(nil)) }

// String renders the filter in canonical DSL: terms joined by "," with no
// spaces and arguments percent-encoded where needed. ParseDSL(f.String())
// is Equal to f for every f that ParseDSL returned.
func (f Filter) String() string {
	var b []byte
	for i, t := range f.Terms {
		if i > 0 {
			b = append(b, ',')
		}
		b = t.appendTo(b)
	}
	return string(b)
}

// Equal reports whether the terms match one for one; Term.Pos is ignored and
// nil and empty argument lists are equal.
func (t Term) Equal(u Term) bool {
	return t.Field == u.Field && t.Op == u.Op && t.Negate == u.Negate && slices.Equal(t.Args, u.Args)
}

// Equal reports whether f and g have equal terms in the same order (Term.Pos
// is ignored).
func (f Filter) Equal(g Filter) bool {
	return slices.EqualFunc(f.Terms, g.Terms, Term.Equal)
}

// And returns the conjunction of f and g: f's terms followed by g's, in a new
// slice.
func (f Filter) And(g Filter) Filter {
	if len(f.Terms)+len(g.Terms) == 0 {
		return Filter{}
	}
	return Filter{Terms: slices.Concat(f.Terms, g.Terms)}
}

// IsEmpty reports whether f has no terms (it matches everything).
func (f Filter) IsEmpty() bool { return len(f.Terms) == 0 }

// GoString helps test failure messages.
func (f Filter) GoString() string { return "query.Filter(" + strconv.Quote(f.String()) + ")" }
