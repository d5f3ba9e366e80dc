package core

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core/render"
	"github.com/valyala/fastjson"
)

// DefaultActivityColumns are the columns of an activity export when the
// request names none.
var DefaultActivityColumns = labelledColumns(defaultExportFields)

// ColumnValue returns the text of a field that is read from the Activity
// without its raw JSON (the store's columns, the derived hour, triage); ok
// is false for other fields, which need the raw JSON.
func ColumnValue(a *Activity, field string) (string, bool) {
	f, ok := builtinByPath[field]
	if !ok || !f.FromColumns() {
		return "", false
	}
	return f.CellText(a), true
}

// fromColumns reports whether a field is read from the Activity alone.
func fromColumns(field string) bool {
	f, ok := builtinByPath[field]
	return ok && f.FromColumns()
}

func triText(t Tri) string {
	if t == TriNull {
		return ""
	}
	return t.String()
}

// NDJSONLine appends the stored item, with a "triage" member added when the
// event has been triaged, and a newline. The item passes through SafeJSON,
// so the line is safe to print on a terminal.
func NDJSONLine(dst []byte, a *Activity) []byte {
	raw := bytes.TrimSpace(a.Raw)
	if a.Triage == nil || len(raw) < 2 || raw[len(raw)-1] != '}' {
		dst = render.SafeJSON(dst, raw)
		return append(dst, '\n')
	}
	t, _ := json.Marshal(a.Triage)
	dst = render.SafeJSON(dst, raw[:len(raw)-1])
	if len(bytes.TrimSpace(raw[1:len(raw)-1])) > 0 {
		dst = append(dst, ',')
	}
	dst = append(dst, `"triage":`...)
	dst = append(dst, t...)
	return append(dst, '}', '\n')
}

// cellFunc returns one cell of an output row.
type cellFunc func(a *Activity, doc func() *fastjson.Value) string

// cellGetter resolves a column's field once, so writing a row costs no
// field-name lookups; the time column reuses its text while rows share
// a millisecond, as sorted rows mostly do.
func cellGetter(field string) cellFunc {
	f, ok := builtinByPath[field]
	if !ok || !f.FromColumns() {
		path := strings.Split(field, ".")
		return func(_ *Activity, doc func() *fastjson.Value) string { return rawText(path, doc) }
	}
	switch get := f.Time; {
	case f.Kept == KeptAsTime:
		lastMs := int64(math.MinInt64)
		var last string
		var buf [24]byte
		return func(a *Activity, _ func() *fastjson.Value) string {
			ns, _ := get(a)
			if ms := ns / 1e6; ms != lastMs {
				lastMs = ms
				last = string(appendTimestamp(buf[:0], ns))
			}
			return last
		}
	case f.Text != nil:
		text := f.Text
		return func(a *Activity, _ func() *fastjson.Value) string { return text(a) }
	case f.String != nil:
		str := f.String
		return func(a *Activity, _ func() *fastjson.Value) string { return str(&a.ActivityFields) }
	case f.Tri != nil:
		tri := f.Tri
		return func(a *Activity, _ func() *fastjson.Value) string { return triText(tri(&a.ActivityFields)) }
	}
	return func(a *Activity, _ func() *fastjson.Value) string { return f.CellText(a) }
}

// appendTimestamp writes t as 2006-01-02T15:04:05.000Z without the layout
// interpreter of time.Format: exports write one per row.
func appendTimestamp(b []byte, ns int64) []byte {
	t := time.Unix(0, ns).UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return t.AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	}
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	ms := t.Nanosecond() / 1e6
	d2 := func(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }
	b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	b = d2(b, int(mo))
	b = append(b, '-')
	b = d2(b, d)
	b = append(b, 'T')
	b = d2(b, h)
	b = append(b, ':')
	b = d2(b, mi)
	b = append(b, ':')
	b = d2(b, s)
	return append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
}
