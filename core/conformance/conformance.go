// Package conformance is the behaviour every core.Store backend must show,
// checked against a brute-force evaluation of the repository's fixture
// events (testdata/activities.ndjson and the seed's example page). A
// backend's own tests call Run with a constructor of empty stores; the suite
// drives the backend only through core.Engine and the core interfaces, so
// it imports no backend.
//
// The suite ingests the fixture in shuffled, overlapping batches, replaces
// one event with a changed version, triages a few events, and then, for
// every filter in its table (written in the DSL, the JSON filter, and the
// Cloudlock and HSS URL parameters), compares with the brute force:
// counts, ids in the default and in other orders, cursor paging at several
// page sizes, offset paging, scans from a row's key forward and backward
// and the count before it (with created_at ties), histograms, aggregations
// (groups, top-N and other, distinct, sum, avg, min, max and time buckets
// against a brute force; a bounded group table), a snapshot pinned before the
// update, and (when the backend can reopen its data) all of it again after
// a reopen.
//
// # Ordering contract
//
// Rows come in the requested order (query.Order: each key ascending or
// descending), then by created_at descending, then by event_id descending
// (byte order), so every order is total and pages never tie. The one
// exception is an order of created_at ascending alone, oldest first: it is
// the default order read backwards, so its ties go by event_id ascending
// (what a page read backwards from a cursor needs). Within one
// order key, values sort by kind first: missing < bool < number < time <
// string (false < true; numbers and times numerically; strings by bytes),
// and a descending key reverses all of it. created_at and triage.at compare
// as times; an untriaged event's triage.state is "new".
//
// Bounds: created_at.ge/le ($gte/$lte; HSS begin_time and end_time) are
// inclusive, gt/lt ($gt/$lt; Cloudlock created_after) exclusive. A page cursor is an
// exclusive bound: the next page starts strictly after the last row
// returned, so paging at any page size yields exactly the unpaged rows,
// none repeated or skipped; Offset skips rows after the cursor. A cursor is
// returned only when a full page stopped early. A scan from a row's key
// (ScanRequest.From) bounds like a cursor, exclusive unless FromInclusive;
// a backward scan yields the rows before that bound, nearest first, and
// CountBefore is the number of rows before a key. Histogram buckets are equal,
// half-open slices [lo+k·w, lo+(k+1)·w) of a half-open window [lo, hi).
//
// Filters may name any field the stored events have, top-level ones no
// schema declares too ("tags"): the backend's field catalog (Fields) lists
// every leaf path with the events having it (a replaced event may count
// twice), an approximate distinct count and the created_at range; the suite
// checks it against the brute force too. Filters on unknown top-level fields
// (risk_score, tags, custom.tenant) are held to the oracle when
// Backend.UnknownTopLevel is set.
package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// Now is the engine clock of the suite (relative times in filters resolve
// against it); the fixture ends here.
var Now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// Backend is a store implementation under test.
type Backend struct {
	// Open returns a new, empty store in its own place, closed by the
	// backend's test cleanup.
	Open func(t *testing.T) core.Store
	// Reopen closes s and opens the same data again. Nil leaves out the
	// checks after a reopen (for a backend without durable data).
	Reopen func(t *testing.T, s core.Store) core.Store
	// UnknownTopLevel says the backend (with the engine's field catalog)
	// filters on top-level fields the schema does not name (custom.tenant,
	// risk_score, tags). False: the suite checks that such filters are still
	// rejected, as they are today, and fails once they compile.
	UnknownTopLevel bool
}

// Run checks the backend against the brute force. Backends should make
// their blocks, pages or parts small (tens of rows) so the fixture's few
// hundred events cross many of them.
func Run(t *testing.T, b Backend) {
	if b.Open == nil {
		t.Fatal("conformance: Backend.Open is nil")
	}
	ctx := context.Background()
	lines := FixtureLines(t)
	lines = append(lines, SeedItems(t)...)
	s := b.Open(t)
	eng := newEngine(s)
	// Shuffled batches, so stored blocks overlap in time and queries merge
	// across them and across chunk boundaries.
	shuffled := slices.Clone(lines)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for lo := 0; lo < len(shuffled); lo += 37 {
		batch := shuffled[lo:min(lo+37, len(shuffled))]
		ingest(t, eng, JoinLines(batch), core.IngestOptions{BatchSize: 20})
	}

	id := func(i int) string {
		var m struct {
			EventID string `json:"event_id"`
		}
		json.Unmarshal(lines[i], &m)
		return m.EventID
	}
	ip := func(i int) string {
		var m struct {
			ClientIP string `json:"client_ip"`
		}
		json.Unmarshal(lines[i], &m)
		return m.ClientIP
	}
	triage := map[string]core.Triage{}
	set := func(state core.TriageState, note string, ids ...string) {
		res, err := eng.Triage(ctx, core.TriageRequest{Actor: "alice", State: state, Note: note}, ids)
		if err != nil || len(res.Unknown) > 0 {
			t.Fatalf("triage: %v %v", err, res.Unknown)
		}
		for _, id := range ids {
			triage[id] = core.Triage{State: state, Note: note, By: "alice", At: Now}
		}
	}
	set(core.StateEscalated, "possible phishing", id(3), id(40), id(41))
	set(core.StateReviewed, "", id(7))
	set(core.StateDismissed, "benign VPN", id(100), id(200))
	pin := s.Pin()
	pinned := newOracle(t, lines, triage)

	// An update after the pin: the same id with changed content replaces
	// the old event (the pinned snapshot still shows the old one).
	updated := strings.Replace(string(lines[5]), `"operation_successful":true`, `"operation_successful":false`, 1)
	updated = strings.Replace(updated, `"raw":{`, `"raw":{"updated_by_test":true,`, 1)
	ingest(t, eng, []byte(updated+"\n"), core.IngestOptions{})
	lines = append(lines, []byte(updated))
	o := newOracle(t, lines, triage)

	cases := filterCases(t, id, ip)
	orders := []string{"", "created_at", "user.user_email", "!client_location.country.code,event_type", "client_location.lat", "triage.state,!created_at", "!raw.kind"}
	orderOf := func(ci int) []query.Order {
		var out []query.Order
		// Every case in the default order; a rotating other order too.
		other := orders[ci%len(orders)]
		if cases[ci].order != "" {
			other = cases[ci].order
		}
		for _, os := range []string{"", other} {
			order, err := query.ParseOrder(os)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, order)
		}
		return out
	}

	t.Run("queries", func(t *testing.T) {
		nonEmpty := 0
		for ci, tc := range cases {
			c := compile(t, eng, tc)
			for _, order := range orderOf(ci) {
				want := o.run(c, order)
				if len(want) > 0 {
					nonEmpty++
				}
				checkCount(t, eng, tc, len(want))
				for _, page := range []int{1, 7, 500} {
					got := pagedIDs(t, eng, tc.filter, order, page)
					if !slices.Equal(got, want) {
						t.Errorf("%s order %q page %d:\n got  %d %v\n want %d %v", tc.name, order, page, len(got), head(got), len(want), head(want))
					}
				}
				for _, off := range []int{0, 3, len(want) - 1, len(want) + 2} {
					if off < 0 {
						continue
					}
					p, err := eng.Query(ctx, core.QuerySpec{Filter: tc.filter, Order: order, Limit: 5, Offset: off})
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					for _, a := range p.Items {
						got = append(got, a.EventID)
					}
					exp := want[min(off, len(want)):min(off+5, len(want))]
					if !slices.Equal(got, exp) {
						t.Errorf("%s order %q offset %d: got %v want %v", tc.name, order, off, got, exp)
					}
				}
			}
		}
		if nonEmpty < len(cases) {
			t.Logf("%d of %d case runs had matches", nonEmpty, 2*len(cases))
		}
		if nonEmpty < len(cases)*3/2 {
			t.Errorf("too many filters match nothing (%d non-empty runs of %d): the table does not test much", nonEmpty, 2*len(cases))
		}
	})

	t.Run("histograms", func(t *testing.T) {
		const buckets = 24
		st := s.Stats()
		lo := st.OldestEvent.UnixNano()
		// A window that divides into equal buckets exactly, so the
		// brute force need not know how a backend rounds a bucket's width.
		span := st.NewestEvent.UnixNano() + 1 - lo
		span += (buckets - span%buckets) % buckets
		hi := lo + span
		if o.minTime() != lo || o.maxTime() >= hi {
			t.Fatalf("stats time range [%v, %v] does not hold the fixture's [%v, %v]", st.OldestEvent, st.NewestEvent, time.Unix(0, o.minTime()).UTC(), time.Unix(0, o.maxTime()).UTC())
		}
		for _, tc := range cases {
			c := compile(t, eng, tc)
			want := make([]int64, buckets)
			for _, e := range o.matches(c) {
				want[(e.t-lo)*buckets/span]++
			}
			got := make([]int64, buckets)
			if err := s.Histogram(ctx, c, lo, hi, got); err != nil {
				t.Fatalf("%s: histogram: %v", tc.name, err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: histogram\n got  %v\n want %v", tc.name, got, want)
			}
			h, err := eng.Histogram(ctx, tc.filter, buckets)
			if err != nil {
				t.Fatalf("%s: engine histogram: %v", tc.name, err)
			}
			if n := int64(len(o.matches(c))); h.Total != n || (n > 0 && len(h.Counts) != buckets) {
				t.Errorf("%s: engine histogram total %d in %d buckets, brute force %d", tc.name, h.Total, len(h.Counts), n)
			}
		}
	})

	t.Run("pinned snapshot", func(t *testing.T) {
		// Tasks keep the pin in their JSON documents: it must come back
		// from its encoding as the same pin.
		b, err := json.Marshal(pin)
		if err != nil || len(b) == 0 || b[0] != '"' {
			t.Fatalf("pin encodes as %s, %v; want a JSON string", b, err)
		}
		var back core.Pin
		if err := json.Unmarshal(b, &back); err != nil || back != pin {
			t.Fatalf("pin %s decodes as %q, %v", b, back, err)
		}
		if pin == s.Pin() {
			t.Fatalf("the pin did not change with a commit: %q", pin)
		}
		cur := s.SnapshotAt(core.Pin{})
		all := compile(t, eng, filterCase{name: "all"})
		if n, err := cur.Count(ctx, all); err != nil || n != int64(len(o.events)) {
			t.Errorf("SnapshotAt of the zero pin counts %d, %v; want the current %d", n, err, len(o.events))
		}
		cur.Close()
		snap := s.SnapshotAt(back)
		defer snap.Close()
		for ci, tc := range cases {
			c := compile(t, eng, tc)
			order := orderOf(ci)[1]
			want := pinned.run(c, order)
			n, err := snap.Count(ctx, c)
			if err != nil {
				t.Fatalf("%s: pinned count: %v", tc.name, err)
			}
			if n != int64(len(want)) {
				t.Errorf("%s: pinned count %d, brute force at the pin %d", tc.name, n, len(want))
			}
			var got []string
			if _, err := snap.Scan(ctx, core.ScanRequest{Filter: c, Order: order}, func(a *core.Activity) error {
				got = append(got, a.EventID)
				return nil
			}); err != nil {
				t.Fatalf("%s: pinned scan: %v", tc.name, err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s order %q pinned:\n got  %d %v\n want %d %v", tc.name, order, len(got), head(got), len(want), head(want))
			}
		}
	})

	if b.Reopen != nil {
		// Reopened under the suite's t, not a subtest's: the store must
		// outlive the subtest.
		s = b.Reopen(t, s)
		eng = newEngine(s)
		t.Run("after reopen", func(t *testing.T) {
			for ci, tc := range cases {
				c := compile(t, eng, tc)
				for _, order := range orderOf(ci) {
					want := o.run(c, order)
					checkCount(t, eng, tc, len(want))
					if got := pagedIDs(t, eng, tc.filter, order, 500); !slices.Equal(got, want) {
						t.Errorf("%s order %q after reopen:\n got  %d %v\n want %d %v", tc.name, order, len(got), head(got), len(want), head(want))
					}
				}
			}
		})
	}

	t.Run("aggregations", func(t *testing.T) {
		ao := newAggOracle(t, lines, triage)
		checkAggregates(t, func(_ *query.Compiled, req core.AggregateRequest) (core.AggregateResult, error) {
			return s.Aggregate(ctx, req)
		}, o, ao, eng, cases)
		// On the pinned snapshot: the event as it was before the update.
		snap := s.SnapshotAt(pin)
		defer snap.Close()
		checkAggregates(t, func(_ *query.Compiled, req core.AggregateRequest) (core.AggregateResult, error) {
			return snap.Aggregate(ctx, req)
		}, pinned, newAggOracle(t, lines[:len(lines)-1], triage), eng, cases)
		// The engine at the pin: the replaced event as it was (one more
		// successful login than now).
		stats := func(p core.Pin) core.AggregateResult {
			res, err := eng.Aggregate(ctx, core.StatsQuery{By: []core.GroupBy{{Field: "operation_successful"}}, Pin: p})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		successes := func(r core.AggregateResult) int64 {
			for _, g := range r.Groups {
				if g.Key[0].Kind == query.LeafTrue {
					return g.Count
				}
			}
			return 0
		}
		if then, now := successes(stats(pin)), successes(stats(core.Pin{})); then != now+1 {
			t.Errorf("engine aggregate at the pin: %d successes, now %d; want one more at the pin", then, now)
		}
		checkBoundedGroups(t, eng, ao)
		checkAggregateErrors(t, eng)
	})

	// Shapes the fixture lacks (nested fields, arrays of objects, numbers in
	// unusual text, escapes, sparse fields, full text) in a store of their own.
	t.Run("fields", func(t *testing.T) { runFields(t, b) })
	t.Run("field catalog", func(t *testing.T) { checkCatalog(t, s, lines) })

	// The fixture has no two events at the same created_at, so only these
	// copies reach the event_id tiebreak of the ordering contract.
	t.Run("created_at ties", func(t *testing.T) {
		ties := tiedCopies(t, lines, 20, 150, 250)
		ingest(t, eng, JoinLines(ties), core.IngestOptions{})
		o := newOracle(t, append(slices.Clone(lines), ties...), triage)
		for ci, tc := range cases {
			c := compile(t, eng, tc)
			for _, order := range orderOf(ci) {
				want := o.run(c, order)
				checkCount(t, eng, tc, len(want))
				// Pages of one row put a cursor between tied rows; on
				// small results only, to keep the suite quick.
				pages := []int{500}
				if len(want) <= 60 {
					pages = append(pages, 1)
				}
				for _, page := range pages {
					if got := pagedIDs(t, eng, tc.filter, order, page); !slices.Equal(got, want) {
						t.Errorf("%s order %q page %d with ties:\n got  %d %v\n want %d %v", tc.name, order, page, len(got), head(got), len(want), head(want))
					}
				}
			}
			// Positions depend on the order, not on the filter's kind: a
			// third of the table is enough, always the unfiltered case.
			if ci%3 == 0 {
				for _, order := range []query.Order{nil, {{Field: "created_at"}}} {
					checkPositions(t, eng, o, tc, order, o.run(c, order))
				}
			}
		}
		checkCursorErrors(t, eng)

		// Ingest counted each event id once, when it first came (core's
		// rule; the backend keeps what core hands it, with the batch):
		// not the replays of the overlapping batches, not the update.
		rows, err := s.Consumption(ctx, time.Unix(0, 0), Now.Add(48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var events, bytes int64
		for _, r := range rows {
			events += r.Events
			bytes += r.Bytes
		}
		if n := int64(len(o.events)); events != n || bytes == 0 {
			t.Errorf("consumption counts %d events (%d bytes), want %d: one per event id", events, bytes, n)
		}
	})
}

// tiedCopies returns copies of the given fixture lines under new event ids
// that sort before and after the original's, so groups of events share a
// created_at and only the event_id tiebreak orders them.
func tiedCopies(t *testing.T, lines [][]byte, at ...int) [][]byte {
	t.Helper()
	var out [][]byte
	for _, i := range at {
		var m map[string]any
		if err := json.Unmarshal(lines[i], &m); err != nil {
			t.Fatalf("fixture line %d: %v", i, err)
		}
		orig := m["event_id"].(string)
		for _, id := range []string{orig + "~tie", orig[:len(orig)-1], "0tie:" + orig} {
			m["event_id"] = id
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

func newEngine(s core.Store) *core.Engine {
	return core.NewEngine(s, s, core.WithClock(func() time.Time { return Now }))
}

func ingest(t *testing.T, eng *core.Engine, data []byte, opts core.IngestOptions) {
	t.Helper()
	if _, err := eng.Ingest(context.Background(), bytes.NewReader(data), opts); err != nil {
		t.Fatalf("ingest: %v", err)
	}
}

func compile(t *testing.T, eng *core.Engine, tc filterCase) *query.Compiled {
	t.Helper()
	c, err := eng.Compile(tc.filter)
	if err != nil {
		t.Fatalf("%s: compile: %v", tc.name, err)
	}
	return c
}

func checkCount(t *testing.T, eng *core.Engine, tc filterCase, want int) {
	t.Helper()
	n, err := eng.Count(context.Background(), tc.filter)
	if err != nil {
		t.Fatalf("%s: count: %v", tc.name, err)
	}
	if n != int64(want) {
		t.Errorf("%s: count %d, brute force %d", tc.name, n, want)
	}
}

// pagedIDs pages through a query with the given page size and returns the ids in order.
func pagedIDs(t *testing.T, eng *core.Engine, f query.Filter, order query.Order, page int) []string {
	t.Helper()
	var out []string
	cursor := ""
	for i := 0; ; i++ {
		if i > 10000 {
			t.Fatal("paging does not end")
		}
		p, err := eng.Query(context.Background(), core.QuerySpec{Filter: f, Order: order, Limit: page, Cursor: cursor})
		if err != nil {
			t.Fatalf("query %q: %v", f.String(), err)
		}
		for _, a := range p.Items {
			out = append(out, a.EventID)
		}
		if p.Next == "" {
			return out
		}
		if len(p.Items) != page {
			t.Fatalf("short page (%d of %d) with a next cursor", len(p.Items), page)
		}
		cursor = p.Next
	}
}

func head(s []string) []string {
	if len(s) > 6 {
		return s[:6]
	}
	return s
}

// JoinLines makes NDJSON of lines, one per line.
func JoinLines(lines [][]byte) []byte {
	var b []byte
	for _, l := range lines {
		b = append(b, l...)
		b = append(b, '\n')
	}
	return b
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(self), "..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FixtureLines are the events of testdata/activities.ndjson, one a line.
func FixtureLines(t *testing.T) [][]byte {
	t.Helper()
	var lines [][]byte
	for l := range bytes.SplitSeq(fixture(t, "activities.ndjson"), []byte("\n")) {
		if l = bytes.TrimSpace(l); len(l) > 0 {
			lines = append(lines, bytes.Clone(l))
		}
	}
	return lines
}

// SeedItems are the items of the Cloudlock seed's example page
// (testdata/seed_activities.json), each compacted to one line.
func SeedItems(t *testing.T) [][]byte {
	t.Helper()
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(fixture(t, "seed_activities.json"), &page); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, it := range page.Items {
		var b bytes.Buffer
		if err := json.Compact(&b, it); err != nil {
			t.Fatal(err)
		}
		out = append(out, b.Bytes())
	}
	return out
}
