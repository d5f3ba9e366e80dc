package core

import "github.com/cespare/xxhash/v2"

// distinctSet counts distinct values (a report summary's distinct users)
// exactly up to exactLimit, then with a HyperLogLog sketch of 2^hllBits
// registers (4 KiB, about 1.6% error).
type distinctSet struct {
	exact  map[string]struct{}
	sketch *HyperLogLog
}

const (
	exactLimit = 1024
	hllBits    = 12
)

func (d *distinctSet) add(v string) {
	if d.sketch != nil {
		d.sketch.Add(xxhash.Sum64String(v))
		return
	}
	d.exact[v] = struct{}{}
	if len(d.exact) <= exactLimit {
		return
	}
	d.sketch = NewHyperLogLog(hllBits)
	for k := range d.exact {
		d.sketch.Add(xxhash.Sum64String(k))
	}
	d.exact = nil
}

func (d *distinctSet) count() int64 {
	if d.sketch == nil {
		return int64(len(d.exact))
	}
	return int64(d.sketch.Estimate() + 0.5)
}
