package query

import (
	"strconv"
)

// Limits on one filter, whatever syntax it was written in. They bound the
// work a single request can ask of every row it visits: without them a
// filter of a thousand icontains arguments costs minutes of CPU per query.
const (
	MaxTerms    = 64       // terms in one filter
	MaxArgs     = 256      // arguments of one term
	MaxArgBytes = 64 << 10 // argument text of one filter, after decoding
	// MaxOrderKeys bounds a query_order: each key is compared on every row
	// sorted, and thousands of them cost seconds per request.
	MaxOrderKeys = 16
)

// Filters combined from several sources (URL parameters and a DSL, a defined
// report and its criteria, an export's time window) may hold more than one
// parsed filter's worth; Compile bounds the combination at this multiple.
const combinedFactor = 4

// The limits as error messages say them.
var (
	limitTerms    = "at most " + strconv.Itoa(MaxTerms) + " terms in one filter"
	limitArgs     = "at most " + strconv.Itoa(MaxArgs) + " arguments in one term"
	limitArgBytes = "at most " + strconv.Itoa(MaxArgBytes) + " bytes of arguments in one filter"
	limitOrder    = "at most " + strconv.Itoa(MaxOrderKeys) + " keys in one order"
)

// argBudget counts the arguments of a filter being parsed.
type argBudget struct{ bytes int }

// add charges arg and reports whether the filter is still within MaxArgBytes.
func (b *argBudget) add(arg string) bool {
	b.bytes += len(arg)
	return b.bytes <= MaxArgBytes
}

func nth(n int) string {
	s := strconv.Itoa(n)
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return s + "th"
	case n%10 == 1:
		return s + "st"
	case n%10 == 2:
		return s + "nd"
	case n%10 == 3:
		return s + "rd"
	}
	return s + "th"
}

// checkLimits bounds a filter as Compile receives it, however it was built.
func checkLimits(f Filter) error {
	if n := len(f.Terms); n > combinedFactor*MaxTerms {
		pos := f.Terms[combinedFactor*MaxTerms].Pos
		return &FieldError{Pos: pos, Field: f.Terms[combinedFactor*MaxTerms].Field,
			Msg: "the combined filter has " + strconv.Itoa(n) + " terms; at most " + strconv.Itoa(combinedFactor*MaxTerms) + " are allowed"}
	}
	total := 0
	for _, t := range f.Terms {
		if len(t.Args) > MaxArgs {
			return &FieldError{Pos: t.Pos, Field: t.Field, Msg: "operator " + opLabel(t.Op) + " has " + strconv.Itoa(len(t.Args)) + " arguments; the limit is " + limitArgs}
		}
		for _, a := range t.Args {
			total += len(a)
		}
		if total > combinedFactor*MaxArgBytes {
			return &FieldError{Pos: t.Pos, Field: t.Field, Msg: "the combined filter has over " + strconv.Itoa(combinedFactor*MaxArgBytes) + " bytes of arguments"}
		}
	}
	return nil
}
