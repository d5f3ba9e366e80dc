package store

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/auditdeck/auditdeck/core"
	"github.com/cespare/xxhash/v2"
)

// column names one encoded column of a block.
type column uint8

const (
	colTime       column = iota // created_at, unix ns, rows sorted newest first
	colID                       // event_id
	colHash                     // xxhash of event_id per row, to rebuild the id index
	colEventType                // dictionary columns from here ...
	colUser                     // user.user_email
	colIP                       // client_ip
	colVendor                   // vendor.name
	colService                  // vendor.service
	colCountry                  // client_location.country.code ... to here
	colSuccessful               // operation_successful (Tri per row)
	colSuspicious               // extra.auth.is_suspicious (Tri per row)
	colRowSeq                   // commit sequence of each row; only in merged blocks (rows of several commits)
	numColumns
)

// lowCard lists the dictionary columns whose distinct values the header keeps
// in full (few values per block); the others get a bloom filter.
var lowCard = [...]column{colEventType, colVendor, colService, colCountry}

func lowCardIndex(c column) int {
	for i, x := range lowCard {
		if x == c {
			return i
		}
	}
	return -1
}

// maxSetValues bounds a header value set; a block with more distinct values
// records none and is never pruned on that column.
const maxSetValues = 128

func (c column) isDict() bool { return c >= colEventType && c <= colCountry }
func (c column) isTri() bool  { return c == colSuccessful || c == colSuspicious }

// dictValue and triValue are the values a dictionary or tri-state column
// encodes, read by the registry's accessor of the column's field.
func dictValue(f *core.ActivityFields, c column) string { return registryColumns.field[c].String(f) }

func triValue(f *core.ActivityFields, c column) core.Tri { return registryColumns.field[c].Tri(f) }

// header is a block's summary, kept in memory for every block so queries
// can skip blocks without reading them.
type header struct {
	Seq       uint64
	MinT      int64
	MaxT      int64
	Rows      int
	ChunkRows int
	RawBytes  int64
	// SeqMin..SeqMax are the commit sequences of the block's rows: the block
	// seq for a freshly written block, the original ones in a merged block.
	// A pinned read sees rows committed at or before its pin.
	SeqMin uint64
	SeqMax uint64
	// FieldCols: the block has a field column for every leaf path
	// (fieldcol.go). Blocks written before format 5 get them when the store
	// is migrated; until then their field predicates read the raw JSON.
	FieldCols bool
	// FieldOverflow: the block had too many paths to write its field
	// columns (maxBlockFieldColumns); its field predicates read the raw JSON.
	FieldOverflow bool
	sets          [len(lowCard)]valueSet
	triSeen       [2]uint8 // bit 1<<Tri for colSuccessful, colSuspicious
	userBloom     *lazyBloom
	ipBloom       *lazyBloom
	idBloom       *lazyBloom
}

// encodeBlooms is the value of a block's bloom entry.
func (h *header) encodeBlooms() []byte {
	var e enc
	for _, lb := range []*lazyBloom{h.userBloom, h.ipBloom, h.idBloom} {
		b, err := lb.get().MarshalBinary()
		if err != nil {
			panic(fmt.Sprintf("marshal bloom filter: %v", err)) // cannot fail for an in-memory filter
		}
		e.bytes(b)
	}
	return e.b
}

type valueSet struct {
	known   bool // false: too many values, not recorded
	missing bool // some row has no value
	values  []string
}

func (h *header) chunks() int { return (h.Rows + h.ChunkRows - 1) / h.ChunkRows }

func (h *header) encode() []byte {
	e := enc{b: make([]byte, 0, 1024)}
	e.uvarint(h.Seq)
	e.varint(h.MinT)
	e.varint(h.MaxT)
	e.uvarint(uint64(h.Rows))
	e.uvarint(uint64(h.ChunkRows))
	e.uvarint(uint64(h.RawBytes))
	e.uvarint(h.SeqMin)
	e.uvarint(h.SeqMax)
	for _, s := range h.sets {
		flags := uint64(0)
		if s.known {
			flags |= 1
		}
		if s.missing {
			flags |= 2
		}
		e.uvarint(flags)
		e.uvarint(uint64(len(s.values)))
		for _, v := range s.values {
			e.str(v)
		}
	}
	e.uvarint(uint64(h.triSeen[0]))
	e.uvarint(uint64(h.triSeen[1]))
	var flags uint64
	if h.FieldCols {
		flags |= 1
	}
	if h.FieldOverflow {
		flags |= 2
	}
	e.uvarint(flags)
	return e.b
}

func decodeHeader(b []byte) (*header, error) {
	d := dec{b: b}
	h := &header{}
	h.Seq = d.uvarint()
	h.MinT = d.varint()
	h.MaxT = d.varint()
	h.Rows = int(d.uvarint())
	h.ChunkRows = int(d.uvarint())
	h.RawBytes = int64(d.uvarint())
	h.SeqMin = d.uvarint()
	h.SeqMax = d.uvarint()
	for i := range h.sets {
		flags := d.uvarint()
		n := d.count(1)
		s := valueSet{known: flags&1 != 0, missing: flags&2 != 0}
		for range n {
			s.values = append(s.values, d.str())
		}
		h.sets[i] = s
	}
	h.triSeen[0] = uint8(d.uvarint())
	h.triSeen[1] = uint8(d.uvarint())
	if len(d.b) > 0 { // format 4 headers end here
		flags := d.uvarint()
		h.FieldCols, h.FieldOverflow = flags&1 != 0, flags&2 != 0
	}
	if d.err != nil {
		return nil, d.err
	}
	if h.Rows <= 0 || h.ChunkRows <= 0 {
		return nil, errCorrupt
	}
	return h, nil
}

// builtBlock is a block encoded and ready to write.
type builtBlock struct {
	hdr    *header
	cols   [numColumns][]byte // compressed
	chunks [][]byte           // compressed
	fields []builtFieldColumn
	recs   []core.IngestRecord
	obs    []fieldObservation // the block's fields, for the catalog
}

// buildBlock encodes records already sorted newest first. rowSeqs holds
// each row's commit sequence when the rows come from earlier commits (a
// merge); nil means they are all committed now, as seq.
func buildBlock(seq uint64, recs []core.IngestRecord, rowSeqs []uint64, chunkRows int) *builtBlock {
	n := len(recs)
	h := &header{Seq: seq, Rows: n, ChunkRows: chunkRows, MaxT: recs[0].Fields.CreatedAt, MinT: recs[n-1].Fields.CreatedAt, SeqMin: seq, SeqMax: seq, FieldCols: true}
	if rowSeqs != nil {
		h.SeqMin, h.SeqMax = slices.Min(rowSeqs), slices.Max(rowSeqs)
	}
	b := &builtBlock{hdr: h, recs: recs}
	nChunks := (n + chunkRows - 1) / chunkRows
	b.chunks = make([][]byte, nChunks)

	nb := uint(max(n, 64))
	h.userBloom = newLazyBloom(nb)
	h.ipBloom = newLazyBloom(nb)
	h.idBloom = newLazyBloom(nb)

	// Every column and every raw chunk is independent: encode them on all
	// cores. Each task writes only its own slot of b and of h.
	var tasks []func()
	for ci := range nChunks {
		tasks = append(tasks, func() {
			lo, hi := ci*chunkRows, min((ci+1)*chunkRows, n)
			bp := scratchPool.Get().(*[]byte)
			*bp = encodeChunk((*bp)[:0], recs[lo:hi])
			b.chunks[ci] = compressRaw(*bp) // rawcodec.go
			scratchPool.Put(bp)
		})
	}
	tasks = append(tasks, func() {
		var e enc
		// created_at: first value then non-negative deltas (rows are newest first).
		e.uvarint(uint64(n))
		prev := recs[0].Fields.CreatedAt
		e.varint(prev)
		for _, r := range recs[1:] {
			e.uvarint(uint64(prev - r.Fields.CreatedAt))
			prev = r.Fields.CreatedAt
		}
		b.cols[colTime] = compress(e.b)
	}, func() {
		e := enc{b: make([]byte, 0, n*24)}
		e.uvarint(uint64(n))
		for _, r := range recs {
			e.str(r.Fields.EventID)
			h.idBloom.bf.AddString(r.Fields.EventID)
		}
		b.cols[colID] = compress(e.b)
	}, func() {
		e := enc{b: make([]byte, 0, n*8+8)}
		e.uvarint(uint64(n))
		var raw int64
		for _, r := range recs {
			e.u64(xxhash.Sum64String(r.Fields.EventID))
			raw += int64(len(r.Raw))
		}
		h.RawBytes = raw
		b.cols[colHash] = compress(e.b)
	})
	for c := colEventType; c <= colCountry; c++ {
		tasks = append(tasks, func() { b.cols[c] = encodeDict(recs, c, h) })
	}
	fieldTasks, finish := fieldColumnTasks(recs)
	tasks = append(fieldTasks, tasks...) // the longest tasks first
	if h.SeqMin != h.SeqMax {
		tasks = append(tasks, func() {
			var e enc
			e.uvarint(uint64(n))
			for _, q := range rowSeqs {
				e.uvarint(q - h.SeqMin)
			}
			b.cols[colRowSeq] = compress(e.b)
		})
	}
	for i, c := range []column{colSuccessful, colSuspicious} {
		tasks = append(tasks, func() {
			raw := make([]byte, 0, n+binary.MaxVarintLen64)
			raw = binary.AppendUvarint(raw, uint64(n))
			var seen uint8
			for _, r := range recs {
				t := triValue(&r.Fields, c)
				seen |= 1 << t
				raw = append(raw, byte(t))
			}
			h.triSeen[i] = seen
			b.cols[c] = compress(raw)
		})
	}
	runParallel(tasks)
	b.fields, h.FieldCols = finish()
	h.FieldOverflow = overflowed(b.fields)
	if rowSeqs == nil {
		// A merge (rowSeqs set) moves rows the catalog has already seen.
		b.obs = observeColumns(b.fields, recs)
	}
	return b
}

// runParallel runs tasks on GOMAXPROCS goroutines and waits for them.
func runParallel(tasks []func()) {
	next := make(chan func(), len(tasks))
	for _, t := range tasks {
		next <- t
	}
	close(next)
	var wg sync.WaitGroup
	for range min(len(tasks), max(1, runtime.GOMAXPROCS(0))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range next {
				t()
			}
		}()
	}
	wg.Wait()
}

func encodeDict(recs []core.IngestRecord, c column, h *header) []byte {
	var codes map[string]uint16 // built once the dictionary outgrows a linear search
	var dict []string
	rowCodes := make([]uint16, len(recs))
	missing := false
	for i, r := range recs {
		v := dictValue(&r.Fields, c)
		if v == "" {
			missing = true
			continue
		}
		var code uint16
		ok := false
		if codes == nil {
			for j, d := range dict {
				if d == v {
					code, ok = uint16(j+1), true
					break
				}
			}
			if !ok && len(dict) >= 16 {
				codes = make(map[string]uint16, len(recs)/2)
				for j, d := range dict {
					codes[d] = uint16(j + 1)
				}
			}
		} else {
			code, ok = codes[v]
		}
		if !ok {
			dict = append(dict, v)
			code = uint16(len(dict))
			if codes != nil {
				codes[v] = code
			}
			switch c {
			case colUser:
				h.userBloom.bf.AddString(strings.ToLower(v))
			case colIP:
				h.ipBloom.bf.AddString(v)
			}
		}
		rowCodes[i] = code
	}
	if li := lowCardIndex(c); li >= 0 {
		s := valueSet{missing: missing}
		if len(dict) <= maxSetValues {
			s.known = true
			s.values = slices.Clone(dict)
			slices.Sort(s.values)
		}
		h.sets[li] = s
	}
	e := enc{b: make([]byte, 0, len(recs)*2+len(dict)*16+16)}
	e.uvarint(uint64(len(recs)))
	e.uvarint(uint64(len(dict)))
	for _, v := range dict {
		e.str(v)
	}
	for _, code := range rowCodes {
		e.b = binary.LittleEndian.AppendUint16(e.b, code)
	}
	return compress(e.b)
}

// encodeChunk lays out raw events as count, lengths, then the bytes.
func encodeChunk(buf []byte, recs []core.IngestRecord) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(recs)))
	for _, r := range recs {
		buf = binary.AppendUvarint(buf, uint64(len(r.Raw)))
	}
	for _, r := range recs {
		buf = append(buf, r.Raw...)
	}
	return buf
}

// Decoded column forms, cached by (block, column).

type dictColumn struct {
	dict      []string // dict[0] is unused: code 0 means missing
	codes     []uint16
	textBytes int // of the one string behind dict
}

type hashColumn struct {
	id []uint64
}

type chunkRows struct {
	rows [][]byte
	data []byte // all rows back to back
}

func decodeTime(b []byte) ([]int64, error) {
	d := dec{b: b}
	n := d.count(1)
	out := make([]int64, n)
	if n > 0 {
		out[0] = d.varint()
		for i := 1; i < n; i++ {
			out[i] = out[i-1] - int64(d.uvarint())
		}
	}
	return out, d.err
}

func decodeIDs(b []byte) ([]string, error) {
	d := dec{b: b}
	n := d.count(1)
	out := make([]string, n)
	// One string backs all ids of the block: fewer allocations, one GC object.
	all := string(b)
	base := len(b)
	for i := range out {
		l := d.count(1)
		if l > len(d.b) {
			d.fail()
			break
		}
		off := base - len(d.b)
		out[i] = all[off : off+l]
		d.b = d.b[l:]
	}
	return out, d.err
}

func decodeHashes(b []byte) (*hashColumn, error) {
	d := dec{b: b}
	n := d.count(8)
	h := &hashColumn{id: make([]uint64, n)}
	for i := range h.id {
		h.id[i] = d.u64()
	}
	return h, d.err
}

func decodeDict(b []byte) (*dictColumn, error) { return decodeDictInto(&dictColumn{}, b) }

// decodeDictInto decodes into c, reusing its slices' memory. The texts
// are copied (one string for all of them), so b may be reused.
func decodeDictInto(c *dictColumn, b []byte) (*dictColumn, error) {
	d := dec{b: b}
	n := d.count(2)
	nd := d.count(1)
	if d.err != nil {
		return nil, errCorrupt
	}
	if cap(c.dict) < nd+1 {
		c.dict = make([]string, nd+1)
	}
	c.dict = c.dict[:nd+1]
	c.dict[0] = ""
	// One string backs the whole dictionary: one allocation, not one per
	// value, and only of the texts (the codes are decoded below).
	start := len(b) - len(d.b)
	end := start
	for i := 1; i <= nd; i++ {
		l := d.count(1)
		if l > len(d.b) {
			return nil, errCorrupt
		}
		end = len(b) - len(d.b) + l
		d.b = d.b[l:]
	}
	all := string(b[start:end])
	c.textBytes = end - start
	d.b = b[start:]
	for i := 1; i <= nd; i++ {
		l := d.count(1)
		off := len(b) - len(d.b) - start
		c.dict[i] = all[off : off+l]
		d.b = d.b[l:]
	}
	if d.err != nil || len(d.b) < 2*n {
		return nil, errCorrupt
	}
	if cap(c.codes) < n {
		c.codes = make([]uint16, n)
	}
	c.codes = c.codes[:n]
	for i := range c.codes {
		code := binary.LittleEndian.Uint16(d.b[2*i:])
		if int(code) > nd {
			return nil, errCorrupt
		}
		c.codes[i] = code
	}
	return c, nil
}

// size is the memory a decoded dictionary column holds, for the cache.
func (c *dictColumn) size() int64 {
	return int64(48 + 16*len(c.dict) + 2*len(c.codes) + c.textBytes)
}

func decodeTri(b []byte) ([]core.Tri, error) { return decodeTriInto(nil, b) }

// decodeTriInto decodes into dst's memory when it is large enough.
func decodeTriInto(dst []core.Tri, b []byte) ([]core.Tri, error) {
	d := dec{b: b}
	n := d.count(1)
	if d.err != nil || len(d.b) < n {
		return nil, errCorrupt
	}
	if dst == nil || cap(dst) < n {
		dst = make([]core.Tri, n)
	}
	out := dst[:n]
	for i := range out {
		out[i] = core.Tri(d.b[i])
	}
	return out, nil
}

func decodeChunk(b []byte) (*chunkRows, error) {
	d := dec{b: b}
	n := d.count(1)
	lens := make([]int, n)
	total := 0
	for i := range lens {
		lens[i] = d.count(0)
		total += lens[i]
	}
	if d.err != nil || total > len(d.b) {
		return nil, errCorrupt
	}
	c := &chunkRows{rows: make([][]byte, n), data: d.b[:total]}
	off := 0
	for i, l := range lens {
		c.rows[i] = d.b[off : off+l : off+l]
		off += l
	}
	return c, nil
}

func decodeRowSeqs(b []byte, base uint64) ([]uint64, error) {
	d := dec{b: b}
	n := d.count(1)
	out := make([]uint64, n)
	for i := range out {
		out[i] = base + d.uvarint()
	}
	return out, d.err
}
