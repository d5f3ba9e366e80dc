package core_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// TestIngestRefusesDuplicateNames: an event that gives a member name twice
// is skipped with its line and the name's path, so no reader (filters and CSV
// read the first value, the API and the detail pane the last) ever meets one;
// the other lines are kept.
func TestIngestRefusesDuplicateNames(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := strings.Join([]string{
		`{"event_id":"ok","created_at":"2026-10-01T00:00:00Z","event_type":"login"}`,
		`{"event_id":"dup1","created_at":"2026-10-01T00:00:00Z","event_type":"login","event_type":"logout"}`,
		`{"event_id":"dup2","created_at":"2026-10-01T00:00:00Z","raw":{"actor":{"email":"a@x","email":"b@x"}}}`,
		`{"limit":2,"items":[{"event_id":"p1","created_at":"2026-10-01T00:00:00Z"},{"event_id":"p2","created_at":"2026-10-01T00:00:00Z","user":{"user_email":"a","user_email":"b"}}]}`,
	}, "\n")
	rep, err := e.eng.Ingest(ctx, strings.NewReader(in), core.IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	for _, p := range rep.Problems {
		problems = append(problems, p.String())
	}
	want := []string{
		`line 2: member name "event_type" appears twice in one object (a name may appear once)`,
		`line 3: member name "raw.actor.email" appears twice in one object (a name may appear once)`,
		`line 4 item 2: member name "user.user_email" appears twice in one object (a name may appear once)`,
	}
	if rep.Ingested != 2 || !slices.Equal(problems, want) {
		t.Fatalf("ingested %d, problems %q; want 2 and %q", rep.Ingested, problems, want)
	}
	got, err := e.eng.Get(ctx, []string{"ok", "dup1", "dup2", "p1", "p2"}, true)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range got {
		ids = append(ids, a.EventID)
	}
	if !slices.Equal(ids, []string{"ok", "p1"}) {
		t.Fatalf("stored %q, want only the events without duplicate names", ids)
	}
	for dsl, n := range map[string]int64{"event_type.eq(logout)": 0, "event_type.eq(login)": 1, "raw.actor.email.isnull()": 2} {
		f, _ := query.ParseDSL(dsl)
		if c, err := e.eng.Count(ctx, f); err != nil || c != n {
			t.Errorf("count %s = %d %v, want %d", dsl, c, err, n)
		}
	}
}

// TestFilterWarnings: a term on a field no stored event has is warned about,
// with the closest stored path; fields events have, derived fields, and
// bare words searched as text are not (unless a word is close to a field).
func TestFilterWarnings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	warn := func(dsl string) []string {
		f, err := query.ParseDSL(dsl)
		if err != nil {
			t.Fatal(err)
		}
		return e.eng.FilterWarnings(ctx, f)
	}
	if w := warn("extra.auth.is_suspcious"); len(w) != 0 {
		t.Errorf("an empty store warns %q", w)
	}
	e.ingestFixture(t)
	for dsl, want := range map[string][]string{
		"extra.auth.is_suspcious":                      {`no event has field "extra.auth.is_suspcious"; did you mean "extra.auth.is_suspicious"?`},
		"!extra.auth.is_suspcious,raw.Operaton.eq(x)":  {`no event has field "extra.auth.is_suspcious"; did you mean "extra.auth.is_suspicious"?`, `no event has field "raw.Operaton"; did you mean "raw.Operation"?`},
		"raw.zzzqqq.isnull()":                          {`no event has field "raw.zzzqqq"`},
		"extra.auth.is_suspicious,raw.Operation.eq(x)": nil,
		"raw.ExtendedProperties.Name.eq(x)":            nil, // inside an array
		"raw.ExtendedProperties.0.Name.eq(x)":          nil, // an index
		"raw.ExtendedProperties":                       nil, // an object path
		"triage.state.eq(new),created_hour.eq(3)":      nil,
		"mimikatz":            nil,
		"operation_sucessful": {`"operation_sucessful" is not a field, so it searches the text of the events; did you mean the field "operation_successful"?`},
		"extra.auth.is_suspcious,extra.auth.is_suspcious": {`no event has field "extra.auth.is_suspcious"; did you mean "extra.auth.is_suspicious"?`},
	} {
		if got := warn(dsl); !slices.Equal(got, want) {
			t.Errorf("warnings of %s:\n got %q\nwant %q", dsl, got, want)
		}
	}
	// The set survives a reopen.
	dir := e.dir
	e.store.Close()
	e2 := openEnvAt(t, dir)
	f, _ := query.ParseDSL("extra.auth.is_suspcious")
	if got := e2.eng.FilterWarnings(ctx, f); len(got) != 1 {
		t.Errorf("after reopening: %q", got)
	}
}

// TestFieldPathsOfDirectWrites: the store records the fields of whatever
// it writes, through ingest or not, so warnings are given for events written
// with WriteBatch alone (the set used to be incomplete then, and silent).
func TestFieldPathsOfDirectWrites(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	raw := []byte(`{"event_id":"old","created_at":"2026-10-01T00:00:00Z","raw":{"x":1}}`)
	var x core.FieldExtractor
	f, err := x.Extract(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.WriteBatch(ctx, core.Batch{Records: []core.IngestRecord{{Fields: f, Raw: raw}}}); err != nil {
		t.Fatal(err)
	}
	cat, err := e.store.Fields(ctx)
	if err != nil || !cat.Complete || !cat.Has("raw.x") {
		t.Fatalf("Fields complete=%v has raw.x=%v err=%v, want both", cat != nil && cat.Complete, cat.Has("raw.x"), err)
	}
	flt, _ := query.ParseDSL("raw.x.eq(1),raw.nothere.eq(1)")
	if w := e.eng.FilterWarnings(ctx, flt); !slices.Equal(w, []string{`no event has field "raw.nothere"`}) {
		t.Errorf("warnings %q", w)
	}
}
