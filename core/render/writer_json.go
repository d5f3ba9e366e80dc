package render

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// jsonReport writes one JSON value per row: Row.JSON (the stored item) when
// set, else an object of the cells keyed by column label in column order.
// As NDJSON each value is a line; as JSON the values are the elements of
// one array, one per line, written as they come (an empty report is "[]").
// Every value passes through SafeJSON (or is built with the same escapes),
// so the file is safe to print on a terminal.
type jsonReport struct {
	out   io.Writer
	bw    *bufio.Writer
	array bool
	keys  []string
	buf   []byte
	p     phase
}

func newNDJSONReport(w io.Writer) Writer { return &jsonReport{out: w} }
func newJSONReport(w io.Writer) Writer   { return &jsonReport{out: w, array: true} }

func (r *jsonReport) Begin(meta ReportMeta) error {
	if err := r.p.begin(); err != nil {
		return err
	}
	r.keys = objectKeys(meta.Columns)
	r.bw = bufio.NewWriterSize(r.out, 64<<10)
	if r.array {
		if _, err := r.bw.WriteString("["); err != nil {
			return r.p.fail(err)
		}
	}
	return nil
}

func (r *jsonReport) Row(row Row) error {
	if err := r.p.row(); err != nil {
		return err
	}
	r.p.rows++
	b := r.buf[:0]
	if r.array {
		if r.p.rows > 1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	if row.JSON != nil {
		raw := bytes.TrimSpace(row.JSON)
		if err := fastjson.ValidateBytes(raw); err != nil {
			return r.p.fail(fmt.Errorf("render: row %d: stored item is not valid JSON: %v", r.p.rows, err))
		}
		b = SafeJSON(b, raw)
	} else {
		if err := checkCells(row, len(r.keys), r.p.rows); err != nil {
			return r.p.fail(err)
		}
		b = append(b, '{')
		for i, k := range r.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, row.Cells[i])
		}
		b = append(b, '}')
	}
	if !r.array {
		b = append(b, '\n')
	}
	r.buf = b
	_, err := r.bw.Write(b)
	return r.p.fail(err)
}

func (r *jsonReport) End() error {
	if err := r.p.end(); err != nil {
		return err
	}
	if r.array {
		end := "\n]\n"
		if r.p.rows == 0 {
			end = "]\n"
		}
		if _, err := r.bw.WriteString(end); err != nil {
			return r.p.fail(err)
		}
	}
	return r.p.fail(r.bw.Flush())
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string with the escapes SafeJSON
// guarantees: controls, DEL and the C1 controls as \u escapes, invalid UTF-8
// as \ufffd, and the Hidden characters (U+2028/U+2029 among them, so the
// text is also a JavaScript string literal) as \u escapes.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			i++
			continue
		}
		if c < 0x80 {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r >= 0x80 && r <= 0x9f:
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xf])
		case Hidden(r): // U+2028/U+2029 among them, so the text is also a JavaScript literal
			dst = append(dst, s[start:i]...)
			dst = appendJSONEscape(dst, r)
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSONEscape appends r as a JSON \u escape, as a UTF-16 surrogate
// pair above the BMP.
func appendJSONEscape(dst []byte, r rune) []byte {
	if r > 0xffff {
		hi, lo := utf16.EncodeRune(r)
		return appendJSONEscape(appendJSONEscape(dst, hi), lo)
	}
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

func (r *jsonReport) abort() { r.p.abort() }
