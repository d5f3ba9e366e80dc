package sshserve

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// maxTrackedAddrs bounds the limiter's memory. Buckets that have refilled
// are dropped first; if the table is still full, new addresses are refused
// until some refill, so a flood from many addresses cannot grow it further.
const maxTrackedAddrs = 65536

// addrLimiter is a token bucket per remote address: perMinute tokens,
// refilled evenly over a minute.
type addrLimiter struct {
	perMinute float64
	now       func() time.Time

	mu        sync.Mutex
	buckets   map[netip.Prefix]*bucket
	lastPrune time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newAddrLimiter(perMinute int, now func() time.Time) *addrLimiter {
	return &addrLimiter{perMinute: float64(perMinute), now: now, buckets: map[netip.Prefix]*bucket{}}
}

// limitKey is the address a limit applies to: the IPv4 address, or the /64
// of an IPv6 address (one host usually holds a whole /64).
func limitKey(a net.Addr) netip.Prefix {
	var ip netip.Addr
	switch a := a.(type) {
	case *net.TCPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	default:
		if ap, err := netip.ParseAddrPort(a.String()); err == nil {
			ip = ap.Addr()
		}
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p
	}
	p, _ := ip.Prefix(ip.BitLen())
	return p
}

// allow takes a token for the address; when none is left it says how long
// until one is.
func (l *addrLimiter) allow(a net.Addr) (bool, time.Duration) {
	now := l.now()
	key := limitKey(a)
	rate := l.perMinute / 60 // tokens per second
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastPrune) > time.Minute {
		l.prune(now)
	}
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxTrackedAddrs {
			l.prune(now)
		}
		if len(l.buckets) >= maxTrackedAddrs {
			return false, time.Minute
		}
		b = &bucket{tokens: l.perMinute, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.perMinute, b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / rate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}

// prune drops buckets that would be full by now: they hold no history.
func (l *addrLimiter) prune(now time.Time) {
	l.lastPrune = now
	rate := l.perMinute / 60
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*rate >= l.perMinute {
			delete(l.buckets, k)
		}
	}
}
