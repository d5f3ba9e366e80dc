package render

import (
	"strconv"
	"time"
)

// A report for people (html, pdf, xlsx) shows its times in one zone, the
// subscription's or the user's (ReportMeta.Location), and says which.

const (
	shownLayout     = "2006-01-02 15:04 MST"                // window, generation time, chart axes
	shownCellLayout = "2006-01-02 15:04:05"                 // time cells; the zone is in the header
	cellTimeLayout  = "2006-01-02T15:04:05.999999999Z07:00" // what time cells hold (RFC 3339)
)

// zoneName names the zone of a report's times: "UTC" when none was set.
func zoneName(m ReportMeta) string {
	if m.Location == nil {
		return "UTC"
	}
	return m.Location.String()
}

// shownTime is a time of the report's metadata: RFC 3339 UTC when the
// report has no zone, else "2026-11-16 00:00 CET" in its zone.
func shownTime(m ReportMeta, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if m.Location == nil {
		return timeText(t)
	}
	return t.In(m.Location).Format(shownLayout)
}

// cellZoner rewrites the time cells of a report into its zone. It keeps
// the last conversion, since sorted rows mostly share their second.
type cellZoner struct {
	loc        *time.Location
	kinds      []ColumnKind
	last, conv string
}

func newCellZoner(m ReportMeta) *cellZoner {
	z := &cellZoner{loc: m.Location}
	for _, c := range m.Columns {
		z.kinds = append(z.kinds, c.Kind)
	}
	return z
}

// cell is the i-th cell as shown: a time cell in the zone, anything else
// (and a time that does not parse) as it is.
func (z *cellZoner) cell(i int, s string) string {
	if z.loc == nil || i >= len(z.kinds) || z.kinds[i] != KindTime || s == "" {
		return s
	}
	if s == z.last {
		return z.conv
	}
	t, err := time.Parse(cellTimeLayout, s)
	if err != nil {
		return s
	}
	z.last, z.conv = s, t.In(z.loc).Format(shownCellLayout)
	return z.conv
}

// zonedLabels are the column labels with the zone after each time
// column's, when the report has a zone: "Time (Europe/Berlin)".
func zonedLabels(m ReportMeta) []string {
	labels := columnLabels(m.Columns)
	if m.Location == nil {
		return labels
	}
	for i, c := range m.Columns {
		if c.Kind == KindTime {
			labels[i] += " (" + zoneName(m) + ")"
		}
	}
	return labels
}

// topText is one ranked list as a line: "alice (12), bob (9)".
func topText(l TopList) string {
	s := ""
	for i, it := range l.Items {
		if i > 0 {
			s += ", "
		}
		s += it.Label + " (" + countText(l, it.Count) + ")"
	}
	if s == "" {
		return "none"
	}
	return s
}

// countText is a ranked count, marked "≤" when it is an upper bound.
func countText(l TopList, n int64) string {
	if l.Approx {
		return "≤" + groupDigits(n)
	}
	return groupDigits(n)
}

// approxNote explains the "≤" of an approximate list.
func approxNote(l TopList) string {
	if !l.Approx {
		return ""
	}
	return "Counts marked ≤ are upper bounds, at most " + strconv.FormatInt(l.Slack, 10) + " over: more distinct values occurred than the report counts one by one."
}
