package core

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Stores made before the Fudo seed's predefined ids were honoured held
// auditdeck's own predefined reports at 5..15 ("Login activity" ...
// "Ingestion consumption"); they are 17..27 now and 5..16 are the seed's.
// A subscription to "6" made then asked for failed logins, and must keep
// getting failed logins, not the seed's account access report.
const (
	kindMeta                = "meta"
	metaPredefinedIDs       = "predefined_ids"
	predefinedLayoutVersion = 2
	oldFirstPredefined      = 5
	oldLastPredefined       = 15
	movedBy                 = 12 // old id + movedBy = new id
)

// predefinedLayout records which numbering of the predefined reports the
// store's references use.
type predefinedLayout struct {
	Version int `json:"version"`
}

// movedPredefinedID maps an id of the old numbering to the new one; ok is
// false for ids that did not move (user reports, ids outside 5..15).
func movedPredefinedID(id string) (string, bool) {
	n, err := strconv.Atoi(id)
	if err != nil || n < oldFirstPredefined || n > oldLastPredefined || strconv.Itoa(n) != id {
		return id, false
	}
	return strconv.Itoa(n + movedBy), true
}

// migratePredefinedIDs moves the references of a store made with the old
// numbering: subscriptions' defined_report_id and the defined_report_id
// of tasks (exports and generated reports). It runs under predefinedMu,
// before the new set is installed and before the marker is written, so a
// crash part-way runs it again; that is safe because the old ids (5..15)
// and the new ones (17..27) do not overlap, and nothing can reference the
// new meaning of 5..15 before the marker exists. The audit log is history
// and keeps the ids as they were when the actions happened.
func (e *Engine) migratePredefinedIDs(ctx context.Context) error {
	var layout predefinedLayout
	err := e.getJSON(ctx, kindMeta, metaPredefinedIDs, &layout)
	switch {
	case err == nil && layout.Version >= predefinedLayoutVersion:
		return nil
	case err != nil && !errors.Is(err, ErrNotFound):
		return fmt.Errorf("read predefined report layout: %w", err)
	}
	var five DefinedReport
	err = e.getJSON(ctx, kindDefinedReport, "5", &five)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil // a new store: nothing references the old numbering
	case err != nil:
		return fmt.Errorf("read predefined report 5: %w", err)
	case !five.Predefined || five.Title == PredefinedReports()[0].Title:
		return nil // already the new set (a crash after installing it)
	}
	subs, err := e.migrateRefs(ctx, kindSubscription, "DefinedReportID")
	if err != nil {
		return fmt.Errorf("migrate subscriptions to predefined reports: %w", err)
	}
	tasks, err := e.migrateRefs(ctx, kindTask, "request", "defined_report_id")
	if err != nil {
		return fmt.Errorf("migrate tasks of predefined reports: %w", err)
	}
	if subs+tasks > 0 {
		e.log.Warn(fmt.Sprintf("predefined reports renumbered (5-15 are now 17-27): moved %d subscriptions and %d tasks", subs, tasks))
	}
	return nil
}

// migrateRefs rewrites the field at path of every document of kind whose
// value is an old predefined id, leaving every other byte of meaning as it
// was (unknown fields included). It returns how many documents changed.
func (e *Engine) migrateRefs(ctx context.Context, kind string, path ...string) (int, error) {
	// Collect first, write after: no writes inside the store's iteration.
	var ids []string
	err := e.objects.ListObjects(ctx, kind, func(id string, doc []byte) error {
		if v, ok := lookupString(doc, path); ok {
			if _, moved := movedPredefinedID(v); moved {
				ids = append(ids, id)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		doc, err := e.objects.GetObject(ctx, kind, id)
		if err != nil {
			return 0, fmt.Errorf("%s %s: %w", kind, id, err)
		}
		v, _ := lookupString(doc, path)
		to, moved := movedPredefinedID(v)
		if !moved {
			continue
		}
		out, err := setString(doc, path, to)
		if err != nil {
			return 0, fmt.Errorf("%s %s: %w", kind, id, err)
		}
		if err := e.objects.PutObject(ctx, kind, id, out); err != nil {
			return 0, fmt.Errorf("%s %s: %w", kind, id, err)
		}
	}
	return len(ids), nil
}

// lookupString returns the string at path in a JSON document.
func lookupString(doc []byte, path []string) (string, bool) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(doc, &obj) != nil {
		return "", false
	}
	raw, ok := obj[path[0]]
	if !ok {
		return "", false
	}
	if len(path) > 1 {
		return lookupString(raw, path[1:])
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// setString replaces the string at path in a JSON document; the other
// members are kept as they were (re-encoded in key order).
func setString(doc []byte, path []string, value string) ([]byte, error) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(doc))
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	var err error
	if len(path) > 1 {
		obj[path[0]], err = setString(obj[path[0]], path[1:], value)
	} else {
		obj[path[0]], err = json.Marshal(value)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(obj)
}
