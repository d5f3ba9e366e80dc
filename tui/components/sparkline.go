package components

import "strings"

var sparkBlocks = [8]string{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"}

// Sparkline draws counts as width cells of block characters ▁▂▃▄▅▆▇█,
// scaled to the largest cell. Buckets are summed (or repeated) to fit the
// width; a cell with no events is a space, any non-zero cell shows at least ▁.
func Sparkline(counts []int64, width int) string {
	if width <= 0 || len(counts) == 0 {
		return ""
	}
	cells := make([]int64, width)
	n := len(counts)
	for i := range cells {
		lo := i * n / width
		hi := (i + 1) * n / width
		if hi <= lo {
			hi = lo + 1
		}
		var s int64
		for _, c := range counts[lo:hi] {
			s += c
		}
		cells[i] = s
	}
	var top int64
	for _, c := range cells {
		top = max(top, c)
	}
	var b strings.Builder
	b.Grow(width * 3)
	for _, c := range cells {
		if c <= 0 || top == 0 {
			b.WriteByte(' ')
			continue
		}
		lvl := int((c*8 + top - 1) / top) // 1..8
		b.WriteString(sparkBlocks[min(max(lvl, 1), 8)-1])
	}
	return b.String()
}
