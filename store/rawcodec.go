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
// Measured on 1M generated events (auditdeck gen --seed 1, 2 shared cores):
// whole store on disk, raw chunks alone, process CPU of a full raw scan
// (raw.contains, no hit) and of an NDJSON dump of every event:
//
//	s2, 64 events a chunk (before)    322 MiB  265 MiB  0.9-1.3 s  1.5 s
//	zstd fastest, 128, no dictionary  231 MiB  174 MiB  1.2-1.3 s  1.6 s
//	zstd fastest, 64, dictionary      224 MiB  167 MiB  1.9 s      2.3-2.9 s
//	zstd fastest, 128, dictionary     214 MiB  157 MiB  1.9 s      2.2-2.5 s
//
// A dictionary trained on the store's first events (dict.BuildZstdDict)
// saved 3-7% more but sent every decode down zstd's slower dictionary
// path. Chunks of 256 and more events compress better still but cost each
// point lookup a decode of the whole chunk; zstd's default level saved 3%
// for 1.5x the encode CPU.
const codecZstd byte = 2

// rawLevel is the level of raw chunks (see above).
const rawLevel = zstd.SpeedFastest

// rawChunkRows is the default events per raw chunk: at 128 the raw chunks
// of 1M events took 174 MiB, at 64 196 MiB; one chunk decodes in about
// 110 µs (s2 of 64: 40 µs), what a point lookup pays per event shown.
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
