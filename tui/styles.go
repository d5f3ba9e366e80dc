package tui

import (
	"os"

	"github.com/charmbracelet/lipgloss"
)

// Styles are every style of the dashboard, built once per session from its
// renderer. Colours adapt to light and dark terminals; with NO_COLOR set the
// renderer draws no colour at all.
type Styles struct {
	R *lipgloss.Renderer

	Header      lipgloss.Style
	HeaderDim   lipgloss.Style
	Tab         lipgloss.Style
	TabActive   lipgloss.Style
	Footer      lipgloss.Style
	Border      lipgloss.Style
	Title       lipgloss.Style
	Dim         lipgloss.Style
	Selected    lipgloss.Style
	Cursor      lipgloss.Style
	Marked      lipgloss.Style
	Error       lipgloss.Style
	ErrorToast  lipgloss.Style
	InfoToast   lipgloss.Style
	Failed      lipgloss.Style
	Suspicious  lipgloss.Style
	OK          lipgloss.Style
	Escalated   lipgloss.Style
	Reviewed    lipgloss.Style
	Dismissed   lipgloss.Style
	Bar         lipgloss.Style
	JSONKey     lipgloss.Style
	JSONString  lipgloss.Style
	JSONNumber  lipgloss.Style
	JSONLiteral lipgloss.Style
}

// NewStyles builds the styles for one renderer.
func NewStyles(r *lipgloss.Renderer) *Styles { return NewThemedStyles(r, nil) }

// NewThemedStyles builds the styles with colours from the config's theme
// (accent, dim, red, amber, green) in place of the defaults.
func NewThemedStyles(r *lipgloss.Renderer, theme map[string]string) *Styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	if os.Getenv("NO_COLOR") != "" {
		r.SetColorProfile(0) // termenv.Ascii
	}
	c := func(light, dark string) lipgloss.AdaptiveColor {
		return lipgloss.AdaptiveColor{Light: light, Dark: dark}
	}
	accent := c("#5A3FC0", "#9D8CFF")
	dim := c("#6B6B6B", "#8A8A8A")
	red := c("#B3261E", "#FF6B6B")
	amber := c("#8A5A00", "#FFB347")
	green := c("#1B7F3B", "#5FD787")
	s := &Styles{R: r}
	s.Header = r.NewStyle().Bold(true).Foreground(accent)
	s.HeaderDim = r.NewStyle().Foreground(dim)
	s.Tab = r.NewStyle().Padding(0, 1).Foreground(dim)
	s.TabActive = r.NewStyle().Padding(0, 1).Bold(true).Underline(true).Foreground(accent)
	s.Footer = r.NewStyle().Foreground(dim)
	s.Border = r.NewStyle().Border(lipgloss.NormalBorder()).BorderForeground(dim)
	s.Title = r.NewStyle().Bold(true)
	s.Dim = r.NewStyle().Foreground(dim)
	s.Selected = r.NewStyle().Reverse(true)
	s.Cursor = r.NewStyle().Bold(true).Foreground(accent)
	s.Marked = r.NewStyle().Foreground(accent)
	s.Error = r.NewStyle().Foreground(red)
	s.ErrorToast = r.NewStyle().Bold(true).Foreground(red)
	s.InfoToast = r.NewStyle().Foreground(green)
	s.Failed = r.NewStyle().Foreground(red)
	s.Suspicious = r.NewStyle().Bold(true).Foreground(amber)
	s.OK = r.NewStyle().Foreground(green)
	s.Escalated = r.NewStyle().Bold(true).Foreground(red)
	s.Reviewed = r.NewStyle().Foreground(green)
	s.Dismissed = r.NewStyle().Foreground(dim)
	s.Bar = r.NewStyle().Foreground(accent)
	s.JSONKey = r.NewStyle().Foreground(accent)
	s.JSONString = r.NewStyle().Foreground(green)
	s.JSONNumber = r.NewStyle().Foreground(amber)
	s.JSONLiteral = r.NewStyle().Foreground(red)
	return s
}
