package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/auditdeck/auditdeck/api"
	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
	"github.com/auditdeck/auditdeck/relay"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/auditdeck/auditdeck/tui/sshserve"
	"github.com/spf13/cobra"
	gossh "golang.org/x/crypto/ssh"
)

// serveOptions are the flags of `auditdeck serve`.
type serveOptions struct {
	httpAddr    string
	sshAddr     string
	usersFile   string
	exports     string
	taskLimit   int    // queued+running export tasks per user
	minFree     string // free-space floor of the export directory: bytes or a percentage
	drain       time.Duration
	maxSessions int
	idle        time.Duration
	maxSession  time.Duration
	connPerMin  int
	config      string
	clockStart  string // tests: run the engine's clock from this instant
	queryTime   time.Duration
}

func newServeCmd(g *globalFlags) *cobra.Command {
	o := serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve [--data DIR] [--http 127.0.0.1:8080] [--ssh 127.0.0.1:2222] [--users FILE]",
		Short: "Run the daemon: the HTTP API and the dashboard over SSH on one engine",
		Long: `serve owns the store and runs one engine for the HTTP API, every SSH
session, the export task runner and the report scheduler. While it runs,
local commands (ingest, query, export, token, ...) given the same --data
reach it through a unix socket in the data directory (mode 0600, same user
only) instead of failing on the locked directory.

SIGHUP reloads the users file (a broken file keeps the old one, and says
why). SIGINT or SIGTERM drains within --drain: stop accepting, let sessions
end, let running tasks finish (or leave them to re-run on the next start),
close the store. Pass "off" to --http or --ssh to disable one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd.Context(), g, o)
		},
	}
	cmd.Flags().StringVar(&o.httpAddr, "http", "127.0.0.1:8080", `HTTP API address ("off" to disable)`)
	cmd.Flags().StringVar(&o.sshAddr, "ssh", "127.0.0.1:2222", `SSH dashboard address ("off" to disable)`)
	cmd.Flags().StringVar(&o.usersFile, "users", "", "users file (YAML: name, role, SSH keys); reloaded on SIGHUP")
	cmd.Flags().StringVar(&o.exports, "exports", "", "export directory (default DATA/exports)")
	cmd.Flags().IntVar(&o.taskLimit, "export-tasks-per-user", core.DefaultMaxActivePerUser, "queued plus running exports and report generations one user may have (0: no limit); more are refused (HTTP 429)")
	cmd.Flags().StringVar(&o.minFree, "export-min-free", "1GiB", `refuse new exports while the export directory's disk has less free space: a size (512MiB, 2GB) or a percentage (5%); "0" for no floor (HTTP 507)`)
	cmd.Flags().DurationVar(&o.drain, "drain", 10*time.Second, "how long SIGINT/SIGTERM waits for sessions, requests and tasks")
	cmd.Flags().IntVar(&o.maxSessions, "max-sessions", sshserve.DefaultMaxSessions, "most SSH sessions at once")
	cmd.Flags().DurationVar(&o.idle, "ssh-idle-timeout", sshserve.DefaultIdleTimeout, "close an SSH session without input this long")
	cmd.Flags().DurationVar(&o.maxSession, "ssh-max-timeout", sshserve.DefaultMaxTimeout, "close any SSH session after this long")
	cmd.Flags().IntVar(&o.connPerMin, "ssh-rate", sshserve.DefaultConnectionsPerMinute, "SSH connections per minute allowed from one address (an IPv6 /64)")
	cmd.Flags().StringVar(&o.config, "config", tui.DefaultConfigPath(), "dashboard config file for SSH sessions (keys, theme, saved filters)")
	cmd.Flags().DurationVar(&o.queryTime, "query-timeout", api.DefaultQueryTimeout, "longest time one HTTP API request (answered with a 503) or one read of an SSH dashboard may run")
	cmd.Flags().StringVar(&o.clockStart, "clock-start", "", "run the engine's clock from this RFC 3339 instant (tests of scheduled runs)")
	_ = cmd.Flags().MarkHidden("clock-start")
	return cmd
}

// daemon is the running `serve`: the engine and what listens on it.
type daemon struct {
	log    *slog.Logger
	eng    *core.Engine
	tasks  *core.TaskRunner
	users  *access.Directory
	tokens *access.Tokens
	relay  *relay.Server
	parts  []servedPart
}

// servedPart is one listener of the daemon (HTTP, SSH, the relay socket).
type servedPart struct {
	name     string
	serve    func() error
	shutdown func(context.Context) error
}

func runServe(ctx context.Context, g *globalFlags, o serveOptions) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	users, err := access.OpenDirectory(o.usersFile)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(g.dataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory %s: %w", g.dataDir, err)
	}
	var engOpts []core.EngineOption
	if o.clockStart != "" {
		start, err := time.Parse(time.RFC3339, o.clockStart)
		if err != nil {
			return fmt.Errorf("--clock-start: %w", err)
		}
		began := time.Now()
		engOpts = append(engOpts, core.WithClock(func() time.Time { return start.Add(time.Since(began)) }))
	}
	eng, err := openEngine(g.dataDir, engOpts...)
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			ee.msg = fmt.Sprintf("data directory %s is in use by another process (another `auditdeck serve`?); pass --data DIR for another store", g.dataDir)
		}
		return err
	}
	d := &daemon{log: log, eng: eng, users: users, tokens: access.NewTokens(eng)}
	storeClosed := false
	defer func() {
		if !storeClosed {
			eng.Close()
		}
	}()
	if err := eng.InstallPredefined(ctx); err != nil {
		return err
	}
	exports := exportsDir(g, o.exports)
	topts, err := o.taskOptions(exports, users)
	if err != nil {
		return err
	}
	d.tasks, err = eng.StartTasks(topts)
	if err != nil {
		return err
	}
	defer d.tasks.Close() // on early returns; Close is idempotent
	dataAbs, _ := filepath.Abs(g.dataDir)
	d.relay, err = relay.Listen(relay.SocketPath(g.dataDir), runRelayed(daemonEngine{eng: eng, tasks: d.tasks, dataDir: dataAbs, exportsDir: exports}))
	if err != nil {
		return err
	}
	d.parts = append(d.parts, servedPart{name: "local commands", serve: d.relay.Serve, shutdown: d.relay.Close})
	log.Info("local commands", "socket", d.relay.Path())
	if err := d.addListeners(o, g.dataDir); err != nil {
		d.relay.Close(context.Background())
		return err
	}

	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	schedDone := make(chan struct{})
	go func() {
		defer close(schedDone)
		if err := eng.RunScheduler(runCtx); err != nil && runCtx.Err() == nil {
			log.Error("scheduler stopped", "err", err)
		}
	}()
	failed := make(chan error, len(d.parts))
	for _, p := range d.parts {
		go func() {
			if err := p.serve(); err != nil {
				failed <- fmt.Errorf("%s: %w", p.name, err)
			}
		}()
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var runErr error
wait:
	for {
		select {
		case s := <-sigs:
			if s == syscall.SIGHUP {
				if err := users.Reload(); err != nil {
					log.Error("users file not reloaded; the previous one stays", "err", err)
				} else {
					log.Info("users file reloaded", "path", users.Path(), "users", len(users.Users().Names()))
				}
				continue
			}
			log.Info("draining", "signal", s.String(), "within", o.drain)
			break wait
		case err := <-failed:
			runErr = err
			log.Error("listener failed; shutting down", "err", err)
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	start := time.Now()
	// Listeners and tasks get four fifths of the budget; the rest is for
	// canceling what still runs and closing the store.
	dctx, cancel := context.WithTimeout(context.Background(), o.drain*4/5)
	defer cancel()
	// The scheduler stops first: a period it starts now would only race
	// the drain (it is generated on the next start, once).
	stopRun()
	<-schedDone
	d.drain(dctx)
	d.tasks.Close()
	storeClosed = true
	if err := closeWithin(eng, o.drain-time.Since(start)); err != nil {
		log.Error("store not closed", "err", err)
		runErr = errors.Join(runErr, err)
	}
	log.Info("stopped", "drain", time.Since(start).Round(time.Millisecond))
	return runErr
}

// closeWithin closes the store, giving up after budget: when the data
// directory is gone or the disk fails, Badger retries flushing its memtable
// forever and Close never returns. Acknowledged writes were synced when they
// were acknowledged; the process ends with an error instead of hanging past
// --drain.
func closeWithin(eng *core.Engine, budget time.Duration) error {
	budget = max(budget, 500*time.Millisecond)
	done := make(chan error, 1)
	go func() { done <- eng.Close() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("close store: %w", err)
		}
		return nil
	case <-time.After(budget):
		if herr := eng.Health(); herr != nil {
			return fmt.Errorf("the store did not close within the drain (%v); exiting without closing it", herr)
		}
		return errors.New("the store did not close within the drain (its flushes fail); exiting without closing it")
	}
}

// drain stops the listeners, then gives running tasks what is left of the
// budget; tasks still running when it ends are canceled and re-run on the
// next start.
func (d *daemon) drain(ctx context.Context) {
	var wg sync.WaitGroup
	for _, p := range d.parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.shutdown(ctx); err != nil {
				d.log.Warn("shutdown", "part", p.name, "err", err)
			}
		}()
	}
	wg.Wait()
	admin := core.Actor{User: "serve", Admin: true, From: "serve"}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		ts, err := d.tasks.List(ctx, admin)
		running := 0
		for _, t := range ts {
			if t.Status == core.TaskRunning {
				running++
			}
		}
		if err != nil || running == 0 {
			return
		}
		select {
		case <-ctx.Done():
			d.log.Warn("drain time is up; running tasks will re-run on the next start", "tasks", running)
			return
		case <-tick.C:
		}
	}
}

// addListeners binds the HTTP API and the SSH dashboard (binding before
// serving makes a taken port fail the start, with the flag named).
func (d *daemon) addListeners(o serveOptions, dataDir string) error {
	if o.httpAddr != "off" {
		ln, err := net.Listen("tcp", o.httpAddr)
		if err != nil {
			return fmt.Errorf("--http %s: %w", o.httpAddr, err)
		}
		h := api.New(api.Options{Engine: d.eng, Users: d.users, Tokens: d.tokens, Logger: d.log.With("part", "http"), QueryTimeout: o.queryTime})
		// Handlers still running after a forced Close read the store; the
		// drain waits for them before the store closes.
		var inflight atomic.Int64
		tracked := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inflight.Add(1)
			defer inflight.Add(-1)
			h.ServeHTTP(w, r)
		})
		srv := api.NewServer(ln.Addr().String(), tracked)
		d.log.Info("http api", "addr", ln.Addr().String(), "openapi", "http://"+ln.Addr().String()+"/openapi.json")
		d.parts = append(d.parts, servedPart{name: "http api",
			serve: func() error {
				if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
					return err
				}
				return nil
			},
			shutdown: func(ctx context.Context) error {
				err := srv.Shutdown(ctx)
				if err != nil {
					srv.Close() // downloads still streaming when the drain ends
				}
				// Closed connections cancel their requests' contexts, and
				// scans stop at the next block.
				for end := time.Now().Add(2 * time.Second); inflight.Load() > 0 && time.Now().Before(end); {
					time.Sleep(10 * time.Millisecond)
				}
				if n := inflight.Load(); n > 0 {
					return fmt.Errorf("%d requests still running: %w", n, context.DeadlineExceeded)
				}
				return err
			}})
	}
	if o.sshAddr != "off" {
		cfg, err := tui.LoadConfig(o.config)
		if err != nil {
			return err
		}
		srv, err := sshserve.New(sshserve.Options{Engine: d.eng, Users: d.users, HostKeyPath: filepath.Join(dataDir, "ssh_host_ed25519_key"),
			IdleTimeout: o.idle, MaxTimeout: o.maxSession, MaxSessions: o.maxSessions, ConnectionsPerMinute: o.connPerMin,
			Config: cfg, QueryTimeout: o.queryTime, StateDir: filepath.Join(dataDir, "ssh-users"), Logger: d.log.With("part", "ssh")})
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", o.sshAddr)
		if err != nil {
			return fmt.Errorf("--ssh %s: %w", o.sshAddr, err)
		}
		if len(d.users.Users().Names()) == 0 {
			d.log.Warn("no users: the SSH dashboard admits no one; pass --users FILE")
		}
		d.log.Info("ssh dashboard", "addr", ln.Addr().String(), "host_key", gossh.FingerprintSHA256(srv.HostKey()))
		d.parts = append(d.parts, servedPart{name: "ssh dashboard",
			serve: func() error {
				if err := srv.Serve(ln); !errors.Is(err, sshserve.ErrServerClosed) {
					return err
				}
				return nil
			},
			shutdown: srv.Shutdown})
	}
	return nil
}

// taskOptions are the task runner's limits from the flags.
func (o serveOptions) taskOptions(dir string, users *access.Directory) (core.TaskOptions, error) {
	opts := core.TaskOptions{Dir: dir, MaxActivePerUser: o.taskLimit}
	if o.taskLimit <= 0 {
		opts.MaxActivePerUser = -1
	}
	n, pct, err := parseFreeFloor(o.minFree)
	if err != nil {
		return opts, fmt.Errorf("--export-min-free: %w", err)
	}
	opts.MinFreeBytes, opts.MinFreePercent = n, pct
	if n == 0 {
		opts.MinFreeBytes = -1
	}
	// A scheduled audit trail runs only for a user who is an admin now:
	// the users file's role, or the login name local commands act under.
	login := currentUser()
	opts.IsAdmin = func(name string) bool {
		if u, ok := users.Users().Lookup(name); ok {
			return u.Role == access.Admin
		}
		return name == login
	}
	return opts, nil
}

// parseFreeFloor reads "5%" as a percentage, or a size with an optional
// unit (B, KB, MB, GB, TB and KiB, MiB, GiB, TiB) as bytes.
func parseFreeFloor(s string) (bytes int64, percent float64, err error) {
	s = strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || v < 0 || v >= 100 {
			return 0, 0, fmt.Errorf("%q: expected a percentage from 0 to below 100, like 5%%", s)
		}
		return 0, v, nil
	}
	num := strings.TrimRightFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	unit := strings.ToLower(strings.TrimSpace(s[len(num):]))
	mult := map[string]int64{"": 1, "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}[unit]
	v, perr := strconv.ParseInt(num, 10, 64)
	if perr != nil || mult == 0 || v < 0 || v > math.MaxInt64/mult {
		return 0, 0, fmt.Errorf("%q: expected a size like 1GiB or 500MB, or a percentage like 5%%", s)
	}
	return v * mult, 0, nil
}
