package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// hostile are cell values that try to run, inject or disturb something.
var hostile = []string{
	`<script>alert(1)</script>`,
	`=HYPERLINK("http://x")`,
	"+cmd",
	"-2+3",
	"@SUM(A1)",
	"\tlead tab",
	"\rlead cr",
	"nul\x00inside",
	"\x00lead nul",
	"\x1b[2J cleared",
	"Zürich 東京",
	"a,b,c",
	`say "hi"`,
	"line1\nline2",
	`" onmouseover="alert(1)`,
	"",
	"c1\u0085control",
	"bad\xffutf8",
	"emoji 😀 face",
	"{nb} and ]]> and </td>",
	"_x0041_ escaped",
	"edge \uffff \ufffe \U00010000 \U0010ffff \u2028 \u202e rtl",
	"\x7fdel \x9b[31m raw C1 byte",
}

// testColumns are the 11 columns of an activity export (core.DefaultActivityColumns).
var testColumns = []Column{
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

var testStart = time.Date(2025, 12, 9, 0, 0, 0, 0, time.UTC)

func testMeta(n int) ReportMeta {
	hist := make([]Bucket, 24)
	for i := range hist {
		hist[i] = Bucket{Start: testStart.Add(time.Duration(i) * time.Hour), Count: int64((i * 7) % 13)}
	}
	return ReportMeta{
		Title:       `Logins <script>alert("t")</script> Zürich`,
		Filter:      `event_type.eq(login),user.user_email.contains(<b>)`,
		WindowStart: testStart,
		WindowEnd:   testStart.Add(24 * time.Hour),
		GeneratedAt: time.Date(2025, 12, 10, 8, 30, 0, 0, time.FixedZone("CET", 3600)),
		Columns:     testColumns,
		Total:       int64(n),
		Histogram:   hist,
		Summary: []SummaryItem{
			{"Events", strconv.Itoa(n)},
			{`<img src=x onerror=alert(1)>`, "\x1b]0;title\x07"},
		},
	}
}

func testRowID(i int) string { return fmt.Sprintf("row-%04d", i) }

func testRows(n int) []Row {
	rows := make([]Row, n)
	h := len(hostile)
	for i := range rows {
		rows[i].Cells = []string{
			testStart.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000Z07:00"),
			testRowID(i),
			hostile[i%h],
			hostile[(i+3)%h] + "@example.com",
			"10.0." + strconv.Itoa(i%256) + ".1",
			"CH",
			hostile[(i+7)%h],
			"service " + hostile[(i+11)%h],
			"true",
			"false",
			"new",
		}
	}
	return rows
}

func write(t testing.TB, format string, meta ReportMeta, rows []Row) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(format, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Begin(meta); err != nil {
		t.Fatalf("%s Begin: %v", format, err)
	}
	for i, r := range rows {
		if err := w.Row(r); err != nil {
			t.Fatalf("%s Row %d: %v", format, i, err)
		}
	}
	if err := w.End(); err != nil {
		t.Fatalf("%s End: %v", format, err)
	}
	return buf.Bytes()
}

var testSizes = []int{0, 1, 300}

func TestFormatsAPI(t *testing.T) {
	want := map[string][2]string{
		"csv":    {".csv", "text/csv; charset=utf-8"},
		"ndjson": {".ndjson", "application/x-ndjson"},
		"json":   {".json", "application/json"},
		"html":   {".html", "text/html; charset=utf-8"},
		"pdf":    {".pdf", "application/pdf"},
		"xlsx":   {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	}
	if len(Formats) != len(want) {
		t.Fatalf("Formats = %v", Formats)
	}
	for _, f := range Formats {
		if got := Extension(f); got != want[f][0] {
			t.Errorf("Extension(%q) = %q, want %q", f, got, want[f][0])
		}
		if got := ContentType(f); got != want[f][1] {
			t.Errorf("ContentType(%q) = %q, want %q", f, got, want[f][1])
		}
		if w, err := NewWriter(strings.ToUpper(f), &bytes.Buffer{}); err != nil || w == nil {
			t.Errorf("NewWriter(%q) = %v, %v", f, w, err)
		}
	}
	_, err := NewWriter("docx", &bytes.Buffer{})
	if !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("NewWriter(docx) error = %v", err)
	}
	for _, f := range Formats {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not name %q", err, f)
		}
	}
	if Extension("docx") != "" || ContentType("docx") != "" {
		t.Error("unknown format has an extension or content type")
	}
}

func TestWriterOrderAndCells(t *testing.T) {
	for _, f := range Formats {
		t.Run(f, func(t *testing.T) {
			w, _ := NewWriter(f, &bytes.Buffer{})
			if err := w.Row(Row{}); !errors.Is(err, ErrWriterState) {
				t.Errorf("Row before Begin = %v", err)
			}
			w, _ = NewWriter(f, &bytes.Buffer{})
			if err := w.Begin(testMeta(1)); err != nil {
				t.Fatal(err)
			}
			err := w.Row(Row{Cells: []string{"too", "few"}})
			if err == nil || !strings.Contains(err.Error(), "2 cells") {
				t.Errorf("short row = %v", err)
			}
			if err2 := w.End(); err2 == nil {
				t.Error("End after a failed Row succeeded")
			}
			w, _ = NewWriter(f, &bytes.Buffer{})
			if err := w.Begin(testMeta(0)); err != nil {
				t.Fatal(err)
			}
			if err := w.End(); err != nil {
				t.Fatal(err)
			}
			if err := w.End(); !errors.Is(err, ErrWriterState) {
				t.Errorf("second End = %v", err)
			}
			if f != "ndjson" && f != "json" {
				w, _ = NewWriter(f, &bytes.Buffer{})
				m := testMeta(0)
				m.Columns = nil
				if err := w.Begin(m); err == nil {
					t.Error("Begin without columns succeeded")
				}
			}
		})
	}
}

type failWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, errDiskFull
	}
	w.n--
	return len(p), nil
}

func TestAbort(t *testing.T) {
	for _, f := range Formats {
		w, _ := NewWriter(f, &bytes.Buffer{})
		w.Begin(testMeta(300))
		for _, r := range testRows(150) {
			w.Row(r)
		}
		Abort(w)
		if err := w.Row(testRows(1)[0]); err == nil {
			t.Errorf("%s: Row after Abort succeeded", f)
		}
		if err := w.End(); err == nil {
			t.Errorf("%s: End after Abort succeeded", f)
		}
		Abort(w) // twice is harmless
	}
	Abort(nil)
}

func TestWriterOutputError(t *testing.T) {
	for _, f := range Formats {
		t.Run(f, func(t *testing.T) {
			w, _ := NewWriter(f, &failWriter{n: 0})
			err := w.Begin(testMeta(300))
			for _, r := range testRows(300) {
				if err != nil {
					break
				}
				err = w.Row(r)
			}
			if err == nil {
				err = w.End()
			}
			if !errors.Is(err, errDiskFull) {
				t.Errorf("write error not reported: %v", err)
			}
		})
	}
}

func TestCSVReport(t *testing.T) {
	for _, n := range testSizes {
		meta, rows := testMeta(n), testRows(n)
		meta.RowLimit = int64(n) // the cut is the manifest's to state, not the file's
		out := write(t, "csv", meta, rows)
		recs, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("n=%d: encoding/csv: %v", n, err)
		}
		if len(recs) != n+1 {
			t.Fatalf("n=%d: %d records, want %d (header + rows, nothing else)", n, len(recs), n+1)
		}
		if !reflect.DeepEqual(recs[0], columnLabels(testColumns)) {
			t.Errorf("header = %q", recs[0])
		}
		for i, r := range rows {
			for j, c := range r.Cells {
				if got, want := recs[i+1][j], csvExpect(c); got != want {
					t.Errorf("row %d col %d = %q, want %q", i, j, got, want)
				}
				if got := recs[i+1][j]; got != "" && strings.ContainsRune("=+-@\t\r\x00", rune(got[0])) {
					t.Errorf("row %d col %d starts a formula: %q", i, j, got)
				}
			}
		}
	}
}

// jsonRows gives every third row a stored item: pretty-printed JSON with
// hostile strings, a raw C1 control and raw DEL included.
func jsonRows(n int) []Row {
	rows := testRows(n)
	for i := range rows {
		if i%3 != 0 {
			continue
		}
		item := map[string]any{
			"event_id":   testRowID(i),
			"event_type": hostile[i%len(hostile)],
			"user":       map[string]any{"user_email": hostile[(i+5)%len(hostile)]},
			"n":          i,
		}
		raw, _ := json.MarshalIndent(item, "", "\t")
		raw = bytes.Replace(raw, []byte(`"n"`), []byte("\"c1\": \"x\u0085\x7fy\",\r\n\"n\""), 1)
		rows[i].JSON = append([]byte("\n  "), raw...)
	}
	return rows
}

func checkJSONValue(t *testing.T, i int, row Row, raw []byte) {
	t.Helper()
	if row.JSON != nil {
		var got, want any
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("row %d: %v: %s", i, err, raw)
		}
		if err := json.Unmarshal(row.JSON, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("row %d = %v, want %v", i, got, want)
		}
		return
	}
	var got map[string]string
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("row %d: %v: %s", i, err, raw)
	}
	keys := columnLabels(testColumns)
	if len(got) != len(keys) {
		t.Errorf("row %d has %d members", i, len(got))
	}
	for j, k := range keys {
		if want := strings.ToValidUTF8(row.Cells[j], "\ufffd"); got[k] != want {
			t.Errorf("row %d %q = %q, want %q", i, k, got[k], want)
		}
	}
	// members in column order
	if !bytes.HasPrefix(raw, []byte(`{"Time":`)) {
		t.Errorf("row %d does not start with the first column: %s", i, raw)
	}
}

func checkNoControls(t *testing.T, out []byte) {
	t.Helper()
	for i, r := range string(out) {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			t.Fatalf("raw control %U at byte %d", r, i)
		}
	}
	if bytes.Contains(out, []byte("\xef\xbf\xbd")) && !strings.Contains(string(out), "\ufffd") {
		t.Fatal("invalid UTF-8")
	}
}

func TestNDJSONReport(t *testing.T) {
	for _, n := range testSizes {
		rows := jsonRows(n)
		out := write(t, "ndjson", testMeta(n), rows)
		checkNoControls(t, out)
		if n == 0 {
			if len(out) != 0 {
				t.Errorf("empty report wrote %q", out)
			}
			continue
		}
		if !bytes.HasSuffix(out, []byte("\n")) {
			t.Error("no final newline")
		}
		lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		if len(lines) != n {
			t.Fatalf("n=%d: %d lines", n, len(lines))
		}
		for i, l := range lines {
			checkJSONValue(t, i, rows[i], []byte(l))
		}
	}
}

func TestJSONReport(t *testing.T) {
	for _, n := range testSizes {
		rows := jsonRows(n)
		out := write(t, "json", testMeta(n), rows)
		checkNoControls(t, out)
		var vals []json.RawMessage
		if err := json.Unmarshal(out, &vals); err != nil {
			t.Fatalf("n=%d: not a JSON array: %v\n%s", n, err, out)
		}
		if len(vals) != n {
			t.Fatalf("n=%d: %d values", n, len(vals))
		}
		for i, v := range vals {
			checkJSONValue(t, i, rows[i], v)
		}
		// one value per line between the brackets
		lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		if n > 0 && len(lines) != n+2 {
			t.Errorf("n=%d: %d lines, want %d", n, len(lines), n+2)
		}
	}
}

func TestJSONReportBadItem(t *testing.T) {
	w, _ := NewWriter("ndjson", &bytes.Buffer{})
	w.Begin(testMeta(1))
	if err := w.Row(Row{JSON: []byte(`{"a":`)}); err == nil {
		t.Error("invalid stored JSON accepted")
	}
}

func TestJSONObjectKeys(t *testing.T) {
	got := objectKeys([]Column{{Field: "a", Label: "User"}, {Field: "b", Label: "User"}, {Field: "c", Label: ""}, {Field: "d", Label: "User (2)"}})
	want := []string{"User", "User (2)", "c", "User (2) (2)"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("objectKeys = %q, want %q", got, want)
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range append(hostile, "\u2028\u2029", "\x7f", `\`, "\u009b[31m") {
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q -> %s: %v", s, b, err)
		}
		if want := strings.ToValidUTF8(s, "\ufffd"); got != want {
			t.Errorf("%q read back as %q", s, got)
		}
		checkNoControls(t, b)
	}
}

// htmlNodes walks the tree depth first.
func htmlNodes(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		htmlNodes(c, fn)
	}
}

func htmlText(n *html.Node) string {
	var b strings.Builder
	htmlNodes(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

func TestHTMLReport(t *testing.T) {
	for _, n := range testSizes {
		meta, rows := testMeta(n), testRows(n)
		if n == 300 {
			meta.RowLimit = 300
		}
		out := write(t, "html", meta, rows)
		checkNoControls(t, out)
		if bytes.Contains(out, []byte("<script")) || bytes.Contains(out, []byte("<img")) {
			t.Fatal("unescaped markup in the output")
		}
		doc, err := html.Parse(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		var (
			title, svg, csp      bool
			bodyRows, bars, cols int
			cells                [][]string
		)
		htmlNodes(doc, func(c *html.Node) {
			if c.Type != html.ElementNode {
				return
			}
			for _, a := range c.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") || strings.EqualFold(a.Key, "src") || strings.EqualFold(a.Key, "href") {
					t.Errorf("attribute %s=%q on <%s>", a.Key, a.Val, c.Data)
				}
			}
			switch {
			case c.DataAtom == atom.Script, c.DataAtom == atom.Img, c.DataAtom == atom.Iframe, c.DataAtom == atom.Link:
				t.Errorf("<%s> element in the output", c.Data)
			case c.DataAtom == atom.Title && c.Namespace == "":
				title = true
				if got, want := htmlText(c), Terminal(meta.Title); got != want {
					t.Errorf("title %q, want %q", got, want)
				}
			case c.Namespace == "svg" && c.Data == "svg":
				svg = true
			case c.Namespace == "svg" && c.Data == "rect":
				for _, a := range c.Attr {
					if a.Key == "class" && a.Val == "bar" {
						bars++
					}
				}
			case c.DataAtom == atom.Meta:
				for _, a := range c.Attr {
					if a.Key == "http-equiv" && a.Val == "Content-Security-Policy" {
						csp = true
					}
				}
			case c.DataAtom == atom.Th:
				cols++
			case c.DataAtom == atom.Tr && c.Parent != nil && c.Parent.DataAtom == atom.Tbody:
				bodyRows++
				var r []string
				for td := c.FirstChild; td != nil; td = td.NextSibling {
					if td.DataAtom == atom.Td {
						r = append(r, htmlText(td))
					}
				}
				cells = append(cells, r)
			}
		})
		if !title || !svg || !csp {
			t.Errorf("n=%d: title %v, svg %v, CSP %v", n, title, svg, csp)
		}
		if bars != len(meta.Histogram) {
			t.Errorf("%d bars, want %d", bars, len(meta.Histogram))
		}
		if cols != len(meta.Columns) {
			t.Errorf("%d header cells", cols)
		}
		if bodyRows != n {
			t.Fatalf("n=%d: tbody has %d rows", n, bodyRows)
		}
		for i, r := range rows {
			if !reflect.DeepEqual(cells[i], mapStrings(r.Cells, Terminal)) {
				t.Errorf("row %d = %q, want %q", i, cells[i], mapStrings(r.Cells, Terminal))
			}
		}
		text := htmlText(doc)
		for _, want := range []string{"event_type.eq(login),user.user_email.contains(<b>)", "2025-12-09T00:00:00Z to 2025-12-10T00:00:00Z", "2025-12-10T07:30:00Z", `<img src=x onerror=alert(1)>`, `\x1b]0;title\x07`} {
			if !strings.Contains(text, want) {
				t.Errorf("text %q missing", want)
			}
		}
		if n > 0 && !strings.Contains(text, "<script>alert(1)</script>") {
			t.Error("hostile cell not shown as text")
		}
		if got := strings.Contains(text, "Row limit"); got != (meta.RowLimit > 0) {
			t.Errorf("row limit note shown = %v", got)
		}
	}
}

func mapStrings(s []string, f func(string) string) []string {
	out := make([]string, len(s))
	for i := range s {
		out[i] = f(s[i])
	}
	return out
}

func TestHTMLHistogramEdges(t *testing.T) {
	for name, hist := range map[string][]Bucket{
		"none":     nil,
		"all zero": {{testStart, 0}, {testStart.Add(time.Hour), 0}},
		"one":      {{testStart, 5}},
		"negative": {{testStart, -3}, {testStart.Add(time.Hour), 2}},
	} {
		t.Run(name, func(t *testing.T) {
			m := testMeta(0)
			m.Histogram = hist
			m.WindowStart, m.WindowEnd = time.Time{}, time.Time{}
			out := string(write(t, "html", m, nil))
			// No histogram at all draws no frame (TestHTMLNoHistogramNoFrame).
			if strings.Contains(out, "<svg") != (hist != nil) || strings.Contains(out, "NaN") || strings.Contains(out, "Inf") {
				t.Errorf("bad svg:\n%s", out)
			}
			if !strings.Contains(out, "<dd>all time</dd>") {
				t.Error("unbounded window not stated as all time")
			}
			if strings.Count(out, `class="bar"`) != len(hist) {
				t.Errorf("bars: %d", strings.Count(out, `class="bar"`))
			}
			if _, err := html.Parse(strings.NewReader(out)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestFitWidths(t *testing.T) {
	check := func(want []float64, min, total float64) []float64 {
		t.Helper()
		got := fitWidths(want, min, total)
		sum := 0.0
		for _, g := range got {
			sum += g
			if g < min-1e-9 && min*float64(len(want)) < total {
				t.Errorf("fitWidths(%v) = %v: below min", want, got)
			}
		}
		if len(want) > 0 && (sum < total-1e-6 || sum > total+1e-6) {
			t.Errorf("fitWidths(%v, %v, %v) = %v sums to %v", want, min, total, got, sum)
		}
		return got
	}
	got := check([]float64{10, 20, 500}, 5, 100)
	if got[0] != 10 || got[1] != 20 || got[2] < 69.9 {
		t.Errorf("narrow columns not kept: %v", got)
	}
	got = check([]float64{10, 10}, 5, 100)
	if got[0] != 50 {
		t.Errorf("spare room not shared: %v", got)
	}
	check([]float64{1, 1, 1}, 50, 100)
	check([]float64{300, 300, 300}, 10, 277)
	check(nil, 10, 277)
}

func lookPath(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("%s is not installed: install poppler-utils (apt-get install -y poppler-utils) to check PDF output", n)
		}
	}
}

// pdfPages returns the page count pdfinfo reports and the text of each
// page as pdftotext extracts it.
func pdfPages(t *testing.T, pdf []byte) (int, []string) {
	t.Helper()
	info := exec.Command("pdfinfo", "-")
	info.Stdin = bytes.NewReader(pdf)
	out, err := info.CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	pages := -1
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "Pages:"); ok {
			pages, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	txt := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
	txt.Stdin = bytes.NewReader(pdf)
	var stderr bytes.Buffer
	txt.Stderr = &stderr
	text, err := txt.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, stderr.Bytes())
	}
	texts := strings.Split(strings.TrimSuffix(string(text), "\f"), "\f")
	return pages, texts
}

func checkPDF(t *testing.T, meta ReportMeta, rows []Row, utf8Font bool) {
	t.Helper()
	out := write(t, "pdf", meta, rows)
	if !bytes.HasPrefix(out, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", out[:min(len(out), 20)])
	}
	pages, texts := pdfPages(t, out)
	n := len(rows)
	if len(texts) != pages {
		t.Fatalf("pdfinfo says %d pages, pdftotext gave %d", pages, len(texts))
	}
	wantMin := 1
	if n == 300 {
		wantMin = 300/45 + 1
	}
	if pages < wantMin || pages > 1+n/20 {
		t.Errorf("n=%d: %d pages", n, pages)
	}
	all := strings.Join(texts, "\n")
	first := texts[0]
	for _, want := range []string{"Logins", "Filter:", "event_type.eq(login)", "2025-12-09T00:00:00Z to 2025-12-10T00:00:00Z", "2025-12-10T07:30:00Z", "Summary"} {
		if !strings.Contains(first, want) {
			t.Errorf("page 1 lacks %q:\n%s", want, first)
		}
	}
	if utf8Font && !strings.Contains(first, "Zürich") {
		t.Errorf("page 1 lacks Zürich:\n%s", first)
	}
	for i, p := range texts {
		if want := fmt.Sprintf("page %d of %d", i+1, pages); !strings.Contains(p, want) {
			t.Errorf("page %d lacks %q:\n%s", i+1, want, p)
		}
		if !strings.Contains(p, "Event ID") {
			t.Errorf("page %d lacks the table header", i+1)
		}
	}
	for _, i := range []int{0, n / 2, n - 1} {
		if n == 0 {
			break
		}
		if !strings.Contains(all, testRowID(i)) {
			t.Errorf("row %d (%s) missing", i, testRowID(i))
		}
	}
	if n == 0 && !strings.Contains(all, "No rows.") {
		t.Error("empty report not stated")
	}
	if n == 300 {
		for _, want := range []string{`\x1b[2J`, "Row limit", "{nb} and"} {
			if !strings.Contains(all, want) {
				t.Errorf("text %q missing", want)
			}
		}
		if strings.Contains(all, "\x1b") {
			t.Error("raw ESC in the text")
		}
	}
}

func TestPDFReport(t *testing.T) {
	lookPath(t, "pdftotext", "pdfinfo")
	for _, n := range testSizes {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			meta := testMeta(n)
			if n == 300 {
				meta.RowLimit = 300
			}
			checkPDF(t, meta, testRows(n), true)
		})
	}
}

func TestPDFReportFallbackFont(t *testing.T) {
	lookPath(t, "pdftotext", "pdfinfo")
	saved := PDFFontPath
	PDFFontPath = "/nonexistent/font.ttf"
	defer func() { PDFFontPath = saved }()
	meta := testMeta(300)
	meta.RowLimit = 300
	checkPDF(t, meta, testRows(300), false)
}

func TestPDFRowCap(t *testing.T) {
	lookPath(t, "pdftotext", "pdfinfo")
	saved := PDFMaxRows
	PDFMaxRows = 100
	defer func() { PDFMaxRows = saved }()
	out := write(t, "pdf", testMeta(300), testRows(300))
	_, texts := pdfPages(t, out)
	all := strings.Join(texts, "\n")
	if !strings.Contains(all, testRowID(99)) || strings.Contains(all, testRowID(100)) {
		t.Error("cap not applied at row 100")
	}
	if n := strings.Count(strings.Join(strings.Fields(all), " "), "shows the first 100 of 300 rows"); n != 2 {
		t.Errorf("cap stated %d times, want 2 (first page and end):\n%s", n, all)
	}
}

func TestPDFLongCells(t *testing.T) {
	lookPath(t, "pdftotext", "pdfinfo")
	rows := testRows(3)
	rows[1].Cells[2] = strings.Repeat("long-cell-", 500) + "END"
	rows[2].Cells[6] = strings.Repeat("東", 3000)
	out := write(t, "pdf", testMeta(3), rows)
	_, texts := pdfPages(t, out)
	all := strings.Join(texts, "")
	if strings.Contains(all, "END") {
		t.Error("long cell not cut")
	}
	if !strings.Contains(all, "long-cell-") || !strings.Contains(all, "…") {
		t.Error("cut cell has no ellipsis")
	}
}

func TestXLSXReport(t *testing.T) {
	for _, n := range testSizes {
		meta, rows := testMeta(n), testRows(n)
		if n == 300 {
			meta.RowLimit = 300
		}
		out := write(t, "xlsx", meta, rows)
		f, err := excelize.OpenReader(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{"Report", "About"}) {
			t.Errorf("sheets = %q", got)
		}
		got, err := f.GetRows("Report")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n+1 {
			t.Fatalf("n=%d: %d rows", n, len(got))
		}
		if !reflect.DeepEqual(got[0], columnLabels(testColumns)) {
			t.Errorf("header = %q", got[0])
		}
		if s, _ := f.GetCellStyle("Report", "A1"); s == 0 {
			t.Error("header has no style")
		}
		for i, r := range rows {
			for j, c := range r.Cells {
				var g string
				if j < len(got[i+1]) {
					g = got[i+1][j]
				}
				if want := xlsxText(c); g != want {
					t.Errorf("row %d col %d = %q, want %q", i, j, g, want)
				}
				cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
				if fo, _ := f.GetCellFormula("Report", cell); fo != "" {
					t.Errorf("%s has a formula %q", cell, fo)
				}
				if g != "" && strings.ContainsRune("=+-@\t\r\x00", rune(g[0])) {
					t.Errorf("%s starts a formula: %q", cell, g)
				}
			}
		}
		about, _ := f.GetRows("About")
		text := fmt.Sprint(about)
		for _, want := range []string{meta.Title, meta.Filter, "2025-12-09T00:00:00Z to 2025-12-10T00:00:00Z", "2025-12-10T07:30:00Z", "Summary", "Events"} {
			if !strings.Contains(text, want) {
				t.Errorf("About lacks %q: %s", want, text)
			}
		}
		if strings.Contains(text, "Row limit") != (meta.RowLimit > 0) {
			t.Errorf("About row-limit note wrong: %s", text)
		}
		f.Close()
	}
}

func TestXLSXSheetOverflow(t *testing.T) {
	saved := xlsxMaxRows
	xlsxMaxRows = 50
	defer func() { xlsxMaxRows = saved }()
	rows := testRows(300)[:120]
	out := write(t, "xlsx", testMeta(120), rows)
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := []string{"Report", "Report 2", "Report 3", "About"}
	if got := f.GetSheetList(); !reflect.DeepEqual(got, want) {
		t.Fatalf("sheets = %q, want %q", got, want)
	}
	i := 0
	for _, s := range want[:3] {
		got, _ := f.GetRows(s)
		if got[0][1] != "Event ID" {
			t.Errorf("%s has no header", s)
		}
		for _, r := range got[1:] {
			if r[1] != testRowID(i) {
				t.Fatalf("%s: row %q, want %s", s, r[1], testRowID(i))
			}
			i++
		}
	}
	if i != 120 {
		t.Errorf("%d rows read back", i)
	}
	about, _ := f.GetRows("About")
	if text := fmt.Sprint(about); !strings.Contains(text, "Report, Report 2, Report 3") {
		t.Errorf("About does not name the sheets: %s", text)
	}
}

func TestVisibleControls(t *testing.T) {
	for in, want := range map[string]string{
		"plain":          "plain",
		"a\tb\nc\rd":     "a\tb\nc\rd",
		"\x1b[2J\x00":    `\x1b[2J\x00`,
		"x\u0085\ty\xff": `x\u0085` + "\t" + `y\xff`,
		"Zürich 東京":      "Zürich 東京",
	} {
		if got := visibleControls(in); got != want {
			t.Errorf("visibleControls(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWindowText(t *testing.T) {
	m := ReportMeta{}
	if windowText(m) != "all time" {
		t.Error(windowText(m))
	}
	m.WindowStart = testStart
	if !strings.HasPrefix(windowText(m), "from 2025-12-09T00:00:00Z") {
		t.Error(windowText(m))
	}
	if groupDigits(1048576) != "1,048,576" || groupDigits(0) != "0" || groupDigits(-1234) != "-1,234" {
		t.Error(groupDigits(1048576), groupDigits(-1234))
	}
}

// FuzzHTMLCell checks that any text in a title, label or cell comes back
// from an HTML parser as the same text (made terminal-safe) in its place,
// and adds no element.
func FuzzHTMLCell(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	page := func(t *testing.T, s string) (title string, tds []string, elems int) {
		m := testMeta(1)
		m.Columns = []Column{{Field: "a", Label: "A"}, {Field: "b", Label: s}}
		m.Title = s + "."
		out := write(t, "html", m, []Row{{Cells: []string{s, "end"}}})
		doc, err := html.Parse(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		htmlNodes(doc, func(c *html.Node) {
			if c.Type != html.ElementNode {
				return
			}
			elems++
			switch {
			case c.DataAtom == atom.Td:
				tds = append(tds, htmlText(c))
			case c.DataAtom == atom.Title && c.Namespace == "":
				title = htmlText(c)
			}
		})
		return title, tds, elems
	}
	f.Fuzz(func(t *testing.T, s string) {
		title, tds, elems := page(t, s)
		if want := []string{Terminal(s), "end"}; !reflect.DeepEqual(tds, want) {
			t.Fatalf("cells %q, want %q", tds, want)
		}
		if title != Terminal(s+".") {
			t.Fatalf("title %q, want %q", title, Terminal(s+"."))
		}
		if _, _, base := page(t, "x"); elems != base {
			t.Fatalf("%d elements, %d with a plain text", elems, base)
		}
	})
}

// FuzzPDFCell checks that no text makes the PDF writer fail, with either font.
func FuzzPDFCell(f *testing.F) {
	for _, h := range hostile {
		f.Add(h, false)
	}
	f.Add(strings.Repeat("W", 2000), true)
	f.Fuzz(func(t *testing.T, s string, fallback bool) {
		if fallback {
			saved := PDFFontPath
			PDFFontPath = "/nonexistent/font.ttf"
			defer func() { PDFFontPath = saved }()
		}
		m := testMeta(2)
		m.Title, m.Filter = s, s
		m.Columns = []Column{{Field: "a", Label: s}, {Field: "b", Label: "B"}}
		m.Summary = []SummaryItem{{s, s}}
		out := write(t, "pdf", m, []Row{{Cells: []string{s, s}}, {Cells: []string{"x", s + s}}})
		if !bytes.HasPrefix(out, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(out), []byte("%%EOF")) {
			t.Fatal("not a whole PDF")
		}
	})
}

// FuzzXLSXCell checks that any cell text reads back as xlsxText made it.
func FuzzXLSXCell(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	f.Add(strings.Repeat("é", 40000))
	f.Add(strings.Repeat("😀", 20000))
	f.Fuzz(func(t *testing.T, s string) {
		m := testMeta(1)
		m.Title = s
		m.Columns = []Column{{Field: "a", Label: s}, {Field: "b", Label: "B"}}
		out := write(t, "xlsx", m, []Row{{Cells: []string{s, "end"}}})
		x, err := excelize.OpenReader(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		label := s
		if label == "" {
			label = "a" // the field names a column without a label
		}
		// Header texts are one line and unique (Excel table columns).
		for cell, want := range map[string]string{"A1": xlsxLabels([]string{label, "B"})[0], "A2": xlsxText(s), "B2": "end"} {
			if got, _ := x.GetCellValue("Report", cell); got != want {
				t.Fatalf("%s = %q, want %q", cell, got, want)
			}
		}
		if got, _ := x.GetCellValue("About", "B1"); got != xlsxText(s) {
			t.Fatalf("About title = %q, want %q", got, xlsxText(s))
		}
	})
}
