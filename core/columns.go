package core

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/auditdeck/auditdeck/core/render"
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
