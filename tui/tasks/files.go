package tasks

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/auditdeck/auditdeck/tui/viewkit"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/tui"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

const (
	previewRows   = 200     // rows a preview reads at most
	maxCellBytes  = 1024    // longer cells are cut before they are kept
	maxLineBytes  = 4 << 20 // longest NDJSON line a preview reads
	maxManifest   = 1 << 20 // largest manifest shown
	maxPreviewCol = 40      // widest preview column, in cells
)

// preview is the first rows of one output file, every cell sanitised.
type preview struct {
	name   string
	format string
	header []string
	rows   [][]string
	more   bool // the file has more rows than were read
}

// previewFile picks a finished task's CSV, else its NDJSON file.
func previewFile(t core.Task) (core.TaskFile, bool) {
	if t.Status != core.TaskSucceeded {
		return core.TaskFile{}, false
	}
	for _, format := range []string{"csv", "ndjson"} {
		for _, f := range t.Files {
			if f.Format == format {
				return f, true
			}
		}
	}
	return core.TaskFile{}, false
}

func loadPreview(view int64, gen int, eng *core.Engine, actor core.Actor, id, format string) tea.Cmd {
	return func() tea.Msg {
		f, err := outputFile(eng, actor, id, format)
		if err != nil {
			return previewMsg{view: view, gen: gen, err: err}
		}
		p, err := readPreview(f)
		return previewMsg{view: view, gen: gen, prev: p, err: err}
	}
}

// outputFile is one of a task's files as the engine vouches for it (its
// path checked to be the task's own), never a path taken from the list.
func outputFile(eng *core.Engine, actor core.Actor, id, format string) (core.TaskFile, error) {
	tr := eng.Tasks()
	if tr == nil {
		return core.TaskFile{}, errors.New("the task runner is not running")
	}
	_, files, err := tr.Outputs(context.Background(), actor, id)
	if err != nil {
		return core.TaskFile{}, err
	}
	for _, f := range files {
		if f.Format == format {
			return f, nil
		}
	}
	return core.TaskFile{}, fmt.Errorf("task %s has no %s file", id, format)
}

// cell keeps a bounded, sanitised copy of one value.
func cell(s string) string {
	if len(s) > maxCellBytes {
		cut := maxCellBytes
		for cut > 0 && (s[cut]&0xC0) == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return viewkit.Clean(s)
}

// readPreview reads at most previewRows rows of a CSV or NDJSON file.
func readPreview(f core.TaskFile) (*preview, error) {
	fh, err := os.Open(f.Path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	p := &preview{name: f.Name, format: f.Format}
	switch f.Format {
	case "csv":
		r := csv.NewReader(bufio.NewReaderSize(fh, 64<<10))
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		head, err := r.Read()
		if errors.Is(err, io.EOF) {
			return p, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		for _, h := range head {
			p.header = append(p.header, cell(h))
		}
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return p, fmt.Errorf("%s: %w", f.Name, err)
			}
			if len(p.rows) == previewRows {
				p.more = true
				break
			}
			row := make([]string, len(rec))
			for i, c := range rec {
				row[i] = cell(c)
			}
			p.rows = append(p.rows, row)
		}
	case "ndjson":
		br := bufio.NewReaderSize(fh, 64<<10)
		index := map[string]int{}
		for n := 1; ; n++ {
			line, err := readLine(br)
			if errors.Is(err, io.EOF) && len(line) == 0 {
				break
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return p, fmt.Errorf("%s line %d: %w", f.Name, n, err)
			}
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			if len(p.rows) == previewRows {
				p.more = true
				break
			}
			keys, vals := objectCells(line)
			row := make([]string, len(p.header))
			for i, k := range keys {
				j, ok := index[k]
				if !ok {
					j = len(p.header)
					index[k] = j
					p.header = append(p.header, cell(k))
					row = append(row, "")
				}
				row[j] = cell(vals[i])
			}
			p.rows = append(p.rows, row)
		}
	default:
		return nil, fmt.Errorf("cannot preview %s files", f.Format)
	}
	return p, nil
}

// readLine reads one line of at most maxLineBytes.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxLineBytes {
			return nil, fmt.Errorf("line longer than %d bytes", maxLineBytes)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

// objectCells splits one JSON object into its members in file order; a
// value that is not an object is one column named "value".
func objectCells(line []byte) (keys, vals []string) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return []string{"value"}, []string{string(bytes.TrimSpace(line))}
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			break
		}
		k, _ := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			break
		}
		keys = append(keys, k)
		vals = append(vals, valueText(raw))
	}
	return keys, vals
}

func valueText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) == nil {
		return b.String()
	}
	return string(raw)
}

// loadDetails reads a task's manifest, pretty and sanitised; a task that
// has none yet shows its own record.
func loadDetails(view int64, gen int, eng *core.Engine, actor core.Actor, t core.Task) tea.Cmd {
	return func() tea.Msg {
		if t.Manifest == "" || t.Status != core.TaskSucceeded {
			b, err := json.MarshalIndent(t, "", "  ")
			return detailsMsg{view: view, gen: gen, title: "task record (a manifest is written when the task succeeds)", lines: jsonLines(b), err: err}
		}
		man, err := outputFile(eng, actor, t.ID, core.ManifestFormat)
		if err != nil {
			return detailsMsg{view: view, gen: gen, err: fmt.Errorf("manifest: %w", err)}
		}
		fh, err := os.Open(man.Path)
		if err != nil {
			return detailsMsg{view: view, gen: gen, err: fmt.Errorf("manifest: %w", err)}
		}
		defer fh.Close()
		b, err := io.ReadAll(io.LimitReader(fh, maxManifest+1))
		if err != nil {
			return detailsMsg{view: view, gen: gen, err: fmt.Errorf("manifest: %w", err)}
		}
		title := "manifest " + man.Path
		if len(b) > maxManifest {
			b, title = b[:maxManifest], title+" (first MiB)"
		}
		var pretty bytes.Buffer
		if json.Indent(&pretty, b, "", "  ") == nil {
			b = pretty.Bytes()
		}
		return detailsMsg{view: view, gen: gen, title: title, lines: jsonLines(b)}
	}
}

// jsonLines sanitises each line of a JSON text.
func jsonLines(b []byte) []string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	for i, l := range lines {
		lines[i] = viewkit.Clean(l)
	}
	return lines
}

var jsonMember = regexp.MustCompile(`^(\s*)("(?:[^"\\]|\\.)*")(:\s*)(.*)$`)

// colourJSON styles one sanitised line of indented JSON.
func colourJSON(st *tui.Styles, l string) string {
	m := jsonMember.FindStringSubmatch(l)
	if m == nil {
		return colourValue(st, l)
	}
	return m[1] + st.JSONKey.Render(m[2]) + m[3] + colourValue(st, m[4])
}

func colourValue(st *tui.Styles, v string) string {
	trim := strings.TrimSpace(v)
	body := strings.TrimSuffix(trim, ",")
	comma := trim[len(body):]
	lead := v[:len(v)-len(strings.TrimLeft(v, " "))]
	switch {
	case body == "":
		return v
	case strings.HasPrefix(body, `"`):
		return lead + st.JSONString.Render(body) + comma
	case body == "true" || body == "false" || body == "null":
		return lead + st.JSONLiteral.Render(body) + comma
	case strings.ContainsAny(body[:1], "-0123456789"):
		return lead + st.JSONNumber.Render(body) + comma
	}
	return v
}

func (m *Model) previewView() string {
	st := m.ctx.Styles
	w, h := m.w, m.h
	switch {
	case m.prevLoading:
		return viewkit.FitLines([]string{st.Title.Render("Preview"), "", st.Dim.Render("reading…")}, w, h)
	case m.prev == nil:
		return viewkit.FitLines([]string{st.Title.Render("Preview"), "", st.Error.Render(viewkit.Fit(viewkit.Clean(m.prevErr), w))}, w, h)
	}
	p := m.prev
	n := fmt.Sprintf("first %s", viewkit.Plural(int64(len(p.rows)), "row", "rows"))
	if !p.more {
		n = viewkit.Plural(int64(len(p.rows)), "row", "rows")
	}
	head := []string{st.Title.Render(viewkit.Fit(fmt.Sprintf("Preview of %s (%s) · %s", viewkit.Clean(p.name), p.format, n), w))}
	if m.prevErr != "" {
		head = append(head, st.Error.Render(viewkit.Fit("stopped early: "+viewkit.Clean(m.prevErr), w)))
	}
	if len(p.header) == 0 {
		return viewkit.FitLines(append(head, "", st.Dim.Render("the file is empty")), w, h)
	}
	// Column widths from the header and the rows read, capped.
	widthsOf := make([]int, len(p.header))
	for i, hd := range p.header {
		widthsOf[i] = ansi.StringWidth(hd)
	}
	for _, r := range p.rows {
		for i, c := range r {
			if i < len(widthsOf) {
				widthsOf[i] = max(widthsOf[i], ansi.StringWidth(c))
			}
		}
	}
	m.prevCol = min(m.prevCol, len(p.header)-1)
	var cols []viewkit.Col
	used := 2
	last := m.prevCol
	for i := m.prevCol; i < len(p.header); i++ {
		cw := min(max(3, widthsOf[i]), maxPreviewCol)
		if len(cols) > 0 && used+1+cw > w {
			// Show part of the next column when there is room for some of it.
			if room := w - used - 1; room >= 8 {
				cols = append(cols, viewkit.Col{Title: p.header[i], W: room})
				last = i
			}
			break
		}
		cols = append(cols, viewkit.Col{Title: p.header[i], W: cw})
		used += cw + 1
		last = i
	}
	head = append(head, st.Dim.Render(viewkit.Fit(fmt.Sprintf("columns %d–%d of %d (←/→) · rows ↑/↓", m.prevCol+1, last+1, len(p.header)), w)), "")
	rows := make([][]string, len(p.rows))
	for i, r := range p.rows {
		if m.prevCol < len(r) {
			rows[i] = r[m.prevCol:]
		}
	}
	table := m.prevRow.RenderList(st, cols, rows, nil, w, h-len(head), true)
	return viewkit.FitLines(append(head, strings.Split(table, "\n")...), w, h)
}
