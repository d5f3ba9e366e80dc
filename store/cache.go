package store

import (
	"container/list"
	"sync"
)

// cacheKey names one decoded piece of a block: a column, or a raw chunk
// (col >= numColumns, chunk index = col - numColumns).
type cacheKey struct {
	seq  uint64
	col  uint32
	path string // field columns (col fieldColumnSlot): the dotted path
}

// decodedCache is an LRU of decoded columns and chunks bounded by bytes.
// Blocks are immutable once written, so entries never go stale; a merged
// block gets a new sequence number.
type decodedCache struct {
	mu    sync.Mutex
	limit int64
	size  int64
	ll    *list.List
	items map[cacheKey]*list.Element
}

type cacheEntry struct {
	key  cacheKey
	val  any
	size int64
}

func newDecodedCache(limit int64) *decodedCache {
	return &decodedCache{limit: limit, ll: list.New(), items: map[cacheKey]*list.Element{}}
}

func (c *decodedCache) get(k cacheKey) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.ll.MoveToFront(el)
		return el.Value.(*cacheEntry).val, true
	}
	return nil, false
}

func (c *decodedCache) put(k cacheKey, v any, size int64) {
	if size > c.limit/4 {
		return // one huge value would evict everything else
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.ll.MoveToFront(el)
		return
	}
	c.items[k] = c.ll.PushFront(&cacheEntry{key: k, val: v, size: size})
	c.size += size
	for c.size > c.limit {
		el := c.ll.Back()
		e := el.Value.(*cacheEntry)
		c.ll.Remove(el)
		delete(c.items, e.key)
		c.size -= e.size
	}
}

// dropBlock forgets a block removed by a merge.
func (c *decodedCache) dropBlock(seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, el := range c.items {
		if k.seq == seq {
			c.size -= el.Value.(*cacheEntry).size
			c.ll.Remove(el)
			delete(c.items, k)
		}
	}
}
