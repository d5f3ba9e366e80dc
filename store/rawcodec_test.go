package store

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/synthetic"
	"github.com/dgraph-io/badger/v4"
	"github.com/klauspost/compress/dict"
	"github.com/klauspost/compress/zstd"
)

// adversarialEvents are raw events whose exact bytes are easy to lose:
// escapes, number text, key order, whitespace, depth and size.
func adversarialEvents(t *testing.T) [][]byte {
	t.Helper()
	at := func(i int) string { return time.Date(2026, 10, 20, 0, 0, i, 0, time.UTC).Format(time.RFC3339) }
	var huge strings.Builder
	for i := range 200000 { // about 3 MB, not repetitive enough to shrink to nothing
		fmt.Fprintf(&huge, "%d-%x/", i, i*2654435761)
	}
	// 240 levels: the extractor refuses more than 256.
	deep := strings.Repeat(`{"a":[`, 120) + `"bottom"` + strings.Repeat(`]}`, 120)
	evs := []string{
		`{"event_id":"adv:huge","created_at":"` + at(1) + `","blob":"` + huge.String() + `"}`,
		`{"event_id":"adv:escapes","created_at":"` + at(2) + `","s":"\u00e9\ud83d\ude00 \\ \" \/ \b\f\n\r\t \u0000 é😀 東京","k\u0065y":"\u001b[2J"}`,
		`{"event_id":"adv:numbers","created_at":"` + at(3) + `","n":[1.0,-0,1e400,1E+2,0.1000,12345678901234567890123,-1.5e-7,0]}`,
		`{"z":1,"event_id":"adv:order","a":{"y":true,"b":null,"x":false},"created_at":"` + at(4) + `","m":2}`,
		`{ "event_id" : "adv:space" ,` + "\t" + `"created_at":"` + at(5) + `" , "v" : [ 1 , 2 ] }`,
		`{"event_id":"adv:deep","created_at":"` + at(6) + `","d":` + deep + `}`,
		`{"event_id":"adv:empty","created_at":"` + at(7) + `","o":{},"l":[],"s":""}`,
	}
	out := make([][]byte, len(evs))
	for i, e := range evs {
		if !json.Valid([]byte(e)) {
			t.Fatalf("adversarial event %d is not JSON", i)
		}
		out[i] = []byte(e)
	}
	return out
}

func ndjsonLines(t *testing.T, data []byte) [][]byte {
	t.Helper()
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			out = append(out, bytes.Clone(sc.Bytes()))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func writeRaw(t *testing.T, s *Store, raws [][]byte) []string {
	t.Helper()
	var x core.FieldExtractor
	recs := make([]core.IngestRecord, len(raws))
	ids := make([]string, len(raws))
	for i, raw := range raws {
		f, err := x.Extract(raw)
		if err != nil {
			t.Fatalf("extract %.80s: %v", raw, err)
		}
		recs[i] = core.IngestRecord{Fields: f, Raw: raw}
		ids[i] = f.EventID
	}
	res, err := s.WriteBatch(context.Background(), core.Batch{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != len(raws) {
		t.Fatalf("inserted %d of %d", res.Inserted, len(raws))
	}
	return ids
}

// checkRaw reads each event back and compares its bytes with what went in.
func checkRaw(t *testing.T, s *Store, want map[string][]byte) {
	t.Helper()
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	got, err := s.Get(context.Background(), ids, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) {
		t.Fatalf("got %d of %d events", len(got), len(ids))
	}
	for _, a := range got {
		if !bytes.Equal(a.Raw, want[a.EventID]) {
			t.Errorf("event %s: raw differs from what was ingested:\n got %.200q\nwant %.200q", a.EventID, a.Raw, want[a.EventID])
		}
	}
}

// chunkCensus counts raw chunk values by codec (zstd ones by the dictionary
// their frame names, 0 for none) and sums their stored size and what the
// layout before zstd (s2, chunks of 64 events) would have taken.
type chunkCensus struct {
	byCodec map[string]int
	stored  int
	s2x64   int
}

func censusChunks(t *testing.T, s *Store) chunkCensus {
	t.Helper()
	c := chunkCensus{byCodec: map[string]int{}}
	var recs []core.IngestRecord // every stored row, in key order
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte{prefixChunk}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			name := fmt.Sprint(v[0])
			if v[0] == codecZstd {
				var h zstd.Header
				if err := h.Decode(v[1:]); err != nil {
					return err
				}
				name = fmt.Sprintf("zstd/%d", h.DictionaryID)
			}
			c.byCodec[name]++
			raw, err := uncompress(v)
			if err != nil {
				return err
			}
			rows, err := decodeChunk(raw)
			if err != nil {
				return err
			}
			for _, r := range rows.rows {
				recs = append(recs, core.IngestRecord{Raw: r})
			}
			c.stored += len(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for lo := 0; lo < len(recs); lo += 64 {
		c.s2x64 += len(compress(encodeChunk(nil, recs[lo:min(lo+64, len(recs))])))
	}
	return c
}

// New chunks are zstd, smaller than s2, and give back every event byte for
// byte (seed events, generated ones, adversarial ones), also after a reopen.
func TestRawChunksRoundTripByteIdentical(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	var gen bytes.Buffer
	if err := synthetic.Write(&gen, synthetic.Options{Events: 3000, Seed: 3, End: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	seed, err := os.ReadFile(fixturePath("activities.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	adv := adversarialEvents(t)
	first := append(append(ndjsonLines(t, seed), ndjsonLines(t, gen.Bytes())...), adv[:3]...)
	want := map[string][]byte{}
	for i, id := range writeRaw(t, s, first) {
		want[id] = first[i]
	}
	for i, id := range writeRaw(t, s, adv[3:]) {
		want[id] = adv[3+i]
	}
	checkRaw(t, s, want)
	c := censusChunks(t, s)
	if len(c.byCodec) != 1 || c.byCodec["zstd/0"] == 0 {
		t.Fatalf("raw chunks by codec %v, want all zstd without a dictionary", c.byCodec)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := Open(Options{Dir: dir, GCInterval: -1, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	checkRaw(t, ro, want)
}

// Generated events take at most 0.7 of the bytes the layout before this
// codec took (s2, 64 events a chunk): 0.66 at 1M events with 128-event zstd
// chunks, 0.74 with 64-event ones.
func TestRawChunksSmallerThanS2(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir(), GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var gen bytes.Buffer
	if err := synthetic.Write(&gen, synthetic.Options{Events: 8192, Seed: 8, End: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	writeRaw(t, s, ndjsonLines(t, gen.Bytes()))
	c := censusChunks(t, s)
	t.Logf("raw chunks %d bytes, as s2 in chunks of 64 %d: %.3f", c.stored, c.s2x64, float64(c.stored)/float64(c.s2x64))
	if float64(c.stored) > 0.7*float64(c.s2x64) {
		t.Fatalf("raw chunks take %d bytes, s2 in chunks of 64 took %d: more than 0.7 of it", c.stored, c.s2x64)
	}
}

// A store written before this codec (testdata/store-v1, s2 chunks) reads
// every event byte for byte, and keeps doing so beside new zstd chunks.
func TestStoreV1ChunksStillRead(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	if err := os.CopyFS(dir, os.DirFS(fixturePath("store-v1"))); err != nil {
		t.Fatal(err)
	}
	s, err := Open(Options{Dir: dir, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c := censusChunks(t, s); c.byCodec[fmt.Sprint(codecS2)] == 0 {
		t.Fatalf("the fixture's chunks by codec: %v, want s2 ones", c.byCodec)
	}
	seed, err := os.ReadFile(fixturePath("activities.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	var x core.FieldExtractor
	for _, line := range ndjsonLines(t, seed) {
		f, err := x.Extract(line)
		if err != nil {
			t.Fatal(err)
		}
		want[f.EventID] = line
	}
	checkRaw(t, s, want)

	var gen bytes.Buffer
	if err := synthetic.Write(&gen, synthetic.Options{Events: 2000, Seed: 5, End: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	lines := ndjsonLines(t, gen.Bytes())
	for i, id := range writeRaw(t, s, lines) {
		want[id] = lines[i]
	}
	c := censusChunks(t, s)
	if c.byCodec[fmt.Sprint(codecS2)] == 0 || c.byCodec["zstd/0"] == 0 {
		t.Fatalf("chunks by codec %v, want the old s2 ones beside new zstd ones", c.byCodec)
	}
	checkRaw(t, s, want)
}

// A chunk that does not decode is damage, reported as such, not a panic
// or garbage: a frame naming a dictionary, a cut frame, a flipped bit
// (each frame carries its checksum).
func TestRawChunkDamage(t *testing.T) {
	var gen bytes.Buffer
	if err := synthetic.Write(&gen, synthetic.Options{Events: 200, Seed: 6, End: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	chunk := encodeChunk(nil, recordsOf(t, ndjsonLines(t, gen.Bytes())[:128]))
	d, err := dict.BuildZstdDict(ndjsonLines(t, gen.Bytes()), dict.Options{MaxDictSize: 8 << 10, HashBytes: 6, ZstdDictID: 40000})
	if err != nil {
		t.Fatal(err)
	}
	withDict, err := zstd.NewWriter(nil, zstd.WithEncoderDict(d))
	if err != nil {
		t.Fatal(err)
	}
	good := compressRaw(chunk)
	if back, err := uncompress(good); err != nil || !bytes.Equal(back, chunk) {
		t.Fatalf("a good chunk: %v", err)
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x40
	for name, v := range map[string][]byte{
		"dictionary": withDict.EncodeAll(chunk, []byte{codecZstd}),
		"cut":        good[:len(good)/2],
		"header":     {codecZstd, 1, 2, 3},
		"flipped":    flipped,
	} {
		if _, err := uncompress(v); !errors.Is(err, core.ErrDamaged) {
			t.Errorf("%s: %v, want damage", name, err)
		}
	}
}

func recordsOf(t *testing.T, raws [][]byte) []core.IngestRecord {
	t.Helper()
	out := make([]core.IngestRecord, len(raws))
	for i, r := range raws {
		out[i].Raw = r
	}
	return out
}
