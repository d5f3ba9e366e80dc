package core

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core/render"
	"github.com/auditdeck/auditdeck/synthetic"
	"github.com/valyala/fastjson"
)

// BenchmarkExportCells is the per-row work of a CSV export with the
// default columns, without the store: cell getters and the CSV writer over
// 20,000 extracted events. It isolates what the field registry changes.
func BenchmarkExportCells(b *testing.B) {
	var buf bytes.Buffer
	if err := synthetic.Write(&buf, synthetic.Options{Events: 20000, Seed: 1, End: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)}); err != nil {
		b.Fatal(err)
	}
	var x FieldExtractor
	var acts []Activity
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		f, err := x.Extract(line)
		if err != nil {
			b.Fatal(err)
		}
		acts = append(acts, Activity{ActivityFields: f})
	}
	cols := DefaultActivityColumns
	getters := make([]cellFunc, len(cols))
	labels := make([]string, len(cols))
	for i, c := range cols {
		getters[i], labels[i] = cellGetter(c.Field), c.Label
	}
	cells := make([]string, len(cols))
	noDoc := func() *fastjson.Value { return nil }
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w, err := render.NewCSV(io.Discard, labels)
		if err != nil {
			b.Fatal(err)
		}
		for j := range acts {
			readCells(cells, getters, &acts[j], noDoc)
			if err := w.Write(cells); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(acts)*b.N)/b.Elapsed().Seconds(), "rows/s")
}
