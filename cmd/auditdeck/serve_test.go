package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// servedProcess is a running `auditdeck serve` and what it logged.
type servedProcess struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  bytes.Buffer
	done chan struct{}
	err  error
}

func (s *servedProcess) logged() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// waitLog waits until the log matches re and returns the submatches.
func (s *servedProcess) waitLog(t *testing.T, re *regexp.Regexp, within time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(s.logged()); m != nil {
			return m
		}
		select {
		case <-s.done:
			t.Fatalf("serve exited (%v) before logging %s:\n%s", s.err, re, s.logged())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not log %s within %s:\n%s", re, within, s.logged())
	return nil
}

// stop sends sig and waits for the process, returning its exit code.
func (s *servedProcess) stop(t *testing.T, sig syscall.Signal, within time.Duration) int {
	t.Helper()
	s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(within):
		s.cmd.Process.Kill()
		<-s.done
		t.Fatalf("serve did not stop within %s after %s:\n%s", within, sig, s.logged())
	}
	return s.cmd.ProcessState.ExitCode()
}

var socketLine = regexp.MustCompile(`msg="local commands" socket=(\S+)`)

func startServe(t *testing.T, data string, args ...string) *servedProcess {
	t.Helper()
	s := &servedProcess{done: make(chan struct{})}
	s.cmd = exec.Command(binary, append([]string{"serve", "--data", data}, args...)...)
	s.cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+t.TempDir())
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stderr = pw
	s.cmd.Stdout = pw
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			s.mu.Lock()
			s.log.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
		}
	}()
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	s.waitLog(t, socketLine, 20*time.Second)
	return s
}

// runIn runs the binary with a working directory.
func runIn(t *testing.T, dir string, stdin []byte, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{so.String(), se.String(), code}
}

// TestServeRelaysLocalCommands: while serve owns the store, local commands
// run inside it (relative paths, standard input, exit codes and errors as
// if local), a second serve is refused in one line, and SIGTERM drains.
func TestServeRelaysLocalCommands(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	srv := startServe(t, data, "--http", "off", "--ssh", "off")
	sock := srv.waitLog(t, socketLine, time.Second)[1]
	st, err := os.Stat(sock)
	if err != nil || st.Mode().Perm() != 0o600 || st.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket %s: %v mode %v", sock, err, st.Mode())
	}
	testdata := filepath.Dir(fixture(t, "activities.ndjson"))
	// A relative file name is the client's, not the daemon's.
	r := runIn(t, testdata, nil, "ingest", "--data", data, "activities.ndjson")
	if r.code != 0 || !strings.Contains(r.stdout, "ingested 306") {
		t.Fatalf("relayed ingest: %+v", r)
	}
	seed, err := os.ReadFile(fixture(t, "seed_activities.json"))
	if err != nil {
		t.Fatal(err)
	}
	r = runIn(t, t.TempDir(), seed, "ingest", "--data", data, "-")
	if r.code != 0 || !strings.Contains(r.stdout, "ingested") {
		t.Fatalf("relayed ingest from stdin: %+v", r)
	}
	r = runIn(t, t.TempDir(), nil, "query", "--data", data, "--count", "--filter", "event_type.eq(login)")
	if r.code != 0 || strings.TrimSpace(r.stdout) == "" || strings.TrimSpace(r.stdout) == "0" {
		t.Fatalf("relayed query: %+v", r)
	}
	r = runIn(t, t.TempDir(), nil, "query", "--data", data, "--filter", "user..x")
	if r.code == 0 || !strings.Contains(r.stderr, "position 5") {
		t.Fatalf("relayed bad filter: %+v", r)
	}
	r = runIn(t, t.TempDir(), nil, "ingest", "--data", data, "no-such-file.ndjson")
	if r.code == 0 || !strings.Contains(r.stderr, "no-such-file.ndjson") {
		t.Fatalf("relayed missing file: %+v", r)
	}
	r = runIn(t, t.TempDir(), nil, "token", "create", "--data", data, "--user", "alice", "--expires", "30d")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || !regexp.MustCompile(`^adk_[A-Za-z0-9_-]{43}$`).MatchString(lines[len(lines)-1]) {
		t.Fatalf("token create: %+v", r)
	}
	r = runIn(t, t.TempDir(), nil, "token", "list", "--data", data)
	if r.code != 0 || !strings.Contains(r.stdout, "alice") || strings.Contains(r.stdout, lines[len(lines)-1]) {
		t.Fatalf("token list: %+v", r)
	}
	r = runIn(t, t.TempDir(), nil, "export", "--data", data, "--file-name", "../escape", "--format", "csv")
	if r.code == 0 || !strings.Contains(r.stderr, "file_name") {
		t.Fatalf("relayed bad export name: %+v", r)
	}
	r = runIn(t, t.TempDir(), nil, "export", "--data", data, "--file-name", "logins", "--format", "csv", "--filter", "event_type.eq(login)")
	if r.code != 0 {
		t.Fatalf("relayed export: %+v", r)
	}
	if m, _ := filepath.Glob(filepath.Join(data, "exports", "*", "logins.csv")); len(m) != 1 || !strings.HasPrefix(r.stdout, m[0]+"\t") {
		t.Fatalf("relayed export file: %v, printed %q", m, r.stdout)
	}
	// A second daemon on the same directory says so in one line.
	r = run(t, nil, "serve", "--data", data, "--http", "off", "--ssh", "off")
	if r.code != 3 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "in use by another process") {
		t.Fatalf("second serve: %+v", r)
	}
	start := time.Now()
	if code := srv.stop(t, syscall.SIGTERM, 12*time.Second); code != 0 {
		t.Fatalf("serve exit %d:\n%s", code, srv.logged())
	}
	t.Logf("drained in %s", time.Since(start))
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Fatalf("socket left after drain: %v", err)
	}
	// Without a daemon the same command opens the store itself.
	r = runIn(t, t.TempDir(), nil, "query", "--data", data, "--count")
	if r.code != 0 {
		t.Fatalf("local query after serve: %+v", r)
	}
}

// TestServeRestartAfterKill: a daemon killed with SIGKILL leaves a stale
// socket; the next start replaces it and relayed commands work.
func TestServeRestartAfterKill(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	srv := startServe(t, data, "--http", "off", "--ssh", "off")
	srv.stop(t, syscall.SIGKILL, 5*time.Second)
	sock := srv.waitLog(t, socketLine, time.Second)[1]
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("expected a stale socket after SIGKILL: %v", err)
	}
	// No daemon listens: the command opens the store itself.
	if r := runIn(t, t.TempDir(), nil, "stats", "--data", data); r.code != 0 {
		t.Fatalf("stats with a stale socket: %+v", r)
	}
	srv = startServe(t, data, "--http", "off", "--ssh", "off")
	if r := runIn(t, filepath.Dir(fixture(t, "activities.ndjson")), nil, "ingest", "--data", data, "activities.ndjson"); r.code != 0 {
		t.Fatalf("relayed ingest after restart: %+v", r)
	}
	srv.stop(t, syscall.SIGTERM, 12*time.Second)
}

// TestServeKilledDuringExportAndScheduledRuns kills serve with SIGKILL
// while an export runs, and again while the scheduler catches up on eleven
// daily periods; after a restart no task is left running, every period is
// generated once, and no partial file has a final name.
func TestServeKilledDuringExportAndScheduledRuns(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "events.ndjson")
	if r := run(t, nil, "gen", "--events", "60000", "--seed", "7", "--end", "2026-11-01T00:00:00Z", "--out", input); r.code != 0 {
		t.Fatalf("gen: %+v", r)
	}
	data := filepath.Join(dir, "store")
	if r := run(t, nil, "ingest", "--data", data, input); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	off := []string{"--http", "off", "--ssh", "off"}
	srv := startServe(t, data, append(off, "--clock-start", "2026-10-20T00:00:00Z")...)
	r := runIn(t, dir, nil, "subscription", "create", "--data", data, "17", "--period", "day", "--format", "csv,ndjson")
	sub := strings.TrimSpace(r.stdout)
	if r.code != 0 || sub == "" {
		t.Fatalf("subscribe: %+v", r)
	}
	exp := exec.Command(binary, "export", "--data", data, "--format", "ndjson,csv", "--file-name", "everything")
	exp.Dir = dir
	stderr, err := exp.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var exportID string
	for sc.Scan() {
		if m := taskLine.FindStringSubmatch(sc.Text()); m != nil {
			exportID = m[1]
			break
		}
	}
	if exportID == "" {
		t.Fatal("relayed export printed no task line")
	}
	time.Sleep(100 * time.Millisecond)
	srv.stop(t, syscall.SIGKILL, 5*time.Second)
	exp.Wait()
	exports := filepath.Join(data, "exports")
	if _, err := os.Stat(filepath.Join(exports, exportID, "everything.csv")); err == nil {
		t.Fatal("the export finished before the kill: the test did not interrupt it")
	}

	// Eleven days later: the scheduler catches up on 2026-10-20 .. 10-30.
	srv = startServe(t, data, append(off, "--clock-start", "2026-10-31T12:00:00Z")...)
	// Kill as soon as the first period's report is published.
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(exports, "*", "Login*.manifest.json")); len(m) > 0 {
			break
		}
	}
	srv.stop(t, syscall.SIGKILL, 5*time.Second)
	done, _ := filepath.Glob(filepath.Join(exports, "*", "*.manifest.json"))
	t.Logf("killed with %d of 12 files complete", len(done))
	srv = startServe(t, data, append(off, "--clock-start", "2026-10-31T12:00:01Z")...)
	deadline := time.Now().Add(60 * time.Second)
	for {
		r = runIn(t, dir, nil, "task", "list", "--data", data)
		pending := strings.Contains(r.stdout, " running ") || strings.Contains(r.stdout, " queued ")
		reports := strings.Count(r.stdout, "\nr"+sub+"-")
		if r.code == 0 && !pending && reports == 11 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tasks did not settle (want 11 report tasks, none running):\n%s\n%s", r.stdout, srv.logged())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if strings.Contains(r.stdout, " failed ") {
		t.Errorf("failed tasks after restart:\n%s", r.stdout)
	}
	show := runIn(t, dir, nil, "task", "show", "--data", data, exportID)
	var task struct {
		Status string `json:"status"`
		Total  int    `json:"record_total_num"`
	}
	if err := json.Unmarshal([]byte(show.stdout), &task); err != nil || task.Status != "succeeded" || task.Total < 1000 {
		t.Fatalf("export after restart: %v %s", err, show.stdout)
	}
	if b, err := os.ReadFile(filepath.Join(exports, exportID, "everything.ndjson")); err != nil || bytes.Count(b, []byte("\n")) != task.Total {
		t.Fatalf("everything.ndjson after restart: %v, %d lines of %d", err, bytes.Count(b, []byte("\n")), task.Total)
	}
	// Every final file is complete: its manifest counts the rows it holds.
	manifests, _ := filepath.Glob(filepath.Join(exports, "*", "*.manifest.json"))
	if len(manifests) != 12 {
		t.Errorf("%d manifests, want 12 (one export, eleven periods)", len(manifests))
	}
	periods := map[string]int{}
	for _, m := range manifests {
		var man struct {
			TaskID string `json:"task_id"`
			Rows   int    `json:"rows_written"`
			Window struct {
				Start *time.Time `json:"start"`
			} `json:"resolved_window"`
			Request struct {
				FileName string `json:"file_name"`
			} `json:"request"`
		}
		b, err := os.ReadFile(m)
		if err != nil || json.Unmarshal(b, &man) != nil {
			t.Fatalf("manifest %s: %v", m, err)
		}
		if strings.HasPrefix(man.TaskID, "r") && man.Window.Start != nil {
			periods[man.Window.Start.UTC().Format("2006-01-02")]++
		}
		if filepath.Base(filepath.Dir(m)) != man.TaskID {
			t.Errorf("manifest %s is not in its task's directory %s", m, man.TaskID)
		}
		nd, err := os.ReadFile(filepath.Join(filepath.Dir(m), man.Request.FileName+".ndjson"))
		if err != nil || bytes.Count(nd, []byte("\n")) != man.Rows {
			t.Errorf("%s.ndjson: %v, %d lines, manifest says %d", man.Request.FileName, err, bytes.Count(nd, []byte("\n")), man.Rows)
		}
	}
	for d := time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC); d.Before(time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
		if n := periods[d.Format("2006-01-02")]; n != 1 {
			t.Errorf("period %s generated %d times", d.Format("2006-01-02"), n)
		}
	}
	left, _ := filepath.Glob(filepath.Join(exports, ".*"))
	inTasks, _ := filepath.Glob(filepath.Join(exports, "*", ".*"))
	if len(left)+len(inTasks) != 0 {
		t.Errorf("temp files left: %v %v", left, inTasks)
	}
	srv.stop(t, syscall.SIGTERM, 12*time.Second)
}

// TestServeRelaysDashboard: `auditdeck` on a data directory that serve
// owns draws the dashboard from the daemon's engine on this terminal,
// follows a resize, shows a triage made by another relayed command live,
// and exits cleanly on q.
func TestServeRelaysDashboard(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (.ci/run installs it)")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "store")
	srv := startServe(t, data, "--http", "off", "--ssh", "off", "--drain", "1500ms")
	if r := runIn(t, dir, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	p := startDashboard(t, dir, data)
	p.waitScreen(dashWait, "1 Activities  2 Reports  3 Subscriptions  4 Tasks", "alice", "306 events", "scheduler on", "1/306")
	p.mustTmux("resize-window", "-t", "e2e", "-x", "90", "-y", "24")
	p.waitFor("a 90-column frame", dashWait, func(s string) bool {
		first := strings.SplitN(s, "\n", 2)[0]
		return strings.Contains(first, "alice") && len(strings.TrimRight(first, " ")) <= 90
	})
	r := runIn(t, dir, nil, "triage", "--data", data, "--state", "escalated", "--filter", "event_type.eq(login)", "--user", "bob")
	if r.code != 0 {
		t.Fatalf("relayed triage: %+v", r)
	}
	p.waitFor("the triage made by another command", dashWait, func(s string) bool {
		return strings.Count(s, " escalated") >= 3
	})
	p.typeText("q")
	if code := p.waitExit(dashWait); code != "0" {
		t.Fatalf("relayed dashboard exit status %s", code)
	}
	// SIGTERM with a relayed dashboard open: it stays for the drain, then
	// the client says why it closed and restores the terminal.
	p = startDashboard(t, dir, data)
	p.waitScreen(dashWait, "306 events")
	srv.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(300 * time.Millisecond)
	if _, done := p.exited(); done {
		t.Fatal("SIGTERM to serve quit a relayed dashboard at once instead of draining")
	}
	if code := p.waitExit(dashWait); code != "1" {
		t.Fatalf("relayed dashboard at drain: exit status %s", code)
	}
	// The pane's history: tmux scrolls the dead pane's last line up.
	if h := p.mustTmux("capture-pane", "-p", "-S", "-100", "-t", "e2e"); !strings.Contains(h, "auditdeck: the dashboard closed: the daemon stopped\n") {
		t.Fatalf("no reason given when the daemon stopped:\n%s", h)
	}
	if alt := strings.TrimSpace(p.mustTmux("display-message", "-p", "-t", "e2e", "#{alternate_on}")); alt != "0" {
		t.Fatalf("the alternate screen is still on after the daemon stopped")
	}
	if code := srv.stop(t, syscall.SIGTERM, 12*time.Second); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
}

func sshKeygen(t *testing.T, dir, name string) (keyFile, authorized string) {
	t.Helper()
	keyFile = filepath.Join(dir, name)
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name+"@test", "-f", keyFile).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	pub, err := os.ReadFile(keyFile + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return keyFile, strings.TrimSpace(string(pub))
}

func sshCommand(keyFile, addr, user string, extra ...string) string {
	host, port, _ := strings.Cut(addr, ":")
	args := []string{"ssh", "-F", "/dev/null", "-i", keyFile, "-p", port, "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no"}
	args = append(args, extra...)
	args = append(args, user+"@"+host)
	for i, a := range args {
		args[i] = dashShellQuote(a)
	}
	return strings.Join(args, " ")
}

var (
	httpLine = regexp.MustCompile(`msg="http api" addr=(\S+)`)
	sshLine  = regexp.MustCompile(`msg="ssh dashboard" addr=(\S+)`)
)

// TestServeEndToEnd runs the daemon as a process with the HTTP API and the
// SSH dashboard on loopback: a token made by a relayed `token create`
// reads the API in all three header forms, the OpenSSH client logs in with
// a key under tmux, filters and quits, SIGHUP reloads the users file (a
// broken one keeps the old), and SIGTERM drains with a session open.
func TestServeEndToEnd(t *testing.T) {
	for _, tool := range []string{"tmux", "ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (.ci/run installs tmux and openssh-client)", tool)
		}
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "store")
	aliceKey, alicePub := sshKeygen(t, dir, "alice")
	bobKey, bobPub := sshKeygen(t, dir, "bob")
	users := filepath.Join(dir, "users.yaml")
	write := func(doc string) {
		if err := os.WriteFile(users, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(fmt.Sprintf("users:\n  - name: alice\n    role: operator\n    keys: [%q]\n", alicePub))
	srv := startServe(t, data, "--users", users, "--http", "127.0.0.1:0", "--ssh", "127.0.0.1:0", "--config", filepath.Join(dir, "none.yaml"), "--drain", "3s")
	httpAddr := srv.waitLog(t, httpLine, 10*time.Second)[1]
	sshAddr := srv.waitLog(t, sshLine, 10*time.Second)[1]
	if st, err := os.Stat(filepath.Join(data, "ssh_host_ed25519_key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("host key: %v %v", err, st)
	}
	if r := runIn(t, dir, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	r := runIn(t, dir, nil, "token", "create", "--data", data, "--user", "alice")
	token := strings.TrimSpace(r.stdout[strings.LastIndex(strings.TrimSpace(r.stdout), "\n")+1:])
	for _, h := range [][2]string{{"Authorization", "Bearer " + token}, {"Authorization", token}, {"X-Auth-Token", token}} {
		out, err := exec.Command("curl", "-s", "-w", "\n%{http_code}", "-H", h[0]+": "+h[1], "http://"+httpAddr+"/activities?event_type=login&limit=2").Output()
		if err != nil {
			t.Fatalf("curl: %v", err)
		}
		i := strings.LastIndex(string(out), "\n")
		body, code := string(out[:i]), string(out[i+1:])
		var page struct {
			Limit, Total, Results int
			Items                 []map[string]any
		}
		if code != "200" || json.Unmarshal([]byte(body), &page) != nil || page.Limit != 2 || page.Results != 2 || len(page.Items) != 2 || page.Total < 100 {
			t.Fatalf("GET /activities with %s: %s %s", h[0], code, body)
		}
	}
	out, _ := exec.Command("curl", "-s", "-w", "\n%{http_code}", "-H", "Authorization: Bearer adk_wrong", "http://"+httpAddr+"/activities").Output()
	if !strings.HasSuffix(string(out), "\n401") || !strings.Contains(string(out), `"error_code":401`) {
		t.Fatalf("bad token: %s", out)
	}

	p := startPane(t, dir, sshCommand(aliceKey, sshAddr, "alice"))
	p.waitScreen(dashWait, "1 Activities", "alice", "306 events")
	p.typeText("/")
	p.typeText("event_type.eq(login)")
	p.send("Enter")
	p.waitScreen(dashWait, "filter event_type.eq(login)")

	// bob is not a user yet; after the reload he is.
	bob := exec.Command("sh", "-c", sshCommand(bobKey, sshAddr, "bob", "-o", "BatchMode=yes", "-T")+" true")
	if out, err := bob.CombinedOutput(); err == nil || !strings.Contains(string(out), "Permission denied") {
		t.Fatalf("unknown key: %v %s", err, out)
	}
	write(fmt.Sprintf("users:\n  - name: alice\n    role: operator\n    keys: [%q]\n  - name: bob\n    role: viewer\n    keys: [%q]\n", alicePub, bobPub))
	srv.cmd.Process.Signal(syscall.SIGHUP)
	srv.waitLog(t, regexp.MustCompile(`users file reloaded.*users=2`), 5*time.Second)
	pb := startPane(t, dir, sshCommand(bobKey, sshAddr, "bob"))
	pb.waitScreen(dashWait, "bob", "306 events")
	pb.typeText("q")
	if code := pb.waitExit(dashWait); code != "0" {
		t.Fatalf("bob's ssh exit status %s", code)
	}
	write("users:\n  - name: alice\n    role: wizard\n")
	srv.cmd.Process.Signal(syscall.SIGHUP)
	srv.waitLog(t, regexp.MustCompile(`users file not reloaded.*line 3`), 5*time.Second)
	pb = startPane(t, dir, sshCommand(bobKey, sshAddr, "bob"))
	pb.waitScreen(dashWait, "bob", "306 events")

	// SIGTERM with two sessions open: the daemon drains within --drain.
	start := time.Now()
	if code := srv.stop(t, syscall.SIGTERM, 12*time.Second); code != 0 {
		t.Fatalf("serve exit %d:\n%s", code, srv.logged())
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("drain took %s", d)
	}
	p.waitExit(dashWait)
	// Session start and end are in the audit log, with the key's fingerprint.
	r = runIn(t, dir, nil, "query", "--data", data, "--count")
	if r.code != 0 {
		t.Fatalf("query after serve: %+v", r)
	}
	if !strings.Contains(srv.logged(), "ssh session ended") {
		t.Fatalf("no session end logged:\n%s", srv.logged())
	}
}
