package conformance

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core/query"
)

type filterCase struct {
	name   string
	filter query.Filter
	order  string // the second order to check; "" takes the suite's rotation
}

// filterCases is the suite's table of filters in every syntax front ends
// accept; id(i) and ip(i) name the event_id and client_ip of fixture line i.
func filterCases(t *testing.T, id, ip func(int) string) []filterCase {
	t.Helper()
	dsl := []string{
		"",
		"event_type.eq(login)",
		"event_type.ne(login)",
		"!event_type.eq(login)",
		"event_type.in(login,user_settings)",
		"event_type.iin(LOGIN)",
		"operation_successful.eq(false)",
		"!operation_successful",
		"operation_successful",
		"extra.auth.is_suspicious",
		"extra.auth.is_suspicious.isnull()",
		"!extra.auth.is_suspicious.isnull(),event_type.eq(login)",
		"created_at.ge(-7d)",
		"created_at.ge(2026-10-20),created_at.lt(2026-10-25T12:00:00Z)",
		"created_at.gt(2026-10-31T23:45:12.000Z)",
		"created_at.le(2018-12-31)",
		"!created_at.ge(2026-10-10)",
		"user.user_email.icontains(A)",
		"user.user_email.isnull()",
		"client_ip.eq(" + ip(10) + ")",
		"client_location.country.code.in(US,GB)",
		"!client_location.country.code.in(US,GB)",
		"vendor.name.eq(aws),vendor.service.ne(s3)",
		"client_location.country.code.gt(M)",
		"raw.contains(login_success)",
		"raw.icontains(SUCCESS)",
		"raw.events.name.eq(login_success)",
		"client_location.lat.gt(40)",
		"client_location.city.icontains(a),!vendor.name.eq(google)",
		"event_id.in(" + url.PathEscape(id(12)) + "," + url.PathEscape(id(13)) + ",no-such-id)",
		"event_id.contains(google)",
		"triage.state.eq(escalated)",
		"triage.state.in(new,escalated)",
		"triage.state.ne(new)",
		"triage.note.icontains(PHISH)",
		"triage.by.eq(alice),event_type.eq(login)",
		"user_agent.contains(Mozilla),event_type.eq(login)",
		"extra.risk_score.gt(50)",
		"raw.updated_by_test",
		// A top-level field no schema declares, valid because the stored
		// events have it (the field catalog): an array of strings and
		// objects.
		"tags.eq(vip)",
		"tags.source.eq(uba),tags.rule.icontains(mfa)",
		"!tags.isnull()",
	}
	var cases []filterCase
	for _, s := range dsl {
		f, err := query.ParseDSL(s)
		if err != nil {
			t.Fatalf("parse %q: %v", s, err)
		}
		cases = append(cases, filterCase{name: "dsl " + s, filter: f})
	}
	for _, s := range []string{
		`{"activity_start_timestamp":{"$gte":"2026-10-25T00:00:00Z","$lt":"2026-10-28T00:00:00Z"}}`,
		`{"activity_start_timestamp":{"$eq":86400,"$gte":"2000-01-01T00:00:00Z"}}`,
		`{"event_type":{"$in":["login","other"]},"operation_successful":false}`,
		`{"raw.events.parameters.value":{"$in":["google_pass"]}}`,
		`{"client_ip":{"$ne":"` + ip(3) + `"},"status":{"$in":["success"]}}`,
	} {
		f, err := query.ParseJSON(s)
		if err != nil {
			t.Fatalf("parse JSON %s: %v", s, err)
		}
		cases = append(cases, filterCase{name: "json " + s, filter: f})
	}
	for _, q := range []string{
		"event_type=user_settings&created_after=2026-10-15",
		"ids=" + url.QueryEscape(id(20)+","+id(21)),
		"event_type=login,other&filter=" + url.QueryEscape("!operation_successful"),
	} {
		v, _ := url.ParseQuery(q)
		f, err := query.ParseCloudlockParams(v)
		if err != nil {
			t.Fatalf("cloudlock params %s: %v", q, err)
		}
		cases = append(cases, filterCase{name: "cloudlock " + q, filter: f})
	}
	for _, q := range []string{
		"last_days=3&category=auth",
		fmt.Sprintf("begin_time=%d&end_time=%d", Now.Add(-96*time.Hour).UnixMilli(), Now.Add(-24*time.Hour).UnixMilli()),
	} {
		v, _ := url.ParseQuery(q)
		f, err := query.ParseHSSParams(v)
		if err != nil {
			t.Fatalf("hss params %s: %v", q, err)
		}
		cases = append(cases, filterCase{name: "hss " + q, filter: f})
	}
	// Fields no column holds, read from the stored JSON: members of raw,
	// nested members of extra, and array elements by index. Each brings its
	// own second order on such a field, so the rotation of the cases above
	// stays as it was.
	for _, c := range []struct{ syntax, filter, order string }{
		{"dsl", "raw.Operation.eq(UserLoggedIn)", "!raw.RecordType"},
		{"dsl", "raw.RecordType.eq(15),raw.Workload.ne(Exchange)", "raw.Workload,!created_at"},
		{"dsl", "raw.events.0.name.eq(login_success)", "!raw.events.0.name"},
		{"dsl", "raw.events.0.name.isnull()", "raw.events.0.type"},
		{"dsl", "raw.events.1.name.isnull(),!raw.events.0.name.isnull()", "raw.events.1.name"},
		{"dsl", "extra.mfa.denials.ge(5)", "extra.mfa.denials"},
		{"dsl", "extra.mfa.result.contains(denials),raw.events.0.name.isnull()", ""},
		{"json", `{"raw.events.0.type":{"$in":["access","acl_change"]},"raw.events.0.name":{"$ne":"view"}}`, "!raw.events.0.name,user.user_email"},
	} {
		var f query.Filter
		var err error
		if c.syntax == "dsl" {
			f, err = query.ParseDSL(c.filter)
		} else {
			f, err = query.ParseJSON(c.filter)
		}
		if err != nil {
			t.Fatalf("parse %s %s: %v", c.syntax, c.filter, err)
		}
		cases = append(cases, filterCase{name: c.syntax + " " + c.filter, filter: f, order: c.order})
	}
	if len(cases) < 30 {
		t.Fatalf("only %d cases", len(cases))
	}
	return cases
}
