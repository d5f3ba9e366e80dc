package core

import (
	"bytes"
	"encoding/json"
	"math"
	"time"

	"github.com/auditdeck/auditdeck/core/render"
	"github.com/valyala/fastjson"
)

// DefaultActivityColumns are the columns of an activity export when the
// request names none.
var DefaultActivityColumns = []render.Column{
	{Field: "created_at", Label: "Time"},
	{Field: "event_id", Label: "Event ID"},
	{Field: "event_type", Label: "Type"},
	{Field: "user.user_email", Label: "User"},
	{Field: "client_ip", Label: "Client IP"},
	{Field: "client_location.country.code", Label: "Country"},
	{Field: "vendor.name", Label: "Vendor"},
	{Field: "vendor.service", Label: "Service"},
	{Field: "operation_successful", Label: "Successful"},
	{Field: "extra.auth.is_suspicious", Label: "Suspicious"},
	{Field: "triage.state", Label: "Triage"},
}

// ColumnValue returns the text of a column field that the store keeps as a
// column; ok is false for other fields, which need the raw JSON.
func ColumnValue(a *Activity, field string) (string, bool) {
	switch field {
	case "created_at":
		return time.Unix(0, a.CreatedAt).UTC().Format("2006-01-02T15:04:05.000Z07:00"), true
	case "event_id":
		return a.EventID, true
	case "event_type":
		return a.EventType, true
	case "user.user_email":
		return a.UserEmail, true
	case "client_ip":
		return a.ClientIP, true
	case "client_location.country.code":
		return a.Country, true
	case "vendor.name":
		return a.VendorName, true
	case "vendor.service":
		return a.VendorService, true
	case "operation_successful":
		return triText(a.Successful), true
	case "extra.auth.is_suspicious":
		return triText(a.Suspicious), true
	case "triage.state":
		return string(a.StateOf()), true
	case "triage.note":
		if a.Triage == nil {
			return "", true
		}
		return a.Triage.Note, true
	case "triage.by":
		if a.Triage == nil {
			return "", true
		}
		return a.Triage.By, true
	}
	return "", false
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
// field-name comparisons; the time column reuses its text while rows share
// a second, as sorted rows mostly do.
func cellGetter(field string) cellFunc {
	switch field {
	case "created_at":
		lastMs := int64(math.MinInt64)
		var last string
		var buf [24]byte
		return func(a *Activity, _ func() *fastjson.Value) string {
			if ms := a.CreatedAt / 1e6; ms != lastMs {
				lastMs = ms
				last = string(appendTimestamp(buf[:0], a.CreatedAt))
			}
			return last
		}
	case "event_id":
		return func(a *Activity, _ func() *fastjson.Value) string { return a.EventID }
	case "event_type":
		return func(a *Activity, _ func() *fastjson.Value) string { return a.EventType }
	case "user.user_email":
		return func(a *Activity, _ func() *fastjson.Value) string { return a.UserEmail }
	case "client_ip":
		return func(a *Activity, _ func() *fastjson.Value) string { return a.ClientIP }
	case "client_location.country.code":
		return func(a *Activity, _ func() *fastjson.Value) string { return a.Country }
	case "vendor.name":
		return func(a *Activity, _ func() *fastjson.Value) string { return a.VendorName }
	case "vendor.service":
		return func(a *Activity, _ func() *fastjson.Value) string { return a.VendorService }
	case "operation_successful":
		return func(a *Activity, _ func() *fastjson.Value) string { return triText(a.Successful) }
	case "extra.auth.is_suspicious":
		return func(a *Activity, _ func() *fastjson.Value) string { return triText(a.Suspicious) }
	}
	return func(a *Activity, doc func() *fastjson.Value) string { return fieldText(a, field, doc) }
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
