package render

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
)

// PDFFontPath and PDFBoldFontPath are the TrueType fonts of PDF reports
// (Debian package fonts-dejavu-core). When either cannot be read or parsed
// the report falls back to the core Helvetica font, with characters outside
// Windows-1252 written as '.', so a PDF is always produced.
var (
	PDFFontPath     = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	PDFBoldFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
)

// PDFMaxRows caps the rows drawn in one PDF report, because fpdf holds the
// whole document in memory until End: about 1.2 KB of live heap per row and
// a peak of about 3 KB per row while the pages are compressed (100,000
// rows: 124 MB live, about 300 MB peak HeapInuse). Rows past the cap are
// counted but not drawn, and the PDF says so on its first page (when
// ReportMeta.Total tells beforehand) and under the table. Zero or less
// means no cap. Read once per report, at Begin.
var PDFMaxRows int64 = 15_000

// Page layout of PDF reports, in millimetres and points: A4 landscape.
const (
	pdfMargin     = 10.0
	pdfBottom     = 14.0 // room for the footer
	pdfCellMargin = 1.0
	pdfFontSize   = 7.5 // table text, pt
	pdfRowH       = 4.6
	pdfHeadH      = 5.6
	pdfMinColW    = 10.0
	pdfMaxChars   = 400 // longer cells are cut before measuring: no column is that wide
	// pdfAlias stands for the page count until the document closes. It has
	// control characters, which Terminal removes from all data text, so no
	// event text can be mistaken for it.
	pdfAlias = "\x01nb\x01"
)

// pdfReport writes an A4 landscape PDF with go-pdf/fpdf: a title block
// (title, filter, window, generation time, total, summary, row-limit note),
// then a table whose header row is repeated on every page, and "page N of M"
// in every footer. Column widths are fitted to the page from the labels and
// the first rows; cells too long for their column end in an ellipsis. All
// text passes through Terminal first.
//
// fpdf builds the whole document in memory and writes it at End, so memory
// grows with the row count (see BenchmarkWriter for the figures).
type pdfReport struct {
	out    io.Writer
	pdf    *fpdf.Fpdf
	meta   ReportMeta
	utf8   bool
	font   string
	tr     func(string) string // to fpdf's encoding (identity for UTF-8 fonts)
	ell    string
	labels []string
	sample [][]string
	widths []float64
	table  bool // header repeats on new pages
	zebra  bool
	cells  []string
	zone   *cellZoner
	max    int64 // PDFMaxRows at Begin
	p      phase
}

func newPDFReport(w io.Writer) Writer { return &pdfReport{out: w} }

// newPDF makes the document with DejaVu Sans when its files load, else with
// Helvetica.
func (r *pdfReport) newPDF() {
	regular, err1 := os.ReadFile(PDFFontPath)
	bold, err2 := os.ReadFile(PDFBoldFontPath)
	if err1 == nil && err2 != nil {
		bold, err2 = regular, nil
	}
	if err1 == nil && err2 == nil {
		f := fpdf.New("L", "mm", "A4", "")
		f.AddUTF8FontFromBytes("dejavu", "", regular)
		f.AddUTF8FontFromBytes("dejavu", "B", bold)
		if !f.Err() {
			r.pdf, r.utf8, r.font = f, true, "dejavu"
			r.tr = func(s string) string { return s }
			r.ell = "…"
			return
		}
	}
	f := fpdf.New("L", "mm", "A4", "")
	r.pdf, r.utf8, r.font = f, false, "Helvetica"
	r.tr = f.UnicodeTranslatorFromDescriptor("")
	r.ell = r.tr("…")
}

// text makes data text ready for a table cell: controls made visible, cut
// to what a page can show, and only characters the font's encoding has.
func (r *pdfReport) text(s string) string { return r.textMax(s, pdfMaxChars, "") }

// blockText is text for the title block, which wraps: up to 4,000
// characters, a longer text ends in an ellipsis.
func (r *pdfReport) blockText(s string) string { return r.textMax(s, 4000, "…") }

func (r *pdfReport) textMax(s string, max int, more string) string {
	s = Terminal(s)
	if len(s) > max {
		n := 0
		for i := range s {
			if n == max {
				s = s[:i] + more
				break
			}
			n++
		}
	}
	if !r.utf8 {
		return r.tr(s)
	}
	// fpdf's UTF-8 path handles the Basic Multilingual Plane only.
	for _, c := range s {
		if c > 0xffff {
			return strings.Map(bmpOnly, s)
		}
	}
	return s
}

func bmpOnly(c rune) rune {
	if c > 0xffff {
		return utf8.RuneError
	}
	return c
}

func (r *pdfReport) Begin(meta ReportMeta) (err error) {
	if err := r.p.begin(); err != nil {
		return err
	}
	defer r.recoverTo(&err)
	if len(meta.Columns) == 0 {
		return r.p.fail(errNoColumns)
	}
	r.meta = meta
	r.max = PDFMaxRows
	r.newPDF()
	f := r.pdf
	f.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	f.SetCellMargin(pdfCellMargin)
	f.SetAutoPageBreak(true, pdfBottom)
	f.AliasNbPages(pdfAlias)
	f.SetCompression(true)
	f.SetCreator("auditdeck", true)
	f.SetTitle(Terminal(meta.Title), true)
	if !meta.GeneratedAt.IsZero() {
		f.SetCreationDate(meta.GeneratedAt.UTC())
		f.SetModificationDate(meta.GeneratedAt.UTC())
	}
	f.SetHeaderFunc(func() {
		if r.table {
			r.drawHeader()
		}
	})
	f.SetFooterFunc(r.drawFooter)
	f.AddPage()

	title := meta.Title
	if strings.TrimSpace(title) == "" {
		title = "Report"
	}
	f.SetFont(r.font, "B", 16)
	f.MultiCell(0, 8, r.blockText(title), "", "L", false)
	f.Ln(1)
	line := func(label, value string) {
		f.SetFont(r.font, "B", 9)
		label = r.text(label)
		lw := min(f.GetStringWidth(label)+2*pdfCellMargin+0.1, 120) // 0.1: rounding must not cut the label
		f.CellFormat(lw, 4.8, r.fit(label, lw), "", 0, "L", false, 0, "")
		f.SetFont(r.font, "", 9)
		f.MultiCell(0, 4.8, r.blockText(value), "", "L", false)
	}
	line("Filter:", filterWords(meta))
	if meta.FilterWords != "" && strings.TrimSpace(meta.Filter) != "" {
		line("As typed:", meta.Filter)
	}
	line("Window:", windowText(meta))
	line("Generated at:", generatedText(meta))
	if meta.Location != nil {
		line("Times in:", zoneName(meta))
	}
	line("Total:", groupDigits(meta.Total)+" rows")
	if len(meta.Summary) > 0 {
		f.Ln(2)
		f.SetFont(r.font, "B", 10)
		f.CellFormat(0, 5.5, r.tr("Summary"), "", 1, "L", false, 0, "")
		for _, s := range meta.Summary {
			line(s.Label+":", s.Value)
		}
	}
	r.drawTops(meta.Tops)
	switch {
	case meta.GroupChart != nil:
		r.drawGroupChart(*meta.GroupChart)
	case len(meta.Histogram) > 0:
		r.drawHistogram(meta)
	}
	note := rowLimitNote(meta)
	if r.max > 0 && meta.Total > r.max {
		note = strings.TrimSpace(note + " " + r.capNote(meta.Total))
	}
	if note != "" {
		f.Ln(2)
		f.SetFont(r.font, "B", 9)
		f.MultiCell(0, 4.8, r.blockText(note), "", "L", false)
	}
	f.Ln(3)
	r.labels = make([]string, len(meta.Columns))
	for i, l := range zonedLabels(meta) {
		r.labels[i] = r.text(l)
	}
	r.cells = make([]string, len(meta.Columns))
	r.zone = newCellZoner(meta)
	return r.p.fail(f.Error())
}

// recoverTo turns a panic inside fpdf into the writer's error.
func (r *pdfReport) recoverTo(err *error) {
	if v := recover(); v != nil {
		*err = r.p.fail(fmt.Errorf("render: pdf: %v", v))
	}
}

func (r *pdfReport) Row(row Row) (err error) {
	if err := r.p.row(); err != nil {
		return err
	}
	defer r.recoverTo(&err)
	r.p.rows++
	if err := checkCells(row, len(r.labels), r.p.rows); err != nil {
		return r.p.fail(err)
	}
	if r.max > 0 && r.p.rows > r.max {
		return nil // counted, not drawn: End states the cut
	}
	if r.widths == nil {
		cells := make([]string, len(row.Cells))
		for i, c := range row.Cells {
			cells[i] = r.text(r.zone.cell(i, c))
		}
		r.sample = append(r.sample, cells)
		if len(r.sample) >= sampleRows {
			r.startTable()
		}
		return r.p.fail(r.pdf.Error())
	}
	for i, c := range row.Cells {
		r.cells[i] = r.text(r.zone.cell(i, c))
	}
	r.drawRow(r.cells)
	return r.p.fail(r.pdf.Error())
}

// startTable fits the column widths to the sampled rows, draws the header
// and the sampled rows.
func (r *pdfReport) startTable() {
	f := r.pdf
	f.SetFont(r.font, "B", pdfFontSize)
	head := make([]float64, len(r.labels))
	for i, l := range r.labels {
		head[i] = f.GetStringWidth(l)
	}
	f.SetFont(r.font, "", pdfFontSize)
	want, even := sampleWidths(r.labels, r.sample, f.GetStringWidth)
	for i := range want {
		if head[i] > want[i] {
			want[i] = head[i]
		}
		want[i] += 2*pdfCellMargin + 0.5
	}
	pageW, _ := f.GetPageSize()
	r.widths = fitColumns(want, even, pdfMinColW, pageW-2*pdfMargin)
	// Start the table on a new page when the header and a row no longer fit.
	_, pageH := f.GetPageSize()
	if f.GetY()+pdfHeadH+pdfRowH > pageH-pdfBottom {
		f.AddPage()
	}
	r.drawHeader()
	r.table = true
	for _, c := range r.sample {
		r.drawRow(c)
	}
	r.sample = nil
}

func (r *pdfReport) drawHeader() {
	f := r.pdf
	f.SetFont(r.font, "B", pdfFontSize)
	f.SetFillColor(225, 229, 235)
	f.SetDrawColor(150, 150, 150)
	f.SetX(pdfMargin)
	for i, l := range r.labels {
		f.CellFormat(r.widths[i], pdfHeadH, r.fit(l, r.widths[i]), "B", 0, r.align(i), true, 0, "")
	}
	f.Ln(pdfHeadH)
	f.SetFont(r.font, "", pdfFontSize)
	f.SetFillColor(243, 245, 248)
	r.zebra = false
}

func (r *pdfReport) drawRow(cells []string) {
	f := r.pdf
	_, pageH := f.GetPageSize()
	if f.GetY()+pdfRowH > pageH-pdfBottom {
		f.AddPage() // the header function repeats the table header
	}
	x, y := pdfMargin, f.GetY()
	if r.zebra {
		pageW, _ := f.GetPageSize()
		f.Rect(x, y, pageW-2*pdfMargin, pdfRowH, "F")
	}
	r.zebra = !r.zebra
	f.SetX(x)
	for i, c := range cells {
		f.CellFormat(r.widths[i], pdfRowH, r.fit(c, r.widths[i]), "", 0, r.align(i), false, 0, "")
	}
	f.Ln(pdfRowH)
}

// align is "R" for number columns, so digits line up, else "L".
func (r *pdfReport) align(i int) string {
	if i < len(r.meta.Columns) && r.meta.Columns[i].Kind == KindNumber {
		return "R"
	}
	return "L"
}

// fit returns s, or its longest prefix that fits width w (less the cell
// margins) followed by an ellipsis.
func (r *pdfReport) fit(s string, w float64) string {
	f := r.pdf
	avail := w - 2*pdfCellMargin
	if s == "" || f.GetStringWidth(s) <= avail {
		return s
	}
	avail -= f.GetStringWidth(r.ell)
	if avail <= 0 {
		return ""
	}
	// Cut points: rune boundaries for UTF-8 fonts, bytes for code pages.
	var cuts []int
	if r.utf8 {
		cuts = make([]int, 0, len(s))
		for i := range s {
			cuts = append(cuts, i)
		}
	}
	n := len(s)
	if r.utf8 {
		n = len(cuts)
	}
	at := func(k int) int { // byte offset of the k-th cut
		if r.utf8 {
			return cuts[k]
		}
		return k
	}
	// Largest k with width(s[:at(k)]) <= avail.
	lo, hi := 0, n-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if f.GetStringWidth(s[:at(mid)]) <= avail {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return strings.TrimRight(s[:at(lo)], " ") + r.ell
}

func (r *pdfReport) capNote(total int64) string {
	return fmt.Sprintf("This PDF shows the first %s of %s rows (the PDF row cap); export as CSV, NDJSON, JSON or XLSX for all rows.",
		groupDigits(r.max), groupDigits(total))
}

func (r *pdfReport) drawFooter() {
	f := r.pdf
	pageW, _ := f.GetPageSize()
	half := (pageW - 2*pdfMargin) / 2
	f.SetY(-10)
	f.SetX(pdfMargin)
	f.SetFont(r.font, "", 7)
	f.SetTextColor(110, 110, 110)
	f.CellFormat(half, 4, r.fit(r.text(r.meta.Title), half), "", 0, "L", false, 0, "")
	// The page count is known only when the document closes: the alias
	// is replaced then, so this text is left unmeasured and unaligned.
	f.CellFormat(half, 4, r.tr(fmt.Sprintf("page %d of ", f.PageNo()))+pdfAlias, "", 0, "R", false, 0, "")
	f.SetTextColor(0, 0, 0)
}

func (r *pdfReport) End() (err error) {
	if err := r.p.end(); err != nil {
		return err
	}
	defer r.recoverTo(&err)
	f := r.pdf
	if r.widths == nil {
		r.startTable()
	}
	f.Ln(2)
	f.SetFont(r.font, "", 8)
	end := groupDigits(r.p.rows) + " rows."
	if r.p.rows == 0 {
		end = "No rows."
	}
	if note := countNote(r.meta, r.p.rows); note != "" {
		end += " " + note
	}
	if r.max > 0 && r.p.rows > r.max {
		f.SetFont(r.font, "B", 8)
		end += " " + r.capNote(r.p.rows)
	}
	f.MultiCell(0, 4.5, r.tr(end), "", "L", false)
	if err := f.Error(); err != nil {
		return r.p.fail(err)
	}
	return r.p.fail(f.Output(r.out))
}

func (r *pdfReport) abort() {
	if r.p.abort() {
		r.pdf, r.sample = nil, nil
	}
}

// Colours of the charts: the bars and the axes.
var (
	pdfBar  = [3]int{9, 105, 218}
	pdfAxis = [3]int{150, 150, 150}
	pdfMute = [3]int{90, 99, 110}
)

// room starts a new page when h millimetres no longer fit on this one.
func (r *pdfReport) room(h float64) {
	_, pageH := r.pdf.GetPageSize()
	if r.pdf.GetY()+h > pageH-pdfBottom {
		r.pdf.AddPage()
	}
}

// drawTops draws the ranked lists two side by side: a title, then per
// entry its label, its count and a bar scaled to the largest.
func (r *pdfReport) drawTops(tops []TopList) {
	if len(tops) == 0 {
		return
	}
	f := r.pdf
	const (
		colW, labelW, countW, barW, rowH = 135.0, 70.0, 18.0, 42.0, 4.4
	)
	for i := 0; i < len(tops); i += 2 {
		pair := tops[i:min(i+2, len(tops))]
		rows := 0
		for _, l := range pair {
			rows = max(rows, len(l.Items), 1)
		}
		f.Ln(2)
		r.room(6 + float64(rows)*rowH + 5)
		y0 := f.GetY()
		yEnd := y0
		for j, l := range pair {
			x := pdfMargin + float64(j)*colW
			f.SetXY(x, y0)
			f.SetFont(r.font, "B", 9)
			f.CellFormat(colW-5, 5, r.fit(r.text(l.Title), colW-5), "", 2, "L", false, 0, "")
			f.SetFont(r.font, "", 8)
			var most int64 = 1
			if len(l.Items) > 0 {
				most = max(l.Items[0].Count, 1)
			}
			if len(l.Items) == 0 {
				f.SetX(x)
				f.CellFormat(labelW, rowH, r.tr("none"), "", 2, "L", false, 0, "")
			}
			for _, it := range l.Items {
				y := f.GetY()
				f.SetX(x)
				label := r.text(it.Label)
				f.CellFormat(labelW, rowH, r.fit(label, labelW), "", 0, "L", false, 0, "")
				f.CellFormat(countW, rowH, r.text(countText(l, it.Count)), "", 0, "R", false, 0, "")
				f.SetFillColor(pdfBar[0], pdfBar[1], pdfBar[2])
				if w := barW * float64(max(it.Count, 0)) / float64(most); w > 0 {
					f.Rect(x+labelW+countW+2, y+1, max(w, 0.4), rowH-2, "F")
				}
				f.SetXY(x, y+rowH)
			}
			if note := approxNote(l); note != "" {
				f.SetX(x)
				f.SetFont(r.font, "", 6.5)
				f.MultiCell(colW-5, 3.2, r.blockText(note), "", "L", false)
			}
			yEnd = max(yEnd, f.GetY())
		}
		f.SetXY(pdfMargin, yEnd)
	}
	f.SetFillColor(255, 255, 255)
}

// drawHistogram draws the report's histogram: a bar per bucket, the
// largest count on the y axis, the first bucket's start and the last
// bucket's end under the x axis, in the report's zone.
func (r *pdfReport) drawHistogram(m ReportMeta) {
	f := r.pdf
	const chartH, axisW, labelH = 32.0, 14.0, 5.0
	f.Ln(3)
	r.room(6 + chartH + labelH + 2)
	f.SetFont(r.font, "B", 9)
	f.CellFormat(0, 5, r.tr("Events over the window"), "", 2, "L", false, 0, "")
	pageW, _ := f.GetPageSize()
	x0, y0 := pdfMargin+axisW, f.GetY()+1
	plotW := pageW - 2*pdfMargin - axisW
	var most int64
	for _, b := range m.Histogram {
		most = max(most, b.Count)
	}
	f.SetDrawColor(pdfAxis[0], pdfAxis[1], pdfAxis[2])
	f.SetLineWidth(0.2)
	f.Line(x0, y0+chartH, x0+plotW, y0+chartH)
	f.Line(x0, y0, x0, y0+chartH)
	f.SetFont(r.font, "", 7)
	f.SetTextColor(pdfMute[0], pdfMute[1], pdfMute[2])
	f.SetXY(pdfMargin, y0-1)
	f.CellFormat(axisW-1, 3, groupDigits(most), "", 0, "R", false, 0, "")
	f.SetXY(pdfMargin, y0+chartH-2.5)
	f.CellFormat(axisW-1, 3, "0", "", 0, "R", false, 0, "")
	n := len(m.Histogram)
	bw := plotW / float64(n)
	gap := min(bw*0.15, 0.8)
	f.SetFillColor(pdfBar[0], pdfBar[1], pdfBar[2])
	for i, b := range m.Histogram {
		if most <= 0 || b.Count <= 0 {
			continue
		}
		h := max(chartH*float64(b.Count)/float64(most), 0.3)
		f.Rect(x0+float64(i)*bw+gap/2, y0+chartH-h, bw-gap, h, "F")
	}
	if most <= 0 {
		f.SetXY(x0, y0+chartH/2-2)
		f.CellFormat(plotW, 4, r.tr("No events in the window."), "", 0, "C", false, 0, "")
	}
	first := shownTime(m, m.Histogram[0].Start)
	last := shownTime(m, m.Histogram[n-1].Start)
	if e := bucketEnd(m, n-1); !e.IsZero() {
		last = shownTime(m, e)
	}
	f.SetXY(x0, y0+chartH+0.5)
	f.CellFormat(plotW/2, labelH-1, r.text(first), "", 0, "L", false, 0, "")
	f.CellFormat(plotW/2, labelH-1, r.text(last), "", 0, "R", false, 0, "")
	f.SetTextColor(0, 0, 0)
	f.SetFillColor(255, 255, 255)
	f.SetXY(pdfMargin, y0+chartH+labelH)
}

// drawGroupChart draws the largest groups of a grouped report as
// horizontal bars with their labels and counts.
func (r *pdfReport) drawGroupChart(l TopList) {
	f := r.pdf
	const labelW, countW, rowH = 80.0, 22.0, 5.0
	f.Ln(3)
	rows := max(len(l.Items), 1)
	r.room(6 + float64(rows)*rowH + 2)
	f.SetFont(r.font, "B", 9)
	f.CellFormat(0, 5, r.text(l.Title), "", 2, "L", false, 0, "")
	pageW, _ := f.GetPageSize()
	plotW := pageW - 2*pdfMargin - labelW - countW
	f.SetFont(r.font, "", 8)
	if len(l.Items) == 0 {
		f.CellFormat(0, rowH, r.tr("No groups."), "", 2, "L", false, 0, "")
		return
	}
	var most int64 = 1
	for _, it := range l.Items {
		most = max(most, it.Count)
	}
	f.SetFillColor(pdfBar[0], pdfBar[1], pdfBar[2])
	for _, it := range l.Items {
		y := f.GetY()
		f.SetX(pdfMargin)
		f.CellFormat(labelW, rowH, r.fit(r.text(it.Label), labelW), "", 0, "R", false, 0, "")
		w := plotW * float64(max(it.Count, 0)) / float64(most)
		if it.Count > 0 {
			f.Rect(pdfMargin+labelW+1, y+0.8, max(w, 0.4), rowH-1.6, "F")
		}
		f.SetXY(pdfMargin+labelW+1+w+1, y)
		f.CellFormat(countW, rowH, r.text(countText(l, it.Count)), "", 0, "L", false, 0, "")
		f.SetXY(pdfMargin, y+rowH)
	}
	if note := approxNote(l); note != "" {
		f.SetFont(r.font, "", 6.5)
		f.MultiCell(0, 3.2, r.blockText(note), "", "L", false)
	}
	f.SetFillColor(255, 255, 255)
}
