package sshserve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/auditdeck/auditdeck/core/access"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/auditdeck/auditdeck/tui/dashboard"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	bm "github.com/charmbracelet/wish/bubbletea"
	gossh "golang.org/x/crypto/ssh"
)

// The public-key handler records whom it accepted in the connection's
// permissions. x/crypto/ssh returns the permissions of the key that
// actually signed the login, so the session can check that the key it is
// handed, the user it maps to now and the user decided at login agree.
const (
	extUser        = "auditdeck-user"
	extFingerprint = "auditdeck-key-sha256"
)

// identity is what the public-key handler decided, also kept as a context
// value: the last key the handler accepted.
type identity struct {
	user        string
	role        access.Role
	fingerprint string
}

type identityKey struct{}

// publicKeyHandler accepts a key that the users file maps to a user and
// records that user. It runs for every key a client offers or signs with.
func (s *Server) publicKeyHandler(ctx ssh.Context, key ssh.PublicKey) bool {
	fp := gossh.FingerprintSHA256(key)
	usr, ok := s.users.Users().ByKey(key)
	if !ok {
		s.log.Debug("ssh key not in the users file", "remote", ctx.RemoteAddr().String(), "fingerprint", fp)
		return false
	}
	perms := ctx.Permissions()
	if perms.Permissions == nil {
		perms.Permissions = &gossh.Permissions{}
	}
	if perms.Extensions == nil {
		perms.Extensions = map[string]string{}
	}
	perms.Extensions[extUser] = usr.Name
	perms.Extensions[extFingerprint] = fp
	ctx.SetValue(identityKey{}, identity{user: usr.Name, role: usr.Role, fingerprint: fp})
	s.log.Debug("ssh key accepted", "remote", ctx.RemoteAddr().String(), "user", usr.Name, "fingerprint", fp)
	return true
}

// errIdentity is a session whose proven key does not match the login's
// decision or is no longer in the users file.
var errIdentity = errors.New("identity check failed")

// principal derives the session's user from the key the login proved, as
// the users file says now (a user removed by a reload gets no new session;
// a changed role applies to new sessions), and refuses it unless the
// public-key handler decided the same user for the same key.
func (s *Server) principal(sess ssh.Session) (access.Principal, string, error) {
	key := sess.PublicKey()
	if key == nil {
		return access.Principal{}, "", fmt.Errorf("%w: no public key was proven for this connection", errIdentity)
	}
	fp := gossh.FingerprintSHA256(key)
	usr, ok := s.users.Users().ByKey(key)
	if !ok {
		return access.Principal{}, fp, fmt.Errorf("%w: key %s is not in the users file", errIdentity, fp)
	}
	ctx := sess.Context()
	var ext map[string]string
	if p := ctx.Permissions(); p != nil && p.Permissions != nil {
		ext = p.Extensions
	}
	decided, _ := ctx.Value(identityKey{}).(identity)
	if ext[extUser] != usr.Name || ext[extFingerprint] != fp || decided.user != usr.Name || decided.fingerprint != fp {
		return access.Principal{}, fp, fmt.Errorf("%w: the key that signed the login (%s) is not the key that was accepted", errIdentity, fp)
	}
	return access.Principal{User: usr.Name, Role: usr.Role, From: "ssh " + sess.RemoteAddr().String(), Zone: usr.Zone}, fp, nil
}

// session is one established dashboard session.
type session struct {
	prog *tea.Program // set under Server.mu
}

// notify shows a toast in the session without waiting for its program.
func (se *session) notify(text string) {
	if p := se.prog; p != nil {
		go p.Send(tui.Toast{Text: text, Error: true})
	}
}

// handleSession is the server's only middleware: every channel that asked
// for a shell, or for a legacy scp download, comes here.
func (s *Server) handleSession(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if len(sess.Command()) > 0 { // only scp downloads pass SessionRequestCallback
			s.serveSCP(sess)
		} else {
			s.serveSession(sess)
		}
		next(sess)
	}
}

// admitSession checks a new session channel as every kind of session is
// checked: the server is not shutting down (a drain then waits for the
// session), and the key is a listed user's. When ok is false the client
// has been told why; otherwise end must be called when the session ends.
func (s *Server) admitSession(sess ssh.Session, kind string) (p access.Principal, fp string, end func(), ok bool) {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		s.deny(sess, "the server is shutting down")
		return p, "", nil, false
	}
	s.handlers.Add(1)
	s.mu.Unlock()
	p, fp, err := s.principal(sess)
	if err != nil {
		s.log.Warn("ssh "+kind+" refused", "remote", sess.RemoteAddr().String(), "fingerprint", fp, "err", err)
		s.deny(sess, "access denied: "+err.Error())
		s.handlers.Done()
		return p, fp, nil, false
	}
	return p, fp, s.handlers.Done, true
}

func (s *Server) serveSession(sess ssh.Session) {
	remote := sess.RemoteAddr().String()
	p, fp, end, ok := s.admitSession(sess, "session")
	if !ok {
		return
	}
	defer end()
	pty, _, hasPty := sess.Pty()
	if !hasPty {
		s.deny(sess, "the dashboard needs a terminal: connect with ssh -t")
		return
	}
	se := &session{}
	if !s.acquire(se) {
		s.log.Warn("ssh session refused: session limit", "remote", remote, "user", p.User)
		s.deny(sess, fmt.Sprintf("the server is at its limit of %d sessions; try again later", s.opts.MaxSessions))
		return
	}
	defer s.release(se)

	start := time.Now()
	actor := p.Actor()
	sid := sess.Context().SessionID()
	if len(sid) > 16 {
		sid = sid[:16]
	}
	s.eng.Audit(context.Background(), actor, "session.start", sid, map[string]any{
		"remote": remote, "fingerprint": fp, "role": string(p.Role), "term": pty.Term,
	})
	s.log.Info("ssh session started", "user", p.User, "role", p.Role, "remote", remote, "fingerprint", fp)

	// The session's own renderer, styles and views; the engine is shared.
	tctx := tui.NewContext(s.eng, actor, bm.MakeRenderer(sess))
	tctx.ApplyConfig(s.opts.Config)
	tctx.CanExport = p.Can(access.Export)
	tctx.CanTriage = p.Can(access.Triage)
	tctx.CanManage = p.Can(access.Manage)
	tctx.FetchCommand = fetchCommand(p.User, sess.LocalAddr())
	tctx.QueryTimeout = s.opts.QueryTimeout
	s.userState(tctx, p.User)
	app := dashboard.New(tctx)
	defer app.Close()

	in := newActivityReader(sess)
	prog := tea.NewProgram(app,
		tea.WithInput(in), tea.WithOutput(sess), tea.WithEnvironment(sess.Environ()),
		tea.WithAltScreen(), tea.WithMouseCellMotion(),
		// The daemon handles its own signals; one session must not
		// quit on the server's SIGINT or SIGTERM.
		tea.WithoutSignalHandler())
	s.mu.Lock()
	se.prog = prog
	s.mu.Unlock()

	ended := make(chan string, 1)
	stop := s.watch(prog, in, start, ended)
	runProgram(sess, prog)
	stop()

	reason, msg := "quit", ""
	select {
	case msg = <-ended:
		reason = msg
	default:
		switch {
		case s.closing.Load():
			reason = "server shutdown"
		case sess.Context().Err() != nil:
			reason = "disconnected"
		}
	}
	dur := time.Since(start).Round(time.Second)
	s.eng.Audit(context.Background(), actor, "session.end", sid, map[string]any{
		"remote": remote, "fingerprint": fp, "reason": reason, "seconds": int64(dur / time.Second),
	})
	s.log.Info("ssh session ended", "user", p.User, "remote", remote, "reason", reason, "duration", dur)
	if msg != "" {
		fmt.Fprintf(sess.Stderr(), "\r\nauditdeck: session closed: %s\r\n", msg)
		sess.Exit(1)
		return
	}
	sess.Exit(0)
}

// fetchCommand is the scp command line that copies a finished task's files
// (exports/TASK_ID/*: scp globs them over SFTP) from this server: the
// user's name in the users file (any login name works with their key) at
// the address the client connected to.
func fetchCommand(login string, local net.Addr) func(taskID string) string {
	host, port := "localhost", "22"
	if h, p, err := net.SplitHostPort(local.String()); err == nil {
		host, port = h, p
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	portFlag := ""
	if port != "22" {
		portFlag = "-P " + port + " "
	}
	return func(taskID string) string {
		return "scp " + portFlag + shellWord(login+"@"+host+":"+exportsRoot+"/"+taskID+"/*") + " ."
	}
}

// shellWord quotes s for a POSIX shell unless it needs none.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// quitGrace is how long a program may take to quit once its client has
// gone before it is killed: a session must end, free its program and be
// audited even when the program does not stop by itself.
const quitGrace = 5 * time.Second

// runProgram runs the session's program until it quits or the client goes
// away. Window sizes, from the pty-req and every window-change, reach the
// program capped to tui.MaxWidth×tui.MaxHeight: the client chooses them,
// and a frame costs memory in proportion to its area.
func runProgram(sess ssh.Session, prog *tea.Program) {
	_, winch, _ := sess.Pty()
	finished := make(chan struct{})
	go func() {
		for {
			select {
			case <-finished:
				return
			case <-sess.Context().Done():
				// Quit can block while the program is busy; Kill cannot.
				go prog.Quit()
				select {
				case <-finished:
				case <-time.After(quitGrace):
					prog.Kill()
				}
				return
			case w, ok := <-winch:
				if !ok {
					winch = nil // the client's requests ended; its context ends next
					continue
				}
				width, height := tui.ClampSize(w.Width, w.Height)
				prog.Send(tea.WindowSizeMsg{Width: width, Height: height})
			}
		}
	}()
	_, _ = prog.Run()
	close(finished)
	prog.Kill() // ends whatever of the program still runs (its commands' context)
}

// deny tells the client why its session is refused and ends it.
func (s *Server) deny(sess ssh.Session, msg string) {
	wish.Errorf(sess, "auditdeck: %s\r\n", msg)
	sess.Exit(1)
}

func (s *Server) acquire(se *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sessions) >= s.opts.MaxSessions {
		return false
	}
	s.sessions[se] = struct{}{}
	return true
}

func (s *Server) release(se *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, se)
}

// watch ends the program when the session has had no input for the idle
// timeout or has lasted the maximum time, saying which on ended. The
// transport's own idle deadline cannot do this: every repaint the dashboard
// sends counts as activity there.
func (s *Server) watch(prog *tea.Program, in *activityReader, start time.Time, ended chan<- string) (stop func()) {
	idle, maxDur := s.opts.IdleTimeout, s.opts.MaxTimeout
	every := min(idle, maxDur) / 20
	every = max(20*time.Millisecond, min(every, 5*time.Second))
	done := make(chan struct{})
	var once sync.Once
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				var why string
				switch {
				case now.Sub(start) >= maxDur:
					why = fmt.Sprintf("it reached the maximum session time of %v", maxDur)
				case now.Sub(in.last()) >= idle:
					why = fmt.Sprintf("no input for %v", idle)
				default:
					continue
				}
				ended <- why
				prog.Quit()
				return
			}
		}
	}()
	return func() { once.Do(func() { close(done) }) }
}

// activityReader is the session's input as the program reads it; it notes
// when the user last typed (or moved the mouse).
type activityReader struct {
	r  io.Reader
	at atomic.Int64
}

func newActivityReader(r io.Reader) *activityReader {
	a := &activityReader{r: r}
	a.at.Store(time.Now().UnixNano())
	return a
}

func (a *activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.at.Store(time.Now().UnixNano())
	}
	return n, err
}

func (a *activityReader) last() time.Time { return time.Unix(0, a.at.Load()) }

// userState gives a session its user's saved columns and saves the
// user's choices to their own state file; the server's config file is
// every user's and is never written. Without a state directory, choices
// last for the session.
func (s *Server) userState(tctx *tui.Context, user string) {
	tctx.SaveColumns = nil
	if s.opts.StateDir == "" {
		return
	}
	file := tui.UserStateFile(s.opts.StateDir, user)
	cols, err := tui.LoadUserColumns(file)
	if err != nil {
		// A damaged state file costs the user their columns, not the session.
		s.log.Warn("ssh session: user state unreadable; default columns", "user", user, "err", err)
	} else if len(cols) > 0 {
		tctx.Columns = cols
	}
	tctx.SaveColumns = func(c []string) error { return tui.SaveUserColumns(file, c) }
}
