package core_test

import (
	"context"
	"encoding/csv"
	"os"
	"testing"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// TestExportTriageTimeColumn: triage.at, kept beside the event and not in
// its JSON, is exported and grouped by as the time of the triage (it
// exported empty while only the CLI's --columns knew where to read it).
func TestExportTriageTimeColumn(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	tr := e.startTasks(t)
	ctx := context.Background()
	f, _ := query.ParseDSL("event_type.eq(login)")
	p, err := e.eng.Query(ctx, core.QuerySpec{Filter: f, Limit: 1})
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("query: %v %d", err, len(p.Items))
	}
	id := p.Items[0].EventID
	if _, err := e.eng.Triage(ctx, core.TriageRequest{Actor: "bob", State: core.StateReviewed}, []string{id}); err != nil {
		t.Fatal(err)
	}
	const want = "2026-11-02T00:00:00Z" // fixtureNow, when bob triaged it
	read := func(req core.ExportRequest) [][]string {
		t.Helper()
		task, err := tr.Submit(ctx, alice, req)
		if err != nil {
			t.Fatal(err)
		}
		task = waitTask(t, tr, alice, task.ID)
		if task.Status != core.TaskSucceeded {
			t.Fatalf("export: %+v", task)
		}
		fh, err := os.Open(task.Files[0].Path)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		recs, err := csv.NewReader(fh).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	recs := read(core.ExportRequest{Filter: "event_id.eq(" + id + ")", Formats: []string{"csv"}, FileName: "triaged",
		Columns: [][]string{{"event_id", "ID"}, {"triage.state", "State"}, {"triage.at", "Triaged at"}}})
	if len(recs) != 2 || recs[1][0] != id || recs[1][1] != "reviewed" || recs[1][2] != want {
		t.Fatalf("csv %v, want %s reviewed %s", recs, id, want)
	}
	recs = read(core.ExportRequest{Filter: "triage.state.eq(reviewed)", Formats: []string{"csv"}, FileName: "by-time",
		GroupBy: &core.GroupSpec{By: []string{"triage.at"}, Aggregates: []core.Aggregate{{Kind: core.AggCount, Label: "Events"}}}})
	if len(recs) != 2 || recs[1][0] != want || recs[1][1] != "1" {
		t.Fatalf("grouped csv %v, want one group %s", recs, want)
	}
}
