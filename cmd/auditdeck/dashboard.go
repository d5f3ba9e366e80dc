package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/auditdeck/auditdeck/tui/activities"
	"github.com/auditdeck/auditdeck/tui/reports"
	"github.com/auditdeck/auditdeck/tui/subscriptions"
	"github.com/auditdeck/auditdeck/tui/tasks"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// dashboardOptions configure one local dashboard session.
type dashboardOptions struct {
	dataDir    string
	configPath string
	user       string
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
	tctx := tui.NewContext(eng, localActor(o.user), lipgloss.NewRenderer(os.Stdout))
	tctx.ApplyConfig(cfg)
	tctx.Now = time.Now
	app := tui.NewApp(tctx, activities.New(tctx), reports.New(tctx), subscriptions.New(tctx), tasks.New(tctx))
	defer app.Close()
	_, err = tea.NewProgram(app, tea.WithAltScreen(), tea.WithMouseCellMotion()).Run()
	return err
}
