package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
	"github.com/auditdeck/auditdeck/core/delivery"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/core/render"
	"github.com/auditdeck/auditdeck/core/schedule"
)

// success is Fudo's answer to a change: {"result":"success"} plus, on
// create, the new object's id under the model's name.
func success(w http.ResponseWriter, model, id string) {
	body := map[string]any{"result": "success"}
	if model != "" {
		body[model] = map[string]string{"id": id}
	}
	writeJSON(w, http.StatusOK, body)
}

// idText is an object id sent as a JSON string ("6", as the seed does) or
// as a whole number (6).
type idText string

func (t *idText) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = idText(s)
		return nil
	}
	if n := string(bytes.TrimSpace(b)); n != "" {
		if _, err := strconv.ParseUint(n, 10, 64); err == nil {
			*t = idText(n)
			return nil
		}
	}
	// A type error gets the field's name added by the decoder.
	return &json.UnmarshalTypeError{Value: jsonValueKind(b), Type: reflect.TypeFor[string]()}
}

func jsonValueKind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "value"
	}
	switch b[0] {
	case '[':
		return "array"
	case '{':
		return "object"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '"':
		return "string"
	}
	return "number that is not a whole number"
}

// reportModel is a generated report (Fudo's ReportModel): a report or export
// task. status, record_total_num, subscription_id and downloads are
// auditdeck's additions.
type reportModel struct {
	ID              string            `json:"id"`
	Title           string            `json:"title"`
	DefinedReportID string            `json:"defined_report_id"`
	ReportType      string            `json:"report_type"`
	GeneratedAt     string            `json:"generated_at"`
	CreatedBy       string            `json:"created_by"`
	QueryFilter     string            `json:"query_filter"`
	QueryOrder      string            `json:"query_order"`
	CreatedAt       time.Time         `json:"created_at"`
	ModifiedAt      time.Time         `json:"modified_at"`
	Removed         bool              `json:"removed"`
	Status          string            `json:"status"`
	RecordTotalNum  int64             `json:"record_total_num"`
	SubscriptionID  string            `json:"subscription_id,omitempty"`
	Downloads       map[string]string `json:"downloads"`
}

func viewReport(t core.Task) reportModel {
	m := reportModel{ID: t.ID, Title: t.Request.Title, DefinedReportID: t.Request.DefinedReportID, ReportType: string(t.Request.Type),
		CreatedBy: t.Owner, QueryFilter: t.Request.Filter, QueryOrder: t.Request.Order, CreatedAt: t.CreatedAt.UTC(),
		ModifiedAt: t.CreatedAt.UTC(), Status: string(t.Status), RecordTotalNum: t.Total, SubscriptionID: t.Request.SubscriptionID,
		Downloads: map[string]string{}}
	if m.Title == "" {
		m.Title = t.Request.FileName
	}
	for _, ts := range []time.Time{t.StartedAt, t.FinishedAt} {
		if ts.After(m.ModifiedAt) {
			m.ModifiedAt = ts.UTC()
		}
	}
	if t.Status == core.TaskSucceeded {
		m.GeneratedAt = t.FinishedAt.UTC().Format(time.RFC3339Nano)
		for _, f := range t.Files {
			m.Downloads[f.Format] = delivery.DownloadPath(t.ID, f.Format)
		}
	}
	return m
}

// listReports is GET /api/v2/report: the caller's generated reports and
// exports (everyone's for an admin), newest first.
func (h *handler) listReports(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	tr, err := h.runner()
	if err != nil {
		return err
	}
	tasks, err := tr.List(r.Context(), p.Actor())
	if err != nil {
		return fmt.Errorf("list reports: %w", err)
	}
	out := make([]reportModel, 0, len(tasks))
	for _, t := range tasks {
		out = append(out, viewReport(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": "success", "report": out})
	return nil
}

type criterion struct {
	Field *string         `json:"field"`
	Value json.RawMessage `json:"value"`
}

type generateBody struct {
	Criteria        []criterion `json:"criteria"`
	DefinedReportID *idText     `json:"defined_report_id"`
	Title           *string     `json:"title"`
}

const maxCriteria = 64

// criterionTerm turns {field, value} into field.eq(value); a value that is
// an array means "any of" (field.in(...)) and null means the field is absent.
func criterionTerm(i int, c criterion) (query.Term, error) {
	if c.Field == nil || strings.TrimSpace(*c.Field) == "" {
		return query.Term{}, errorf(http.StatusBadRequest, "request body: criteria[%d].field is required", i)
	}
	t := query.Term{Field: strings.TrimSpace(*c.Field), Op: query.OpEq, Pos: -1}
	scalar := func(raw json.RawMessage) (string, error) {
		var v any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return "", err
		}
		switch x := v.(type) {
		case string:
			if x == "" {
				return "", errors.New("must not be empty")
			}
			return x, nil
		case json.Number:
			return x.String(), nil
		case bool:
			return strconv.FormatBool(x), nil
		}
		return "", errors.New("expected a string, number or boolean")
	}
	raw := bytes.TrimSpace(c.Value)
	switch {
	case len(raw) == 0:
		return t, errorf(http.StatusBadRequest, "request body: criteria[%d].value is required", i)
	case string(raw) == "null":
		t.Op = query.OpIsNull
	case raw[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil || len(items) == 0 {
			return t, errorf(http.StatusBadRequest, "request body: criteria[%d].value: expected a non-empty array of values", i)
		}
		t.Op = query.OpIn
		for j, it := range items {
			s, err := scalar(it)
			if err != nil {
				return t, errorf(http.StatusBadRequest, "request body: criteria[%d].value[%d]: %v", i, j, err)
			}
			t.Args = append(t.Args, s)
		}
	default:
		s, err := scalar(raw)
		if err != nil {
			return t, errorf(http.StatusBadRequest, "request body: criteria[%d].value: %v", i, err)
		}
		t.Args = []string{s}
	}
	return t, nil
}

// generateReport is POST /api/v2/report: a report generated now from
// criteria (each {field, value} is field = value, all must hold), on top of
// a defined report's filter, order and columns when defined_report_id is
// given. It is written as csv, pdf and html, the seed's three downloads.
func (h *handler) generateReport(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var b generateBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	if b.Criteria == nil && b.DefinedReportID == nil {
		return errorf(http.StatusBadRequest, "request body: criteria is required (an array of {field, value}; [] for every event)")
	}
	if len(b.Criteria) > maxCriteria {
		return errorf(http.StatusBadRequest, "request body: criteria has %d items, at most %d", len(b.Criteria), maxCriteria)
	}
	req := core.ExportRequest{Type: core.TypeActivity, Formats: []string{"csv", "pdf", "html"}}
	var base query.Filter
	if b.DefinedReportID != nil {
		def, err := h.eng.GetReport(r.Context(), p.Actor(), string(*b.DefinedReportID))
		if errors.Is(err, core.ErrNotFound) {
			return errorf(http.StatusBadRequest, "request body: defined_report_id: no defined report %q", truncate(string(*b.DefinedReportID), 40))
		}
		if err != nil {
			return fmt.Errorf("defined report: %w", err)
		}
		if base, err = query.ParseDSL(def.QueryFilter); err != nil {
			return fmt.Errorf("defined report %s: %w", def.ID, err)
		}
		req.Type, req.Title, req.Order, req.Columns, req.GroupBy, req.DefinedReportID = def.Type, def.Title, def.QueryOrder, def.Columns, def.GroupBy, def.ID
	}
	schema, err := req.Type.Schema()
	if err != nil {
		return err
	}
	now := h.eng.Now()
	f := base
	for i, c := range b.Criteria {
		t, err := criterionTerm(i, c)
		if err != nil {
			return err
		}
		one := query.Filter{Terms: []query.Term{t}}
		if _, err := query.Compile(one, schema, now); err != nil {
			return errorf(http.StatusBadRequest, "request body: criteria[%d]: %v", i, err)
		}
		f.Terms = append(f.Terms, t)
	}
	if b.Title != nil {
		req.Title = *b.Title
	}
	id := core.NewID(now)
	req.Filter = f.String()
	req.FileName = "report " + id
	if req.Title == "" {
		req.Title = "Report " + id
	}
	tr, err := h.runner()
	if err != nil {
		return err
	}
	t, err := tr.Submit(r.Context(), p.Actor(), req)
	if err != nil {
		return fmt.Errorf("generate report: %w", err)
	}
	success(w, "report", t.ID)
	return nil
}

// deleteReport is DELETE /api/v2/report/{id}: the generated report and its
// files (a running one is canceled first).
func (h *handler) deleteReport(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	id := r.PathValue("id")
	tr, err := h.runner()
	if err != nil {
		return err
	}
	if err := tr.Delete(r.Context(), p.Actor(), id); err != nil {
		return fmt.Errorf("report %q: %w", truncate(id, 100), err)
	}
	success(w, "", "")
	return nil
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._ -]+`)

// attachmentName is a file name safe in a Content-Disposition header: no
// quotes, no CR/LF, no path, no leading dot.
func attachmentName(name, format string) string {
	base := filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	base = unsafeFileChars.ReplaceAllString(base, "_")
	base = strings.TrimLeft(strings.TrimSpace(base), ".")
	if len(base) > 120 {
		base = base[len(base)-120:]
	}
	if base == "" || base == "_" {
		base = "report" + render.Extension(format)
	}
	return base
}

// downloadReport is GET /api/v2/report/{id}/{format}: the file streamed
// from disk. csv, pdf and html are the seed's; a task written in other
// formats (ndjson, json, xlsx) serves those too.
func (h *handler) downloadReport(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	id, format := r.PathValue("id"), r.PathValue("format")
	if !slices.Contains(render.Formats, format) {
		return errorf(http.StatusNotFound, "unknown report format %q: expected one of %s", truncate(format, 20), strings.Join(render.Formats, ", "))
	}
	tr, err := h.runner()
	if err != nil {
		return err
	}
	t, files, err := tr.Outputs(r.Context(), p.Actor(), id)
	if t.ID != "" && t.Status != core.TaskSucceeded {
		return errorf(http.StatusConflict, "report %s is %s: its files exist once it has succeeded", t.ID, t.Status)
	}
	if err != nil {
		return fmt.Errorf("report %q: %w", truncate(id, 100), err)
	}
	i := slices.IndexFunc(files, func(f core.TaskFile) bool { return f.Format == format })
	if i < 0 {
		have := make([]string, len(t.Files))
		for j, f := range t.Files {
			have[j] = f.Format
		}
		return errorf(http.StatusNotFound, "report %s has no %s file (it has: %s)", t.ID, format, strings.Join(have, ", "))
	}
	file := files[i]
	fh, err := os.Open(file.Path)
	if errors.Is(err, os.ErrNotExist) {
		return errorf(http.StatusNotFound, "report %s: the %s file is gone (expired or removed)", t.ID, format)
	}
	if err != nil {
		return fmt.Errorf("open report file: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return fmt.Errorf("stat report file: %w", err)
	}
	hdr := w.Header()
	hdr.Set("Content-Type", render.ContentType(format))
	hdr.Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	hdr.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": attachmentName(file.Name, format)}))
	// An HTML report opened from the API's origin must not run anything.
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
	if sum, err := hex.DecodeString(file.SHA256); err == nil && len(sum) == sha256.Size {
		hdr.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum)+":") // RFC 9530
	}
	if r.Method == http.MethodHead {
		return nil
	}
	rc := http.NewResponseController(w)
	buf := make([]byte, 256<<10)
	for {
		extendWrite(rc)
		n, rerr := fh.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return fmt.Errorf("send report file: %w", err)
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("read report file: %w", rerr)
		}
	}
}

// definedModel is Fudo's DefinedReportModel; columns and group_by are
// auditdeck's additions.
type definedModel struct {
	ID          string          `json:"id"`
	Title       string          `json:"title"`
	Type        string          `json:"type"`
	QueryFilter string          `json:"query_filter"`
	QueryOrder  string          `json:"query_order"`
	CreatedBy   string          `json:"created_by"`
	CreatedAt   time.Time       `json:"created_at"`
	ModifiedAt  time.Time       `json:"modified_at"`
	Removed     bool            `json:"removed"`
	Predefined  bool            `json:"predefined"`
	Subscribed  bool            `json:"subscribed"`
	Columns     [][]string      `json:"columns,omitempty"`
	GroupBy     *core.GroupSpec `json:"group_by,omitempty"`
}

// listDefined is GET /api/v2/report/defined: the predefined reports, the
// caller's own (everyone's for an admin); subscribed says whether the
// caller subscribes to it.
func (h *handler) listDefined(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	defs, err := h.eng.ListReports(r.Context(), p.Actor())
	if err != nil {
		return fmt.Errorf("list defined reports: %w", err)
	}
	subs, err := h.eng.ListSubscriptions(r.Context(), core.Actor{User: p.User})
	if err != nil {
		return fmt.Errorf("list subscriptions: %w", err)
	}
	mine := map[string]bool{}
	for _, s := range subs {
		mine[s.DefinedReportID] = true
	}
	out := make([]definedModel, 0, len(defs))
	for _, d := range defs {
		out = append(out, definedModel{ID: d.ID, Title: d.Title, Type: string(d.Type), QueryFilter: d.QueryFilter, QueryOrder: d.QueryOrder,
			CreatedBy: d.Owner, CreatedAt: d.CreatedAt.UTC(), ModifiedAt: d.ModifiedAt.UTC(), Predefined: d.Predefined,
			Subscribed: mine[d.ID], Columns: d.Columns, GroupBy: d.GroupBy})
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": "success", "defined_report": out})
	return nil
}

type definedBody struct {
	Title       *string     `json:"title"`
	Type        *string     `json:"type"`
	QueryFilter *string     `json:"query_filter"`
	QueryOrder  *string     `json:"query_order"`
	Columns     *[][]string `json:"columns"`
}

// createDefined is POST /api/v2/report/defined.
func (h *handler) createDefined(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var b definedBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	if b.Title == nil {
		return errorf(http.StatusBadRequest, "request body: title is required")
	}
	d := core.DefinedReport{Title: *b.Title, Type: core.TypeActivity}
	if b.Type != nil {
		t, err := parseReportType(b.Type)
		if err != nil {
			return err
		}
		d.Type = t
	}
	if b.QueryFilter != nil {
		d.QueryFilter = *b.QueryFilter
	}
	if b.QueryOrder != nil {
		d.QueryOrder = *b.QueryOrder
	}
	if b.Columns != nil {
		d.Columns = *b.Columns
	}
	d, err := h.eng.CreateReport(r.Context(), p.Actor(), d)
	if err != nil {
		return fmt.Errorf("defined report: %w", err)
	}
	success(w, "defined_report", d.ID)
	return nil
}

// updateDefined is PATCH /api/v2/report/defined/{id}: fields sent change,
// fields left out stay; type and owner are immutable, predefined reports
// read-only (409).
func (h *handler) updateDefined(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	id := r.PathValue("id")
	var b definedBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	if b.Type != nil {
		cur, err := h.eng.GetReport(r.Context(), p.Actor(), id)
		if err != nil {
			return fmt.Errorf("defined report %q: %w", truncate(id, 100), err)
		}
		if string(cur.Type) != *b.Type {
			return errorf(http.StatusBadRequest, "request body: type is immutable (this report is %s)", cur.Type)
		}
	}
	_, err := h.eng.UpdateReport(r.Context(), p.Actor(), id, core.ReportPatch{Title: b.Title, QueryFilter: b.QueryFilter, QueryOrder: b.QueryOrder, Columns: b.Columns})
	if err != nil {
		return fmt.Errorf("defined report %q: %w", truncate(id, 100), err)
	}
	success(w, "", "")
	return nil
}

// deleteDefined is DELETE /api/v2/report/defined/{id}. A definition with
// subscriptions is a 409 whose message lists them, unless ?force=true,
// which deletes them with it.
func (h *handler) deleteDefined(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	id := r.PathValue("id")
	force := false
	if v := r.URL.Query().Get("force"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errorf(http.StatusBadRequest, "query parameter force: %q is not true or false", truncate(v, 20))
		}
		force = b
	}
	err := h.eng.DeleteReport(r.Context(), p.Actor(), id, force)
	var se *core.SubscribedError
	if errors.As(err, &se) {
		parts := make([]string, len(se.Subscriptions))
		for i, s := range se.Subscriptions {
			parts[i] = fmt.Sprintf("%s (user %s, every %s)", s.ID, s.Owner, s.Period)
		}
		return errorf(http.StatusConflict, "defined report %s has %d subscription(s): %s; unsubscribe first, or DELETE with ?force=true to delete them with the report",
			se.ReportID, len(parts), strings.Join(parts, ", "))
	}
	if err != nil {
		return fmt.Errorf("defined report %q: %w", truncate(id, 100), err)
	}
	success(w, "", "")
	return nil
}

// subscriptionModel is Fudo's DefinedReportSubscriptionModel; time_zone,
// formats, enabled and next_run_at are auditdeck's additions.
type subscriptionModel struct {
	ID              string     `json:"id"`
	DefinedReportID string     `json:"defined_report_id"`
	UserID          string     `json:"user_id"`
	Period          string     `json:"period"`
	CreatedBy       string     `json:"created_by"`
	CreatedAt       time.Time  `json:"created_at"`
	ModifiedAt      time.Time  `json:"modified_at"`
	Removed         bool       `json:"removed"`
	TimeZone        string     `json:"time_zone"`
	Formats         []string   `json:"formats"`
	Enabled         bool       `json:"enabled"`
	NextRunAt       *time.Time `json:"next_run_at,omitempty"`
	LastRun         *runModel  `json:"last_run,omitempty"`
}

// runModel is a subscription's run: its report and how the webhook notice
// fared (delivery: none, pending, delivered, failed; attempts and the last
// error of a failure).
type runModel struct {
	WindowStart time.Time     `json:"window_start"`
	WindowEnd   time.Time     `json:"window_end"`
	State       string        `json:"state"`
	ReportID    string        `json:"report_id,omitempty"`
	Rows        int64         `json:"record_total_num"`
	Error       string        `json:"error,omitempty"`
	FinishedAt  *time.Time    `json:"finished_at,omitempty"`
	Delivery    core.Delivery `json:"delivery"`
}

func viewSubscription(s core.SubscriptionInfo) subscriptionModel {
	tz := s.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	m := subscriptionModel{ID: s.ID, DefinedReportID: s.DefinedReportID, UserID: s.Owner, Period: string(s.Period),
		CreatedBy: s.Owner, CreatedAt: s.CreatedAt.UTC(), ModifiedAt: s.ModifiedAt.UTC(), TimeZone: tz, Formats: s.Formats,
		Enabled: s.Enabled, NextRunAt: timePtr(s.NextRunAt)}
	if len(s.Runs) > 0 {
		r := s.Runs[0]
		m.LastRun = &runModel{WindowStart: r.Window.Start.UTC(), WindowEnd: r.Window.End.UTC(), State: string(r.State), ReportID: r.ReportID,
			Rows: r.Rows, Error: r.Error, FinishedAt: timePtr(r.FinishedAt), Delivery: r.Delivery}
	}
	return m
}

// listSubscriptions is GET /api/v2/report/subscription: the caller's
// subscriptions (everyone's for an admin).
func (h *handler) listSubscriptions(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	subs, err := h.eng.ListSubscriptions(r.Context(), p.Actor())
	if err != nil {
		return fmt.Errorf("list subscriptions: %w", err)
	}
	out := make([]subscriptionModel, 0, len(subs))
	for _, s := range subs {
		out = append(out, viewSubscription(s))
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": "success", "defined_report_subscription": out})
	return nil
}

type subscriptionBody struct {
	Period          *string   `json:"period"`
	DefinedReportID *idText   `json:"defined_report_id"`
	TimeZone        *string   `json:"time_zone"`
	Formats         *[]string `json:"formats"`
	UserID          *idText   `json:"user_id"`
}

// createSubscription is POST /api/v2/report/subscription for the caller,
// or, with user_id, for that user: admins only (403 otherwise, unless it
// is the caller's own id).
func (h *handler) createSubscription(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var b subscriptionBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	if b.Period == nil {
		return errorf(http.StatusBadRequest, "request body: period is required (day, week, month, quarter or year)")
	}
	if b.DefinedReportID == nil {
		return errorf(http.StatusBadRequest, "request body: defined_report_id is required")
	}
	req := core.SubscribeRequest{DefinedReportID: string(*b.DefinedReportID), Period: *b.Period}
	if b.UserID != nil {
		if strings.TrimSpace(string(*b.UserID)) == "" {
			return errorf(http.StatusBadRequest, "request body: user_id must not be empty")
		}
		req.Owner = string(*b.UserID)
		// An admin's typo must not create a subscription nobody receives.
		if a := p.Actor(); a.Admin && req.Owner != a.User && h.users != nil {
			if _, ok := h.users.Users().Lookup(req.Owner); !ok {
				return errorf(http.StatusBadRequest, "request body: user_id: no user %q in the users file", truncate(req.Owner, 64))
			}
		}
	}
	if b.TimeZone != nil {
		// ValidateSubscription reports a bad zone as a plain error; a
		// client's typo is a 400, so it is checked here first.
		if _, err := schedule.LoadZone(*b.TimeZone); err != nil {
			return errorf(http.StatusBadRequest, "request body: time_zone: %v", err)
		}
		req.TimeZone = *b.TimeZone
	}
	if b.Formats != nil {
		if len(*b.Formats) == 0 {
			return errorf(http.StatusBadRequest, "request body: formats must name at least one of %s", strings.Join(render.Formats, ", "))
		}
		// Checked here: the engine reports some of these as plain errors,
		// which would be a 500.
		for i, f := range *b.Formats {
			if !slices.Contains(render.Formats, f) {
				return errorf(http.StatusBadRequest, "request body: formats[%d]: %q is not a format: expected one of %s", i, truncate(f, 20), strings.Join(render.Formats, ", "))
			}
			if slices.Index(*b.Formats, f) < i {
				return errorf(http.StatusBadRequest, "request body: formats[%d]: %q is given twice", i, f)
			}
		}
		req.Formats = *b.Formats
	}
	s, err := h.eng.Subscribe(r.Context(), p.Actor(), req)
	if err != nil {
		return fmt.Errorf("subscription: %w", err)
	}
	success(w, "defined_report_subscription", s.ID)
	return nil
}

// deleteSubscription is DELETE /api/v2/report/subscription/{id}.
func (h *handler) deleteSubscription(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	id := r.PathValue("id")
	if err := h.eng.Unsubscribe(r.Context(), p.Actor(), id); err != nil {
		return fmt.Errorf("subscription %q: %w", truncate(id, 100), err)
	}
	success(w, "", "")
	return nil
}
