// Package dashboard assembles the whole dashboard, the app shell with its
// four views, for one terminal: the local one, a relayed one, or an SSH
// session. It lives apart from package tui because the views import tui.
package dashboard

import (
	"github.com/auditdeck/auditdeck/tui"
	"github.com/auditdeck/auditdeck/tui/activities"
	"github.com/auditdeck/auditdeck/tui/reports"
	"github.com/auditdeck/auditdeck/tui/subscriptions"
	"github.com/auditdeck/auditdeck/tui/tasks"
)

// New builds the Activities, Reports, Subscriptions and Tasks tabs on ctx.
// The caller runs the returned app and closes it when the program ends.
func New(ctx *tui.Context) *tui.App {
	return tui.NewApp(ctx, activities.New(ctx), reports.New(ctx), subscriptions.New(ctx), tasks.New(ctx))
}
