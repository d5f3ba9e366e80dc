// Package relay lets local commands run inside the daemon that owns the
// store. Badger allows one process per data directory, so while
// `auditdeck serve` runs, `auditdeck ingest` (or query, export, token...)
// connects to the daemon's unix socket, sends its arguments, working
// directory and standard input, and the daemon runs the same command on its
// shared engine, streaming standard output, standard error and the exit
// code back. The socket is mode 0600 in a directory only the user can
// enter; the daemon checks that the peer runs as its own user, and the
// client that the daemon does.
package relay

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Frame types. The client sends a request, then standard input; the server
// sends output and finally the exit code.
const (
	frameRequest = 'R' // client: Request as JSON
	frameStdin   = 'I' // client: standard input bytes
	frameEOF     = 'E' // client: standard input is closed
	frameResize  = 'W' // client: terminal size, two uint32 (columns, rows)
	frameStdout  = 'O' // server: standard output bytes
	frameStderr  = 'X' // server: standard error bytes
	frameExit    = 'C' // server: exit code, 4 bytes big endian
)

// maxFrame bounds one frame so a confused peer cannot make the other side
// allocate without limit.
const maxFrame = 1 << 20

// Request is what a client asks the daemon to run.
type Request struct {
	Args     []string  `json:"args"`               // the command line after the program name
	Dir      string    `json:"dir"`                // the client's working directory, for relative paths
	Terminal *Terminal `json:"terminal,omitempty"` // set when the client relays its terminal (the dashboard)
}

// Terminal describes the client's terminal, for a dashboard drawn by the
// daemon: the client's own terminal is in raw mode and its bytes flow both
// ways unchanged.
type Terminal struct {
	Width, Height  int
	Profile        string // colour profile, as termenv names it (TrueColor, ANSI256, ANSI, Ascii)
	DarkBackground bool
}

// Size is a terminal size in cells.
type Size struct{ Width, Height int }

// MaxWidth and MaxHeight cap the terminal sizes a session sees (the first
// and every resize): the client chooses them, and the dashboard drawn for
// them costs memory in proportion to their area. They match tui.MaxWidth
// and tui.MaxHeight, which the dashboard applies again.
const (
	MaxWidth  = 1000
	MaxHeight = 500
)

func capSize(s Size) Size {
	return Size{Width: min(s.Width, MaxWidth), Height: min(s.Height, MaxHeight)}
}

// Session is one relayed command as the daemon runs it.
type Session struct {
	Request
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Resize delivers the client's terminal size changes (terminal
	// sessions only); it is closed when the client goes away.
	Resize <-chan Size
}

// Handler runs one session; it returns the exit code. ctx is canceled
// when the client goes away.
type Handler func(ctx context.Context, s *Session) int

// SocketPath is where the daemon for a data directory listens: in the data
// directory itself when that is a 0700 directory of this user (serve
// creates it so) and the path fits the ~108-byte limit of socket names;
// otherwise in the user's own runtime directory (runtimeDir), named by a
// digest of the data directory's path. Listen and Dial check the socket's
// directory again (checkSocketDir): whoever can create files there can
// listen in the daemon's place and receive `token create` or `ingest -`
// traffic.
func SocketPath(dataDir string) string {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		abs = dataDir
	}
	abs = filepath.Clean(abs)
	p := filepath.Join(abs, "serve.sock")
	if len(p) < 88 && checkSocketDir(abs) == nil { // room for Listen's temporary name
		return p
	}
	return filepath.Join(runtimeDir(), "serve-"+shortDigest(abs)+".sock")
}

// runtimeDir is the user's directory for the sockets of long data
// directories: $XDG_RUNTIME_DIR/auditdeck, or auditdeck-UID in the temporary
// directory (as tmux does). Its name in /tmp is predictable, so it is used
// only once checkSocketDir finds it a real directory of this user with mode
// 0700; a directory planted there by someone else is refused, not used.
func runtimeDir() string {
	if base := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(base) && len(base) < 48 {
		return filepath.Join(base, "auditdeck")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("auditdeck-%d", os.Getuid()))
}

// checkSocketDir accepts the directory of a socket only if it is a
// directory (not a symlink) owned by this user that group and others
// cannot enter.
func checkSocketDir(dir string) error {
	st, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("socket directory: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("socket directory %s is not a directory (%s): refusing it", dir, st.Mode().Type())
	}
	if uid, ok := fileOwner(st); ok && uid != os.Getuid() {
		return fmt.Errorf("socket directory %s belongs to uid %d, not to you (uid %d): refusing it, another user could listen there", dir, uid, os.Getuid())
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("socket directory %s has mode %04o: group and others must have no access (chmod 700 %s)", dir, perm, dir)
	}
	return nil
}

func writeFrame(w io.Writer, typ byte, p []byte) error {
	var hdr [5]byte
	hdr[0] = typ
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(p)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := w.Write(p)
	return err
}

func readFrame(r io.Reader) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n > maxFrame {
		return 0, nil, fmt.Errorf("relay frame of %d bytes is larger than %d", n, maxFrame)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return 0, nil, err
	}
	return hdr[0], p, nil
}

// frameWriter turns writes into frames of one type; writes from the
// command's goroutines are serialised.
type frameWriter struct {
	mu  *sync.Mutex
	w   io.Writer
	typ byte
}

func (f frameWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for off := 0; off < len(p); {
		end := min(off+maxFrame, len(p))
		if err := writeFrame(f.w, f.typ, p[off:end]); err != nil {
			return off, err
		}
		off = end
	}
	return len(p), nil
}

// Server accepts relay connections on a unix socket.
type Server struct {
	ln      *net.UnixListener
	path    string
	handler Handler
	wg      sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
	closed  atomic.Bool
	mu      sync.Mutex // orders wg.Add in Serve against Close; guards idle
	// idle holds connections that have not sent their request yet: no
	// command runs for them, so Close ends them at once instead of letting
	// a client that connects and sends nothing hold the drain.
	idle map[*net.UnixConn]struct{}
}

// requestTimeout bounds the wait for a client's request: a relaying client
// sends it as soon as it connects.
const requestTimeout = 10 * time.Second

// Listen creates the socket (mode 0600). The caller must hold the data
// directory, so a socket file left by a killed daemon is stale and removed.
func Listen(path string, h Handler) (*Server, error) {
	dir := filepath.Dir(path)
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("create socket directory %s: %w", dir, err)
	}
	if err := checkSocketDir(dir); err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("remove stale socket %s: %w", path, err)
	}
	// Bind under a temporary name, make it owner-only, then rename it into
	// place: no one can connect through the final name before its mode is
	// 0600, and the process umask, which other goroutines' files use, stays.
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	os.Remove(tmp)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	ln.SetUnlinkOnClose(false)
	if err := os.Chmod(tmp, 0o600); err != nil {
		ln.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		ln.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{ln: ln, path: path, handler: h, ctx: ctx, cancel: cancel, idle: map[*net.UnixConn]struct{}{}}
	return s, nil
}

// Path is the socket's file name.
func (s *Server) Path() string { return s.path }

// Serve accepts connections until Close.
func (s *Server) Serve() error {
	for {
		c, err := s.ln.AcceptUnix()
		if err != nil {
			if s.closed.Load() {
				return nil
			}
			// Out of descriptors (many API clients at once) or a client
			// gone before its accept: wait and go on, as net/http does,
			// rather than end the socket and with it the daemon.
			var ne net.Error
			if (errors.As(err, &ne) && ne.Timeout()) || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ECONNABORTED) {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return fmt.Errorf("accept on %s: %w", s.path, err)
		}
		// Counting under mu means Close, once it has set closed, waits for
		// every command that will ever run.
		s.mu.Lock()
		if s.closed.Load() {
			s.mu.Unlock()
			c.Close()
			return nil
		}
		s.wg.Add(1)
		s.idle[c] = struct{}{}
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.serveConn(c)
		}()
	}
}

// Close stops accepting and lets running commands finish until ctx ends;
// then it cancels them (a relayed export is canceled as by ^C) and waits.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed.Store(true)
	for c := range s.idle {
		c.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
	os.Remove(s.path)
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
		s.cancel()
		<-done
		return fmt.Errorf("relay: commands were still running: %w", ctx.Err())
	}
}

func (s *Server) serveConn(c *net.UnixConn) {
	defer c.Close()
	defer s.notIdle(c)
	var wmu sync.Mutex
	stderr := frameWriter{mu: &wmu, w: c, typ: frameStderr}
	// A bug in one relayed command must end that command, not the daemon
	// with every session and export in it.
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "auditdeck: internal error in the daemon: %v\n", r)
			exit(c, &wmu, 70)
		}
	}()
	if uid, ok, err := peerUID(c); err != nil || (ok && uid != os.Getuid()) {
		if err == nil {
			err = fmt.Errorf("relay: refused: peer uid %d is not the daemon's uid %d", uid, os.Getuid())
		}
		fmt.Fprintf(stderr, "auditdeck: %v\n", err)
		exit(c, &wmu, 4)
		return
	}
	br := bufio.NewReader(c)
	_ = c.SetReadDeadline(time.Now().Add(requestTimeout))
	typ, p, err := readFrame(br)
	if s.notIdle(c) || err != nil || typ != frameRequest {
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	var req Request
	if err := json.Unmarshal(p, &req); err != nil {
		fmt.Fprintf(stderr, "auditdeck: relay request: %v\n", err)
		exit(c, &wmu, 2)
		return
	}
	if req.Terminal != nil {
		if req.Terminal.Width <= 0 || req.Terminal.Height <= 0 {
			fmt.Fprintf(stderr, "auditdeck: relay: bad terminal size %dx%d\n", req.Terminal.Width, req.Terminal.Height)
			exit(c, &wmu, 2)
			return
		}
		sz := capSize(Size{Width: req.Terminal.Width, Height: req.Terminal.Height})
		req.Terminal.Width, req.Terminal.Height = sz.Width, sz.Height
	}
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	stdinR, stdinW := io.Pipe()
	// When the drain's deadline passes, a command blocked on its client
	// (reading a standard input the client keeps open, writing output the
	// client does not read) ignores the canceled context; failing its
	// input and output ends it, so Close returns in bounded time.
	stopDrain := context.AfterFunc(s.ctx, func() {
		stdinW.CloseWithError(errDrained)
		_ = c.SetDeadline(time.Now())
	})
	defer stopDrain()
	resize := make(chan Size, 1)
	// Read the client's frames: standard input, its end, or the client
	// going away (which cancels the command, like ^C on a local run).
	go func() {
		defer cancel()
		defer close(resize)
		for {
			typ, p, err := readFrame(br)
			if err != nil {
				stdinW.CloseWithError(io.ErrUnexpectedEOF)
				return
			}
			switch typ {
			case frameStdin:
				if _, err := stdinW.Write(p); err != nil {
					// The command stopped reading; drain until the client leaves.
					continue
				}
			case frameEOF:
				stdinW.Close()
			case frameResize:
				if len(p) != 8 {
					continue
				}
				w, h := binary.BigEndian.Uint32(p), binary.BigEndian.Uint32(p[4:])
				if w == 0 || h == 0 {
					continue
				}
				sz := Size{Width: int(min(w, MaxWidth)), Height: int(min(h, MaxHeight))}
				// Only the latest size matters: replace an unread one.
				select {
				case <-resize:
				default:
				}
				resize <- sz
			}
		}
	}()
	code := s.handler(ctx, &Session{Request: req, Stdin: stdinR, Stdout: frameWriter{mu: &wmu, w: c, typ: frameStdout}, Stderr: stderr, Resize: resize})
	stdinR.Close()
	exit(c, &wmu, code)
}

// notIdle marks a connection busy (or gone) and reports whether the server
// is closing, in which case no command may start for it.
func (s *Server) notIdle(c *net.UnixConn) (closing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.idle, c)
	return s.closed.Load()
}

func exit(c net.Conn, mu *sync.Mutex, code int) {
	mu.Lock()
	defer mu.Unlock()
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(int32(code)))
	_ = writeFrame(c, frameExit, b[:])
}

// errDrained is what a relayed command reads from its standard input once
// the daemon's drain time is up.
var errDrained = errors.New("relay: the daemon is shutting down")

// ErrNoDaemon means no daemon listens for this data directory.
var ErrNoDaemon = errors.New("no daemon is running for this data directory")

// Dial connects to the daemon for a data directory, or returns ErrNoDaemon.
// It connects only through a directory checkSocketDir accepts, and only to
// a listener running as this user.
func Dial(dataDir string) (*net.UnixConn, error) {
	path := SocketPath(dataDir)
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoDaemon
	}
	if err := checkSocketDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("not connecting to the daemon at %s: %w", path, err)
	}
	c, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || isRefused(err) {
			return nil, ErrNoDaemon
		}
		return nil, fmt.Errorf("connect to the daemon at %s: %w", path, err)
	}
	uc := c.(*net.UnixConn)
	uid, ok, err := peerUID(uc)
	if err != nil {
		uc.Close()
		return nil, fmt.Errorf("connect to the daemon at %s: %w", path, err)
	}
	if ok && uid != os.Getuid() {
		uc.Close()
		return nil, fmt.Errorf("not talking to %s: it is served by uid %d, not by you (uid %d), so it is not your daemon", path, uid, os.Getuid())
	}
	return uc, nil
}

// Client is the local side of one relayed command.
type Client struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Resize         <-chan Size // terminal size changes, for terminal sessions
}

// Run sends a request over c, streams stdin to the daemon and its output to
// stdout and stderr, and returns the command's exit code. Canceling ctx
// (an interrupt) closes the connection, which cancels the command.
func (cl Client) Run(ctx context.Context, c *net.UnixConn, req Request) (int, error) {
	stdin, stdout, stderr := cl.Stdin, cl.Stdout, cl.Stderr
	defer c.Close()
	b, err := json.Marshal(req)
	if err != nil {
		return 1, err
	}
	var wmu sync.Mutex
	if err := writeFrame(c, frameRequest, b); err != nil {
		return 1, fmt.Errorf("relay: send request: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if cl.Resize != nil {
		go func() {
			for sz := range cl.Resize {
				var b [8]byte
				binary.BigEndian.PutUint32(b[:], uint32(sz.Width))
				binary.BigEndian.PutUint32(b[4:], uint32(sz.Height))
				wmu.Lock()
				err := writeFrame(c, frameResize, b[:])
				wmu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	if stdin != nil && (req.Terminal != nil || needsStdin(req.Args)) {
		go func() {
			in := frameWriter{mu: &wmu, w: c, typ: frameStdin}
			if _, err := io.Copy(in, stdin); err != nil {
				return
			}
			wmu.Lock()
			_ = writeFrame(c, frameEOF, nil)
			wmu.Unlock()
		}()
	} else {
		wmu.Lock()
		_ = writeFrame(c, frameEOF, nil)
		wmu.Unlock()
	}
	br := bufio.NewReader(c)
	for {
		typ, p, err := readFrame(br)
		if err != nil {
			if ctx.Err() != nil {
				return 130, ctx.Err()
			}
			return 1, fmt.Errorf("relay: the daemon closed the connection before the command ended: %w", err)
		}
		switch typ {
		case frameStdout:
			if _, err := stdout.Write(p); err != nil {
				return 1, err
			}
		case frameStderr:
			if _, err := stderr.Write(p); err != nil {
				return 1, err
			}
		case frameExit:
			if len(p) != 4 {
				return 1, fmt.Errorf("relay: malformed exit frame")
			}
			return int(int32(binary.BigEndian.Uint32(p))), nil
		}
	}
}

// needsStdin reports whether the command reads standard input ("-" as an
// argument); other commands must not swallow the terminal's input.
func needsStdin(args []string) bool {
	for _, a := range args {
		if a == "-" {
			return true
		}
	}
	return false
}

func shortDigest(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	return fmt.Sprintf("%016x", h.Sum64())
}
