package core

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/valyala/fastjson"
)

// jsonDoc parses a raw item lazily, at most once, for fields that have no column.
type jsonDoc struct {
	raw    []byte
	doc    *fastjson.Value
	parsed bool
	p      fastjson.Parser
}

func (d *jsonDoc) reset(raw []byte) { d.raw, d.doc, d.parsed = raw, nil, false }

func (d *jsonDoc) get() *fastjson.Value {
	if !d.parsed {
		d.parsed = true
		if d.raw != nil {
			d.doc, _ = d.p.ParseBytes(d.raw)
		}
	}
	return d.doc
}

// scanOther streams the rows of an audit or consumption report: each row as
// the JSON document the filter sees, and its cells in column order.
func (e *Engine) scanOther(ctx context.Context, t ReportType, res *resolvedExport, fn func(doc []byte, cells []string) error) error {
	var p fastjson.Parser
	lo, hi := res.lo, res.hi
	if hi.IsZero() {
		hi = e.now().Add(24 * time.Hour)
	} else {
		hi = hi.Add(time.Nanosecond)
	}
	cells := make([]string, len(res.columns))
	emit := func(doc []byte) error {
		v, err := p.ParseBytes(doc)
		if err != nil {
			return err
		}
		if !res.compiled.MatchJSON(v) {
			return nil
		}
		for i, c := range res.columns {
			x := v.Get(strings.Split(c.Field, ".")...)
			switch {
			case x == nil || x.Type() == fastjson.TypeNull:
				cells[i] = ""
			case x.Type() == fastjson.TypeString:
				cells[i] = string(x.GetStringBytes())
			default:
				cells[i] = string(x.MarshalTo(nil))
			}
		}
		return fn(doc, cells)
	}
	switch t {
	case TypeAudit:
		return e.events.ScanAudit(ctx, lo, hi, func(a AuditEntry) error {
			doc, err := json.Marshal(auditDoc{CreatedAt: a.At, User: a.User, Action: a.Action, From: a.From, Target: a.Target, Filter: a.Filter, Rows: a.Rows, Detail: a.Detail})
			if err != nil {
				return err
			}
			return emit(doc)
		})
	case TypeConsumption:
		rows, err := e.events.Consumption(ctx, lo, hi)
		if err != nil {
			return err
		}
		for _, r := range rows {
			day, _ := time.Parse(time.DateOnly, r.Day)
			doc, err := json.Marshal(consumptionDoc{CreatedAt: day, Day: r.Day, Vendor: r.Vendor, Service: r.Service, Events: r.Events, Bytes: r.Bytes})
			if err != nil {
				return err
			}
			if err := emit(doc); err != nil {
				return err
			}
		}
		return nil
	}
	return nil
}

// auditDoc is an audit entry as audit reports filter and show it.
type auditDoc struct {
	CreatedAt time.Time      `json:"created_at"`
	User      string         `json:"user"`
	Action    string         `json:"action"`
	From      string         `json:"from,omitempty"`
	Target    string         `json:"target,omitempty"`
	Filter    string         `json:"filter,omitempty"`
	Rows      int64          `json:"rows"`
	Detail    map[string]any `json:"detail,omitempty"`
}

// consumptionDoc is one day of one vendor service's ingest counters.
type consumptionDoc struct {
	CreatedAt time.Time `json:"created_at"`
	Day       string    `json:"day"`
	Vendor    string    `json:"vendor"`
	Service   string    `json:"service"`
	Events    int64     `json:"events"`
	Bytes     int64     `json:"bytes"`
}
