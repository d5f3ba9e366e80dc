package core_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/store"
	"github.com/auditdeck/auditdeck/synthetic"
)

// benchExportEvents is the size of the store the export benchmarks write
// out; small enough for a shared 2-core machine, large enough that the
// per-row cost (cell getters, writers) dominates the task's fixed cost.
const benchExportEvents = 100000

// BenchmarkExport measures a whole export task (scan, cells, writer, hash,
// fsync) per format, with the default columns (csv) or whole events (ndjson):
//
//	go test ./core -run x -bench Export -benchtime 3x
func BenchmarkExport(b *testing.B) {
	var buf bytes.Buffer
	end := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	if err := synthetic.Write(&buf, synthetic.Options{Events: benchExportEvents, Seed: 1, End: end}); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	s, err := store.Open(store.Options{Dir: filepath.Join(dir, "store")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	eng := core.NewEngine(s, s, core.WithClock(func() time.Time { return end }))
	ctx := context.Background()
	if rep, err := eng.Ingest(ctx, &buf, core.IngestOptions{}); err != nil || rep.Ingested != benchExportEvents {
		b.Fatalf("ingest: %v %+v", err, rep)
	}
	tr, err := eng.StartTasks(core.TaskOptions{Dir: filepath.Join(dir, "exports")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tr.Close() })
	for _, format := range []string{"csv", "ndjson", "json"} {
		b.Run(format, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				task, err := tr.Submit(ctx, alice, core.ExportRequest{Filter: "", Formats: []string{format}, FileName: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
				task, err = tr.Wait(wctx, alice, task.ID, 5*time.Millisecond, nil)
				cancel()
				if err != nil || task.Status != core.TaskSucceeded || task.Done != benchExportEvents {
					b.Fatalf("export %s: %v %+v", format, err, task)
				}
				if err := tr.Delete(ctx, alice, task.ID); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(benchExportEvents*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
