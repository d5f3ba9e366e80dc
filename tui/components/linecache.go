package components

// LineKey identifies one rendered table line: the row's id, the width it
// was laid out for, whether it is the cursor row, and Aux for any other
// state the line shows (marks, a triage state, a layout version).
type LineKey struct {
	ID       string
	Width    int
	Selected bool
	Aux      uint64
}

// LineCache keeps rendered lines so that moving a cursor re-renders at most
// the rows whose key changed. It is bounded: when full it starts over.
type LineCache struct {
	m   map[LineKey]string
	max int
}

// NewLineCache returns a cache of at most max lines.
func NewLineCache(max int) *LineCache {
	return &LineCache{m: make(map[LineKey]string, min(max, 256)), max: max}
}

// Get returns a cached line.
func (c *LineCache) Get(k LineKey) (string, bool) {
	s, ok := c.m[k]
	return s, ok
}

// Put stores a line.
func (c *LineCache) Put(k LineKey, s string) {
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = s
}

// Reset empties the cache (the rows' data changed).
func (c *LineCache) Reset() { clear(c.m) }

// Len is the number of cached lines.
func (c *LineCache) Len() int { return len(c.m) }
