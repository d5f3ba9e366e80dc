package relay_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/relay"
)

func serve(t *testing.T, h relay.Handler) (dataDir string) {
	t.Helper()
	dataDir = privateDir(t)
	// A stale socket file from a killed daemon must not stop Listen.
	if err := os.WriteFile(relay.SocketPath(dataDir), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := relay.Listen(relay.SocketPath(dataDir), h)
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(ctx)
	})
	st, err := os.Stat(s.Path())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", err, st.Mode())
	}
	return dataDir
}

// privateDir is a data directory as serve creates it: mode 0700 (the
// testing package's own are 0755).
func privateDir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	if err := os.Chmod(d, 0o700); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRunStreamsBothWays(t *testing.T) {
	data := serve(t, func(ctx context.Context, s *relay.Session) int {
		fmt.Fprintf(s.Stderr, "args %s in %s\n", strings.Join(s.Args, " "), s.Dir)
		n, _ := io.Copy(s.Stdout, s.Stdin)
		return int(n % 7)
	})
	c, err := relay.Dial(data)
	if err != nil {
		t.Fatal(err)
	}
	in := bytes.Repeat([]byte("0123456789"), 300_000) // larger than one frame
	var out, errOut bytes.Buffer
	code, err := relay.Client{Stdin: bytes.NewReader(in), Stdout: &out, Stderr: &errOut}.Run(context.Background(), c, relay.Request{Args: []string{"ingest", "-"}, Dir: "/x"})
	if err != nil || code != len(in)%7 {
		t.Fatalf("code %d err %v", code, err)
	}
	if !bytes.Equal(out.Bytes(), in) || errOut.String() != "args ingest - in /x\n" {
		t.Fatalf("stdout %d bytes, stderr %q", out.Len(), errOut.String())
	}
}

func TestStdinOnlyForDash(t *testing.T) {
	data := serve(t, func(ctx context.Context, s *relay.Session) int {
		b, _ := io.ReadAll(s.Stdin)
		return len(b)
	})
	c, err := relay.Dial(data)
	if err != nil {
		t.Fatal(err)
	}
	// A command without "-" must not consume the client's input.
	code, err := relay.Client{Stdin: strings.NewReader("not for you"), Stdout: io.Discard, Stderr: io.Discard}.Run(context.Background(), c, relay.Request{Args: []string{"query"}, Dir: "/"})
	if err != nil || code != 0 {
		t.Fatalf("code %d err %v", code, err)
	}
}

func TestClientGoneCancelsCommand(t *testing.T) {
	canceled := make(chan struct{})
	data := serve(t, func(ctx context.Context, s *relay.Session) int {
		<-ctx.Done()
		close(canceled)
		return 1
	})
	c, err := relay.Dial(data)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := (relay.Client{Stdout: io.Discard, Stderr: io.Discard}).Run(ctx, c, relay.Request{Args: []string{"export"}, Dir: "/"}); err == nil {
		t.Fatal("an interrupted run returned no error")
	}
	select {
	case <-canceled:
	case <-time.After(5 * time.Second):
		t.Fatal("the daemon's command was not canceled when the client went away")
	}
}

func TestTerminalResizeAndBadFrames(t *testing.T) {
	sizes := make(chan relay.Size, 4)
	data := serve(t, func(ctx context.Context, s *relay.Session) int {
		sizes <- relay.Size{Width: s.Terminal.Width, Height: s.Terminal.Height}
		for sz := range s.Resize {
			sizes <- sz
		}
		return 0
	})
	c, err := relay.Dial(data)
	if err != nil {
		t.Fatal(err)
	}
	resize := make(chan relay.Size, 1)
	stdinR, stdinW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := relay.Client{Stdin: stdinR, Stdout: io.Discard, Stderr: io.Discard, Resize: resize}.Run(context.Background(), c, relay.Request{Dir: "/", Terminal: &relay.Terminal{Width: 80, Height: 24}})
		done <- err
	}()
	if sz := <-sizes; sz != (relay.Size{Width: 80, Height: 24}) {
		t.Fatalf("first size %v", sz)
	}
	resize <- relay.Size{Width: 120, Height: 40}
	select {
	case sz := <-sizes:
		if sz != (relay.Size{Width: 120, Height: 40}) {
			t.Fatalf("resize %v", sz)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no resize arrived")
	}
	// A client claiming a huge terminal gets a capped one: the dashboard
	// drawn for it costs memory in proportion to its area.
	resize <- relay.Size{Width: 65535, Height: 1 << 30}
	select {
	case sz := <-sizes:
		if sz != (relay.Size{Width: relay.MaxWidth, Height: relay.MaxHeight}) {
			t.Fatalf("a huge resize arrived as %v", sz)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no capped resize arrived")
	}
	stdinW.Close()
	c.Close()
	<-done
	c, err = relay.Dial(data)
	if err != nil {
		t.Fatal(err)
	}
	go relay.Client{Stdout: io.Discard, Stderr: io.Discard}.Run(context.Background(), c, relay.Request{Dir: "/", Terminal: &relay.Terminal{Width: 65535, Height: 65535}})
	select {
	case sz := <-sizes:
		if sz != (relay.Size{Width: relay.MaxWidth, Height: relay.MaxHeight}) {
			t.Fatalf("a huge first size arrived as %v", sz)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no capped first size arrived")
	}
	c.Close()

	// A frame larger than the limit ends the connection instead of
	// allocating it; a silly terminal size is refused.
	raw, err := net.Dial("unix", relay.SocketPath(data))
	if err != nil {
		t.Fatal(err)
	}
	var hdr [5]byte
	hdr[0] = 'R'
	binary.BigEndian.PutUint32(hdr[1:], 1<<31)
	raw.Write(hdr[:])
	raw.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := raw.Read(make([]byte, 16)); err == nil {
		t.Fatalf("the daemon answered an oversized frame with %d bytes", n)
	}
	raw.Close()
	c, err = relay.Dial(data)
	if err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	code, err := relay.Client{Stdout: io.Discard, Stderr: &errOut}.Run(context.Background(), c, relay.Request{Dir: "/", Terminal: &relay.Terminal{Width: 0, Height: 99999}})
	if err != nil || code != 2 || !strings.Contains(errOut.String(), "bad terminal size") {
		t.Fatalf("bad size: code %d err %v stderr %q", code, err, errOut.String())
	}
}

func TestNoDaemonAndLongPaths(t *testing.T) {
	if _, err := relay.Dial(t.TempDir()); err != relay.ErrNoDaemon {
		t.Fatalf("dial without a daemon: %v", err)
	}
	long := filepath.Join(t.TempDir(), strings.Repeat("d", 120))
	if p := relay.SocketPath(long); len(p) >= 100 || !strings.HasSuffix(p, ".sock") {
		t.Fatalf("socket path for a long data directory: %s", p)
	}
	if relay.SocketPath(long) != relay.SocketPath(long+"/") {
		t.Fatal("the same directory gave two socket paths")
	}
}

func TestPanicEndsOnlyTheCommand(t *testing.T) {
	data := serve(t, func(ctx context.Context, s *relay.Session) int {
		if len(s.Args) > 0 && s.Args[0] == "boom" {
			var m map[string]int
			m["x"]++ // a nil map write: a bug in one command
		}
		return 0
	})
	c, err := relay.Dial(data)
	if err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	code, err := relay.Client{Stdout: io.Discard, Stderr: &errOut}.Run(context.Background(), c, relay.Request{Args: []string{"boom"}, Dir: "/"})
	if err != nil || code != 70 || !strings.Contains(errOut.String(), "internal error") {
		t.Fatalf("panicking command: code %d err %v stderr %q", code, err, errOut.String())
	}
	c, err = relay.Dial(data)
	if err != nil {
		t.Fatalf("the daemon stopped after a command panicked: %v", err)
	}
	if code, err := (relay.Client{Stdout: io.Discard, Stderr: io.Discard}).Run(context.Background(), c, relay.Request{Args: []string{"fine"}, Dir: "/"}); err != nil || code != 0 {
		t.Fatalf("next command: %d %v", code, err)
	}
}
