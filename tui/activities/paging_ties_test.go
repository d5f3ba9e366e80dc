package activities

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// tiedEvents returns NDJSON of n events over only a few instants, so most
// page boundaries fall inside a run of rows sharing a created_at and only
// the event_id tiebreak orders them.
func tiedEvents(t *testing.T, n, instants int) string {
	t.Helper()
	f, err := os.Open("../../testdata/activities.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() {
		t.Fatal("empty fixture")
	}
	var tmpl map[string]any
	if err := json.Unmarshal(sc.Bytes(), &tmpl); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := range n {
		tmpl["event_id"] = fmt.Sprintf("tie-%03d-%d", (i*37)%n, i%3)
		tmpl["created_at"] = fixedNow.Add(-time.Duration(i%instants) * time.Minute).Format(time.RFC3339)
		line, err := json.Marshal(tmpl)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestPagingWindowTies pages down, up, to the end and back over rows that
// mostly share their created_at: the window always holds exactly the rows
// of the unpaged result at its position, and a refresh from the middle
// keeps them.
func TestPagingWindowTies(t *testing.T) {
	eng := newEngine(t, tiedEvents(t, 900, 7))
	all := scanIDs(t, eng, "", 0)
	m := newModel(newContext(eng), 120, 24)
	vis := m.visRows()
	pos := func() int { return int(m.tbl.base) + m.tbl.cur }
	check := func(step string) {
		t.Helper()
		tb := &m.tbl
		if tb.base < 0 {
			t.Fatalf("%s: position unknown", step)
		}
		for i := range tb.rows {
			if want := all[int(tb.base)+i]; tb.rows[i].EventID != want {
				t.Fatalf("%s: row %d (abs %d) is %s, want %s", step, i, int(tb.base)+i, tb.rows[i].EventID, want)
			}
		}
		if got := m.cursorRow().EventID; got != all[pos()] {
			t.Fatalf("%s: cursor on %s, want %s", step, got, all[pos()])
		}
	}
	for i := 1; i <= 30; i++ {
		press(m, keyPgDn)
		check("pgdn")
		if pos() != i*vis {
			t.Fatalf("after %d pages the cursor is at %d, want %d", i, pos(), i*vis)
		}
	}
	for i := 29; i >= 15; i-- {
		press(m, keyPgUp)
		check("pgup")
		if pos() != i*vis {
			t.Fatalf("paging back: cursor at %d, want %d", pos(), i*vis)
		}
	}
	at := m.cursorRow().EventID
	drive(m, m.refresh())
	check("refresh")
	if m.cursorRow().EventID != at {
		t.Fatalf("refresh moved the cursor from %s to %s", at, m.cursorRow().EventID)
	}
	for range 3 * vis {
		press(m, keyUp)
	}
	check("up")
	press(m, keyEnd)
	check("end")
	if pos() != len(all)-1 || !m.tbl.tail {
		t.Fatalf("end: cursor at %d of %d", pos(), len(all))
	}
	for range 40 {
		press(m, keyPgUp)
		check("pgup from end")
	}
	press(m, keyHome)
	check("home")
	if pos() != 0 || !m.tbl.head {
		t.Fatalf("home: cursor at %d", pos())
	}
}
