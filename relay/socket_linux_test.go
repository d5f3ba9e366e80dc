package relay_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/relay"
)

// fakeDaemonEnv makes the test binary a listener that is not the daemon:
// it takes a bound socket as descriptor 3, listens on it (under the uid it
// was started with) and answers every request with "exit 0", as a
// hijacker faking success would.
const fakeDaemonEnv = "AUDITDECK_RELAY_FAKE_DAEMON"

func TestMain(m *testing.M) {
	if os.Getenv(fakeDaemonEnv) == "1" {
		fakeDaemon()
		return
	}
	os.Exit(m.Run())
}

func fakeDaemon() {
	if err := syscall.Listen(3, 8); err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	ln, err := net.FileListener(os.NewFile(3, "socket"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "file listener:", err)
		os.Exit(1)
	}
	fmt.Println("listening")
	for {
		c, err := ln.Accept()
		if err != nil {
			os.Exit(0)
		}
		c.Write([]byte{'C', 0, 0, 0, 4, 0, 0, 0, 0})
		c.Close()
	}
}

// longDataDir is a data directory whose socket cannot live inside it, with
// no XDG_RUNTIME_DIR and the temporary directory in tmp: the socket goes
// to tmp/auditdeck-UID.
func longDataDir(t *testing.T) (data, runDir string) {
	t.Helper()
	tmp := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("TMPDIR", tmp)
	data = filepath.Join(t.TempDir(), strings.Repeat("d", 100))
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	runDir = filepath.Join(tmp, fmt.Sprintf("auditdeck-%d", os.Getuid()))
	if got := filepath.Dir(relay.SocketPath(data)); got != runDir {
		t.Fatalf("socket directory %s, want %s", got, runDir)
	}
	return data, runDir
}

// plantListener listens at the data directory's socket path directly, as
// another local process would; it reports whether anyone connected.
func plantListener(t *testing.T, data string) (connected func() bool) {
	t.Helper()
	path := relay.SocketPath(data)
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			got <- struct{}{}
			c.Close()
		}
	}()
	return func() bool {
		select {
		case <-got:
			return true
		case <-time.After(300 * time.Millisecond):
			return false
		}
	}
}

// TestLongPathSocketInPrivateDir: with a long data directory and no
// XDG_RUNTIME_DIR the socket lives in a 0700 directory of the user.
func TestLongPathSocketInPrivateDir(t *testing.T) {
	data, runDir := longDataDir(t)
	srv, err := relay.Listen(relay.SocketPath(data), func(ctx context.Context, s *relay.Session) int { return 3 })
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	defer srv.Close(context.Background())
	st, err := os.Lstat(runDir)
	if err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
		t.Fatalf("socket directory %s: %v %v", runDir, err, st.Mode())
	}
	c, err := relay.Dial(data)
	if err != nil {
		t.Fatal(err)
	}
	if code, err := (relay.Client{Stdout: io.Discard, Stderr: io.Discard}).Run(context.Background(), c, relay.Request{Args: []string{"x"}, Dir: "/"}); err != nil || code != 3 {
		t.Fatalf("code %d err %v", code, err)
	}
	// A short data directory that others may enter (made by mkdir with
	// the usual umask) does not hold the socket either.
	open := t.TempDir()
	if err := os.Chmod(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := filepath.Dir(relay.SocketPath(open)); got != runDir {
		t.Fatalf("the socket of a 0755 data directory is in %s, want %s", got, runDir)
	}
	if got := filepath.Dir(relay.SocketPath(privateDir(t))); got == runDir {
		t.Fatal("the socket of a short 0700 data directory is not in it")
	}
}

// TestSocketDirRefused: a socket directory that someone else could write
// to, that is a symlink, or that belongs to someone else is refused by the
// daemon before binding and by the client before connecting.
func TestSocketDirRefused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		root  bool // needs root (chown to another uid)
		plant func(t *testing.T, dir string)
		want  string
	}{
		{"world-writable", false, func(t *testing.T, dir string) {
			mustDo(t, os.Mkdir(dir, 0o700))
			mustDo(t, os.Chmod(dir, 0o777))
		}, "has mode 0777: group and others must have no access"},
		{"group-readable", false, func(t *testing.T, dir string) {
			mustDo(t, os.Mkdir(dir, 0o700))
			mustDo(t, os.Chmod(dir, 0o750))
		}, "has mode 0750"},
		{"symlink", false, func(t *testing.T, dir string) {
			other := t.TempDir()
			mustDo(t, os.Symlink(other, dir))
		}, "is not a directory"},
		{"another user's", true, func(t *testing.T, dir string) {
			mustDo(t, os.Mkdir(dir, 0o700))
			mustDo(t, os.Chown(dir, 65534, 65534))
		}, "belongs to uid 65534"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.root && os.Getuid() != 0 {
				t.Skip("chown to another uid needs root")
			}
			data, runDir := longDataDir(t)
			tc.plant(t, runDir)
			_, err := relay.Listen(relay.SocketPath(data), func(ctx context.Context, s *relay.Session) int { return 0 })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Listen in a bad socket directory: %v, want %q", err, tc.want)
			}
			// Someone listens there all the same: the client must not connect.
			if tc.root {
				mustDo(t, os.Chown(runDir, 0, 0)) // let the planter bind, then hand it back
			}
			var connected func() bool
			if fi, _ := os.Lstat(runDir); fi.IsDir() || tc.name == "symlink" {
				connected = plantListener(t, data)
			}
			if tc.root {
				mustDo(t, os.Chown(runDir, 65534, 65534))
			}
			_, err = relay.Dial(data)
			if err == nil || err == relay.ErrNoDaemon || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Dial through a bad socket directory: %v, want %q", err, tc.want)
			}
			if connected != nil && connected() {
				t.Fatal("the client connected to a socket in a bad directory")
			}
		})
	}
}

// TestListenerNotTheDaemon: a socket in the right place whose listener runs
// as another user (it began listening under uid 65534) is refused by the
// client, which never sends it the request.
func TestListenerNotTheDaemon(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("starting a listener as another uid needs root")
	}
	data := privateDir(t)
	path := relay.SocketPath(data)
	if filepath.Dir(path) != data {
		t.Fatalf("socket %s is not in the data directory", path)
	}
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	sock := os.NewFile(uintptr(fd), "socket")
	defer sock.Close()
	// The helper runs as uid 65534: it needs a copy of this binary it can
	// execute, in a directory it can reach.
	binDir, err := os.MkdirTemp("", "relay-peer-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(binDir)
	mustDo(t, os.Chmod(binDir, 0o755))
	self, err := os.ReadFile("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(binDir, "relay.test")
	mustDo(t, os.WriteFile(bin, self, 0o755))
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), fakeDaemonEnv+"=1")
	cmd.ExtraFiles = []*os.File{sock}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var out bytes.Buffer
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	line := make([]byte, 10)
	if _, err := io.ReadFull(stdout, line); err != nil || string(line) != "listening\n"[:10] {
		t.Fatalf("the helper did not start listening: %q %v %s", line, err, out.String())
	}
	// As a check of the helper itself: a plain connection gets its fake
	// "exit 0".
	raw, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var hdr [5]byte
	raw.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(raw, hdr[:]); err != nil || hdr[0] != 'C' || binary.BigEndian.Uint32(hdr[1:]) != 4 {
		t.Fatalf("the helper's answer: %q %v", hdr, err)
	}
	raw.Close()

	_, err = relay.Dial(data)
	if err == nil || !strings.Contains(err.Error(), "served by uid 65534, not by you (uid 0)") {
		t.Fatalf("Dial to another user's listener: %v", err)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
