// Package tui is auditdeck's Bubble Tea dashboard: a thin app shell (tabs,
// header, footer, toasts) routing messages to one model per view. Views get
// everything they need from a Context, so one process can run many sessions
// (SSH), each with its own renderer, styles and size; the engine is shared.
package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// View is one tab of the dashboard.
type View interface {
	tea.Model
	// Title is the tab label.
	Title() string
	// SetSize gives the view the space below the header and above the footer.
	SetSize(width, height int)
	// ShortHelp lists the view's key bindings for the footer.
	ShortHelp() []key.Binding
	// Capturing reports whether the view is taking text input (a filter or a
	// form), so the shell leaves letter keys such as q and 1-4 to it.
	Capturing() bool
}

// Toast asks the shell to show a short, non-blocking message.
type Toast struct {
	Text  string
	Error bool
}

// ToastCmd returns a command that shows a toast.
func ToastCmd(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return Toast{Text: text, Error: isErr} }
}
