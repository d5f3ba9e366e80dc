package store

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"

	"github.com/auditdeck/auditdeck/core"
	"github.com/klauspost/compress/s2"
)

// errCorrupt marks data that does not decode; callers add which block.
var errCorrupt = core.ErrDamaged

// enc appends the primitive encodings the block format is built from.
type enc struct{ b []byte }

func (e *enc) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) u64(v uint64)     { e.b = binary.LittleEndian.AppendUint64(e.b, v) }
func (e *enc) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *enc) bytes(p []byte)   { e.uvarint(uint64(len(p))); e.b = append(e.b, p...) }

// dec reads what enc wrote; the first error sticks so callers check once.
type dec struct {
	b   []byte
	err error
}

func (d *dec) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
}

func (d *dec) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) u64() uint64 {
	if len(d.b) < 8 {
		d.fail()
		d.b = nil
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

// count reads a length and checks it against what is left, so corrupt data
// cannot make us allocate gigabytes.
func (d *dec) count(elemMin int) int {
	v := d.uvarint()
	if v > math.MaxInt32 || (elemMin > 0 && int(v) > len(d.b)/elemMin+1) {
		d.fail()
		d.b = nil
		return 0
	}
	return int(v)
}

func (d *dec) bytes() []byte {
	n := d.count(1)
	if n > len(d.b) {
		d.fail()
		d.b = nil
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}

func (d *dec) str() string { return string(d.bytes()) }

// Values are stored with a one-byte codec tag so the format can change per value.
const (
	codecNone byte = 0
	codecS2   byte = 1
)

// compress returns tag+payload; tiny values stay uncompressed.
func compress(raw []byte) []byte {
	if len(raw) < 128 {
		out := make([]byte, 1+len(raw))
		out[0] = codecNone
		copy(out[1:], raw)
		return out
	}
	// Encode into a pooled scratch buffer and copy out the exact result:
	// allocating MaxEncodedLen per value meant zeroing memory three times
	// the size of what is kept.
	bp := scratchPool.Get().(*[]byte)
	need := s2.MaxEncodedLen(len(raw))
	if cap(*bp) < need {
		*bp = make([]byte, need)
	}
	enc := s2.Encode((*bp)[:need], raw)
	out := make([]byte, 1+len(enc))
	out[0] = codecS2
	copy(out[1:], enc)
	scratchPool.Put(bp)
	return out
}

var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 256<<10); return &b }}

// uncompress undoes compress. For codecNone the result aliases v.
func uncompress(v []byte) ([]byte, error) {
	if len(v) == 0 {
		return nil, errCorrupt
	}
	switch v[0] {
	case codecNone:
		return v[1:], nil
	case codecS2:
		out, err := s2.Decode(nil, v[1:])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errCorrupt, err)
		}
		return out, nil
	case codecZstd:
		return decodeZstd(v[1:])
	}
	return nil, fmt.Errorf("%w: unknown codec %d", errCorrupt, v[0])
}
