package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTableSortGroupColumnsInTmux drives the Activities table's sort,
// group-by mode and column chooser in the real binary in tmux: the sorted
// rows agree with `query --order`, the groups with `top`, enter drills into
// a group, and the chosen columns are written to the config file with its
// comment kept.
func TestTableSortGroupColumnsInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not on PATH: this test drives the dashboard in tmux (CI installs it)")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "store")
	if r := run(t, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	firstUser := func(order string) string {
		r := run(t, nil, "query", "--data", data, "--filter", "operation_successful.eq(false)", "--order", order,
			"--columns", "user.user_email", "--format", "csv", "--limit", "1")
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if r.code != 0 || len(lines) < 2 {
			t.Fatalf("query --order %s: %+v", order, r)
		}
		return lines[1]
	}
	// The user column may cut long addresses: their first 20 characters.
	cut := func(s string) string { return s[:min(20, len(s))] }
	asc, desc := cut(firstUser("user.user_email")), cut(firstUser("!user.user_email"))
	r := run(t, nil, "top", "user.user_email", "--data", data, "--filter", "operation_successful.eq(false)", "--n", "1", "--format", "csv")
	top := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(top) < 2 {
		t.Fatalf("top: %+v", r)
	}
	topUser, topCount, _ := strings.Cut(top[1], ",")
	topCount, _, _ = strings.Cut(topCount, ",")

	config := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(config, []byte("# my keys\nkeys:\n  quit: [\"q\"] # quit\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startPane(t, dir, fmt.Sprintf("%s --data %s --user alice --config %s", dashShellQuote(binary), dashShellQuote(data), dashShellQuote(config)))
	p.waitScreen(dashWait, "TIME (UTC) ▼", "1/306")

	// Failed only, then sort by the user column (two columns right).
	p.typeText("f")
	p.waitScreen(dashWait, "only failed", "1/13")
	p.typeText("ll")
	p.typeText("S")
	p.waitFor("ascending by user", dashWait, func(s string) bool {
		return strings.Contains(s, "USER ▲") && strings.Contains(s, "sorted by user.user_email ▲") && strings.Contains(cursorLine(s), " "+asc)
	})
	p.typeText("S")
	p.waitFor("descending by user", dashWait, func(s string) bool {
		return strings.Contains(s, "USER ▼") && strings.Contains(cursorLine(s), " "+desc)
	})

	// Group by user: the largest group is top's first, with its count.
	p.typeText("b")
	p.waitFor("the groups", dashWait, func(s string) bool {
		l := dashLine(s, "> "+topUser)
		return strings.Contains(s, "grouped by user.user_email") && strings.Contains(l, topUser) && strings.Contains(l, " "+topCount+" ")
	})
	p.send("Enter")
	p.waitScreen(dashWait, "filter user.user_email.eq("+topUser+")", "1/"+topCount)

	// Add a raw field as a column; it is saved to the config.
	p.typeText("C")
	p.waitScreen(dashWait, "type to search")
	p.typeText("raw.operation")
	p.waitScreen(dashWait, "raw.OperationCount")
	p.send("Space", "Enter")
	p.waitScreen(dashWait, "RAW.OPERA", "columns saved")
	b, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.HasPrefix(s, "# my keys\nkeys:\n  quit: [\"q\"] # quit\ncolumns:\n") || !strings.Contains(s, "  - raw.Operation\n") {
		t.Fatalf("config after saving columns:\n%s", s)
	}
	p.typeText("q")
	p.waitExit(dashWait)
}
