package store

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Raw chunks hold the events exactly as ingested, most of a store's bytes.
// Each chunk value names its codec in its first byte (codec.go), so chunks
// written before this codec (s2) read as before; new ones are zstd frames.
//
// Measured on 1M generated events (2 cores; see the disk helper's report
// for the whole table), chunk codec -> store size, ingest CPU, a full raw
// scan, one user's last 50 with raw:
//
//	s2, 64 rows                      322 MiB  10.0 s  3.3 s  153 ms
//	zstd fastest, 128 rows           231 MiB  10.7 s  6.5 s  172 ms
//	zstd fastest + dictionary, 64    224 MiB  11.7 s 10.8 s  266 ms
//	zstd fastest + dictionary, 128   214 MiB
//
// A dictionary trained on the store's first events (klauspost/compress's
// dict.BuildZstdDict) saved 3% more but made every decode take zstd's
// slower dictionary path: three times s2's scan time. Larger chunks
// compress better still and cost every point lookup a larger decode.
const codecZstd byte = 2

// rawLevel: better levels saved a few percent for twice the encode CPU.
const rawLevel = zstd.SpeedFastest

// rawChunkRows is the default events per raw chunk: 128 compressed to
// 174 bytes an event against 196 at 64, for a decode of about 110 µs.
const rawChunkRows = 128

// zstdCodec is shared by every store of a process: EncodeAll and DecodeAll
// are safe to call at once, and each keeps GOMAXPROCS states at most.
var zstdCodec = sync.OnceValues(func() (*zstdPair, error) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(rawLevel), zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)))
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	// A damaged frame header may claim any size: bound what one decode
	// allocates (a chunk of large events stays far below this).
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(runtime.GOMAXPROCS(0)), zstd.WithDecoderMaxMemory(1<<30))
	if err != nil {
		return nil, fmt.Errorf("zstd decoder: %w", err)
	}
	return &zstdPair{enc: enc, dec: dec}, nil
})

type zstdPair struct {
	enc *zstd.Encoder
	dec *zstd.Decoder
}

// compressRaw returns tag+frame for a raw chunk.
func compressRaw(raw []byte) []byte {
	z, err := zstdCodec()
	if err != nil {
		// The options above are constant: this cannot fail at run time.
		panic(err)
	}
	out := make([]byte, 1, 1+len(raw)/4)
	out[0] = codecZstd
	return z.enc.EncodeAll(raw, out)
}

// decodeZstd undoes compressRaw for a frame (without the tag byte).
func decodeZstd(frame []byte) ([]byte, error) {
	var h zstd.Header
	if err := h.Decode(frame); err != nil {
		return nil, fmt.Errorf("%w: zstd frame header: %v", errCorrupt, err)
	}
	if h.DictionaryID != 0 {
		return nil, fmt.Errorf("%w: zstd frame needs dictionary %d; raw chunks use none", errCorrupt, h.DictionaryID)
	}
	z, err := zstdCodec()
	if err != nil {
		return nil, err
	}
	out, err := z.dec.DecodeAll(frame, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: zstd: %v", errCorrupt, err)
	}
	return out, nil
}
