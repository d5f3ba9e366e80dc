package store

import (
	"github.com/bits-and-blooms/bloom/v3"
)

// lazyBloom is one of a block's bloom filters. The filters are most of a
// block's summary (about 15 KB of 16), and most queries test none, so they
// live in their own entry: opening a store reads only the small headers.
// A filter read for a query goes to a cache bounded by bytes
// (Options.BloomCacheBytes), not to the header: headers stay in memory for
// every block, and filters kept there grew with the store (a 100M-event
// store has 150 MB of them) as queries and ingest touched them.
type lazyBloom struct {
	src *bloomSource
	idx int
	bf  *bloom.BloomFilter // only while the block is being built
}

// bloomSource reads a block's bloom entry, for its three filters, through
// the store's filter cache.
type bloomSource struct {
	seq   uint64
	cache *decodedCache
	load  func() ([]byte, error)
}

// blockFilters is a block's three decoded filters (user, IP, id).
type blockFilters [3]*bloom.BloomFilter

func (b *bloomSource) get(i int) *bloom.BloomFilter {
	k := cacheKey{seq: b.seq}
	if v, ok := b.cache.get(k); ok {
		return v.(*blockFilters)[i]
	}
	v, err := b.load()
	if err != nil {
		return nil
	}
	d := dec{b: v}
	var fs blockFilters
	for j := range fs {
		raw := d.bytes()
		if d.err != nil {
			return nil
		}
		bf := &bloom.BloomFilter{}
		if err := bf.UnmarshalBinary(raw); err != nil {
			return nil
		}
		fs[j] = bf
	}
	b.cache.put(k, &fs, int64(len(v)))
	return fs[i]
}

func newLazyBloom(n uint) *lazyBloom { return &lazyBloom{bf: bloom.NewWithEstimates(n, 0.01)} }

func (l *lazyBloom) get() *bloom.BloomFilter {
	if l.bf != nil || l.src == nil {
		return l.bf
	}
	return l.src.get(l.idx)
}

// TestString reports whether s may be present; a filter that cannot be read
// prunes nothing.
func (l *lazyBloom) TestString(s string) bool {
	bf := l.get()
	return bf == nil || bf.TestString(s)
}

// setBloomSource makes a header read its filters through cache with load,
// dropping the filters of a block just built.
func (h *header) setBloomSource(cache *decodedCache, load func() ([]byte, error)) {
	src := &bloomSource{seq: h.Seq, cache: cache, load: load}
	h.userBloom = &lazyBloom{src: src, idx: 0}
	h.ipBloom = &lazyBloom{src: src, idx: 1}
	h.idBloom = &lazyBloom{src: src, idx: 2}
}

// bloomLoader reads block seq's filters outside any snapshot: they never
// change once written.
func (s *Store) bloomLoader(seq uint64) func() ([]byte, error) {
	return func() ([]byte, error) { return s.readValue(bloomKey(seq)) }
}
