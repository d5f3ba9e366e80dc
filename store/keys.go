package store

import "encoding/binary"

// Key prefixes. Every key starts with one byte naming its kind; block keys
// carry the block sequence number big-endian so they sort in write order.
const (
	prefixHeader      = 'h' // h seq            -> block header (small: stays in the LSM)
	prefixBlooms      = 'B' // B seq            -> the block's bloom filters (user, IP, id)
	prefixColumn      = 'c' // c seq col        -> one encoded column of a block
	prefixChunk       = 'r' // r seq chunk      -> compressed raw events of one chunk
	prefixDeleted     = 'd' // d seq            -> roaring bitmap of replaced rows
	prefixTriage      = 't' // t event_id       -> triage record
	prefixAudit       = 'a' // a at_ns seq      -> audit entry
	prefixConsumption = 'u' // u day 0 vendor 0 service -> events, bytes
	prefixMeta        = 'm' // m name           -> store metadata
	prefixObject      = 'o' // o kind 0 id      -> engine document (reports, tasks, ...)
	prefixFieldColumn = 'f' // f seq path       -> one field column of a block (fieldcol.go)
	prefixFieldDir    = 'F' // F seq            -> the block's list of field columns (fielddir.go)
)

func headerKey(seq uint64) []byte {
	k := make([]byte, 9)
	k[0] = prefixHeader
	binary.BigEndian.PutUint64(k[1:], seq)
	return k
}

func bloomKey(seq uint64) []byte {
	k := make([]byte, 9)
	k[0] = prefixBlooms
	binary.BigEndian.PutUint64(k[1:], seq)
	return k
}

func columnKey(seq uint64, col column) []byte {
	k := make([]byte, 10)
	k[0] = prefixColumn
	binary.BigEndian.PutUint64(k[1:], seq)
	k[9] = byte(col)
	return k
}

func fieldColumnKey(seq uint64, path string) []byte {
	k := make([]byte, 9, 9+len(path))
	k[0] = prefixFieldColumn
	binary.BigEndian.PutUint64(k[1:], seq)
	return append(k, path...)
}

func fieldDirKey(seq uint64) []byte {
	k := make([]byte, 9)
	k[0] = prefixFieldDir
	binary.BigEndian.PutUint64(k[1:], seq)
	return k
}

// fieldColumnPrefix is the start of every field column key of a block.
func fieldColumnPrefix(seq uint64) []byte { return fieldColumnKey(seq, "") }

func chunkKey(seq uint64, chunk int) []byte {
	k := make([]byte, 13)
	k[0] = prefixChunk
	binary.BigEndian.PutUint64(k[1:], seq)
	binary.BigEndian.PutUint32(k[9:], uint32(chunk))
	return k
}

func deletedKey(seq uint64) []byte {
	k := make([]byte, 9)
	k[0] = prefixDeleted
	binary.BigEndian.PutUint64(k[1:], seq)
	return k
}

func triageKey(id string) []byte {
	return append([]byte{prefixTriage}, id...)
}

func auditKey(atNs int64, n uint64) []byte {
	k := make([]byte, 17)
	k[0] = prefixAudit
	binary.BigEndian.PutUint64(k[1:], uint64(atNs))
	binary.BigEndian.PutUint64(k[9:], n)
	return k
}

func consumptionKey(day, vendor, service string) []byte {
	k := make([]byte, 0, 1+len(day)+len(vendor)+len(service)+2)
	k = append(k, prefixConsumption)
	k = append(k, day...)
	k = append(k, 0)
	k = append(k, vendor...)
	k = append(k, 0)
	k = append(k, service...)
	return k
}

var metaFormatKey = []byte{prefixMeta, 'f', 'o', 'r', 'm', 'a', 't'}

// metaFieldPathsKey held the field paths of the stored events before the
// field catalog (catalog.go) replaced them; a rebuilt catalog deletes it.
var metaFieldPathsKey = []byte{prefixMeta, 'p', 'a', 't', 'h', 's'}

// formatVersion is bumped whenever the on-disk layout changes incompatibly.
const formatVersion = "auditdeck-blocks-5"
