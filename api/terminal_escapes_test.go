package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestJSONResponsesEscapeTerminalControls: every JSON answer, not only the
// activity items, writes bidi overrides, zero-width characters and C1
// controls as \u escapes: a filter holds what a user typed, and another
// user reads the list with curl on a terminal. The value is the same JSON.
func TestJSONResponsesEscapeTerminalControls(t *testing.T) {
	e := newEnv(t)
	const filter = "user.user_email.eq(evil\u202etxt.exe\u200bx\u009b31m)"
	body, _ := json.Marshal(map[string]string{"title": "tricky", "query_filter": filter})
	id := createdID(t, e.ok(e.fudo("POST", "/api/v2/report/defined", "oscar", string(body)), 200), "defined_report")
	r := e.do(e.fudo("GET", "/api/v2/report/defined", "alice", ""))
	if r.status != 200 {
		t.Fatalf("list defined: %d %s", r.status, r.body)
	}
	for _, c := range []string{"\u202e", "\u200b", "\u009b"} {
		if strings.Contains(string(r.body), c) {
			t.Errorf("GET /api/v2/report/defined writes %U raw", []rune(c)[0])
		}
	}
	if !strings.Contains(string(r.body), `evil\u202etxt.exe\u200bx\u009b31m`) {
		t.Errorf("the filter is not written with \\u escapes")
	}
	var got struct {
		Defined []struct {
			ID     string `json:"id"`
			Filter string `json:"query_filter"`
		} `json:"defined_report"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	found := false
	for _, d := range got.Defined {
		if d.ID == id {
			found = d.Filter == filter
		}
	}
	if !found {
		t.Errorf("report %s with its filter as typed is not in the list", id)
	}
}
