package core

import (
	"math"
	"math/bits"

	"github.com/cespare/xxhash/v2"
)

// distinctSet counts distinct values (a report summary's distinct users)
// exactly up to exactLimit, then with a
// HyperLogLog sketch of 2^hllBits registers (4 KiB, about 1.6% error).
type distinctSet struct {
	exact map[string]struct{}
	regs  []uint8
}

const (
	exactLimit = 1024
	hllBits    = 12
)

func (d *distinctSet) add(v string) {
	if d.regs == nil {
		d.exact[v] = struct{}{}
		if len(d.exact) <= exactLimit {
			return
		}
		d.regs = make([]uint8, 1<<hllBits)
		for k := range d.exact {
			d.addHLL(k)
		}
		d.exact = nil
		return
	}
	d.addHLL(v)
}

func (d *distinctSet) addHLL(v string) {
	h := xxhash.Sum64String(v)
	idx := h >> (64 - hllBits)
	rank := uint8(bits.LeadingZeros64(h<<hllBits|1<<(hllBits-1)) + 1)
	if rank > d.regs[idx] {
		d.regs[idx] = rank
	}
}

func (d *distinctSet) count() int64 {
	if d.regs == nil {
		return int64(len(d.exact))
	}
	m := float64(len(d.regs))
	sum, zeros := 0.0, 0
	for _, r := range d.regs {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	est := 0.7213 / (1 + 1.079/m) * m * m / sum
	if est <= 2.5*m && zeros > 0 {
		est = m * math.Log(m/float64(zeros)) // small-range correction
	}
	return int64(est + 0.5)
}
