package core

import "time"

// AuditEntry records one operator action: who did what, when, from where.
type AuditEntry struct {
	At     time.Time      `json:"at"`
	User   string         `json:"user"`
	Action string         `json:"action"` // e.g. "triage.set", "session.start", "report.create"
	From   string         `json:"from,omitempty"`
	Target string         `json:"target,omitempty"`
	Filter string         `json:"filter,omitempty"`
	Rows   int64          `json:"rows,omitempty"`
	Detail map[string]any `json:"detail,omitempty"`
}

// ConsumptionRow is what was ingested on one UTC day for one vendor service.
type ConsumptionRow struct {
	Day     string `json:"day"` // 2006-01-02
	Vendor  string `json:"vendor"`
	Service string `json:"service"`
	Events  int64  `json:"events"`
	Bytes   int64  `json:"bytes"`
}
