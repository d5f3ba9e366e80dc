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
	// Zone is the IANA zone the actor's exports show times in when the
	// request names none ("": UTC): the users file's time_zone.
	Zone string
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
		return ActivitySchema, nil
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

// validate checks a whole definition. An activity report's filter may name
// the fields stored holds (nil: the schema's alone).
func (r *DefinedReport) validate(stored query.FieldSource) error {
	if err := validText("title", r.Title, maxTitleLen, true); err != nil {
		return err
	}
	schema, err := r.Type.Schema()
	if err != nil {
		return &FieldError{Field: "type", Err: errors.New(strings.TrimPrefix(err.Error(), fmt.Sprintf("type %q: ", r.Type)))}
	}
	if stored != nil && schema == ActivitySchema {
		schema = schema.WithFields(stored)
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
	return e.objects.PutObject(ctx, kind, id, b)
}

func (e *Engine) getJSON(ctx context.Context, kind, id string, v any) error {
	b, err := e.objects.GetObject(ctx, kind, id)
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
	if err := e.events.AppendAudit(ctx, entry); err != nil {
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
	if err := r.validate(e.storedFields(ctx)); err != nil {
		return DefinedReport{}, err
	}
	// Only admins may generate the audit trail; a definition of it is of
	// no use to anyone else.
	if r.Type == TypeAudit && !a.Admin {
		return DefinedReport{}, ErrAuditNeedsAdmin
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
	err := e.objects.ListObjects(ctx, kindDefinedReport, func(id string, doc []byte) error {
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
	if err := r.validate(e.storedFields(ctx)); err != nil {
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

// SubscribedError is the refusal to delete a definition that still has
// subscriptions: they would fail every period from then on.
type SubscribedError struct {
	ReportID      string
	Subscriptions []Subscription // every subscription to it, whoever owns it
}

func (e *SubscribedError) Error() string {
	ids := make([]string, len(e.Subscriptions))
	for i, s := range e.Subscriptions {
		ids[i] = s.ID
	}
	n := "1 subscription"
	if len(e.Subscriptions) != 1 {
		n = strconv.Itoa(len(e.Subscriptions)) + " subscriptions"
	}
	return fmt.Sprintf("defined report %s has %s (%s): delete them first, or force the delete to remove them with the report",
		e.ReportID, n, strings.Join(ids, ", "))
}

// Unwrap makes the refusal a conflict with the report's state.
func (e *SubscribedError) Unwrap() error { return ErrConflict }

// ReportSubscriptions returns every subscription to a defined report the
// actor may delete (their own or, for an admin, any), whoever owns the
// subscriptions, oldest first.
func (e *Engine) ReportSubscriptions(ctx context.Context, a Actor, id string) ([]Subscription, error) {
	if _, err := e.ownReport(ctx, a, id); err != nil {
		return nil, err
	}
	return e.subscriptionsTo(ctx, id)
}

func (e *Engine) subscriptionsTo(ctx context.Context, id string) ([]Subscription, error) {
	var out []Subscription
	err := e.objects.ListObjects(ctx, kindSubscription, func(sid string, doc []byte) error {
		var s Subscription
		if err := json.Unmarshal(doc, &s); err != nil {
			return fmt.Errorf("decode subscription %s: %w", sid, err)
		}
		if s.DefinedReportID == id {
			out = append(out, s)
		}
		return nil
	})
	slices.SortFunc(out, func(x, y Subscription) int { return x.CreatedAt.Compare(y.CreatedAt) })
	return out, err
}

// DeleteReport removes a definition the actor owns. A definition with
// subscriptions is refused with a *SubscribedError (a conflict) unless
// force is set; then its subscriptions are deleted first, each audited,
// and their generated reports stay until they expire, as after an
// unsubscribe.
func (e *Engine) DeleteReport(ctx context.Context, a Actor, id string, force bool) error {
	r, err := e.ownReport(ctx, a, id)
	if err != nil {
		return err
	}
	subs, err := e.subscriptionsTo(ctx, id)
	if err != nil {
		return err
	}
	if len(subs) > 0 && !force {
		return &SubscribedError{ReportID: id, Subscriptions: subs}
	}
	for _, s := range subs {
		if err := e.deleteSubscription(ctx, s.ID); err != nil {
			return fmt.Errorf("delete subscription %s of report %s: %w", s.ID, id, err)
		}
		e.audit(ctx, a, "subscription.delete", s.ID, map[string]any{"defined_report_id": id, "owner": s.Owner, "reason": "report deleted"})
	}
	if len(subs) > 0 {
		e.wakeScheduler()
	}
	if err := e.objects.DeleteObject(ctx, kindDefinedReport, id); err != nil {
		return err
	}
	e.publish(ChangeReports, id)
	e.audit(ctx, a, "report.delete", id, map[string]any{"title": r.Title, "subscriptions_deleted": len(subs)})
	return nil
}

// PredefinedReports is the read-only set installed on first start. Ids 5
// to 16 are the Fudo seed's predefined periodic reports, with the seed's
// titles, defined over auditdeck's activity and audit data (the mapping is
// documented in api/doc.go); auditdeck's own predefined reports follow
// from 17. Stores made before the Fudo ids were honoured held auditdeck's
// reports at 5-15: InstallPredefined moves what referenced them to 17-27.
func PredefinedReports() []DefinedReport {
	login := "event_type.eq(login)"
	failed := "event_type.eq(login),operation_successful.eq(false)"
	notOK := "operation_successful.eq(false)"
	suspicious := "extra.auth.is_suspicious"
	rows := func(cols ...string) [][]string {
		out := make([][]string, 0, len(cols)/2)
		for i := 0; i+1 < len(cols); i += 2 {
			out = append(out, []string{cols[i], cols[i+1]})
		}
		return out
	}
	defs := []DefinedReport{
		// The seed's table, 5..16.
		{Title: "System report", Type: TypeAudit},
		{Title: "Account access report", QueryFilter: login, Columns: rows("created_at", "Time", "user.user_email", "Account",
			"vendor.name", "Vendor", "vendor.service", "Service", "client_ip", "Client IP", "client_location.country.code", "Country",
			"extra.auth.auth_type", "Authentication", "operation_successful", "Successful", "extra.auth.is_suspicious", "Suspicious")},
		{Title: "Safe access report", QueryFilter: login, GroupBy: &GroupSpec{By: []string{"vendor.name"}, Aggregates: []Aggregate{
			{Kind: AggCount, Label: "Logins"},
			{Kind: AggCountIf, Filter: notOK, Label: "Failed"},
			{Kind: AggCountIf, Filter: suspicious, Label: "Suspicious"},
			{Kind: AggDistinct, Field: "user.user_email", Label: "Distinct accounts"},
			{Kind: AggDistinct, Field: "vendor.service", Label: "Services"},
			{Kind: AggMaxTime, Label: "Last login"},
		}}},
		{Title: "Server access report", QueryFilter: login, GroupBy: &GroupSpec{By: []string{"vendor.name", "vendor.service"}, Aggregates: []Aggregate{
			{Kind: AggCount, Label: "Logins"},
			{Kind: AggCountIf, Filter: notOK, Label: "Failed"},
			{Kind: AggDistinct, Field: "user.user_email", Label: "Distinct accounts"},
			{Kind: AggDistinct, Field: "client_ip", Label: "Distinct IPs"},
			{Kind: AggMaxTime, Label: "Last login"},
		}}},
		{Title: "Session approvals by user", QueryFilter: "triage.state.in(reviewed,escalated,dismissed)", GroupBy: &GroupSpec{By: []string{"triage.by"}, Aggregates: []Aggregate{
			{Kind: AggCount, Label: "Decisions"},
			{Kind: AggCountIf, Filter: "triage.state.eq(reviewed)", Label: "Reviewed"},
			{Kind: AggCountIf, Filter: "triage.state.eq(escalated)", Label: "Escalated"},
			{Kind: AggCountIf, Filter: "triage.state.eq(dismissed)", Label: "Dismissed"},
			{Kind: AggDistinct, Field: "user.user_email", Label: "Users concerned"},
		}}},
		{Title: "Session sharing invites by user", Type: TypeAudit, QueryFilter: "action.in(export.create,report.create,subscription.create,webhook.deliver,token created)"},
		{Title: "Session summary", Type: TypeAudit, QueryFilter: "action.in(session.start,session.end)"},
		{Title: "Sessions by server report", GroupBy: &GroupSpec{By: []string{"vendor.name", "vendor.service"}, Aggregates: []Aggregate{
			{Kind: AggCount, Label: "Events"},
			{Kind: AggCountIf, Filter: notOK, Label: "Failures"},
			{Kind: AggCountIf, Filter: suspicious, Label: "Suspicious"},
			{Kind: AggDistinct, Field: "user.user_email", Label: "Distinct users"},
			{Kind: AggMinTime, Label: "First event"},
			{Kind: AggMaxTime, Label: "Last event"},
		}}},
		{Title: "User access report", QueryFilter: login, GroupBy: &GroupSpec{By: []string{"user.user_email"}, Aggregates: []Aggregate{
			{Kind: AggCount, Label: "Logins"},
			{Kind: AggCountIf, Filter: notOK, Label: "Failed"},
			{Kind: AggCountIf, Filter: suspicious, Label: "Suspicious"},
			{Kind: AggDistinct, Field: "client_ip", Label: "Distinct IPs"},
			{Kind: AggDistinct, Field: "client_location.country.code", Label: "Countries"},
			{Kind: AggMaxTime, Label: "Last login"},
		}}},
		{Title: "User activity report", GroupBy: &GroupSpec{By: []string{"user.user_email", "event_type"}, Aggregates: []Aggregate{
			{Kind: AggCount, Label: "Events"},
			{Kind: AggCountIf, Filter: notOK, Label: "Failures"},
			{Kind: AggDistinct, Field: "vendor.service", Label: "Services"},
			{Kind: AggMinTime, Label: "First"},
			{Kind: AggMaxTime, Label: "Last"},
		}}},
		{Title: "User privilege report", QueryFilter: "event_type.eq(user_settings)", Columns: rows("created_at", "Time", "user.user_email", "User",
			"vendor.name", "Vendor", "vendor.service", "Service", "event_category", "Category", "client_ip", "Client IP",
			"client_location.country.code", "Country", "operation_successful", "Successful", "event_id", "Event ID")},
		{Title: "User report", GroupBy: &GroupSpec{By: []string{"user.user_email"}, Aggregates: []Aggregate{
			{Kind: AggCount, Label: "Events"},
			{Kind: AggCountIf, Filter: login, Label: "Logins"},
			{Kind: AggCountIf, Filter: notOK, Label: "Failures"},
			{Kind: AggCountIf, Filter: suspicious, Label: "Suspicious"},
			{Kind: AggDistinct, Field: "client_ip", Label: "Distinct IPs"},
			{Kind: AggDistinct, Field: "client_location.country.code", Label: "Countries"},
			{Kind: AggMinTime, Label: "First seen"},
			{Kind: AggMaxTime, Label: "Last seen"},
		}}},
	}
	// auditdeck's own, 17 on (5-15 before the seed's ids were honoured).
	defs = append(defs, []DefinedReport{
		{Title: "Login activity", QueryFilter: login},
		{Title: "Failed logins", QueryFilter: failed},
		{Title: "Suspicious authentications", QueryFilter: suspicious},
		{Title: "Activity by user", GroupBy: &GroupSpec{By: []string{"user.user_email"}, Aggregates: []Aggregate{
			{Kind: AggCount, Label: "Events"},
			{Kind: AggCountIf, Filter: notOK, Label: "Failures"},
			{Kind: AggCountIf, Filter: suspicious, Label: "Suspicious"},
			{Kind: AggDistinct, Field: "client_ip", Label: "Distinct IPs"},
			{Kind: AggMinTime, Label: "First seen"},
			{Kind: AggMaxTime, Label: "Last seen"},
		}}},
		{Title: "Logins by country", QueryFilter: login, GroupBy: &GroupSpec{By: []string{"client_location.country.code"}, Aggregates: []Aggregate{
			{Kind: AggCount, Label: "Logins"},
			{Kind: AggCountIf, Filter: notOK, Label: "Failed"},
			{Kind: AggDistinct, Field: "user.user_email", Label: "Distinct users"},
		}}},
		{Title: "Activity by vendor and service", GroupBy: &GroupSpec{By: []string{"vendor.name", "vendor.service"}, Aggregates: []Aggregate{
			{Kind: AggCount, Label: "Events"},
			{Kind: AggCountIf, Filter: notOK, Label: "Failures"},
			{Kind: AggMaxTime, Label: "Last event"},
		}}},
		{Title: "Settings changes", QueryFilter: "event_type.eq(user_settings)"},
		{Title: "Triage queue", QueryFilter: "triage.state.in(new,escalated)"},
		{Title: "Off-hours activity", QueryFilter: "created_hour.in(0,1,2,3,4,5,20,21,22,23)"},
		{Title: "Operator audit trail", Type: TypeAudit},
		{Title: "Ingestion consumption", Type: TypeConsumption},
	}...)
	for i := range defs {
		d := &defs[i]
		d.ID = strconv.Itoa(firstPredefinedID + i)
		d.Predefined = true
		d.Owner = "auditdeck"
		if d.Type == "" {
			d.Type = TypeActivity
		}
		if d.QueryOrder == "" {
			d.QueryOrder = "!created_at"
		}
	}
	return defs
}

// The predefined ids: the Fudo seed's 5..16, then auditdeck's own.
const (
	firstPredefinedID = 5
	lastFudoID        = 16
)

// InstallPredefined stores the predefined set once per process, after
// moving what a store made by an older version referenced (see
// migratePredefinedIDs); later versions of the set replace the stored
// copies (they are read-only for users). Front ends call it when they open
// the store, before the task runner and the scheduler start, so nothing
// reads an id before it means what this version says.
func (e *Engine) InstallPredefined(ctx context.Context) error {
	if e.predefinedOK.Load() {
		return nil
	}
	e.predefinedMu.Lock()
	defer e.predefinedMu.Unlock()
	if e.predefinedOK.Load() {
		return nil
	}
	if err := e.migratePredefinedIDs(ctx); err != nil {
		return err
	}
	for _, d := range PredefinedReports() {
		if err := d.validate(nil); err != nil {
			return fmt.Errorf("predefined report %s: %w", d.ID, err)
		}
		var old DefinedReport
		err := e.getJSON(ctx, kindDefinedReport, d.ID, &old)
		switch {
		case err == nil:
			d.CreatedAt, d.ModifiedAt = old.CreatedAt, old.ModifiedAt
			if sameDefinition(old, d) {
				continue
			}
			d.ModifiedAt = e.now().UTC()
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
	if err := e.putJSON(ctx, kindMeta, metaPredefinedIDs, predefinedLayout{Version: predefinedLayoutVersion}); err != nil {
		return err
	}
	e.predefinedOK.Store(true)
	return nil
}

// sameDefinition compares what a report computes and shows, not its times.
func sameDefinition(a, b DefinedReport) bool {
	a.CreatedAt, a.ModifiedAt, b.CreatedAt, b.ModifiedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	x, errX := json.Marshal(a)
	y, errY := json.Marshal(b)
	return errX == nil && errY == nil && string(x) == string(y)
}

// Audit records an action taken outside the engine's own methods (a
// session started, a token created) in the audit log.
func (e *Engine) Audit(ctx context.Context, a Actor, action, target string, detail map[string]any) {
	e.audit(ctx, a, action, target, detail)
}
