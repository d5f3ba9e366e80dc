package render

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const benchRows = 100_000

// benchPool is 1,000 activity-shaped rows of 11 cells, each with a stored
// item of about 700 bytes for the JSON formats.
func benchPool() []Row {
	types := []string{"login", "logout", "file_download", "admin_action", "password_change"}
	vendors := [][2]string{{"Google", "Drive"}, {"Microsoft", "Office 365"}, {"Salesforce", "Sales Cloud"}, {"Box", "Box"}}
	countries := []string{"US", "CH", "DE", "JP", "BR", "IN"}
	pool := make([]Row, 1000)
	for i := range pool {
		t := time.Date(2025, 12, 9, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 7 * time.Second)
		v := vendors[i%len(vendors)]
		id := "-" + strconv.FormatUint(6285966971996490902+uint64(i)*7919, 10) + "#0"
		email := fmt.Sprintf("user%03d@example.com", i%317)
		ip := fmt.Sprintf("86.176.%d.%d", i%256, (i*7)%256)
		pool[i].Cells = []string{
			t.Format("2006-01-02T15:04:05.000Z07:00"), id, types[i%len(types)], email, ip,
			countries[i%len(countries)], v[0], v[1], strconv.FormatBool(i%9 != 0), strconv.FormatBool(i%31 == 0), "new",
		}
		pool[i].JSON = []byte(fmt.Sprintf(`{"event_id":%q,"client_ip":%q,"event_type":%q,"created_at":%q,"operation_successful":%t,`+
			`"client_location":{"city":"London","country":{"code":%q,"name":"United Kingdom"},"lat":51.5,"lon":-0.12},`+
			`"event_category":"access","origin_id":"12f4a7c0-1d2e-4b8a-9c3f-5e6d7a8b9c0d","user":{"user_email":%q,"user_name":"User %d","id":"u-%d"},`+
			`"user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",`+
			`"vendor":{"name":%q,"service":%q},"extra":{"auth":{"is_suspicious":%t,"method":"password"}},"raw":{"actor":{"email":%q},"kind":"audit#activity"}}`,
			id, ip, types[i%len(types)], pool[i].Cells[0], i%9 != 0, countries[i%len(countries)], email, i, i, v[0], v[1], i%31 == 0, email))
	}
	return pool
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// peakRSS is the process's resident-set high-water mark (VmHWM) in bytes.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkWriter writes 100,000 rows of 11 columns per iteration to a
// byte counter and reports rows/s, the peak HeapInuse seen by a sampler
// (every 5 ms and at every 1,000th row), the process's peak RSS (VmHWM,
// reset before the run where Linux allows it) and the output size.
// "pdf" runs with the default PDFMaxRows (rows past it are counted, not
// drawn); "pdf-nocap" draws all 100,000 rows.
// Run with: go test -run '^$' -bench BenchmarkWriter -benchtime 1x ./core/render
func BenchmarkWriter(b *testing.B) {
	pool := benchPool()
	names := append(append([]string{}, Formats...), "pdf-nocap")
	for _, name := range names {
		format := strings.TrimSuffix(name, "-nocap")
		b.Run(name, func(b *testing.B) {
			if name == "pdf-nocap" {
				saved := PDFMaxRows
				PDFMaxRows = 0
				defer func() { PDFMaxRows = saved }()
			}
			meta := ReportMeta{
				Title:       "Activity export",
				Filter:      "event_type.in(login,logout),created_at.ge(-7d)",
				WindowStart: time.Date(2025, 12, 2, 0, 0, 0, 0, time.UTC),
				WindowEnd:   time.Date(2025, 12, 9, 0, 0, 0, 0, time.UTC),
				GeneratedAt: time.Date(2025, 12, 9, 0, 0, 5, 0, time.UTC),
				Columns:     testColumns,
				Total:       benchRows,
				Summary:     []SummaryItem{{"Events", "100000"}},
			}
			for h := range 168 {
				meta.Histogram = append(meta.Histogram, Bucket{meta.WindowStart.Add(time.Duration(h) * time.Hour), int64(500 + h%50)})
			}
			runtime.GC()
			debug.FreeOSMemory()
			_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM
			var (
				peak uint64
				mu   sync.Mutex
				done = make(chan struct{})
				wg   sync.WaitGroup
			)
			sample := func() {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				mu.Lock()
				peak = max(peak, ms.HeapInuse)
				mu.Unlock()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				t := time.NewTicker(5 * time.Millisecond)
				defer t.Stop()
				for {
					select {
					case <-done:
						return
					case <-t.C:
						sample()
					}
				}
			}()
			var out countWriter
			b.ResetTimer()
			for range b.N {
				w, err := NewWriter(format, &out)
				if err != nil {
					b.Fatal(err)
				}
				if err := w.Begin(meta); err != nil {
					b.Fatal(err)
				}
				for i := range benchRows {
					if err := w.Row(pool[i%len(pool)]); err != nil {
						b.Fatal(err)
					}
					if i%1000 == 0 {
						sample()
					}
				}
				if err := w.End(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			close(done)
			wg.Wait()
			sample()
			b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MB")
			b.ReportMetric(float64(out.n)/float64(b.N)/(1<<20), "out-MB")
		})
	}
}
