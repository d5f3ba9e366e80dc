package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/relay"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/auditdeck/auditdeck/tui/dashboard"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// dashboardOptions configure one local dashboard session.
type dashboardOptions struct {
	dataDir    string
	configPath string
	user       string
	// quitQuestion makes quitting ask first (the demo deletes its store).
	quitQuestion string
}

// runDashboard opens the store, starts the task runner and the scheduler,
// and runs the TUI on this terminal until the user quits.
func runDashboard(o dashboardOptions) error {
	cfg, err := tui.LoadConfig(o.configPath)
	if err != nil {
		return err
	}
	eng, err := openEngine(o.dataDir)
	if err != nil {
		return err
	}
	defer eng.Close()
	tr, err := eng.StartTasks(core.TaskOptions{Dir: filepath.Join(o.dataDir, "exports")})
	if err != nil {
		return err
	}
	defer tr.Close()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		if err := eng.RunScheduler(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, "auditdeck: scheduler:", err)
		}
	}()
	app := dashboardApp(eng, localActor(o.user), lipgloss.NewRenderer(os.Stdout), cfg)
	defer app.Close()
	if o.quitQuestion != "" {
		app.ConfirmQuit(o.quitQuestion)
	}
	_, err = tea.NewProgram(app, tea.WithAltScreen(), tea.WithMouseCellMotion()).Run()
	return err
}

// dashboardApp assembles the four views on an engine for one terminal.
func dashboardApp(eng *core.Engine, actor core.Actor, r *lipgloss.Renderer, cfg tui.Config) *tui.App {
	tctx := tui.NewContext(eng, actor, r)
	tctx.ApplyConfig(cfg)
	tctx.Now = time.Now
	return dashboard.New(tctx)
}

// relayDashboard opens the dashboard of a running serve on this terminal:
// the terminal goes to raw mode and its bytes, and its size changes, flow
// to the daemon, which draws the dashboard on its shared engine.
func relayDashboard(cmd *cobra.Command, g *globalFlags) (bool, error) {
	c, cwd, handled, err := dialDaemon(g)
	if !handled || err != nil {
		return handled, err
	}
	w, h, err := term.GetSize(int(os.Stdout.Fd()))
	if err != nil {
		c.Close()
		return true, fmt.Errorf("terminal size: %w", err)
	}
	out := termenv.NewOutput(os.Stdout)
	tinfo := &relay.Terminal{Width: w, Height: h, Profile: out.EnvColorProfile().Name(), DarkBackground: out.HasDarkBackground()}
	cfgPath, err := filepath.Abs(g.config)
	if err != nil {
		c.Close()
		return true, err
	}
	args := append(append([]string(nil), os.Args[1:]...), "--config", cfgPath)
	old, err := term.MakeRaw(int(os.Stdin.Fd()))
	if err != nil {
		c.Close()
		return true, fmt.Errorf("raw terminal: %w", err)
	}
	defer term.Restore(int(os.Stdin.Fd()), old)
	resize := make(chan relay.Size, 1)
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	defer signal.Stop(winch)
	go func() {
		for range winch {
			if w, h, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
				select {
				case resize <- relay.Size{Width: w, Height: h}:
				default:
				}
			}
		}
	}()
	code, err := relay.Client{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Resize: resize}.Run(cmd.Context(), c, relay.Request{Args: args, Dir: cwd, Terminal: tinfo})
	if err != nil {
		// The daemon went away mid-frame: leave its alternate screen, mouse
		// reporting and hidden cursor behind.
		os.Stdout.WriteString("\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?25h\x1b[?1049l")
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return true, fmt.Errorf("the dashboard closed: the daemon stopped")
		}
		return true, fmt.Errorf("the dashboard closed: %w", err)
	}
	if code != 0 {
		return true, &exitError{code: code}
	}
	return true, nil
}

// runRelayedDashboard is the daemon's side of relayDashboard.
func runRelayedDashboard(ctx context.Context, g *globalFlags) error {
	s := g.daemon.session
	cfg, err := tui.LoadConfig(g.config)
	if err != nil {
		return err
	}
	r := lipgloss.NewRenderer(s.Stdout, termenv.WithProfile(profileByName(s.Terminal.Profile)))
	r.SetHasDarkBackground(s.Terminal.DarkBackground)
	app := dashboardApp(g.daemon.eng, localActor(g.user), r, cfg)
	defer app.Close()
	p := tea.NewProgram(app, tea.WithInput(s.Stdin), tea.WithOutput(s.Stdout), tea.WithContext(ctx), tea.WithAltScreen(), tea.WithMouseCellMotion(),
		tea.WithoutSignalHandler()) // the daemon's signals are the daemon's: SIGTERM drains, it does not quit dashboards at once
	go func() {
		p.Send(tea.WindowSizeMsg{Width: s.Terminal.Width, Height: s.Terminal.Height})
		for sz := range s.Resize {
			p.Send(tea.WindowSizeMsg{Width: sz.Width, Height: sz.Height})
		}
	}()
	_, err = p.Run()
	if ctx.Err() != nil {
		// The client went away (then no one reads this), or the daemon is
		// stopping and its drain time is up.
		return fmt.Errorf("the dashboard closed: `auditdeck serve` is shutting down")
	}
	return err
}

// profileByName reads the colour profile a relaying client sent as
// termenv's name for it; anything else draws without colour.
func profileByName(name string) termenv.Profile {
	for _, p := range []termenv.Profile{termenv.TrueColor, termenv.ANSI256, termenv.ANSI} {
		if p.Name() == name {
			return p
		}
	}
	return termenv.Ascii
}
