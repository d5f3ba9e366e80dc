package render

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// format describes one output format NewWriter knows.
type format struct {
	ext   string
	ctype string
	open  func(io.Writer) Writer
}

var formats = map[string]format{
	"csv":    {".csv", "text/csv; charset=utf-8", newCSVReport},
	"ndjson": {".ndjson", "application/x-ndjson", newNDJSONReport},
	"json":   {".json", "application/json", newJSONReport},
	"html":   {".html", "text/html; charset=utf-8", newHTMLReport},
	"pdf":    {".pdf", "application/pdf", newPDFReport},
	"xlsx":   {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", newXLSXReport},
}

// ErrUnknownFormat is wrapped by NewWriter's error for a format it does not know.
var ErrUnknownFormat = errors.New("unknown format")

func lookupFormat(name string) (format, bool) {
	f, ok := formats[strings.ToLower(strings.TrimSpace(name))]
	return f, ok
}

// NewWriter returns a streaming Writer of format (one of Formats; case is
// ignored) that writes to w. The caller closes w after End.
func NewWriter(name string, w io.Writer) (Writer, error) {
	f, ok := lookupFormat(name)
	if !ok {
		return nil, fmt.Errorf("render: %w %q (known: %s)", ErrUnknownFormat, name, strings.Join(Formats, ", "))
	}
	if w == nil {
		return nil, errors.New("render: nil io.Writer")
	}
	return f.open(w), nil
}

// Extension returns the file name extension of format, with its dot
// (".csv"), or "" for an unknown format.
func Extension(name string) string {
	f, _ := lookupFormat(name)
	return f.ext
}

// ContentType returns the MIME type of format, or "" for an unknown format.
func ContentType(name string) string {
	f, _ := lookupFormat(name)
	return f.ctype
}

// ErrAborted is returned by a Writer's Row and End after Abort.
var ErrAborted = errors.New("render: report aborted")

// Abort releases what a Writer holds (the xlsx writer's temporary files,
// the pdf writer's document) when the caller stops before End, for
// example on cancel or a read error; the writer then refuses Row and End.
// It does nothing after End and is safe to call more than once.
func Abort(w Writer) {
	if a, ok := w.(interface{ abort() }); ok {
		a.abort()
	}
}

// ErrWriterState is returned when Begin, Row and End are called out of order.
var ErrWriterState = errors.New("render: writer used out of order (Begin, Row..., End)")

// phase keeps a Writer's Begin/Row/End order and its first error: after an
// error every later call returns it.
type phase struct {
	began, ended bool
	err          error
	rows         int64
}

func (p *phase) begin() error {
	if p.err != nil {
		return p.err
	}
	if p.began {
		return ErrWriterState
	}
	p.began = true
	return nil
}

func (p *phase) row() error {
	if p.err != nil {
		return p.err
	}
	if !p.began || p.ended {
		return ErrWriterState
	}
	return nil
}

func (p *phase) end() error {
	if p.err != nil {
		return p.err
	}
	if !p.began || p.ended {
		return ErrWriterState
	}
	p.ended = true
	return nil
}

// abort stops the writer; false when End already ran.
func (p *phase) abort() bool {
	if p.ended {
		return false
	}
	p.ended = true
	if p.err == nil {
		p.err = ErrAborted
	}
	return true
}

// fail records the first error and returns it.
func (p *phase) fail(err error) error {
	if err != nil && p.err == nil {
		p.err = err
	}
	return err
}

var errNoColumns = errors.New("render: report has no columns")

// checkCells reports a row whose cell count does not match the columns.
func checkCells(r Row, n int, rowNo int64) error {
	if len(r.Cells) != n {
		return fmt.Errorf("render: row %d has %d cells, the report has %d columns", rowNo, len(r.Cells), n)
	}
	return nil
}

func columnLabels(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Label
		if out[i] == "" {
			out[i] = c.Field
		}
	}
	return out
}

// objectKeys are the member names of a row written as a JSON object: the
// column labels, the field where a label is empty, made unique with " (2)",
// " (3)"... so no member is lost to a duplicate name.
func objectKeys(cols []Column) []string {
	keys := columnLabels(cols)
	seen := make(map[string]bool, len(keys))
	for i, k := range keys {
		if seen[k] {
			for n := 2; ; n++ {
				c := k + " (" + strconv.Itoa(n) + ")"
				if !seen[c] {
					k = c
					break
				}
			}
			keys[i] = k
		}
		seen[k] = true
	}
	return keys
}

const timeLayout = time.RFC3339 // UTC, so it ends in Z

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// windowText states the resolved window: "all time" when unbounded.
func windowText(m ReportMeta) string {
	switch {
	case m.WindowStart.IsZero() && m.WindowEnd.IsZero():
		return "all time"
	case m.WindowEnd.IsZero():
		return "from " + shownTime(m, m.WindowStart) + " (no end)"
	case m.WindowStart.IsZero():
		return "until " + shownTime(m, m.WindowEnd) + " (no start)"
	}
	return shownTime(m, m.WindowStart) + " to " + shownTime(m, m.WindowEnd)
}

func filterText(m ReportMeta) string {
	if strings.TrimSpace(m.Filter) == "" {
		return "none (all events)"
	}
	return m.Filter
}

// filterWords is the filter in plain English when the report has it,
// else the DSL.
func filterWords(m ReportMeta) string {
	if strings.TrimSpace(m.Filter) == "" {
		return "none (all events)"
	}
	if m.FilterWords != "" {
		return m.FilterWords
	}
	return m.Filter
}

func generatedText(m ReportMeta) string {
	if m.GeneratedAt.IsZero() {
		return "unknown"
	}
	return shownTime(m, m.GeneratedAt)
}

// rowLimitNote states a cut made by the row limit, or "" when there is none.
func rowLimitNote(m ReportMeta) string {
	if m.RowLimit <= 0 {
		return ""
	}
	return fmt.Sprintf("Row limit: only the first %s rows are included; more events matched the filter.", groupDigits(m.RowLimit))
}

// countNote states a difference between the rows announced in
// ReportMeta.Total and the rows written, or "" when they agree.
func countNote(m ReportMeta, written int64) string {
	if written == m.Total {
		return ""
	}
	return fmt.Sprintf("%s rows were written; %s were announced when the report began.", groupDigits(written), groupDigits(m.Total))
}

// groupDigits writes n with thousands separators: 1,048,576.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// sampleRows is how many leading rows the paged formats (pdf, xlsx) hold to
// fit their column widths before the first row is written.
const sampleRows = 100

// sampleWidths returns, for each column, the larger of the label's measure
// and the 90th percentile of the sampled cells' measures, and whether the
// column's cells are all of about the same size (times, ids, flags), the
// kind of column that is worth showing whole.
func sampleWidths(labels []string, sample [][]string, measure func(string) float64) (want []float64, even []bool) {
	want = make([]float64, len(labels))
	even = make([]bool, len(labels))
	vals := make([]float64, 0, len(sample))
	for i, l := range labels {
		vals = vals[:0]
		for _, r := range sample {
			if i < len(r) {
				vals = append(vals, measure(r[i]))
			}
		}
		w := measure(l)
		if len(vals) > 0 {
			sort.Float64s(vals)
			// nearest-rank 90th percentile
			k := (len(vals)*9 + 9) / 10
			if p := vals[k-1]; p > w {
				w = p
			}
			even[i] = vals[0] >= 0.75*vals[len(vals)-1]
		}
		want[i] = w
	}
	return want, even
}

// fitColumns is fitWidths that first gives the even columns their whole
// width, when they take no more than 60% of the room.
func fitColumns(want []float64, even []bool, min, total float64) []float64 {
	fixed, rest := 0.0, 0
	for i, w := range want {
		if even[i] {
			fixed += max(w, min)
		} else {
			rest++
		}
	}
	if fixed == 0 || rest == 0 || fixed > 0.6*total || fixed+float64(rest)*min > total {
		return fitWidths(want, min, total)
	}
	var others []float64
	for i, w := range want {
		if !even[i] {
			others = append(others, w)
		}
	}
	sum := 0.0
	for _, w := range others {
		sum += max(w, min)
	}
	if sum+fixed <= total {
		return fitWidths(want, min, total) // everything fits: share the spare room
	}
	fit := fitWidths(others, min, total-fixed)
	out := make([]float64, len(want))
	j := 0
	for i, w := range want {
		if even[i] {
			out[i] = max(w, min)
		} else {
			out[i] = fit[j]
			j++
		}
	}
	return out
}

// fitWidths shares total among columns that want the given widths: when
// they fit, the spare room is shared in proportion; when they do not,
// narrow columns keep their width and the wide ones are capped at the same
// width (water filling). No column gets less than min unless even that
// does not fit, in which case all get an equal share.
func fitWidths(want []float64, min, total float64) []float64 {
	n := len(want)
	out := make([]float64, n)
	if n == 0 {
		return out
	}
	if min*float64(n) >= total {
		for i := range out {
			out[i] = total / float64(n)
		}
		return out
	}
	sum := 0.0
	for i, w := range want {
		if w < min {
			w = min
		}
		out[i] = w
		sum += w
	}
	if sum <= total {
		k := total / sum
		for i := range out {
			out[i] *= k
		}
		return out
	}
	// Find the cap c with sum(min(out[i], c)) == total by bisection.
	lo, hi := min, 0.0
	for _, w := range out {
		if w > hi {
			hi = w
		}
	}
	for range 60 {
		c := (lo + hi) / 2
		s := 0.0
		for _, w := range out {
			s += minf(w, c)
		}
		if s > total {
			hi = c
		} else {
			lo = c
		}
	}
	s := 0.0
	for i := range out {
		out[i] = minf(out[i], lo)
		s += out[i]
	}
	// Give the rounding slack to the capped columns.
	if s < total {
		capped := 0
		for _, w := range out {
			if w >= lo {
				capped++
			}
		}
		if capped > 0 {
			for i := range out {
				if out[i] >= lo {
					out[i] += (total - s) / float64(capped)
				}
			}
		}
	}
	return out
}

func minf(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

// visibleControls is Terminal for cells of formats that keep line breaks
// (xlsx): tab, LF and CR stay, every other C0 control, DEL, C1 control and
// invalid UTF-8 byte is written as a visible escape.
func visibleControls(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for len(s) > 0 {
		i := strings.IndexAny(s, "\t\n\r")
		if i < 0 {
			b.WriteString(Terminal(s))
			break
		}
		b.WriteString(Terminal(s[:i]))
		b.WriteByte(s[i])
		s = s[i+1:]
	}
	return b.String()
}

// runeCount is a cheap width measure in characters.
func runeCount(s string) float64 { return float64(utf8.RuneCountInString(s)) }
