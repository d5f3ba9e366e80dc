package api_test

import "testing"

// Item 15: formats with an empty, unknown or repeated name is the
// client's mistake: a 400 naming formats, never a 500.
func TestSubscriptionFormats(t *testing.T) {
	e := newEnv(t)
	def := createdID(t, e.ok(req{method: "POST", path: "/api/v2/report/defined", user: "oscar", body: `{"title":"Formats","query_filter":"event_type.eq(login)"}`}, 200), "defined_report")
	for _, tc := range []struct {
		formats string
		want    []string
	}{
		{`[""]`, []string{"formats[0]", `""`, "csv"}},
		{`["csv",""]`, []string{"formats[1]", `""`}},
		{`[" csv"]`, []string{"formats[0]", `" csv"`}},
		{`["CSV"]`, []string{"formats[0]", `"CSV"`}},
		{`["docx"]`, []string{"formats[0]", `"docx"`, "csv, ndjson, json, html, pdf, xlsx"}},
		{`["csv","csv"]`, []string{"formats[1]", `"csv"`, "twice"}},
		{`[]`, []string{"formats", "at least one"}},
		{`[null]`, []string{"formats"}},
		{`"csv"`, []string{"formats", "expected an array"}},
	} {
		e.fails(req{method: "POST", path: "/api/v2/report/subscription", user: "oscar", body: `{"period":"week","defined_report_id":"` + def + `","formats":` + tc.formats + `}`}, 400, tc.want...)
	}
	if n := len(e.ok(req{method: "GET", path: "/api/v2/report/subscription", user: "oscar"}, 200)["defined_report_subscription"].([]any)); n != 0 {
		t.Fatalf("a refused subscription was stored: %d", n)
	}
	e.ok(req{method: "POST", path: "/api/v2/report/subscription", user: "oscar", body: `{"period":"week","defined_report_id":"` + def + `","formats":["csv","xlsx"]}`}, 200)
}
