package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/relay"
	"github.com/spf13/cobra"
)

// daemonEngine is the running daemon's engine, lent to a command that a
// local client relayed to it.
type daemonEngine struct {
	eng        *core.Engine
	tasks      *core.TaskRunner
	dataDir    string
	exportsDir string
	cwd        string         // the client's working directory
	session    *relay.Session // the relayed session (its terminal, for the dashboard)
}

// relayedCommands are the commands that reach a running daemon instead of
// failing on the locked data directory.
var relayedCommands = map[string]bool{
	"ingest": true, "query": true, "triage": true, "export": true, "report": true,
	"task": true, "subscription": true, "stats": true, "token": true, "fields": true, "top": true,
}

func topLevel(cmd *cobra.Command) string {
	for cmd.HasParent() && cmd.Parent().HasParent() {
		cmd = cmd.Parent()
	}
	if !cmd.HasParent() {
		return ""
	}
	return cmd.Name()
}

// engine opens the store, or lends the daemon's engine to a relayed command.
func (g *globalFlags) engine() (*core.Engine, func(), error) {
	if g.daemon != nil {
		return g.daemon.eng, func() {}, nil
	}
	eng, err := openEngine(g.dataDir)
	if err != nil {
		return nil, nil, err
	}
	return eng, func() { eng.Close() }, nil
}

// taskRunner starts a task runner writing to dir, or lends the daemon's.
func (g *globalFlags) taskRunner(eng *core.Engine, dir string) (*core.TaskRunner, func(), error) {
	if g.daemon != nil {
		want, _ := filepath.Abs(g.path(dir))
		have, _ := filepath.Abs(g.daemon.exportsDir)
		if filepath.Clean(want) != filepath.Clean(have) {
			return nil, nil, fmt.Errorf("--exports: the running daemon writes exports to %s; stop `auditdeck serve` to use another directory", have)
		}
		return g.daemon.tasks, func() {}, nil
	}
	tr, err := eng.StartTasks(core.TaskOptions{Dir: dir})
	if err != nil {
		return nil, nil, err
	}
	return tr, tr.Close, nil
}

// interruptible cancels ctx on ^C or SIGTERM; a relayed command is
// canceled by its client going away instead.
func (g *globalFlags) interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	if g.daemon != nil {
		return context.WithCancel(ctx)
	}
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

// path resolves a file name given on the command line against the
// working directory of whoever typed it.
func (g *globalFlags) path(p string) string {
	if g.daemon == nil || p == "" || p == "-" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(g.daemon.cwd, p)
}

// relayIfServed runs the command inside a daemon serving g.dataDir, if one
// runs. It returns handled=false when no daemon listens.
func relayIfServed(cmd *cobra.Command, g *globalFlags) (bool, error) {
	c, cwd, handled, err := dialDaemon(g)
	if !handled || err != nil {
		return handled, err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := relay.Client{Stdin: cmd.InOrStdin(), Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr()}.Run(ctx, c, relay.Request{Args: os.Args[1:], Dir: cwd})
	if err != nil {
		return true, err
	}
	if code != 0 {
		return true, &exitError{code: code}
	}
	return true, errRelayed
}

// dialDaemon connects to the daemon serving g.dataDir; handled is false
// when none runs. It also returns the working directory to send.
func dialDaemon(g *globalFlags) (c *net.UnixConn, cwd string, handled bool, err error) {
	c, err = relay.Dial(g.dataDir)
	if errors.Is(err, relay.ErrNoDaemon) {
		return nil, "", false, nil
	}
	if err != nil {
		return nil, "", true, err
	}
	if cwd, err = os.Getwd(); err != nil {
		c.Close()
		return nil, "", true, fmt.Errorf("working directory: %w", err)
	}
	return c, cwd, true, nil
}

// errRelayed stops cobra after a relayed command succeeded: the command
// ran in the daemon and must not run again here.
var errRelayed = errors.New("relayed")

// runRelayed is the daemon's side: it runs one relayed command line on the
// daemon's engine and returns the exit code.
func runRelayed(d daemonEngine) relay.Handler {
	return func(ctx context.Context, s *relay.Session) int {
		dd := d
		dd.cwd = s.Dir
		dd.session = s
		if !filepath.IsAbs(dd.cwd) {
			fmt.Fprintln(s.Stderr, "auditdeck: relay: the client's working directory must be absolute")
			return 2
		}
		root := newRootCmdWith(&globalFlags{daemon: &dd})
		root.SetArgs(s.Args)
		root.SetIn(s.Stdin)
		root.SetOut(s.Stdout)
		root.SetErr(s.Stderr)
		err := root.ExecuteContext(ctx)
		return exitCode(err, s.Stderr)
	}
}

// exitCode prints err the way main does and returns the process exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, errRelayed) {
		return 0
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.msg == "" {
			return code
		}
	}
	fmt.Fprintln(stderr, "auditdeck:", err)
	return code
}
