// Command auditdeck is the terminal dashboard and engine for security
// activity events. This file holds the root command and the shared flags;
// each subcommand has its own file.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	_ "time/tzdata" // subscriptions name IANA zones; hosts may lack zone files

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/store"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/spf13/cobra"
)

// exitError carries a specific exit code to main.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func main() {
	root := newRootCmd()
	if code := exitCode(root.Execute(), os.Stderr); code != 0 {
		os.Exit(code)
	}
}

type globalFlags struct {
	dataDir    string
	cpuProfile string
	config     string
	user       string
	daemon     *daemonEngine // set when the command runs inside `serve` for a local client
}

func newRootCmd() *cobra.Command { return newRootCmdWith(&globalFlags{}) }

func newRootCmdWith(g *globalFlags) *cobra.Command {
	root := &cobra.Command{
		Use:   "auditdeck",
		Short: "Terminal dashboard and engine for security activity events",
		Long: `auditdeck keeps security activity events (logins, settings changes,
suspicious authentications) in a local store, lets operators triage them,
and answers queries in the filter language of DESIGN.md. Without a command
it opens the dashboard on the store.

Data lives in --data DIR (default $XDG_DATA_HOME/auditdeck).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if g.daemon != nil {
				return runRelayedDashboard(cmd.Context(), g)
			}
			if !isTerminal(os.Stdout) || !isTerminal(os.Stdin) {
				return fmt.Errorf("the dashboard needs a terminal; see auditdeck --help for the commands")
			}
			if handled, err := relayDashboard(cmd, g); handled {
				return err
			}
			return runDashboard(dashboardOptions{dataDir: g.dataDir, configPath: g.config, user: g.user})
		},
	}
	root.Flags().StringVar(&g.config, "config", tui.DefaultConfigPath(), "dashboard config file (keys, theme, saved filters)")
	root.Flags().StringVar(&g.user, "user", "", "acting user (default: login name)")
	root.PersistentFlags().StringVar(&g.dataDir, "data", defaultDataDir(), "data directory of the store")
	root.PersistentFlags().StringVar(&g.cpuProfile, "cpuprofile", "", "write a CPU profile to this file (for performance work)")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	var profFile *os.File
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if g.daemon != nil {
			dashboard := cmd == root && g.daemon.session.Terminal != nil
			if !relayedCommands[topLevel(cmd)] && !dashboard {
				return fmt.Errorf("%s cannot run inside the daemon", cmd.CommandPath())
			}
			if g.cpuProfile != "" {
				return fmt.Errorf("--cpuprofile: profile the daemon with `auditdeck serve --cpuprofile`")
			}
			g.dataDir = g.daemon.dataDir
			return nil
		}
		if relayedCommands[topLevel(cmd)] {
			if handled, err := relayIfServed(cmd, g); handled {
				return err
			}
		}
		if g.cpuProfile == "" {
			return nil
		}
		f, err := os.Create(g.cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		profFile = f
		return pprof.StartCPUProfile(f)
	}
	root.PersistentPostRun = func(cmd *cobra.Command, args []string) {
		if profFile != nil {
			pprof.StopCPUProfile()
			profFile.Close()
		}
	}
	root.AddCommand(newIngestCmd(g), newQueryCmd(g), newTriageCmd(g), newExportCmd(g), newReportCmd(g), newTaskCmd(g), newSubscriptionCmd(g), newGenCmd(), newDemoCmd(), newStatsCmd(g), newFieldsCmd(g), newTopCmd(g), newServeCmd(g), newTokenCmd(g))
	return root
}

// defaultDataDir follows the XDG base directory spec.
func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "auditdeck")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "auditdeck")
	}
	return "auditdeck-data"
}

// openEngine opens the store in dir; a locked directory gives one clear line.
func openEngine(dir string, opts ...core.EngineOption) (*core.Engine, error) {
	s, err := store.Open(store.Options{Dir: dir, MigrationProgress: migrationProgress(os.Stderr)})
	if err != nil {
		if errors.Is(err, core.ErrLocked) {
			return nil, &exitError{code: 3, msg: fmt.Sprintf("data directory %s is in use by another process (is `auditdeck serve` running? stop it, or pass --data DIR for another store)", dir)}
		}
		return nil, err
	}
	eng := core.NewEngine(s, s, opts...)
	// Before any task runner or scheduler: a store made by an older
	// version gets its predefined report references moved now, once.
	if err := eng.InstallPredefined(context.Background()); err != nil {
		eng.Close()
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	return eng, nil
}

// migrationProgress reports, on w, a store of an older format being
// migrated as it opens: at the start, every tenth and at the end.
func migrationProgress(w io.Writer) store.MigrationProgress {
	last := -1
	return func(done, total int) {
		if tenth := done * 10 / max(total, 1); tenth != last || done == total {
			last = tenth
			fmt.Fprintf(w, "migrating the store to the current format: %d of %d blocks\n", done, total)
		}
	}
}
