package tui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/charmbracelet/bubbles/key"
	"github.com/goccy/go-yaml"
)

// Config is the dashboard's YAML file ($XDG_CONFIG_HOME/auditdeck/config.yaml):
//
//	keys:
//	  quit: ["q", "ctrl+q"]
//	  filter: ["/", "f"]
//	theme:
//	  accent: "#FF8800"
//	saved_filters:
//	  - name: Failed logins
//	    filter: event_type.eq(login),!operation_successful
//	columns: [created_at, event_type, user.user_email, raw.actor.email]
//
// The dashboard writes back only the columns key (SaveColumns), when the
// user applies the Activities column chooser.
type Config struct {
	Keys         map[string][]string `yaml:"keys"`
	Theme        map[string]string   `yaml:"theme"`
	SavedFilters []SavedFilter       `yaml:"saved_filters"`
	// Columns are the Activities table's columns, as field paths; empty:
	// the default columns.
	Columns []string `yaml:"columns"`
	// Path is the file the config was read from ("" when none was named);
	// the column chooser saves there.
	Path string `yaml:"-"`
}

// SavedFilter is a named filter shown as a section of the Activities view.
type SavedFilter struct {
	Name   string `yaml:"name"`
	Filter string `yaml:"filter"`
}

// DefaultConfigPath follows XDG.
func DefaultConfigPath() string {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "auditdeck", "config.yaml")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".config", "auditdeck", "config.yaml")
	}
	return ""
}

// LoadConfig reads a config file; a missing file is an empty config. Errors
// name the file, the line and the key.
func LoadConfig(path string) (Config, error) {
	c := Config{Path: path}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) || path == "" {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	if err := yaml.UnmarshalWithOptions(b, &c, yaml.DisallowUnknownField()); err != nil {
		return c, fmt.Errorf("config %s: %s", path, yaml.FormatError(err, false, true))
	}
	c.Path = path
	if err := c.validate(b); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// lineOf finds the line of a key in the file, for messages about values.
func lineOf(src []byte, key string) int {
	for i, l := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), key+":") || strings.Contains(l, "name: "+key) {
			return i + 1
		}
	}
	return 0
}

func (c *Config) validate(src []byte) error {
	bindings := DefaultKeyMap().byName()
	names := make([]string, 0, len(c.Keys))
	for n := range c.Keys {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, ok := bindings[n]; !ok {
			return fmt.Errorf("line %d: keys.%s: unknown action (known: %s)", lineOf(src, n), n, strings.Join(keyNames(), ", "))
		}
		if len(c.Keys[n]) == 0 {
			return fmt.Errorf("line %d: keys.%s: needs at least one key", lineOf(src, n), n)
		}
	}
	for n, v := range c.Theme {
		if _, ok := themeSlots[n]; !ok {
			return fmt.Errorf("line %d: theme.%s: unknown colour (known: accent, dim, red, amber, green)", lineOf(src, n), n)
		}
		if !validColor(v) {
			return fmt.Errorf("line %d: theme.%s: %q is not a colour like \"#FF8800\" or an ANSI number 0-255", lineOf(src, n), n, v)
		}
	}
	if err := ValidateColumns(c.Columns); err != nil {
		return fmt.Errorf("line %d: columns: %w", lineOf(src, "columns"), err)
	}
	for i, f := range c.SavedFilters {
		if strings.TrimSpace(f.Name) == "" {
			return fmt.Errorf("saved_filters[%d]: name must not be empty", i)
		}
		q, err := query.ParseDSL(f.Filter)
		if err == nil {
			_, err = query.Compile(q, core.ActivitySchema, nowForValidation())
		}
		if err != nil {
			return fmt.Errorf("line %d: saved_filters[%d] %q: %v", lineOf(src, f.Name), i, f.Name, err)
		}
	}
	return nil
}

var themeSlots = map[string]bool{"accent": true, "dim": true, "red": true, "amber": true, "green": true}

func validColor(s string) bool {
	if len(s) == 7 && s[0] == '#' {
		for _, c := range s[1:] {
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
		return true
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return s != "" && n <= 255
}

// Apply rebinds keys; unknown names were rejected by LoadConfig.
func (c Config) Apply(k *KeyMap) {
	byName := k.byName()
	for n, keys := range c.Keys {
		if b, ok := byName[n]; ok {
			h := b.Help()
			*b = key.NewBinding(key.WithKeys(keys...), key.WithHelp(strings.Join(keys, "/"), h.Desc))
		}
	}
}

func keyNames() []string {
	var out []string
	for n := range DefaultKeyMap().byName() {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// byName maps config names to bindings.
func (k *KeyMap) byName() map[string]*key.Binding {
	return map[string]*key.Binding{
		"quit": &k.Quit, "help": &k.Help, "command": &k.Command, "next_tab": &k.NextTab, "prev_tab": &k.PrevTab,
		"tab1": &k.Tab1, "tab2": &k.Tab2, "tab3": &k.Tab3, "tab4": &k.Tab4,
		"up": &k.Up, "down": &k.Down, "page_up": &k.PageUp, "page_down": &k.PageDown, "top": &k.Top, "bottom": &k.Bottom,
		"enter": &k.Enter, "back": &k.Back,
		"filter": &k.Filter, "select": &k.Select, "reviewed": &k.Reviewed, "escalated": &k.Escalated, "dismissed": &k.Dismissed,
		"note": &k.Note, "export": &k.Export, "copy_id": &k.CopyID, "unfold": &k.Unfold, "time_range": &k.TimeRange,
		"sort": &k.Sort, "columns": &k.Columns, "group_by": &k.GroupBy, "column_left": &k.ColumnLeft, "column_right": &k.ColumnRight,
		"move_earlier": &k.MoveEarlier, "move_later": &k.MoveLater,
		"failed_only": &k.FailedOnly, "suspicious_only": &k.SuspiciousOnly, "untriaged_only": &k.UntriagedOnly,
		"fields_panel": &k.FieldsPanel, "filter_for": &k.FilterFor, "filter_out": &k.FilterOut,
		"new": &k.New, "edit": &k.Edit, "delete": &k.Delete, "generate": &k.Generate, "subscribe": &k.Subscribe,
		"pause": &k.Pause, "run_now": &k.RunNow, "cancel": &k.Cancel, "retry": &k.Retry, "preview": &k.Preview,
	}
}

func nowForValidation() time.Time { return time.Now() }
