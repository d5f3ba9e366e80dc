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
	res, err := s.WriteBatch(context.Background(), recs)
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

// chunkCodecs counts raw chunk values by codec and zstd dictionary id, and
// sums their stored size and what s2 would have made of them.
type chunkCensus struct {
	byCodec   map[string]int
	stored    int
	s2        int
	dictCount int
}

func censusChunks(t *testing.T, s *Store) chunkCensus {
	t.Helper()
	c := chunkCensus{byCodec: map[string]int{}}
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			if bytes.HasPrefix(k, metaDictPrefix) {
				c.dictCount++
			}
			if k[0] != prefixChunk {
				continue
			}
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
			c.stored += len(v)
			c.s2 += len(compress(raw))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func storeDictID(t *testing.T, s *Store) uint32 {
	t.Helper()
	if s.rawEnc == nil || s.rawEnc.dictID == 0 {
		t.Fatal("the store trained no raw chunk dictionary")
	}
	return s.rawEnc.dictID
}

// New chunks are zstd with the store's dictionary, smaller than s2, and
// give back every event byte for byte, also after a reopen.
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
	dictID := storeDictID(t, s)
	// A small batch after the dictionary exists uses it too.
	for i, id := range writeRaw(t, s, adv[3:]) {
		want[id] = adv[3+i]
	}
	checkRaw(t, s, want)
	c := censusChunks(t, s)
	if len(c.byCodec) != 1 || c.byCodec[fmt.Sprintf("zstd/%d", dictID)] == 0 {
		t.Fatalf("raw chunks by codec %v, want all zstd with dictionary %d", c.byCodec, dictID)
	}
	if c.dictCount != 1 {
		t.Fatalf("%d dictionaries stored, want 1", c.dictCount)
	}
	// The seed and generated events are most of the bytes; they compress
	// to well under s2's size (about 0.6 at 1M events).
	if float64(c.stored) > 0.8*float64(c.s2) {
		t.Fatalf("raw chunks take %d bytes, s2 would take %d: the dictionary codec saves too little", c.stored, c.s2)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopened: the stored dictionary reads the chunks and is used again
	// for new ones, not trained anew.
	s, err = Open(Options{Dir: dir, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkRaw(t, s, want)
	if got := storeDictID(t, s); got != dictID {
		t.Fatalf("reopened store encodes with dictionary %d, want %d", got, dictID)
	}
	var more bytes.Buffer
	if err := synthetic.Write(&more, synthetic.Options{Events: 1500, Seed: 4, End: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	lines := ndjsonLines(t, more.Bytes())
	for i, id := range writeRaw(t, s, lines) {
		want[id] = lines[i]
	}
	checkRaw(t, s, want)
	if c := censusChunks(t, s); c.dictCount != 1 || len(c.byCodec) != 1 {
		t.Fatalf("after a reopen and a large batch: %d dictionaries, chunks by codec %v", c.dictCount, c.byCodec)
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
	dictID := storeDictID(t, s)
	c := censusChunks(t, s)
	if c.byCodec[fmt.Sprint(codecS2)] == 0 || c.byCodec[fmt.Sprintf("zstd/%d", dictID)] == 0 {
		t.Fatalf("chunks by codec %v, want the old s2 ones beside new zstd/%d ones", c.byCodec, dictID)
	}
	checkRaw(t, s, want)
}

// A chunk naming a dictionary the store does not hold is damage, reported
// as such, not a panic or garbage.
func TestRawChunkUnknownDictionary(t *testing.T) {
	var gen bytes.Buffer
	if err := synthetic.Write(&gen, synthetic.Options{Events: 1200, Seed: 6, End: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	lines := ndjsonLines(t, gen.Bytes())
	d, err := trainDict(lines)
	if err != nil {
		t.Fatal(err)
	}
	// An encoder outside the store: its dictionary is never registered.
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderDict(d))
	if err != nil {
		t.Fatal(err)
	}
	v := enc.EncodeAll(bytes.Join(lines[:64], nil), []byte{codecZstd})
	if _, err := uncompress(v); !errors.Is(err, core.ErrDamaged) || !strings.Contains(err.Error(), "dictionary") {
		t.Fatalf("uncompress with an unknown dictionary: %v, want damage naming the dictionary", err)
	}
	if _, err := uncompress(append([]byte{codecZstd}, 1, 2, 3)); !errors.Is(err, core.ErrDamaged) {
		t.Fatalf("uncompress of a cut frame: %v, want damage", err)
	}
}
