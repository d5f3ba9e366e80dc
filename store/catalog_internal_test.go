package store

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/cespare/xxhash/v2"
	"github.com/dgraph-io/badger/v4"
)

// TestObserveRecords: every leaf path of the rows, array elements transparent,
// with its types, the rows having it (once per row however many elements),
// their time range and the hashes of the values; member names a
// filter cannot write are left out.
func TestObserveRecords(t *testing.T) {
	recs := []core.IngestRecord{
		{Fields: core.ActivityFields{CreatedAt: 30, EventID: "a"}, Raw: []byte(`{"event_id":"a","extra":{"auth":{"is_suspicious":true}},"raw":{"events":[{"name":"x","parameters":[{"value":1}]},{"name":"y"}],"bad key":{"x":1}}}`)},
		{Fields: core.ActivityFields{CreatedAt: 10, EventID: "b"}, Raw: []byte(`{"event_id":"b","raw":{"events":[{"name":"y"}],"new":null,"ip":"10.1.2.3","t":"2026-01-02T03:04:05.5Z","f":1.5e3}}`)},
	}
	got := map[string]fieldObservation{}
	for _, o := range observeRecords(recs) {
		got[o.Path] = o
	}
	want := map[string]fieldObservation{
		"event_id":                    {Types: typeString, Rows: 2, MinT: 10, MaxT: 30, Hashes: sortedHashes("a", "b")},
		"extra.auth.is_suspicious":    {Types: typeBool, Rows: 1, MinT: 30, MaxT: 30, Hashes: []uint64{leafHash(query.LeafTrue, "true")}},
		"raw.events.name":             {Types: typeString, Rows: 2, MinT: 10, MaxT: 30, Hashes: sortedHashes("x", "y")},
		"raw.events.parameters.value": {Types: typeInt, Rows: 1, MinT: 30, MaxT: 30, Hashes: numberHashes("1")},
		"raw.new":                     {Types: typeNull, Rows: 1, MinT: 10, MaxT: 10},
		"raw.ip":                      {Types: typeIP, Rows: 1, MinT: 10, MaxT: 10, Hashes: sortedHashes("10.1.2.3")},
		"raw.t":                       {Types: typeTime, Rows: 1, MinT: 10, MaxT: 10, Hashes: sortedHashes("2026-01-02T03:04:05.5Z")},
		"raw.f":                       {Types: typeFloat, Rows: 1, MinT: 10, MaxT: 10, Hashes: numberHashes("1.5e3")},
	}
	if len(got) != len(want) {
		t.Errorf("paths %v, want %d", mapsKeys(got), len(want))
	}
	for p, w := range want {
		g := got[p]
		slices.Sort(g.Hashes)
		if g.Types != w.Types || g.Rows != w.Rows || g.MinT != w.MinT || g.MaxT != w.MaxT || !slices.Equal(slices.Compact(g.Hashes), w.Hashes) {
			t.Errorf("%s: got %+v\nwant %+v", p, g, w)
		}
	}
}

func sortedHashes(vals ...string) []uint64 {
	var out []uint64
	for _, v := range vals {
		out = append(out, leafHash(query.LeafString, v))
	}
	slices.Sort(out)
	return out
}

func numberHashes(vals ...string) []uint64 {
	var out []uint64
	for _, v := range vals {
		out = append(out, leafHash(query.LeafNumber, v))
	}
	slices.Sort(out)
	return out
}

func mapsKeys(m map[string]fieldObservation) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestCatalogStateBounds: distinct counts are within a few percent; paths
// past core.MaxFieldPaths are dropped and the catalog marked incomplete;
// only the first maxSketches paths count distinct values; the encoding
// round-trips all of it.
func TestCatalogStateBounds(t *testing.T) {
	c := newCatalogState()
	for _, n := range []int{1, 100, 5000, 200000} {
		var hs []uint64
		for i := range n {
			hs = append(hs, xxhash.Sum64String(fmt.Sprint("v", i)))
		}
		c.observeBlock([]fieldObservation{{Path: fmt.Sprint("d", n), Types: typeString, Rows: n, MinT: 5, MaxT: 9, Hashes: hs}})
	}
	cat := c.catalog()
	for _, n := range []int{1, 100, 5000, 200000} {
		f, _ := cat.Lookup(fmt.Sprint("d", n))
		if e := math.Abs(float64(f.Distinct-int64(n))) / float64(n); e > 0.1 {
			t.Errorf("distinct of %d values estimated %d", n, f.Distinct)
		}
	}
	var obs []fieldObservation
	for i := range core.MaxFieldPaths + 10 {
		obs = append(obs, fieldObservation{Path: fmt.Sprint("p", i), Types: typeInt, Rows: 1, Hashes: []uint64{uint64(i)}})
	}
	c.observeBlock(obs)
	if len(c.fields) != core.MaxFieldPaths || c.complete || c.sketches != maxSketches {
		t.Fatalf("%d paths complete=%v sketches=%d", len(c.fields), c.complete, c.sketches)
	}
	b := c.encode()
	if len(b) > 4<<20 {
		t.Errorf("encoded catalog is %d bytes", len(b))
	}
	d, err := decodeCatalog(b)
	if err != nil {
		t.Fatal(err)
	}
	before, after := c.catalog(), d.catalog()
	if after.Complete || after.Len() != before.Len() || !slices.EqualFunc(before.Fields(), after.Fields(), func(a, b core.FieldInfo) bool {
		return a.Path == b.Path && slices.Equal(a.Types, b.Types) && a.Rows == b.Rows && a.Distinct == b.Distinct && a.FirstSeen.Equal(b.FirstSeen) && a.LastSeen.Equal(b.LastSeen)
	}) {
		t.Error("catalog changed through encode/decode")
	}
	if f, _ := after.Lookup(fmt.Sprint("p", core.MaxFieldPaths-100)); f.Distinct != -1 {
		t.Errorf("a path past the sketched ones has distinct %d, want -1", f.Distinct)
	}
	if _, err := decodeCatalog(b[:len(b)/2]); err == nil {
		t.Error("a truncated catalog decoded")
	}
}

// BenchmarkObserveRows: the producer on one block of generated events
// (AUDITDECK_OBSERVE_BENCH names an NDJSON file; skipped without it).
func BenchmarkObserveRows(b *testing.B) {
	name := os.Getenv("AUDITDECK_OBSERVE_BENCH")
	if name == "" {
		b.Skip("AUDITDECK_OBSERVE_BENCH not set")
	}
	data, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	var recs []core.IngestRecord
	for i, l := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		recs = append(recs, core.IngestRecord{Fields: core.ActivityFields{CreatedAt: int64(i)}, Raw: l})
	}
	b.ResetTimer()
	for b.Loop() {
		observeRecords(recs)
	}
}

// TestStringType: times and IP addresses are told from other strings as
// time.Parse and netip.ParseAddr would (IPv6 zones by name aside).
func TestStringType(t *testing.T) {
	for s, want := range map[string]typeMask{
		"2026-01-02T03:04:05Z": typeTime, "2026-01-02T03:04:05.123456789+02:00": typeTime, "2026-01-02t03:04:05z": typeTime,
		"2026-13-02T03:04:05Z": typeString, "2026-01-02T03:04:05": typeString, "2026-01-02 03:04:05Z": typeString, "2026-01-02T03:04:05.Z": typeString,
		"10.1.2.3": typeIP, "255.255.255.255": typeIP, "::1": typeIP, "2001:db8::8a2e:370:7334": typeIP, "fe80::1%eth0": typeString, "fe80::1%1": typeIP,
		"256.1.2.3": typeString, "01.2.3.4": typeString, "1.2.3": typeString, "1.2.3.4.5": typeString, "deadbeef": typeString, "a:b": typeString, "": typeString,
	} {
		if got := stringType([]byte(s)); got != want {
			t.Errorf("stringType(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestFieldsLatency reports, for the store AUDITDECK_FIELDS_STORE names
// (a scratch copy: the rebuild stores its result; skipped without it), how long Fields takes on first use
// (reading and decoding the stored catalog), once cached, and how long a
// rebuild from the raw events takes (an older store's first Fields).
func TestFieldsLatency(t *testing.T) {
	dir := os.Getenv("AUDITDECK_FIELDS_STORE")
	if dir == "" {
		t.Skip("AUDITDECK_FIELDS_STORE not set")
	}
	s, err := Open(Options{Dir: dir, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	start := time.Now()
	cat, err := s.Fields(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := time.Since(start)
	start = time.Now()
	const n = 1000
	for range n {
		if _, err := s.Fields(ctx); err != nil {
			t.Fatal(err)
		}
	}
	cached := time.Since(start) / n
	start = time.Now()
	st, err := s.rebuildCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rebuild := time.Since(start)
	var raw int
	s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(metaCatalogKey)
		if err == nil {
			raw = int(item.ValueSize())
		}
		return err
	})
	t.Logf("%d events, %d paths, stored catalog %d bytes: first Fields %s, cached %s, rebuild %s (%d paths)",
		s.Stats().Events, cat.Len(), raw, first, cached, rebuild, len(st.fields))
}
