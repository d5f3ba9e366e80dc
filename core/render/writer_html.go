package render

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"
	"time"
)

// htmlReport writes one self-contained HTML file: no script, no external
// resource (a Content-Security-Policy forbids both), inline CSS, the report's
// title, filter, window, generation time, summary, an inline SVG histogram,
// then the table with its rows streamed as they come. Every text from the
// data passes through Terminal (controls made visible) and then
// html.EscapeString, which escapes < > & ' " for text and quoted attributes
// alike.
type htmlReport struct {
	out  io.Writer
	bw   *bufio.Writer
	meta ReportMeta
	zone *cellZoner
	// The first rows are held (sampleRows at most) to fit the column
	// widths before the table starts.
	sample  [][]string
	cells   []string
	started bool
	n       int
	p       phase
}

func newHTMLReport(w io.Writer) Writer { return &htmlReport{out: w} }

// esc makes data text safe for HTML text and quoted attribute values.
func esc(s string) string { return html.EscapeString(Terminal(s)) }

const htmlCSS = `
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--muted:#59636e;--line:#d1d9e0;--zebra:#f6f8fa;--bar:#0969da;--note:#fff8c5}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#3d444d;--zebra:#151b23;--bar:#4493f8;--note:#3a3000}}
*{box-sizing:border-box}
body{margin:1.5rem;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.5rem;margin:0 0 .5rem}
h2{font-size:1.1rem;margin:1.25rem 0 .5rem}
dl.meta,dl.summary{display:grid;grid-template-columns:max-content auto;gap:.15rem 1rem;margin:0}
dt{color:var(--muted)}
dd{margin:0;overflow-wrap:anywhere}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.95em}
.note{background:var(--note);border:1px solid var(--line);padding:.5rem .75rem;border-radius:6px}
svg.histogram,svg.groups{width:100%;max-width:960px;height:auto;display:block}
svg.histogram .bar,svg.groups .bar{fill:var(--bar)}
svg.histogram .hit{fill:transparent}
svg.histogram g:hover .bar,svg.groups g:hover .bar{opacity:.75}
svg.histogram text,svg.groups text{fill:var(--muted);font-size:11px}
svg.groups text.label{fill:var(--fg)}
svg.histogram line,svg.groups line{stroke:var(--line)}
.tops{display:flex;flex-wrap:wrap;gap:1rem 2.5rem;margin-top:.75rem}
table.top{table-layout:auto;width:auto;min-width:18rem;max-width:36rem;margin:0}
table.top caption{text-align:left;font-weight:600;padding-bottom:.25rem}
table.top td{border:0;border-bottom:1px solid var(--line);padding:.1rem .4rem}
table.top td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
table.top td.bar{width:8rem}
table.top td.bar span{display:block;height:.6rem;background:var(--bar);border-radius:2px}
table{border-collapse:collapse;margin-top:1rem;font-size:13px}
table.rows{table-layout:fixed;width:100%}
th,td{border:1px solid var(--line);padding:.2rem .45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{overflow-wrap:break-word}
thead th{position:sticky;top:0;background:var(--bg)}
table.rows td.n,table.rows th.n{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:nth-child(even){background:var(--zebra)}
p.end{color:var(--muted)}
`

func (r *htmlReport) Begin(meta ReportMeta) error {
	if err := r.p.begin(); err != nil {
		return err
	}
	if len(meta.Columns) == 0 {
		return r.p.fail(errNoColumns)
	}
	r.meta = meta
	r.n = len(meta.Columns)
	r.bw = bufio.NewWriterSize(r.out, 64<<10)
	w := r.bw
	title := meta.Title
	if strings.TrimSpace(title) == "" {
		title = "Report"
	}
	w.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	w.WriteString(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` + "\n")
	w.WriteString(`<meta name="viewport" content="width=device-width, initial-scale=1">` + "\n")
	w.WriteString(`<meta name="generator" content="auditdeck">` + "\n")
	fmt.Fprintf(w, "<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>%s</h1>\n", esc(title), htmlCSS, esc(title))
	r.zone = newCellZoner(meta)
	r.cells = make([]string, len(meta.Columns))
	w.WriteString("<dl class=\"meta\">\n")
	switch {
	case strings.TrimSpace(meta.Filter) == "":
		fmt.Fprintf(w, "<dt>Filter</dt><dd>%s</dd>\n", esc(filterText(meta)))
	case meta.FilterWords != "":
		fmt.Fprintf(w, "<dt>Filter</dt><dd>%s</dd>\n<dt>As typed</dt><dd><code>%s</code></dd>\n", esc(meta.FilterWords), esc(meta.Filter))
	default:
		fmt.Fprintf(w, "<dt>Filter</dt><dd><code>%s</code></dd>\n", esc(meta.Filter))
	}
	fmt.Fprintf(w, "<dt>Window</dt><dd>%s</dd>\n", htmlWindow(meta))
	if meta.GeneratedAt.IsZero() {
		w.WriteString("<dt>Generated at</dt><dd>unknown</dd>\n")
	} else {
		fmt.Fprintf(w, "<dt>Generated at</dt><dd><time datetime=\"%s\">%s</time></dd>\n", timeText(meta.GeneratedAt), esc(shownTime(meta, meta.GeneratedAt)))
	}
	if meta.Location != nil {
		fmt.Fprintf(w, "<dt>Times in</dt><dd>%s</dd>\n", esc(zoneName(meta)))
	}
	w.WriteString("</dl>\n</header>\n")
	if note := rowLimitNote(meta); note != "" {
		fmt.Fprintf(w, "<p class=\"note\" role=\"note\">%s</p>\n", esc(note))
	}
	w.WriteString("<section>\n<h2>Summary</h2>\n<dl class=\"summary\">\n")
	fmt.Fprintf(w, "<dt>Total</dt><dd>%s</dd>\n", groupDigits(meta.Total))
	for _, s := range meta.Summary {
		fmt.Fprintf(w, "<dt>%s</dt><dd>%s</dd>\n", esc(s.Label), esc(s.Value))
	}
	w.WriteString("</dl>\n")
	writeTopTables(w, meta.Tops)
	// As in the PDF, a report with no histogram (the audit trail,
	// consumption) gets no chart section rather than an empty frame.
	switch {
	case meta.GroupChart != nil:
		fmt.Fprintf(w, "</section>\n<section>\n<h2>%s</h2>\n", esc(meta.GroupChart.Title))
		writeGroupChartSVG(w, *meta.GroupChart)
	case len(meta.Histogram) > 0:
		w.WriteString("</section>\n<section>\n<h2>Events over the window</h2>\n")
		writeHistogramSVG(w, meta)
	}
	_, err := w.WriteString("</section>\n<table class=\"rows\">\n")
	return r.p.fail(err)
}

// startTable writes the column widths, fitted to the sampled rows, and
// the header, then the sampled rows. The table has a fixed layout over the
// page's width and long cells wrap, so it fits the page (1280 px and less)
// instead of scrolling sideways: columns whose cells are short (up to 16
// characters, and times, flags and numbers) get the width they need in ch,
// the others share the rest. When the short ones alone would not fit, every
// column gets a share in proportion to its need instead.
func (r *htmlReport) startTable() {
	w := r.bw
	r.started = true
	labels := zonedLabels(r.meta)
	word := make([]float64, len(labels))
	for i, l := range labels {
		for _, f := range strings.Fields(l) {
			word[i] = max(word[i], runeCount(f))
		}
	}
	cells, _ := sampleWidths(make([]string, len(labels)), r.sample, runeCount)
	const shortCell, pageCh = 16, 140    // a 1280 px page holds about 160ch of this font
	want := make([]float64, len(labels)) // in ch
	short := make([]bool, len(labels))
	fixed, sum := 0.0, 0.0
	for i := range want {
		// The bold header is about a fifth wider than body text; 1.5ch
		// is the padding and border.
		need := min(max(word[i], cells[i], 3), 40)
		want[i] = min(max(word[i]*1.2, cells[i]*1.05, 3), 42) + 1.5
		short[i] = need <= shortCell || r.meta.Columns[i].Kind != KindText
		if short[i] {
			fixed += want[i]
		}
		sum += want[i]
	}
	w.WriteString("<colgroup>")
	for i, x := range want {
		switch {
		case fixed > pageCh:
			fmt.Fprintf(w, `<col style="width:%s%%">`, strconv.FormatFloat(100*x/sum, 'f', 2, 64))
		case short[i]:
			fmt.Fprintf(w, `<col style="width:%sch">`, strconv.FormatFloat(x, 'f', 1, 64))
		default:
			w.WriteString("<col>")
		}
	}
	w.WriteString("</colgroup>\n<thead><tr>")
	for i, l := range labels {
		if r.meta.Columns[i].Kind == KindNumber {
			fmt.Fprintf(w, "<th scope=\"col\" class=\"n\">%s</th>", esc(l))
		} else {
			fmt.Fprintf(w, "<th scope=\"col\">%s</th>", esc(l))
		}
	}
	w.WriteString("</tr></thead>\n<tbody>\n")
	for _, c := range r.sample {
		r.writeRow(c)
	}
	r.sample = nil
}

func htmlWindow(m ReportMeta) string {
	t := func(x time.Time) string {
		return `<time datetime="` + timeText(x) + `">` + esc(shownTime(m, x)) + `</time>`
	}
	switch {
	case m.WindowStart.IsZero() && m.WindowEnd.IsZero():
		return "all time"
	case m.WindowEnd.IsZero():
		return "from " + t(m.WindowStart) + " (no end)"
	case m.WindowStart.IsZero():
		return "until " + t(m.WindowEnd) + " (no start)"
	}
	return t(m.WindowStart) + " to " + t(m.WindowEnd)
}

func (r *htmlReport) Row(row Row) error {
	if err := r.p.row(); err != nil {
		return err
	}
	r.p.rows++
	if err := checkCells(row, r.n, r.p.rows); err != nil {
		return r.p.fail(err)
	}
	if !r.started {
		cells := make([]string, len(row.Cells))
		for i, c := range row.Cells {
			cells[i] = r.zone.cell(i, c)
		}
		r.sample = append(r.sample, cells)
		if len(r.sample) >= sampleRows {
			r.startTable()
		}
		return nil
	}
	for i, c := range row.Cells {
		r.cells[i] = r.zone.cell(i, c)
	}
	return r.p.fail(r.writeRow(r.cells))
}

func (r *htmlReport) writeRow(cells []string) error {
	w := r.bw
	w.WriteString("<tr>")
	for i, c := range cells {
		if r.meta.Columns[i].Kind == KindNumber {
			w.WriteString(`<td class="n">`)
		} else {
			w.WriteString("<td>")
		}
		w.WriteString(esc(c))
		w.WriteString("</td>")
	}
	_, err := w.WriteString("</tr>\n")
	return err
}

func (r *htmlReport) End() error {
	if err := r.p.end(); err != nil {
		return err
	}
	if !r.started {
		r.startTable()
	}
	w := r.bw
	w.WriteString("</tbody>\n</table>\n")
	if r.p.rows == 0 {
		w.WriteString("<p class=\"end\">No rows.</p>\n")
	} else {
		fmt.Fprintf(w, "<p class=\"end\">%s rows.</p>\n", groupDigits(r.p.rows))
	}
	if note := countNote(r.meta, r.p.rows); note != "" {
		fmt.Fprintf(w, "<p class=\"note\" role=\"note\">%s</p>\n", esc(note))
	}
	w.WriteString("</body>\n</html>\n")
	return r.p.fail(w.Flush())
}

// bucketEnd is where bucket i ends: the next bucket's start, else the window
// end, else one bucket width after its start (zero when unknown).
func bucketEnd(m ReportMeta, i int) time.Time {
	b := m.Histogram
	if i+1 < len(b) {
		return b[i+1].Start
	}
	if !m.WindowEnd.IsZero() && m.WindowEnd.After(b[i].Start) {
		return m.WindowEnd
	}
	if i > 0 {
		return b[i].Start.Add(b[i].Start.Sub(b[i-1].Start))
	}
	return time.Time{}
}

// writeHistogramSVG draws meta.Histogram as an inline SVG bar chart: one bar
// per bucket with a <title> tooltip, the largest count on the y axis and the
// first bucket's start and the last bucket's end under the x axis.
func writeHistogramSVG(w *bufio.Writer, m ReportMeta) {
	const (
		width, height       = 800.0, 200.0
		left, right         = 56.0, 12.0
		top, bottom         = 12.0, 36.0
		plotW, plotH        = width - left - right, height - top - bottom
		axisY               = top + plotH
		labelY              = axisY + 20
		fmtF                = 'f'
		prec                = 2
		svgOpen             = `<svg class="histogram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 200" role="img" aria-label="%s">` + "\n"
		emptyLabelX, emptyY = left + plotW/2, top + plotH/2
	)
	f := func(x float64) string { return strconv.FormatFloat(x, fmtF, prec, 64) }
	var max, sum int64
	for _, b := range m.Histogram {
		if b.Count > max {
			max = b.Count
		}
		if b.Count > 0 {
			sum += b.Count
		}
	}
	aria := fmt.Sprintf("Histogram of %s events in %d buckets", groupDigits(sum), len(m.Histogram))
	fmt.Fprintf(w, svgOpen, esc(aria))
	fmt.Fprintf(w, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/>\n", f(left), f(axisY), f(left+plotW), f(axisY))
	fmt.Fprintf(w, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/>\n", f(left), f(top), f(left), f(axisY))
	fmt.Fprintf(w, "<text x=\"%s\" y=\"%s\" text-anchor=\"end\">%s</text>\n", f(left-6), f(top+4), groupDigits(max))
	fmt.Fprintf(w, "<text x=\"%s\" y=\"%s\" text-anchor=\"end\">0</text>\n", f(left-6), f(axisY))
	n := len(m.Histogram)
	if n == 0 {
		fmt.Fprintf(w, "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\">No histogram for this report.</text>\n</svg>\n", f(emptyLabelX), f(emptyY))
		return
	}
	if max <= 0 {
		fmt.Fprintf(w, "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\">No events in the window.</text>\n", f(emptyLabelX), f(emptyY))
	}
	bw := plotW / float64(n)
	gap := bw * 0.15
	if gap > 2 {
		gap = 2
	}
	for i, b := range m.Histogram {
		x := left + float64(i)*bw
		h := 0.0
		if max > 0 && b.Count > 0 {
			h = plotH * float64(b.Count) / float64(max)
			if h < 1 {
				h = 1 // a non-empty bucket is always visible
			}
		}
		tip := shownTime(m, b.Start)
		if e := bucketEnd(m, i); !e.IsZero() {
			tip += " to " + shownTime(m, e)
		}
		count := b.Count
		if count < 0 {
			count = 0
		}
		tip += ": " + groupDigits(count) + " events"
		fmt.Fprintf(w, "<g><title>%s</title><rect class=\"hit\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\"/>", esc(tip), f(x), f(top), f(bw), f(plotH))
		fmt.Fprintf(w, "<rect class=\"bar\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\"/></g>\n", f(x+gap/2), f(axisY-h), f(bw-gap), f(h))
	}
	first := shownTime(m, m.Histogram[0].Start)
	last := shownTime(m, m.Histogram[n-1].Start)
	if e := bucketEnd(m, n-1); !e.IsZero() {
		last = shownTime(m, e)
	}
	fmt.Fprintf(w, "<text x=\"%s\" y=\"%s\" text-anchor=\"start\">%s</text>\n", f(left), f(labelY), esc(first))
	fmt.Fprintf(w, "<text x=\"%s\" y=\"%s\" text-anchor=\"end\">%s</text>\n", f(left+plotW), f(labelY), esc(last))
	w.WriteString("</svg>\n")
}

func (r *htmlReport) abort() { r.p.abort() }

// writeTopTables draws each ranked list as a small table with a bar per
// entry, side by side.
func writeTopTables(w *bufio.Writer, tops []TopList) {
	if len(tops) == 0 {
		return
	}
	w.WriteString("<div class=\"tops\">\n")
	for _, l := range tops {
		fmt.Fprintf(w, "<table class=\"top\"><caption>%s</caption>\n<tbody>\n", esc(l.Title))
		if len(l.Items) == 0 {
			w.WriteString("<tr><td>none</td></tr>\n")
		}
		var top int64 = 1
		if len(l.Items) > 0 && l.Items[0].Count > 0 {
			top = l.Items[0].Count
		}
		for _, it := range l.Items {
			pct := 100 * float64(max(it.Count, 0)) / float64(top)
			fmt.Fprintf(w, "<tr><td>%s</td><td class=\"n\">%s</td><td class=\"bar\"><span style=\"width:%s%%\"></span></td></tr>\n",
				esc(it.Label), esc(countText(l, it.Count)), strconv.FormatFloat(pct, 'f', 1, 64))
		}
		w.WriteString("</tbody></table>\n")
		if note := approxNote(l); note != "" {
			fmt.Fprintf(w, "<p class=\"end\">%s</p>\n", esc(note))
		}
	}
	w.WriteString("</div>\n")
}

// writeGroupChartSVG draws the largest groups of a grouped report as
// horizontal bars, largest first, each labelled with its group and count.
func writeGroupChartSVG(w *bufio.Writer, l TopList) {
	const (
		width       = 800.0
		labelW      = 260.0
		countW      = 80.0
		barH, gap   = 18.0, 6.0
		top, bottom = 6.0, 6.0
	)
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }
	n := len(l.Items)
	height := top + bottom + float64(max(n, 1))*(barH+gap)
	fmt.Fprintf(w, "<svg class=\"groups\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %s %s\" role=\"img\" aria-label=\"%s\">\n",
		f(width), f(height), esc(fmt.Sprintf("%s: %d groups", l.Title, n)))
	if n == 0 {
		fmt.Fprintf(w, "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\">No groups.</text>\n</svg>\n", f(width/2), f(top+barH*0.75))
		return
	}
	var most int64 = 1
	for _, it := range l.Items {
		most = max(most, it.Count)
	}
	plotW := width - labelW - countW
	fmt.Fprintf(w, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/>\n", f(labelW), f(top), f(labelW), f(height-bottom))
	for i, it := range l.Items {
		y := top + float64(i)*(barH+gap)
		bw := plotW * float64(max(it.Count, 0)) / float64(most)
		if it.Count > 0 && bw < 1 {
			bw = 1
		}
		label := []rune(it.Label)
		if len(label) > 40 {
			label = append(label[:39], '…')
		}
		fmt.Fprintf(w, "<g><title>%s</title>", esc(it.Label+": "+countText(l, it.Count)+" "+l.Unit))
		fmt.Fprintf(w, "<text class=\"label\" x=\"%s\" y=\"%s\" text-anchor=\"end\">%s</text>", f(labelW-6), f(y+barH*0.72), esc(string(label)))
		fmt.Fprintf(w, "<rect class=\"bar\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\"/>", f(labelW), f(y), f(bw), f(barH))
		fmt.Fprintf(w, "<text x=\"%s\" y=\"%s\">%s</text></g>\n", f(labelW+bw+4), f(y+barH*0.72), esc(countText(l, it.Count)))
	}
	w.WriteString("</svg>\n")
	if note := approxNote(l); note != "" {
		fmt.Fprintf(w, "<p class=\"end\">%s</p>\n", esc(note))
	}
}
