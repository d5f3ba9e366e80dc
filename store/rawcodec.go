package store

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"

	"github.com/auditdeck/auditdeck/core"
	"github.com/cespare/xxhash/v2"
	"github.com/dgraph-io/badger/v4"
	"github.com/klauspost/compress/dict"
	"github.com/klauspost/compress/zstd"
)

// Raw chunks hold the events exactly as ingested, most of a store's bytes.
// Each chunk value names its own codec in its first byte (codec.go), so
// chunks written by older code (s2) read as before while new ones use zstd
// with a dictionary trained on the store's own first events: audit events
// repeat their keys and most values, and a dictionary lets a chunk of 64
// events compress about as well as one of several hundred without it, which
// keeps a point lookup decompressing little. BENCHMARKS.md ("Raw chunk
// codec") has the measurements behind the choices here.
const codecZstd byte = 2 // a zstd frame; its header names the dictionary (none: 0)

// Dictionary training: the first batch with at least dictMinSamples events
// trains it from up to dictSamples of them.
const (
	dictMinSamples  = 1024
	dictSamples     = 4096
	dictMaxBytes    = 32 << 10 // larger dictionaries came out no smaller
	dictMaxSample   = 16 << 10 // events larger than this are not samples
	dictSampleBytes = 8 << 20
)

// rawLevel is the zstd level of raw chunks: the fastest level keeps ingest
// within its budget; better levels saved a few percent for twice the CPU.
var rawLevel = zstd.SpeedFastest

// rawDictOff disables dictionaries, for measuring what they are worth.
var rawDictOff = false

// metaDictPrefix + uvarint id -> a zstd dictionary raw chunks refer to.
var metaDictPrefix = []byte{prefixMeta, 'z', 'd', 'i', 'c', 't'}

func metaDictKey(id uint32) []byte {
	return binary.AppendUvarint(append([]byte(nil), metaDictPrefix...), uint64(id))
}

// zstdCodecs holds one decoder per dictionary id seen by this process.
// Ids are derived from the dictionary's content (dictID), so one id means
// one dictionary across every store a process opens.
var zstdCodecs struct {
	mu  sync.RWMutex
	dec map[uint32]*zstd.Decoder
}

func zstdDecoder(id uint32) (*zstd.Decoder, error) {
	zstdCodecs.mu.RLock()
	d := zstdCodecs.dec[id]
	zstdCodecs.mu.RUnlock()
	if d != nil {
		return d, nil
	}
	if id != 0 {
		return nil, fmt.Errorf("%w: raw chunk needs zstd dictionary %d, which the store does not hold", errCorrupt, id)
	}
	return registerZstdDict(nil)
}

// registerZstdDict makes the decoder for a dictionary (nil: none) available.
func registerZstdDict(d []byte) (*zstd.Decoder, error) {
	var id uint32
	opts := []zstd.DOption{zstd.WithDecoderConcurrency(runtime.GOMAXPROCS(0)), zstd.WithDecoderMaxMemory(1 << 30)}
	if d != nil {
		var err error
		if id, err = dictHeaderID(d); err != nil {
			return nil, err
		}
		opts = append(opts, zstd.WithDecoderDicts(d))
	}
	zstdCodecs.mu.Lock()
	defer zstdCodecs.mu.Unlock()
	if dec := zstdCodecs.dec[id]; dec != nil {
		return dec, nil
	}
	dec, err := zstd.NewReader(nil, opts...)
	if err != nil {
		return nil, fmt.Errorf("zstd dictionary %d: %w", id, err)
	}
	if zstdCodecs.dec == nil {
		zstdCodecs.dec = map[uint32]*zstd.Decoder{}
	}
	zstdCodecs.dec[id] = dec
	return dec, nil
}

// dictHeaderID reads the id a zstd dictionary declares.
func dictHeaderID(d []byte) (uint32, error) {
	if len(d) < 8 || binary.LittleEndian.Uint32(d) != 0xEC30A437 {
		return 0, fmt.Errorf("%w: not a zstd dictionary", errCorrupt)
	}
	return binary.LittleEndian.Uint32(d[4:]), nil
}

// decodeZstd undoes rawEncoder.compress for a frame (without the tag byte).
func decodeZstd(frame []byte) ([]byte, error) {
	var h zstd.Header
	if err := h.Decode(frame); err != nil {
		return nil, fmt.Errorf("%w: zstd frame header: %v", errCorrupt, err)
	}
	dec, err := zstdDecoder(h.DictionaryID)
	if err != nil {
		return nil, err
	}
	out, err := dec.DecodeAll(frame, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: zstd: %v", errCorrupt, err)
	}
	return out, nil
}

// rawEncoder compresses raw chunks with zstd, with the store's dictionary
// once it has one. EncodeAll is safe for the chunk tasks to call at once.
type rawEncoder struct {
	dictID      uint32 // 0: no dictionary yet
	untrainable bool   // training failed on a large enough batch
	enc         *zstd.Encoder
}

func newRawEncoder(d []byte) (*rawEncoder, error) {
	opts := []zstd.EOption{zstd.WithEncoderLevel(rawLevel), zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)), zstd.WithEncoderCRC(false)}
	e := &rawEncoder{}
	if d != nil {
		id, err := dictHeaderID(d)
		if err != nil {
			return nil, err
		}
		if _, err := registerZstdDict(d); err != nil {
			return nil, err
		}
		e.dictID = id
		opts = append(opts, zstd.WithEncoderDict(d))
	}
	enc, err := zstd.NewWriter(nil, opts...)
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	e.enc = enc
	return e, nil
}

// compress returns tag+frame. A nil encoder writes s2, as stores before
// this codec did (tests use it to make such chunks).
func (e *rawEncoder) compress(raw []byte) []byte {
	if e == nil {
		return compress(raw)
	}
	out := make([]byte, 1, 1+len(raw)/4)
	out[0] = codecZstd
	return e.enc.EncodeAll(raw, out)
}

// trainDict builds a dictionary from sample events. Its id is derived from
// its content, so equal ids mean equal dictionaries.
func trainDict(events [][]byte) (d []byte, err error) {
	// Large events teach a dictionary little and slow training down by
	// minutes; a 3 MB one made BuildZstdDict panic (klauspost/compress
	// v1.20.3, slice bounds in fastBase.addBlock).
	var samples [][]byte
	total := 0
	for _, e := range events {
		if len(samples) == dictSamples || total > dictSampleBytes {
			break
		}
		if len(e) <= dictMaxSample {
			samples = append(samples, e)
			total += len(e)
		}
	}
	if len(samples) < dictMinSamples {
		return nil, fmt.Errorf("train raw chunk dictionary: %d events of at most %d bytes, want %d", len(samples), dictMaxSample, dictMinSamples)
	}
	defer func() {
		if p := recover(); p != nil {
			d, err = nil, fmt.Errorf("train raw chunk dictionary: %v", p)
		}
	}()
	d, err = dict.BuildZstdDict(samples, dict.Options{MaxDictSize: dictMaxBytes, HashBytes: 6, ZstdDictID: 1, ZstdLevel: rawLevel})
	if err != nil {
		return nil, fmt.Errorf("train raw chunk dictionary: %w", err)
	}
	if _, err := dictHeaderID(d); err != nil {
		return nil, err
	}
	// Ids below 32768 are reserved by the zstd format; 0 means none.
	id := uint32(32768 + xxhash.Sum64(d[8:])%(1<<31-32768))
	binary.LittleEndian.PutUint32(d[4:], id)
	return d, nil
}

// loadRawDicts registers every dictionary the store holds and returns the
// one new chunks use (the newest), or nil when there is none yet.
func loadRawDicts(txn *badger.Txn) ([]byte, error) {
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: metaDictPrefix})
	defer it.Close()
	var newest []byte
	for it.Rewind(); it.Valid(); it.Next() {
		d, err := it.Item().ValueCopy(nil)
		if err != nil {
			return nil, fmt.Errorf("read raw chunk dictionary: %w", err)
		}
		if _, err := registerZstdDict(d); err != nil {
			return nil, fmt.Errorf("raw chunk dictionary %x: %w", it.Item().Key(), err)
		}
		newest = d
	}
	return newest, nil
}

// rawEncoderFor returns the encoder for a batch. A store without a
// dictionary trains one from a batch large enough and stores it before any
// chunk uses it; smaller batches are written with zstd alone meanwhile.
// Callers hold wmu.
func (s *Store) rawEncoderFor(recs []core.IngestRecord) (*rawEncoder, error) {
	if s.rawEnc != nil && (s.rawEnc.dictID != 0 || s.rawEnc.untrainable) {
		return s.rawEnc, nil
	}
	if len(recs) >= dictMinSamples && !rawDictOff {
		events := make([][]byte, len(recs))
		for i, r := range recs {
			events[i] = r.Raw
		}
		d, err := trainDict(events)
		if err == nil {
			id, _ := dictHeaderID(d)
			err = s.db.Update(func(txn *badger.Txn) error { return txn.Set(metaDictKey(id), d) })
		}
		if err == nil {
			enc, err := newRawEncoder(d)
			if err != nil {
				return nil, err
			}
			s.rawEnc = enc
			return enc, nil
		}
		// A dictionary is an optimisation: without one chunks are larger.
		// Not tried again by this process: the next batch is likely alike.
		s.opts.Logger.Warn("raw chunk dictionary not trained", "err", err)
	}
	if s.rawEnc == nil {
		enc, err := newRawEncoder(nil)
		if err != nil {
			return nil, err
		}
		s.rawEnc = enc
	}
	if len(recs) >= dictMinSamples {
		s.rawEnc.untrainable = true
	}
	return s.rawEnc, nil
}
