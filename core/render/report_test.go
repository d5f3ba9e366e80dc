package render

import (
	"archive/zip"
	"bytes"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// managerMeta is a report with everything a reader who does not read the
// DSL is shown: the filter in words, a zone, top lists and the histogram.
func managerMeta(t *testing.T, n int) (ReportMeta, []Row) {
	t.Helper()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	m := testMeta(n)
	m.Filter = "event_type.eq(login),!operation_successful"
	m.FilterWords = "event type is login and operation failed"
	m.Location = berlin
	m.Columns = []Column{
		{Field: "created_at", Label: "Time", Kind: KindTime},
		{Field: "event_id", Label: "Event ID"},
		{Field: "operation_successful", Label: "Successful", Kind: KindBool},
		{Field: "raw.RecordType", Label: "Record type", Kind: KindNumber},
	}
	m.Tops = []TopList{
		{Title: "Top users", Unit: "events", Items: []TopItem{{"ana@example.com", 7}, {"<b>bob</b>@example.com", 3}}},
		{Title: "Top countries", Unit: "events", Items: []TopItem{{"NL", 9}, {"DE", 1}}, Approx: true, Slack: 2},
	}
	rows := make([]Row, n)
	for i := range rows {
		rows[i].Cells = []string{
			testStart.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000Z07:00"),
			"google:auth:" + strings.Repeat("x", 60) + strconv.Itoa(i),
			[]string{"true", "false", ""}[i%3],
			[]string{"15", "2.5", "n/a"}[i%3],
		}
	}
	return m, rows
}

func TestHTMLForManagers(t *testing.T) {
	m, rows := managerMeta(t, 3)
	out := string(write(t, "html", m, rows))
	for _, want := range []string{
		"<dt>Filter</dt><dd>event type is login and operation failed</dd>",
		"<dt>As typed</dt><dd><code>event_type.eq(login),!operation_successful</code></dd>",
		// testStart is midnight UTC: 01:00 in Berlin in December.
		`<time datetime="2025-12-09T00:00:00Z">2025-12-09 01:00 CET</time> to <time datetime="2025-12-10T00:00:00Z">2025-12-10 01:00 CET</time>`,
		`<dt>Generated at</dt><dd><time datetime="2025-12-10T07:30:00Z">2025-12-10 08:30 CET</time></dd>`,
		"<dt>Times in</dt><dd>Europe/Berlin</dd>",
		`<th scope="col">Time (Europe/Berlin)</th>`,
		"<td>2025-12-09 01:00:00</td>", "<td>2025-12-09 01:02:00</td>",
		`<td class="n">15</td>`, `<td class="n">n/a</td>`,
		"<caption>Top users</caption>", "<td>ana@example.com</td><td class=\"n\">7</td>",
		"<td>&lt;b&gt;bob&lt;/b&gt;@example.com</td>",
		"<caption>Top countries</caption>", "<td>NL</td><td class=\"n\">≤9</td>", "at most 2 over",
		"Events over the window", `<svg class="histogram"`,
		// The table fits the page: fixed layout, long cells wrap.
		"table.rows{table-layout:fixed;width:100%}", "overflow-wrap:anywhere",
		`<table class="rows">`, `<th scope="col" class="n">Record type</th>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	if strings.Contains(out, "<b>bob") || strings.Contains(out, "white-space:nowrap}\ntd{max-width") {
		t.Error("unescaped top label or unwrapped header")
	}
	// Short columns (times, flags, numbers, short text) get the width they
	// need; the long event ids share the rest of the page.
	if !regexp.MustCompile(`<colgroup><col style="width:2[0-9.]+ch"><col><col style="width:1[0-9.]+ch"><col style="width:[0-9.]+ch"></colgroup>`).MatchString(out) {
		t.Errorf("column widths: %s", regexp.MustCompile(`<colgroup>.*</colgroup>`).FindString(out))
	}
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	bars := 0
	htmlNodes(doc, func(n *html.Node) {
		if n.DataAtom == atom.Span && n.Parent != nil && n.Parent.DataAtom == atom.Td {
			bars++
		}
	})
	if bars != 4 {
		t.Errorf("%d top-list bars, want 4", bars)
	}
}

func groupedMeta() ReportMeta {
	m := testMeta(0)
	m.Histogram = nil
	m.Summary = nil
	m.Columns = []Column{{Field: "user.user_email", Label: "User"}, {Field: "count", Label: "Events", Kind: KindNumber}}
	m.GroupChart = &TopList{Title: "Largest groups by Events", Unit: "events", Items: []TopItem{
		{"ana@example.com", 40}, {"bob@example.com / <i>x</i>", 12}, {"carol@example.com", 1},
	}}
	return m
}

func TestHTMLGroupChart(t *testing.T) {
	m := groupedMeta()
	rows := []Row{{Cells: []string{"ana@example.com", "40"}}, {Cells: []string{"bob@example.com", "12"}}, {Cells: []string{"carol@example.com", "1"}}}
	out := string(write(t, "html", m, rows))
	if strings.Contains(out, "No histogram") || strings.Contains(out, `class="histogram"`) {
		t.Error("grouped report draws the empty histogram frame")
	}
	if !strings.Contains(out, "<h2>Largest groups by Events</h2>") || strings.Count(out, `<rect class="bar"`) != 3 {
		t.Errorf("group chart missing or wrong:\n%s", out)
	}
	for _, want := range []string{">ana@example.com</text>", ">40</text>", "&lt;i&gt;x&lt;/i&gt;", "<title>carol@example.com: 1 events</title>"} {
		if !strings.Contains(out, want) {
			t.Errorf("group chart lacks %q", want)
		}
	}
	// The longest bar spans the plot; the others are in proportion.
	if !strings.Contains(out, `width="460.00"`) || !strings.Contains(out, `width="138.00"`) {
		t.Errorf("bar widths not in proportion:\n%s", out)
	}
}

func TestPDFForManagers(t *testing.T) {
	lookPath(t, "pdftotext", "pdfinfo")
	m, rows := managerMeta(t, 3)
	_, pages := pdfPages(t, write(t, "pdf", m, rows))
	text := strings.Join(pages, "\n")
	for _, want := range []string{
		"Filter: event type is login and operation failed", "As typed: event_type.eq(login),!operation_successful",
		"Window: 2025-12-09 01:00 CET to 2025-12-10 01:00 CET", "Generated at: 2025-12-10 08:30 CET", "Times in: Europe/Berlin",
		"Top users", "ana@example.com", "<b>bob</b>@example.com", "Top countries", "≤9", "at most 2 over",
		"Events over the window", "Time (Europe/Berlin)", "2025-12-09 01:00:00", "2025-12-09 01:02:00",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("pdf lacks %q:\n%s", want, text)
		}
	}
	g := groupedMeta()
	_, pages = pdfPages(t, write(t, "pdf", g, []Row{{Cells: []string{"ana@example.com", "40"}}}))
	text = strings.Join(pages, "\n")
	for _, want := range []string{"Largest groups by Events", "ana@example.com", "bob@example.com / <i>x</i>", "carol@example.com", "40", "12"} {
		if !strings.Contains(text, want) {
			t.Errorf("grouped pdf lacks %q:\n%s", want, text)
		}
	}
}

func TestXLSXTypedCellsAndAutofilter(t *testing.T) {
	m, rows := managerMeta(t, 3)
	out := write(t, "xlsx", m, rows)
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head, _ := f.GetRows("Report")
	if strings.Join(head[0], "|") != "Time (Europe/Berlin)|Event ID|Successful|Record type" {
		t.Errorf("header %q", head[0])
	}
	// Times are dates (a number with a date format), in Berlin's wall clock.
	for i, want := range []string{"2025-12-09 01:00:00", "2025-12-09 01:01:00", "2025-12-09 01:02:00"} {
		ref := "A" + strconv.Itoa(i+2)
		if got, _ := f.GetCellValue("Report", ref); got != want {
			t.Errorf("%s shows %q, want %q", ref, got, want)
		}
		raw, _ := f.GetCellValue("Report", ref, excelize.Options{RawCellValue: true})
		if v, err := strconv.ParseFloat(raw, 64); err != nil || v < 46000 || v > 46001 {
			t.Errorf("%s holds %q, want an Excel date serial", ref, raw)
		}
		if typ, _ := f.GetCellType("Report", ref); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("%s is a string cell", ref)
		}
	}
	if typ, _ := f.GetCellType("Report", "C2"); typ != excelize.CellTypeBool {
		t.Errorf("C2 (true) has type %v, want bool", typ)
	}
	if v, _ := f.GetCellValue("Report", "C3"); v != "FALSE" {
		t.Errorf("C3 = %q, want FALSE", v)
	}
	if v, _ := f.GetCellValue("Report", "C4"); v != "" {
		t.Errorf("empty bool cell = %q", v)
	}
	for ref, want := range map[string]string{"D2": "15", "D3": "2.5"} {
		typ, _ := f.GetCellType("Report", ref)
		if v, _ := f.GetCellValue("Report", ref); v != want || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
			t.Errorf("%s = %q type %v, want the number %s", ref, v, typ, want)
		}
	}
	if typ, _ := f.GetCellType("Report", "D4"); typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
		t.Errorf("D4 (n/a) has type %v, want text", typ)
	}
	if v, _ := f.GetCellValue("Report", "B2"); v != rows[0].Cells[1] {
		t.Errorf("B2 = %q", v)
	}
	// The rows are a table: the header has filter buttons.
	tables, err := f.GetTables("Report")
	if err != nil || len(tables) != 1 || tables[0].Range != "A1:D4" {
		t.Fatalf("tables = %+v, %v", tables, err)
	}
	zr, _ := zip.NewReader(bytes.NewReader(out), int64(len(out)))
	found := false
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/tables/") {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			found = found || strings.Contains(string(b), `<autoFilter ref="A1:D4"`)
		}
	}
	if !found {
		t.Error("no autoFilter over A1:D4")
	}
	about, _ := f.GetRows("About")
	text := ""
	for _, r := range about {
		text += strings.Join(r, " ") + "\n"
	}
	for _, want := range []string{"Filter event type is login and operation failed", "As typed event_type.eq(login),!operation_successful",
		"Times in Europe/Berlin", "Window 2025-12-09 01:00 CET to 2025-12-10 01:00 CET", "Top users ana@example.com (7), <b>bob</b>@example.com (3)", "Top countries NL (≤9), DE (≤1)"} {
		if !strings.Contains(text, want) {
			t.Errorf("About lacks %q:\n%s", want, text)
		}
	}
}

// TestXLSXTablePerSheet: every continuation sheet is its own table.
func TestXLSXTablePerSheet(t *testing.T) {
	saved := xlsxMaxRows
	xlsxMaxRows = 50
	defer func() { xlsxMaxRows = saved }()
	m, rows := managerMeta(t, 120)
	f, err := excelize.OpenReader(bytes.NewReader(write(t, "xlsx", m, rows)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for sheet, want := range map[string]string{"Report": "A1:D50", "Report 2": "A1:D50", "Report 3": "A1:D23"} {
		if tables, err := f.GetTables(sheet); err != nil || len(tables) != 1 || tables[0].Range != want {
			t.Errorf("%s tables = %+v %v, want one over %s", sheet, tables, err, want)
		}
	}
}

// TestHTMLManyShortColumns: when the short columns alone would be wider
// than the page, every column gets a percentage share instead, so the
// table still fits.
func TestHTMLManyShortColumns(t *testing.T) {
	m := testMeta(1)
	var cells []string
	m.Columns = nil
	for i := range 14 {
		m.Columns = append(m.Columns, Column{Field: "f" + strconv.Itoa(i), Label: "Label" + strconv.Itoa(i), Kind: KindTime})
		cells = append(cells, "2025-12-09T00:00:00.000Z")
	}
	out := string(write(t, "html", m, []Row{{Cells: cells}}))
	cols := regexp.MustCompile(`<col style="width:([0-9.]+)%">`).FindAllStringSubmatch(out, -1)
	sum := 0.0
	for _, c := range cols {
		v, _ := strconv.ParseFloat(c[1], 64)
		sum += v
	}
	if len(cols) != 14 || sum < 99.9 || sum > 100.1 || strings.Contains(out, "ch\">") {
		t.Errorf("%d percentage columns summing to %v", len(cols), sum)
	}
}

// TestPDFForManagersFallbackFont: with the core Helvetica font the labels
// of the title block are not cut (a rounding cut "As typed:" to "As typ…").
func TestPDFForManagersFallbackFont(t *testing.T) {
	lookPath(t, "pdftotext", "pdfinfo")
	saved := PDFFontPath
	PDFFontPath = "/nonexistent/font.ttf"
	defer func() { PDFFontPath = saved }()
	m, rows := managerMeta(t, 3)
	_, pages := pdfPages(t, write(t, "pdf", m, rows))
	for _, want := range []string{"Filter: event type is login and operation failed", "As typed: event_type.eq(login),!operation_successful", "Times in: Europe/Berlin", "Top users"} {
		if !strings.Contains(pages[0], want) {
			t.Errorf("pdf lacks %q:\n%s", want, pages[0])
		}
	}
	write(t, "pdf", groupedMeta(), nil)
}

// TestHTMLNoHistogramNoFrame: a report with neither a histogram nor a group
// chart (the audit trail, consumption) has no chart section, as its PDF
// has none; it drew an empty frame with a 0-to-0 axis.
func TestHTMLNoHistogramNoFrame(t *testing.T) {
	m := testMeta(0)
	m.Histogram, m.GroupChart = nil, nil
	out := string(write(t, "html", m, nil))
	if strings.Contains(out, "No histogram") || strings.Contains(out, `class="histogram"`) || strings.Contains(out, "Events over the window") {
		t.Errorf("a report without a histogram draws its empty frame:\n%s", out)
	}
	if !strings.Contains(out, "<h2>Summary</h2>") || !strings.Contains(out, `<table class="rows">`) {
		t.Errorf("summary or table missing:\n%s", out)
	}
}
