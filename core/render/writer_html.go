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
	n    int
	p    phase
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
svg.histogram{width:100%;max-width:960px;height:auto;display:block}
svg.histogram .bar{fill:var(--bar)}
svg.histogram .hit{fill:transparent}
svg.histogram g:hover .bar{opacity:.75}
svg.histogram text{fill:var(--muted);font-size:11px}
svg.histogram line{stroke:var(--line)}
table{border-collapse:collapse;margin-top:1rem;font-size:13px}
th,td{border:1px solid var(--line);padding:.2rem .45rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{white-space:nowrap}
td{max-width:40em}
thead th{position:sticky;top:0;background:var(--bg)}
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
	w.WriteString("<dl class=\"meta\">\n")
	if strings.TrimSpace(meta.Filter) == "" {
		fmt.Fprintf(w, "<dt>Filter</dt><dd>%s</dd>\n", esc(filterText(meta)))
	} else {
		fmt.Fprintf(w, "<dt>Filter</dt><dd><code>%s</code></dd>\n", esc(meta.Filter))
	}
	fmt.Fprintf(w, "<dt>Window</dt><dd>%s</dd>\n", htmlWindow(meta))
	if meta.GeneratedAt.IsZero() {
		w.WriteString("<dt>Generated at</dt><dd>unknown</dd>\n")
	} else {
		g := timeText(meta.GeneratedAt)
		fmt.Fprintf(w, "<dt>Generated at</dt><dd><time datetime=\"%s\">%s</time></dd>\n", g, g)
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
	w.WriteString("</dl>\n</section>\n<section>\n<h2>Events over the window</h2>\n")
	writeHistogramSVG(w, meta)
	w.WriteString("</section>\n<table>\n<thead><tr>")
	for _, l := range columnLabels(meta.Columns) {
		fmt.Fprintf(w, "<th scope=\"col\">%s</th>", esc(l))
	}
	_, err := w.WriteString("</tr></thead>\n<tbody>\n")
	return r.p.fail(err)
}

func htmlWindow(m ReportMeta) string {
	t := func(x time.Time) string {
		s := timeText(x)
		return `<time datetime="` + s + `">` + s + `</time>`
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
	w := r.bw
	w.WriteString("<tr>")
	for _, c := range row.Cells {
		w.WriteString("<td>")
		w.WriteString(esc(c))
		w.WriteString("</td>")
	}
	_, err := w.WriteString("</tr>\n")
	return r.p.fail(err)
}

func (r *htmlReport) End() error {
	if err := r.p.end(); err != nil {
		return err
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
		tip := timeText(b.Start)
		if e := bucketEnd(m, i); !e.IsZero() {
			tip += " to " + timeText(e)
		}
		count := b.Count
		if count < 0 {
			count = 0
		}
		tip += ": " + groupDigits(count) + " events"
		fmt.Fprintf(w, "<g><title>%s</title><rect class=\"hit\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\"/>", esc(tip), f(x), f(top), f(bw), f(plotH))
		fmt.Fprintf(w, "<rect class=\"bar\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\"/></g>\n", f(x+gap/2), f(axisY-h), f(bw-gap), f(h))
	}
	first := timeText(m.Histogram[0].Start)
	last := timeText(m.Histogram[n-1].Start)
	if e := bucketEnd(m, n-1); !e.IsZero() {
		last = timeText(e)
	}
	fmt.Fprintf(w, "<text x=\"%s\" y=\"%s\" text-anchor=\"start\">%s</text>\n", f(left), f(labelY), esc(first))
	fmt.Fprintf(w, "<text x=\"%s\" y=\"%s\" text-anchor=\"end\">%s</text>\n", f(left+plotW), f(labelY), esc(last))
	w.WriteString("</svg>\n")
}

func (r *htmlReport) abort() { r.p.abort() }
