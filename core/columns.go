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

// cellFunc reads one cell of an output row. A field read from the
// Activity is read by the registry's accessor itself, not by a closure
// around it: exports read every cell this way, and the second indirect
// call cost 2% of the instructions of writing a CSV row.
type cellFunc struct {
	str  func(*ActivityFields) string                         // string columns
	tri  func(*ActivityFields) Tri                            // tri-state columns
	act  func(*Activity) string                               // fields with their own text
	text func(a *Activity, doc func() *fastjson.Value) string // the rest
}

// readCells fills cells with a's cells, one per getter, in one call per
// row: an exported row reads all its cells here.
func readCells(cells []string, getters []cellFunc, a *Activity, doc func() *fastjson.Value) {
	cells = cells[:len(getters)]
	for i := range getters {
		switch g := &getters[i]; {
		case g.str != nil:
			cells[i] = g.str(&a.ActivityFields)
		case g.tri != nil:
			cells[i] = triText(g.tri(&a.ActivityFields))
		case g.act != nil:
			cells[i] = g.act(a)
		default:
			cells[i] = g.text(a, doc)
		}
	}
}

// cellGetter resolves a column's field once, so writing a row costs no
// field-name lookups; the time column reuses its text while rows share
// a millisecond, as sorted rows mostly do.
func cellGetter(field string) cellFunc {
	f, ok := builtinByPath[field]
	if !ok || !f.FromColumns() {
		path := strings.Split(field, ".")
		return cellFunc{text: func(_ *Activity, doc func() *fastjson.Value) string { return rawText(path, doc) }}
	}
	switch {
	case f.Kept == KeptAsTime:
		get := f.Time
		lastMs := int64(math.MinInt64)
		var last string
		var buf [24]byte
		return cellFunc{act: func(a *Activity) string {
			ns, _ := get(a)
			if ms := ns / 1e6; ms != lastMs {
				lastMs = ms
				last = string(appendTimestamp(buf[:0], ns))
			}
			return last
		}}
	case f.Text != nil:
		return cellFunc{act: f.Text}
	case f.String != nil:
		return cellFunc{str: f.String}
	case f.Tri != nil:
		return cellFunc{tri: f.Tri}
	}
	return cellFunc{act: f.CellText}
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
