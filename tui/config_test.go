package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

func writeConfig(t *testing.T, s string) string {
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigLoadAndApply(t *testing.T) {
	p := writeConfig(t, `keys:
  quit: ["x", "ctrl+q"]
theme:
  accent: "#FF8800"
saved_filters:
  - name: Failed logins
    filter: event_type.eq(login),!operation_successful
`)
	c, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	k := DefaultKeyMap()
	c.Apply(k)
	if !key.Matches(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")}, k.Quit) || key.Matches(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")}, k.Quit) {
		t.Error("quit not rebound")
	}
	if len(c.SavedFilters) != 1 || c.SavedFilters[0].Name != "Failed logins" {
		t.Errorf("saved filters %+v", c.SavedFilters)
	}
	if c, err := LoadConfig(filepath.Join(t.TempDir(), "missing.yaml")); err != nil || len(c.Keys) != 0 {
		t.Errorf("missing file: %v", err)
	}
}

func TestConfigErrorsNameKeyAndLine(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"keys:\n  quit: [\"q\"]\n  jump: [\"j\"]\n", "line 3: keys.jump: unknown action"},
		{"keys:\n  quit: []\n", "line 2: keys.quit: needs at least one key"},
		{"theme:\n  accent: orange\n", `line 2: theme.accent: "orange" is not a colour`},
		{"theme:\n  glow: \"#FFFFFF\"\n", "line 2: theme.glow: unknown colour"},
		{"saved_filters:\n  - name: Bad\n    filter: event_type.eq(login\n", `saved_filters[0] "Bad": filter: at position 19`},
		{"keys: [1, 2\n", "[1:"},
		{"colors:\n  a: b\n", "colors"},
	}
	for _, c := range cases {
		_, err := LoadConfig(writeConfig(t, c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "config ") {
			t.Errorf("%q: %v, want %q", c.yaml, err, c.want)
		}
	}
}
