package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/core"
)

var (
	alice = core.Actor{User: "alice", From: "test"}
	bob   = core.Actor{User: "bob", From: "test"}
	root  = core.Actor{User: "root", Admin: true, From: "test"}
)

func TestDefinedReportValidation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	good := core.DefinedReport{Title: "Failed logins in NL", Type: core.TypeActivity, QueryFilter: "event_type.eq(login),client_location.country.code.eq(NL)", QueryOrder: "!created_at"}
	cases := []struct {
		name  string
		edit  func(r *core.DefinedReport)
		field string
		text  string
	}{
		{"empty title", func(r *core.DefinedReport) { r.Title = "  " }, "title", "must not be empty"},
		{"control in title", func(r *core.DefinedReport) { r.Title = "a\x1b[2Jb" }, "title", "control character"},
		{"bidi override in title", func(r *core.DefinedReport) { r.Title = "Q3 \u202eslx.exe" }, "title", "U+202E"},
		{"zero-width in title", func(r *core.DefinedReport) { r.Title = "adm\u200bin logins" }, "title", "U+200B"},
		{"long title", func(r *core.DefinedReport) { r.Title = strings.Repeat("x", 201) }, "title", "at most 200"},
		{"bad type", func(r *core.DefinedReport) { r.Type = "system" }, "type", `expected activity, audit or consumption`},
		{"bad filter syntax", func(r *core.DefinedReport) { r.QueryFilter = "event_type.eq(login" }, "query_filter", "position 19"},
		{"unknown field", func(r *core.DefinedReport) { r.QueryFilter = "subprotocol.iin(rdp)" }, "query_filter", `unknown field "subprotocol"`},
		{"wrong type", func(r *core.DefinedReport) { r.QueryFilter = "operation_successful.eq(maybe)" }, "query_filter", "operation_successful"},
		{"bad order", func(r *core.DefinedReport) { r.QueryOrder = "!!created_at" }, "query_order", "position"},
		{"unknown order field", func(r *core.DefinedReport) { r.QueryOrder = "finished_at" }, "query_order", "finished_at"},
		{"column arity", func(r *core.DefinedReport) { r.Columns = [][]string{{"event_id"}} }, "columns", "expected [field, label]"},
		{"unknown column", func(r *core.DefinedReport) { r.Columns = [][]string{{"nope", "Nope"}} }, "columns", `unknown field "nope"`},
		{"duplicate column", func(r *core.DefinedReport) { r.Columns = [][]string{{"event_id", "A"}, {"event_id", "B"}} }, "columns", "appears twice"},
		{"empty label", func(r *core.DefinedReport) { r.Columns = [][]string{{"event_id", ""}} }, "columns", "must not be empty"},
		{"group by three", func(r *core.DefinedReport) {
			r.GroupBy = &core.GroupSpec{By: []string{"event_type", "client_ip", "vendor.name"}}
		}, "group_by", "one or two fields"},
		{"group by unknown", func(r *core.DefinedReport) { r.GroupBy = &core.GroupSpec{By: []string{"hostname"}} }, "group_by", "hostname"},
		{"bad aggregate", func(r *core.DefinedReport) {
			r.GroupBy = &core.GroupSpec{By: []string{"event_type"}, Aggregates: []core.Aggregate{{Kind: "median"}}}
		}, "group_by", `kind "median"`},
		{"count_if without filter", func(r *core.DefinedReport) {
			r.GroupBy = &core.GroupSpec{By: []string{"event_type"}, Aggregates: []core.Aggregate{{Kind: core.AggCountIf}}}
		}, "group_by", "needs a filter"},
		{"grouped audit", func(r *core.DefinedReport) {
			r.Type = core.TypeAudit
			r.QueryFilter = ""
			r.GroupBy = &core.GroupSpec{By: []string{"user"}}
		}, "group_by", "activity reports"},
	}
	for _, c := range cases {
		r := good
		c.edit(&r)
		_, err := e.eng.CreateReport(ctx, alice, r)
		var fe *core.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: error %v, want field %s containing %q", c.name, err, c.field, c.text)
		}
	}
	created, err := e.eng.CreateReport(ctx, alice, good)
	if err != nil || created.ID == "" || created.Owner != "alice" || created.Predefined || created.CreatedAt.IsZero() {
		t.Fatalf("create: %v %+v", err, created)
	}
	// A bad update changes nothing.
	bad := "event_type.eq("
	if _, err := e.eng.UpdateReport(ctx, alice, created.ID, core.ReportPatch{QueryFilter: &bad}); err == nil {
		t.Fatal("bad filter accepted on update")
	}
	got, _ := e.eng.GetReport(ctx, alice, created.ID)
	if got.QueryFilter != good.QueryFilter {
		t.Fatalf("failed update changed the report: %+v", got)
	}
	title := "Renamed"
	e.clock.set(e.clock.now().Add(time1h))
	upd, err := e.eng.UpdateReport(ctx, alice, created.ID, core.ReportPatch{Title: &title})
	if err != nil || upd.Title != "Renamed" || !upd.ModifiedAt.After(created.ModifiedAt) || upd.Owner != "alice" || upd.Type != core.TypeActivity {
		t.Fatalf("update: %v %+v", err, upd)
	}
}

func TestPredefinedAndOwnership(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	list, err := e.eng.ListReports(ctx, bob)
	if err != nil {
		t.Fatal(err)
	}
	// 5..16 are the Fudo seed's table, word for word; auditdeck's own follow.
	wantTitles := []string{"System report", "Account access report", "Safe access report", "Server access report",
		"Session approvals by user", "Session sharing invites by user", "Session summary", "Sessions by server report",
		"User access report", "User activity report", "User privilege report", "User report",
		"Login activity", "Failed logins", "Suspicious authentications", "Activity by user", "Logins by country",
		"Activity by vendor and service", "Settings changes", "Triage queue", "Off-hours activity", "Operator audit trail", "Ingestion consumption"}
	if len(list) != len(wantTitles) {
		t.Fatalf("%d predefined reports", len(list))
	}
	for i, r := range list {
		if r.ID != itoa(5+i) || r.Title != wantTitles[i] || !r.Predefined {
			t.Errorf("report %d: %s %q predefined=%v", i, r.ID, r.Title, r.Predefined)
		}
	}
	if list[21].Type != core.TypeAudit || list[22].Type != core.TypeConsumption || list[15].GroupBy == nil {
		t.Errorf("types: %v %v %v", list[21].Type, list[22].Type, list[15].GroupBy)
	}
	for _, id := range []int{5, 10, 11} { // system report, sharing invites, session summary: the audit trail
		if list[id-5].Type != core.TypeAudit {
			t.Errorf("report %d is %s, want audit", id, list[id-5].Type)
		}
	}
	title := "mine now"
	if _, err := e.eng.UpdateReport(ctx, root, "6", core.ReportPatch{Title: &title}); !errors.Is(err, core.ErrReadOnly) {
		t.Errorf("update predefined: %v", err)
	}
	if err := e.eng.DeleteReport(ctx, root, "6", true); !errors.Is(err, core.ErrReadOnly) {
		t.Errorf("delete predefined: %v", err)
	}
	mine, err := e.eng.CreateReport(ctx, alice, core.DefinedReport{Title: "alice's", QueryFilter: "event_type.eq(login)"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.GetReport(ctx, bob, mine.ID); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("bob sees alice's report: %v", err)
	}
	if err := e.eng.DeleteReport(ctx, bob, mine.ID, false); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("bob deletes alice's report: %v", err)
	}
	if _, err := e.eng.GetReport(ctx, root, mine.ID); err != nil {
		t.Errorf("admin cannot see: %v", err)
	}
	if l, _ := e.eng.ListReports(ctx, bob); len(l) != 23 {
		t.Errorf("bob lists %d", len(l))
	}
	if l, _ := e.eng.ListReports(ctx, alice); len(l) != 24 || l[23].ID != mine.ID {
		t.Errorf("alice lists %d", len(l))
	}
	if err := e.eng.DeleteReport(ctx, alice, mine.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.GetReport(ctx, alice, mine.ID); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("deleted report still there: %v", err)
	}
}

// TestAuditDefinitionNeedsAdmin: only admins may generate the audit trail,
// so only they may define a report of it.
func TestAuditDefinitionNeedsAdmin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.eng.CreateReport(ctx, alice, core.DefinedReport{Title: "my trail", Type: core.TypeAudit}); !errors.Is(err, core.ErrForbidden) {
		t.Fatalf("a non-admin defined an audit report: %v", err)
	}
	if _, err := e.eng.CreateReport(ctx, root, core.DefinedReport{Title: "my trail", Type: core.TypeAudit}); err != nil {
		t.Fatalf("an admin could not define an audit report: %v", err)
	}
}
