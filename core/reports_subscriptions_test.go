package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/core"
)

func TestDeleteReportWithSubscriptionsNeedsForce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r, err := e.eng.CreateReport(ctx, alice, core.DefinedReport{Title: "NL logins", QueryFilter: "event_type.eq(login),client_location.country.code.eq(NL)"})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := e.eng.Subscribe(ctx, alice, core.SubscribeRequest{DefinedReportID: r.ID, Period: "week"})
	if err != nil {
		t.Fatal(err)
	}
	admins, err := e.eng.Subscribe(ctx, root, core.SubscribeRequest{DefinedReportID: r.ID, Period: "month"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.eng.Subscribe(ctx, alice, core.SubscribeRequest{DefinedReportID: "18", Period: "day"})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := e.eng.ReportSubscriptions(ctx, alice, r.ID)
	if err != nil || len(subs) != 2 {
		t.Fatalf("report subscriptions %d %v", len(subs), err)
	}
	if _, err := e.eng.ReportSubscriptions(ctx, bob, r.ID); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("bob counts alice's report's subscriptions: %v", err)
	}

	// Refused, naming both subscriptions; nothing is deleted.
	err = e.eng.DeleteReport(ctx, alice, r.ID, false)
	var se *core.SubscribedError
	if !errors.As(err, &se) || !errors.Is(err, core.ErrConflict) || len(se.Subscriptions) != 2 ||
		!strings.Contains(err.Error(), mine.ID) || !strings.Contains(err.Error(), admins.ID) {
		t.Fatalf("delete without force: %v", err)
	}
	if _, err := e.eng.GetReport(ctx, alice, r.ID); err != nil {
		t.Fatalf("refused delete removed the report: %v", err)
	}
	if l, _ := e.eng.ListSubscriptions(ctx, root); len(l) != 3 {
		t.Fatalf("refused delete removed subscriptions: %d left", len(l))
	}

	// Forced: the report and its subscriptions go, others stay.
	if err := e.eng.DeleteReport(ctx, alice, r.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.GetReport(ctx, alice, r.ID); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("report still there: %v", err)
	}
	l, _ := e.eng.ListSubscriptions(ctx, root)
	if len(l) != 1 || l[0].ID != other.ID {
		t.Errorf("subscriptions left: %+v", l)
	}
	// A report without subscriptions is deleted without force.
	r2, _ := e.eng.CreateReport(ctx, alice, core.DefinedReport{Title: "Scratch"})
	if err := e.eng.DeleteReport(ctx, alice, r2.ID, false); err != nil {
		t.Errorf("delete unsubscribed report: %v", err)
	}
}

func TestAdminSubscribesAnotherUser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s, err := e.eng.Subscribe(ctx, root, core.SubscribeRequest{DefinedReportID: "6", Period: "day", Owner: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Owner != "bob" {
		t.Fatalf("owner %q", s.Owner)
	}
	if l, _ := e.eng.ListSubscriptions(ctx, bob); len(l) != 1 || l[0].ID != s.ID {
		t.Errorf("bob does not see his subscription: %+v", l)
	}
	// Not an admin: only oneself.
	if _, err := e.eng.Subscribe(ctx, alice, core.SubscribeRequest{DefinedReportID: "6", Period: "day", Owner: "bob"}); !errors.Is(err, core.ErrForbidden) {
		t.Errorf("alice subscribed bob: %v", err)
	}
	if s, err := e.eng.Subscribe(ctx, alice, core.SubscribeRequest{DefinedReportID: "6", Period: "day", Owner: "alice"}); err != nil || s.Owner != "alice" {
		t.Errorf("alice naming herself: %+v %v", s, err)
	}
	// An admin cannot hand bob alice's private definition.
	own, _ := e.eng.CreateReport(ctx, alice, core.DefinedReport{Title: "alice only"})
	_, err = e.eng.Subscribe(ctx, root, core.SubscribeRequest{DefinedReportID: own.ID, Period: "day", Owner: "bob"})
	var fe *core.FieldError
	if !errors.As(err, &fe) || fe.Field != "defined_report_id" {
		t.Errorf("bob subscribed to alice's report: %v", err)
	}
}
