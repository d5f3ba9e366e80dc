package render

import (
	"archive/zip"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// xlsxMaxRows is how many rows one sheet holds, the header included
// (Excel's limit, 1,048,576). A variable so tests can make it small.
var xlsxMaxRows = excelize.TotalRows

// xlsxReport writes an XLSX workbook with excelize's stream writer: the
// sheet "Report" (a bold, frozen header row of the labels, then the rows),
// continued on "Report 2", "Report 3"... when a sheet is full, and a sheet
// "About" with the title, filter, window, generation time, totals, summary,
// row-limit note and the list of report sheets.
//
// Cells are typed by their column's Kind: times as dates (in the report's
// zone, shown as yyyy-mm-dd hh:mm:ss), booleans, numbers; a cell that does
// not parse as its kind, and every text cell, is a string, never a formula.
// Strings also pass through CSVCell, so a formula start stays neutral if a
// user saves the sheet as CSV, and controls other than tab, LF and CR are
// written as visible escapes (XML cannot hold them). Each report sheet is
// an Excel table over its rows, which gives the header its filter buttons
// (autofilter). excelize keeps streamed rows in a temporary file once they
// pass 16 MiB; the zip is written straight to the output at End.
type xlsxReport struct {
	out     io.Writer
	f       *excelize.File
	sw      *excelize.StreamWriter
	meta    ReportMeta
	labels  []string
	bold    int
	date    int // style of date cells
	loc     *time.Location
	kinds   []ColumnKind
	sample  [][]string
	widths  []float64
	sheets  []string
	sheetR  int // rows written on the current sheet, header included
	vals    []interface{}
	started bool
	p       phase
}

func newXLSXReport(w io.Writer) Writer { return &xlsxReport{out: w} }

// xlsxText is the text of one cell: controls visible, the two characters
// XML cannot hold (U+FFFE, U+FFFF) as U+FFFD, cut with an ellipsis to
// Excel's 32,767 characters, formula starts neutralised.
func xlsxText(s string) string {
	s = visibleControls(s)
	if strings.ContainsRune(s, 0xfffe) || strings.ContainsRune(s, 0xffff) {
		s = strings.Map(func(r rune) rune {
			if r == 0xfffe || r == 0xffff {
				return utf8.RuneError
			}
			return r
		}, s)
	}
	return xlsxCut(CSVCell(s))
}

// xlsxCut keeps s within excelize.TotalCellChars UTF-16 units, the cut
// marked by an ellipsis (excelize would cut silently).
func xlsxCut(s string) string {
	if len(s) <= excelize.TotalCellChars {
		return s // a UTF-16 unit takes at least one byte
	}
	units := 0
	for i, r := range s {
		n := 1
		if r > 0xffff {
			n = 2
		}
		if units+n > excelize.TotalCellChars-1 {
			return s[:i] + "…"
		}
		units += n
	}
	return s
}

func (r *xlsxReport) Begin(meta ReportMeta) error {
	if err := r.p.begin(); err != nil {
		return err
	}
	if len(meta.Columns) == 0 {
		return r.p.fail(errNoColumns)
	}
	r.meta = meta
	r.f = excelize.NewFile()
	// Write the zip straight to the output instead of into a buffer.
	r.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(r.out) })
	if err := r.f.SetSheetName("Sheet1", "Report"); err != nil {
		return r.p.fail(r.close(err))
	}
	bold, err := r.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return r.p.fail(r.close(err))
	}
	r.bold = bold
	format := "yyyy-mm-dd hh:mm:ss"
	if r.date, err = r.f.NewStyle(&excelize.Style{CustomNumFmt: &format}); err != nil {
		return r.p.fail(r.close(err))
	}
	r.loc = meta.Location
	if r.loc == nil {
		r.loc = time.UTC
	}
	for _, c := range meta.Columns {
		r.kinds = append(r.kinds, c.Kind)
	}
	r.labels = xlsxLabels(zonedLabels(meta))
	r.vals = make([]interface{}, len(meta.Columns))
	return nil
}

// close releases excelize's temporary files and returns err (or the
// release's error).
func (r *xlsxReport) close(err error) error {
	if r.f == nil {
		return err
	}
	cerr := r.f.Close()
	r.f = nil
	if err == nil {
		err = cerr
	}
	return err
}

func (r *xlsxReport) Row(row Row) error {
	if err := r.p.row(); err != nil {
		return err
	}
	r.p.rows++
	if err := checkCells(row, len(r.labels), r.p.rows); err != nil {
		return r.p.fail(r.close(err))
	}
	if !r.started {
		r.sample = append(r.sample, slices.Clone(row.Cells))
		if len(r.sample) < sampleRows {
			return nil
		}
		if err := r.start(); err != nil {
			return r.p.fail(r.close(err))
		}
		return nil
	}
	for i, c := range row.Cells {
		r.vals[i] = r.value(i, c)
	}
	if err := r.writeRow(r.vals); err != nil {
		return r.p.fail(r.close(err))
	}
	return nil
}

// value is a cell as its column's kind, else as text; nil (no cell) when
// empty.
func (r *xlsxReport) value(i int, s string) interface{} {
	if s == "" {
		return nil
	}
	switch r.kinds[i] {
	case KindTime:
		// Excel's dates start in 1900; the wall clock of the report's zone,
		// since a spreadsheet date has no zone (the header names it).
		if t, err := time.Parse(cellTimeLayout, s); err == nil && t.Year() >= 1900 && t.Year() <= 9999 {
			return excelize.Cell{StyleID: r.date, Value: t.In(r.loc)}
		}
	case KindBool:
		switch s {
		case "true":
			return true
		case "false":
			return false
		}
	case KindNumber:
		if v, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(v, 0) && !math.IsNaN(v) {
			return v
		}
	}
	return xlsxText(s)
}

// shown is a cell's text as the sheet shows it, for fitting widths.
func (r *xlsxReport) shown(i int, s string) string {
	if r.kinds[i] == KindTime && s != "" {
		return "2006-01-02 15:04:05"
	}
	return xlsxText(s)
}

// xlsxLabels are the header texts: one line each and unique, as the
// columns of an Excel table must be.
func xlsxLabels(labels []string) []string {
	out := make([]string, len(labels))
	seen := map[string]bool{}
	for i, l := range labels {
		l = strings.Join(strings.Fields(xlsxText(l)), " ")
		if l == "" {
			l = "Column " + strconv.Itoa(i+1)
		}
		k := l
		for n := 2; seen[strings.ToLower(k)]; n++ {
			k = l + " (" + strconv.Itoa(n) + ")"
		}
		seen[strings.ToLower(k)] = true
		out[i] = k
	}
	return out
}

// start fits the column widths to the sampled rows, opens the first sheet
// and writes the sampled rows.
func (r *xlsxReport) start() error {
	r.started = true
	shown := make([][]string, len(r.sample))
	for j, row := range r.sample {
		shown[j] = make([]string, len(row))
		for i, c := range row {
			shown[j][i] = r.shown(i, c)
		}
	}
	want, _ := sampleWidths(r.labels, shown, runeCount)
	r.widths = make([]float64, len(want))
	for i, w := range want {
		r.widths[i] = min(max(w+2, 8), 60)
	}
	if err := r.openSheet(); err != nil {
		return err
	}
	for _, c := range r.sample {
		for i := range c {
			r.vals[i] = r.value(i, c[i])
		}
		if err := r.writeRow(r.vals); err != nil {
			return err
		}
	}
	r.sample = nil
	return nil
}

// openSheet flushes the current sheet, if any, and starts the next one
// with its column widths, frozen header and header row.
func (r *xlsxReport) openSheet() error {
	if r.sw != nil {
		if err := r.endSheet(); err != nil {
			return err
		}
	}
	name := "Report"
	if len(r.sheets) > 0 {
		name = "Report " + strconv.Itoa(len(r.sheets)+1)
		if _, err := r.f.NewSheet(name); err != nil {
			return err
		}
	}
	r.sheets = append(r.sheets, name)
	sw, err := r.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	r.sw = sw
	for i, w := range r.widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]interface{}, len(r.labels))
	for i, l := range r.labels {
		head[i] = excelize.Cell{StyleID: r.bold, Value: l}
	}
	r.sheetR = 1
	return sw.SetRow("A1", head, excelize.RowOpts{StyleID: r.bold})
}

// endSheet makes the rows of the current sheet an Excel table (its header
// gets filter buttons) and flushes the sheet.
func (r *xlsxReport) endSheet() error {
	last, err := excelize.CoordinatesToCellName(len(r.labels), max(r.sheetR, 2))
	if err != nil {
		return err
	}
	off := false
	if err := r.sw.AddTable(&excelize.Table{Range: "A1:" + last, StyleName: "TableStyleLight1", ShowRowStripes: &off}); err != nil {
		return fmt.Errorf("xlsx table: %w", err)
	}
	return r.sw.Flush()
}

func (r *xlsxReport) writeRow(vals []interface{}) error {
	if r.sheetR >= xlsxMaxRows {
		if err := r.openSheet(); err != nil {
			return err
		}
	}
	r.sheetR++
	cell, err := excelize.CoordinatesToCellName(1, r.sheetR)
	if err != nil {
		return err
	}
	return r.sw.SetRow(cell, vals)
}

func (r *xlsxReport) End() error {
	if err := r.p.end(); err != nil {
		return err
	}
	if !r.started {
		if err := r.start(); err != nil {
			return r.p.fail(r.close(err))
		}
	}
	if err := r.endSheet(); err != nil {
		return r.p.fail(r.close(err))
	}
	if err := r.about(); err != nil {
		return r.p.fail(r.close(err))
	}
	// No SetActiveSheet (or any other call that reads a sheet) here: the
	// workbook already opens on "Report", and excelize would parse each
	// streamed sheet still held in memory (under its 16 MiB chunk) into a
	// full worksheet and marshal it again on Write, only to discard it for
	// the streamed XML - hundreds of MB and seconds for ~20,000 rows.
	if err := r.f.Write(r.out); err != nil {
		return r.p.fail(r.close(err))
	}
	return r.p.fail(r.close(nil))
}

// about writes the sheet "About".
func (r *xlsxReport) about() error {
	const sheet = "About"
	if _, err := r.f.NewSheet(sheet); err != nil {
		return err
	}
	m := r.meta
	rows := [][2]string{
		{"Title", m.Title},
		{"Filter", filterWords(m)},
	}
	if m.FilterWords != "" && strings.TrimSpace(m.Filter) != "" {
		rows = append(rows, [2]string{"As typed", m.Filter})
	}
	if m.Location != nil {
		rows = append(rows, [2]string{"Times in", zoneName(m) + " (the dates of the report sheets are wall-clock times there)"})
	}
	rows = append(rows, [][2]string{
		{"Window", windowText(m)},
		{"Generated at", generatedText(m)},
		{"Total", groupDigits(m.Total)},
		{"Rows written", groupDigits(r.p.rows)},
	}...)
	if note := countNote(m, r.p.rows); note != "" {
		rows = append(rows, [2]string{"Note", note})
	}
	if note := rowLimitNote(m); note != "" {
		rows = append(rows, [2]string{"Row limit", note})
	}
	if len(r.sheets) > 1 {
		rows = append(rows, [2]string{"Sheets", fmt.Sprintf(
			"The rows continue over the sheets %s: a sheet holds at most %s rows (%s rows after its header).",
			strings.Join(r.sheets, ", "), groupDigits(int64(xlsxMaxRows)), groupDigits(int64(xlsxMaxRows-1)))})
	}
	if len(m.Summary) > 0 {
		rows = append(rows, [2]string{}, [2]string{"Summary", ""})
		for _, s := range m.Summary {
			rows = append(rows, [2]string{s.Label, s.Value})
		}
	}
	for _, l := range m.Tops {
		rows = append(rows, [2]string{l.Title, topText(l)})
		if note := approxNote(l); note != "" {
			rows = append(rows, [2]string{"", note})
		}
	}
	if g := m.GroupChart; g != nil {
		rows = append(rows, [2]string{g.Title, topText(*g)})
	}
	// A stream writer here too: it escapes text like "_x0041_" that
	// SetCellStr would let Excel read as an escape.
	sw, err := r.f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(1, 1, 24); err != nil {
		return err
	}
	if err := sw.SetColWidth(2, 2, 100); err != nil {
		return err
	}
	for i, kv := range rows {
		if kv[0] == "" && kv[1] == "" {
			continue
		}
		var vals []interface{}
		if kv[0] == "" {
			vals = []interface{}{nil}
		} else {
			vals = []interface{}{excelize.Cell{StyleID: r.bold, Value: xlsxText(kv[0])}}
		}
		if kv[1] != "" {
			vals = append(vals, xlsxText(kv[1]))
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func (r *xlsxReport) abort() {
	if r.p.abort() {
		_ = r.close(nil)
	}
}
