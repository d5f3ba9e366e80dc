package main_test

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestFieldsPanelInTmux opens the fields panel of the real dashboard in
// tmux, picks a field, filters for one of its values and against it, and
// then filters from a line of the detail pane; each time the filter bar and
// the table's count must be what the CLI counts for the same filter.
func TestFieldsPanelInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not on PATH: TestFieldsPanelInTmux drives the dashboard in tmux (CI installs it)")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "store")
	if r := run(t, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	// The CLI's counts, taken first: the dashboard will hold the store.
	counts := map[string]string{}
	r := run(t, nil, "top", "event_type", "--data", data, "--format", "csv")
	if r.code != 0 {
		t.Fatalf("top event_type: %+v", r)
	}
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n")[1:] {
		f := strings.Split(l, ",")
		counts[f[0]] = f[1]
	}
	n, other := counts["login"], counts["other"]
	if len(counts) != 3 || n == "" || other == "" {
		t.Fatalf("event types %v", counts)
	}
	notLogin := cliCount(t, data, "!event_type.eq(login)")
	p := startDashboard(t, dir, data)
	p.waitScreen(dashWait, "306 events", "TIME (UTC)", "1/306")

	// F: the panel opens beside the table (120 columns) with every field.
	p.typeText("F")
	scr := p.waitScreen(dashWait, "Fields ", "coverage of all 306 events", "> client_ip")
	if dashLine(scr, "TIME (UTC)", "│") == "" {
		t.Fatalf("the panel is not beside the table:\n%s", dashFrame(scr))
	}
	if l := dashLine(scr, "extra.auth.auth_type"); !strings.Contains(l, "99%") {
		t.Fatalf("auth_type's coverage line %q", l)
	}

	// / searches, enter chooses: event_type's values with their counts.
	p.typeText("/event_type")
	p.waitScreen(dashWait, "/ event_type", "> event_type")
	p.send("Enter")
	p.send("Enter")
	scr = p.waitScreen(dashWait, "top 10 of 306 events · 3 values")
	// The cursor goes down to login; its line holds the CLI's count.
	for i := 0; dashLine(scr, "> login") == ""; i++ {
		if i == 3 {
			t.Fatalf("no login line:\n%s", dashFrame(scr))
		}
		p.send("Down")
		scr = p.waitFor("the cursor to move", dashWait, func(s string) bool { return s != scr })
	}
	if l := dashLine(scr, "> login"); !strings.Contains(l, " "+n+" ") {
		t.Fatalf("login line %q, the CLI counts %s", l, n)
	}

	// enter filters for it: the filter bar, the table and the panel follow.
	p.send("Enter")
	p.waitScreen(dashWait, "filter event_type.eq(login)  range all", "1/"+n, "top 10 of "+n+" events · 1 value")
	// - turns it round.
	p.send("Up") // the only line: the cursor stays on login
	p.typeText("-")
	if out := strconv.Itoa(306 - mustAtoi(t, n)); out != notLogin {
		t.Fatalf("the CLI counts %s logins and %s others of 306", n, notLogin)
	}
	p.waitScreen(dashWait, "filter !event_type.eq(login)  range all", "1/"+notLogin, "top 10 of "+notLogin+" events · 2 values")

	// esc back to the fields, esc again closes: the table has the width back.
	p.send("Escape")
	p.waitScreen(dashWait, "coverage of all 306 events")
	p.send("Escape")
	scr = p.waitFor("the panel to close", dashWait, func(s string) bool {
		return !strings.Contains(s, "coverage of all") && strings.Contains(s, " SERVICE")
	})

	// The detail pane: down to the event_type line, + filters for it.
	p.send("Enter")
	p.waitScreen(dashWait, "Event ", "> ", `"event_id": `, "+/- filter for/against")
	for i := 0; ; i++ {
		scr = p.capture()
		if l := dashLine(scr, "> ", `"event_type": `); l != "" {
			break
		}
		if i == 10 {
			t.Fatalf("the cursor never reached event_type:\n%s", dashFrame(scr))
		}
		p.send("Down")
		p.waitFor("the cursor to move", dashWait, func(s string) bool { return s != scr })
	}
	// The newest event that is not a login is of type other.
	if l := dashLine(scr, "> ", `"event_type": `); !strings.Contains(l, `"event_type": "other"`) {
		t.Fatalf("the detail's event_type line %q", l)
	}
	p.typeText("+")
	p.waitScreen(dashWait, "filter !event_type.eq(login),event_type.eq(other)  range all", "1/"+other, "TIME (UTC)")

	p.typeText("q")
	if code := p.waitExit(dashWait); code != "0" {
		t.Fatalf("the dashboard exited with status %s; screen:\n%s", code, dashFrame(p.capture()))
	}
}

func cliCount(t *testing.T, data, filter string) string {
	t.Helper()
	r := run(t, nil, "query", "--data", data, "--filter", filter, "--count")
	if r.code != 0 {
		t.Fatalf("count %s: %+v", filter, r)
	}
	return strings.TrimSpace(r.stdout)
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
