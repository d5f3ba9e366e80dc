package core

import (
	"strconv"
	"time"
)

// StatText is a metric's value as a table or CSV cell: "" when null,
// counts as integers ("~N" when estimated), first and last as RFC 3339 UTC
// times to the millisecond, other numbers as the shortest float.
func (m AggMetric) StatText(s AggStat) string {
	if s.Null {
		return ""
	}
	switch m.Op {
	case StatCount, StatDistinct:
		t := strconv.FormatInt(int64(s.Value), 10)
		if s.Approx {
			t = "~" + t
		}
		return t
	case StatCountIf:
		return strconv.FormatInt(s.Int, 10)
	case StatFirst, StatLast:
		return formatTime(s.Int)
	}
	return strconv.FormatFloat(s.Value, 'g', -1, 64)
}

// StatJSON is a metric's value for JSON output: nil when null, counts as
// whole numbers, first and last as RFC 3339 UTC times (nanoseconds kept).
func (m AggMetric) StatJSON(s AggStat) any {
	switch {
	case s.Null:
		return nil
	case m.Op == StatCount || m.Op == StatDistinct:
		return jsonNumber(strconv.FormatInt(int64(s.Value), 10))
	case m.Op == StatCountIf:
		return jsonNumber(strconv.FormatInt(s.Int, 10))
	case m.Op == StatFirst || m.Op == StatLast:
		return time.Unix(0, s.Int).UTC().Format(time.RFC3339Nano)
	}
	return s.Value
}
