package render

import (
	"bytes"
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/auditdeck/auditdeck/core"
)

// Column is one output column: a field path and its label (HSS ExportHead).
type Column struct {
	Field string
	Label string
}

// DefaultActivityColumns are the columns of an activity export when the
// request names none.
var DefaultActivityColumns = []Column{
	{"created_at", "Time"},
	{"event_id", "Event ID"},
	{"event_type", "Type"},
	{"user.user_email", "User"},
	{"client_ip", "Client IP"},
	{"client_location.country.code", "Country"},
	{"vendor.name", "Vendor"},
	{"vendor.service", "Service"},
	{"operation_successful", "Successful"},
	{"extra.auth.is_suspicious", "Suspicious"},
	{"triage.state", "Triage"},
}

// ColumnValue returns the text of a column field that the store keeps as a
// column; ok is false for other fields, which need the raw JSON.
func ColumnValue(a *core.Activity, field string) (string, bool) {
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

func triText(t core.Tri) string {
	if t == core.TriNull {
		return ""
	}
	return t.String()
}

// NDJSONLine appends the stored item, with a "triage" member added when the
// event has been triaged, and a newline. The item passes through SafeJSON,
// so the line is safe to print on a terminal.
func NDJSONLine(dst []byte, a *core.Activity) []byte {
	raw := bytes.TrimSpace(a.Raw)
	if a.Triage == nil || len(raw) < 2 || raw[len(raw)-1] != '}' {
		dst = SafeJSON(dst, raw)
		return append(dst, '\n')
	}
	t, _ := json.Marshal(a.Triage)
	dst = SafeJSON(dst, raw[:len(raw)-1])
	if len(bytes.TrimSpace(raw[1:len(raw)-1])) > 0 {
		dst = append(dst, ',')
	}
	dst = append(dst, `"triage":`...)
	dst = append(dst, t...)
	return append(dst, '}', '\n')
}

// SafeJSON appends JSON text with the characters that JSON allows raw but a
// terminal would act on written as escapes: DEL and the C1 controls become
// \u007f and \u0080..\u009f, bytes that are not UTF-8 become \ufffd, and
// control bytes between tokens (CR, tab) become spaces.
// Outside strings JSON is ASCII, so the result is the same JSON value.
func SafeJSON(dst, raw []byte) []byte {
	start := 0
	for i := 0; i < len(raw); {
		c := raw[i]
		if c < 0x7f && c >= 0x20 {
			i++
			continue
		}
		if c < 0x20 {
			// Valid JSON has control bytes only as whitespace between
			// tokens: a space is the same JSON and moves no cursor.
			dst = append(dst, raw[start:i]...)
			dst = append(dst, ' ')
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(raw[i:])
		var esc string
		switch {
		case c == 0x7f:
			esc = `\u007f`
		case r == utf8.RuneError && size == 1:
			esc = `\ufffd`
		case r >= 0x80 && r <= 0x9f:
			esc = `\u00` + hex2(byte(r))
		default:
			i += size
			continue
		}
		dst = append(dst, raw[start:i]...)
		dst = append(dst, esc...)
		i += size
		start = i
	}
	return append(dst, raw[start:]...)
}
