package core

import "math"

// The integer metrics (count_if, first, last) are kept as int64 from the
// store's columns to the result: a created_at in unix nanoseconds does not
// fit a float64 exactly, and a report formats it to the millisecond, where
// one rounding shows the previous millisecond.

// noFirst and noLast are first's and last's values before any event: the
// identities of min and max, never a created_at (a group left with one reads null).
const (
	noFirst int64 = math.MaxInt64
	noLast  int64 = math.MinInt64
)

// AggIntOf is the starting value of metric m's entry in AggPartial.Ints:
// 0 for count_if (a count), and for first and last the identity of min
// and max. Other metrics keep 0 there, unused.
func AggIntOf(m AggMetric) int64 {
	switch m.Op {
	case StatFirst:
		return noFirst
	case StatLast:
		return noLast
	}
	return 0
}

// NewAggInts are the starting Ints of a partial group for metrics.
func NewAggInts(metrics []AggMetric) []int64 { return newAggInts(metrics) }

func newAggInts(metrics []AggMetric) []int64 {
	if !hasAggInts(metrics) {
		return nil
	}
	out := make([]int64, len(metrics))
	for i, m := range metrics {
		out[i] = AggIntOf(m)
	}
	return out
}

func hasAggInts(metrics []AggMetric) bool {
	for _, m := range metrics {
		switch m.Op {
		case StatCountIf, StatFirst, StatLast:
			return true
		}
	}
	return false
}

// AddAggInt takes one more value of metric m into *x: a count adds (v is
// 1, or a block's count), a time keeps the smaller or larger.
func AddAggInt(m AggMetric, x *int64, v int64) {
	switch m.Op {
	case StatCountIf:
		*x += v
	case StatFirst:
		*x = min(*x, v)
	case StatLast:
		*x = max(*x, v)
	}
}

// mergeAggInts merges a partial's Ints (nil: none) into an entry's.
func mergeAggInts(metrics []AggMetric, into, from []int64) {
	for i := range min(len(into), len(from)) {
		AddAggInt(metrics[i], &into[i], from[i])
	}
}

// aggIntStat is an integer metric's result: null for a time no event gave.
func aggIntStat(m AggMetric, v int64) AggStat {
	if m.Op != StatCountIf && v == AggIntOf(m) {
		return AggStat{Null: true}
	}
	return AggStat{Value: float64(v), Int: v}
}
