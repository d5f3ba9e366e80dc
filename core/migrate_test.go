package core_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
)

// oldStoreObjects are the objects a store made by the code before the Fudo
// ids were honoured holds: written by that code (subscriptions to its "6"
// Failed logins, "14" Operator audit trail and "15" Ingestion consumption,
// one to a user's own report, a subscription run and its generated report,
// a report generated from "9" Logins by country, a plain export).
func loadOldStore(t *testing.T, e *env) map[string]map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("testdata/store-before-fudo-ids.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[string]map[string]json.RawMessage{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var o struct {
			Kind, ID string
			Doc      json.RawMessage
		}
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatal(err)
		}
		if err := e.store.PutObject(context.Background(), o.Kind, o.ID, o.Doc); err != nil {
			t.Fatal(err)
		}
		if byKind[o.Kind] == nil {
			byKind[o.Kind] = map[string]json.RawMessage{}
		}
		byKind[o.Kind][o.ID] = o.Doc
	}
	return byKind
}

// reopen closes the env's store and opens the same directory the way the
// CLI and serve do: engine, then InstallPredefined before anything else.
func reopen(t *testing.T, e *env) *env {
	t.Helper()
	e.store.Close()
	n := openEnvAt(t, e.dir)
	if err := n.eng.InstallPredefined(context.Background()); err != nil {
		t.Fatal(err)
	}
	return n
}

func subsByOwnerAndPeriod(t *testing.T, e *env) map[string]core.SubscriptionInfo {
	t.Helper()
	subs, err := e.eng.ListSubscriptions(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]core.SubscriptionInfo{}
	for _, s := range subs {
		out[s.Owner+"/"+string(s.Period)] = s
	}
	return out
}

func TestOldStoreKeepsItsReportsAfterRenumbering(t *testing.T) {
	e := newEnv(t)
	old := loadOldStore(t, e)
	e = reopen(t, e)
	ctx := context.Background()

	// Each old subscription still gets the report it got before.
	want := map[string]struct{ id, title, filter string }{
		"alice/month": {"18", "Failed logins", "event_type.eq(login),operation_successful.eq(false)"},
		"alice/week":  {"27", "Ingestion consumption", ""},
		"root/day":    {"26", "Operator audit trail", ""},
	}
	subs := subsByOwnerAndPeriod(t, e)
	if len(subs) != 4 {
		t.Fatalf("%d subscriptions", len(subs))
	}
	for key, w := range want {
		s := subs[key]
		var before struct{ DefinedReportID string }
		json.Unmarshal(old["subscription"][s.ID], &before)
		def, err := e.eng.GetReport(ctx, root, s.DefinedReportID)
		if err != nil || s.DefinedReportID != w.id || def.Title != w.title || def.QueryFilter != w.filter {
			t.Errorf("%s: subscription to %s (was %s) = %q %q %v, want %s %q", key, s.DefinedReportID, before.DefinedReportID, def.Title, def.QueryFilter, err, w.id, w.title)
		}
	}
	// A subscription to a user's own report is left alone, and so is the
	// rest of each document (schedule, formats, zone, history).
	for _, s := range subs {
		if s.Owner == "alice" && s.Period == "day" {
			var before struct{ DefinedReportID string }
			json.Unmarshal(old["subscription"][s.ID], &before)
			if s.DefinedReportID != before.DefinedReportID {
				t.Errorf("own report subscription moved: %s -> %s", before.DefinedReportID, s.DefinedReportID)
			}
		}
	}
	if s := subs["alice/week"]; s.TimeZone != "Europe/Berlin" || s.Delay != 15*time.Minute || !s.Enabled {
		t.Errorf("subscription changed beyond its report id: %+v", s.Subscription)
	}
	if s := subs["alice/month"]; len(s.Runs) != 1 || s.Runs[0].ReportID == "" {
		t.Errorf("run history lost: %+v", s.Runs)
	}

	// Generated reports (tasks) point at the same content.
	taskWant := map[string]string{"Failed logins": "18", "Logins by country": "21", "": ""}
	n := 0
	err := e.store.ListObjects(ctx, "task", func(id string, doc []byte) error {
		var task core.Task
		if err := json.Unmarshal(doc, &task); err != nil {
			return err
		}
		n++
		if got, w := task.Request.DefinedReportID, taskWant[task.Request.Title]; got != w {
			t.Errorf("task %s (%q): defined report %q, want %q", id, task.Request.Title, got, w)
		}
		if task.Request.DefinedReportID != "" {
			def, err := e.eng.GetReport(ctx, root, task.Request.DefinedReportID)
			if err != nil || def.Title != task.Request.Title || def.QueryFilter != task.Request.Filter {
				t.Errorf("task %s: report %s is %q %q", id, task.Request.DefinedReportID, def.Title, def.QueryFilter)
			}
		}
		// Everything else of the task is as the old code wrote it.
		var a, b map[string]any
		json.Unmarshal(doc, &a)
		json.Unmarshal(old["task"][id], &b)
		a["request"].(map[string]any)["defined_report_id"], b["request"].(map[string]any)["defined_report_id"] = nil, nil
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(b)
		if !bytes.Equal(x, y) {
			t.Errorf("task %s changed beyond its report id:\n%s\n%s", id, x, y)
		}
		return nil
	})
	if err != nil || n != 3 {
		t.Fatalf("%d tasks: %v", n, err)
	}

	// The ids now mean the seed's reports.
	for id, title := range map[string]string{"5": "System report", "6": "Account access report", "16": "User report"} {
		if def, err := e.eng.GetReport(ctx, root, id); err != nil || def.Title != title {
			t.Errorf("report %s: %q %v", id, def.Title, err)
		}
	}

	// Once: a subscription to the seed's "6" made now stays "6" across
	// later opens, and nothing else moves again.
	fresh, err := e.eng.Subscribe(ctx, bob, core.SubscribeRequest{DefinedReportID: "6", Period: "quarter"})
	if err != nil {
		t.Fatal(err)
	}
	before := subsByOwnerAndPeriod(t, e)
	e = reopen(t, e)
	after := subsByOwnerAndPeriod(t, e)
	for key, s := range before {
		if after[key].DefinedReportID != s.DefinedReportID {
			t.Errorf("second open moved %s: %s -> %s", key, s.DefinedReportID, after[key].DefinedReportID)
		}
	}
	if got := after["bob/quarter"]; got.ID != fresh.ID || got.DefinedReportID != "6" {
		t.Errorf("new subscription to 6: %+v", got.Subscription)
	}
}

// A migration interrupted part-way (some references moved, no marker yet)
// finishes on the next open without moving the moved ones again.
func TestInterruptedRenumberingFinishes(t *testing.T) {
	e := newEnv(t)
	old := loadOldStore(t, e)
	ctx := context.Background()
	// The crash came after the first subscription was moved.
	for id, doc := range old["subscription"] {
		var s map[string]any
		json.Unmarshal(doc, &s)
		if s["DefinedReportID"] == "6" {
			s["DefinedReportID"] = "18"
			b, _ := json.Marshal(s)
			if err := e.store.PutObject(ctx, "subscription", id, b); err != nil {
				t.Fatal(err)
			}
		}
	}
	e = reopen(t, e)
	subs := subsByOwnerAndPeriod(t, e)
	for key, id := range map[string]string{"alice/month": "18", "alice/week": "27", "root/day": "26"} {
		if subs[key].DefinedReportID != id {
			t.Errorf("%s: %s, want %s", key, subs[key].DefinedReportID, id)
		}
	}
}

// A new store is not touched by the renumbering: "6" subscribed on a new
// store is the seed's account access report and stays so.
func TestNewStoreSubscribesToSeedIDs(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	ctx := context.Background()
	s, err := e.eng.Subscribe(ctx, alice, core.SubscribeRequest{DefinedReportID: "6", Period: "day"})
	if err != nil {
		t.Fatal(err)
	}
	e = reopen(t, e)
	info, err := e.eng.GetSubscription(ctx, alice, s.ID)
	if err != nil || info.DefinedReportID != "6" {
		t.Fatalf("after reopen: %+v %v", info.Subscription, err)
	}
	// Every predefined report generates over the fixture (the mapping
	// compiles and runs for activity and audit data alike).
	tr := e.startTasks(t)
	for id := 5; id <= 16; id++ {
		def, err := e.eng.GetReport(ctx, alice, itoa(id))
		if err != nil {
			t.Fatal(err)
		}
		task, err := tr.Submit(ctx, root, core.ExportRequest{Type: def.Type, Title: def.Title, Filter: def.QueryFilter, Order: def.QueryOrder,
			Columns: def.Columns, GroupBy: def.GroupBy, Formats: []string{"csv"}, FileName: "fudo " + itoa(id), DefinedReportID: def.ID})
		if err != nil {
			t.Fatalf("report %d %q: %v", id, def.Title, err)
		}
		if got := waitTask(t, tr, root, task.ID); got.Status != core.TaskSucceeded {
			t.Errorf("report %d %q: %s %s", id, def.Title, got.Status, got.Error)
		}
	}
}
