package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// A note keeps the state it is added to, and a state change keeps the note:
// escalating again, reviewing or dismissing never drops what an operator
// wrote, and writing a note never marks an event reviewed.
func TestTriageKeepsWhatItDoesNotSet(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	ctx := context.Background()
	var id string
	e.store.Scan(ctx, core.ScanRequest{Filter: compile(t, e, "extra.auth.is_suspicious.isnull()"), Order: query.DefaultOrder, Limit: 1}, func(a *core.Activity) error {
		id = a.EventID
		return nil
	})
	get := func() core.Triage {
		t.Helper()
		as, err := e.eng.Get(ctx, []string{id}, false)
		if err != nil || len(as) != 1 || as[0].Triage == nil {
			t.Fatalf("get %s: %v %+v", id, err, as)
		}
		return *as[0].Triage
	}
	triage := func(r core.TriageRequest) {
		t.Helper()
		r.Actor = "bob"
		res, err := e.eng.Triage(ctx, r, []string{id})
		if err != nil || res.Changed != 1 {
			t.Fatalf("triage %+v: %v %+v", r, err, res)
		}
	}
	want := func(state core.TriageState, note string) {
		t.Helper()
		if got := get(); got.State != state || got.Note != note || got.By != "bob" {
			t.Fatalf("triage is %+v, want state %s and note %q", got, state, note)
		}
	}

	// A note on an untriaged event: the state stays new.
	triage(core.TriageRequest{Note: "looks odd"})
	want(core.StateNew, "looks odd")
	triage(core.TriageRequest{State: core.StateEscalated})
	want(core.StateEscalated, "looks odd")
	// A note on an escalated event leaves it escalated.
	triage(core.TriageRequest{Note: "called the user, no answer", NoteSet: true})
	want(core.StateEscalated, "called the user, no answer")
	// Escalating again keeps the note.
	triage(core.TriageRequest{State: core.StateEscalated})
	want(core.StateEscalated, "called the user, no answer")
	triage(core.TriageRequest{State: core.StateDismissed})
	want(core.StateDismissed, "called the user, no answer")
	// Both at once set both; an empty note with NoteSet clears it.
	triage(core.TriageRequest{State: core.StateReviewed, Note: "benign"})
	want(core.StateReviewed, "benign")
	triage(core.TriageRequest{NoteSet: true})
	want(core.StateReviewed, "")

	if _, err := e.eng.Triage(ctx, core.TriageRequest{Actor: "bob"}, []string{id}); err == nil {
		t.Fatal("a triage with neither state nor note accepted")
	}

	// The same holds for a filter, each event keeping its own state: one
	// escalated, the others new.
	f, err := query.ParseDSL("extra.auth.is_suspicious")
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.eng.TriageFilter(ctx, core.TriageRequest{Actor: "bob", State: core.StateEscalated, Note: "check MFA"}, f)
	if err != nil || res.Changed < 2 {
		t.Fatalf("triage filter: %v %+v", err, res)
	}
	var first string
	e.store.Scan(ctx, core.ScanRequest{Filter: compile(t, e, "extra.auth.is_suspicious"), Order: query.DefaultOrder, Limit: 1}, func(a *core.Activity) error {
		first = a.EventID
		return nil
	})
	if _, err := e.eng.Triage(ctx, core.TriageRequest{Actor: "bob", State: core.StateNew}, []string{first}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.TriageFilter(ctx, core.TriageRequest{Actor: "bob", Note: "MFA reset"}, f); err != nil {
		t.Fatal(err)
	}
	if n := count(t, e, "extra.auth.is_suspicious,triage.state.eq(escalated),triage.note.eq(MFA reset)"); n != int64(res.Changed-1) {
		t.Fatalf("%d escalated with the new note, want %d", n, res.Changed-1)
	}
	if n := count(t, e, "extra.auth.is_suspicious,triage.state.eq(new),triage.note.eq(MFA reset)"); n != 1 {
		t.Fatalf("%d new with the new note, want 1", n)
	}

	// The audit entry names only what changed.
	var last core.AuditEntry
	e.store.ScanAudit(ctx, time.Time{}, fixtureNow.Add(time.Hour), func(a core.AuditEntry) error {
		if a.Action == "triage.set" {
			last = a
		}
		return nil
	})
	if _, ok := last.Detail["state"]; ok || last.Detail["note"] != "MFA reset" {
		t.Fatalf("audit detail %v", last.Detail)
	}
}

func compile(t *testing.T, e *env, dsl string) *query.Compiled {
	t.Helper()
	f, err := query.ParseDSL(dsl)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.eng.Compile(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func count(t *testing.T, e *env, dsl string) int64 {
	t.Helper()
	n, err := e.store.Count(context.Background(), compile(t, e, dsl))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
