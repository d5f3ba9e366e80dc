//go:build unix

package store

import (
	"syscall"
	"testing"
	"time"
)

// cpuClock is the process's CPU time (user and system, every thread) from
// a start: on cores shared with other work, wall time per operation says
// more about the load than about the code.
type cpuClock struct{ start time.Duration }

func processCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock{processCPU()} }

// report adds cpu-ms/op to the benchmark's line.
func (c cpuClock) report(b *testing.B) {
	b.ReportMetric(float64(processCPU()-c.start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}
