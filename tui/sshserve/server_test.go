package sshserve

import (
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/core/query"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"
)

func TestMain(m *testing.M) {
	// The server's own process has no terminal; sessions get their
	// renderer from the client's TERM, never from here.
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// TestLoginDashboardFilter logs in with a key, sees the dashboard, filters
// it, quits, and finds the session's start and end in the audit log.
func TestLoginDashboardFilter(t *testing.T) {
	eng := newEngine(t)
	ppl := newPeople(t)
	users, _ := ppl.usersFile(t)
	ts := startServer(t, eng, users, nil)

	f, err := query.ParseDSL("event_type.eq(login)")
	if err != nil {
		t.Fatal(err)
	}
	logins, err := eng.Count(t.Context(), f)
	if err != nil || logins == 0 {
		t.Fatalf("count logins: %d %v", logins, err)
	}
	n := strconv.FormatInt(logins, 10)

	c := ts.mustDial(t, ppl.alice)
	tm := openTerm(t, c)
	tm.waitScreen("1 Activities", "2 Reports", "alice", "306 events", "filter none (/ to filter)", "1/306")
	waitUntil(t, "one session", screenWait, func() bool { return ts.Sessions() == 1 })

	tm.send("/")
	tm.waitScreen("e.g. event_type.eq(login),!operation_successful")
	tm.send("event_type.eq(login)")
	tm.waitScreen(n + " matches")
	tm.send("\r")
	scr := tm.waitScreen("filter event_type.eq(login)", "1/"+n)
	if l := cursorLine(scr); !strings.Contains(l, " login ") {
		t.Errorf("the cursor row is not a login: %q", l)
	}

	tm.send("q")
	if err := tm.waitExit(screenWait); err != nil {
		t.Fatalf("the session ended with %v (stderr %q)", err, tm.stderr.String())
	}
	waitUntil(t, "no sessions", screenWait, func() bool { return ts.Sessions() == 0 })

	waitUntil(t, "the session.end audit entry", screenWait, func() bool { return len(ts.audit(t, "session.end")) == 1 })
	starts, ends := ts.audit(t, "session.start"), ts.audit(t, "session.end")
	if len(starts) != 1 {
		t.Fatalf("session.start entries: %+v", starts)
	}
	for _, a := range []struct {
		name string
		e    map[string]any
		user string
		from string
	}{{"start", starts[0].Detail, starts[0].User, starts[0].From}, {"end", ends[0].Detail, ends[0].User, ends[0].From}} {
		if a.user != "alice" || !strings.HasPrefix(a.from, "ssh 127.0.0.1:") {
			t.Errorf("session %s: user %q from %q", a.name, a.user, a.from)
		}
		if a.e["fingerprint"] != ppl.alice.fingerprint() || !strings.HasPrefix(a.e["remote"].(string), "127.0.0.1:") {
			t.Errorf("session %s detail: %v", a.name, a.e)
		}
	}
	if starts[0].Detail["role"] != "operator" || ends[0].Detail["reason"] != "quit" || starts[0].Target == "" || starts[0].Target != ends[0].Target {
		t.Errorf("session start %+v / end %+v", starts[0], ends[0])
	}
}

// TestRefusedLogins: an unknown key, a password, keyboard-interactive and
// no authentication at all are refused, and nothing is audited.
func TestRefusedLogins(t *testing.T) {
	eng := newEngine(t)
	ppl := newPeople(t)
	users, _ := ppl.usersFile(t)
	ts := startServer(t, eng, users, nil)

	asked := false
	cases := []struct {
		name string
		auth []gossh.AuthMethod
	}{
		{"unknown key", []gossh.AuthMethod{gossh.PublicKeys(ppl.stranger.signer)}},
		{"password", []gossh.AuthMethod{gossh.Password("alice"), gossh.Password("")}},
		{"keyboard-interactive", []gossh.AuthMethod{gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
			asked = true
			return []string{"alice"}, nil
		})}},
		{"no authentication", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl, err := ts.dial("alice", c.auth...)
			if err == nil {
				cl.Close()
				t.Fatal("logged in")
			}
			if !strings.Contains(err.Error(), "unable to authenticate") || !strings.Contains(err.Error(), "no supported methods remain") {
				t.Errorf("error %v, want an authentication failure", err)
			}
		})
	}
	if asked {
		t.Error("the server offered keyboard-interactive")
	}
	if n := len(ts.audit(t, "session.start")); n != 0 || ts.Sessions() != 0 {
		t.Errorf("%d sessions started, %d open", n, ts.Sessions())
	}
}

// lyingSigner offers one public key and signs with another private key:
// x/crypto/ssh asks the server about PublicKey() and then sends the
// signature, so the server sees key A offered and a signature by B.
type lyingSigner struct {
	offer gossh.PublicKey
	sign  gossh.Signer
}

func (l lyingSigner) PublicKey() gossh.PublicKey { return l.offer }

func (l lyingSigner) Sign(rand io.Reader, data []byte) (*gossh.Signature, error) {
	return l.sign.Sign(rand, data)
}

// offerOnlySigner offers a key it cannot sign for: its signature claims an
// algorithm that does not fit the key, so the server accepts the query,
// rejects the signed request without dropping the connection, and the
// client goes on to its next method. The server sees key A offered and
// accepted, then key B signing the login.
type offerOnlySigner struct{ pub gossh.PublicKey }

func (o offerOnlySigner) PublicKey() gossh.PublicKey { return o.pub }

func (o offerOnlySigner) Sign(io.Reader, []byte) (*gossh.Signature, error) {
	return &gossh.Signature{Format: gossh.KeyAlgoRSASHA256, Blob: make([]byte, 256)}, nil
}

// TestKeySwap: a client that offers an authorised key and then signs with
// another is refused, or identified as the owner of the key that signed.
func TestKeySwap(t *testing.T) {
	eng := newEngine(t)
	ppl := newPeople(t)
	users, _ := ppl.usersFile(t)
	ts := startServer(t, eng, users, nil)
	alicePub := ppl.alice.signer.PublicKey()

	t.Run("offers alice, signs with a stranger's private key", func(t *testing.T) {
		if c, err := ts.dial("alice", gossh.PublicKeys(lyingSigner{offer: alicePub, sign: ppl.stranger.signer})); err == nil {
			c.Close()
			t.Fatal("logged in")
		}
	})
	t.Run("offers alice, signs with bob's private key", func(t *testing.T) {
		if c, err := ts.dial("alice", gossh.PublicKeys(lyingSigner{offer: alicePub, sign: ppl.bob.signer})); err == nil {
			c.Close()
			t.Fatal("logged in")
		}
	})
	t.Run("offers alice, then signs with a stranger's key", func(t *testing.T) {
		if c, err := ts.dial("alice", gossh.PublicKeys(offerOnlySigner{alicePub}, ppl.stranger.signer)); err == nil {
			c.Close()
			t.Fatal("logged in")
		}
	})
	t.Run("offers alice, then signs with bob's key", func(t *testing.T) {
		mark := len(ts.logs.String())
		c, err := ts.dial("alice", gossh.PublicKeys(offerOnlySigner{alicePub}, ppl.bob.signer))
		if err != nil {
			t.Fatalf("bob's key should log in as bob: %v", err)
		}
		defer c.Close()
		// The server did accept alice's key before bob's signed the login.
		logs := ts.logs.String()[mark:]
		a, b := strings.Index(logs, "ssh key accepted")+1, strings.LastIndex(logs, "ssh key accepted")
		if a == 0 || a-1 == b || !strings.Contains(logs[a:b], "user=alice") || !strings.Contains(logs[b:], "user=bob") {
			t.Fatalf("the server did not accept alice's key and then bob's:\n%s", logs)
		}
		tm := openTerm(t, c)
		scr := tm.waitScreen("1 Activities", "1/306")
		if !strings.Contains(strings.Split(scr, "\n")[0], "bob") || strings.Contains(scr, "alice") {
			t.Errorf("the header does not name bob alone:\n%s", frame(scr))
		}
		if strings.Contains(footer(scr), "reviewed") {
			t.Errorf("bob (viewer) is offered triage: %q", footer(scr))
		}
		tm.send("q")
		tm.waitExit(screenWait)
		starts := ts.audit(t, "session.start")
		if len(starts) != 1 || starts[0].User != "bob" || starts[0].Detail["fingerprint"] != ppl.bob.fingerprint() {
			t.Errorf("session.start: %+v", starts)
		}
	})
	if n := len(ts.audit(t, "session.start")); n != 1 {
		t.Errorf("%d sessions started, want only bob's", n)
	}
}
