package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
	"github.com/auditdeck/auditdeck/core/delivery"
	"github.com/auditdeck/auditdeck/core/query"
)

// Page bounds of GET /tasks and GET /reports/downloads. The Clumio SDK
// sends limit=0 when its caller sets none, which means the default.
const (
	defaultClumioLimit = 100
	maxClumioLimit     = 1000
	maxClumioStart     = 10_000_000
)

// clumioPage is a page request: limit items from page start (from 1).
type clumioPage struct {
	limit, start int
	filter       string
}

type pageLinks struct {
	First *link `json:"_first,omitempty"`
	Last  *link `json:"_last,omitempty"`
	Next  *link `json:"_next,omitempty"`
	Prev  *link `json:"_prev,omitempty"`
	Self  link  `json:"_self"`
}

// clumioList is the envelope of Clumio's list responses (ListTasksResponse,
// ListReportDownloadsResponse).
type clumioList[T any] struct {
	Embedded struct {
		Items []T `json:"items"`
	} `json:"_embedded"`
	Links           pageLinks `json:"_links"`
	CurrentCount    int       `json:"current_count"`
	FilterApplied   string    `json:"filter_applied"`
	Limit           int       `json:"limit"`
	Start           string    `json:"start"`
	TotalCount      int       `json:"total_count"`
	TotalPagesCount int       `json:"total_pages_count"`
}

// pageParams reads limit, start and filter from the query. start is a page
// number as a string, as Clumio's lists number them.
func pageParams(q url.Values) (clumioPage, error) {
	pg := clumioPage{}
	var err error
	if pg.limit, err = intParam(q, "limit", 0, 0, maxClumioLimit); err != nil {
		return pg, err
	}
	if pg.start, err = startParam(q["start"]); err != nil {
		return pg, err
	}
	if len(q["filter"]) > 1 {
		return pg, errorf(http.StatusBadRequest, "parameter %q: given more than once", "filter")
	}
	pg.filter = strings.TrimSpace(q.Get("filter"))
	return pg, nil
}

func startParam(vals []string) (int, error) {
	if len(vals) > 1 {
		return 0, errorf(http.StatusBadRequest, "parameter %q: given more than once", "start")
	}
	if len(vals) == 0 || strings.TrimSpace(vals[0]) == "" {
		return 0, nil
	}
	n, err := wholeNumber(strings.TrimSpace(vals[0]))
	if err != nil || n < 1 || n > maxClumioStart {
		return 0, errorf(http.StatusBadRequest, "parameter %q: expected a page number from 1 to %d, found %q", "start", maxClumioStart, truncate(vals[0], 40))
	}
	return n, nil
}

// listOf cuts one page out of the matching items and fills the envelope.
func listOf[T any](base string, pg clumioPage, matching []T) clumioList[T] {
	if pg.limit == 0 {
		pg.limit = defaultClumioLimit
	}
	if pg.start == 0 {
		pg.start = 1
	}
	var out clumioList[T]
	out.Limit, out.Start, out.FilterApplied, out.TotalCount = pg.limit, strconv.Itoa(pg.start), pg.filter, len(matching)
	out.TotalPagesCount = (len(matching) + pg.limit - 1) / pg.limit
	from := min(len(matching), (pg.start-1)*pg.limit)
	out.Embedded.Items = matching[from:min(len(matching), from+pg.limit)]
	out.CurrentCount = len(out.Embedded.Items)
	href := func(start int) string {
		v := url.Values{"limit": {strconv.Itoa(pg.limit)}, "start": {strconv.Itoa(start)}}
		if pg.filter != "" {
			v.Set("filter", pg.filter)
		}
		return base + "?" + v.Encode()
	}
	at := func(start int) *link { return &link{Href: href(start), Type: "get"} }
	last := max(1, out.TotalPagesCount)
	out.Links.Self, out.Links.First, out.Links.Last = *at(pg.start), at(1), at(last)
	if pg.start < out.TotalPagesCount {
		out.Links.Next = at(pg.start + 1)
	}
	if pg.start > 1 {
		out.Links.Prev = at(min(pg.start-1, last))
	}
	return out
}

// listField is a field a list filter may name: a text field with the
// values it may take, or a time field.
type listField struct {
	name   string
	values []string // nil: a time field
	text   func(core.Task) string
	time   func(core.Task) time.Time
}

var reportTypes = []string{string(core.TypeActivity), string(core.TypeAudit), string(core.TypeConsumption)}

// taskFields are what GET /tasks filters on, in Clumio's names.
var taskFields = []listField{
	{name: "status", values: []string{"queued", "in_progress", "completed", "failed", "aborting", "aborted"}, text: func(t core.Task) string { return clumioStatus(t.Status) }},
	{name: "type", values: reportTypes, text: func(t core.Task) string { return string(t.Request.Type) }},
	{name: "category", values: []string{"backup", "restore", "snapshot", "snapshot_restore", "system", clumioCategory, "management"}, text: func(core.Task) string { return clumioCategory }},
	{name: "created_timestamp", time: func(t core.Task) time.Time { return t.CreatedAt }},
	{name: "start_timestamp", time: func(t core.Task) time.Time { return t.StartedAt }},
	{name: "end_timestamp", time: func(t core.Task) time.Time { return t.FinishedAt }},
}

// downloadFields are what GET /reports/downloads filters on (the SDK's
// ListReportDownloadsV1Request documents start_timestamp and report_type).
var downloadFields = []listField{
	{name: "start_timestamp", time: func(t core.Task) time.Time { return t.CreatedAt }},
	{name: "report_type", values: reportTypes, text: func(t core.Task) string { return string(t.Request.Type) }},
}

// parseListFilter reads a Clumio JSON filter over fields, such as
// {"status":{"$in":["queued","in_progress"]},"created_timestamp":{"$gte":"2026-11-01T00:00:00Z"}}:
// every condition must hold. Text fields take $eq and $in, time fields
// $gt, $gte, $lt and $lte with RFC 3339 times.
func parseListFilter(text string, fields []listField) (func(core.Task) bool, error) {
	if text == "" {
		return func(core.Task) bool { return true }, nil
	}
	bad := func(format string, a ...any) error {
		return &query.ParamError{Param: "filter", Msg: fmt.Sprintf(format, a...)}
	}
	var top map[string]map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &top); err != nil || top == nil {
		return nil, bad(`expected a JSON object of conditions such as {"status":{"$in":["queued"]}}`)
	}
	names := make([]string, 0, len(top))
	for n := range top {
		names = append(names, n)
	}
	sort.Strings(names)
	known := make([]string, len(fields))
	for i, f := range fields {
		known[i] = f.name
	}
	var conds []func(core.Task) bool
	for _, name := range names {
		i := slices.IndexFunc(fields, func(f listField) bool { return f.name == name })
		if i < 0 {
			return nil, bad("unknown field %q (known: %s)", truncate(name, 64), strings.Join(known, ", "))
		}
		fd := fields[i]
		ops := top[name]
		if len(ops) == 0 {
			return nil, bad("%s: expected an operator such as $eq", name)
		}
		for op, raw := range ops {
			c, err := listCondition(fd, op, raw)
			if err != nil {
				return nil, bad("%s: %v", name, err)
			}
			conds = append(conds, c)
		}
	}
	return func(t core.Task) bool {
		for _, c := range conds {
			if !c(t) {
				return false
			}
		}
		return true
	}, nil
}

func listCondition(fd listField, op string, raw json.RawMessage) (func(core.Task) bool, error) {
	if fd.values != nil {
		var want []string
		switch op {
		case "$eq":
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, fmt.Errorf("$eq takes a string")
			}
			want = []string{v}
		case "$in":
			if err := json.Unmarshal(raw, &want); err != nil || len(want) == 0 {
				return nil, fmt.Errorf("$in takes a non-empty array of strings")
			}
		default:
			return nil, fmt.Errorf("operator %q is not supported here: use $eq or $in", truncate(op, 20))
		}
		for _, v := range want {
			if !slices.Contains(fd.values, v) {
				return nil, fmt.Errorf("%q is not one of %s", truncate(v, 40), strings.Join(fd.values, ", "))
			}
		}
		return func(t core.Task) bool { return slices.Contains(want, fd.text(t)) }, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("%s takes an RFC 3339 time as a string", truncate(op, 20))
	}
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, fmt.Errorf("%q is not an RFC 3339 time", truncate(s, 40))
	}
	var cmp func(x time.Time) bool
	switch op {
	case "$gt":
		cmp = func(x time.Time) bool { return x.After(at) }
	case "$gte":
		cmp = func(x time.Time) bool { return !x.Before(at) }
	case "$lt":
		cmp = func(x time.Time) bool { return x.Before(at) }
	case "$lte":
		cmp = func(x time.Time) bool { return !x.After(at) }
	default:
		return nil, fmt.Errorf("operator %q is not supported here: use $gt, $gte, $lt or $lte", truncate(op, 20))
	}
	return func(t core.Task) bool {
		x := fd.time(t)
		return !x.IsZero() && cmp(x)
	}, nil
}

// listTasks is GET /tasks: the caller's tasks (everyone's for an admin),
// newest first, a page at a time, as the Clumio SDK's ListTasks reads it.
func (h *handler) listTasks(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	pg, err := pageParams(r.URL.Query())
	if err != nil {
		return err
	}
	keep, err := parseListFilter(pg.filter, taskFields)
	if err != nil {
		return err
	}
	tr, err := h.runner()
	if err != nil {
		return err
	}
	tasks, err := tr.List(r.Context(), p.Actor())
	if err != nil {
		return fmt.Errorf("list tasks: %w", err)
	}
	matching := []core.Task{}
	for _, t := range tasks {
		if keep(t) {
			matching = append(matching, t)
		}
	}
	page := listOf("/tasks", pg, matching)
	out := clumioList[taskView]{Links: page.Links, CurrentCount: page.CurrentCount, FilterApplied: page.FilterApplied, Limit: page.Limit,
		Start: page.Start, TotalCount: page.TotalCount, TotalPagesCount: page.TotalPagesCount}
	out.Embedded.Items = make([]taskView, 0, len(page.Embedded.Items))
	for _, t := range page.Embedded.Items {
		out.Embedded.Items = append(out.Embedded.Items, viewTask(t))
	}
	writeJSONAs(w, http.StatusOK, clumioType(r), out)
	return nil
}

// reportDownload is the Clumio SDK's ReportDownload: one finished file.
type reportDownload struct {
	DownloadLink        string     `json:"download_link"`
	EndTimestamp        *time.Time `json:"end_timestamp"`
	ExpirationTimestamp *time.Time `json:"expiration_timestamp"`
	FileName            string     `json:"file_name"`
	Filters             string     `json:"filters"`
	ID                  string     `json:"id"`
	StartTimestamp      time.Time  `json:"start_timestamp"`
	TaskID              string     `json:"task_id"`
	Type                string     `json:"type"`
	Links               struct {
		Self     link `json:"_self"`
		ReadTask link `json:"read-task"`
	} `json:"_links"`
}

// downloadListBody is the SDK's ListReportDownloadsV1Request, which it
// sends as a JSON body on the GET (every field, null when unset); the API
// documents the same fields as query parameters.
type downloadListBody struct {
	Filter *string `json:"filter"`
	Limit  *int64  `json:"limit"`
	Start  *idText `json:"start"`
}

// downloadPage merges the query's page parameters with the body's; one
// parameter in both places is ambiguous and a 400.
func downloadPage(r *http.Request) (clumioPage, error) {
	q := r.URL.Query()
	pg, err := pageParams(q)
	if err != nil {
		return pg, err
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return pg, err // MaxBytesError: 413
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return pg, nil
	}
	if err := requireJSON(r); err != nil {
		return pg, err
	}
	var body downloadListBody
	if err := decodeStrict(b, &body); err != nil {
		return pg, err
	}
	both := func(name string) error {
		return errorf(http.StatusBadRequest, "%s: given both in the query and in the body; send it once", name)
	}
	if body.Filter != nil {
		if q.Has("filter") {
			return pg, both("filter")
		}
		pg.filter = strings.TrimSpace(*body.Filter)
	}
	if body.Limit != nil {
		if q.Has("limit") {
			return pg, both("limit")
		}
		if *body.Limit < 0 || *body.Limit > maxClumioLimit {
			return pg, errorf(http.StatusBadRequest, "request body: limit: expected a whole number from 0 to %d", maxClumioLimit)
		}
		pg.limit = int(*body.Limit)
	}
	if body.Start != nil {
		if q.Has("start") {
			return pg, both("start")
		}
		if pg.start, err = startParam([]string{string(*body.Start)}); err != nil {
			return pg, errorf(http.StatusBadRequest, "request body: start: expected a page number from 1 to %d", maxClumioStart)
		}
	}
	return pg, nil
}

// listDownloads is GET /reports/downloads: the caller's finished, unexpired
// report files (everyone's for an admin), newest first.
func (h *handler) listDownloads(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	pg, err := downloadPage(r)
	if err != nil {
		return err
	}
	keep, err := parseListFilter(pg.filter, downloadFields)
	if err != nil {
		return err
	}
	tr, err := h.runner()
	if err != nil {
		return err
	}
	tasks, err := tr.List(r.Context(), p.Actor())
	if err != nil {
		return fmt.Errorf("list report downloads: %w", err)
	}
	now := h.eng.Now()
	matching := []core.Task{}
	for _, t := range tasks {
		if t.Status == core.TaskSucceeded && len(t.Files) > 0 && (t.ExpiresAt.IsZero() || t.ExpiresAt.After(now)) && keep(t) {
			matching = append(matching, t)
		}
	}
	page := listOf("/reports/downloads", pg, matching)
	out := clumioList[reportDownload]{Links: page.Links, CurrentCount: page.CurrentCount, FilterApplied: page.FilterApplied, Limit: page.Limit,
		Start: page.Start, TotalCount: page.TotalCount, TotalPagesCount: page.TotalPagesCount}
	out.Embedded.Items = make([]reportDownload, 0, len(page.Embedded.Items))
	for _, t := range page.Embedded.Items {
		// A report written in several formats is listed by its CSV, the
		// format Clumio's downloads have.
		f := t.Files[0]
		if i := slices.IndexFunc(t.Files, func(f core.TaskFile) bool { return f.Format == "csv" }); i >= 0 {
			f = t.Files[i]
		}
		d := reportDownload{DownloadLink: delivery.DownloadPath(t.ID, f.Format), EndTimestamp: timePtr(t.FinishedAt), ExpirationTimestamp: timePtr(t.ExpiresAt),
			FileName: f.Name, Filters: t.Request.Filter, ID: t.ID, StartTimestamp: t.CreatedAt.UTC(), TaskID: t.ID, Type: string(t.Request.Type)}
		d.Links.Self = link{Href: "/reports/downloads", Type: "get"}
		d.Links.ReadTask = link{Href: taskPath(t.ID), Type: "get"}
		out.Embedded.Items = append(out.Embedded.Items, d)
	}
	writeJSONAs(w, http.StatusOK, clumioType(r), out)
	return nil
}
