//go:build linux

package store

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// releaseMappedPages drops this process's page-table references to sealed
// value-log files. Badger maps vlog files and, on Linux, keeps every page it
// wrote or read mapped, so a long ingest or a full scan would show the whole
// store in RSS. MADV_DONTNEED on a shared file mapping only unmaps: the data
// stays in the file and the page cache, and a later read faults it back in.
// The newest vlog file (being written) is left alone.
func releaseMappedPages(dir string) {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	dir, err = filepath.Abs(dir)
	if err != nil {
		return
	}
	type mapping struct {
		start, end uint64
		file       int
	}
	var maps []mapping
	newest := -1
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || !strings.HasSuffix(fields[5], ".vlog") || filepath.Dir(fields[5]) != dir {
			continue
		}
		num, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(fields[5]), ".vlog"))
		if err != nil {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		maps = append(maps, mapping{start, end, num})
		newest = max(newest, num)
	}
	for _, m := range maps {
		if m.file != newest {
			syscall.Syscall(syscall.SYS_MADVISE, uintptr(m.start), uintptr(m.end-m.start), syscall.MADV_DONTNEED)
		}
	}
}
