package sshserve

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core/query"
	gossh "golang.org/x/crypto/ssh"
)

// tmuxPane is the OpenSSH client running in a pane of a private tmux
// server (tmux -L), read with capture-pane.
type tmuxPane struct {
	t        *testing.T
	socket   string
	exitFile string
	last     string
}

func (p *tmuxPane) tmux(args ...string) (string, error) {
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

func (p *tmuxPane) must(args ...string) string {
	p.t.Helper()
	out, err := p.tmux(args...)
	if err != nil {
		p.t.Fatalf("%v\nlast screen:\n%s", err, frame(p.last))
	}
	return out
}

func (p *tmuxPane) typeText(s string) { p.t.Helper(); p.must("send-keys", "-t", "e2e", "-l", s) }
func (p *tmuxPane) key(k string)      { p.t.Helper(); p.must("send-keys", "-t", "e2e", k) }

func (p *tmuxPane) exited() (string, bool) {
	b, err := os.ReadFile(p.exitFile)
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}

// waitScreen polls the pane until it shows every one of subs.
func (p *tmuxPane) waitScreen(subs ...string) string {
	p.t.Helper()
	end := time.Now().Add(screenWait)
	for {
		s := p.must("capture-pane", "-p", "-t", "e2e")
		p.last = s
		ok := true
		for _, sub := range subs {
			ok = ok && strings.Contains(s, sub)
		}
		if ok {
			return s
		}
		if code, done := p.exited(); done {
			p.t.Fatalf("ssh exited (status %s) while waiting for %q; screen:\n%s", code, subs, frame(s))
		}
		if time.Now().After(end) {
			p.t.Fatalf("timed out after %v waiting for %q; screen:\n%s", screenWait, subs, frame(s))
		}
		time.Sleep(poll)
	}
}

func (p *tmuxPane) waitExit() string {
	p.t.Helper()
	for end := time.Now().Add(screenWait); time.Now().Before(end); time.Sleep(poll) {
		if code, done := p.exited(); done {
			return code
		}
	}
	out, _ := p.tmux("capture-pane", "-p", "-t", "e2e")
	p.t.Fatalf("ssh did not exit; screen:\n%s", frame(out))
	return ""
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// TestOpenSSHInTmux logs in with the OpenSSH client from a tmux pane, sees
// the dashboard, filters, triages and quits.
func TestOpenSSHInTmux(t *testing.T) {
	sshBin, err := exec.LookPath("ssh")
	if err != nil {
		t.Skip("the OpenSSH client is not installed (Debian package openssh-client)")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	eng := newEngine(t)
	ppl := newPeople(t)
	users, _ := ppl.usersFile(t)
	ts := startServer(t, eng, users, nil)
	_, port, _ := net.SplitHostPort(ts.addr)

	dir := t.TempDir()
	block, err := gossh.MarshalPrivateKey(ppl.alice.priv, "alice@test")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "id_alice")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := query.ParseDSL("event_type.eq(login)")
	if err != nil {
		t.Fatal(err)
	}
	logins, err := eng.Count(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	n := strconv.FormatInt(logins, 10)

	p := &tmuxPane{t: t, socket: fmt.Sprintf("auditdeck-ssh-%d-%d", os.Getpid(), time.Now().UnixNano()), exitFile: filepath.Join(dir, "ssh.exit")}
	conf := filepath.Join(dir, "tmux.conf")
	if err := os.WriteFile(conf, []byte("set -g status off\nset -g remain-on-exit on\nset -g default-shell /bin/sh\nset -g default-terminal screen-256color\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, done := p.exited(); !done {
			p.tmux("send-keys", "-t", "e2e", "C-c")
		}
		out, _ := p.tmux("display-message", "-p", "#{socket_path}")
		p.tmux("kill-server")
		if sock := strings.TrimSpace(out); filepath.Base(sock) == p.socket {
			os.Remove(sock)
		}
	})
	tmp := p.exitFile + ".tmp"
	cmd := strings.Join([]string{
		shellQuote(sshBin), "-F", "/dev/null", "-tt",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
		"-i", shellQuote(keyFile), "-p", port, "alice@127.0.0.1",
	}, " ")
	shell := fmt.Sprintf("%s; echo $? > %s && mv %s %s", cmd, shellQuote(tmp), shellQuote(tmp), shellQuote(p.exitFile))
	if _, err := p.tmux("-f", conf, "new-session", "-d", "-s", "e2e", "-x", "100", "-y", "30", shell); err != nil {
		t.Fatalf("start ssh in tmux: %v", err)
	}

	p.waitScreen("1 Activities  2 Reports  3 Subscriptions  4 Tasks", "alice", "306 events", "filter none (/ to filter)", "1/306")
	// The session's renderer follows the client's terminal (TERM=screen-256color in
	// tmux), not the server process, which has none: the pane has colours.
	if colours := p.must("capture-pane", "-p", "-e", "-t", "e2e"); !strings.Contains(colours, "\x1b[3") && !strings.Contains(colours, "\x1b[9") {
		t.Errorf("the dashboard has no colours in tmux:\n%q", colours)
	}
	p.typeText("/")
	p.waitScreen("e.g. event_type.eq(login),!operation_successful")
	p.typeText("event_type.eq(login)")
	p.waitScreen(n + " matches")
	p.key("Enter")
	p.waitScreen("filter event_type.eq(login)  range all", "1/"+n)
	p.typeText("r")
	p.waitScreen("1 event marked reviewed")
	p.typeText("q")
	if code := p.waitExit(); code != "0" {
		t.Errorf("ssh exited with status %s", code)
	}

	waitUntil(t, "the session's end in the audit log", screenWait, func() bool { return len(ts.audit(t, "session.end")) == 1 })
	start := ts.audit(t, "session.start")
	if len(start) != 1 || start[0].User != "alice" || start[0].Detail["fingerprint"] != ppl.alice.fingerprint() || start[0].Detail["term"] != "screen-256color" {
		t.Errorf("session.start: %+v", start)
	}
	reviewed, _ := query.ParseDSL("triage.state.eq(reviewed)")
	if c, err := eng.Count(t.Context(), reviewed); err != nil || c != 1 {
		t.Errorf("%d reviewed events after the session (%v), want 1", c, err)
	}
}

// writeKeyFile writes a user's private key for the OpenSSH client.
func writeKeyFile(t *testing.T, k testKey, name string) string {
	t.Helper()
	block, err := gossh.MarshalPrivateKey(k.priv, name+"@test")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id_"+name)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// openSSH runs the OpenSSH client non-interactively against the server
// and returns its exit status and standard error.
func openSSH(t *testing.T, addr, keyFile string, args ...string) (int, string) {
	t.Helper()
	sshBin, err := exec.LookPath("ssh")
	if err != nil {
		t.Skip("the OpenSSH client is not installed (Debian package openssh-client)")
	}
	_, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sshBin, append([]string{"-F", "/dev/null", "-T",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "ConnectTimeout=10",
		"-i", keyFile, "-p", port, "alice@127.0.0.1"}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run ssh: %v", err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// TestOpenSSHShowsRefusalReason: OpenSSH ignores text sent before the SSH
// version (it only logs it at debug level), so a connection over the rate
// or the session limit must get its reason in a form the client prints.
func TestOpenSSHShowsRefusalReason(t *testing.T) {
	eng := newEngine(t)
	ppl := newPeople(t)
	users, _ := ppl.usersFile(t)
	keyFile := writeKeyFile(t, ppl.alice, "alice")

	rated := startServer(t, eng, users, func(o *Options) { o.ConnectionsPerMinute = 1 })
	if l := firstLine(t, rated.addr); !strings.HasPrefix(l, "SSH-2.0-") {
		t.Fatalf("the first connection got %q", l)
	}
	code, stderr := openSSH(t, rated.addr, keyFile, "true")
	t.Logf("ssh over the rate said:\n%s", stderr)
	if code != 255 || !strings.Contains(stderr, "auditdeck: too many connections from your address; try again in ") {
		t.Errorf("ssh over the rate: exit %d, stderr:\n%s", code, stderr)
	}

	full := startServer(t, eng, users, func(o *Options) { o.MaxSessions = 1 })
	tm := openTerm(t, full.mustDial(t, ppl.bob))
	tm.waitScreen("1/306")
	code, stderr = openSSH(t, full.addr, keyFile, "true")
	if code != 255 || !strings.Contains(stderr, "auditdeck: the server is at its limit of 1 sessions; try again later") {
		t.Errorf("ssh over the session limit: exit %d, stderr:\n%s", code, stderr)
	}
	if n := len(full.audit(t, "session.start")); n != 1 {
		t.Errorf("%d sessions started, want 1", n)
	}
}
