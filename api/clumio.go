package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
	"github.com/auditdeck/auditdeck/core/delivery"
	"github.com/auditdeck/auditdeck/core/query"
)

// clumioDownloadsType is the media type the seed's client asks for and the
// 202 answers with when asked.
const clumioDownloadsType = "application/api.clumio.report-downloads=v1+json"

// cancelWait bounds how long DELETE /tasks/{id} waits for a running task
// to stop; past it the answer says "canceled" and the worker finishes the stop.
const cancelWait = 10 * time.Second

type downloadBody struct {
	FileName *string `json:"file_name"`
	Filter   *string `json:"filter"`
	Type     *string `json:"type"`
}

type link struct {
	Href      string `json:"href"`
	Templated bool   `json:"templated"`
	Type      string `json:"type"`
}

type downloadLinks struct {
	Self     link `json:"_self"`
	ReadTask link `json:"read-task"`
}

type downloadAccepted struct {
	Links  downloadLinks `json:"_links"`
	TaskID string        `json:"task_id"`
}

func (h *handler) runner() (*core.TaskRunner, error) {
	tr := h.eng.Tasks()
	if tr == nil {
		return nil, errorf(http.StatusServiceUnavailable, "exports are not running in this process")
	}
	return tr, nil
}

// clumioFilter parses the Clumio JSON filter and type-checks it against the
// report type, so an unknown field is a 400 before a task exists.
func (h *handler) clumioFilter(typ core.ReportType, text string) (query.Filter, error) {
	f, err := query.ParseJSON(text)
	if err != nil {
		return f, err
	}
	schema, err := typ.Schema()
	if err != nil {
		return f, err
	}
	if _, err := query.Compile(f, schema, h.eng.Now()); err != nil {
		return f, err
	}
	return f, nil
}

func parseReportType(s *string) (core.ReportType, error) {
	if s == nil {
		return "", errorf(http.StatusBadRequest, "request body: type is required (activity, audit or consumption)")
	}
	t := core.ReportType(*s)
	if _, err := t.Schema(); err != nil {
		return "", errorf(http.StatusBadRequest, "request body: %v", err)
	}
	return t, nil
}

// createDownload is Clumio's POST /reports/downloads: a CSV export task.
func (h *handler) createDownload(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var b downloadBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	if b.FileName == nil {
		return errorf(http.StatusBadRequest, "request body: file_name is required")
	}
	typ, err := parseReportType(b.Type)
	if err != nil {
		return err
	}
	filterText := ""
	if b.Filter != nil {
		filterText = *b.Filter
	}
	f, err := h.clumioFilter(typ, filterText)
	if err != nil {
		return err
	}
	tr, err := h.runner()
	if err != nil {
		return err
	}
	t, err := tr.Submit(r.Context(), p.Actor(), core.ExportRequest{Type: typ, Title: *b.FileName, Filter: f.String(), Formats: []string{"csv"}, FileName: *b.FileName})
	if err != nil {
		return fmt.Errorf("report download: %w", err)
	}
	ct := "application/json"
	if strings.Contains(r.Header.Get("Accept"), clumioDownloadsType) {
		ct = clumioDownloadsType
	}
	writeJSONAs(w, http.StatusAccepted, ct, downloadAccepted{
		Links: downloadLinks{
			Self:     link{Href: "/reports/downloads", Type: "post"},
			ReadTask: link{Href: taskPath(t.ID), Type: "get"},
		},
		TaskID: t.ID,
	})
	return nil
}

func taskPath(id string) string { return "/tasks/" + url.PathEscape(id) }

// taskFile is a finished file as clients see it: never its path on disk.
type taskFile struct {
	Format string `json:"format"`
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	Href   string `json:"href"`
}

type taskLinks struct {
	Self     link  `json:"_self"`
	Download *link `json:"download,omitempty"`
}

// taskView is a task in the shape of Clumio's task resource (id, type,
// status, progress_percentage, timestamps, _links) plus the export's own
// fields: record_total_num as HSS names it, the files and their links.
type taskView struct {
	ID                 string     `json:"id"`
	Kind               string     `json:"kind"`
	Type               string     `json:"type"`
	Status             string     `json:"status"`
	ProgressPercentage int        `json:"progress_percentage"`
	RecordsDone        int64      `json:"records_done"`
	RecordTotalNum     int64      `json:"record_total_num"`
	Truncated          bool       `json:"truncated"`
	FileName           string     `json:"file_name"`
	Filter             string     `json:"filter"`
	Order              string     `json:"order,omitempty"`
	Formats            []string   `json:"formats"`
	Owner              string     `json:"owner"`
	DefinedReportID    string     `json:"defined_report_id,omitempty"`
	SubscriptionID     string     `json:"subscription_id,omitempty"`
	Error              string     `json:"error,omitempty"`
	Notes              []string   `json:"notes,omitempty"`
	Files              []taskFile `json:"files"`
	CreatedTimestamp   time.Time  `json:"created_timestamp"`
	StartTimestamp     *time.Time `json:"start_timestamp"`
	EndTimestamp       *time.Time `json:"end_timestamp"`
	ExpiresTimestamp   *time.Time `json:"expires_timestamp,omitempty"`
	Links              taskLinks  `json:"_links"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func progress(t core.Task) int {
	switch {
	case t.Status == core.TaskSucceeded:
		return 100
	case t.Total <= 0:
		return 0
	}
	return int(min(99, t.Done*100/t.Total))
}

func viewTask(t core.Task) taskView {
	v := taskView{ID: t.ID, Kind: t.Kind, Type: string(t.Request.Type), Status: string(t.Status), ProgressPercentage: progress(t),
		RecordsDone: t.Done, RecordTotalNum: t.Total, Truncated: t.Truncated, FileName: t.Request.FileName, Filter: t.Request.Filter,
		Order: t.Request.Order, Formats: t.Request.Formats, Owner: t.Owner, DefinedReportID: t.Request.DefinedReportID,
		SubscriptionID: t.Request.SubscriptionID, Error: t.Error, Notes: t.Notes, Files: []taskFile{},
		CreatedTimestamp: t.CreatedAt.UTC(), StartTimestamp: timePtr(t.StartedAt), EndTimestamp: timePtr(t.FinishedAt),
		ExpiresTimestamp: timePtr(t.ExpiresAt), Links: taskLinks{Self: link{Href: taskPath(t.ID), Type: "get"}}}
	for _, f := range t.Files {
		v.Files = append(v.Files, taskFile{Format: f.Format, Name: f.Name, Bytes: f.Bytes, SHA256: f.SHA256, Href: delivery.DownloadPath(t.ID, f.Format)})
	}
	if len(v.Files) > 0 {
		v.Links.Download = &link{Href: v.Files[0].Href, Type: "get"}
	}
	return v
}

type taskList struct {
	CurrentCount int `json:"current_count"`
	TotalCount   int `json:"total_count"`
	Embedded     struct {
		Items []taskView `json:"items"`
	} `json:"_embedded"`
	Links struct {
		Self link `json:"_self"`
	} `json:"_links"`
}

// listTasks is GET /tasks: the caller's tasks (everyone's for an admin),
// newest first.
func (h *handler) listTasks(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	tr, err := h.runner()
	if err != nil {
		return err
	}
	tasks, err := tr.List(r.Context(), p.Actor())
	if err != nil {
		return fmt.Errorf("list tasks: %w", err)
	}
	var out taskList
	out.Embedded.Items = make([]taskView, 0, len(tasks))
	for _, t := range tasks {
		out.Embedded.Items = append(out.Embedded.Items, viewTask(t))
	}
	out.CurrentCount, out.TotalCount = len(tasks), len(tasks)
	out.Links.Self = link{Href: "/tasks", Type: "get"}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getTask is GET /tasks/{task_id}. Another user's task is a 404, as if it
// did not exist.
func (h *handler) getTask(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	tr, err := h.runner()
	if err != nil {
		return err
	}
	id := r.PathValue("task_id")
	t, err := tr.Get(r.Context(), p.Actor(), id)
	if err != nil {
		return fmt.Errorf("task %q: %w", truncate(id, 100), err)
	}
	writeJSON(w, http.StatusOK, viewTask(t))
	return nil
}

// cancelTask is DELETE /tasks/{task_id}: it cancels a queued or running
// task (a finished one is a 409) and answers the task as it now stands.
func (h *handler) cancelTask(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	tr, err := h.runner()
	if err != nil {
		return err
	}
	id := r.PathValue("task_id")
	t, err := tr.Cancel(r.Context(), p.Actor(), id)
	if err != nil {
		if errors.Is(err, core.ErrConflict) {
			return fmt.Errorf("cancel: %w", err)
		}
		return fmt.Errorf("task %q: %w", truncate(id, 100), err)
	}
	// A running task is stopped by its worker, and one that was writing its
	// last row keeps its result: wait briefly for the outcome so the answer
	// is what happened, not what was asked.
	ctx, cancel := context.WithTimeout(r.Context(), cancelWait)
	defer cancel()
	if final, err := tr.Wait(ctx, p.Actor(), id, 20*time.Millisecond, nil); err == nil {
		t = final
	}
	if t.Status == core.TaskSucceeded {
		return errorf(http.StatusConflict, "task %s finished before it could be canceled", t.ID)
	}
	writeJSON(w, http.StatusOK, viewTask(t))
	return nil
}
