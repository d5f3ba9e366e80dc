package store_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/conformance"
)

// TestWriteBatchPersistsUsage: the store counts nothing itself; it adds
// exactly the counters the batch's Usage hands back, with the batch, and
// Usage sees each written record once, with whether its id is new.
func TestWriteBatchPersistsUsage(t *testing.T) {
	env := openEnv(t, t.TempDir())
	ctx := context.Background()
	lines := conformance.FixtureLines(t)
	env.ingest(t, conformance.JoinLines(lines[:3]), core.IngestOptions{})
	before := consumption(t, env)

	// No Usage: no counters, the events stored all the same.
	recs := records(t, lines[3:5])
	if _, err := env.s.WriteBatch(ctx, core.Batch{Records: recs}); err != nil {
		t.Fatal(err)
	}
	if got := consumption(t, env); !slices.Equal(got, before) {
		t.Fatalf("a batch without Usage changed the counters:\n got  %+v\n want %+v", got, before)
	}
	if n := env.count(t, ""); n != 5 {
		t.Fatalf("count %d, want 5", n)
	}

	// An update of a stored event, a new one and the new one again, changed.
	changed := records(t, [][]byte{[]byte(strings.Replace(string(lines[0]), `"raw":{`, `"raw":{"changed":1,`, 1))})
	fresh := records(t, lines[5:6])
	fresh2 := fresh[0]
	fresh2.Raw = []byte(strings.Replace(string(fresh2.Raw), `"raw":{`, `"raw":{"changed":2,`, 1))
	var sawIDs []string
	var sawNew []bool
	hand := []core.ConsumptionRow{{Day: "2001-02-03", Vendor: "v", Service: "s", Events: 7, Bytes: 70}}
	res, err := env.s.WriteBatch(ctx, core.Batch{Records: []core.IngestRecord{changed[0], fresh[0], fresh2}, Usage: func(written []core.IngestRecord, isNew []bool) []core.ConsumptionRow {
		for i, r := range written {
			sawIDs = append(sawIDs, r.Fields.EventID)
			sawNew = append(sawNew, isNew[i])
			if r.Fields.EventID == fresh2.Fields.EventID && string(r.Raw) != string(fresh2.Raw) {
				t.Errorf("Usage got the first version of %s, not the one stored", r.Fields.EventID)
			}
		}
		return hand
	}})
	if err != nil || res.Inserted != 1 || res.Updated != 2 {
		t.Fatalf("batch %+v, %v", res, err)
	}
	slices.Sort(sawIDs)
	if want := []string{changed[0].Fields.EventID, fresh[0].Fields.EventID}; !slices.Equal(sawIDs, sortedStrings(want)) || len(sawNew) != 2 {
		t.Fatalf("Usage saw %v %v, want %v once each", sawIDs, sawNew, want)
	}
	if n := len(slices.DeleteFunc(slices.Clone(sawNew), func(b bool) bool { return !b })); n != 1 {
		t.Fatalf("Usage saw %d new ids, want 1: %v", n, sawNew)
	}
	got := consumption(t, env)
	want := append(slices.Clone(before), hand...)
	sortRows(want)
	if !slices.Equal(got, want) {
		t.Fatalf("counters\n got  %+v\n want %+v", got, want)
	}
	// The same key again adds to it.
	if _, err := env.s.WriteBatch(ctx, core.Batch{Records: records(t, lines[6:7]), Usage: func([]core.IngestRecord, []bool) []core.ConsumptionRow { return hand }}); err != nil {
		t.Fatal(err)
	}
	for _, r := range consumption(t, env) {
		if r.Day == "2001-02-03" && (r.Events != 14 || r.Bytes != 140) {
			t.Fatalf("counter not added to: %+v", r)
		}
	}
}

// TestConsumptionOfOldStore: the counters a store made before core did the
// counting (testdata/store-v1, on a copy) stay readable and go on counting.
func TestConsumptionOfOldStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	if err := os.CopyFS(dir, os.DirFS(repoFile(t, "store-v1"))); err != nil {
		t.Fatal(err)
	}
	env := openEnv(t, dir)
	total := func() (ev, by int64) {
		for _, r := range consumption(t, env) {
			ev += r.Events
			by += r.Bytes
		}
		return
	}
	ev, by := total()
	if ev != 309 || by == 0 {
		t.Fatalf("old counters: %d events, %d bytes; want the fixture's 309", ev, by)
	}
	line := `{"event_id":"after-v1","created_at":"2026-10-31T12:00:00Z","event_type":"login","vendor":{"name":"google","service":"drive"}}`
	env.ingest(t, []byte(line+"\n"), core.IngestOptions{})
	if ev2, by2 := total(); ev2 != ev+1 || by2 <= by {
		t.Fatalf("after one new event: %d events, %d bytes (were %d, %d)", ev2, by2, ev, by)
	}
}

func consumption(t *testing.T, env *testEnv) []core.ConsumptionRow {
	t.Helper()
	rows, err := env.s.Consumption(context.Background(), time.Unix(0, 0), testNow.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	sortRows(rows)
	return rows
}

func sortRows(rows []core.ConsumptionRow) {
	slices.SortFunc(rows, func(a, b core.ConsumptionRow) int {
		return strings.Compare(a.Day+"\x00"+a.Vendor+"\x00"+a.Service, b.Day+"\x00"+b.Vendor+"\x00"+b.Service)
	})
}

func sortedStrings(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

// records extracts the indexed fields of fixture lines as ingest does.
func records(t *testing.T, lines [][]byte) []core.IngestRecord {
	t.Helper()
	var out []core.IngestRecord
	for _, l := range lines {
		var x core.FieldExtractor
		f, err := x.Extract(l)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, core.IngestRecord{Fields: f, Raw: l})
	}
	return out
}
