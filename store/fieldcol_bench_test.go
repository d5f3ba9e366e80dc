package store

import (
	"bytes"
	"os"
	"testing"

	"github.com/auditdeck/auditdeck/core"
)

// BenchmarkFieldColumns builds the field columns of one block of generated
// events (FIELDCOL_EVENTS names an NDJSON file; skipped without it).
func BenchmarkFieldColumns(b *testing.B) {
	path := os.Getenv("FIELDCOL_EVENTS")
	if path == "" {
		b.Skip("FIELDCOL_EVENTS not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var recs []core.IngestRecord
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		recs = append(recs, core.IngestRecord{Raw: line})
	}
	b.ReportAllocs()
	b.ResetTimer()
	var size int
	for range b.N {
		tasks, finish := fieldColumnTasks(recs)
		runParallel(tasks)
		cols, _ := finish()
		size = 0
		for _, c := range cols {
			size += len(c.value) + len(c.path) + 10
		}
	}
	b.ReportMetric(float64(size)/float64(len(recs)), "bytes/event")
}
