// Package core holds auditdeck's domain types and its engine: ingest, query,
// triage, audit and consumption. It declares the storage interfaces that the
// store package implements and never imports Badger, the TUI or the API.
package core

import (
	"fmt"
	"time"
)

// Tri is a JSON boolean that may also be null or absent.
type Tri uint8

// Tri values. TriNull covers both JSON null and an absent field.
const (
	TriNull Tri = iota
	TriFalse
	TriTrue
)

// TriOf converts a Go bool.
func TriOf(b bool) Tri {
	if b {
		return TriTrue
	}
	return TriFalse
}

// String renders the value as JSON would.
func (t Tri) String() string {
	switch t {
	case TriTrue:
		return "true"
	case TriFalse:
		return "false"
	}
	return "null"
}

// ActivityFields are the fields of an activity that the store keeps as
// columns. They are extracted once at ingest; everything else stays in Raw.
type ActivityFields struct {
	EventID       string
	CreatedAt     int64 // unix nanoseconds, UTC
	EventType     string
	UserEmail     string
	ClientIP      string
	VendorName    string
	VendorService string
	Country       string // client_location.country.code
	Successful    Tri    // operation_successful
	Suspicious    Tri    // extra.auth.is_suspicious
}

// Time returns CreatedAt as a time.Time in UTC.
func (f *ActivityFields) Time() time.Time { return time.Unix(0, f.CreatedAt).UTC() }

// Activity is one stored event: the Cloudlock item as ingested, byte for
// byte, plus the operator-owned triage state.
type Activity struct {
	ActivityFields
	Raw    []byte  // nil unless the caller asked for raw JSON
	Triage *Triage // nil when the event was never triaged (state "new")
}

// TriageState is the operator's verdict on an activity.
type TriageState string

// The triage states; an event nobody has looked at is StateNew.
const (
	StateNew       TriageState = "new"
	StateReviewed  TriageState = "reviewed"
	StateEscalated TriageState = "escalated"
	StateDismissed TriageState = "dismissed"
)

// ParseTriageState validates a state name.
func ParseTriageState(s string) (TriageState, error) {
	switch TriageState(s) {
	case StateNew, StateReviewed, StateEscalated, StateDismissed:
		return TriageState(s), nil
	}
	return "", fmt.Errorf("unknown triage state %q: expected new, reviewed, escalated or dismissed", s)
}

// Triage is the operator-owned state of one activity.
type Triage struct {
	State TriageState `json:"state"`
	Note  string      `json:"note,omitempty"`
	By    string      `json:"by"`
	At    time.Time   `json:"at"`
}

// StateOf returns the triage state of an activity, StateNew when untriaged.
func (a *Activity) StateOf() TriageState {
	if a.Triage == nil {
		return StateNew
	}
	return a.Triage.State
}
