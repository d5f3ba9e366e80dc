package render

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestXLSXAllocsPerRow guards against End making excelize read a streamed
// sheet back: a sheet still in excelize's in-memory chunk (under 16 MiB,
// some 40,000 rows) is then parsed into a worksheet and marshalled again,
// about 5 times the allocations per row and hundreds of MB at 20,000 rows.
// Streaming takes about 90 allocations per row.
func TestXLSXAllocsPerRow(t *testing.T) {
	const n = 2000
	pool := benchPool()
	meta := ReportMeta{Title: "Activity export", Columns: testColumns, Total: n}
	allocs := testing.AllocsPerRun(1, func() {
		w := newXLSXReport(&countWriter{})
		if err := w.Begin(meta); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if err := w.Row(pool[i%len(pool)]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.End(); err != nil {
			t.Fatal(err)
		}
	})
	if perRow := allocs / n; perRow > 250 {
		t.Errorf("%.0f allocations per row, want at most 250 (is a streamed sheet read back?)", perRow)
	}
}

// BenchmarkXLSXRows writes N activity-shaped rows of 11 columns per
// iteration and reports rows/s and the process's peak RSS. The XLSX writer
// must stay flat in memory and linear in time whether the streamed sheet
// ends below excelize's 16 MiB in-memory chunk or above it.
// Run with: go test -run '^$' -bench BenchmarkXLSXRows -benchtime 1x ./core/render
func BenchmarkXLSXRows(b *testing.B) {
	pool := benchPool()
	for _, n := range []int{1_000, 20_000, 100_000, 300_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			meta := ReportMeta{
				Title:       "Activity export",
				WindowStart: time.Date(2025, 12, 2, 0, 0, 0, 0, time.UTC),
				WindowEnd:   time.Date(2025, 12, 9, 0, 0, 0, 0, time.UTC),
				GeneratedAt: time.Date(2025, 12, 9, 0, 0, 5, 0, time.UTC),
				Columns:     testColumns,
				Total:       int64(n),
			}
			runtime.GC()
			debug.FreeOSMemory()
			_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM
			var out countWriter
			b.ResetTimer()
			for range b.N {
				w := newXLSXReport(&out)
				if err := w.Begin(meta); err != nil {
					b.Fatal(err)
				}
				for i := range n {
					if err := w.Row(pool[i%len(pool)]); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.End(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MB")
			b.ReportMetric(float64(out.n)/float64(b.N)/(1<<20), "out-MB")
		})
	}
}
