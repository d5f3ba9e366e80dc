package render

import (
	"archive/zip"
	"fmt"
	"io"
	"strconv"
	"strings"
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
// Every cell is a string, never a formula; it also passes through CSVCell,
// so a formula start stays neutral if a user saves the sheet as CSV, and
// controls other than tab, LF and CR are written as visible escapes (XML
// cannot hold them). excelize keeps streamed rows in a temporary file once
// they pass 16 MiB; the zip is written straight to the output at End.
type xlsxReport struct {
	out     io.Writer
	f       *excelize.File
	sw      *excelize.StreamWriter
	meta    ReportMeta
	labels  []string
	bold    int
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
	r.labels = make([]string, len(meta.Columns))
	for i, l := range columnLabels(meta.Columns) {
		r.labels[i] = xlsxText(l)
	}
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
		cells := make([]string, len(row.Cells))
		for i, c := range row.Cells {
			cells[i] = xlsxText(c)
		}
		r.sample = append(r.sample, cells)
		if len(r.sample) < sampleRows {
			return nil
		}
		if err := r.start(); err != nil {
			return r.p.fail(r.close(err))
		}
		return nil
	}
	for i, c := range row.Cells {
		r.vals[i] = xlsxText(c)
	}
	if err := r.writeRow(r.vals); err != nil {
		return r.p.fail(r.close(err))
	}
	return nil
}

// start fits the column widths to the sampled rows, opens the first sheet
// and writes the sampled rows.
func (r *xlsxReport) start() error {
	r.started = true
	want, _ := sampleWidths(r.labels, r.sample, runeCount)
	r.widths = make([]float64, len(want))
	for i, w := range want {
		r.widths[i] = min(max(w+2, 8), 60)
	}
	if err := r.openSheet(); err != nil {
		return err
	}
	for _, c := range r.sample {
		for i := range c {
			r.vals[i] = c[i]
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
		if err := r.sw.Flush(); err != nil {
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
	if err := r.sw.Flush(); err != nil {
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
		{"Filter", filterText(m)},
		{"Window", windowText(m)},
		{"Generated at", generatedText(m)},
		{"Total", groupDigits(m.Total)},
		{"Rows written", groupDigits(r.p.rows)},
	}
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
		vals := []interface{}{excelize.Cell{StyleID: r.bold, Value: xlsxText(kv[0])}}
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
