package activities

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/store/storetest"
)

type sortRow struct {
	user, id string
	t        int64
}

// bruteSorted reads every event of the store and sorts them by user (an
// event without one first when ascending), then newest first, then by id
// descending: the order the store promises for ties.
func bruteSorted(t *testing.T, eng *core.Engine, desc bool) []string {
	t.Helper()
	var rows []sortRow
	_, err := eng.Scan(context.Background(), core.QuerySpec{}, func(a *core.Activity) error {
		rows = append(rows, sortRow{user: a.UserEmail, id: a.EventID, t: a.CreatedAt})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(rows, func(a, b sortRow) int {
		c := strings.Compare(a.user, b.user)
		if desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		if c := cmp.Compare(b.t, a.t); c != 0 {
			return c
		}
		return strings.Compare(b.id, a.id)
	})
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.id
	}
	return out
}

func columnIndex(m *Model, field string) int {
	for i, c := range m.columns {
		if c.field == field {
			return i
		}
	}
	return -1
}

// TestSortByUserPaging sorts by the user column ascending and descending
// and pages down through every page boundary, back up, to the end and
// back: the window always holds exactly the brute-force sorted rows at its
// position, with a bounded number of rows held.
func TestSortByUserPaging(t *testing.T) {
	eng := newEngine(t, tiedEvents(t, 300, 5))
	m := newModel(newContext(eng), 120, 24)
	vis := m.visRows()
	for m.colCur != columnIndex(m, "user.user_email") {
		press(m, keyRight)
	}
	for _, desc := range []bool{false, true} {
		want := bruteSorted(t, eng, desc)
		press(m, keyRune('S'))
		if f, d := m.sortKey(); f != "user.user_email" || d != desc {
			t.Fatalf("sort is %s desc=%v, want user desc=%v", f, d, desc)
		}
		arrow := "USER ▲"
		if desc {
			arrow = "USER ▼"
		}
		if !strings.Contains(m.headerLine(), arrow) {
			t.Fatalf("header lacks %q: %s", arrow, m.headerLine())
		}
		pos := func() int { return int(m.tbl.base) + m.tbl.cur }
		check := func(step string) {
			t.Helper()
			tb := &m.tbl
			if tb.base < 0 {
				t.Fatalf("%s: position unknown", step)
			}
			if len(tb.rows) > m.keepRows()+m.pageSize() {
				t.Fatalf("%s: %d rows held", step, len(tb.rows))
			}
			for i := range tb.rows {
				if w := want[int(tb.base)+i]; tb.rows[i].EventID != w {
					t.Fatalf("%s (desc=%v): row %d (abs %d) is %s, want %s", step, desc, i, int(tb.base)+i, tb.rows[i].EventID, w)
				}
			}
			if got := m.cursorRow().EventID; got != want[pos()] {
				t.Fatalf("%s: cursor on %s, want %s", step, got, want[pos()])
			}
		}
		check("first page")
		pages := len(want)/vis + 2
		for i := 1; i <= pages; i++ {
			press(m, keyPgDn)
			check("pgdn")
			if p := min(i*vis, len(want)-1); pos() != p {
				t.Fatalf("after %d pages the cursor is at %d, want %d", i, pos(), p)
			}
		}
		if !m.tbl.tail || pos() != len(want)-1 {
			t.Fatalf("paging down ends at %d of %d", pos(), len(want))
		}
		for pos() > 0 {
			press(m, keyPgUp)
			check("pgup")
		}
		press(m, keyEnd)
		check("end")
		if pos() != len(want)-1 {
			t.Fatalf("end: cursor at %d of %d", pos(), len(want))
		}
		for i := 0; i < 8; i++ {
			press(m, keyPgUp)
			check("pgup from the end")
		}
		for i := 0; i < 3; i++ {
			press(m, keyDown)
			check("down")
		}
		press(m, keyHome)
		check("home")
		if pos() != 0 {
			t.Fatalf("home: cursor at %d", pos())
		}
	}
	// Sorting by time resets to the default order: newest first.
	m.colCur = columnIndex(m, "created_at")
	press(m, keyRune('S'))
	if m.sorted() {
		t.Fatalf("sort by time is %v, want the default", m.sortOrder)
	}
	if all := scanIDs(t, eng, "", 0); m.tbl.rows[0].EventID != all[0] {
		t.Fatalf("time order starts at %s, want %s", m.tbl.rows[0].EventID, all[0])
	}
	press(m, keyRune('S'))
	if f, d := m.sortKey(); f != "created_at" || d {
		t.Fatalf("time again: %s desc=%v, want ascending", f, d)
	}
}

// TestSortStartsThin pages far enough that the kept page starts are
// thinned: reading back still gives the sorted rows.
func TestSortStartsThin(t *testing.T) {
	eng := newEngine(t, tiedEvents(t, 400, 3))
	m := newModel(newContext(eng), 120, 24)
	m.colCur = columnIndex(m, "user.user_email")
	press(m, keyRune('S'))
	want := bruteSorted(t, eng, false)
	s := &m.tbl.sort
	// Thin as if many pages had passed: only every 4th start is kept.
	for press(m, keyPgDn); !m.tbl.tail; press(m, keyPgDn) {
	}
	for k := range s.starts {
		if k%4 != 0 && (k < s.lo-2 || k > s.hi+2) {
			delete(s.starts, k)
		}
	}
	for m.tbl.base+int64(m.tbl.cur) > 0 {
		press(m, keyPgUp)
		for i := range m.tbl.rows {
			if w := want[int(m.tbl.base)+i]; m.tbl.rows[i].EventID != w {
				t.Fatalf("row %d is %s, want %s", int(m.tbl.base)+i, m.tbl.rows[i].EventID, w)
			}
		}
	}
}

// TestSortInProgram sorts through the running program (teatest): the
// header and status show the sort, and the rows after paging down and
// back up are the brute-force sorted ones.
func TestSortInProgram(t *testing.T) {
	eng := newEngine(t, tiedEvents(t, 120, 4))
	s := startSession(t, newContext(eng), 120, 24)
	s.send(keyRight, keyRight, keyRune('S'), keyRune('S'))
	s.settle()
	want := bruteSorted(t, eng, true)
	check := func(step string) {
		s.probe(func(m *Model) {
			for i := range m.tbl.rows {
				if w := want[int(m.tbl.base)+i]; m.tbl.rows[i].EventID != w {
					t.Errorf("%s: row %d is %s, want %s", step, int(m.tbl.base)+i, m.tbl.rows[i].EventID, w)
					return
				}
			}
		})
	}
	v := s.view()
	if !strings.Contains(v, "USER ▼") || !strings.Contains(v, "sorted by user.user_email ▼") {
		t.Fatalf("view:\n%s", v)
	}
	check("first page")
	for range 12 {
		s.send(keyPgDn)
	}
	s.settle()
	check("down")
	for range 5 {
		s.send(keyPgUp)
	}
	s.settle()
	check("up")
}

// TestSortLiveRefresh: events ingested while the table is sorted appear
// at their sorted place, and the cursor stays on its event.
func TestSortLiveRefresh(t *testing.T) {
	eng := newEngine(t)
	s := startSession(t, newContext(eng), 120, 24)
	s.send(keyRight, keyRight, keyRune('S'), keyDown, keyDown)
	s.settle()
	var onID string
	s.probe(func(m *Model) { onID = m.cursorRow().EventID })
	storetest.Ingest(t, eng, strings.NewReader(`{"event_id":"live-1","event_type":"login","created_at":"2026-10-31T12:00:00.000Z","user":{"user_email":"aaa.first@example.com"}}`+"\n"))
	want := bruteSorted(t, eng, false)
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.settle()
		var match, seen bool
		var cur string
		s.probe(func(m *Model) {
			match = m.tbl.base >= 0 && len(m.tbl.rows) > 0
			for i := range m.tbl.rows {
				id := m.tbl.rows[i].EventID
				match = match && int(m.tbl.base)+i < len(want) && id == want[int(m.tbl.base)+i]
				seen = seen || id == "live-1"
			}
			if a := m.cursorRow(); a != nil {
				cur = a.EventID
			}
		})
		if match && seen && cur == onID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after ingest: window matches %v, holds the new event %v, cursor on %s (want %s)", match, seen, cur, onID)
		}
	}
}
