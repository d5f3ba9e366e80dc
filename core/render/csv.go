package render

import (
	"encoding/csv"
	"io"
	"strings"
	"unicode/utf8"
)

// CSVCell neutralises a cell that a spreadsheet would run as a formula
// (starting with = + - @, tab, CR or NUL) by prefixing a single quote, as
// OWASP recommends for CSV injection.
func CSVCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', 0:
		return "'" + s
	}
	return s
}

// CSVWriter streams RFC 4180 rows with every cell neutralised.
type CSVWriter struct {
	w   *csv.Writer
	row []string
}

// NewCSV starts a CSV stream with a header row of labels.
func NewCSV(w io.Writer, labels []string) (*CSVWriter, error) {
	c := &CSVWriter{w: csv.NewWriter(w)}
	c.w.UseCRLF = true
	if err := c.Write(labels); err != nil {
		return nil, err
	}
	return c, nil
}

// Write writes one row.
func (c *CSVWriter) Write(cells []string) error {
	c.row = c.row[:0]
	for _, s := range cells {
		if !utf8.ValidString(s) { // checking first saves a copy of every valid cell
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
		c.row = append(c.row, CSVCell(s))
	}
	return c.w.Write(c.row)
}

// Flush writes buffered rows and reports any write error.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}
