package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/core/render"
)

// Actor is who asks: the user, whether they administer everything, and
// where the request came from (for the audit log).
type Actor struct {
	User  string
	Admin bool
	From  string
}

// ReportType is what a defined report reads.
type ReportType string

// The report types of the Clumio seed.
const (
	TypeActivity    ReportType = "activity"
	TypeAudit       ReportType = "audit"
	TypeConsumption ReportType = "consumption"
)

// Schema returns the filter schema of a report type.
func (t ReportType) Schema() (*query.Schema, error) {
	switch t {
	case TypeActivity:
		return query.ActivitySchema, nil
	case TypeAudit:
		return query.AuditSchema, nil
	case TypeConsumption:
		return query.ConsumptionSchema, nil
	}
	return nil, fmt.Errorf("type %q: expected activity, audit or consumption", t)
}

// DefaultColumns are a report type's columns when a definition names none.
func (t ReportType) DefaultColumns() []render.Column {
	switch t {
	case TypeAudit:
		return []render.Column{{Field: "created_at", Label: "Time"}, {Field: "user", Label: "User"}, {Field: "action", Label: "Action"},
			{Field: "from", Label: "From"}, {Field: "target", Label: "Target"}, {Field: "filter", Label: "Filter"}, {Field: "rows", Label: "Rows"}}
	case TypeConsumption:
		return []render.Column{{Field: "day", Label: "Day"}, {Field: "vendor", Label: "Vendor"}, {Field: "service", Label: "Service"},
			{Field: "events", Label: "Events"}, {Field: "bytes", Label: "Bytes"}}
	}
	return slices.Clone(DefaultActivityColumns)
}

// DefinedReport is a saved report definition (Fudo's DefinedReportModel).
type DefinedReport struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Type        ReportType `json:"type"`
	QueryFilter string     `json:"query_filter"`
	QueryOrder  string     `json:"query_order"`
	Columns     [][]string `json:"columns,omitempty"` // [[field, label], ...] as HSS's ExportHead
	GroupBy     *GroupSpec `json:"group_by,omitempty"`
	Owner       string     `json:"owner"`
	Predefined  bool       `json:"predefined"`
	CreatedAt   time.Time  `json:"created_at"`
	ModifiedAt  time.Time  `json:"modified_at"`
}

// ReportPatch changes a definition; nil fields stay as they are. Type and
// owner are immutable, so they are not here.
type ReportPatch struct {
	Title       *string
	QueryFilter *string
	QueryOrder  *string
	Columns     *[][]string
	GroupBy     **GroupSpec
}

const (
	kindDefinedReport = "report.defined"
	maxTitleLen       = 200
	maxFilterLen      = 8192
	maxColumns        = 64
)

// MaxTitleBytes bounds the title of a definition or an export, for forms
// that stop typing there.
const MaxTitleBytes = maxTitleLen

// ReportColumns returns the definition's columns, or its type's defaults.
func (r *DefinedReport) ReportColumns() []render.Column {
	if r.GroupBy != nil {
		return r.GroupBy.Columns()
	}
	if len(r.Columns) == 0 {
		return r.Type.DefaultColumns()
	}
	out := make([]render.Column, len(r.Columns))
	for i, c := range r.Columns {
		out[i] = render.Column{Field: c[0], Label: c[1]}
	}
	return out
}

// FieldError names the field of a request that is wrong and why.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field string, format string, a ...any) error {
	return &FieldError{Field: field, Err: fmt.Errorf(format, a...)}
}

// ErrForbidden means the actor may not do this to that object.
var ErrForbidden = errors.New("forbidden")

// ErrReadOnly means the object is predefined and cannot change.
var ErrReadOnly = errors.New("predefined reports cannot be changed or deleted")

func validText(field, s string, max int, required bool) error {
	switch {
	case required && strings.TrimSpace(s) == "":
		return fieldErr(field, "must not be empty")
	case len(s) > max:
		return fieldErr(field, "is %d bytes, at most %d", len(s), max)
	case !utf8.ValidString(s):
		return fieldErr(field, "is not valid UTF-8")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			return fieldErr(field, "contains a control character")
		}
		if render.Hidden(r) {
			// Shown as an escape everywhere, so never what the user typed.
			return fieldErr(field, "contains the invisible or bidi control character %U", r)
		}
	}
	return nil
}

// validate checks a whole definition.
func (r *DefinedReport) validate() error {
	if err := validText("title", r.Title, maxTitleLen, true); err != nil {
		return err
	}
	schema, err := r.Type.Schema()
	if err != nil {
		return &FieldError{Field: "type", Err: errors.New(strings.TrimPrefix(err.Error(), fmt.Sprintf("type %q: ", r.Type)))}
	}
	if len(r.QueryFilter) > maxFilterLen {
		return fieldErr("query_filter", "is %d bytes, at most %d", len(r.QueryFilter), maxFilterLen)
	}
	f, err := query.ParseDSL(r.QueryFilter)
	if err != nil {
		return &FieldError{Field: "query_filter", Err: err}
	}
	if _, err := query.Compile(f, schema, time.Now()); err != nil {
		return &FieldError{Field: "query_filter", Err: err}
	}
	o, err := query.ParseOrder(r.QueryOrder)
	if err != nil {
		return &FieldError{Field: "query_order", Err: err}
	}
	if err := query.CompileOrder(o, schema); err != nil {
		return &FieldError{Field: "query_order", Err: err}
	}
	if err := validateColumns(r.Columns, schema); err != nil {
		return err
	}
	if r.GroupBy != nil {
		if r.Type != TypeActivity {
			return fieldErr("group_by", "grouping is available for activity reports")
		}
		if err := r.GroupBy.Validate(schema); err != nil {
			return &FieldError{Field: "group_by", Err: err}
		}
	}
	return nil
}

func validateColumns(cols [][]string, schema *query.Schema) error {
	if len(cols) > maxColumns {
		return fieldErr("columns", "has %d columns, at most %d", len(cols), maxColumns)
	}
	seen := map[string]bool{}
	for i, c := range cols {
		if len(c) != 2 {
			return fieldErr("columns", "column %d: expected [field, label]", i+1)
		}
		if _, err := schema.Lookup(c[0]); err != nil {
			return fieldErr("columns", "column %d: %v", i+1, err)
		}
		if err := validText("columns", c[1], 100, true); err != nil {
			return fieldErr("columns", "column %d label %v", i+1, errors.Unwrap(err))
		}
		if seen[c[0]] {
			return fieldErr("columns", "column %d: %q appears twice", i+1, c[0])
		}
		seen[c[0]] = true
	}
	return nil
}

// idSeq makes ids unique within a process; the time part makes them unique
// across restarts. They read like the seed's ("9124292845052624900").
var idSeq atomic.Uint64

// NewID returns a new numeric object id.
func NewID(now time.Time) string {
	return strconv.FormatUint(uint64(now.UnixMilli())<<20|idSeq.Add(1)&0xfffff, 10)
}

func (e *Engine) putJSON(ctx context.Context, kind, id string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", kind, id, err)
	}
	return e.store.PutObject(ctx, kind, id, b)
}

func (e *Engine) getJSON(ctx context.Context, kind, id string, v any) error {
	b, err := e.store.GetObject(ctx, kind, id)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s %s: %w", kind, id, err)
	}
	return nil
}

func (e *Engine) audit(ctx context.Context, a Actor, action, target string, detail map[string]any) {
	entry := AuditEntry{At: e.now().UTC(), User: a.User, Action: action, From: a.From, Target: target, Detail: detail}
	if f, ok := detail["filter"].(string); ok {
		entry.Filter = f
	}
	if n, ok := detail["rows"].(int64); ok {
		entry.Rows = n
	}
	// An audit write that fails must not undo the action; it is logged instead.
	if err := e.store.AppendAudit(ctx, entry); err != nil {
		e.logf("audit %s %s: %v", action, target, err)
	}
}

// CreateReport validates and stores a new definition owned by the actor.
func (e *Engine) CreateReport(ctx context.Context, a Actor, r DefinedReport) (DefinedReport, error) {
	if err := e.InstallPredefined(ctx); err != nil {
		return DefinedReport{}, err
	}
	if r.Type == "" {
		r.Type = TypeActivity
	}
	if err := r.validate(); err != nil {
		return DefinedReport{}, err
	}
	now := e.now().UTC()
	r.ID, r.Owner, r.Predefined, r.CreatedAt, r.ModifiedAt = NewID(now), a.User, false, now, now
	if err := e.putJSON(ctx, kindDefinedReport, r.ID, r); err != nil {
		return DefinedReport{}, err
	}
	e.publish(ChangeReports, r.ID)
	e.audit(ctx, a, "report.create", r.ID, map[string]any{"title": r.Title, "type": string(r.Type), "filter": r.QueryFilter})
	return r, nil
}

// GetReport returns a definition the actor may see: predefined ones, their
// own, or any for an admin.
func (e *Engine) GetReport(ctx context.Context, a Actor, id string) (DefinedReport, error) {
	if err := e.InstallPredefined(ctx); err != nil {
		return DefinedReport{}, err
	}
	var r DefinedReport
	if err := e.getJSON(ctx, kindDefinedReport, id, &r); err != nil {
		return r, err
	}
	if !r.Predefined && !a.Admin && r.Owner != a.User {
		return DefinedReport{}, ErrNotFound // do not reveal others' ids
	}
	return r, nil
}

// ListReports returns the definitions the actor may see, predefined first.
func (e *Engine) ListReports(ctx context.Context, a Actor) ([]DefinedReport, error) {
	if err := e.InstallPredefined(ctx); err != nil {
		return nil, err
	}
	var out []DefinedReport
	err := e.store.ListObjects(ctx, kindDefinedReport, func(id string, doc []byte) error {
		var r DefinedReport
		if err := json.Unmarshal(doc, &r); err != nil {
			return fmt.Errorf("decode report %s: %w", id, err)
		}
		if r.Predefined || a.Admin || r.Owner == a.User {
			out = append(out, r)
		}
		return nil
	})
	slices.SortStableFunc(out, func(x, y DefinedReport) int {
		if x.Predefined != y.Predefined {
			if x.Predefined {
				return -1
			}
			return 1
		}
		xi, _ := strconv.ParseUint(x.ID, 10, 64)
		yi, _ := strconv.ParseUint(y.ID, 10, 64)
		switch {
		case xi < yi:
			return -1
		case xi > yi:
			return 1
		}
		return 0
	})
	return out, err
}

func (e *Engine) ownReport(ctx context.Context, a Actor, id string) (DefinedReport, error) {
	r, err := e.GetReport(ctx, a, id)
	if err != nil {
		return r, err
	}
	if r.Predefined {
		return r, ErrReadOnly
	}
	if !a.Admin && r.Owner != a.User {
		return r, ErrForbidden
	}
	return r, nil
}

// UpdateReport applies a patch; type, owner and predefined reports are immutable.
func (e *Engine) UpdateReport(ctx context.Context, a Actor, id string, p ReportPatch) (DefinedReport, error) {
	r, err := e.ownReport(ctx, a, id)
	if err != nil {
		return r, err
	}
	if p.Title != nil {
		r.Title = *p.Title
	}
	if p.QueryFilter != nil {
		r.QueryFilter = *p.QueryFilter
	}
	if p.QueryOrder != nil {
		r.QueryOrder = *p.QueryOrder
	}
	if p.Columns != nil {
		r.Columns = *p.Columns
	}
	if p.GroupBy != nil {
		r.GroupBy = *p.GroupBy
	}
	if err := r.validate(); err != nil {
		return DefinedReport{}, err
	}
	r.ModifiedAt = e.now().UTC()
	if err := e.putJSON(ctx, kindDefinedReport, r.ID, r); err != nil {
		return DefinedReport{}, err
	}
	e.publish(ChangeReports, r.ID)
	e.audit(ctx, a, "report.update", r.ID, map[string]any{"title": r.Title, "filter": r.QueryFilter})
	return r, nil
}

// DeleteReport removes a definition the actor owns.
func (e *Engine) DeleteReport(ctx context.Context, a Actor, id string) error {
	r, err := e.ownReport(ctx, a, id)
	if err != nil {
		return err
	}
	if err := e.store.DeleteObject(ctx, kindDefinedReport, id); err != nil {
		return err
	}
	e.publish(ChangeReports, id)
	e.audit(ctx, a, "report.delete", id, map[string]any{"title": r.Title})
	return nil
}

// PredefinedReports is the read-only set installed on first start, with the
// stable ids "5", "6", ... numbered as in the Fudo seed's table.
func PredefinedReports() []DefinedReport {
	failed := "event_type.eq(login),operation_successful.eq(false)"
	defs := []DefinedReport{
		{Title: "Login activity", QueryFilter: "event_type.eq(login)"},
		{Title: "Failed logins", QueryFilter: failed},
		{Title: "Suspicious authentications", QueryFilter: "extra.auth.is_suspicious"},
		{Title: "Activity by user", GroupBy: &GroupSpec{By: []string{"user.user_email"}, Aggregates: []Aggregate{
			{Kind: AggCount, Label: "Events"},
			{Kind: AggCountIf, Filter: "operation_successful.eq(false)", Label: "Failures"},
			{Kind: AggCountIf, Filter: "extra.auth.is_suspicious", Label: "Suspicious"},
			{Kind: AggDistinct, Field: "client_ip", Label: "Distinct IPs"},
			{Kind: AggMinTime, Label: "First seen"},
			{Kind: AggMaxTime, Label: "Last seen"},
		}}},
		{Title: "Logins by country", QueryFilter: "event_type.eq(login)", GroupBy: &GroupSpec{By: []string{"client_location.country.code"}, Aggregates: []Aggregate{
			{Kind: AggCount, Label: "Logins"},
			{Kind: AggCountIf, Filter: "operation_successful.eq(false)", Label: "Failed"},
			{Kind: AggDistinct, Field: "user.user_email", Label: "Distinct users"},
		}}},
		{Title: "Activity by vendor and service", GroupBy: &GroupSpec{By: []string{"vendor.name", "vendor.service"}, Aggregates: []Aggregate{
			{Kind: AggCount, Label: "Events"},
			{Kind: AggCountIf, Filter: "operation_successful.eq(false)", Label: "Failures"},
			{Kind: AggMaxTime, Label: "Last event"},
		}}},
		{Title: "Settings changes", QueryFilter: "event_type.eq(user_settings)"},
		{Title: "Triage queue", QueryFilter: "triage.state.in(new,escalated)"},
		{Title: "Off-hours activity", QueryFilter: "created_hour.in(0,1,2,3,4,5,20,21,22,23)"},
		{Title: "Operator audit trail", Type: TypeAudit},
		{Title: "Ingestion consumption", Type: TypeConsumption},
	}
	for i := range defs {
		d := &defs[i]
		d.ID = strconv.Itoa(5 + i)
		d.Predefined = true
		d.Owner = "auditdeck"
		if d.Type == "" {
			d.Type = TypeActivity
		}
		d.QueryOrder = "!created_at"
	}
	return defs
}

// InstallPredefined stores the predefined set once; later versions of the
// set replace the stored copies (they are read-only for users).
func (e *Engine) InstallPredefined(ctx context.Context) error {
	if e.predefinedOK.Load() {
		return nil
	}
	e.predefinedMu.Lock()
	defer e.predefinedMu.Unlock()
	if e.predefinedOK.Load() {
		return nil
	}
	for _, d := range PredefinedReports() {
		if err := d.validate(); err != nil {
			return fmt.Errorf("predefined report %s: %w", d.ID, err)
		}
		var old DefinedReport
		err := e.getJSON(ctx, kindDefinedReport, d.ID, &old)
		switch {
		case err == nil:
			d.CreatedAt, d.ModifiedAt = old.CreatedAt, old.ModifiedAt
			if old.Title == d.Title && old.QueryFilter == d.QueryFilter && old.Type == d.Type {
				continue
			}
		case errors.Is(err, ErrNotFound):
			d.CreatedAt = e.now().UTC()
			d.ModifiedAt = d.CreatedAt
		default:
			return err
		}
		if err := e.putJSON(ctx, kindDefinedReport, d.ID, d); err != nil {
			return err
		}
	}
	e.predefinedOK.Store(true)
	return nil
}

// Audit records an action taken outside the engine's own methods (a
// session started, a token created) in the audit log.
func (e *Engine) Audit(ctx context.Context, a Actor, action, target string, detail map[string]any) {
	e.audit(ctx, a, action, target, detail)
}
