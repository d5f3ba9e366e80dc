package relay_test

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/relay"
)

// A relayed command blocked on its client (reading a standard input the
// client keeps open, or writing output the client does not read) must not
// hold the daemon's drain past its deadline: `tail -f log | auditdeck
// ingest -` and `auditdeck query ... | less` left open are ordinary.
func TestCloseDeadlineEndsCommandsBlockedOnClient(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		handler relay.Handler
	}{
		{"stdin kept open", []string{"ingest", "-"}, func(ctx context.Context, s *relay.Session) int {
			io.Copy(io.Discard, s.Stdin) // like ingest: reads until EOF, ctx unchecked
			return 0
		}},
		{"output not read", []string{"query"}, func(ctx context.Context, s *relay.Session) int {
			chunk := []byte(strings.Repeat("x", 64<<10))
			for {
				if _, err := s.Stdout.Write(chunk); err != nil {
					return 1
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dataDir := privateDir(t)
			srv, err := relay.Listen(relay.SocketPath(dataDir), tc.handler)
			if err != nil {
				t.Fatal(err)
			}
			go srv.Serve()
			c, err := relay.Dial(dataDir)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			stdinR, stdinW := io.Pipe() // never closed while the test runs
			defer stdinW.Close()
			// The client sends its request and standard input, then stops
			// reading, as a client piped into a pager that nobody scrolls.
			release := make(chan struct{})
			defer close(release)
			cl := relay.Client{Stdin: stdinR, Stdout: blockingWriter(release), Stderr: io.Discard}
			go cl.Run(context.Background(), c, relay.Request{Args: tc.args, Dir: "/"})
			time.Sleep(200 * time.Millisecond) // let the command start and block

			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			closed := make(chan error, 1)
			go func() { closed <- srv.Close(ctx) }()
			select {
			case err := <-closed:
				if err == nil {
					t.Fatal("Close reported no running command, but one was blocked")
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Close did not return 5 s after its deadline: a command blocked on its client holds the drain")
			}
		})
	}
}

// blockingWriter blocks until its channel closes, like a pager nobody
// scrolls.
type blockingWriter chan struct{}

func (b blockingWriter) Write(p []byte) (int, error) {
	<-b
	return 0, io.ErrClosedPipe
}

// A client that connects and sends nothing runs no command: Close must
// not wait for it (it held serve's drain for its whole timeout).
func TestCloseDoesNotWaitForIdleClients(t *testing.T) {
	dataDir := privateDir(t)
	srv, err := relay.Listen(relay.SocketPath(dataDir), func(ctx context.Context, s *relay.Session) int { return 0 })
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	var idle []net.Conn
	for range 3 {
		c, err := net.Dial("unix", relay.SocketPath(dataDir))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		idle = append(idle, c)
	}
	time.Sleep(200 * time.Millisecond) // let the daemon accept them
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	closed := make(chan error, 1)
	go func() { closed <- srv.Close(ctx) }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close with only idle clients: %v", err)
		}
		if took := time.Since(start); took > time.Second {
			t.Fatalf("Close took %v with only idle clients connected", took)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Close did not return: idle clients hold the drain")
	}
	for _, c := range idle {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Error("an idle client's connection is still open after Close")
		}
	}
}
