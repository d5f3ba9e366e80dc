package components

import (
	"encoding/base64"
	"strings"

	"github.com/auditdeck/auditdeck/core/render"
)

// OSC52 returns the escape sequence that asks the terminal to put text on
// its clipboard. It travels in the program's own output, so it reaches the
// user's terminal over SSH too. With tmux set, the plain sequence (which tmux
// honours with set-clipboard on) is followed by the same sequence wrapped in
// tmux's DCS passthrough (honoured with allow-passthrough on), so one of
// them reaches the outer terminal whichever way tmux is set up.
//
// The clipboard gets the text as the dashboard draws it (render.Terminal):
// base64 keeps the sequence itself safe, but an event id holding ESC,
// newlines or a bidi override would otherwise be pasted raw into the
// user's shell or next terminal.
func OSC52(text string, tmux bool) string {
	plain := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(render.Terminal(text))) + "\x07"
	if !tmux {
		return plain
	}
	return plain + "\x1bPtmux;" + strings.ReplaceAll(plain, "\x1b", "\x1b\x1b") + "\x1b\\"
}
