package render

import (
	"bufio"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CSVCell neutralises a cell that a spreadsheet would run as a formula by
// prefixing a single quote, as OWASP recommends for CSV injection: a cell
// starting with tab, CR or NUL, or whose first character after any leading
// whitespace is = + - @ or their full-width forms ＝ ＋ － ＠ (spreadsheets
// trim leading blanks and fold full-width signs before parsing a formula).
func CSVCell(s string) string {
	if formulaStart(s) {
		return "'" + s
	}
	return s
}

// formulaStart reports whether a spreadsheet could read s as a formula.
// Plain cells (a letter or digit first) return at the first byte: exports
// call this for every cell.
func formulaStart(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '\t', '\r', 0:
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '=', '+', '-', '@':
				return true
			case ' ', '\t', '\n', '\r', '\v', '\f':
				i++
				continue
			}
			return false
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\uff1d', r == '\uff0b', r == '\uff0d', r == '\uff20': // ＝ ＋ － ＠
			return true
		case unicode.IsSpace(r), r == '\u200b', r == '\ufeff': // also zero-width space and BOM, which a reader drops
			i += n
			continue
		}
		return false
	}
	return false
}

// CSVWriter streams RFC 4180 rows with every cell neutralised. It writes
// exactly what encoding/csv writes with UseCRLF (fields quoted when they hold
// a comma, quote, CR or LF, start with a space, or are \.), but builds each
// row in one buffer with a fast path for plain cells: exports spend most of
// their time here.
type CSVWriter struct {
	w   *bufio.Writer
	buf []byte
	err error
}

// NewCSV starts a CSV stream with a header row of labels.
func NewCSV(w io.Writer, labels []string) (*CSVWriter, error) {
	c := &CSVWriter{w: bufio.NewWriterSize(w, 64<<10)}
	if err := c.Write(labels); err != nil {
		return nil, err
	}
	return c, nil
}

// Write writes one row.
func (c *CSVWriter) Write(cells []string) error {
	if c.err != nil {
		return c.err
	}
	b := c.buf[:0]
	for i, s := range cells {
		if i > 0 {
			b = append(b, ',')
		}
		if s == "" {
			continue
		}
		if formulaStart(s) {
			b = appendCSVQuoted(b, "'"+s)
			continue
		}
		if plainCSV(s) {
			b = append(b, s...)
			continue
		}
		b = appendCSVQuoted(b, s)
	}
	b = append(b, '\r', '\n')
	c.buf = b
	_, c.err = c.w.Write(b)
	return c.err
}

// plainCSV: ASCII with no byte that needs quoting, not starting with a space.
func plainCSV(s string) bool {
	if s[0] == ' ' || s == `\.` {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == ',' || c == '"' {
			return false
		}
	}
	return true
}

// appendCSVQuoted writes a cell the slow way: valid UTF-8, quoted when
// encoding/csv would quote it.
func appendCSVQuoted(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if !needsQuotes(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			b = append(b, '"', '"')
		case '\r':
			// encoding/csv drops a lone CR in CRLF mode; kept identical.
		case '\n':
			b = append(b, '\r', '\n')
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func needsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s == `\.` || strings.ContainsAny(s, ",\"\r\n") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}

// Flush writes buffered rows and reports any write error.
func (c *CSVWriter) Flush() error {
	if c.err != nil {
		return c.err
	}
	c.err = c.w.Flush()
	return c.err
}
