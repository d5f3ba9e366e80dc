package activities

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/store"
)

// TestFieldsPanelOpenTime measures opening the fields panel on a big store
// (issue 11's target: under 100 ms at 1M events): the key, the catalog and
// total reads and the first drawing of the panel, as the program runs them.
// It needs a store made beforehand, so it runs only when
// AUDITDECK_PANEL_STORE names one, e.g.
//
//	auditdeck gen --events 1000000 --seed 1 | auditdeck ingest --data /tmp/panel-1m/store -
//	AUDITDECK_PANEL_STORE=/tmp/panel-1m/store go test ./tui/activities -run TestFieldsPanelOpenTime -v
func TestFieldsPanelOpenTime(t *testing.T) {
	dir := os.Getenv("AUDITDECK_PANEL_STORE")
	if dir == "" {
		t.Skip("set AUDITDECK_PANEL_STORE to a store directory to time the fields panel")
	}
	s, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	eng := core.NewEngine(s, s)
	defer eng.Close()
	m := newModel(newContext(eng), 120, 40)
	total := m.hist.res.Total
	var opens []time.Duration
	for i := 0; i < 7; i++ {
		start := time.Now()
		press(m, keyRune('F'))
		_ = m.View()
		opens = append(opens, time.Since(start))
		if m.mode != modeFields || m.fp.err != nil || len(m.fp.fields) == 0 {
			t.Fatalf("the panel did not open: %v", m.fp.err)
		}
		press(m, keyEsc)
	}
	first := opens[0]
	slices.Sort(opens)
	t.Logf("%d events, %d fields: open + first frame: first %v, median %v, max %v", total, len(m.fp.fields), first, opens[len(opens)/2], opens[len(opens)-1])
	for _, f := range []string{"event_type", "user.user_email", "client_location.city", "raw.actor.email"} {
		press(m, keyRune('F'))
		press(m, keyHome)
		for m.fp.fields[m.fp.shown[m.fp.cur]].path != f {
			press(m, keyDown)
		}
		var reads []time.Duration
		for i := 0; i < 3; i++ {
			start := time.Now()
			press(m, keyEnter)
			_ = m.View()
			reads = append(reads, time.Since(start))
			press(m, keyEsc)
		}
		t.Logf("top values of %s: %v (%d values, approximate %v)", f, reads, m.fp.vres.TotalGroups, m.fp.vres.Approximate)
		press(m, keyEsc)
	}
	// The same aggregation straight on the engine, on the table's pin and
	// on the current state, says what the view adds to it.
	for _, pin := range []core.Pin{m.tbl.fetchedPin, {}} {
		var ds []time.Duration
		for i := 0; i < 3; i++ {
			start := time.Now()
			if _, err := eng.Aggregate(context.Background(), core.StatsQuery{By: []core.GroupBy{{Field: "user.user_email"}}, Top: fieldsTop, Pin: pin}); err != nil {
				t.Fatal(err)
			}
			ds = append(ds, time.Since(start))
		}
		t.Logf("Engine.Aggregate user.user_email, pinned %v: %v", pin != core.Pin{}, ds)
	}
	if med := opens[len(opens)/2]; med > 100*time.Millisecond {
		t.Errorf("opening the fields panel takes %v (median), over the 100 ms target", med)
	}
}
