package sshserve

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	gossh "golang.org/x/crypto/ssh"
)

// TestTriageSeenLive: two sessions at once; an operator's triage in one
// shows in the other without a key pressed there.
func TestTriageSeenLive(t *testing.T) {
	eng := newEngine(t)
	ppl := newPeople(t)
	users, _ := ppl.usersFile(t)
	ts := startServer(t, eng, users, nil)

	a := openTerm(t, ts.mustDial(t, ppl.alice))
	b := openTerm(t, ts.mustDial(t, ppl.carol))
	isNew := func(s string) bool { return strings.HasSuffix(strings.TrimRight(cursorLine(s), " "), " new") }
	scrA := a.waitFor("alice's cursor row, untriaged", isNew)
	scrB := b.waitFor("carol's cursor row, untriaged", isNew)
	row := strings.Fields(cursorLine(scrA))
	if got := strings.Fields(cursorLine(scrB)); strings.Join(got[:3], " ") != strings.Join(row[:3], " ") {
		t.Fatalf("the sessions start on different rows: %q / %q", cursorLine(scrA), cursorLine(scrB))
	}
	if ts.Sessions() != 2 {
		t.Fatalf("Sessions() = %d, want 2", ts.Sessions())
	}

	start := time.Now()
	a.send("r")
	a.waitScreen("1 event marked reviewed")
	b.waitFor("the other session's triage", func(s string) bool {
		return strings.HasSuffix(strings.TrimRight(cursorLine(s), " "), " reviewed")
	})
	t.Logf("carol saw alice's triage %v after the key", time.Since(start).Round(time.Millisecond))
	if time.Since(start) > 5*time.Second {
		t.Errorf("the change took %v to show", time.Since(start))
	}
	a.send("q")
	b.send("q")
	a.waitExit(screenWait)
	b.waitExit(screenWait)
}

// TestViewerSeesNoActions: a viewer is offered no triage, create, edit,
// delete, generate or subscribe keys, and pressing them changes nothing but
// a toast.
func TestViewerSeesNoActions(t *testing.T) {
	eng := newEngine(t)
	ppl := newPeople(t)
	users, _ := ppl.usersFile(t)
	ts := startServer(t, eng, users, nil)

	op := openTerm(t, ts.mustDial(t, ppl.alice))
	vw := openTerm(t, ts.mustDial(t, ppl.bob))

	// Activities: the operator's full help has triage keys, the viewer's
	// not (the short footer is cut at 100 columns).
	op.waitScreen("1/306")
	vw.waitScreen("1/306")
	op.send("?")
	vw.send("?")
	opScr := op.waitScreen("r", "reviewed", "? ")
	vwScr := vw.waitScreen("x", "export", "y", "copy id")
	for _, k := range []string{"reviewed", "escalate", "dismiss", "note"} {
		if strings.Contains(helpOf(t, vwScr), k) {
			t.Errorf("the viewer's help offers %q:\n%s", k, frame(vwScr))
		}
		if !strings.Contains(helpOf(t, opScr), k) {
			t.Errorf("the operator's help lacks %q:\n%s", k, frame(opScr))
		}
	}
	before := cursorLine(vwScr)
	for _, k := range []string{"r", "e", "d", "n"} {
		vw.send(k)
		vw.waitScreen("triage is not allowed for bob (viewer role)")
	}
	time.Sleep(300 * time.Millisecond) // a triage that went through would show by now
	if after := cursorLine(vw.screen()); after != before || !strings.HasSuffix(strings.TrimRight(after, " "), " new") {
		t.Errorf("the viewer's keys changed the row: %q -> %q", before, after)
	}
	triaged, err := query.ParseDSL("triage.state.in(reviewed,escalated,dismissed)")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := eng.Count(t.Context(), triaged); err != nil || n != 0 {
		t.Errorf("%d events triaged by a viewer (%v)", n, err)
	}

	// Reports: no create, edit, delete or subscribe; generating a report
	// is an export of one's own, which a viewer may start.
	op.send("2")
	opScr = op.waitScreen("Account access report", "subscribe")
	vw.send("2")
	vwScr = vw.waitScreen("Account access report")
	if !strings.Contains(helpOf(t, vwScr), "generate") {
		t.Errorf("the viewer's Reports help lacks generate:\n%s", frame(vwScr))
	}
	for _, k := range []string{"create", "edit", "delete", "subscribe"} {
		if strings.Contains(helpOf(t, vwScr), k) {
			t.Errorf("the viewer's Reports help offers %q:\n%s", k, frame(vwScr))
		}
		if !strings.Contains(helpOf(t, opScr), k) {
			t.Errorf("the operator's Reports help lacks %q:\n%s", k, frame(opScr))
		}
	}
	for key, what := range map[string]string{"c": "create", "E": "edit", "D": "delete", "s": "subscribe"} {
		vw.send(key)
		vw.waitScreen(what + ": your role can only view reports")
	}
	// Subscriptions: no actions; Tasks: cancel and retry of one's own, no delete.
	vw.send("3")
	vwScr = vw.waitScreen("no subscriptions")
	for _, k := range []string{"pause", "run now", "delete"} {
		if strings.Contains(helpOf(t, vwScr), k) {
			t.Errorf("the viewer's Subscriptions help offers %q:\n%s", k, frame(vwScr))
		}
	}
	vw.send("4")
	vwScr = vw.waitFor("the Tasks view", func(s string) bool {
		return strings.Contains(s, "enter details") && (strings.Contains(s, "no tasks") || strings.Contains(s, "no task runner"))
	})
	if strings.Contains(helpOf(t, vwScr), "delete") {
		t.Errorf("the viewer's Tasks help offers delete:\n%s", frame(vwScr))
	}
	for _, k := range []string{"cancel", "retry"} {
		if !strings.Contains(helpOf(t, vwScr), k) {
			t.Errorf("the viewer's Tasks help lacks %q (their own exports):\n%s", k, frame(vwScr))
		}
	}
	if subs, err := eng.ListSubscriptions(t.Context(), core.Actor{User: "admin", Admin: true}); err != nil || len(subs) != 0 {
		t.Errorf("subscriptions after the viewer's keys: %v %v", subs, err)
	}
	if reps, err := eng.ListReports(t.Context(), core.Actor{User: "admin", Admin: true}); err != nil || len(reps) != len(core.PredefinedReports()) {
		t.Errorf("reports after the viewer's keys: %d %v", len(reps), err)
	}
	op.send("q")
	vw.send("q")
	op.waitExit(screenWait)
	vw.waitExit(screenWait)
}

// TestUsersReload: a user removed from the users file gets no new login;
// their open session goes on.
func TestUsersReload(t *testing.T) {
	eng := newEngine(t)
	ppl := newPeople(t)
	users, path := ppl.usersFile(t)
	ts := startServer(t, eng, users, nil)

	tm := openTerm(t, ts.mustDial(t, ppl.alice))
	tm.waitScreen("1/306", "alice")
	if err := os.WriteFile(path, []byte(ppl.usersYAML("alice")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := users.Reload(); err != nil {
		t.Fatal(err)
	}
	if c, err := ts.dial("alice", gossh.PublicKeys(ppl.alice.signer)); err == nil {
		c.Close()
		t.Fatal("a removed user logged in")
	}
	ts.mustDial(t, ppl.bob).Close() // the others still can
	tm.send("2")
	tm.waitScreen("Account access report")
	tm.send("q")
	if err := tm.waitExit(screenWait); err != nil {
		t.Errorf("the open session ended with %v", err)
	}
}

// helpFirstLine is the first line of the full help: the view's first key
// beside the shell's "1 activities".
var helpFirstLine = regexp.MustCompile(`\s1\s+activities$`)

// helpOf is the full help at the bottom of the screen.
func helpOf(t *testing.T, screen string) string {
	t.Helper()
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		if helpFirstLine.MatchString(l) {
			return strings.Join(lines[i:], "\n")
		}
	}
	t.Fatalf("no full help on the screen:\n%s", frame(screen))
	return ""
}

// TestRendererPerSession: each session draws for its own terminal: a
// 256-colour one gets colours, a dumb one at the same time none.
func TestRendererPerSession(t *testing.T) {
	eng := newEngine(t)
	ppl := newPeople(t)
	users, _ := ppl.usersFile(t)
	ts := startServer(t, eng, users, nil)
	colour := openTerm(t, ts.mustDial(t, ppl.alice))
	plain, err := startTerm(t, ts.mustDial(t, ppl.carol), "dumb")
	if err != nil {
		t.Fatal(err)
	}
	colour.waitScreen("1/306", "alice")
	plain.waitScreen("1/306", "carol")
	sgr := regexp.MustCompile(`\x1b\[[0-9;]*[1-9][0-9;]*m`) // any SGR but a reset
	if !sgr.Match(colour.out.Bytes()) {
		t.Error("the xterm-256color session has no colours")
	}
	if m := sgr.Find(plain.out.Bytes()); m != nil {
		t.Errorf("the dumb terminal got %q", m)
	}
}
