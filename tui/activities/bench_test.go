package activities

import (
	"context"
	"io"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/store"
	"github.com/auditdeck/auditdeck/synthetic"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

func lipglossWidth(s string) int { return ansi.StringWidth(s) }

// ingestSynthetic adds n generated events ending at the fixed clock.
func ingestSynthetic(t testing.TB, eng *core.Engine, n int) {
	t.Helper()
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(synthetic.Write(pw, synthetic.Options{Events: n, Seed: 11, End: fixedNow, Days: 30, Users: 2000}))
	}()
	if _, err := eng.Ingest(context.Background(), pr, core.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
}

var bench struct {
	once sync.Once
	dir  string
	eng  *core.Engine
	err  error
}

// benchEngine is one store of 200,000 events shared by the benchmarks.
func benchEngine(b *testing.B) *core.Engine {
	bench.once.Do(func() {
		bench.dir, bench.err = os.MkdirTemp("", "activities-bench-")
		if bench.err != nil {
			return
		}
		s, err := store.Open(store.Options{Dir: bench.dir})
		if err != nil {
			bench.err = err
			return
		}
		bench.eng = core.NewEngine(s, s, core.WithClock(func() time.Time { return fixedNow }))
		ingestSynthetic(b, bench.eng, 200_000)
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.eng
}

func cleanupBench() {
	if bench.eng != nil {
		bench.eng.Close()
	}
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
}

// reportLatency adds the median and 99th percentile of the timed steps.
func reportLatency(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(d[len(d)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkUpdateViewPage is one page-down key from Update to the next
// frame over a 200,000-event store, with the reads it triggers (the next
// page, read ahead) run synchronously and included.
func BenchmarkUpdateViewPage(b *testing.B) {
	eng := benchEngine(b)
	m := newModel(newContext(eng), 120, 40)
	lat := make([]time.Duration, 0, min(b.N, 1<<20))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if m.tbl.tail && m.tbl.cur >= len(m.tbl.rows)-m.visRows() {
			b.StopTimer()
			press(m, keyHome)
			b.StartTimer()
		}
		t0 := time.Now()
		_, cmd := m.Update(keyPgDn)
		drive(m, cmd)
		_ = m.View()
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportLatency(b, lat)
}

// BenchmarkUpdateViewFilter is one filter change (the failed-only toggle)
// from the key to the frame showing the new first page and histogram.
func BenchmarkUpdateViewFilter(b *testing.B) {
	eng := benchEngine(b)
	m := newModel(newContext(eng), 120, 40)
	lat := make([]time.Duration, 0, min(b.N, 1<<20))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		_, cmd := m.Update(keyRune('f'))
		drive(m, cmd)
		_ = m.View()
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportLatency(b, lat)
}

// BenchmarkViewScroll is a cursor move inside the held rows: Update and
// View only, no read.
func BenchmarkViewScroll(b *testing.B) {
	eng := benchEngine(b)
	m := newModel(newContext(eng), 200, 60)
	keys := []tea.KeyMsg{keyDown, keyUp}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, cmd := m.Update(keys[i%2])
		drive(m, cmd)
		_ = m.View()
	}
}

// BenchmarkUpdateViewPageUp pages back from the oldest events: the reads
// are backward scans from the window's first row, not cursors.
func BenchmarkUpdateViewPageUp(b *testing.B) {
	eng := benchEngine(b)
	m := newModel(newContext(eng), 120, 40)
	press(m, keyEnd)
	lat := make([]time.Duration, 0, min(b.N, 1<<20))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if m.tbl.head && m.tbl.cur < m.visRows() {
			b.StopTimer()
			press(m, keyEnd)
			b.StartTimer()
		}
		t0 := time.Now()
		_, cmd := m.Update(keyPgUp)
		drive(m, cmd)
		_ = m.View()
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportLatency(b, lat)
}
