package query

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fastjson"
)

// Compiled is a filter checked against a schema and ready to evaluate. It is
// immutable and safe for concurrent use.
type Compiled struct {
	// Preds are the compiled terms, in filter order; a document matches when
	// every predicate matches.
	Preds []*Pred
}

// Pred is one compiled term. Its Match* methods apply the operator and the
// term's negation to one value of the field, so a caller can evaluate it on a
// column as well as on a whole document.
type Pred struct {
	Term Term      // the source term
	Path []string  // Term.Field split on "."
	Type FieldType // from the schema

	op       Op   // Term.Op, with ne compiled as a negated eq
	neg      bool // apply to the result last
	args     []argVal
	set      map[string]struct{} // eq/in/iin with many args: the texts (lowered for iin)
	index    []int               // per Path segment: its value as an array index, or -1
	def      string              // schema default for a missing value, when hasDef
	hasDef   bool
	needNum  bool // a JSON number must be parsed to compare it
	needText bool // a number must be formatted as text to compare it
	vals     []string
	valsOK   bool
	valsFold bool
	needles  []string
	needOK   bool
	needFold bool
	matcher  *TextMatcher // contains/icontains with several arguments: all in one pass
}

// matcherMin is the argument count from which contains and icontains search
// for all arguments in one pass; below it, one strings.Contains per argument
// (vectorised) is faster.
const matcherMin = 4

// argVal is one argument with its parses precomputed.
type argVal struct {
	text   string
	lower  string // strings.ToLower(text)
	num    float64
	isNum  bool // text is a finite number
	ns     int64
	isTime bool // text is a time (absolute, now or relative), resolved to ns
	// outside: a time beyond the int64 nanosecond range, clamped into ns;
	// as a bound it keeps its meaning, but no value equals it.
	outside bool
}

// Compile checks f against s and precomputes its arguments: relative times
// resolve against now, numbers and times are parsed, case-folded forms are
// lowered. Errors are *FieldError with Pos = Term.Pos. A nil schema treats
// every field as TypeDynamic.
func Compile(f Filter, s *Schema, now time.Time) (*Compiled, error) {
	if err := checkLimits(f); err != nil {
		return nil, err
	}
	nowNs := timeNanos(now)
	c := &Compiled{Preds: make([]*Pred, 0, len(f.Terms))}
	for _, t := range f.Terms {
		p, err := compileTerm(t, s, nowNs)
		if err != nil {
			return nil, err
		}
		c.Preds = append(c.Preds, p)
	}
	return c, nil
}

func opApplies(op Op, typ FieldType) bool {
	switch typ {
	case TypeBool:
		return op == OpTrue || op == OpEq || op == OpNe || op == OpIn || op == OpIsNull
	case TypeNumber, TypeTime:
		switch op {
		case OpEq, OpNe, OpGt, OpGe, OpLt, OpLe, OpIn, OpIsNull:
			return true
		}
		return false
	case TypeString:
		return op != OpTrue
	}
	return true
}

func isOrdered(op Op) bool { return op == OpGt || op == OpGe || op == OpLt || op == OpLe }

func compileTerm(t Term, s *Schema, now int64) (*Pred, error) {
	fail := func(msg string) error { return &FieldError{Pos: t.Pos, Field: t.Field, Msg: msg} }
	if !validField(t.Field) {
		return nil, fail("invalid field name")
	}
	minArgs, maxArgs, ok := opArity(t.Op)
	if !ok {
		return nil, fail("unknown operator " + strconv.Quote(string(t.Op)))
	}
	switch n := len(t.Args); {
	case maxArgs == 0 && n > 0:
		return nil, fail("operator " + opLabel(t.Op) + " takes no arguments")
	case maxArgs == 1 && n != 1:
		return nil, fail("operator " + opLabel(t.Op) + " takes exactly one argument")
	case n < minArgs:
		return nil, fail("operator " + opLabel(t.Op) + " takes at least one argument")
	}
	typ, err := s.lookupTerm(t)
	if err != nil && t.Op == OpTrue {
		return compileTextSearch(t), nil
	}
	if err != nil {
		fe := err.(*FieldError)
		fe.Pos = t.Pos
		return nil, fe
	}
	if t.Op == OpTrue && s != nil && s.open[t.Field] {
		// The open object itself is never a boolean: testing it matched
		// nothing, silently.
		return nil, fail("a bare field tests a boolean, but " + strconv.Quote(t.Field) + " is an object; name a field beneath it (" + t.Field + ".FIELD), or search its text with " + t.Field + ".icontains(...)")
	}
	spec := s.spec(t.Field)
	if !opApplies(t.Op, typ) {
		if t.Op == OpTrue {
			return nil, fail("a bare field tests a boolean, but this is a " + typ.String() + " field; use an operator such as eq(...)")
		}
		return nil, fail("operator " + string(t.Op) + " does not apply to a " + typ.String() + " field")
	}

	p := &Pred{Term: t, Path: strings.Split(t.Field, "."), Type: typ, op: t.Op, neg: t.Negate}
	if t.Op == OpNe {
		p.op, p.neg = OpEq, !t.Negate
	}
	p.index = make([]int, len(p.Path))
	for i, seg := range p.Path {
		p.index[i] = -1
		if n, ok := digits(seg); ok && len(seg) <= 9 {
			p.index[i] = n
		}
	}
	if spec != nil && spec.HasDefault {
		p.def, p.hasDef = spec.Default, true
	}

	p.args = make([]argVal, len(t.Args))
	anyNum, anyText := false, false
	for i, a := range t.Args {
		av := argVal{text: a, lower: strings.ToLower(a)}
		if f, err := strconv.ParseFloat(a, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			av.num, av.isNum = f, true
		}
		switch typ {
		case TypeBool:
			if a != "true" && a != "false" {
				return nil, fail("expected true or false, found " + strconv.Quote(a))
			}
		case TypeNumber:
			if !av.isNum {
				return nil, fail("expected a number, found " + strconv.Quote(a))
			}
		case TypeTime:
			if av.ns, av.outside, av.isTime = parseTimeArgClamped(a, now); !av.isTime {
				return nil, fail("expected a time (RFC 3339 such as 2025-12-09T12:00:51Z or a date 2006-01-02, years 0000 to 9999; now; or relative such as -24h or -7d), found " + strconv.Quote(a))
			}
		case TypeString:
			if spec != nil && len(spec.Enum) > 0 && (p.op == OpEq || p.op == OpIn || p.op == OpIin) && !inEnum(spec.Enum, av, p.op == OpIin) {
				return nil, fail("expected one of " + strings.Join(spec.Enum, ", ") + ", found " + strconv.Quote(a))
			}
		case TypeDynamic:
			av.ns, av.outside, av.isTime = parseTimeArgClamped(a, now)
		}
		anyNum = anyNum || av.isNum
		anyText = anyText || !av.isNum
		p.args[i] = av
	}

	switch p.op {
	case OpEq, OpIn, OpGt, OpGe, OpLt, OpLe:
		p.needNum = typ == TypeNumber || typ == TypeDynamic && anyNum
		p.needText = typ == TypeString || typ == TypeDynamic && anyText
	case OpIin, OpContains, OpIcontains:
		p.needText = true
	}
	const setMin = 8
	if len(p.args) > setMin && (typ == TypeString || typ == TypeDynamic) {
		switch p.op {
		case OpEq, OpIn:
			p.set = make(map[string]struct{}, len(p.args))
			for _, a := range p.args {
				p.set[a.text] = struct{}{}
			}
		case OpIin:
			p.set = make(map[string]struct{}, len(p.args))
			for _, a := range p.args {
				p.set[a.lower] = struct{}{}
			}
		}
	}

	if !t.Negate && (typ == TypeString || typ == TypeBool) {
		switch t.Op {
		case OpEq, OpIn:
			p.vals, p.valsOK = t.Args, true
		case OpIin:
			p.vals, p.valsOK, p.valsFold = make([]string, len(p.args)), true, true
			for i, a := range p.args {
				p.vals[i] = a.lower
			}
		}
	}
	if (t.Op == OpContains || t.Op == OpIcontains) && len(p.args) >= matcherMin {
		words := make([]string, len(p.args))
		for i, a := range p.args {
			words[i] = a.text
			if t.Op == OpIcontains {
				words[i] = a.lower
			}
		}
		p.matcher = NewTextMatcher(words, t.Op == OpIcontains)
	}
	if !t.Negate && !p.hasDef && (t.Op == OpContains || t.Op == OpIcontains) {
		p.needFold = t.Op == OpIcontains
		p.needOK = true
		p.needles = make([]string, len(p.args))
		for i, a := range p.args {
			p.needles[i] = a.text
			if p.needFold {
				p.needles[i] = a.lower
			}
			if !jsonVerbatim(p.needles[i]) {
				p.needOK = false
			}
		}
		if !p.needOK {
			p.needles = nil
		}
	}
	return p, nil
}

// IsTextSearch reports whether a term is a bare word that searches the text
// of documents: the bare form ("[!]word") on something that is neither a
// field of the schema nor beneath one of its open objects. A bare known
// field keeps its meaning (the field is boolean true), so "mimikatz" and
// "185.220.101.34" search text while "operation_successful" and
// "extra.auth.is_suspicious" test booleans.
func IsTextSearch(t Term, s *Schema) bool {
	if t.Op != OpTrue || s == nil {
		return false
	}
	_, err := s.lookupTerm(t)
	return err != nil
}

// compileTextSearch compiles a bare word as a case-insensitive search of
// every string, number and boolean in the document, as raw.icontains(word)
// does beneath raw. The term keeps its bare form, so the filter prints and
// round-trips as typed.
func compileTextSearch(t Term) *Pred {
	lower := strings.ToLower(t.Field)
	p := &Pred{Term: t, Type: TypeDynamic, op: OpIcontains, neg: t.Negate,
		args: []argVal{{text: t.Field, lower: lower}}, needText: true}
	if !t.Negate && jsonVerbatim(lower) {
		p.needles, p.needOK, p.needFold = []string{lower}, true, true
	}
	return p
}

func opLabel(op Op) string {
	if op == OpTrue {
		return "(bare field)"
	}
	return string(op)
}

func inEnum(enum []string, a argVal, fold bool) bool {
	for _, e := range enum {
		if a.text == e || fold && a.lower == strings.ToLower(e) {
			return true
		}
	}
	return false
}

// jsonVerbatim reports whether s is printable ASCII that no common JSON
// encoder escapes, so it appears byte for byte in the raw JSON of any string
// containing it.
func jsonVerbatim(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '/' || c == '<' || c == '>' || c == '&' || c == '\'' {
			return false
		}
	}
	return true
}

// MatchJSON reports whether doc satisfies every predicate. It reads doc
// through fastjson, which unescapes strings in place on first access, so one
// doc must not be matched from several goroutines at once.
func (c *Compiled) MatchJSON(doc *fastjson.Value) bool {
	for _, p := range c.Preds {
		if !p.MatchJSON(doc) {
			return false
		}
	}
	return true
}

// TimeRange returns the inclusive Unix-nanosecond bounds on a time field
// implied by the non-negated eq, in, gt, ge, lt and le terms on it:
// math.MinInt64 / math.MaxInt64 when unbounded, lo > hi when nothing can
// match. A document whose field is outside [lo, hi] (or missing, when lo or
// hi is bounded) cannot match.
func (c *Compiled) TimeRange(field string) (lo, hi int64) {
	lo, hi = math.MinInt64, math.MaxInt64
	empty := false
	for _, p := range c.Preds {
		if p.Term.Field != field || p.Type != TypeTime || p.Term.Negate {
			continue
		}
		switch p.Term.Op {
		case OpEq, OpIn:
			minA, maxA := int64(math.MaxInt64), int64(math.MinInt64)
			inside := false
			for _, a := range p.args {
				if !a.outside {
					minA, maxA, inside = min(minA, a.ns), max(maxA, a.ns), true
				}
			}
			if !inside {
				empty = true
			}
			lo, hi = max(lo, minA), min(hi, maxA)
		case OpGe:
			lo = max(lo, p.args[0].ns)
		case OpGt:
			if p.args[0].ns == math.MaxInt64 {
				empty = true
			} else {
				lo = max(lo, p.args[0].ns+1)
			}
		case OpLe:
			hi = min(hi, p.args[0].ns)
		case OpLt:
			if p.args[0].ns == math.MinInt64 {
				empty = true
			} else {
				hi = min(hi, p.args[0].ns-1)
			}
		}
	}
	if empty {
		return math.MaxInt64, math.MinInt64
	}
	return lo, hi
}

// Values returns, for a non-negated eq or in (fold false) or iin (fold true,
// values lowercased with strings.ToLower) on a string or boolean field, the
// set of values the field must take; ok is false otherwise. A field with a
// schema Default takes the Default when missing, so a missing value matches
// when the Default is among vals. The slice must not be modified.
func (p *Pred) Values() (vals []string, fold bool, ok bool) {
	return p.vals, p.valsFold, p.valsOK
}

// Needles returns, for a non-negated contains (fold false) or icontains (fold
// true, needles lowercased with strings.ToLower), the substrings of which the
// field's text must contain at least one; ok is false otherwise. Needles are
// given only when each is printable ASCII without " \ / < > & ' so that it
// appears verbatim in raw JSON written without gratuitous \u escapes: a
// document whose raw JSON contains none of them (after bytes.ToLower when
// fold) cannot match. Fields with a schema Default get no needles (a missing
// value matches through the Default). The slice must not be modified.
func (p *Pred) Needles() (needles []string, fold bool, ok bool) {
	return p.needles, p.needFold, p.needOK
}

// Key identifies what c selects, for caching results: the canonical terms
// with every time argument as resolved, so "-7d" compiled a minute later
// is another key.
func (c *Compiled) Key() string {
	var b []byte
	for i, p := range c.Preds {
		if i > 0 {
			b = append(b, ',')
		}
		b = p.Term.appendTo(b)
		for _, a := range p.args {
			if a.isTime {
				b = append(b, '@')
				b = strconv.AppendInt(b, a.ns, 10)
			}
		}
	}
	return string(b)
}
