// Package sshserve serves the dashboard over SSH (wish): public keys from
// the users file decide who connects and with which role, each session gets
// its own renderer, styles and TUI on the one shared engine, and the server
// bounds what a client can take (login time, sessions, connections per
// address, idle and total session time).
package sshserve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	gossh "golang.org/x/crypto/ssh"
)

// Defaults for the zero values of Options.
const (
	DefaultIdleTimeout          = 30 * time.Minute
	DefaultMaxTimeout           = 12 * time.Hour
	DefaultMaxSessions          = 32
	DefaultConnectionsPerMinute = 20
	DefaultLoginTimeout         = 30 * time.Second
)

// transportGrace is how much longer the connection-level timeouts of the
// SSH server run than the session's own, so a session ends with a message
// from its watchdog and the transport deadline is only the backstop for a
// client that never opens a session or stops reading.
const transportGrace = 30 * time.Second

// ErrServerClosed is what Serve returns after Shutdown or Close.
var ErrServerClosed = ssh.ErrServerClosed

// Options configure the SSH dashboard server.
type Options struct {
	Engine *core.Engine      // shared by every session
	Users  *access.Directory // users file: keys, names and roles; serve reloads it on SIGHUP
	// HostKeyPath is the server's ed25519 private key, generated with mode
	// 0600 on first start; a key file readable by group or others is refused.
	HostKeyPath string
	// IdleTimeout ends a session that received no input for this long;
	// MaxTimeout ends any session after this long. Zero: the defaults.
	IdleTimeout time.Duration
	MaxTimeout  time.Duration
	// MaxSessions bounds the established sessions; more are refused.
	MaxSessions int
	// ConnectionsPerMinute is what one remote address (an IPv4 address or
	// an IPv6 /64) may open per minute, in bursts up to the same number.
	ConnectionsPerMinute int
	// LoginTimeout bounds the time from TCP connect to a completed login.
	LoginTimeout time.Duration
	// Config is the dashboard's keys, theme and saved filters
	// (tui.LoadConfig), the same for every session.
	Config tui.Config
	// QueryTimeout bounds each read of a session's dashboard (tui.Context);
	// zero: no bound.
	QueryTimeout time.Duration
	// StateDir keeps each user's dashboard state (their Activities
	// columns) in a file of their own, named from the user's name in the
	// users directory (tui.UserStateFile), never from anything the client
	// sends. Empty: a session's choices last for that session.
	StateDir string
	// Logger receives connection refusals and session ends; nil discards.
	Logger *slog.Logger
}

// Server is the SSH dashboard server.
type Server struct {
	opts    Options
	eng     *core.Engine
	users   *access.Directory
	log     *slog.Logger
	srv     *ssh.Server
	hostKey gossh.PublicKey
	signer  gossh.Signer
	limiter *addrLimiter
	// refusals bounds the handshakes spent on telling refused clients why
	// (see refuse); past it a refused connection gets only the plain line.
	refusals chan struct{}

	mu       sync.Mutex
	sessions map[*session]struct{} // established sessions
	handlers sync.WaitGroup        // session handlers still running
	closing  atomic.Bool
}

// New checks the options, loads or creates the host key and builds the
// server; Serve or ListenAndServe starts it.
func New(o Options) (*Server, error) {
	if o.Engine == nil {
		return nil, errors.New("ssh server: no engine")
	}
	if o.Users == nil {
		return nil, errors.New("ssh server: no users directory")
	}
	if o.HostKeyPath == "" {
		return nil, errors.New("ssh server: no host key path")
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{{"idle timeout", &o.IdleTimeout, DefaultIdleTimeout}, {"maximum session time", &o.MaxTimeout, DefaultMaxTimeout}, {"login timeout", &o.LoginTimeout, DefaultLoginTimeout}} {
		if *d.v < 0 {
			return nil, fmt.Errorf("ssh server: %s %v is negative", d.name, *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	for _, n := range []struct {
		name string
		v    *int
		def  int
	}{{"maximum sessions", &o.MaxSessions, DefaultMaxSessions}, {"connections per minute", &o.ConnectionsPerMinute, DefaultConnectionsPerMinute}} {
		if *n.v < 0 {
			return nil, fmt.Errorf("ssh server: %s %d is negative", n.name, *n.v)
		}
		if *n.v == 0 {
			*n.v = n.def
		}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	signer, err := loadOrCreateHostKey(o.HostKeyPath)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:     o,
		eng:      o.Engine,
		users:    o.Users,
		log:      o.Logger,
		hostKey:  signer.PublicKey(),
		signer:   signer,
		refusals: make(chan struct{}, maxRefusalHandshakes),
		limiter:  newAddrLimiter(o.ConnectionsPerMinute, time.Now),
		sessions: map[*session]struct{}{},
	}
	srv, err := wish.NewServer(
		func(srv *ssh.Server) error { srv.AddHostKey(signer); return nil },
		wish.WithPublicKeyAuth(s.publicKeyHandler),
		// The transport timeouts are the backstop; the session watchdog ends
		// idle and overlong sessions first, with a message.
		wish.WithIdleTimeout(o.IdleTimeout+transportGrace),
		wish.WithMaxTimeout(o.MaxTimeout+transportGrace),
		wish.WithMiddleware(s.handleSession),
	)
	if err != nil {
		return nil, fmt.Errorf("ssh server: %w", err)
	}
	// Only public keys: with no password or keyboard-interactive handler
	// the server neither offers nor accepts those methods.
	srv.PasswordHandler = nil
	srv.KeyboardInteractiveHandler = nil
	srv.ServerConfigCallback = func(ssh.Context) *gossh.ServerConfig {
		return &gossh.ServerConfig{MaxAuthTries: 6}
	}
	srv.ConnCallback = s.admit
	srv.ConnectionFailedCallback = func(conn net.Conn, err error) {
		s.log.Info("ssh login failed", "remote", conn.RemoteAddr().String(), "err", err)
	}
	// The dashboard and, read-only, the user's exports (sftp, and legacy
	// scp downloads) are all that is served: no other commands or
	// subsystems, no port forwarding, no real PTYs on the server.
	srv.SessionRequestCallback = func(sess ssh.Session, requestType string) bool {
		switch requestType {
		case "shell":
			return true
		case "subsystem":
			return sess.Subsystem() == "sftp"
		case "exec":
			_, ok := scpDownload(sess.Command())
			return ok
		}
		return false
	}
	srv.SubsystemHandlers = map[string]ssh.SubsystemHandler{"sftp": s.serveSFTP}
	srv.LocalPortForwardingCallback = nil
	srv.ReversePortForwardingCallback = nil
	s.srv = srv
	return s, nil
}

// HostKey is the server's public host key (for its fingerprint in logs).
func (s *Server) HostKey() gossh.PublicKey { return s.hostKey }

// Serve accepts connections on ln until Shutdown or Close; it then returns
// ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error {
	err := s.srv.Serve(ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return ErrServerClosed
	}
	return fmt.Errorf("ssh server: %w", err)
}

// ListenAndServe listens on the TCP address and serves it.
func (s *Server) ListenAndServe(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("ssh server: %w", err)
	}
	return s.Serve(ln)
}

// Sessions is the number of established dashboard sessions.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Shutdown stops accepting connections, tells every session the server is
// stopping and waits for them to end. When ctx expires first it closes the
// remaining connections, waits (briefly) for their sessions to record their
// end, and returns the context's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing.Store(true) // under mu: no session handler starts after this
	for se := range s.sessions {
		se.notify("the server is shutting down: please finish and quit (q)")
	}
	s.mu.Unlock()
	err := s.srv.Shutdown(ctx)
	if err == nil {
		s.waitHandlers(5 * time.Second)
		return nil
	}
	if ctx.Err() == nil {
		return fmt.Errorf("ssh server shutdown: %w", err)
	}
	s.srv.Close()
	s.waitHandlers(5 * time.Second)
	return ctx.Err()
}

// Close closes the listeners and every connection at once.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closing.Store(true)
	s.mu.Unlock()
	err := s.srv.Close()
	s.waitHandlers(5 * time.Second)
	return err
}

// waitHandlers waits for session handlers to finish writing their audit
// entries: the caller closes the engine next.
func (s *Server) waitHandlers(limit time.Duration) {
	done := make(chan struct{})
	go func() { s.handlers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(limit):
		s.log.Warn("ssh sessions still ending after shutdown", "waited", limit)
	}
}

// admit runs before the SSH handshake: a connection over its address's rate
// or arriving while every session slot is taken is refused here, before any
// cryptography is spent on it, with a line that RFC 4253 allows before the
// version string. It also arms the login timeout.
func (s *Server) admit(ctx ssh.Context, conn net.Conn) net.Conn {
	remote := conn.RemoteAddr().String()
	if ok, wait := s.limiter.allow(conn.RemoteAddr()); !ok {
		s.log.Warn("ssh connection refused: rate limit", "remote", remote)
		s.refuse(conn, rateRefusal(wait))
		return nil
	}
	if n := s.Sessions(); n >= s.opts.MaxSessions {
		s.log.Warn("ssh connection refused: session limit", "remote", remote, "sessions", n)
		s.refuse(conn, fmt.Sprintf("auditdeck: the server is at its limit of %d sessions; try again later", s.opts.MaxSessions))
		return nil
	}
	if s.closing.Load() {
		s.refuse(conn, "auditdeck: the server is shutting down")
		return nil
	}
	// ContextKeyConn is set once the handshake and login are complete.
	timer := time.AfterFunc(s.opts.LoginTimeout, func() {
		if ctx.Value(ssh.ContextKeyConn) == nil {
			s.log.Warn("ssh connection closed: no login in time", "remote", remote, "limit", s.opts.LoginTimeout)
			conn.Close()
		}
	})
	context.AfterFunc(ctx, func() { timer.Stop() })
	return conn
}

// rateRefusal is the line a rate-limited client is shown. The wait is
// rounded up to whole seconds: rounded to the nearest, a wait under half a
// second read "try again in 0s", and a retry then is refused again.
func rateRefusal(wait time.Duration) string {
	secs := max(1, (wait+time.Second-1)/time.Second)
	return fmt.Sprintf("auditdeck: too many connections from your address; try again in %s", secs*time.Second)
}

// maxRefusalHandshakes and refusalTimeout bound what telling refused
// clients why may cost: a few handshakes at once, each for a few seconds.
const (
	maxRefusalHandshakes = 4
	refusalTimeout       = 5 * time.Second
)

// errRefusedConn fails every login on a refused connection.
var errRefusedConn = errors.New("connection refused")

// refuse tells a refused client why and closes the connection. The reason
// goes first as a line before the SSH version, which RFC 4253 allows and
// a plain TCP client shows, but which OpenSSH only logs at debug level; so
// the server then runs the SSH handshake and sends the reason as the
// pre-authentication banner, which OpenSSH prints, and refuses every login.
// Handshakes are bounded (maxRefusalHandshakes at once, refusalTimeout
// each): in a flood, the refused get only the line.
func (s *Server) refuse(conn net.Conn, msg string) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(refusalTimeout))
	if _, err := io.WriteString(conn, msg+"\r\n"); err != nil {
		return
	}
	select {
	case s.refusals <- struct{}{}:
		defer func() { <-s.refusals }()
	default:
		return
	}
	cfg := &gossh.ServerConfig{
		MaxAuthTries:   1,
		BannerCallback: func(gossh.ConnMetadata) string { return msg + "\r\n" },
		PublicKeyCallback: func(gossh.ConnMetadata, gossh.PublicKey) (*gossh.Permissions, error) {
			return nil, errRefusedConn
		},
	}
	cfg.AddHostKey(s.signer)
	if sc, _, _, err := gossh.NewServerConn(conn, cfg); err == nil {
		sc.Close() // no login can succeed; this is only for completeness
	}
}
