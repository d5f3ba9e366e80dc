package render

import (
	"bufio"
	"io"
)

// csvReport writes a plain RFC 4180 table: one header row of the column
// labels, then one row per Row, every cell neutralised by CSVCell. The file
// holds nothing else (no title or metadata lines), so every CSV reader
// takes it as a table. A cut made by ReportMeta.RowLimit is therefore not
// stated in the file: whoever produces a CSV export with a row limit must
// state the cut beside it (the task's manifest and status).
type csvReport struct {
	out io.Writer
	bw  *bufio.Writer
	c   *CSVWriter
	n   int
	p   phase
}

func newCSVReport(w io.Writer) Writer { return &csvReport{out: w} }

func (r *csvReport) Begin(meta ReportMeta) error {
	if err := r.p.begin(); err != nil {
		return err
	}
	if len(meta.Columns) == 0 {
		return r.p.fail(errNoColumns)
	}
	r.n = len(meta.Columns)
	r.bw = bufio.NewWriterSize(r.out, 64<<10)
	c, err := NewCSV(r.bw, columnLabels(meta.Columns))
	if err != nil {
		return r.p.fail(err)
	}
	r.c = c
	return nil
}

func (r *csvReport) Row(row Row) error {
	if err := r.p.row(); err != nil {
		return err
	}
	r.p.rows++
	if err := checkCells(row, r.n, r.p.rows); err != nil {
		return r.p.fail(err)
	}
	return r.p.fail(r.c.Write(row.Cells))
}

func (r *csvReport) End() error {
	if err := r.p.end(); err != nil {
		return err
	}
	if err := r.c.Flush(); err != nil {
		return r.p.fail(err)
	}
	return r.p.fail(r.bw.Flush())
}

func (r *csvReport) abort() { r.p.abort() }
