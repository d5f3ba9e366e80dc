package query

import (
	"math"
	"strconv"
)

// LeafKind is the JSON type of one scalar value, as a column store keeps it.
type LeafKind uint8

const (
	LeafString LeafKind = iota + 1
	LeafNumber          // text is the number as written in the JSON
	LeafTrue
	LeafFalse
	LeafNull // null, or an empty array, at the end of the path
)

// Leaf evaluation lets a store evaluate a predicate on the values of a
// column, once per distinct value, with exactly MatchJSON's meaning: for a
// document, the raw result is the OR of RawLeaf over the leaves the path
// reaches (any array element), RawMissing when it reaches none, and the
// final result is the raw result XOR Negated.

// RawLeaf is the predicate's result on one leaf before negation.
func (p *Pred) RawLeaf(kind LeafKind, text string) bool {
	switch kind {
	case LeafString:
		return p.str(text)
	case LeafNumber:
		if !p.needText {
			f, err := strconv.ParseFloat(text, 64)
			if err != nil && !isRangeErr(err) {
				f = math.NaN()
			}
			return p.number(f, "")
		}
		var f float64
		if p.needNum {
			var err error
			if f, err = strconv.ParseFloat(text, 64); err != nil && !isRangeErr(err) {
				f = math.NaN()
			}
		}
		return p.number(f, text)
	case LeafTrue:
		return p.boolean(true)
	case LeafFalse:
		return p.boolean(false)
	}
	return p.missing()
}

// RawMissing is the predicate's result, before negation, on a document
// whose path reaches no leaf.
func (p *Pred) RawMissing() bool { return p.missing() }

// Negated reports whether the raw result is inverted last.
func (p *Pred) Negated() bool { return p.neg }

// IsNull reports whether the predicate is isnull, whose raw result depends
// on array elements that lack the path (a column of leaves cannot tell).
func (p *Pred) IsNull() bool { return p.op == OpIsNull }

// Contains reports whether the operator is contains or icontains: on an
// object it searches every leaf beneath.
func (p *Pred) Contains() bool { return p.op == OpContains || p.op == OpIcontains }

// IsTextSearch reports whether the predicate is a bare word searching every
// leaf of the document.
func (p *Pred) IsTextSearch() bool { return len(p.Path) == 0 }

// HasIndex reports whether a path segment is an array index (or a member
// name made of digits: the two read the same in a filter).
func (p *Pred) HasIndex() bool {
	for _, n := range p.index {
		if n >= 0 {
			return true
		}
	}
	return false
}
