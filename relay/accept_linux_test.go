package relay_test

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/relay"
)

// Running out of file descriptors (many API clients at once) makes accept
// fail for a moment; the socket must keep serving once descriptors free up,
// not end Serve, which shuts the whole daemon down.
func TestServeSurvivesTooManyOpenFiles(t *testing.T) {
	data := serve(t, func(ctx context.Context, s *relay.Session) int { return 7 })

	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	restore := func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) }
	defer restore()
	low := lim
	low.Cur = 256
	if lim.Cur < low.Cur {
		t.Skipf("descriptor limit %d is already below %d", lim.Cur, low.Cur)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skipf("cannot lower the descriptor limit: %v", err)
	}
	var fillers []*os.File
	defer func() {
		for _, f := range fillers {
			f.Close()
		}
	}()
	for len(fillers) < int(low.Cur) {
		f, err := os.Open(os.DevNull)
		if err != nil {
			if !errors.Is(err, syscall.EMFILE) {
				t.Fatal(err)
			}
			break
		}
		fillers = append(fillers, f)
	}
	if len(fillers) == 0 {
		t.Fatal("no descriptor was free below the lowered limit")
	}
	// One slot for the client's end; the daemon's accept then has none.
	fillers[len(fillers)-1].Close()
	fillers = fillers[:len(fillers)-1]
	c, err := relay.Dial(data)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the accept fails meanwhile
	for _, f := range fillers {
		f.Close()
	}
	fillers = nil
	restore()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	code, err := relay.Client{Stdout: os.Stdout, Stderr: os.Stderr}.Run(ctx, c, relay.Request{Args: []string{"query"}, Dir: "/"})
	if err != nil || code != 7 {
		t.Fatalf("after descriptors freed up: code %d, err %v (the socket stopped serving)", code, err)
	}
}
