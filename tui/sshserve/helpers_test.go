package sshserve

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
	"github.com/auditdeck/auditdeck/store/storetest"
	gossh "golang.org/x/crypto/ssh"
)

// The fixture ends at 2026-11-01T00:00:00Z; the engine's clock stands there.
var fixedNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

const (
	termW, termH = 100, 30
	screenWait   = 10 * time.Second // the longest any one screen may take
	poll         = 40 * time.Millisecond
)

// newEngine opens a store in a temporary directory with the shared fixture.
func newEngine(t testing.TB) *core.Engine {
	t.Helper()
	return storetest.Engine(t, core.WithClock(func() time.Time { return fixedNow }))
}

// testKey is a user's key pair.
type testKey struct {
	signer gossh.Signer
	priv   ed25519.PrivateKey
}

func newKey(t testing.TB) testKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{signer: s, priv: priv}
}

func (k testKey) authorized() string {
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k.signer.PublicKey())))
}

func (k testKey) fingerprint() string { return gossh.FingerprintSHA256(k.signer.PublicKey()) }

// people are the users of a test: alice operator, bob viewer, carol admin,
// and a key nobody listed.
type people struct {
	alice, bob, carol, stranger testKey
}

func newPeople(t testing.TB) people {
	return people{alice: newKey(t), bob: newKey(t), carol: newKey(t), stranger: newKey(t)}
}

func (p people) usersYAML(without ...string) string {
	var b strings.Builder
	b.WriteString("users:\n")
	for _, u := range []struct {
		name, role string
		key        testKey
	}{{"alice", "operator", p.alice}, {"bob", "viewer", p.bob}, {"carol", "admin", p.carol}} {
		skip := false
		for _, w := range without {
			skip = skip || w == u.name
		}
		if !skip {
			fmt.Fprintf(&b, "  - name: %s\n    role: %s\n    keys: [%q]\n", u.name, u.role, u.key.authorized()+" "+u.name+"@test")
		}
	}
	return b.String()
}

// usersFile writes the users file and opens a directory on it.
func (p people) usersFile(t testing.TB) (*access.Directory, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "users.yaml")
	if err := os.WriteFile(path, []byte(p.usersYAML()), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := access.OpenDirectory(path)
	if err != nil {
		t.Fatal(err)
	}
	return d, path
}

// testServer is a server on 127.0.0.1 with its engine and log.
type testServer struct {
	*Server
	addr   string
	eng    *core.Engine
	served chan error // what Serve returned
	logs   *syncBuffer
}

// startServer serves on a free loopback port; change adjusts the options.
func startServer(t *testing.T, eng *core.Engine, users *access.Directory, change func(*Options)) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	o := Options{
		Engine:               eng,
		Users:                users,
		HostKeyPath:          filepath.Join(t.TempDir(), "data", "ssh_host_ed25519_key"),
		ConnectionsPerMinute: 1000,
		Logger:               slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if change != nil {
		change(&o)
	}
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{Server: srv, addr: ln.Addr().String(), eng: eng, served: make(chan error, 1), logs: logs}
	go func() { ts.served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		// The clients' cleanups ran first (cleanups run last-in first-out),
		// so every session is ending and Shutdown needs no force.
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		select {
		case err := <-ts.served:
			if !errors.Is(err, ErrServerClosed) {
				t.Errorf("Serve returned %v, want ErrServerClosed", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after Shutdown")
		}
	})
	return ts
}

// dial logs in with the given auth methods, checking the host key.
func (ts *testServer) dial(user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{
		User:            user,
		Auth:            auth,
		HostKeyCallback: gossh.FixedHostKey(ts.HostKey()),
		Timeout:         5 * time.Second,
	})
}

func (ts *testServer) mustDial(t *testing.T, k testKey) *gossh.Client {
	t.Helper()
	c, err := ts.dial("whoever", gossh.PublicKeys(k.signer))
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// audit returns the audit entries with this action.
func (ts *testServer) audit(t *testing.T, action string) []core.AuditEntry {
	t.Helper()
	var out []core.AuditEntry
	err := ts.eng.Events().ScanAudit(context.Background(), time.Time{}, time.Now().Add(100*365*24*time.Hour), func(a core.AuditEntry) error {
		if a.Action == action {
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitUntil polls cond every poll interval until it holds or time is up.
func waitUntil(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(timeout); !cond(); time.Sleep(poll) {
		if time.Now().After(end) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

func (s *syncBuffer) String() string { return string(s.Bytes()) }

// term is a dashboard session from a real SSH client with a 100x30 PTY.
type term struct {
	t      *testing.T
	sess   *gossh.Session
	stdin  io.WriteCloser
	out    *syncBuffer
	stderr *syncBuffer
	done   chan struct{}
	exit   error // what Wait returned, once done is closed
	last   string
	w, h   int // the terminal the screen is replayed on
}

// openTerm opens a session with a PTY and a shell on the client.
func openTerm(t *testing.T, c *gossh.Client) *term {
	t.Helper()
	tm, err := startTerm(t, c, "xterm-256color")
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func startTerm(t *testing.T, c *gossh.Client, termName string) (*term, error) {
	return startTermSized(t, c, termName, termW, termH, termW, termH)
}

// startTermSized asks for a PTY of ptyW×ptyH and replays the output on a
// screen of screenW×screenH.
func startTermSized(t *testing.T, c *gossh.Client, termName string, ptyW, ptyH, screenW, screenH int) (*term, error) {
	sess, err := c.NewSession()
	if err != nil {
		return nil, fmt.Errorf("new session: %w", err)
	}
	tm := &term{t: t, sess: sess, out: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{}), w: screenW, h: screenH}
	sess.Stderr = tm.stderr
	if tm.stdin, err = sess.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := sess.RequestPty(termName, ptyH, ptyW, gossh.TerminalModes{}); err != nil {
		return nil, fmt.Errorf("pty: %w", err)
	}
	if err := sess.Shell(); err != nil {
		return nil, fmt.Errorf("shell: %w", err)
	}
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := stdout.Read(buf)
			if n > 0 {
				tm.out.Write(buf[:n])
				// The server asks the terminal for its background colour
				// and device attributes; answer as a terminal would.
				if bytes.Contains(buf[:n], []byte("\x1b[c")) {
					tm.stdin.Write([]byte("\x1b[?62;22c"))
				}
			}
			if err != nil {
				break
			}
		}
		tm.exit = sess.Wait()
		close(tm.done)
	}()
	t.Cleanup(func() { sess.Close() })
	return tm, nil
}

// screen is what a 100x30 terminal shows now.
func (tm *term) screen() string {
	tm.last = renderScreen(tm.out.Bytes(), tm.w, tm.h)
	return tm.last
}

func (tm *term) send(s string) {
	tm.t.Helper()
	if _, err := io.WriteString(tm.stdin, s); err != nil {
		tm.t.Fatalf("send %q: %v", s, err)
	}
}

// waitFor polls the screen until ok accepts it; it fails with the last
// screen after the timeout or when the session ended.
func (tm *term) waitFor(what string, ok func(screen string) bool) string {
	tm.t.Helper()
	end := time.Now().Add(screenWait)
	for {
		s := tm.screen()
		if ok(s) {
			return s
		}
		select {
		case <-tm.done:
			s = tm.screen()
			if ok(s) {
				return s
			}
			tm.t.Fatalf("the session ended (%v, stderr %q) while waiting for %s; screen:\n%s", tm.exit, tm.stderr.String(), what, frame(s))
		default:
		}
		if time.Now().After(end) {
			tm.t.Fatalf("timed out after %v waiting for %s; screen:\n%s", screenWait, what, frame(s))
		}
		time.Sleep(poll)
	}
}

// waitScreen waits until the screen holds every one of subs.
func (tm *term) waitScreen(subs ...string) string {
	tm.t.Helper()
	q := make([]string, len(subs))
	for i, s := range subs {
		q[i] = strconv.Quote(s)
	}
	return tm.waitFor(strings.Join(q, " and "), func(s string) bool {
		for _, sub := range subs {
			if !strings.Contains(s, sub) {
				return false
			}
		}
		return true
	})
}

// waitExit waits for the session to end and returns Wait's error.
func (tm *term) waitExit(timeout time.Duration) error {
	tm.t.Helper()
	select {
	case <-tm.done:
		return tm.exit
	case <-time.After(timeout):
		tm.t.Fatalf("the session did not end within %v; screen:\n%s", timeout, frame(tm.screen()))
		return nil
	}
}

// frame marks the screen's lines so blank and trailing space show.
func frame(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = "│" + l
	}
	return strings.Join(lines, "\n")
}

// cursorLine is the Activities row under the cursor (drawn with ">").
func cursorLine(screen string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, "> 20") {
			return l
		}
	}
	return ""
}

// footer is the last non-blank line: the key hints.
func footer(screen string) string {
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.TrimSpace(lines[i]) != "" {
			return lines[i]
		}
	}
	return ""
}

// exitStatus is the remote exit status in Wait's error (0 for nil).
func exitStatus(err error) int {
	var ee *gossh.ExitError
	if errors.As(err, &ee) {
		return ee.ExitStatus()
	}
	if err == nil {
		return 0
	}
	return -1
}
