package core

import (
	"context"
	"fmt"
	"strings"

	"github.com/auditdeck/auditdeck/core/query"
)

// TriageRequest sets one state and note on many events.
type TriageRequest struct {
	Actor string // the acting user, recorded in the audit entry
	From  string // where the action came from (cli, ssh address, api)
	State TriageState
	Note  string
}

// TriageResult reports what a triage call changed.
type TriageResult struct {
	Changed int
	Unknown []string // ids that matched no event
}

const triageBatch = 1000

// MaxNoteBytes bounds a triage note.
const MaxNoteBytes = 4096

func (r TriageRequest) validate() error {
	if _, err := ParseTriageState(string(r.State)); err != nil {
		return err
	}
	if r.Actor == "" {
		return fmt.Errorf("triage needs the acting user")
	}
	if len(r.Note) > MaxNoteBytes {
		return fmt.Errorf("note is %d bytes; at most %d", len(r.Note), MaxNoteBytes)
	}
	return nil
}

// Triage sets state and note on the events with these ids and records one
// audit entry per batch with the acting user.
func (e *Engine) Triage(ctx context.Context, r TriageRequest, ids []string) (TriageResult, error) {
	var res TriageResult
	if err := r.validate(); err != nil {
		return res, err
	}
	for start := 0; start < len(ids); start += triageBatch {
		end := min(start+triageBatch, len(ids))
		n, unknown, err := e.triageBatch(ctx, r, ids[start:end], "")
		res.Changed += n
		res.Unknown = append(res.Unknown, unknown...)
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// TriageFilter triages every event that matches f, streaming through the
// matches in batches so a large selection never sits in memory.
func (e *Engine) TriageFilter(ctx context.Context, r TriageRequest, f query.Filter) (TriageResult, error) {
	var res TriageResult
	if err := r.validate(); err != nil {
		return res, err
	}
	c, err := e.Compile(f)
	if err != nil {
		return res, err
	}
	// Collect ids first, in batches by cursor, because writing triage while
	// scanning a filter on triage.state would move rows under the scan.
	cursor := ""
	for {
		var ids []string
		next, err := e.store.Scan(ctx, ScanRequest{Filter: c, Order: query.DefaultOrder, Cursor: cursor, Limit: triageBatch}, func(a *Activity) error {
			ids = append(ids, a.EventID)
			return nil
		})
		if err != nil {
			return res, err
		}
		if len(ids) > 0 {
			n, _, err := e.triageBatch(ctx, r, ids, f.String())
			res.Changed += n
			if err != nil {
				return res, err
			}
		}
		if next == "" {
			return res, nil
		}
		cursor = next
	}
}

func (e *Engine) triageBatch(ctx context.Context, r TriageRequest, ids []string, filter string) (int, []string, error) {
	now := e.now().UTC()
	t := Triage{State: r.State, Note: r.Note, By: r.Actor, At: now}
	target := strings.Join(ids, ",")
	if len(target) > 512 {
		target = fmt.Sprintf("%s,... (%d events)", truncate(target, 256), len(ids))
	}
	audit := AuditEntry{
		At: now, User: r.Actor, Action: "triage.set", From: r.From, Target: target, Filter: filter,
		Detail: map[string]any{"state": string(r.State), "note": r.Note, "events": len(ids)},
	}
	unknown, err := e.store.SetTriage(ctx, ids, t, audit)
	if err != nil {
		return 0, unknown, fmt.Errorf("set triage: %w", err)
	}
	e.publish(ChangeActivities, "")
	return len(ids) - len(unknown), unknown, nil
}
