package query

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// ParseJSON parses a Clumio-style JSON filter (seed 000) into a Filter:
//
//	{"field": {"$op": value, ...}, "field": scalar, ...}
//
// Operators: $eq $ne $gt $gte $lt $lte, and $in with a non-empty array. A bare
// scalar is shorthand for $eq. Strings, numbers and booleans become argument
// text (integers verbatim, other numbers in their shortest form, booleans
// "true"/"false"); {"$eq": null} is isnull and {"$ne": null} is !isnull.
//
// Field mapping:
//
//	activity_start_timestamp, timestamp  the time axis, created_at:
//	    $gte $gt $lt $lte  an RFC 3339 string          -> created_at.ge/gt/lt/le(t)
//	    $eq                seconds N > 0 (number or     -> created_at.ge(-Ns), "the last
//	                       numeric string)                 N seconds"; when present, the
//	                                                       absolute bounds from these keys
//	                                                       are dropped ($eq takes precedence)
//	status           $eq $ne $in  success -> true, failed/aborted -> false,
//	                                 on operation_successful
//	<path>.value     $in          -> <path>.value.contains(args...) (substring search)
//	anything else    the dotted path as given
//
// Terms come out in the order of the JSON text. Empty input or {} is the empty
// filter. Errors are *SyntaxError with the byte offset into s. Empty strings
// are rejected: the DSL has no way to write an empty argument.
func ParseJSON(s string) (Filter, error) {
	p := &jsonParser{s: s}
	p.ws()
	if p.i == len(s) {
		return Filter{}, nil
	}
	tok, err := p.next()
	if err != nil {
		return Filter{}, err
	}
	if tok.kind != '{' {
		return Filter{}, p.unexpected(tok, `a JSON object "{"`)
	}
	var out []jsonTerm
	hasRelative := false
	tok, err = p.next()
	if err != nil {
		return Filter{}, err
	}
	if tok.kind != '}' {
		for {
			if tok.kind != 's' {
				return Filter{}, p.unexpected(tok, `a field name string`)
			}
			key := tok
			if !validField(key.str) {
				return Filter{}, &SyntaxError{Pos: key.pos, Expected: "a field name (dot-separated letters, digits, _ @ $ -)", Found: quoteToken(key.str)}
			}
			if err := p.expect(':'); err != nil {
				return Filter{}, err
			}
			terms, rel, err := p.fieldValue(key.str)
			if err != nil {
				return Filter{}, err
			}
			if len(out)+len(terms) > MaxTerms {
				return Filter{}, &SyntaxError{Pos: key.pos, Expected: limitTerms, Found: "a " + nth(MaxTerms+1) + " term"}
			}
			out = append(out, terms...)
			hasRelative = hasRelative || rel
			tok, err = p.next()
			if err != nil {
				return Filter{}, err
			}
			if tok.kind == '}' {
				break
			}
			if tok.kind != ',' {
				return Filter{}, p.unexpected(tok, `"," or "}"`)
			}
			if tok, err = p.next(); err != nil {
				return Filter{}, err
			}
		}
	}
	p.ws()
	if p.i != len(s) {
		return Filter{}, &SyntaxError{Pos: p.i, Expected: endOfInput, Found: foundAt(s, p.i)}
	}
	var f Filter
	for _, t := range out {
		if hasRelative && t.absTime {
			continue
		}
		f.Terms = append(f.Terms, t.Term)
	}
	return f, nil
}

type jsonTerm struct {
	Term
	absTime bool // an absolute bound from a time-axis alias, dropped when $eq is present
}

// jsonOps maps Clumio operators to DSL operators.
var jsonOps = map[string]Op{"$eq": OpEq, "$ne": OpNe, "$gt": OpGt, "$gte": OpGe, "$lt": OpLt, "$lte": OpLe, "$in": OpIn}

const expectedJSONOps = "one of $eq, $ne, $gt, $gte, $lt, $lte, $in"

type fieldKind int

const (
	kindPlain fieldKind = iota
	kindTime
	kindStatus
	kindValue
)

func classify(key string) fieldKind {
	switch {
	case key == "activity_start_timestamp" || key == "timestamp":
		return kindTime
	case key == "status":
		return kindStatus
	case strings.HasSuffix(key, ".value"):
		return kindValue
	}
	return kindPlain
}

// fieldValue parses the value of one top-level key: an operator object or a
// scalar. rel reports a relative time ($eq on the time axis).
func (p *jsonParser) fieldValue(key string) (terms []jsonTerm, rel bool, err error) {
	tok, err := p.next()
	if err != nil {
		return nil, false, err
	}
	kind := classify(key)
	if tok.kind != '{' {
		if !tok.scalar() {
			return nil, false, p.unexpected(tok, "an object of operators or a value")
		}
		t, r, err := p.operator(key, kind, "$eq", tok, tok)
		if err != nil {
			return nil, false, err
		}
		return []jsonTerm{t}, r, nil
	}
	tok, err = p.next()
	if err != nil {
		return nil, false, err
	}
	if tok.kind == '}' {
		return nil, false, p.unexpected(tok, "an operator ("+expectedJSONOps+")")
	}
	for {
		if tok.kind != 's' {
			return nil, false, p.unexpected(tok, "an operator string ("+expectedJSONOps+")")
		}
		opTok := tok
		if _, ok := jsonOps[opTok.str]; !ok {
			return nil, false, &SyntaxError{Pos: opTok.pos, Expected: expectedJSONOps, Found: quoteToken(opTok.str)}
		}
		if err := p.expect(':'); err != nil {
			return nil, false, err
		}
		val, err := p.next()
		if err != nil {
			return nil, false, err
		}
		t, r, err := p.operator(key, kind, opTok.str, opTok, val)
		if err != nil {
			return nil, false, err
		}
		terms = append(terms, t)
		rel = rel || r
		if tok, err = p.next(); err != nil {
			return nil, false, err
		}
		if tok.kind == '}' {
			return terms, rel, nil
		}
		if tok.kind != ',' {
			return nil, false, p.unexpected(tok, `"," or "}"`)
		}
		if tok, err = p.next(); err != nil {
			return nil, false, err
		}
	}
}

// operator builds the term for key {op: val}; val is the already-read value
// token (for $in, its "[").
func (p *jsonParser) operator(key string, kind fieldKind, op string, opTok, val jtok) (jsonTerm, bool, error) {
	t := jsonTerm{Term: Term{Field: key, Op: jsonOps[op], Pos: -1}}
	var args []jtok
	if op == "$in" {
		if val.kind != '[' {
			return t, false, p.unexpected(val, `an array "["`)
		}
		var err error
		if args, err = p.array(); err != nil {
			return t, false, err
		}
	} else {
		if !val.scalar() {
			return t, false, p.unexpected(val, "a string, number, boolean or null")
		}
		args = []jtok{val}
	}
	for _, a := range args {
		if a.kind == 's' && a.str == "" {
			return t, false, &SyntaxError{Pos: a.pos, Expected: "a non-empty string", Found: `""`}
		}
		text := a.raw
		if a.kind == 's' {
			text = a.str
		}
		if !p.budget.add(text) {
			return t, false, &SyntaxError{Pos: a.pos, Expected: limitArgBytes, Found: "a value past the limit"}
		}
	}

	switch kind {
	case kindTime:
		t.Field = "created_at"
		switch op {
		case "$eq":
			a := args[0]
			secs, ok := positiveSeconds(a)
			if !ok {
				return t, false, &SyntaxError{Pos: a.pos, Expected: "a whole number of seconds, at least 1 (the last N seconds)", Found: a.found()}
			}
			t.Op = OpGe
			t.Args = []string{"-" + strconv.FormatInt(secs, 10) + "s"}
			return t, true, nil
		case "$gt", "$gte", "$lt", "$lte":
			a := args[0]
			if _, form, ok := parseTime(a.str); a.kind != 's' || !ok || form != formZoned {
				return t, false, &SyntaxError{Pos: a.pos, Expected: "an RFC 3339 timestamp", Found: a.found()}
			}
			t.Args = []string{a.str}
			t.absTime = true
			return t, false, nil
		}
		return t, false, &SyntaxError{Pos: opTok.pos, Expected: "one of $eq, $gt, $gte, $lt, $lte (time filter)", Found: quoteToken(op)}
	case kindStatus:
		if op != "$eq" && op != "$ne" && op != "$in" {
			return t, false, &SyntaxError{Pos: opTok.pos, Expected: "one of $eq, $ne, $in (status filter)", Found: quoteToken(op)}
		}
		t.Field = "operation_successful"
		var sawTrue, sawFalse bool
		var vals []string
		for _, a := range args {
			var b bool
			switch strings.ToLower(a.str) {
			case "success":
				b = true
			case "failed", "aborted":
			default:
				return t, false, &SyntaxError{Pos: a.pos, Expected: `"success", "failed" or "aborted"`, Found: a.found()}
			}
			if a.kind != 's' {
				return t, false, &SyntaxError{Pos: a.pos, Expected: `"success", "failed" or "aborted"`, Found: a.found()}
			}
			if b && !sawTrue || !b && !sawFalse {
				vals = append(vals, strconv.FormatBool(b))
			}
			sawTrue, sawFalse = sawTrue || b, sawFalse || !b
		}
		if op == "$in" && len(vals) == 1 {
			t.Op = OpEq
		}
		t.Args = vals
		return t, false, nil
	}

	texts := make([]string, len(args))
	for i, a := range args {
		if a.kind == 'n' {
			if op == "$in" {
				return t, false, &SyntaxError{Pos: a.pos, Expected: "a string, number or boolean", Found: "null"}
			}
			continue
		}
		txt, err := a.text()
		if err != nil {
			return t, false, err
		}
		texts[i] = txt
	}
	if args[0].kind == 'n' {
		switch op {
		case "$eq":
			t.Op = OpIsNull
		case "$ne":
			t.Op, t.Negate = OpIsNull, true
		default:
			return t, false, &SyntaxError{Pos: args[0].pos, Expected: "a string, number or boolean", Found: "null"}
		}
		return t, false, nil
	}
	t.Args = texts
	if kind == kindValue && op == "$in" {
		t.Op = OpContains
	}
	return t, false, nil
}

// positiveSeconds reads a positive whole number of seconds from a number or
// numeric string token, small enough to express in nanoseconds.
func positiveSeconds(a jtok) (int64, bool) {
	var txt string
	switch a.kind {
	case '0':
		txt = a.raw
	case 's':
		txt = strings.TrimSpace(a.str)
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(txt, 64)
	if err != nil && !isRangeErr(err) || f < 1 || f != math.Trunc(f) {
		return 0, false
	}
	// Beyond what nanoseconds can count back from any now, more seconds
	// change nothing: the relative time clamps to the earliest instant.
	return int64(min(f, maxRelativeSeconds)), true
}

// maxRelativeSeconds is more than the whole int64 nanosecond range (about
// 584 years), so "the last N seconds" for any larger N means the same.
const maxRelativeSeconds = 1e12

// jsonParser is a small JSON tokenizer that knows exact byte offsets.
type jsonParser struct {
	s      string
	i      int
	budget argBudget
}

// jtok is a JSON token. kind: '{' '}' '[' ']' ':' ',' 's' (string) '0'
// (number) 't' 'f' (booleans) 'n' (null), or 0 at end of input.
type jtok struct {
	kind byte
	pos  int
	raw  string // source text
	str  string // decoded string (kind 's')
}

func (t jtok) scalar() bool {
	switch t.kind {
	case 's', '0', 't', 'f', 'n':
		return true
	}
	return false
}

func (t jtok) found() string {
	switch t.kind {
	case 0:
		return endOfInput
	case 's':
		return quoteToken(t.str)
	}
	return quoteToken(t.raw)
}

// text is the argument text of a scalar token.
func (t jtok) text() (string, error) {
	switch t.kind {
	case 's':
		return t.str, nil
	case 't':
		return "true", nil
	case 'f':
		return "false", nil
	case '0':
		if isIntLiteral(t.raw) {
			return t.raw, nil
		}
		f, err := strconv.ParseFloat(t.raw, 64)
		if err != nil {
			return "", &SyntaxError{Pos: t.pos, Expected: "a number in the float64 range", Found: quoteToken(t.raw)}
		}
		return string(appendNumber(nil, f)), nil
	}
	return "", &SyntaxError{Pos: t.pos, Expected: "a string, number or boolean", Found: t.found()}
}

func isIntLiteral(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (p *jsonParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) unexpected(t jtok, expected string) error {
	return &SyntaxError{Pos: t.pos, Expected: expected, Found: t.found()}
}

func (p *jsonParser) expect(kind byte) error {
	t, err := p.next()
	if err != nil {
		return err
	}
	if t.kind != kind {
		return p.unexpected(t, strconv.Quote(string(kind)))
	}
	return nil
}

// array reads scalar elements after "[" up to "]"; there must be at least one.
func (p *jsonParser) array() ([]jtok, error) {
	var out []jtok
	for {
		t, err := p.next()
		if err != nil {
			return nil, err
		}
		if t.kind == ']' && len(out) == 0 {
			return nil, p.unexpected(t, "at least one value in the array")
		}
		if !t.scalar() {
			return nil, p.unexpected(t, "a string, number or boolean")
		}
		if len(out) == MaxArgs {
			return nil, &SyntaxError{Pos: t.pos, Expected: `"]" (` + limitArgs + `)`, Found: "a " + nth(MaxArgs+1) + " value"}
		}
		out = append(out, t)
		if t, err = p.next(); err != nil {
			return nil, err
		}
		if t.kind == ']' {
			return out, nil
		}
		if t.kind != ',' {
			return nil, p.unexpected(t, `"," or "]"`)
		}
	}
}

// next returns the next token.
func (p *jsonParser) next() (jtok, error) {
	p.ws()
	s := p.s
	start := p.i
	if start == len(s) {
		return jtok{pos: start}, nil
	}
	c := s[start]
	switch c {
	case '{', '}', '[', ']', ':', ',':
		p.i++
		return jtok{kind: c, pos: start, raw: s[start:p.i]}, nil
	case '"':
		return p.str()
	case 't', 'f', 'n':
		for _, lit := range [...]string{"true", "false", "null"} {
			if strings.HasPrefix(s[start:], lit) {
				p.i += len(lit)
				return jtok{kind: lit[0], pos: start, raw: lit}, nil
			}
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return p.number()
	}
	return jtok{}, &SyntaxError{Pos: start, Expected: "a JSON value", Found: foundAt(s, start)}
}

func (p *jsonParser) str() (jtok, error) {
	s := p.s
	start := p.i
	i := start + 1
	plain := true
	for {
		if i == len(s) {
			return jtok{}, &SyntaxError{Pos: i, Expected: `a closing "\""`, Found: endOfInput}
		}
		c := s[i]
		switch {
		case c == '"':
			p.i = i + 1
			raw := s[start:p.i]
			t := jtok{kind: 's', pos: start, raw: raw, str: raw[1 : len(raw)-1]}
			if !plain {
				// Validated above; encoding/json does the unescaping (and
				// replaces invalid UTF-8 with U+FFFD).
				if err := json.Unmarshal([]byte(raw), &t.str); err != nil {
					return jtok{}, &SyntaxError{Pos: start, Expected: "a valid JSON string", Found: quoteToken(raw)}
				}
			}
			return t, nil
		case c < 0x20:
			return jtok{}, &SyntaxError{Pos: i, Expected: `a closing "\"" (control characters must be escaped)`, Found: foundAt(s, i)}
		case c == '\\':
			plain = false
			if i+1 == len(s) {
				return jtok{}, &SyntaxError{Pos: i + 1, Expected: "an escape character", Found: endOfInput}
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := i + 2; k < i+6; k++ {
					if k == len(s) {
						return jtok{}, &SyntaxError{Pos: k, Expected: `four hex digits after "\u"`, Found: endOfInput}
					}
					if _, ok := unhex(s[k]); !ok {
						return jtok{}, &SyntaxError{Pos: k, Expected: `four hex digits after "\u"`, Found: foundAt(s, k)}
					}
				}
				i += 6
			default:
				return jtok{}, &SyntaxError{Pos: i + 1, Expected: `one of " \ / b f n r t u after "\"`, Found: foundAt(s, i+1)}
			}
		default:
			if c >= 0x80 {
				plain = false // let encoding/json handle invalid UTF-8 uniformly
			}
			i++
		}
	}
}

func (p *jsonParser) number() (jtok, error) {
	s := p.s
	start := p.i
	i := start
	isDigit := func(i int) bool { return i < len(s) && s[i] >= '0' && s[i] <= '9' }
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case isDigit(i):
		for isDigit(i) {
			i++
		}
	default:
		return jtok{}, &SyntaxError{Pos: i, Expected: "a digit", Found: foundAt(s, i)}
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !isDigit(i) {
			return jtok{}, &SyntaxError{Pos: i, Expected: `a digit after "."`, Found: foundAt(s, i)}
		}
		for isDigit(i) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !isDigit(i) {
			return jtok{}, &SyntaxError{Pos: i, Expected: "a digit in the exponent", Found: foundAt(s, i)}
		}
		for isDigit(i) {
			i++
		}
	}
	p.i = i
	return jtok{kind: '0', pos: start, raw: s[start:i]}, nil
}
