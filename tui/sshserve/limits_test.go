package sshserve

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// firstLine connects over TCP and returns the first line the server sends:
// its SSH version, or why it refuses the connection.
func firstLine(t *testing.T, addr string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("read the server's first line: %v (got %q)", err, line)
	}
	return strings.TrimSpace(line)
}

// TestSessionLimit: with MaxSessions 1, a second connection is refused
// before its handshake with a message, and one that logged in before the
// slot was taken is refused when it asks for its shell.
func TestSessionLimit(t *testing.T) {
	eng := newEngine(t)
	ppl := newPeople(t)
	users, _ := ppl.usersFile(t)
	ts := startServer(t, eng, users, func(o *Options) { o.MaxSessions = 1 })

	early := ts.mustDial(t, ppl.bob) // logged in, no session yet
	a := openTerm(t, ts.mustDial(t, ppl.alice))
	a.waitScreen("1/306")
	waitUntil(t, "one session", screenWait, func() bool { return ts.Sessions() == 1 })

	if l := firstLine(t, ts.addr); l != "auditdeck: the server is at its limit of 1 sessions; try again later" {
		t.Errorf("a connection over the limit got %q", l)
	}
	if c, err := ts.dial("carol", gossh.PublicKeys(ppl.carol.signer)); err == nil {
		c.Close()
		t.Error("an SSH login over the session limit succeeded")
	}

	b := openTerm(t, early)
	if err := b.waitExit(screenWait); exitStatus(err) != 1 {
		t.Errorf("the session over the limit ended with %v", err)
	}
	if got := b.stderr.String(); !strings.Contains(got, "auditdeck: the server is at its limit of 1 sessions") {
		t.Errorf("its stderr: %q", got)
	}
	if ts.Sessions() != 1 {
		t.Errorf("Sessions() = %d", ts.Sessions())
	}

	a.send("q")
	a.waitExit(screenWait)
	waitUntil(t, "the slot to free", screenWait, func() bool { return ts.Sessions() == 0 })
	c := openTerm(t, ts.mustDial(t, ppl.carol))
	c.waitScreen("carol", "1/306")
	if n := len(ts.audit(t, "session.start")); n != 2 {
		t.Errorf("%d sessions audited, want 2 (alice, carol)", n)
	}
}

// TestConnectionRateLimit: the fourth connection in a minute from one
// address is refused before the handshake, with a message.
func TestConnectionRateLimit(t *testing.T) {
	eng := newEngine(t)
	ppl := newPeople(t)
	users, _ := ppl.usersFile(t)
	ts := startServer(t, eng, users, func(o *Options) { o.ConnectionsPerMinute = 3 })
	for i := range 3 {
		if l := firstLine(t, ts.addr); !strings.HasPrefix(l, "SSH-2.0-") {
			t.Fatalf("connection %d got %q", i+1, l)
		}
	}
	l := firstLine(t, ts.addr)
	if !strings.HasPrefix(l, "auditdeck: too many connections from your address; try again in ") {
		t.Errorf("the fourth connection got %q", l)
	}
	if _, err := ts.dial("alice", gossh.PublicKeys(ppl.alice.signer)); err == nil {
		t.Error("a login over the rate succeeded")
	}
	if !strings.Contains(ts.logs.String(), "ssh connection refused: rate limit") {
		t.Errorf("the refusal is not logged:\n%s", ts.logs.String())
	}
}

func TestAddrLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newAddrLimiter(2, func() time.Time { return now })
	v4 := &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 1}
	other := &net.TCPAddr{IP: net.ParseIP("192.0.2.2"), Port: 1}
	a6 := &net.TCPAddr{IP: net.ParseIP("2001:db8:1:2::1"), Port: 1}
	b6 := &net.TCPAddr{IP: net.ParseIP("2001:db8:1:2:ffff::9"), Port: 2} // same /64
	c6 := &net.TCPAddr{IP: net.ParseIP("2001:db8:1:3::1"), Port: 1}
	allow := func(a net.Addr) bool { ok, _ := l.allow(a); return ok }

	if !allow(v4) || !allow(v4) || allow(v4) {
		t.Fatal("two connections a minute: the third at once should be refused")
	}
	if !allow(other) {
		t.Error("another address shares the limit")
	}
	if _, wait := l.allow(v4); wait != 30*time.Second {
		t.Errorf("wait %v, want 30s for one token at 2/min", wait)
	}
	now = now.Add(30 * time.Second)
	if !allow(v4) || allow(v4) {
		t.Error("after 30 s exactly one more connection is allowed")
	}
	if !allow(a6) || !allow(b6) || allow(a6) {
		t.Error("addresses of one IPv6 /64 should share a limit")
	}
	if !allow(c6) {
		t.Error("another /64 shares the limit")
	}
	// IPv4-mapped IPv6 is the IPv4 address.
	if allow(&net.TCPAddr{IP: net.ParseIP("::ffff:192.0.2.1"), Port: 3}) {
		t.Error("an IPv4-mapped address escapes its IPv4 limit")
	}
	now = now.Add(2 * time.Minute)
	l.allow(other)
	if len(l.buckets) != 1 {
		t.Errorf("%d buckets kept after every one refilled, want 1", len(l.buckets))
	}
}

// TestIdleAndMaxTimeout: a session without input ends after the idle
// timeout, a busy one after the maximum time, each with a message, an exit
// status of 1 and the reason in the audit log.
func TestIdleAndMaxTimeout(t *testing.T) {
	eng := newEngine(t)
	ppl := newPeople(t)
	users, _ := ppl.usersFile(t)

	t.Run("idle", func(t *testing.T) {
		ts := startServer(t, eng, users, func(o *Options) { o.IdleTimeout = time.Second })
		tm := openTerm(t, ts.mustDial(t, ppl.alice))
		tm.waitScreen("1/306")
		start := time.Now()
		err := tm.waitExit(5 * time.Second)
		if exitStatus(err) != 1 || !strings.Contains(tm.stderr.String(), "auditdeck: session closed: no input for 1s") {
			t.Errorf("ended with %v, stderr %q", err, tm.stderr.String())
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("the idle session lasted %v", d)
		}
		waitUntil(t, "session.end", screenWait, func() bool {
			ends := ts.audit(t, "session.end")
			return len(ends) > 0 && ends[len(ends)-1].Detail["reason"] == "no input for 1s"
		})
	})
	t.Run("max", func(t *testing.T) {
		ts := startServer(t, eng, users, func(o *Options) { o.MaxTimeout = 1500 * time.Millisecond; o.IdleTimeout = time.Second })
		tm := openTerm(t, ts.mustDial(t, ppl.alice))
		start := time.Now()
		tm.waitScreen("1/306")
		// Keep typing (moving the cursor) so only the maximum applies.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-tm.done:
					return
				case <-time.After(200 * time.Millisecond):
					tm.stdin.Write([]byte("j"))
				}
			}
		})
		err := tm.waitExit(5 * time.Second)
		close(stop)
		wg.Wait()
		if exitStatus(err) != 1 || !strings.Contains(tm.stderr.String(), "it reached the maximum session time of 1.5s") {
			t.Errorf("ended with %v, stderr %q", err, tm.stderr.String())
		}
		if d := time.Since(start); d < 1400*time.Millisecond || d > 4*time.Second {
			t.Errorf("the session lasted %v, want about 1.5s", d)
		}
	})
}

// TestLoginTimeout: a connection that never logs in is closed.
func TestLoginTimeout(t *testing.T) {
	eng := newEngine(t)
	ppl := newPeople(t)
	users, _ := ppl.usersFile(t)
	ts := startServer(t, eng, users, func(o *Options) { o.LoginTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	for {
		if _, err = conn.Read(buf); err != nil {
			break
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept a silent connection open for 5 s")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("closed after %v, want about 300ms", d)
	}
	// A client that does log in is not cut off by the timer.
	tm := openTerm(t, ts.mustDial(t, ppl.alice))
	tm.waitScreen("1/306")
	time.Sleep(500 * time.Millisecond)
	tm.send("2")
	tm.waitScreen("Account access report")
}

// TestNoTerminalOrCommand: the dashboard needs a PTY; commands and
// subsystems other than sftp are refused.
func TestNoTerminalOrCommand(t *testing.T) {
	eng := newEngine(t)
	ppl := newPeople(t)
	users, _ := ppl.usersFile(t)
	ts := startServer(t, eng, users, nil)
	c := ts.mustDial(t, ppl.alice)

	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	sess.Stderr = &stderr
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	err = sess.Wait()
	if exitStatus(err) != 1 || !strings.Contains(stderr.String(), "auditdeck: the dashboard needs a terminal: connect with ssh -t") {
		t.Errorf("a shell without a PTY: %v, stderr %q", err, stderr.String())
	}

	sess, err = c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Run("cat /etc/passwd"); err == nil {
		t.Error("a command ran")
	}
	sess.Close()
	sess, err = c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	// sftp serves exports (TestSFTPExports); no other subsystem exists.
	if err := sess.RequestSubsystem("netconf"); err == nil {
		t.Error("the netconf subsystem was accepted")
	}
	sess.Close()
	if _, err := c.Dial("tcp", ts.addr); err == nil {
		t.Error("port forwarding was accepted")
	}
	if n := len(ts.audit(t, "session.start")); n != 0 {
		t.Errorf("%d sessions audited", n)
	}
}

// TestShutdown: Shutdown tells open sessions, waits for them until its
// context ends, then closes them; their end is audited before it returns.
func TestShutdown(t *testing.T) {
	eng := newEngine(t)
	ppl := newPeople(t)
	users, _ := ppl.usersFile(t)
	ts := startServer(t, eng, users, nil)
	tm := openTerm(t, ts.mustDial(t, ppl.alice))
	tm.waitScreen("1/306")

	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- ts.Shutdown(ctx) }()
	tm.waitScreen("the server is shutting down: please finish and quit (q)")
	var err error
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown did not return")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want the context's deadline", err)
	}
	tm.waitExit(screenWait)
	ends := ts.audit(t, "session.end")
	if len(ends) != 1 || ends[0].Detail["reason"] != "server shutdown" {
		t.Errorf("session.end: %+v", ends)
	}
	if _, err := net.DialTimeout("tcp", ts.addr, time.Second); err == nil {
		t.Error("the server still accepts connections")
	}
}

// TestSessionIdentityCheck drives the session's identity check directly
// with the states a client cannot produce against this x/crypto/ssh: a
// key the public-key handler never saw, no key, a key removed since.
func TestSessionIdentityCheck(t *testing.T) {
	eng := newEngine(t)
	ppl := newPeople(t)
	users, path := ppl.usersFile(t)
	srv, err := New(Options{Engine: eng, Users: users, HostKeyPath: filepath.Join(t.TempDir(), "k")})
	if err != nil {
		t.Fatal(err)
	}
	login := func(keys ...gossh.PublicKey) *fakeContext {
		ctx := newFakeContext()
		for _, k := range keys {
			ctx.resetPermissions()
			if !srv.publicKeyHandler(ctx, k) {
				t.Fatalf("key %s refused", gossh.FingerprintSHA256(k))
			}
		}
		return ctx
	}
	alice, bob := ppl.alice.signer.PublicKey(), ppl.bob.signer.PublicKey()

	p, fp, err := srv.principal(fakeSession{ctx: login(alice), key: alice})
	if err != nil || p.User != "alice" || p.Role != "operator" || fp != ppl.alice.fingerprint() || !strings.HasPrefix(p.From, "ssh 192.0.2.7:") {
		t.Errorf("alice: %+v %s %v", p, fp, err)
	}
	if srv.publicKeyHandler(newFakeContext(), ppl.stranger.signer.PublicKey()) {
		t.Error("a stranger's key accepted")
	}
	for name, sess := range map[string]fakeSession{
		"accepted alice, proved bob":          {ctx: login(alice), key: bob},
		"accepted bob then alice, proved bob": {ctx: login(bob, alice), key: bob},
		"no key proven":                       {ctx: login(alice)},
		"no key accepted":                     {ctx: newFakeContext(), key: alice},
	} {
		if p, _, err := srv.principal(sess); err == nil || !errors.Is(err, errIdentity) {
			t.Errorf("%s: identified as %+v (%v)", name, p, err)
		}
	}
	// The users file no longer lists alice: her next session is refused.
	ctx := login(alice)
	if err := os.WriteFile(path, []byte(ppl.usersYAML("alice")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := users.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.principal(fakeSession{ctx: ctx, key: alice}); err == nil || !strings.Contains(err.Error(), "not in the users file") {
		t.Errorf("removed user: %v", err)
	}
}

// fakeContext is the part of ssh.Context the handler and check use.
type fakeContext struct {
	context.Context
	sync.Mutex
	vals  sync.Map
	perms *ssh.Permissions
}

func newFakeContext() *fakeContext {
	return &fakeContext{Context: context.Background(), perms: &ssh.Permissions{Permissions: &gossh.Permissions{}}}
}

func (c *fakeContext) resetPermissions() { c.perms.Permissions = &gossh.Permissions{} }
func (c *fakeContext) User() string      { return "whoever" }
func (c *fakeContext) SessionID() string { return "00" }
func (c *fakeContext) ClientVersion() string {
	return "SSH-2.0-test"
}
func (c *fakeContext) ServerVersion() string { return "SSH-2.0-test" }
func (c *fakeContext) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 4242}
}
func (c *fakeContext) LocalAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 22} }
func (c *fakeContext) Permissions() *ssh.Permissions   { return c.perms }
func (c *fakeContext) SetValue(key, value interface{}) { c.vals.Store(key, value) }
func (c *fakeContext) Value(key interface{}) interface{} {
	if v, ok := c.vals.Load(key); ok {
		return v
	}
	return c.Context.Value(key)
}

// fakeSession is a session whose proven key is key.
type fakeSession struct {
	ssh.Session
	ctx *fakeContext
	key gossh.PublicKey
}

func (s fakeSession) Context() ssh.Context { return s.ctx }
func (s fakeSession) PublicKey() ssh.PublicKey {
	if s.key == nil {
		return nil
	}
	return s.key
}
func (s fakeSession) RemoteAddr() net.Addr { return s.ctx.RemoteAddr() }

// TestRateRefusalWait: the refusal never says "try again in 0s" (a wait
// under half a second was rounded to it) and never a time that is too early.
func TestRateRefusalWait(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newAddrLimiter(60, func() time.Time { return now })
	a := &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 1}
	for i := 0; i < 60; i++ {
		l.allow(a)
	}
	now = now.Add(600 * time.Millisecond)
	ok, wait := l.allow(a)
	if ok || wait <= 0 || wait >= time.Second {
		t.Fatalf("allow after 0.6 s at 60/min: %v, wait %v", ok, wait)
	}
	if got, want := rateRefusal(wait), "auditdeck: too many connections from your address; try again in 1s"; got != want {
		t.Errorf("refusal %q, want %q", got, want)
	}
	if got := rateRefusal(30*time.Second + time.Millisecond); !strings.HasSuffix(got, "try again in 31s") {
		t.Errorf("refusal %q, want 31s (rounded up)", got)
	}
}
