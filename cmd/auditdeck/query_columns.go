package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/render"
)

// columnsOutput is query's writer for --columns: the chosen fields (any
// dotted path of the activity schema) as a table or CSV. cut shortens long
// cells for a terminal; off a terminal, or for event ids, nothing is cut.
func columnsOutput(format, columns string, out io.Writer, cut bool) (emit func(*core.Activity) error, finish func() error, withRaw bool, err error) {
	var fields []string
	for _, p := range strings.Split(columns, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, nil, false, fmt.Errorf("--columns %q: empty field name; expected a comma list such as event_id,user.user_email,raw.actor.email", sanitizeLine(columns))
		}
		fields = append(fields, p)
	}
	r, err := core.NewFieldReader(fields)
	if err != nil {
		return nil, nil, false, fmt.Errorf("--columns: %w", err)
	}
	var cells []string
	switch format {
	case "csv":
		w, err := render.NewCSV(out, fields)
		if err != nil {
			return nil, nil, false, err
		}
		emit = func(a *core.Activity) error {
			cells = r.Read(a, cells)
			return w.Write(cells)
		}
		return emit, w.Flush, r.NeedsRaw(), nil
	case "table":
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		head := make([]string, len(fields))
		for i, f := range fields {
			head[i] = strings.ToUpper(sanitizeLine(f))
		}
		fmt.Fprintln(tw, strings.Join(head, "\t"))
		var line strings.Builder
		emit = func(a *core.Activity) error {
			cells = r.Read(a, cells)
			line.Reset()
			for i, c := range cells {
				if i > 0 {
					line.WriteByte('\t')
				}
				line.WriteString(tableCell(c, cut && fields[i] != "event_id"))
			}
			line.WriteByte('\n')
			_, err := io.WriteString(tw, line.String())
			return err
		}
		return emit, tw.Flush, r.NeedsRaw(), nil
	}
	return nil, nil, false, fmt.Errorf("--columns chooses the columns of table and csv output, not %q (ndjson prints whole events)", sanitizeLine(format))
}

// maxCellRunes is the longest cell a table on a terminal shows whole.
const maxCellRunes = 48

// tableCell is a cell of query's table: "-" when empty, controls made
// visible, tabs and newlines shown as escapes so a row stays one line, and,
// when cut, at most maxCellRunes characters ending in "...".
func tableCell(s string, cut bool) string {
	if s == "" {
		return "-"
	}
	s = sanitizeLine(s)
	if cut && utf8.RuneCountInString(s) > maxCellRunes {
		n := 0
		for i := range s {
			if n == maxCellRunes-3 {
				return s[:i] + "..."
			}
			n++
		}
	}
	return s
}
