package main_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The dashboard end-to-end test drives the real binary in a detached tmux
// session on a private server (tmux -L), reads the screen with
// capture-pane and checks the results through the CLI afterwards.

const (
	dashPoll = 50 * time.Millisecond // capture-pane interval
	dashWait = 10 * time.Second      // the longest any one screen may take

	// The newest login of testdata/activities.ndjson is the hand-written
	// line 305 (testdata/README.md): terminal escapes in its region, city,
	// user agent and auth type.
	dashHostileID   = "google:auth:-2318890417736554012#0"
	dashHostileTime = "2026-10-31 23:47:33"
)

// exportToast is the status line after an export was submitted.
var exportToast = regexp.MustCompile(`export queued: task (\d+), (\d+) rows \S+ (\S+)\.csv`)

// dashPane is the dashboard running in a pane of a private tmux server.
type dashPane struct {
	t        *testing.T
	socket   string // tmux -L name, unique to this test
	sockPath string // where the server put it, removed at the end
	exitFile string // the wrapper shell writes the dashboard's exit status here
	last     string // the last screen captured, for failure messages
}

// tmux runs one tmux command on the private server.
func (p *dashPane) tmux(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "tmux", append([]string{"-L", p.socket}, args...)...)
	cmd.Env = append(os.Environ(), "TMUX=") // never talk to an enclosing tmux
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
	}
	if err != nil {
		return string(out), fmt.Errorf("tmux %s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}

func (p *dashPane) mustTmux(args ...string) string {
	p.t.Helper()
	out, err := p.tmux(args...)
	if err != nil {
		p.t.Fatalf("%v\nlast screen:\n%s", err, dashFrame(p.last))
	}
	return out
}

// send sends tmux key names (Enter, Escape, …).
func (p *dashPane) send(keys ...string) {
	p.t.Helper()
	p.mustTmux(append([]string{"send-keys", "-t", "e2e"}, keys...)...)
}

// typeText sends text literally.
func (p *dashPane) typeText(s string) {
	p.t.Helper()
	p.mustTmux("send-keys", "-t", "e2e", "-l", s)
}

// capture reads the visible screen as plain text. capture-pane -p prints
// what the terminal shows, never the bytes the program wrote, so a control
// character here means something got through that no terminal should see.
func (p *dashPane) capture() string {
	p.t.Helper()
	s := p.mustTmux("capture-pane", "-p", "-t", "e2e")
	p.last = s
	for i, r := range s {
		if r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f) {
			p.t.Fatalf("raw control character %U at byte %d on screen (event data reached the terminal unescaped):\n%q", r, i, s)
		}
	}
	return s
}

// exited reports the dashboard's exit status once it has ended.
func (p *dashPane) exited() (string, bool) {
	b, err := os.ReadFile(p.exitFile)
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}

// waitFor polls the screen every 50 ms until ok accepts it, and fails with
// the last screen after timeout or as soon as the dashboard has exited.
func (p *dashPane) waitFor(what string, timeout time.Duration, ok func(screen string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := p.capture()
		if ok(s) {
			return s
		}
		if code, done := p.exited(); done {
			p.t.Fatalf("the dashboard exited (status %s) while waiting for %s; screen:\n%s", code, what, dashFrame(s))
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out after %v waiting for %s; last screen:\n%s", timeout, what, dashFrame(s))
		}
		time.Sleep(dashPoll)
	}
}

// waitScreen waits until the screen contains every one of subs.
func (p *dashPane) waitScreen(timeout time.Duration, subs ...string) string {
	p.t.Helper()
	q := make([]string, len(subs))
	for i, s := range subs {
		q[i] = strconv.Quote(s)
	}
	return p.waitFor(strings.Join(q, " and "), timeout, func(s string) bool {
		for _, sub := range subs {
			if !strings.Contains(s, sub) {
				return false
			}
		}
		return true
	})
}

// waitExit waits for the dashboard process to end and returns its status.
func (p *dashPane) waitExit(timeout time.Duration) string {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if code, done := p.exited(); done {
			return code
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the dashboard did not exit within %v; last screen:\n%s", timeout, dashFrame(p.capture()))
		}
		time.Sleep(dashPoll)
	}
}

// dashFrame marks the screen's lines so blank and trailing space show.
func dashFrame(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "│" + l
	}
	return strings.Join(lines, "\n")
}

// dashLine returns the first screen line that holds all of subs, or "".
func dashLine(screen string, subs ...string) string {
next:
	for _, l := range strings.Split(screen, "\n") {
		for _, s := range subs {
			if !strings.Contains(l, s) {
				continue next
			}
		}
		return l
	}
	return ""
}

// cursorLine is the Activities row under the cursor (drawn with ">").
func cursorLine(screen string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, "> 20") {
			return strings.TrimRight(l, " ")
		}
	}
	return ""
}

func dashShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// startDashboard runs `auditdeck --data data --user alice` in a 120x40 pane
// of a private tmux server, which t.Cleanup stops.
func startDashboard(t *testing.T, dir, data string) *dashPane {
	t.Helper()
	return startPane(t, dir, fmt.Sprintf("%s --data %s --user alice --config %s",
		dashShellQuote(binary), dashShellQuote(data), dashShellQuote(filepath.Join(dir, "no-config.yaml"))))
}

// startPane runs a shell command (the dashboard, or ssh to serve's) in a
// 120x40 pane of a private tmux server, which t.Cleanup stops.
func startPane(t *testing.T, dir, command string) *dashPane {
	t.Helper()
	p := &dashPane{
		t:        t,
		socket:   fmt.Sprintf("auditdeck-e2e-%d-%d", os.Getpid(), time.Now().UnixNano()),
		exitFile: filepath.Join(dir, fmt.Sprintf("pane-%d.exit", time.Now().UnixNano())),
	}
	conf := filepath.Join(dir, "tmux.conf")
	err := os.WriteFile(conf, []byte(strings.Join([]string{
		"set -g status off",              // the pane gets all 40 rows
		"set -g remain-on-exit on",       // what a crash printed stays readable
		"set -g set-clipboard on",        // an OSC 52 write would become a tmux buffer
		"set -g default-shell /bin/sh",   // runs the wrapper below
		"set -g default-terminal screen", // what tmux itself emulates
	}, "\n")+"\n"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Quit a dashboard that is still running so it closes the store
		// before the temp directory goes, then stop the server.
		if _, done := p.exited(); !done {
			p.tmux("send-keys", "-t", "e2e", "C-c")
			for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(dashPoll) {
				if _, done := p.exited(); done {
					break
				}
			}
		}
		p.tmux("kill-server")
		if p.sockPath != "" {
			os.Remove(p.sockPath) // tmux leaves its socket file behind
		}
	})
	tmp := p.exitFile + ".tmp"
	shell := fmt.Sprintf("%s; echo $? > %s && mv %s %s", command,
		dashShellQuote(tmp), dashShellQuote(tmp), dashShellQuote(p.exitFile))
	if _, err := p.tmux("-f", conf, "new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40", shell); err != nil {
		t.Fatalf("start the dashboard in tmux: %v", err)
	}
	size, sock, _ := strings.Cut(strings.TrimSpace(p.mustTmux("display-message", "-p", "-t", "e2e", "#{pane_width}x#{pane_height} #{socket_path}")), " ")
	if filepath.Base(sock) == p.socket {
		p.sockPath = sock
	}
	if size != "120x40" {
		t.Fatalf("tmux pane is %s, want 120x40", size)
	}
	return p
}

// TestDashboardInTmux walks the dashboard as a user would: every tab, a
// filter, triage, the detail of an event full of terminal escapes, an export
// followed to the end on the Tasks tab, and quit; then it checks the store
// with the CLI.
func TestDashboardInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not on PATH: TestDashboardInTmux drives the dashboard in tmux (CI installs it)")
	}
	start := time.Now()
	dir := t.TempDir()
	data := filepath.Join(dir, "store")
	r := run(t, nil, "ingest", "--data", data, fixture(t, "activities.ndjson"))
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ingested 306, ") {
		t.Fatalf("ingest: %+v", r)
	}
	r = run(t, nil, "query", "--data", data, "--filter", "event_type.eq(login)", "--count")
	logins, err := strconv.Atoi(strings.TrimSpace(r.stdout))
	if r.code != 0 || err != nil || logins == 0 || logins >= 1000 {
		t.Fatalf("count logins: %+v", r) // under 1000: the screen shows it without separators
	}
	n := strconv.Itoa(logins)

	p := startDashboard(t, dir, data)

	// Activities: the header, the table and every event counted.
	p.waitScreen(dashWait, "1 Activities  2 Reports  3 Subscriptions  4 Tasks", "alice", "306 events",
		"filter none (/ to filter)", "TIME (UTC)", "1/306")

	// Walk the tabs; each shows its own content.
	p.typeText("2")
	p.waitScreen(dashWait, "Filter / group by", "predefined", "Account access report")
	p.typeText("3")
	p.waitScreen(dashWait, "no subscriptions: subscribe to a report with s in Reports")
	p.typeText("4")
	p.waitScreen(dashWait, "no tasks: export from Activities (x) or generate a report (g in Reports)")
	p.typeText("1")
	p.waitScreen(dashWait, "TIME (UTC)", "1/306")

	// Filter to logins: the input previews the count, the bar shows the
	// filter, and the newest login (the hostile row) is under the cursor.
	p.typeText("/")
	p.waitScreen(dashWait, "e.g. event_type.eq(login),!operation_successful")
	p.typeText("event_type.eq(login)")
	p.waitScreen(dashWait, "/ event_type.eq(login)", n+" matches")
	p.send("Enter")
	p.waitFor("the filter bar and the filtered table", dashWait, func(s string) bool {
		return strings.Contains(s, "filter event_type.eq(login)  range all") &&
			strings.Contains(s, "1/"+n) &&
			strings.HasPrefix(cursorLine(s), "> "+dashHostileTime+" login") &&
			strings.HasSuffix(cursorLine(s), " new")
	})

	// Triage the cursor row.
	p.typeText("r")
	p.waitFor("the cursor row to be marked reviewed", dashWait, func(s string) bool {
		l := cursorLine(s)
		return strings.Contains(s, "1 event marked reviewed") &&
			strings.HasPrefix(l, "> "+dashHostileTime) && strings.HasSuffix(l, " reviewed")
	})

	// Its detail: every escape in the event's strings is drawn as text.
	p.send("Enter")
	scr := p.waitFor("the detail of "+dashHostileID, dashWait, func(s string) bool {
		return dashLine(s, "Event "+dashHostileID, "reviewed") != "" && strings.Contains(s, `"city": `)
	})
	for _, want := range []string{
		`"name": "\x1b]0;title\x07Noord-Holland"`,
		`"city": "\x1b]52;c;ZXZpbA==\x07Amsterdam"`,
		`"user_agent": "Mozilla/5.0 \x1b[2J\x1b[H\x1b[31mPWNED\x1b[0m\x0dcurl/8.16.0 \u009b6n"`,
		`"auth_type": "google_password\x1b[8m"`,
	} {
		if !strings.Contains(scr, want) {
			t.Errorf("the detail does not show %s; screen:\n%s", want, dashFrame(scr))
		}
	}
	// Had the OSC sequences reached the terminal, tmux would have taken the
	// title change and the clipboard write.
	if title := strings.TrimSpace(p.mustTmux("display-message", "-p", "-t", "e2e", "#{pane_title}")); title == "title" {
		t.Errorf("an OSC 0 from event data set the pane title to %q", title)
	}
	if bufs := strings.TrimSpace(p.mustTmux("list-buffers")); bufs != "" {
		t.Errorf("an OSC 52 from event data reached the clipboard: %s", bufs)
	}
	p.send("Escape")
	p.waitScreen(dashWait, "TIME (UTC)", "filter event_type.eq(login)")

	// Keys typed in one burst reach the dashboard in one read: each moves.
	p.typeText("jjjj")
	p.waitScreen(dashWait, "5/"+n)
	p.typeText("kkkk")
	p.waitScreen(dashWait, "1/"+n)

	// Export what the view shows.
	p.typeText("x")
	p.waitScreen(dashWait, "Export activities", "event_type.eq(login)", "format", "csv", "table columns")
	p.send("Enter")
	m := exportToast.FindStringSubmatch(p.waitFor("the export to be queued", dashWait, exportToast.MatchString))
	taskID, name := m[1], m[3]
	if m[2] != n {
		t.Errorf("the export queued %s rows, want %s", m[2], n)
	}

	// The Tasks tab follows it to the end: succeeded, done, every row written.
	// 148 rows take milliseconds, so the running bar is rarely on screen.
	p.typeText("4")
	sawBar := false
	p.waitFor("task "+taskID+" to succeed with "+n+" rows", dashWait, func(s string) bool {
		if dashLine(s, "running", "%") != "" {
			sawBar = true
		}
		return dashLine(s, "succeeded", "done", n) != "" && dashLine(s, "ID", taskID) != "" &&
			dashLine(s, "Rows", n+" written") != ""
	})
	t.Logf("export task %s: running progress bar seen: %v", taskID, sawBar)

	// Quit; the store is locked until the process is gone.
	p.typeText("q")
	if code := p.waitExit(dashWait); code != "0" {
		t.Fatalf("the dashboard exited with status %s; screen:\n%s", code, dashFrame(p.capture()))
	}

	// The CLI sees the triage and the finished export.
	r = run(t, nil, "query", "--data", data, "--filter", "triage.state.eq(reviewed)", "--count")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "1" {
		t.Errorf("reviewed count after the dashboard: %+v", r)
	}
	r = run(t, nil, "query", "--data", data, "--filter", "triage.state.eq(reviewed)", "--format", "ndjson")
	if r.code != 0 || !strings.Contains(r.stdout, `"event_id":"`+dashHostileID+`"`) || !strings.Contains(r.stdout, `"triage":{"state":"reviewed","by":"alice"`) {
		t.Errorf("reviewed event: %+v", r)
	}
	r = run(t, nil, "task", "show", "--data", data, taskID)
	if r.code != 0 || !strings.Contains(r.stdout, `"status": "succeeded"`) || !strings.Contains(r.stdout, `"done": `+n+",") {
		t.Errorf("task show %s: %+v", taskID, r)
	}
	b, err := os.ReadFile(filepath.Join(data, "exports", taskID, name+".csv"))
	if err != nil || !strings.HasPrefix(string(b), "Time,Type,User,") || strings.Count(string(b), "\r\n") != logins+1 {
		t.Errorf("export file %s.csv: %v, %d lines, want a header and %d rows", name, err, strings.Count(string(b), "\r\n"), logins)
	}
	t.Logf("dashboard walk took %v", time.Since(start).Round(time.Millisecond))
}
