package core

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core/query"
)

// TriageRequest sets a state, a note or both on many events. What it does
// not set, each event keeps: adding a note leaves the state as it was, and
// a new state (escalating again, say) keeps the note.
type TriageRequest struct {
	Actor string // the acting user, recorded in the audit entry
	From  string // where the action came from (cli, ssh address, api)
	// State is the new state; empty keeps each event's own (new when
	// untriaged).
	State TriageState
	// Note replaces each event's note when it is not empty or NoteSet is
	// true (so an empty Note with NoteSet clears the notes); otherwise the
	// notes are kept.
	Note    string
	NoteSet bool
}

// change is the request as the store applies it to each event.
func (r TriageRequest) change(at time.Time) TriageChange {
	c := TriageChange{State: r.State, By: r.Actor, At: at}
	if r.Note != "" || r.NoteSet {
		note := r.Note
		c.Note = &note
	}
	return c
}

// TriageChange is what one triage call changes on an event; the store
// applies it to the event's current triage in the same transaction, so two
// calls at once (one setting a note, one a state) both keep their part.
type TriageChange struct {
	State TriageState // "" keeps the state
	Note  *string     // nil keeps the note
	By    string
	At    time.Time
}

// Apply returns cur (nil when the event is untriaged) with the change made.
func (c TriageChange) Apply(cur *Triage) Triage {
	t := Triage{State: StateNew, By: c.By, At: c.At}
	if cur != nil {
		t.State, t.Note = cur.State, cur.Note
	}
	if c.State != "" {
		t.State = c.State
	}
	if c.Note != nil {
		t.Note = *c.Note
	}
	return t
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
	if r.State == "" && r.Note == "" && !r.NoteSet {
		return fmt.Errorf("triage needs a state or a note")
	}
	if r.State != "" {
		if _, err := ParseTriageState(string(r.State)); err != nil {
			return err
		}
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
		next, err := e.events.Scan(ctx, ScanRequest{Filter: c, Order: query.DefaultOrder, Cursor: cursor, Limit: triageBatch}, func(a *Activity) error {
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
	c := r.change(now)
	target := strings.Join(ids, ",")
	if len(target) > 512 {
		target = fmt.Sprintf("%s,... (%d events)", truncate(target, 256), len(ids))
	}
	// The detail names only what changed: a kept state or note is absent.
	detail := map[string]any{"events": len(ids)}
	if c.State != "" {
		detail["state"] = string(c.State)
	}
	if c.Note != nil {
		detail["note"] = *c.Note
	}
	audit := AuditEntry{
		At: now, User: r.Actor, Action: "triage.set", From: r.From, Target: target, Filter: filter, Detail: detail,
	}
	unknown, err := e.events.SetTriage(ctx, ids, c, audit)
	if err != nil {
		return 0, unknown, fmt.Errorf("set triage: %w", err)
	}
	e.publish(ChangeActivities, "")
	return len(ids) - len(unknown), unknown, nil
}
