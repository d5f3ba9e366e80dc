package query

import (
	"strconv"
	"strings"
)

// DefaultOrder is the query_order used when none is given: newest first.
var DefaultOrder = Order{{Field: "created_at", Desc: true}}

// ParseOrder parses a query_order: a comma list of fields, a leading "!"
// meaning descending ("!created_at,event_id"). White space around keys is
// ignored. Empty input gives a copy of DefaultOrder. Errors are *SyntaxError.
func ParseOrder(s string) (Order, error) {
	p := dslParser{s: s}
	p.skipWS()
	if p.i == len(s) {
		return append(Order(nil), DefaultOrder...), nil
	}
	var o Order
	for {
		if len(o) == MaxOrderKeys {
			return nil, &SyntaxError{Pos: p.i, Expected: limitOrder, Found: "a " + nth(MaxOrderKeys+1) + " key"}
		}
		var k OrderKey
		if s[p.i] == '!' {
			k.Desc = true
			p.i++
		}
		start, _, err := p.field()
		if err != nil {
			return nil, err
		}
		k.Field = s[start:p.i]
		o = append(o, k)
		afterKey := p.i
		p.skipWS()
		if p.i == len(s) {
			return o, nil
		}
		if s[p.i] != ',' {
			exp := `"," or end of input`
			if p.i == afterKey {
				exp = `".", "," or end of input`
			}
			return nil, p.errAt(p.i, exp)
		}
		p.i++
		p.skipWS()
		if p.i == len(s) {
			return nil, p.errAt(p.i, "a field")
		}
	}
}

// String renders the order as ParseOrder reads it ("!created_at,event_id").
func (o Order) String() string {
	var b strings.Builder
	for i, k := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		if k.Desc {
			b.WriteByte('!')
		}
		b.WriteString(k.Field)
	}
	return b.String()
}

// CompileOrder checks that every field of o is known to s (see
// Schema.Lookup). Errors are *FieldError with Pos -1.
func CompileOrder(o Order, s *Schema) error {
	if len(o) > MaxOrderKeys {
		return &FieldError{Pos: -1, Field: o[MaxOrderKeys].Field, Msg: "the order has " + strconv.Itoa(len(o)) + " keys; " + limitOrder}
	}
	for _, k := range o {
		if !validField(k.Field) {
			return &FieldError{Pos: -1, Field: k.Field, Msg: "invalid field name"}
		}
		if _, err := s.Lookup(k.Field); err != nil {
			return err
		}
	}
	return nil
}
