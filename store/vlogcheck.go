package store

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/auditdeck/auditdeck/core"
)

// vlogHeaderSize is the header of a Badger value-log file (key id, IV).
const vlogHeaderSize = 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checkNewestLog guards the value-log file a read-write open rewrites.
// Badger reads the newest file entry by entry and cuts it at the first
// entry that does not check out, as after a crash in the middle of a write.
// A damaged entry in the middle of the file would so drop every event
// written after it, silently. A crash leaves nothing but zeros (or the rest
// of the one entry being written) after that point; anything else is
// damage, and the store refuses to open instead.
func checkNewestLog(dir string) error {
	logs, err := filepath.Glob(filepath.Join(dir, "*.vlog"))
	if err != nil || len(logs) == 0 {
		return err
	}
	newest, newestID := "", -1
	for _, p := range logs {
		id, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(p), ".vlog"))
		if err == nil && id > newestID {
			newest, newestID = p, id
		}
	}
	if newest == "" {
		return nil
	}
	f, err := os.Open(newest)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	size := info.Size()
	if size <= vlogHeaderSize {
		return nil
	}
	r := bufio.NewReaderSize(io.NewSectionReader(f, vlogHeaderSize, size-vlogHeaderSize), 1<<20)
	off := int64(vlogHeaderSize)
	var end, rest int64 // where the entries stop; bytes that may follow (a torn entry)
	for {
		n, ok := nextLogEntry(r)
		if !ok {
			end, rest = off, max(n, 64)
			break
		}
		off += n
	}
	if end+rest >= size {
		return nil
	}
	at, err := nonZeroFrom(f, end+rest, size)
	if err != nil || at < 0 {
		return err
	}
	return fmt.Errorf("value log %s: %w: the entry at byte %d does not check out and data follows up to byte %d at least; opening would cut the file there and drop what follows (nothing was changed; restore the directory from a backup)",
		filepath.Base(newest), core.ErrDamaged, end, at)
}

// nextLogEntry reads one entry (header, key, value, CRC-32C of the three)
// and returns its length; ok is false where Badger would stop, with the
// length the header claims when it is plausible.
func nextLogEntry(r *bufio.Reader) (n int64, ok bool) {
	h := crc32.New(castagnoli)
	var hb [2 + 3*binary.MaxVarintLen64]byte
	hdr := hb[:0]
	for range 2 {
		c, err := r.ReadByte()
		if err != nil {
			return 0, false
		}
		hdr = append(hdr, c)
	}
	var lens [3]uint64
	for i := range lens {
		v, err := binary.ReadUvarint(byteTee{r, &hdr})
		if err != nil {
			return 0, false
		}
		lens[i] = v
	}
	klen, vlen := lens[0], lens[1]
	if klen == 0 || klen > 1<<16 || vlen > 1<<30 {
		return 0, false // zeros after the last entry, or garbage
	}
	total := int64(len(hdr)) + int64(klen+vlen) + crc32.Size
	h.Write(hdr)
	if _, err := io.CopyN(h, r, int64(klen+vlen)); err != nil {
		return total, false
	}
	var sum [crc32.Size]byte
	if _, err := io.ReadFull(r, sum[:]); err != nil {
		return total, false
	}
	if binary.BigEndian.Uint32(sum[:]) != h.Sum32() {
		return total, false
	}
	return total, true
}

type byteTee struct {
	r   *bufio.Reader
	out *[]byte
}

func (t byteTee) ReadByte() (byte, error) {
	c, err := t.r.ReadByte()
	if err == nil {
		*t.out = append(*t.out, c)
	}
	return c, err
}

// nonZeroFrom returns the offset of the last non-zero byte in [from, to),
// or -1 when there is none.
func nonZeroFrom(f *os.File, from, to int64) (int64, error) {
	buf := make([]byte, 1<<20)
	last := int64(-1)
	for off := from; off < to; {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), to-off)], off)
		for i := n - 1; i >= 0; i-- {
			if buf[i] != 0 {
				last = off + int64(i)
				break
			}
		}
		off += int64(n)
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return 0, err
		}
	}
	return last, nil
}
