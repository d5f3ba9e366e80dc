package sshserve

import (
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/tui"
	"github.com/charmbracelet/x/ansi"
)

// hugeSize is what a client may claim: the pty-req and window-change
// fields are uint32. Drawn as given it took 5.8 GB in 6 s.
const hugeSize = 65535

// frameSize is how wide the header (first row) is and how many rows the
// frame uses (down to its footer, the last non-blank row).
func frameSize(screen string) (w, h int) {
	lines := strings.Split(screen, "\n")
	w = ansi.StringWidth(lines[0])
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			h = i + 1
		}
	}
	return w, h
}

// TestWindowSizeCapped: a huge PTY, at login or by a window change, gets a
// dashboard of at most tui.MaxWidth×tui.MaxHeight; when the client goes
// away its sessions end and are audited.
func TestWindowSizeCapped(t *testing.T) {
	eng := newEngine(t)
	ppl := newPeople(t)
	users, _ := ppl.usersFile(t)
	ts := startServer(t, eng, users, nil)
	c := ts.mustDial(t, ppl.alice)
	screenW, screenH := tui.MaxWidth+100, tui.MaxHeight+20
	capped := func(s string) bool {
		w, h := frameSize(s)
		return strings.Contains(s, "1/306") && w == tui.MaxWidth && h == tui.MaxHeight
	}

	atLogin, err := startTermSized(t, c, "xterm-256color", hugeSize, hugeSize, screenW, screenH)
	if err != nil {
		t.Fatal(err)
	}
	atLogin.waitFor("a frame capped to the maximum size", capped)

	resized, err := startTermSized(t, c, "xterm-256color", termW, termH, screenW, screenH)
	if err != nil {
		t.Fatal(err)
	}
	resized.waitFor("a 100x30 frame", func(s string) bool {
		w, h := frameSize(s)
		return strings.Contains(s, "1/306") && w == termW && h == termH
	})
	if err := resized.sess.WindowChange(hugeSize, hugeSize); err != nil {
		t.Fatal(err)
	}
	resized.waitFor("the resized frame capped to the maximum size", capped)
	waitUntil(t, "two sessions", screenWait, func() bool { return ts.Sessions() == 2 })

	// The client leaves without quitting: both sessions end, their
	// programs stop and their end is audited.
	c.Close()
	waitUntil(t, "both sessions to end", screenWait, func() bool { return ts.Sessions() == 0 })
	waitUntil(t, "both ends audited", screenWait, func() bool { return len(ts.audit(t, "session.end")) == 2 })
	for _, e := range ts.audit(t, "session.end") {
		if e.User != "alice" || e.Detail["reason"] != "disconnected" {
			t.Errorf("session.end %+v", e)
		}
	}
}
