package tui

import "github.com/auditdeck/auditdeck/core/render"

// sanitize makes event or user text safe to draw: escape sequences and
// control characters become visible text such as \x1b.
func sanitize(s string) string { return render.Terminal(s) }
