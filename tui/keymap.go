package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every key binding of the dashboard, in one place so the config
// file can rebind them and the help shows what is bound.
type KeyMap struct {
	// Shell
	Quit, Help, Command, NextTab, PrevTab, Tab1, Tab2, Tab3, Tab4 key.Binding
	// Lists
	Up, Down, PageUp, PageDown, Top, Bottom, Enter, Back key.Binding
	// Activities
	Filter, Select, Reviewed, Escalated, Dismissed, Note, Export, CopyID, Unfold key.Binding
	TimeRange, FailedOnly, SuspiciousOnly, UntriagedOnly                         key.Binding
	// Activities: the fields panel, and filtering for or against a value
	// (of the panel's top values or of a detail-pane line)
	FieldsPanel, FilterFor, FilterOut key.Binding
	// Activities table: sort by the column cursor's column, the column
	// chooser, group-by mode, and the column cursor.
	Sort, Columns, GroupBy, ColumnLeft, ColumnRight key.Binding
	// Column chooser: move the highlighted column earlier or later.
	MoveEarlier, MoveLater key.Binding
	// Reports, subscriptions, tasks
	New, Edit, Delete, Generate, Subscribe, Pause, RunNow, Cancel, Retry, Preview key.Binding
}

func b(keys []string, help, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// DefaultKeyMap follows k9s and lazygit conventions.
func DefaultKeyMap() *KeyMap {
	return &KeyMap{
		Quit:    b([]string{"q", "ctrl+c"}, "q", "quit"),
		Help:    b([]string{"?"}, "?", "help"),
		Command: b([]string{":"}, ":", "command"),
		NextTab: b([]string{"tab"}, "tab", "next tab"),
		PrevTab: b([]string{"shift+tab"}, "shift+tab", "previous tab"),
		Tab1:    b([]string{"1"}, "1", "activities"),
		Tab2:    b([]string{"2"}, "2", "reports"),
		Tab3:    b([]string{"3"}, "3", "subscriptions"),
		Tab4:    b([]string{"4"}, "4", "tasks"),

		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   b([]string{"pgup", "ctrl+b"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+f"}, "pgdn", "page down"),
		Top:      b([]string{"home"}, "home", "top"),
		Bottom:   b([]string{"end", "G"}, "G", "bottom"),
		Enter:    b([]string{"enter"}, "enter", "open"),
		Back:     b([]string{"esc"}, "esc", "back"),

		Filter:    b([]string{"/"}, "/", "filter"),
		Select:    b([]string{" "}, "space", "select"),
		Reviewed:  b([]string{"r"}, "r", "reviewed"),
		Escalated: b([]string{"e"}, "e", "escalate"),
		Dismissed: b([]string{"d"}, "d", "dismiss"),
		Note:      b([]string{"n"}, "n", "note"),
		Export:    b([]string{"x"}, "x", "export"),
		CopyID:    b([]string{"y"}, "y", "copy id"),
		Unfold:    b([]string{"o"}, "o", "unfold raw"),
		TimeRange: b([]string{"t"}, "t", "time range"),

		FailedOnly:     b([]string{"f"}, "f", "failed only"),
		SuspiciousOnly: b([]string{"s"}, "s", "suspicious only"),
		UntriagedOnly:  b([]string{"u"}, "u", "untriaged only"),

		FieldsPanel: b([]string{"F"}, "F", "fields"),
		FilterFor:   b([]string{"+"}, "+", "filter for value"),
		FilterOut:   b([]string{"-"}, "-", "filter out value"),
		Sort:        b([]string{"S"}, "S", "sort (again: reverse)"),
		Columns:     b([]string{"C"}, "C", "columns"),
		GroupBy:     b([]string{"b"}, "b", "group by"),
		ColumnLeft:  b([]string{"left", "h"}, "←/h", "column"),
		ColumnRight: b([]string{"right", "l"}, "→/l", "column"),
		MoveEarlier: b([]string{"[", "shift+up"}, "[", "move left"),
		MoveLater:   b([]string{"]", "shift+down"}, "]", "move right"),

		New:       b([]string{"c"}, "c", "create"),
		Edit:      b([]string{"E"}, "E", "edit"),
		Delete:    b([]string{"D"}, "D", "delete"),
		Generate:  b([]string{"g"}, "g", "generate"),
		Subscribe: b([]string{"s"}, "s", "subscribe"),
		Pause:     b([]string{"p"}, "p", "pause/resume"),
		RunNow:    b([]string{"R"}, "R", "run now"),
		Cancel:    b([]string{"C"}, "C", "cancel"),
		Retry:     b([]string{"R"}, "R", "retry"),
		Preview:   b([]string{"P"}, "P", "preview"),
	}
}
