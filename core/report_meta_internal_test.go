package core

import (
	"strconv"
	"testing"

	"github.com/auditdeck/auditdeck/core/render"
)

// TestTopCounterBounded streams far more distinct values than the counter
// keeps: memory stays at its capacity, the heavy hitters come out on top in
// order, and each count brackets the true one within the stated slack.
func TestTopCounterBounded(t *testing.T) {
	c := newTopCounter(100)
	truth := map[string]int64{"a": 5000, "b": 4000, "c": 3000, "d": 2000, "e": 1000}
	left := map[string]int64{}
	for k, v := range truth {
		left[k] = v
	}
	n := 0
	for i := 0; i < 200_000; i++ {
		if i%13 == 0 {
			for _, k := range []string{"a", "b", "c", "d", "e"} {
				if left[k] > 0 {
					c.add(k)
					left[k]--
					break
				}
			}
		}
		c.add("noise-" + strconv.Itoa(i)) // each value once
		n++
		if len(c.heap) > 100 || len(c.pos) > 100 {
			t.Fatalf("counter grew to %d/%d entries", len(c.heap), len(c.pos))
		}
	}
	for k, v := range left {
		if v != 0 {
			t.Fatalf("%s: %d not fed", k, v)
		}
	}
	l := c.list("Top", "events", 5)
	if !l.Approx {
		t.Error("overflowed counter not marked approximate")
	}
	for i, k := range []string{"a", "b", "c", "d", "e"} {
		it := l.Items[i]
		if it.Label != k || it.Count < truth[k] || it.Count-l.Slack > truth[k] {
			t.Errorf("item %d = %+v (slack %d), want %s with %d", i, it, l.Slack, k, truth[k])
		}
	}
}

func TestTopCounterExact(t *testing.T) {
	c := newTopCounter(10)
	for _, k := range []string{"x", "y", "x", "z", "x", "y"} {
		c.add(k)
	}
	l := c.list("Top", "events", 2)
	if l.Approx || len(l.Items) != 2 || l.Items[0] != (render.TopItem{Label: "x", Count: 3}) || l.Items[1] != (render.TopItem{Label: "y", Count: 2}) {
		t.Errorf("list = %+v", l)
	}
}
