package query

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/valyala/fastjson"
)

// Evaluation. Each Match* method computes the operator's result on one value
// (the "raw" result) and then applies the term's negation (ne is compiled as a
// negated eq, so ne is exactly !eq and a missing field satisfies ne).
//
// How a value compares depends on the field's schema type and, for
// TypeDynamic, on the JSON value's own type:
//
//	eq/in     string: exact text; time field: the same instant; number field:
//	          numeric; dynamic number: numeric if the arg is a number, else text
//	iin       ToLower(value) equals an arg lowered
//	contains  substring of the value's text (numbers and bools by their text;
//	          objects: any leaf beneath, keys not searched)
//	gt ge lt le  time: instants; number: numeric; string: bytewise; dynamic:
//	          numbers numerically against numeric args, strings as instants when
//	          both parse as times, else bytewise; never true for a missing value
//	isnull    missing or null
//	bare      the value is boolean true

// MatchString evaluates the predicate on a string value (for a time field, a
// time string, which is parsed).
func (p *Pred) MatchString(s string) bool { return p.str(s) != p.neg }

// MatchBool evaluates the predicate on a boolean value.
func (p *Pred) MatchBool(b bool) bool { return p.boolean(b) != p.neg }

// MatchNumber evaluates the predicate on a number value.
func (p *Pred) MatchNumber(f float64) bool {
	var text string
	var buf [32]byte
	if p.needText {
		b := appendNumber(buf[:0], f)
		text = unsafe.String(unsafe.SliceData(b), len(b))
	}
	return p.number(f, text) != p.neg
}

// MatchTime evaluates the predicate on a time value in Unix nanoseconds.
func (p *Pred) MatchTime(ns int64) bool { return p.time(ns) != p.neg }

// MatchMissing evaluates the predicate on an absent or null value. If the
// schema has a Default for the field, it behaves as MatchString(default).
func (p *Pred) MatchMissing() bool { return p.missing() != p.neg }

// MatchJSON evaluates the predicate on a whole document: it walks Path from
// the root. An array met on the way, or as the value, matches if any element
// matches (an empty array counts as missing); a numeric segment indexes an
// array. The negation is applied once, to the whole result.
func (p *Pred) MatchJSON(doc *fastjson.Value) bool { return p.walk(doc, 0) != p.neg }

func (p *Pred) walk(v *fastjson.Value, i int) bool {
	for {
		if v == nil {
			return p.missing()
		}
		if i == len(p.Path) {
			return p.value(v)
		}
		switch v.Type() {
		case fastjson.TypeObject:
			o, _ := v.Object()
			v = o.Get(p.Path[i])
			i++
		case fastjson.TypeArray:
			a, _ := v.Array()
			if n := p.index[i]; n >= 0 {
				if n >= len(a) {
					return p.missing()
				}
				v = a[n]
				i++
				continue
			}
			if len(a) == 0 {
				return p.missing()
			}
			for _, e := range a {
				if p.walk(e, i) {
					return true
				}
			}
			return false
		default:
			return p.missing()
		}
	}
}

// value evaluates the raw result on the value at the end of the path.
func (p *Pred) value(v *fastjson.Value) bool {
	switch v.Type() {
	case fastjson.TypeNull:
		return p.missing()
	case fastjson.TypeArray:
		a, _ := v.Array()
		if len(a) == 0 {
			return p.missing()
		}
		for _, e := range a {
			if p.value(e) {
				return true
			}
		}
		return false
	case fastjson.TypeObject:
		if p.op == OpContains || p.op == OpIcontains {
			return p.anyLeaf(v)
		}
		return false
	}
	return p.scalar(v)
}

// scalar evaluates a string, number or boolean JSON value.
func (p *Pred) scalar(v *fastjson.Value) bool {
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return p.str(bytesString(b))
	case fastjson.TypeNumber:
		if !p.needText {
			f, err := v.Float64()
			if err != nil {
				f = math.NaN()
			}
			return p.number(f, "")
		}
		// Text comparisons use the number's JSON text as written. fastjson
		// only exposes it through MarshalTo, whose buffer escapes, so the
		// buffer comes from a pool.
		bp := numBufPool.Get().(*[]byte)
		b := v.MarshalTo((*bp)[:0])
		text := bytesString(b)
		var f float64
		if p.needNum {
			var err error
			if f, err = strconv.ParseFloat(text, 64); err != nil && !isRangeErr(err) {
				f = math.NaN()
			}
		}
		r := p.number(f, text)
		*bp = b
		numBufPool.Put(bp)
		return r
	case fastjson.TypeTrue:
		return p.boolean(true)
	case fastjson.TypeFalse:
		return p.boolean(false)
	}
	return false
}

var numBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64); return &b }}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// anyLeaf reports whether any string, number or boolean beneath v matches.
func (p *Pred) anyLeaf(v *fastjson.Value) bool {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		found := false
		o.Visit(func(_ []byte, e *fastjson.Value) {
			if !found && p.anyLeaf(e) {
				found = true
			}
		})
		return found
	case fastjson.TypeArray:
		a, _ := v.Array()
		for _, e := range a {
			if p.anyLeaf(e) {
				return true
			}
		}
		return false
	case fastjson.TypeNull:
		return false
	}
	return p.scalar(v)
}

func (p *Pred) missing() bool {
	if p.hasDef {
		return p.str(p.def)
	}
	return p.op == OpIsNull
}

// cmpOK turns a three-way comparison into the ordered operator's result.
func cmpOK(op Op, c int) bool {
	switch op {
	case OpGt:
		return c > 0
	case OpGe:
		return c >= 0
	case OpLt:
		return c < 0
	case OpLe:
		return c <= 0
	}
	return false
}

// cmpStr is strings.Compare without letting its arguments escape (the
// runtime's compare routine is opaque to escape analysis).
func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (p *Pred) timeAny(ns int64) bool {
	for i := range p.args {
		if a := &p.args[i]; a.isTime && !a.outside && a.ns == ns {
			return true
		}
	}
	return false
}

func (p *Pred) str(s string) bool {
	switch p.op {
	case OpEq, OpIn:
		switch p.Type {
		case TypeTime:
			ns, ok := parseTimeValue(s)
			return ok && p.timeAny(ns)
		case TypeBool, TypeNumber:
			return false
		}
		if p.set != nil {
			_, ok := p.set[s]
			return ok
		}
		for i := range p.args {
			if p.args[i].text == s {
				return true
			}
		}
		return false
	case OpIin:
		if p.set != nil {
			return p.setLower(s)
		}
		for i := range p.args {
			if equalLower(s, p.args[i].lower) {
				return true
			}
		}
		return false
	case OpContains:
		if p.matcher != nil {
			return p.matcher.MatchString(s)
		}
		for i := range p.args {
			if strings.Contains(s, p.args[i].text) {
				return true
			}
		}
		return false
	case OpIcontains:
		if p.matcher != nil {
			if !isASCII(s) {
				s = strings.ToLower(s)
			}
			return p.matcher.MatchString(s)
		}
		for i := range p.args {
			if containsLower(s, p.args[i].lower) {
				return true
			}
		}
		return false
	case OpGt, OpGe, OpLt, OpLe:
		a := &p.args[0]
		switch p.Type {
		case TypeTime:
			ns, ok := parseTimeValue(s)
			return ok && cmpOK(p.op, cmpInt(ns, a.ns))
		case TypeString:
			return cmpOK(p.op, cmpStr(s, a.text))
		case TypeDynamic:
			if a.isTime {
				if ns, ok := parseTimeValue(s); ok {
					return cmpOK(p.op, cmpInt(ns, a.ns))
				}
			}
			return cmpOK(p.op, cmpStr(s, a.text))
		}
	}
	return false
}

// setLower looks s up, lowercased, in the iin set.
func (p *Pred) setLower(s string) bool {
	var buf [128]byte
	if len(s) <= len(buf) && isASCII(s) {
		b := buf[:len(s)]
		for i := 0; i < len(s); i++ {
			b[i] = lowerASCII(s[i])
		}
		_, ok := p.set[string(b)]
		return ok
	}
	_, ok := p.set[strings.ToLower(s)]
	return ok
}

func (p *Pred) number(f float64, text string) bool {
	switch p.op {
	case OpEq, OpIn:
		switch p.Type {
		case TypeNumber:
			for i := range p.args {
				if p.args[i].num == f {
					return true
				}
			}
		case TypeDynamic:
			for i := range p.args {
				a := &p.args[i]
				if a.isNum && a.num == f || !a.isNum && a.text == text {
					return true
				}
			}
		case TypeString:
			if p.set != nil {
				_, ok := p.set[text]
				return ok
			}
			for i := range p.args {
				if p.args[i].text == text {
					return true
				}
			}
		}
		return false
	case OpGt, OpGe, OpLt, OpLe:
		a := &p.args[0]
		switch p.Type {
		case TypeNumber, TypeDynamic:
			if !a.isNum || f != f {
				return false
			}
			c := 0
			if f < a.num {
				c = -1
			} else if f > a.num {
				c = 1
			}
			return cmpOK(p.op, c)
		case TypeString:
			return cmpOK(p.op, cmpStr(text, a.text))
		}
		return false
	case OpIin, OpContains, OpIcontains:
		return p.str(text)
	}
	return false
}

func (p *Pred) boolean(b bool) bool {
	text := "false"
	if b {
		text = "true"
	}
	switch p.op {
	case OpTrue:
		return b
	case OpEq, OpIn:
		if p.Type == TypeNumber || p.Type == TypeTime {
			return false
		}
		for i := range p.args {
			if p.args[i].text == text {
				return true
			}
		}
		return false
	case OpIin, OpContains, OpIcontains:
		return p.str(text)
	}
	return false
}

func (p *Pred) time(ns int64) bool {
	switch p.op {
	case OpEq, OpIn:
		return p.timeAny(ns)
	case OpGt, OpGe, OpLt, OpLe:
		a := &p.args[0]
		return a.isTime && cmpOK(p.op, cmpInt(ns, a.ns))
	}
	return false
}

// bytesString views b as a string without copying; the result must not
// outlive b's contents.
func bytesString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// stringBytes views s as bytes without copying; they must not be modified.
func stringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalLower reports whether strings.ToLower(s) == lower, without
// allocating when s is ASCII.
func equalLower(s, lower string) bool {
	if !isASCII(s) {
		return strings.ToLower(s) == lower
	}
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lowerASCII(s[i]) != lower[i] {
			return false
		}
	}
	return true
}

// containsLower reports whether strings.ToLower(s) contains lower, without
// allocating when s is ASCII.
func containsLower(s, lower string) bool {
	if !isASCII(s) {
		return strings.Contains(strings.ToLower(s), lower)
	}
	n := len(lower)
	if n == 0 {
		return true
	}
	c0 := lower[0]
	c0u := c0
	if 'a' <= c0 && c0 <= 'z' {
		c0u = c0 - ('a' - 'A')
	}
outer:
	for i := 0; i+n <= len(s); i++ {
		if c := s[i]; c != c0 && c != c0u {
			continue
		}
		for j := 1; j < n; j++ {
			if lowerASCII(s[i+j]) != lower[j] {
				continue outer
			}
		}
		return true
	}
	return false
}

// appendNumber appends f as text the way encoding/json writes a float64
// (and JavaScript prints numbers): plain decimals for 1e-6 <= |f| < 1e21,
// exponent form ("1e+21", "1e-7") outside, shortest round trip.
func appendNumber(b []byte, f float64) []byte {
	if abs := math.Abs(f); f == 0 || abs >= 1e-6 && abs < 1e21 {
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	b = strconv.AppendFloat(b, f, 'e', -1, 64)
	// "1e-07" -> "1e-7", as encoding/json does.
	if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	return b
}
