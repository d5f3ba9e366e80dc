package core_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// TestFiltersOnStoredFields: a field that only the stored events define,
// at the top level too ("custom.tenant", "risk_score", "tags" as an array),
// is a valid filter, counted through the engine; a typo of one is still an
// error with a suggestion from the catalog; a bare word on a stored string
// field keeps searching the text, one on a stored boolean tests it.
func TestFiltersOnStoredFields(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := strings.Join([]string{
		`{"event_id":"a","created_at":"2026-10-01T00:00:00Z","custom":{"tenant":"acme"},"risk_score":70,"tags":["x","y"],"flagged":true,"admin":"root"}`,
		`{"event_id":"b","created_at":"2026-10-02T00:00:00Z","custom":{"tenant":"globex"},"risk_score":20,"tags":["y"],"flagged":false}`,
		`{"event_id":"c","created_at":"2026-10-03T00:00:00Z","custom":{"tenant":"acme"},"risk_score":55.5,"note":"admin was here"}`,
	}, "\n")
	if _, err := e.eng.Ingest(ctx, strings.NewReader(in), core.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	for dsl, want := range map[string]int64{
		"custom.tenant.eq(acme)":       2,
		"custom.tenant.ne(acme)":       1,
		"risk_score.gt(50)":            2,
		"risk_score.le(20)":            1,
		"tags.eq(x)":                   1,
		"tags.eq(y)":                   2,
		"tags.0.eq(y)":                 1,
		"custom.icontains(glob)":       1,
		"flagged":                      1,
		"!flagged":                     2,
		"admin":                        1, // text search of the values: "admin" is a string field
		"custom.tenant.isnull()":       0,
		"risk_score.in(20,70)":         2,
		"note.icontains(HERE)":         1,
		"risk_score.gt(50),tags.eq(y)": 1,
	} {
		f, err := query.ParseDSL(dsl)
		if err != nil {
			t.Fatal(err)
		}
		n, err := e.eng.Count(ctx, f)
		if err != nil || n != want {
			t.Errorf("count %s = %d %v, want %d", dsl, n, err, want)
		}
	}
	f, _ := query.ParseDSL("custom.tenat.eq(acme)")
	_, err := e.eng.Count(ctx, f)
	if err == nil || !strings.Contains(err.Error(), `unknown field "custom.tenat"; did you mean "custom.tenant"?`) {
		t.Errorf("typo of a stored field: %v", err)
	}
	f, _ = query.ParseDSL("custom.tenant.eq(acme)")
	page, err := e.eng.Query(ctx, core.QuerySpec{Filter: f, Limit: 10, Order: query.Order{{Field: "risk_score", Desc: true}}})
	if err != nil || len(page.Items) != 2 || page.Items[0].EventID != "a" {
		t.Errorf("ordered by a stored field: %+v %v", page.Items, err)
	}
}

// TestFieldCatalog: the catalog lists every leaf path of the stored events
// with its types, rows, distinct values and time range, and survives a
// reopen.
func TestFieldCatalog(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := strings.Join([]string{
		`{"event_id":"a","created_at":"2026-10-01T00:00:00Z","client_ip":"10.0.0.1","custom":{"tenant":"acme","seen":"2026-01-01T00:00:00Z"},"risk_score":70,"tags":["x","y"],"flagged":true,"gone":null}`,
		`{"event_id":"b","created_at":"2026-10-02T00:00:00Z","client_ip":"::1","custom":{"tenant":"globex"},"risk_score":20.5,"tags":[]}`,
		`{"event_id":"c","created_at":"2026-10-03T00:00:00Z","custom":{"tenant":"acme"},"raw":{"events":[{"name":"n1"},{"name":"n2"}]}}`,
	}, "\n")
	if _, err := e.eng.Ingest(ctx, strings.NewReader(in), core.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	check := func(cat *core.FieldCatalog) {
		t.Helper()
		want := []string{"client_ip", "created_at", "custom.seen", "custom.tenant", "event_id", "flagged", "gone", "raw.events.name", "risk_score", "tags"}
		if got := cat.Paths(); !slices.Equal(got, want) || !cat.Complete {
			t.Fatalf("paths %q complete %v\nwant %q", got, cat.Complete, want)
		}
		day := func(d int) time.Time { return time.Date(2026, 10, d, 0, 0, 0, 0, time.UTC) }
		for _, w := range []core.FieldInfo{
			{Path: "client_ip", Types: []string{"ip"}, Rows: 2, Distinct: 2, FirstSeen: day(1), LastSeen: day(2)},
			{Path: "created_at", Types: []string{"time"}, Rows: 3, Distinct: 3, FirstSeen: day(1), LastSeen: day(3)},
			{Path: "custom.tenant", Types: []string{"string"}, Rows: 3, Distinct: 2, FirstSeen: day(1), LastSeen: day(3)},
			{Path: "risk_score", Types: []string{"int", "float"}, Rows: 2, Distinct: 2, FirstSeen: day(1), LastSeen: day(2)},
			{Path: "tags", Types: []string{"string"}, Rows: 1, Distinct: 2, FirstSeen: day(1), LastSeen: day(1)},
			{Path: "flagged", Types: []string{"bool"}, Rows: 1, Distinct: 1, FirstSeen: day(1), LastSeen: day(1)},
			{Path: "gone", Types: []string{"null"}, Rows: 1, Distinct: 0, FirstSeen: day(1), LastSeen: day(1)},
			{Path: "raw.events.name", Types: []string{"string"}, Rows: 1, Distinct: 2, FirstSeen: day(3), LastSeen: day(3)},
		} {
			got, ok := cat.Lookup(w.Path)
			if !ok || !slices.Equal(got.Types, w.Types) || got.Rows != w.Rows || got.Distinct != w.Distinct || !got.FirstSeen.Equal(w.FirstSeen) || !got.LastSeen.Equal(w.LastSeen) {
				t.Errorf("%s: got %+v\nwant %+v", w.Path, got, w)
			}
		}
		if !cat.Has("custom") || !cat.Has("raw.events.1.name") || cat.Has("custom.x") {
			t.Errorf("Has: object path, indexed path, missing path wrong")
		}
		if s := cat.Suggest("custom.tennant"); s != "custom.tenant" {
			t.Errorf("Suggest = %q", s)
		}
		if p := cat.WithPrefix("custom."); len(p) != 2 {
			t.Errorf("WithPrefix(custom.) = %+v", p)
		}
	}
	cat, err := e.eng.Fields(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check(cat)
	e.store.Close()
	e2 := openEnvAt(t, e.dir)
	cat, err = e2.eng.Fields(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check(cat)
}

// countingStore counts the catalog reads of a store.
type countingStore struct {
	core.Store
	fields int
}

func (s *countingStore) Fields(ctx context.Context) (*core.FieldCatalog, error) {
	s.fields++
	return s.Store.Fields(ctx)
}

// TestCompileReadsCatalogOnlyForUndeclaredFields: a filter on declared
// fields (and beneath open objects) compiles without reading the catalog,
// which an older store rebuilds from every event on first read.
func TestCompileReadsCatalogOnlyForUndeclaredFields(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	cs := &countingStore{Store: e.store}
	eng := core.NewEngine(cs, cs)
	for dsl, reads := range map[string]int{
		"event_type.eq(login),raw.x.eq(1),created_at.ge(-24h)": 0,
		"mimikatz":               1, // a bare word: is it a stored boolean field?
		"custom.tenant.eq(acme)": 1,
	} {
		cs.fields = 0
		f, _ := query.ParseDSL(dsl)
		_, _ = eng.Compile(f)
		if cs.fields != reads {
			t.Errorf("compiling %s read the catalog %d times, want %d", dsl, cs.fields, reads)
		}
	}
}

// TestReportsOnStoredFields: a defined report (and so its exports and
// subscriptions) may filter on a field the stored events have; a typo of
// one is refused with the suggestion.
func TestReportsOnStoredFields(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.eng.Ingest(ctx, strings.NewReader(`{"event_id":"a","created_at":"2026-10-01T00:00:00Z","custom":{"tenant":"acme"}}`+"\n"), core.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	alice := core.Actor{User: "alice"}
	if _, err := e.eng.CreateReport(ctx, alice, core.DefinedReport{Title: "Acme", QueryFilter: "custom.tenant.eq(acme)"}); err != nil {
		t.Fatalf("report on a stored field: %v", err)
	}
	_, err := e.eng.CreateReport(ctx, alice, core.DefinedReport{Title: "Typo", QueryFilter: "custom.tenat.eq(acme)"})
	if err == nil || !strings.Contains(err.Error(), `did you mean "custom.tenant"?`) {
		t.Fatalf("report with a typo: %v", err)
	}
}
