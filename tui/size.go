package tui

// MaxWidth and MaxHeight bound the terminal size a dashboard is drawn for.
// The size comes from the client (an SSH pty-req or window-change carries
// two uint32, a relayed terminal says its own), and every frame costs
// memory and time in proportion to width×height: a 65535×65535 terminal
// took 5.8 GB. No real terminal needs more; a larger one shows the capped
// frame in its top-left corner.
const (
	MaxWidth  = 1000
	MaxHeight = 500
)

// ClampSize bounds a terminal size to MaxWidth×MaxHeight; negative sizes
// become 0 (nothing is drawn until a real size arrives).
func ClampSize(w, h int) (int, int) {
	return min(max(w, 0), MaxWidth), min(max(h, 0), MaxHeight)
}
