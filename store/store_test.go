package store_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/conformance"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/store"
)

func TestSeedPageRoundTrip(t *testing.T) {
	env := openEnv(t, t.TempDir())
	rep := env.ingest(t, readFile(t, "seed_activities.json"), core.IngestOptions{})
	if rep.Ingested != 3 || rep.Skipped != 0 {
		t.Fatalf("report %+v", rep)
	}
	items := conformance.SeedItems(t)
	ids := []string{"-6285966971996490902#0", "-4132259428371024344#0", "-6584956397417228660#0"}
	got, err := env.eng.Get(context.Background(), ids, true)
	if err != nil || len(got) != 3 {
		t.Fatalf("get: %v %d", err, len(got))
	}
	for i, a := range got {
		if a.EventID != ids[i] || !bytes.Equal(a.Raw, items[i]) {
			t.Errorf("event %d: id %s raw\n%s\nwant\n%s", i, a.EventID, a.Raw, items[i])
		}
	}
	a := got[0]
	if a.EventType != "login" || a.Country != "GB" || a.VendorName != "google" || a.VendorService != "auth" ||
		a.Successful != core.TriTrue || a.Suspicious != core.TriNull || a.ClientIP != "86.176.87.160" ||
		a.Time() != time.Date(2018, 6, 23, 15, 18, 9, 0, time.UTC) {
		t.Errorf("fields %+v", a.ActivityFields)
	}
	// The same page on one line, gzipped, is recognised too and changes nothing.
	var compact bytes.Buffer
	for _, l := range bytes.Split(readFile(t, "seed_activities.json"), []byte("\n")) {
		compact.Write(bytes.TrimSpace(l))
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(compact.Bytes())
	zw.Close()
	rep = env.ingest(t, gz.Bytes(), core.IngestOptions{})
	if rep.Ingested != 0 || rep.Unchanged != 3 || rep.Updated != 0 {
		t.Fatalf("gzip one-line page replay: %+v", rep)
	}
}

func TestReplayAndUpdate(t *testing.T) {
	dir := t.TempDir()
	env := openEnv(t, dir, func(o *store.Options) { o.BlockRows = 64 })
	data := readFile(t, "activities.ndjson")
	lines := conformance.FixtureLines(t)
	rep := env.ingest(t, data, core.IngestOptions{})
	if rep.Ingested != len(lines) || rep.Skipped != 0 {
		t.Fatalf("first ingest %+v, want %d", rep, len(lines))
	}
	usage := func() (ev, by int64) {
		rows, err := env.s.Consumption(context.Background(), time.Unix(0, 0), testNow.Add(48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			ev += r.Events
			by += r.Bytes
		}
		return
	}
	ev1, by1 := usage()
	if ev1 != int64(len(lines)) || by1 == 0 {
		t.Fatalf("consumption %d events %d bytes", ev1, by1)
	}
	// Replaying the file changes and counts nothing.
	rep = env.ingest(t, data, core.IngestOptions{})
	if rep.Ingested != 0 || rep.Updated != 0 || rep.Unchanged != len(lines) {
		t.Fatalf("replay %+v", rep)
	}
	if ev, by := usage(); ev != ev1 || by != by1 {
		t.Fatalf("replay counted again: %d/%d vs %d/%d", ev, by, ev1, by1)
	}
	if n := env.count(t, ""); n != int64(len(lines)) {
		t.Fatalf("count after replay %d", n)
	}
	// A changed event with the same id replaces the old one, everywhere.
	victim := string(lines[10])
	id := strings.SplitN(strings.SplitN(victim, `"event_id":"`, 2)[1], `"`, 2)[0]
	before := env.count(t, "event_type.eq(settings_changed_by_test)")
	changed := strings.Replace(victim, `"event_type":"`, `"event_type":"settings_changed_by_test","old_type":"`, 1)
	rep = env.ingest(t, []byte(changed+"\n"), core.IngestOptions{})
	if rep.Updated != 1 || rep.Ingested != 0 {
		t.Fatalf("update %+v", rep)
	}
	check := func(env *testEnv) {
		t.Helper()
		if n := env.count(t, ""); n != int64(len(lines)) {
			t.Fatalf("count after update %d, want %d", n, len(lines))
		}
		if n := env.count(t, "event_type.eq(settings_changed_by_test)"); n != before+1 {
			t.Fatalf("new value count %d", n)
		}
		f, _ := query.ParseDSL("event_id.eq(" + strings.ReplaceAll(id, "#", "%23") + ")")
		got := env.ids(t, f, nil, 10)
		if len(got) != 1 {
			t.Fatalf("event %s found %d times", id, len(got))
		}
		a, err := env.eng.Get(context.Background(), []string{id}, true)
		if err != nil || len(a) != 1 || string(a[0].Raw) != changed {
			t.Fatalf("get after update: %v %d", err, len(a))
		}
	}
	check(env)
	// Everything holds after reopening, and the replay is still idempotent.
	env.s.Close()
	env = openEnv(t, dir, func(o *store.Options) { o.BlockRows = 64 })
	check(env)
	rep = env.ingest(t, []byte(changed+"\n"), core.IngestOptions{})
	if rep.Unchanged != 1 {
		t.Fatalf("replay of the update after reopen %+v", rep)
	}
}

func TestSmallBatchesAreMerged(t *testing.T) {
	dir := t.TempDir()
	env := openEnv(t, dir, func(o *store.Options) { o.BlockRows = 64 })
	lines := conformance.FixtureLines(t)[:120]
	for _, l := range lines {
		env.ingest(t, append(slices.Clone(l), '\n'), core.IngestOptions{})
	}
	st := env.s.Stats()
	if st.Events != 120 {
		t.Fatalf("events %d", st.Events)
	}
	if st.Blocks > 16 {
		t.Fatalf("%d blocks for 120 single-event writes: small blocks are not merged", st.Blocks)
	}
	all := env.ids(t, query.Filter{}, nil, 1000)
	if len(all) != 120 {
		t.Fatalf("ids %d", len(all))
	}
	env.s.Close()
	env = openEnv(t, dir, func(o *store.Options) { o.BlockRows = 64 })
	if got := env.ids(t, query.Filter{}, nil, 1000); !slices.Equal(got, all) {
		t.Fatal("results differ after reopen")
	}
	rep := env.ingest(t, conformance.JoinLines(lines), core.IngestOptions{})
	if rep.Unchanged != 120 {
		t.Fatalf("replay after merge %+v", rep)
	}
}

func TestTriageAndAudit(t *testing.T) {
	env := openEnv(t, t.TempDir())
	env.ingest(t, readFile(t, "activities.ndjson"), core.IngestOptions{})
	ctx := context.Background()
	f, _ := query.ParseDSL("extra.auth.is_suspicious")
	susp := env.count(t, "extra.auth.is_suspicious")
	if susp == 0 {
		t.Fatal("fixture has no suspicious events")
	}
	res, err := env.eng.TriageFilter(ctx, core.TriageRequest{Actor: "bob", From: "cli", State: core.StateEscalated, Note: "check MFA"}, f)
	if err != nil || int64(res.Changed) != susp {
		t.Fatalf("triage filter: %v %+v", err, res)
	}
	if n := env.count(t, "triage.state.eq(escalated)"); n != susp {
		t.Fatalf("escalated %d want %d", n, susp)
	}
	if n := env.count(t, "triage.state.eq(new)"); n != env.count(t, "")-susp {
		t.Fatalf("new %d", n)
	}
	res, err = env.eng.Triage(ctx, core.TriageRequest{Actor: "bob", State: core.StateDismissed}, []string{"nope", "-6285966971996490902#0"})
	if err != nil || res.Changed != 0 || len(res.Unknown) != 2 {
		t.Fatalf("unknown ids: %v %+v", err, res)
	}
	if _, err := env.eng.Triage(ctx, core.TriageRequest{Actor: "bob", State: "bogus"}, []string{"x"}); err == nil {
		t.Fatal("bad state accepted")
	}
	var entries []core.AuditEntry
	err = env.s.ScanAudit(ctx, time.Time{}, testNow.Add(time.Hour), func(e core.AuditEntry) error {
		entries = append(entries, e)
		return nil
	})
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit: %v %d entries", err, len(entries))
	}
	e := entries[0]
	if e.User != "bob" || e.Action != "triage.set" || e.Rows != susp || e.Filter != "extra.auth.is_suspicious" || e.From != "cli" {
		t.Errorf("audit entry %+v", e)
	}
	got, _ := env.eng.Get(ctx, []string{strings.TrimPrefix(firstID(t, env, "extra.auth.is_suspicious"), "")}, false)
	if len(got) != 1 || got[0].Triage == nil || got[0].Triage.Note != "check MFA" || got[0].Triage.By != "bob" {
		t.Fatalf("triage not on the activity: %+v", got)
	}
}

func firstID(t *testing.T, env *testEnv, dsl string) string {
	f, _ := query.ParseDSL(dsl)
	ids := env.ids(t, f, nil, 1)
	if len(ids) == 0 {
		t.Fatalf("no match for %s", dsl)
	}
	return ids[0]
}

func TestBadInputKeepsGoodLines(t *testing.T) {
	env := openEnv(t, t.TempDir())
	good := conformance.FixtureLines(t)
	var in bytes.Buffer
	add := func(s string) { in.WriteString(s); in.WriteByte('\n') }
	add(string(good[0]))                                                                      // 1
	add(string(good[1][:len(good[1])/2]))                                                     // 2 truncated JSON
	add(strings.Replace(string(good[2]), `"event_id":"`, `"event_id":7,"x":"`, 1))            // 3 wrong type
	add("\x00\x01\xff\xfe binary garbage \x1b[2J")                                            // 4
	add(string(good[3]))                                                                      // 5
	add(`{"created_at":"2026-10-01T00:00:00Z","event_type":"login"}`)                         // 6 no event_id
	add(`{"event_id":"x1","event_type":"login"}`)                                             // 7 no created_at
	add(`{"event_id":"x2","created_at":"yesterday"}`)                                         // 8 bad time
	add(`{"event_id":"x3","created_at":"2026-10-01T00:00:00Z","operation_successful":"yes"}`) // 9
	add(`{"event_id":"x4","created_at":"2026-10-01T00:00:00Z","user":"root"}`)                // 10
	add(`[1,2,3]`)                                                                            // 11
	big := `{"event_id":"big","created_at":"2026-10-01T00:00:00Z","raw":{"blob":"` + strings.Repeat("A", 10<<20) + `"}}`
	add(big)                        // 12: a 10 MB line
	add("")                         // 13 blank: ignored
	add(string(good[4]))            // 14
	in.WriteString(string(good[5])) // 15, no final newline
	rep := env.ingest(t, in.Bytes(), core.IngestOptions{})
	if rep.Ingested != 4 || rep.Skipped != 10 {
		t.Fatalf("report %+v", rep)
	}
	want := map[int]string{2: "invalid JSON", 3: "event_id must be a string", 4: "invalid JSON", 6: "missing event_id", 7: "missing created_at",
		8: `unparseable created_at "yesterday"`, 9: "operation_successful must be true, false or null, got string",
		10: "user must be an object", 11: "not a JSON object", 12: "over the 1048576-byte limit"}
	for _, p := range rep.Problems {
		w, ok := want[p.Line]
		if !ok || !strings.Contains(p.Reason, w) {
			t.Errorf("line %d: %q, want %q", p.Line, p.Reason, w)
		}
		delete(want, p.Line)
	}
	for l, w := range want {
		t.Errorf("line %d not reported (%s)", l, w)
	}
	if n := env.count(t, ""); n != 4 {
		t.Fatalf("stored %d", n)
	}
}

func TestProblemListIsBounded(t *testing.T) {
	env := openEnv(t, t.TempDir())
	var in bytes.Buffer
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&in, "{not json %d\n", i)
	}
	rep := env.ingest(t, in.Bytes(), core.IngestOptions{})
	if rep.Skipped != 100 || len(rep.Problems) != 20 || rep.Problems[19].Line != 20 {
		t.Fatalf("skipped %d problems %d", rep.Skipped, len(rep.Problems))
	}
}

func TestPrettyPrintedDocuments(t *testing.T) {
	env := openEnv(t, t.TempDir())
	lines := conformance.FixtureLines(t)
	doc := "[\n  " + string(lines[0]) + ",\n  {\"event_id\": 5},\n  " + string(lines[1]) + "\n]\n"
	rep := env.ingest(t, []byte(doc), core.IngestOptions{})
	if rep.Ingested != 2 || rep.Skipped != 1 || rep.Problems[0].Line != 3 {
		t.Fatalf("array document %+v", rep)
	}
}

func TestLockedDirectory(t *testing.T) {
	dir := t.TempDir()
	openEnv(t, dir)
	_, err := store.Open(store.Options{Dir: dir})
	if !errors.Is(err, core.ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
}

func TestHistogramMatchesCounts(t *testing.T) {
	env := openEnv(t, t.TempDir(), func(o *store.Options) { o.BlockRows = 50 })
	env.ingest(t, readFile(t, "activities.ndjson"), core.IngestOptions{})
	for _, dsl := range []string{"", "event_type.eq(login)", "raw.contains(login_success)", "created_at.ge(2026-10-20),created_at.lt(2026-10-25)"} {
		f, _ := query.ParseDSL(dsl)
		h, err := env.eng.Histogram(context.Background(), f, 24)
		if err != nil {
			t.Fatal(err)
		}
		if n := env.count(t, dsl); h.Total != n || len(h.Counts) != 24 {
			t.Errorf("%q: histogram total %d, count %d", dsl, h.Total, n)
		}
	}
}

// TestPinnedSnapshot: a read pinned to an earlier commit leaves out rows
// committed after it and still shows the versions rows had then.
func TestPinnedSnapshot(t *testing.T) {
	env := openEnv(t, t.TempDir(), func(o *store.Options) { o.BlockRows = 64 })
	lines := conformance.FixtureLines(t)
	env.ingest(t, conformance.JoinLines(lines[:200]), core.IngestOptions{})
	pin := env.s.Pin()
	ctx := context.Background()
	// After the pin: new events, and an update of an event the pin saw.
	env.ingest(t, conformance.JoinLines(lines[200:]), core.IngestOptions{})
	old := string(lines[10])
	changed := strings.Replace(old, `"event_type":"`, `"event_type":"changed_after_pin","was":"`, 1)
	env.ingest(t, []byte(changed+"\n"), core.IngestOptions{})
	// Enough small writes for a merge to run, so merged blocks are pinned too.
	for _, l := range lines[200:230] {
		env.ingest(t, append(slices.Clone(l), '\n'), core.IngestOptions{})
	}
	all, _ := env.eng.Compile(query.Filter{})
	snap := env.s.SnapshotAt(pin)
	defer snap.Close()
	n, err := snap.Count(ctx, all)
	if err != nil || n != 200 {
		t.Fatalf("pinned count %d %v, want 200", n, err)
	}
	var raws []string
	if _, err := snap.Scan(ctx, core.ScanRequest{Filter: all, WithRaw: true}, func(a *core.Activity) error {
		raws = append(raws, string(a.Raw))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(raws) != 200 || !slices.Contains(raws, old) || slices.Contains(raws, changed) {
		t.Fatalf("pinned scan: %d rows, old version shown %v, new version shown %v", len(raws), slices.Contains(raws, old), slices.Contains(raws, changed))
	}
	now := env.s.SnapshotAt(env.s.Pin())
	defer now.Close()
	if n, _ := now.Count(ctx, all); n != int64(len(lines)) {
		t.Fatalf("current count %d, want %d", n, len(lines))
	}
	f, _ := query.ParseDSL("event_type.eq(changed_after_pin)")
	c, _ := env.eng.Compile(f)
	if n, _ := snap.Count(ctx, c); n != 0 {
		t.Fatalf("the pinned view sees the later version")
	}
}

// TestPinnedSnapshotAcrossMerge: a merge that folds small blocks from
// before and after a pin into one block keeps each row's commit, so the
// pinned read still sees exactly the rows it saw.
func TestPinnedSnapshotAcrossMerge(t *testing.T) {
	env := openEnv(t, t.TempDir(), func(o *store.Options) { o.BlockRows = 64 })
	lines := conformance.FixtureLines(t)
	for i := 0; i < 10; i++ { // ten small blocks: no merge yet
		env.ingest(t, conformance.JoinLines(lines[i*10:i*10+10]), core.IngestOptions{})
	}
	pin := env.s.Pin()
	before := env.s.Stats().Blocks
	for _, l := range lines[100:110] { // more small blocks: the merge runs
		env.ingest(t, append(slices.Clone(l), '\n'), core.IngestOptions{})
	}
	if after := env.s.Stats().Blocks; after >= before+10 {
		t.Fatalf("no merge happened: %d blocks before, %d after", before, after)
	}
	all, _ := env.eng.Compile(query.Filter{})
	snap := env.s.SnapshotAt(pin)
	defer snap.Close()
	if n, err := snap.Count(context.Background(), all); err != nil || n != 100 {
		t.Fatalf("pinned count across a merge: %d %v, want 100", n, err)
	}
	got := 0
	snap.Scan(context.Background(), core.ScanRequest{Filter: all}, func(a *core.Activity) error { got++; return nil })
	if got != 100 {
		t.Fatalf("pinned scan across a merge: %d rows", got)
	}
}

// TestCachedResultsFollowWrites: counts and histograms are cached per
// snapshot, so an ingest or a triage shows in the next answer, and a
// relative time compiled later is another question.
func TestCachedResultsFollowWrites(t *testing.T) {
	env := openEnv(t, t.TempDir(), func(o *store.Options) { o.BlockRows = 64 })
	lines := conformance.FixtureLines(t)
	env.ingest(t, conformance.JoinLines(lines[:150]), core.IngestOptions{})
	ctx := context.Background()
	hist := func(dsl string) int64 {
		f, _ := query.ParseDSL(dsl)
		h, err := env.eng.Histogram(ctx, f, 12)
		if err != nil {
			t.Fatal(err)
		}
		return h.Total
	}
	logins := env.count(t, "event_type.eq(login)")
	if again := env.count(t, "event_type.eq(login)"); again != logins {
		t.Fatalf("a repeated count changed: %d then %d", logins, again)
	}
	h1 := hist("event_type.eq(login)")
	env.ingest(t, conformance.JoinLines(lines[150:]), core.IngestOptions{})
	all := env.count(t, "event_type.eq(login)")
	if all <= logins {
		t.Fatalf("count after ingest %d, before %d: a cached count survived a commit", all, logins)
	}
	if h2 := hist("event_type.eq(login)"); h2 != all || h2 == h1 {
		t.Fatalf("histogram after ingest %d (before %d), count %d", h2, h1, all)
	}
	if n := env.count(t, "triage.state.eq(escalated)"); n != 0 {
		t.Fatalf("escalated before triage: %d", n)
	}
	f, _ := query.ParseDSL("event_type.eq(login)")
	res, err := env.eng.TriageFilter(ctx, core.TriageRequest{Actor: "ana", State: core.StateEscalated}, f)
	if err != nil || res.Changed == 0 {
		t.Fatalf("triage: %+v %v", res, err)
	}
	if n := env.count(t, "triage.state.eq(escalated)"); n != int64(res.Changed) {
		t.Fatalf("escalated after triage: %d, triaged %d: a cached count survived a triage", n, res.Changed)
	}
	if hist("triage.state.eq(escalated)") != int64(res.Changed) {
		t.Fatal("histogram after triage is stale")
	}
	// Same text, other resolved time: other keys.
	a, _ := query.Compile(query.Filter{Terms: []query.Term{{Field: "created_at", Op: query.OpGe, Args: []string{"-7d"}}}}, core.ActivitySchema, time.Unix(1000, 0))
	b, _ := query.Compile(query.Filter{Terms: []query.Term{{Field: "created_at", Op: query.OpGe, Args: []string{"-7d"}}}}, core.ActivitySchema, time.Unix(2000, 0))
	if a.Key() == b.Key() {
		t.Fatalf("relative times share a key: %s", a.Key())
	}
}
