package activities

import (
	"strings"
	"testing"
)

// TestCatalogCompletion: in the filter input, tab completes the paths the
// stored events have (a top-level field no schema knows too) and, after
// "field.", the operators; the line under the input lists the completions
// of the word being typed. The catalog is read by a command, not in Update.
func TestCatalogCompletion(t *testing.T) {
	eng := newEngine(t, `{"event_id":"x1","created_at":"2026-10-30T00:00:00Z","custom":{"tenant":"acme","tier":"gold"},"risk_score":70}`+"\n")
	s := startSession(t, newContext(eng), 120, 30)
	s.send(keyRune('/'))
	s.typeText("risk")
	s.settle()
	if v := s.view(); !strings.Contains(v, "tab: risk_score") {
		t.Fatalf("no suggestion line for %q:\n%s", "risk", v)
	}
	s.send(keyTab)
	s.settle()
	var val string
	s.probe(func(m *Model) { val = m.fin.in.Value() })
	if val != "risk_score" {
		t.Fatalf("tab after %q gave %q", "risk", val)
	}
	s.typeText(".")
	s.settle()
	v := s.view()
	for _, op := range []string{"risk_score.eq(", "risk_score.gt(", "risk_score.in("} {
		if !strings.Contains(v, op) {
			t.Fatalf("operator %q not suggested:\n%s", op, v)
		}
	}
	s.typeText("ge")
	s.send(keyTab)
	s.typeText("50),cust")
	s.send(keyTab)
	s.settle()
	s.probe(func(m *Model) { val = m.fin.in.Value() })
	v = s.view()
	if val != "risk_score.ge(50),custom.t" || !strings.Contains(v, "complete: custom.tenant  custom.tier") {
		t.Fatalf("value %q, view:\n%s", val, v)
	}
	s.typeText("e")
	s.send(keyTab)
	s.typeText(".eq(acme)")
	s.send(keyEnter)
	s.settle()
	var total int64
	s.probe(func(m *Model) { val, total = m.filterText, m.hist.res.Total })
	if val != "risk_score.ge(50),custom.tenant.eq(acme)" || total != 1 {
		t.Fatalf("applied %q, %d events", val, total)
	}
}
