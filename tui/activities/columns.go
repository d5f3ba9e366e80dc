package activities

import (
	"slices"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/tui/components"
	"github.com/charmbracelet/lipgloss"
)

// tableCol is one column of the table: a field path (any the activity
// schema knows) and how it is laid out. A field the store keeps as a column
// (or the triage state) is read from the row itself; any other field's cell
// is read from the raw JSON when the page is read (see pageCells), so the
// rows the table holds still carry no raw JSON.
type tableCol struct {
	field  string
	layout components.Column
	raw    int // index into the window's raw cells; -1 when read from the row
}

// DefaultColumns are the table's columns when the config names none.
var DefaultColumns = []string{
	"created_at", "event_type", "user.user_email", "client_ip", "client_location.country.code",
	"vendor.name", "vendor.service", "operation_successful", "extra.auth.is_suspicious", "triage.state",
}

// knownLayouts are the headings and widths of the fields a default table
// shows; at 80 columns service, vendor and country are dropped first.
var knownLayouts = map[string]components.Column{
	"created_at":                   {Title: "TIME (UTC)", Min: 19, Pref: 19},
	"event_type":                   {Title: "TYPE", Min: 8, Pref: 12, Max: 16},
	"user.user_email":              {Title: "USER", Min: 12, Pref: 25, Max: 48},
	"client_ip":                    {Title: "IP", Min: 15, Pref: 15, Max: 28},
	"client_location.country.code": {Title: "CC", Min: 2, Pref: 2, Drop: 11},
	"vendor.name":                  {Title: "VENDOR", Min: 6, Pref: 10, Max: 20, Drop: 12},
	"vendor.service":               {Title: "SERVICE", Min: 7, Pref: 10, Max: 20, Drop: 13},
	"operation_successful":         {Title: "RESULT", Min: 6, Pref: 6},
	"extra.auth.is_suspicious":     {Title: "!", Min: 1, Pref: 1},
	"triage.state":                 {Title: "TRIAGE", Min: 9, Pref: 9},
	"event_id":                     {Title: "EVENT ID", Min: 8, Pref: 20, Max: 40, Drop: 14},
}

// buildColumns lays out the columns of a list of fields. A field without a
// known layout is headed by its path. On a narrow terminal the default
// table's optional columns (country, vendor, service, id) go first, then
// the chosen ones, the last first; time, type, user, IP, result and triage
// stay.
func buildColumns(fields []string) (cols []tableCol, raw []string) {
	for i, f := range fields {
		l, ok := knownLayouts[f]
		if !ok {
			title := strings.ToUpper(sanitize(f))
			l = components.Column{Title: title, Min: min(6, len(title)), Pref: min(max(len(title), 12), 24), Max: 40, Drop: min(10, 1+i)}
		}
		c := tableCol{field: f, layout: l, raw: -1}
		if _, fromRow := core.ColumnValue(&core.Activity{}, f); !fromRow {
			c.raw = len(raw)
			raw = append(raw, f)
		}
		cols = append(cols, c)
	}
	return cols, raw
}

func columnLayouts(cols []tableCol) []components.Column {
	out := make([]components.Column, len(cols))
	for i, c := range cols {
		out[i] = c.layout
	}
	return out
}

// fieldsOf lists the columns' fields.
func fieldsOf(cols []tableCol) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.field
	}
	return out
}

// setColumns replaces the columns and lays them out for the width.
func (m *Model) setColumns(fields []string) {
	m.columns, m.rawFields = buildColumns(fields)
	m.colCur = min(max(m.colCur, 0), len(m.columns)-1)
	m.layout()
}

// layout computes the column widths for the current width. Columns the
// user chose are kept while every shown column fits at its narrowest: the
// default optional columns give way first; only when even that overflows
// are the chosen ones dropped too, the last chosen first.
func (m *Model) layout() {
	m.cache.Reset()
	total := m.width - gutterWidth
	ls := columnLayouts(m.columns)
	keep := slices.Clone(ls)
	for i, c := range m.columns {
		if _, known := knownLayouts[c.field]; !known {
			keep[i].Drop = 0
		}
	}
	m.cols = components.LayoutColumns(keep, total, 1)
	if usedWidth(m.cols) > total {
		m.cols = components.LayoutColumns(ls, total, 1)
	}
}

// usedWidth is the cells a layout takes, separators included.
func usedWidth(w []int) int {
	n, k := 0, 0
	for _, x := range w {
		if x > 0 {
			n += x
			k++
		}
	}
	return n + max(0, k-1)
}

// pageCells reads the raw-JSON columns of a page's rows and drops the raw
// JSON: the window keeps a few cells per row, not whole events. It runs in
// the fetch's command.
func pageCells(rows []core.Activity, fields []string) map[string][]string {
	if len(fields) == 0 {
		return nil
	}
	r, err := core.NewFieldReader(fields)
	if err != nil {
		return nil // the fields were checked when chosen
	}
	out := make(map[string][]string, len(rows))
	for i := range rows {
		out[rows[i].EventID] = r.Read(&rows[i], nil)
		rows[i].Raw = nil
	}
	return out
}

// cell returns a column's sanitized text and its style (nil for plain).
func (m *Model) cell(a *core.Activity, c *tableCol) (string, *lipgloss.Style) {
	st := m.st
	switch c.field {
	case "created_at":
		return time.Unix(0, a.CreatedAt).UTC().Format(timeLayout), nil
	case "operation_successful":
		switch a.Successful {
		case core.TriTrue:
			return "ok", &st.OK
		case core.TriFalse:
			return "FAILED", &st.Failed
		}
		return "-", &st.Dim
	case "extra.auth.is_suspicious":
		if a.Suspicious == core.TriTrue {
			return "!", &st.Suspicious
		}
		return "", nil
	case "triage.state":
		switch s := a.StateOf(); s {
		case core.StateReviewed:
			return string(s), &st.Reviewed
		case core.StateEscalated:
			return string(s), &st.Escalated
		case core.StateDismissed:
			return string(s), &st.Dismissed
		default:
			return string(s), &st.Dim
		}
	}
	var text string
	if c.raw >= 0 {
		if cells := m.tbl.cells[a.EventID]; c.raw < len(cells) {
			text = cells[c.raw]
		}
	} else {
		text, _ = core.ColumnValue(a, c.field)
	}
	if text == "" {
		return "-", &st.Dim
	}
	return sanitize(text), nil
}

// tableExportColumns maps the table's columns (those with a width, when
// widths are given) to export columns.
func tableExportColumns(cols []tableCol, widths []int) [][]string {
	var out [][]string
	for i, c := range cols {
		if widths != nil && (i >= len(widths) || widths[i] == 0) {
			continue
		}
		out = append(out, []string{c.field, core.BuiltinLabel(c.field)})
	}
	return out
}
