package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestDemoQuitAsks runs `auditdeck demo` in tmux: q asks before the demo
// store is deleted, n keeps the dashboard, y quits and removes the store.
func TestDemoQuitAsks(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not on PATH: TestDemoQuitAsks drives the demo in tmux (CI installs it)")
	}
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	p := startPane(t, dir, fmt.Sprintf("TMPDIR=%s XDG_CONFIG_HOME=%s %s demo --events 500",
		dashShellQuote(tmp), dashShellQuote(filepath.Join(dir, "config")), dashShellQuote(binary)))
	p.waitScreen(dashWait, "1 Activities", "demo", "TIME (UTC)")
	stores, _ := filepath.Glob(filepath.Join(tmp, "auditdeck-demo-*"))
	if len(stores) != 1 {
		t.Fatalf("demo stores in TMPDIR: %v", stores)
	}
	const question = "quit and delete the demo store (--keep keeps it)? y/n"
	p.typeText("q")
	p.waitScreen(dashWait, question)
	p.typeText("n")
	p.typeText("2")
	p.waitScreen(dashWait, "Filter / group by")
	if _, err := os.Stat(stores[0]); err != nil {
		t.Fatalf("the demo store went while the dashboard runs: %v", err)
	}
	p.typeText("q")
	p.waitScreen(dashWait, question)
	p.typeText("y")
	if code := p.waitExit(dashWait); code != "0" {
		t.Fatalf("the demo exited with status %s; screen:\n%s", code, dashFrame(p.capture()))
	}
	if _, err := os.Stat(stores[0]); !os.IsNotExist(err) {
		t.Fatalf("the demo store is still there after quitting: %v", err)
	}
}
