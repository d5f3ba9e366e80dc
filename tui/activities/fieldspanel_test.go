package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/auditdeck/auditdeck/tui/components"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/valyala/fastjson"
)

// openPanelOn opens the fields panel, searches for path and chooses it;
// the model must be driven (newModel), not a program.
func openPanelOn(t *testing.T, m *Model, path string) {
	t.Helper()
	press(m, keyRune('F'))
	if m.mode != modeFields || m.fp.loading || m.fp.err != nil {
		t.Fatalf("the panel did not open: mode %v, loading %v, err %v", m.mode, m.fp.loading, m.fp.err)
	}
	press(m, keyRune('/'))
	press(m, keyEsc) // clears an earlier search
	press(m, keyRune('/'))
	for _, r := range path {
		press(m, keyRune(r))
	}
	press(m, keyEnter) // ends the search
	if len(m.fp.shown) == 0 {
		t.Fatalf("searching %s finds nothing", path)
	}
	for m.fp.cur < len(m.fp.shown) && m.fp.fields[m.fp.shown[m.fp.cur]].path != path {
		press(m, keyDown)
		if m.fp.cur == len(m.fp.shown)-1 && m.fp.fields[m.fp.shown[m.fp.cur]].path != path {
			t.Fatalf("%s is not in the panel's list", path)
		}
	}
	press(m, keyEnter)
	if m.fp.level != levelValues || !m.fp.have || m.fp.want.field != path {
		t.Fatalf("the top values of %s did not arrive: level %v have %v err %v", path, m.fp.level, m.fp.have, m.fp.verr)
	}
}

// moveToValue puts the values cursor on the line of text (AggValue.Display).
func moveToValue(t *testing.T, m *Model, text string) valueLine {
	t.Helper()
	press(m, keyHome)
	for {
		ls := m.valueLines()
		l := ls[m.fp.vcur]
		if !l.other && l.val.Display() == text {
			return l
		}
		if m.fp.vcur == len(ls)-1 {
			t.Fatalf("no value %q among the top values %+v", text, ls)
		}
		press(m, keyDown)
	}
}

// checkTable asserts the table shows the filter's events: its count and
// its first rows equal the engine's.
func checkTable(t *testing.T, m *Model, dsl string) {
	t.Helper()
	if got := m.eff.String(); got != dsl {
		t.Fatalf("effective filter %q, want %q", got, dsl)
	}
	want := count(t, m.ctx.Engine, dsl)
	if m.hist.res.Total != want || want == 0 {
		t.Fatalf("%s: the view counts %d, the engine %d", dsl, m.hist.res.Total, want)
	}
	ids := scanIDs(t, m.ctx.Engine, dsl, len(m.tbl.rows))
	if len(ids) != len(m.tbl.rows) {
		t.Fatalf("%s: %d rows held, engine has %d", dsl, len(m.tbl.rows), len(ids))
	}
	for i, id := range ids {
		if m.tbl.rows[i].EventID != id {
			t.Fatalf("%s: row %d is %s, want %s", dsl, i, m.tbl.rows[i].EventID, id)
		}
	}
}

func TestFieldsPanelListsCatalog(t *testing.T) {
	eng := newEngine(t)
	cat, err := eng.Fields(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	total := count(t, eng, "")
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			s := startSession(t, newContext(eng), sz.w, sz.h)
			s.send(keyRune('F'))
			s.settle()
			requireGolden(t, s.view())
			var fields []fieldRow
			var side bool
			s.probe(func(m *Model) { fields = m.fp.fields; _, side = panelWidth(m.fp.fullW) })
			// Every catalog field is listed with the catalog's numbers.
			for _, f := range cat.Fields() {
				i := slices.IndexFunc(fields, func(r fieldRow) bool { return r.path == f.Path })
				if i < 0 {
					t.Fatalf("%s is not listed", f.Path)
				}
				if r := fields[i]; r.rows != f.Rows || r.distinct != f.Distinct || r.types != strings.Join(f.Types, ",") {
					t.Fatalf("%s listed as %+v, catalog %+v", f.Path, r, f)
				}
			}
			view := s.view()
			// The list is in path order from the top: client_ip first.
			if !strings.Contains(view, "> client_ip") || !strings.Contains(view, fmt.Sprintf("coverage of all %d events", total)) {
				t.Fatalf("the panel does not start with client_ip and its coverage basis:\n%s", view)
			}
			// extra.auth.auth_type: 305 of the 306 events.
			if l := lineWith(view, "extra.auth.auth_type"); !strings.Contains(l, coverageText(305, total)) || coverageText(305, total) != "99%" {
				t.Fatalf("auth_type line %q", l)
			}
			// Wide: beside the table; narrow: over it.
			if side != strings.Contains(view, "TIME (UTC)") || side != (sz.w >= 120) {
				t.Fatalf("side %v at %d columns:\n%s", side, sz.w, view)
			}
			// The footer's help names the panel's keys (in full when wide).
			if scr := s.screen(); sz.w >= 200 && (!strings.Contains(scr, "enter top values") || !strings.Contains(scr, "/ search")) {
				t.Fatalf("help:\n%s", scr)
			}
			// Typing filters the list; esc clears the search, esc again closes.
			s.send(keyRune('/'))
			s.typeText("extra.mfa")
			s.settle()
			var shown []string
			s.probe(func(m *Model) {
				for _, i := range m.fp.shown {
					shown = append(shown, m.fp.fields[i].path)
				}
			})
			if !slices.Equal(shown, []string{"extra.mfa.denials", "extra.mfa.method", "extra.mfa.result"}) {
				t.Fatalf("search mfa lists %q", shown)
			}
			s.send(keyEsc, keyEsc)
			s.settle()
			var mode mode
			var w int
			s.probe(func(m *Model) { mode, w = m.mode, m.width })
			if mode != modeTable || w != sz.w {
				t.Fatalf("esc left mode %v, table width %d", mode, w)
			}
			if sz.w >= 200 && !strings.Contains(s.screen(), "F fields") {
				t.Fatalf("the table's help does not name F:\n%s", s.screen())
			}
		})
	}
}

func lineWith(screen, sub string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// aggKey names a value by its kind and what it displays: the store gives a
// boolean no text of its own.
func aggKey(v core.AggValue) string { return fmt.Sprint(v.Missing, v.Kind, v.Display()) }

// bruteTop counts the values of path over the events of dsl by reading
// every event's JSON: each distinct leaf an event has at the path (through
// arrays) counts once, an event with none counts as missing.
func bruteTop(t *testing.T, eng *core.Engine, dsl, path string) (map[string]int64, int64) {
	t.Helper()
	f, err := query.ParseDSL(dsl)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	var rows int64
	var p fastjson.Parser
	_, err = eng.Scan(context.Background(), core.QuerySpec{Filter: f, WithRaw: true}, func(a *core.Activity) error {
		v, err := p.ParseBytes(a.Raw)
		if err != nil {
			return err
		}
		rows++
		seen := map[string]bool{}
		var walk func(v *fastjson.Value, segs []string)
		walk = func(v *fastjson.Value, segs []string) {
			switch {
			case v == nil:
			case v.Type() == fastjson.TypeArray:
				a, _ := v.Array()
				for _, e := range a {
					walk(e, segs)
				}
			case len(segs) > 0:
				walk(v.Get(segs[0]), segs[1:])
			case v.Type() == fastjson.TypeString:
				seen[aggKey(core.AggValue{Kind: query.LeafString, Text: string(v.GetStringBytes())})] = true
			case v.Type() == fastjson.TypeNumber:
				seen[aggKey(core.AggValue{Kind: query.LeafNumber, Text: v.String()})] = true
			case v.Type() == fastjson.TypeTrue:
				seen[aggKey(core.AggValue{Kind: query.LeafTrue})] = true
			case v.Type() == fastjson.TypeFalse:
				seen[aggKey(core.AggValue{Kind: query.LeafFalse})] = true
			}
		}
		walk(v, strings.Split(path, "."))
		if len(seen) == 0 {
			counts[aggKey(core.AggValue{Missing: true})]++
		}
		for k := range seen {
			counts[k]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return counts, rows
}

func TestFieldsPanelTopValuesBruteForce(t *testing.T) {
	eng := newEngine(t)
	m := newModel(newContext(eng), 200, 60)
	press(m, keyRune('f')) // failed only: the panel reads the view's filter
	for _, path := range []string{"raw.actor.email", "client_location.city", "raw.ExtendedProperties.Name", "client_location.lat", "extra.auth.is_suspicious"} {
		if m.mode == modeFields {
			press(m, keyEsc)
			press(m, keyEsc)
		}
		openPanelOn(t, m, path)
		brute, rows := bruteTop(t, eng, m.eff.String(), path)
		res := m.fp.vres
		if res.Rows != rows || rows == 0 {
			t.Fatalf("%s: %d rows, brute force %d", path, res.Rows, rows)
		}
		var want []int64
		for _, n := range brute {
			want = append(want, n)
		}
		slices.Sort(want)
		slices.Reverse(want)
		var got []int64
		for _, g := range res.Groups {
			if n := brute[aggKey(g.Key[0])]; n != g.Count {
				t.Fatalf("%s: %v counted %d, brute force %d", path, g.Key[0], g.Count, n)
			}
			got = append(got, g.Count)
		}
		top := want[:min(fieldsTop, len(want))]
		if !slices.Equal(got, top) {
			t.Fatalf("%s: top counts %v, brute force %v", path, got, top)
		}
		var other int64
		for _, n := range want[len(top):] {
			other += n
		}
		if res.OtherCount != other || res.OtherGroups != int64(len(want)-len(top)) {
			t.Fatalf("%s: other %d in %d groups, brute force %d in %d", path, res.OtherCount, res.OtherGroups, other, len(want)-len(top))
		}
		// The panel draws each count with its share.
		view := m.View()
		for _, g := range res.Groups {
			pct := percentText(float64(g.Count) / float64(rows))
			if !strings.Contains(view, fmt.Sprintf("%s %6s", thousands(g.Count), pct)) {
				t.Fatalf("%s: no line with %d (%s):\n%s", path, g.Count, pct, view)
			}
		}
	}
}

func TestFieldsPanelFilterForAndAgainst(t *testing.T) {
	eng := newEngine(t)
	m := newModel(newContext(eng), 200, 60)
	m.debounce = time.Millisecond // the input's preview ticks run in drive
	// A filter typed first stays, and the term is added after it.
	press(m, keyRune('/'))
	for _, r := range "event_category.eq(auth)" {
		press(m, keyRune(r))
	}
	press(m, keyEnter)
	openPanelOn(t, m, "event_type")
	moveToValue(t, m, "login")
	press(m, keyEnter)
	if m.filterText != "event_category.eq(auth),event_type.eq(login)" || m.mode != modeFields {
		t.Fatalf("enter: filter %q, mode %v", m.filterText, m.mode)
	}
	checkTable(t, m, "event_category.eq(auth),event_type.eq(login)")
	if !strings.Contains(m.filterBar(), "event_category.eq(auth),event_type.eq(login)") {
		t.Fatalf("filter bar %q", m.filterBar())
	}
	// The values follow the table: read again for the new filter and pin.
	if m.fp.want != m.currentValuesKey("event_type") || m.fp.vres.Rows != m.hist.res.Total {
		t.Fatalf("the values were not read again: %+v rows %d", m.fp.want, m.fp.vres.Rows)
	}
	// - on the same value turns the term round rather than adding one.
	moveToValue(t, m, "login")
	press(m, keyRune('-'))
	checkTable(t, m, "event_category.eq(auth),!event_type.eq(login)")
	// + adds another term for a value of another field.
	press(m, keyEsc)
	press(m, keyEsc)
	openPanelOn(t, m, "client_location.country.code")
	l := m.valueLines()[0]
	press(m, keyRune('+'))
	checkTable(t, m, "event_category.eq(auth),!event_type.eq(login),client_location.country.code.eq("+l.val.Text+")")
	if h := m.History(); len(h) == 0 || h[0] != m.filterText {
		t.Fatalf("history %q, filter %q", h, m.filterText)
	}
}

func TestFieldsPanelMissingAndOther(t *testing.T) {
	eng := newEngine(t)
	m := newModel(newContext(eng), 200, 60)
	openPanelOn(t, m, "raw.actor.email")
	l := moveToValue(t, m, "(missing)")
	press(m, keyEnter)
	checkTable(t, m, "raw.actor.email.isnull()")
	if m.hist.res.Total != l.count || l.count != 306-228 {
		t.Fatalf("%d events lack raw.actor.email, the panel said %d, want 78", m.hist.res.Total, l.count)
	}
	press(m, keyRune('-'))
	checkTable(t, m, "!raw.actor.email.isnull()")
	// The empty string, which the DSL has no argument for: lt(%00)
	// selects exactly the events the panel counted.
	press(m, keyEsc)
	press(m, keyEsc)
	openPanelOn(t, m, "extra.auth.auth_type")
	l = moveToValue(t, m, "")
	press(m, keyEnter)
	checkTable(t, m, "!raw.actor.email.isnull(),extra.auth.auth_type.lt(%00)")
	if m.hist.res.Total != l.count {
		t.Fatalf("the panel counted %d empty auth types, the table shows %d", l.count, m.hist.res.Total)
	}
	press(m, keyRune('-'))
	checkTable(t, m, "!raw.actor.email.isnull(),!extra.auth.auth_type.lt(%00)")
	// "other" is many values: the filter stays.
	press(m, keyEsc)
	press(m, keyEsc)
	openPanelOn(t, m, "raw.actor.email")
	ls := m.valueLines()
	if !ls[len(ls)-1].other {
		t.Fatalf("no other line: %+v", ls)
	}
	press(m, keyEnd)
	before := m.filterText
	press(m, keyEnter)
	if m.filterText != before {
		t.Fatalf("enter on other changed the filter to %q", m.filterText)
	}
}

// awkwardValues are values the DSL's own syntax would misread, written raw.
var awkwardValues = []string{
	"a,b", "f(x)", "close)", "50% off", " lead and trail ", `say "hi"`, "back\\slash",
	"tab\there", "new\nline", "!bang", "x.eq(y)", "%41", "ünïcode ✓", "\x1b[31mred", "semi;colon", "@name",
}

func TestValueTermRoundTrip(t *testing.T) {
	for _, v := range awkwardValues {
		for _, neg := range []bool{false, true} {
			term, err := valueTerm("raw.note", core.AggValue{Kind: query.LeafString, Text: v}, neg)
			if err != nil {
				t.Fatal(err)
			}
			f, err := query.ParseDSL(term.String())
			if err != nil {
				t.Fatalf("%q renders as %q, which does not parse: %v", v, term.String(), err)
			}
			if len(f.Terms) != 1 || !f.Terms[0].Equal(term) || f.Terms[0].Args[0] != v {
				t.Fatalf("%q renders as %q, which parses to %#v", v, term.String(), f)
			}
		}
	}
	if _, err := valueTerm("raw.bad key", core.AggValue{Kind: query.LeafString, Text: "x"}, false); err == nil {
		t.Fatal("a field the DSL cannot name was accepted")
	}
	if term, err := valueTerm("raw.e", core.AggValue{Kind: query.LeafString}, true); err != nil || term.String() != "!raw.e.lt(%00)" {
		t.Fatalf("against the empty string: %v %v", term, err)
	}
}

// TestFieldsPanelAwkwardValues filters for each awkward value (one event
// each), then against it, which brings the next value into the top list,
// until every value was filtered out: each round trip through the filter
// text must select exactly its event.
func TestFieldsPanelAwkwardValues(t *testing.T) {
	var extra strings.Builder
	for i, v := range awkwardValues {
		note, _ := json.Marshal(v)
		fmt.Fprintf(&extra, `{"event_id":"awk-%d","event_type":"other","created_at":"2026-10-15T10:00:%02dZ","raw":{"note":%s}}`+"\n", i, i, note)
	}
	eng := newEngine(t, extra.String())
	m := newModel(newContext(eng), 200, 60)
	openPanelOn(t, m, "raw.note")
	moveToValue(t, m, "(missing)")
	press(m, keyRune('-')) // only the events having a note
	checkTable(t, m, "!raw.note.isnull()")
	var done []string
	for len(done) < len(awkwardValues) {
		requireSafe(t, "the panel", m.View()) // control characters drawn as escapes
		l := m.valueLines()[0]
		if l.other || l.val.Missing {
			t.Fatalf("after %d values the top line is %+v", len(done), l)
		}
		v := l.val.Text
		press(m, keyHome)
		press(m, keyEnter)
		last := m.userFilter.Terms[len(m.userFilter.Terms)-1]
		if last.Negate || last.Args[0] != v {
			t.Fatalf("%q: filter %q parses to %#v", v, m.filterText, last)
		}
		checkTable(t, m, m.filterText)
		if m.hist.res.Total != 1 || !strings.HasPrefix(m.tbl.rows[0].EventID, "awk-") {
			t.Fatalf("%q: %d events, want its one", v, m.hist.res.Total)
		}
		press(m, keyRune('-'))
		last = m.userFilter.Terms[len(m.userFilter.Terms)-1]
		if !last.Negate || last.Args[0] != v {
			t.Fatalf("%q: against: filter %q parses to %#v", v, m.filterText, last)
		}
		done = append(done, v)
		if want := int64(len(awkwardValues) - len(done)); m.hist.res.Total != want {
			t.Fatalf("after %d values out, %d events, want %d (filter %q)", len(done), m.hist.res.Total, want, m.filterText)
		}
	}
	slices.Sort(done)
	want := slices.Clone(awkwardValues)
	slices.Sort(want)
	if !slices.Equal(done, want) {
		t.Fatalf("filtered %q, want %q", done, want)
	}
}

func TestFieldsPanelStaleResultDropped(t *testing.T) {
	eng := newEngine(t)
	m := newModel(newContext(eng), 200, 60)
	openPanelOn(t, m, "event_type")
	good := m.fp.vres
	// A result for an earlier request, and one for another filter.
	stale := core.AggregateResult{Rows: 999, Groups: []core.AggGroup{{Key: []core.AggValue{{Kind: query.LeafString, Text: "stale"}}, Count: 999}}}
	m.inflight += 2
	m.Update(fieldValuesMsg{seq: m.fp.vseq - 1, key: m.fp.want, res: stale})
	other := m.fp.want
	other.filter = "event_type.eq(login)"
	m.Update(fieldValuesMsg{seq: m.fp.vseq, key: other, res: stale})
	if m.fp.vres.Rows != good.Rows || strings.Contains(m.View(), "stale") || m.inflight != 0 {
		t.Fatalf("a stale result was shown: %+v", m.fp.vres)
	}
	// Choosing another field while a read is in flight drops the first.
	press(m, keyEsc)
	_, first := m.Update(keyEnter) // event_type's read, not run yet
	press(m, keyEsc)
	press(m, keyRune('/'))
	press(m, keyEsc) // the search cleared, the cursor stays on event_type
	press(m, keyDown)
	next := m.fp.fields[m.fp.shown[m.fp.cur]].path
	press(m, keyEnter)
	drive(m, first)
	if m.fp.want.field != next || next == "event_type" || m.fp.verr != nil || !m.fp.have {
		t.Fatalf("showing %s (err %v), want %s", m.fp.want.field, m.fp.verr, next)
	}
	for _, l := range m.valueLines() {
		if l.val.Text == "login" {
			t.Fatalf("event_type's late result replaced %s's: %+v", next, m.valueLines())
		}
	}
	// A stale catalog read is dropped too.
	m.inflight++
	m.Update(fieldsCatalogMsg{seq: m.fp.seq - 1, err: fmt.Errorf("stale")})
	if m.fp.err != nil {
		t.Fatal("a stale catalog result was taken")
	}
}

func TestDetailFilterForAndAgainst(t *testing.T) {
	eng := newEngine(t)
	m := newModel(newContext(eng), 120, 40)
	press(m, keyEnter)
	if m.mode != modeDetail {
		t.Fatal("no detail")
	}
	// The cursor starts on the first value.
	m.detailLines()
	if m.det.leaves[m.det.cur].Path != "event_id" {
		t.Fatalf("cursor on %+v", m.det.leaves[m.det.cur])
	}
	toLine := func(path string) components.JSONLeaf {
		t.Helper()
		for m.det.cur < len(m.det.leaves)-1 && m.det.leaves[m.det.cur].Path != path {
			press(m, keyDown)
		}
		l := m.det.leaves[m.det.cur]
		if l.Path != path {
			t.Fatalf("no line of %s in the detail", path)
		}
		if v := m.View(); !strings.Contains(lineWith(v, "> "), path[strings.LastIndexByte(path, '.')+1:]) {
			t.Fatalf("the cursor line is not drawn on %s:\n%s", path, v)
		}
		return l
	}
	l := toLine("event_type")
	press(m, keyRune('+'))
	if m.mode != modeTable {
		t.Fatal("+ did not go back to the table")
	}
	checkTable(t, m, "event_type.eq("+l.Value+")")
	// An element of an array: the path without its index, against.
	id := scanIDs(t, eng, "!raw.ExtendedProperties.Name.isnull()", 1)
	if len(id) == 0 {
		t.Fatal("the fixture has no such event")
	}
	drive(m, m.openDetail(id[0]))
	press(m, keyRune('o')) // raw unfolded
	el := toLine("raw.ExtendedProperties.Name")
	press(m, keyRune('-'))
	checkTable(t, m, "event_type.eq("+l.Value+"),!raw.ExtendedProperties.Name.eq("+el.Value+")")
	// A line without a value (a brace) changes nothing.
	drive(m, m.openDetail(m.tbl.rows[0].EventID))
	press(m, keyHome)
	before := m.filterText
	press(m, keyRune('+'))
	if m.filterText != before || m.mode != modeDetail {
		t.Fatalf("+ on a brace: filter %q, mode %v", m.filterText, m.mode)
	}
	// The other detail keys still work: esc back.
	press(m, keyEsc)
	if m.mode != modeTable {
		t.Fatal("esc did not leave the detail")
	}
}

// TestFieldsPanelOnSavedFilter: a term added to a saved filter makes an
// ad hoc filter of its text plus the term (the saved one is unchanged).
func TestFieldsPanelOnSavedFilter(t *testing.T) {
	eng := newEngine(t)
	ctx := newContext(eng)
	ctx.SavedFilters = []tui.SavedFilter{{Name: "Failed logins", Filter: "event_type.eq(login),operation_successful.eq(false)"}}
	m := New(ctx)
	m.SetSize(200, 40)
	m.debounce = time.Millisecond
	drive(m, m.reset())
	press(m, keyRune('/'))
	for _, r := range "@Failed logins" {
		press(m, keyRune(r))
	}
	press(m, keyEnter)
	if m.filterName != "Failed logins" {
		t.Fatalf("saved filter not applied: %q", m.filterName)
	}
	openPanelOn(t, m, "client_location.country.code")
	l := m.valueLines()[0]
	press(m, keyRune('+'))
	want := "event_type.eq(login),operation_successful.eq(false),client_location.country.code.eq(" + l.val.Text + ")"
	if m.filterName != "" || m.filterText != want {
		t.Fatalf("filter @%q %q, want %q", m.filterName, m.filterText, want)
	}
	checkTable(t, m, want)
	if m.hist.res.Total != l.count {
		t.Fatalf("the panel counted %d failed logins from %s, the table %d", l.count, l.val.Text, m.hist.res.Total)
	}
}

// TestFieldsPanelResize: the panel goes over the table when the terminal
// narrows and beside it again when it widens; the table gets what is left.
func TestFieldsPanelResize(t *testing.T) {
	eng := newEngine(t)
	m := newModel(newContext(eng), 160, 40)
	press(m, keyRune('F'))
	pw, side := panelWidth(160)
	if !side || m.width != 160-pw-1 {
		t.Fatalf("beside: table width %d, panel %d", m.width, pw)
	}
	checkWidths := func(w int) {
		t.Helper()
		for i, l := range strings.Split(m.View(), "\n") {
			if lw := lipglossWidth(l); lw > w {
				t.Fatalf("line %d is %d wide at %d columns: %q", i, lw, w, l)
			}
		}
	}
	checkWidths(160)
	m.Update(tea.WindowSizeMsg{Width: 90, Height: 30})
	if _, side := panelWidth(90); side || m.width != 90 || strings.Contains(m.View(), "TIME (UTC)") {
		t.Fatalf("at 90 columns the panel is not over the table (table width %d)", m.width)
	}
	checkWidths(90)
	if n := strings.Count(m.View(), "\n") + 1; n != 30 {
		t.Fatalf("the view has %d lines at 30 rows", n)
	}
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
	if m.width != 160-pw-1 || !strings.Contains(m.View(), "TIME (UTC)") {
		t.Fatalf("at 160 columns again: table width %d", m.width)
	}
	press(m, keyEsc)
	if m.mode != modeTable || m.width != 160 {
		t.Fatalf("closed: mode %v, table width %d", m.mode, m.width)
	}
}
