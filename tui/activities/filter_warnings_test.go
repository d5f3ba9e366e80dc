package activities

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// TestFilterWarningUnderInput: a filter on a field no stored event has shows
// the warning, with the closest stored field, under the filter box while the
// preview counts 0; fixing the field makes it go.
func TestFilterWarningUnderInput(t *testing.T) {
	eng := newEngine(t)
	s := startSession(t, newContext(eng), 120, 30)
	s.send(keyRune('/'))
	s.typeText("extra.auth.is_suspcious")
	s.settle()
	v := s.view()
	want := `⚠ no event has field "extra.auth.is_suspcious"; did you mean "extra.auth.is_suspicious"?`
	lines := strings.Split(v, "\n")
	input := -1
	for i, l := range lines {
		if strings.Contains(l, "/ extra.auth.is_suspcious") {
			input = i
			break
		}
	}
	if input < 0 || input+2 >= len(lines) || !strings.Contains(lines[input+2], want) {
		t.Fatalf("no warning under the filter box:\n%s", v)
	}
	back := tea.KeyMsg{Type: tea.KeyBackspace}
	s.send(back, back, back, back, back, back, back)
	s.typeText("spicious")
	s.settle()
	if v := s.view(); strings.Contains(v, "no event has field") || !strings.Contains(v, "/ extra.auth.is_suspicious") {
		t.Fatalf("the warning stays for a stored field:\n%s", v)
	}
}

// TestBareWordFilter: a bare word typed in the filter box searches all text
// (here a city name, which is outside raw) instead of being an error.
func TestBareWordFilter(t *testing.T) {
	eng := newEngine(t)
	s := startSession(t, newContext(eng), 120, 30)
	s.send(keyRune('/'))
	s.typeText("harpenden")
	s.send(keyEnter)
	s.settle()
	want := count(t, eng, "client_location.city.iin(harpenden)")
	var got int64
	var applied string
	s.probe(func(m *Model) { got, applied = m.hist.res.Total, m.filterText })
	if got != want || want == 0 || applied != "harpenden" {
		t.Fatalf("harpenden: view counts %d (filter %q), city filter %d", got, applied, want)
	}
}
