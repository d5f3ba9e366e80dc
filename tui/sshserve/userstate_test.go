package sshserve

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/tui"
)

// TestColumnsPerUser: a user's chosen columns are kept in their own file
// under the server's state directory (named from the users directory, not
// from the login name the client sent) and come back in their next
// session; another user keeps the default columns.
func TestColumnsPerUser(t *testing.T) {
	eng := newEngine(t)
	ppl := newPeople(t)
	users, _ := ppl.usersFile(t)
	state := filepath.Join(t.TempDir(), "ssh-users")
	ts := startServer(t, eng, users, func(o *Options) { o.StateDir = state })

	tm := openTerm(t, ts.mustDial(t, ppl.alice))
	tm.waitScreen("306 events", "1/306")
	tm.send("C")
	tm.waitScreen("type to search")
	tm.send("raw.operation")
	tm.waitScreen("raw.OperationCount")
	tm.send(" \r")
	tm.waitScreen("RAW.OPERA", "UserLogge", "columns saved")
	tm.send("q")
	if err := tm.waitExit(screenWait); err != nil {
		t.Fatal(err)
	}
	file := tui.UserStateFile(state, "alice")
	cols, err := tui.LoadUserColumns(file)
	if err != nil || !slices.Contains(cols, "raw.Operation") {
		t.Fatalf("alice's state %s: %v %v", file, cols, err)
	}
	ents, _ := os.ReadDir(state)
	if len(ents) != 1 {
		t.Fatalf("state directory holds %d files", len(ents))
	}

	bob := openTerm(t, ts.mustDial(t, ppl.bob))
	if scr := bob.waitScreen("306 events", "1/306"); strings.Contains(scr, "RAW.OPERA") {
		t.Fatalf("bob sees alice's columns:\n%s", scr)
	}
	bob.send("q")
	bob.waitExit(screenWait)

	again := openTerm(t, ts.mustDial(t, ppl.alice))
	again.waitScreen("RAW.OPERA", "1/306")
	again.send("q")
	again.waitExit(screenWait)
}
