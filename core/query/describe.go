package query

import (
	"strconv"
	"strings"
)

// DescribeWith renders a filter over documents of schema s in plain
// English for the readers of a report (managers, auditors) who do not read
// the DSL: `event_type.eq(login), !operation_successful` is "event type is
// login and operation failed". Known fields get their everyday names; other
// paths are spelled out with spaces. The result is for reading, not
// parsing: the DSL stays the reference and is shown beside it. The schema
// decides whether a bare word is a field or a search of the text (as
// Compile does): "smith" reads `the text contains "smith" (ignoring case)`.
func DescribeWith(f Filter, s *Schema) string {
	if len(f.Terms) == 0 {
		return "all events"
	}
	parts := make([]string, len(f.Terms))
	for i, t := range f.Terms {
		switch {
		case IsTextSearch(t, s) && t.Negate:
			parts[i] = "the text does not contain " + strconv.Quote(t.Field) + " (ignoring case)"
		case IsTextSearch(t, s):
			parts[i] = "the text contains " + strconv.Quote(t.Field) + " (ignoring case)"
		default:
			parts[i] = describeTerm(s, t)
		}
	}
	return strings.Join(parts, " and ")
}

// fieldName is the everyday name the schema gives a field (FieldSpec.Words),
// else its path spelled out.
func fieldName(s *Schema, f string) string {
	if sp := s.spec(f); sp != nil && sp.Words != "" {
		return sp.Words
	}
	if rest, ok := strings.CutPrefix(f, "raw."); ok {
		return "raw field " + rest
	}
	return strings.NewReplacer("_", " ", ".", " ").Replace(f)
}

func describeTerm(s *Schema, t Term) string {
	sp := s.spec(t.Field)
	name := fieldName(s, t.Field)
	arg := func(i int) string {
		if i < len(t.Args) {
			return t.Args[i]
		}
		return ""
	}
	if sp != nil && sp.TrueWords != "" {
		bw := [2]string{sp.TrueWords, sp.FalseWords}
		switch t.Op {
		case OpTrue, OpEq, OpNe:
			v := t.Op == OpTrue || strings.EqualFold(arg(0), "true")
			if t.Op == OpNe {
				v = !v
			}
			if t.Negate {
				v = !v
			}
			if v {
				return bw[0]
			}
			return bw[1]
		}
	}
	not := func(yes, no string) string {
		if t.Negate {
			return no
		}
		return yes
	}
	isTime := sp != nil && sp.Type == TypeTime // "after", "before" instead of "greater"
	switch t.Op {
	case OpTrue:
		return name + not(" is true", " is not true")
	case OpEq:
		return name + not(" is ", " is not ") + timeArg(arg(0), isTime)
	case OpNe:
		return name + not(" is not ", " is ") + timeArg(arg(0), isTime)
	case OpGt, OpGe, OpLt, OpLe:
		w := compareWords(t.Op, arg(0), isTime)
		if t.Negate {
			w = "is not " + w[len("is "):]
		}
		return name + " " + w
	case OpIn, OpIin:
		s := name + not(" is ", " is not ")
		if len(t.Args) > 1 {
			s += "one of "
		}
		s += orList(t.Args, func(a string) string { return timeArg(a, isTime) })
		if t.Op == OpIin {
			s += " (ignoring case)"
		}
		return s
	case OpContains, OpIcontains:
		s := name + not(" contains ", " does not contain ")
		s += orList(t.Args, strconv.Quote)
		if t.Op == OpIcontains {
			s += " (ignoring case)"
		}
		return s
	case OpIsNull:
		return name + not(" is empty", " is set")
	}
	return t.appendToString()
}

func (t Term) appendToString() string { return string(t.appendTo(nil)) }

// compareWords is "is after 2026-11-01", "is in the last 7 days", "is at
// least 3".
func compareWords(op Op, a string, isTime bool) string {
	if isTime {
		if d, ok := relativeWords(a); ok {
			switch op {
			case OpGt, OpGe:
				return "is in the last " + d
			default:
				return "is more than " + d + " ago"
			}
		}
		switch op {
		case OpGt:
			return "is after " + timeArg(a, true)
		case OpGe:
			return "is at or after " + timeArg(a, true)
		case OpLt:
			return "is before " + timeArg(a, true)
		}
		return "is at or before " + timeArg(a, true)
	}
	switch op {
	case OpGt:
		return "is greater than " + a
	case OpGe:
		return "is at least " + a
	case OpLt:
		return "is less than " + a
	}
	return "is at most " + a
}

// timeArg spells a relative time ("-7d": "7 days ago") and "now".
func timeArg(a string, isTime bool) string {
	if !isTime {
		return a
	}
	if a == "now" {
		return "now"
	}
	if d, ok := relativeWords(a); ok {
		return d + " ago"
	}
	return a
}

// relativeWords is "-7d" as "7 days", "-1h" as "1 hour".
func relativeWords(a string) (string, bool) {
	if _, ok := parseRelative(a); !ok {
		return "", false
	}
	n := a[1 : len(a)-1]
	unit := map[byte]string{'s': "second", 'm': "minute", 'h': "hour", 'd': "day", 'w': "week"}[a[len(a)-1]]
	if n != "1" {
		unit += "s"
	}
	return n + " " + unit, true
}

// orList is "a", "a or b", "a, b or c".
func orList(args []string, f func(string) string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = f(a)
	}
	switch len(out) {
	case 0:
		return ""
	case 1:
		return out[0]
	}
	return strings.Join(out[:len(out)-1], ", ") + " or " + out[len(out)-1]
}
