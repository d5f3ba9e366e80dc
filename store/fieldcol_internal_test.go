package store

import (
	"fmt"
	"testing"
	"time"
)

// TestFieldColumnBuilderWideObject: events whose member names are ids (a
// few new names per event under one object) build in time linear in the
// rows. The names were searched as a list, a pass over every name seen in
// the block per lookup: these 20,000 rows took 16 s (0.25 s now), a
// 60,000-row block minutes.
func TestFieldColumnBuilderWideObject(t *testing.T) {
	b := newFieldColumnBuilder()
	start := time.Now()
	for i := range 20000 {
		raw := fmt.Sprintf(`{"event_id":"w%d","raw":{"a%d":1,"b%d":2,"c%d":3,"d%d":4,"e%d":5,"same":true}}`, i, i, i, i, i, i)
		if err := b.add([]byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("20000 rows of 5 new member names each took %v to walk", took)
	}
	if got, want := len(b.cols), 20000*5+2; got != want { // + raw and raw.same
		t.Errorf("%d columns, want %d", got, want)
	}
	if c := b.cols["raw.same"]; c == nil || c.leafRows != 20000 {
		t.Errorf("raw.same: %+v", c)
	}
}
