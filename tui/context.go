package tui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/charmbracelet/lipgloss"
)

// Context is what every view of one session shares: the engine (shared by
// all sessions), and the session's own actor, styles, keys and clock.
type Context struct {
	Engine *core.Engine
	Actor  core.Actor
	// CanExport, CanTriage and CanManage reflect the actor's role: a
	// viewer exports, generates reports and cancels or retries their own
	// tasks, but sees no triage, create, edit, delete or subscribe actions.
	CanExport bool
	CanTriage bool
	CanManage bool
	Styles    *Styles
	Keys      *KeyMap
	Now       func() time.Time
	// SavedFilters from the config appear as named sections of Activities.
	SavedFilters []SavedFilter
	// FetchCommand, when set, is the command line that copies a finished
	// task's files to the user's own machine (over SSH: scp from this
	// server); the Tasks view shows it with the files.
	FetchCommand func(taskID string) string
	// QueryTimeout bounds each read a view makes (a page, a count, a
	// histogram, a preview); zero: no bound. The SSH server sets it from
	// serve's --query-timeout, so one remote session cannot keep a core busy
	// with a filter that scans everything, as the HTTP API cannot.
	QueryTimeout time.Duration
	// Columns are the Activities table's columns (field paths) from the
	// config; empty: the default columns.
	Columns []string
	// SaveColumns keeps the columns the user chose for their next session
	// (the config file; over SSH, the user's state file on the server);
	// nil: they last for this session only.
	SaveColumns func([]string) error
}

// ReadContext is the context of one read, derived from parent.
func (c *Context) ReadContext(parent context.Context) (context.Context, context.CancelFunc) {
	if c.QueryTimeout > 0 {
		return context.WithTimeout(parent, c.QueryTimeout)
	}
	return context.WithCancel(parent)
}

// ReadError names the limit when a read ran past QueryTimeout.
func (c *Context) ReadError(err error) error {
	if err != nil && c.QueryTimeout > 0 && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("the read stopped at the query time limit of %s (narrow the filter or the time range): %w", c.QueryTimeout, err)
	}
	return err
}

// ApplyConfig rebinds keys, recolours and adds the saved filters.
func (c *Context) ApplyConfig(cfg Config) {
	cfg.Apply(c.Keys)
	c.Styles = NewThemedStyles(c.Styles.R, cfg.Theme)
	c.SavedFilters = cfg.SavedFilters
	c.Columns = cfg.Columns
	c.SaveColumns = nil
	if path := cfg.Path; path != "" {
		c.SaveColumns = func(cols []string) error { return SaveColumns(path, cols) }
	}
}

// NewContext builds a session context. The renderer is the session's own
// (over SSH, from the session), so colours follow that terminal.
func NewContext(eng *core.Engine, actor core.Actor, r *lipgloss.Renderer) *Context {
	return &Context{
		Engine:    eng,
		Actor:     actor,
		CanExport: true,
		CanTriage: true,
		CanManage: true,
		Styles:    NewStyles(r),
		Keys:      DefaultKeyMap(),
		Now:       time.Now,
	}
}
