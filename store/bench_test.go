package store_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/core/render"
	"github.com/auditdeck/auditdeck/store"
	"github.com/auditdeck/auditdeck/synthetic"
	"github.com/dgraph-io/badger/v4"
)

// Benchmarks run on generated data: AUDITDECK_BENCH_EVENTS events (default
// 200,000; BENCHMARKS.md records runs with 1,000,000), ending at benchEnd.
//
//	go test -run '^$' -bench . -benchtime 20x ./store

var benchEnd = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

func benchEvents() int {
	if n, err := strconv.Atoi(os.Getenv("AUDITDECK_BENCH_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 200000
}

var benchData = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	if err := synthetic.Write(&buf, synthetic.Options{Events: benchEvents(), Seed: 1, End: benchEnd}); err != nil {
		panic(err)
	}
	return buf.Bytes()
})

func BenchmarkIngest(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		s, err := store.Open(store.Options{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		eng := core.NewEngine(s, s)
		b.StartTimer()
		rep, err := eng.Ingest(context.Background(), bytes.NewReader(data), core.IngestOptions{})
		if err != nil || rep.Ingested != benchEvents() {
			b.Fatalf("ingest: %v %+v", err, rep)
		}
		b.StopTimer()
		s.Close()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	b.ReportMetric(float64(benchEvents())*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

var benchStore struct {
	once sync.Once
	eng  *core.Engine
	user string
	dir  string
	s    *store.Store
}

// benchEngine ingests the benchmark data once into a store shared by the query benchmarks.
func benchEngine(b *testing.B) *core.Engine {
	benchStore.once.Do(func() {
		dir, err := os.MkdirTemp("", "auditdeck-bench-")
		if err != nil {
			b.Fatal(err)
		}
		s, err := store.Open(store.Options{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		benchStore.dir, benchStore.s = dir, s
		benchStore.eng = core.NewEngine(s, s, core.WithClock(func() time.Time { return benchEnd }))
		if _, err := benchStore.eng.Ingest(context.Background(), bytes.NewReader(benchData()), core.IngestOptions{}); err != nil {
			b.Fatal(err)
		}
		// A typical user: the one behind the 1000th newest event.
		p, err := benchStore.eng.Query(context.Background(), core.QuerySpec{Limit: 1000})
		if err != nil || len(p.Items) == 0 {
			b.Fatal(err)
		}
		benchStore.user = p.Items[len(p.Items)-1].UserEmail
	})
	return benchStore.eng
}

func mustFilter(b *testing.B, s string) query.Filter {
	f, err := query.ParseDSL(s)
	if err != nil {
		b.Fatal(err)
	}
	return f
}

func benchPage(b *testing.B, dsl string, withRaw bool) {
	eng := benchEngine(b)
	f := mustFilter(b, dsl)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := eng.Query(context.Background(), core.QuerySpec{Filter: f, Limit: 50, WithRaw: withRaw})
		if err != nil || len(p.Items) == 0 {
			b.Fatalf("%v %d", err, len(p.Items))
		}
	}
}

// Query 1 of bench/compare.sh: the first page of failed logins.
func BenchmarkFirstPageFailedLogins(b *testing.B) {
	benchPage(b, "event_type.eq(login),operation_successful.eq(false)", true)
}

// The same page from columns only, as the TUI's table draws it.
func BenchmarkFirstPageFailedLoginsColumns(b *testing.B) {
	benchPage(b, "event_type.eq(login),operation_successful.eq(false)", false)
}

// Query 2: count of logins in a 7-day window.
func BenchmarkCountLogins7d(b *testing.B) {
	eng := benchEngine(b)
	f := mustFilter(b, "event_type.eq(login),created_at.ge(2026-11-14),created_at.lt(2026-11-21)")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		uncached(b, eng, i) // else every run after the first is a cache hit
		if _, err := eng.Count(context.Background(), f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUserLast50Cold is query 3 as a fresh process runs it: the store
// reopened per iteration, so nothing is in the decoded cache; only the
// query is timed. The shared store is reopened for the benchmarks after it.
func BenchmarkUserLast50Cold(b *testing.B) {
	benchEngine(b)
	f := mustFilter(b, "user.user_email.eq("+benchStore.user+")")
	benchStore.s.Close()
	defer func() {
		s, err := store.Open(store.Options{Dir: benchStore.dir})
		if err != nil {
			b.Fatal(err)
		}
		benchStore.s, benchStore.eng = s, core.NewEngine(s, s, core.WithClock(func() time.Time { return benchEnd }))
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, err := store.Open(store.Options{Dir: benchStore.dir})
		if err != nil {
			b.Fatal(err)
		}
		eng := core.NewEngine(s, s)
		b.StartTimer()
		p, err := eng.Query(context.Background(), core.QuerySpec{Filter: f, Limit: 50, WithRaw: true})
		b.StopTimer()
		s.Close()
		if err != nil || len(p.Items) == 0 {
			b.Fatalf("%v %d", err, len(p.Items))
		}
		b.StartTimer()
	}
}

// Query 3: one user's last 50 events.
func BenchmarkUserLast50(b *testing.B) {
	benchEngine(b)
	benchPage(b, "user.user_email.eq("+benchStore.user+")", true)
}

// Query 4: failed logins of the last 7 days written as CSV.
func BenchmarkCSVFailedLogins7d(b *testing.B) {
	eng := benchEngine(b)
	f := mustFilter(b, "event_type.eq(login),operation_successful.eq(false),created_at.ge(-7d)")
	cols := core.DefaultActivityColumns
	labels := make([]string, len(cols))
	cells := make([]string, len(cols))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w, _ := render.NewCSV(io.Discard, labels)
		_, err := eng.Scan(context.Background(), core.QuerySpec{Filter: f}, func(a *core.Activity) error {
			for j, c := range cols {
				cells[j], _ = core.ColumnValue(a, c.Field)
			}
			return w.Write(cells)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// Query 5: substring match inside raw, counted.
func BenchmarkRawContains(b *testing.B) {
	eng := benchEngine(b)
	f := mustFilter(b, "raw.contains(68.192.138.129)")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		uncached(b, eng, i) // else every run after the first is a cache hit
		if _, err := eng.Count(context.Background(), f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExplain(b *testing.B) {
	eng := benchEngine(b)
	f := mustFilter(b, "event_type.eq(login)")
	for i := 0; i < b.N; i++ {
		if _, err := eng.Explain(f, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLayout compares block and chunk sizes and Badger's default
// options with ours on the same data: ingest rate, size on disk, a first
// page and a raw scan. BENCHMARKS.md records the numbers behind the defaults.
func BenchmarkLayout(b *testing.B) {
	data := benchData()
	type variant struct {
		name string
		opts store.Options
	}
	variants := []variant{
		{"block4096-chunk64-tuned", store.Options{}},
		{"block1024-chunk64", store.Options{BlockRows: 1024}},
		{"block16384-chunk64", store.Options{BlockRows: 16384}},
		{"block4096-chunk16", store.Options{ChunkRows: 16}},
		{"block4096-chunk32", store.Options{ChunkRows: 32}},
		{"block8192-chunk32", store.Options{BlockRows: 8192, ChunkRows: 32}},
		{"block4096-chunk256", store.Options{ChunkRows: 256}},
		{"block4096-chunk64-badger-defaults", store.Options{Tune: func(o *badger.Options) {
			d := badger.DefaultOptions(o.Dir)
			d.Logger = o.Logger
			*o = d
		}}},
	}
	first := mustFilter(b, "event_type.eq(login),operation_successful.eq(false)")
	scan := mustFilter(b, "raw.contains(68.192.138.129)")
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				dir := b.TempDir()
				o := v.opts
				o.Dir = dir
				s, err := store.Open(o)
				if err != nil {
					b.Fatal(err)
				}
				eng := core.NewEngine(s, s)
				start := time.Now()
				if _, err := eng.Ingest(context.Background(), bytes.NewReader(data), core.IngestOptions{BatchSize: max(o.BlockRows, 4096)}); err != nil {
					b.Fatal(err)
				}
				ingest := time.Since(start)
				s.Close()
				s, err = store.Open(o)
				if err != nil {
					b.Fatal(err)
				}
				eng = core.NewEngine(s, s)
				start = time.Now()
				if _, err := eng.Query(context.Background(), core.QuerySpec{Filter: first, Limit: 50, WithRaw: true}); err != nil {
					b.Fatal(err)
				}
				page := time.Since(start)
				start = time.Now()
				if _, err := eng.Count(context.Background(), scan); err != nil {
					b.Fatal(err)
				}
				scanT := time.Since(start)
				size := dirSize(dir)
				s.Close()
				b.ReportMetric(float64(benchEvents())/ingest.Seconds(), "ingest-events/s")
				b.ReportMetric(float64(size)/(1<<20), "disk-MiB")
				b.ReportMetric(float64(page.Microseconds())/1000, "cold-first-page-ms")
				b.ReportMetric(float64(scanT.Milliseconds()), "raw-scan-ms")
			}
		})
	}
}

// dirSize is the disk space the files use (Badger preallocates files larger
// than what it writes, so the apparent size would mislead).
func dirSize(dir string) int64 {
	var n int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				n += st.Blocks * 512
			} else {
				n += info.Size()
			}
		}
	}
	return n
}
