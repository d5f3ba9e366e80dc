package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
	"github.com/auditdeck/auditdeck/core/delivery"
	"github.com/auditdeck/auditdeck/core/query"
)

// clumioVendorType is a Clumio media type as its clients ask for it in
// Accept: application/api.clumio.report-downloads=v1+json (the seed's),
// application/api.clumio.tasks=v1+json (the Go SDK's).
var clumioVendorType = regexp.MustCompile(`^application/api\.clumio\.[a-z0-9._-]+(=v[0-9]+)?\+json$`)

// clumioType is the Content-Type of a Clumio route's answer: the vendor
// type the client asked for, or application/json. Errors stay
// application/json, as the seed documents them.
func clumioType(r *http.Request) string {
	for _, acc := range r.Header.Values("Accept") {
		for _, item := range strings.Split(acc, ",") {
			mt, _, _ := strings.Cut(item, ";")
			if mt = strings.ToLower(strings.TrimSpace(mt)); clumioVendorType.MatchString(mt) {
				return mt
			}
		}
	}
	return "application/json"
}

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
	writeJSONAs(w, http.StatusAccepted, clumioType(r), downloadAccepted{
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
	Self       link  `json:"_self"`
	UpdateTask link  `json:"update-task"`
	Download   *link `json:"download,omitempty"`
}

// taskEntity is Clumio's primary/parent entity of a task.
type taskEntity struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Value string `json:"value"`
}

// taskView is a task in the shape of Clumio's task resource (the Go SDK's
// ReadTaskResponse: _etag, _links, category, genre, id, is_abortable,
// primary_entity, parent_entity, progress_percentage, status, type,
// timestamps) with Clumio's statuses, plus the export's own fields:
// record_total_num as HSS names it, the files and their links.
type taskView struct {
	Etag               string      `json:"_etag"`
	ID                 string      `json:"id"`
	Kind               string      `json:"kind"`
	Type               string      `json:"type"`
	Category           string      `json:"category"`
	Genre              string      `json:"genre"`
	Status             string      `json:"status"`
	IsAbortable        bool        `json:"is_abortable"`
	ProgressPercentage int         `json:"progress_percentage"`
	PrimaryEntity      taskEntity  `json:"primary_entity"`
	ParentEntity       *taskEntity `json:"parent_entity"`
	RecordsDone        int64       `json:"records_done"`
	RecordTotalNum     int64       `json:"record_total_num"`
	Truncated          bool        `json:"truncated"`
	FileName           string      `json:"file_name"`
	Filter             string      `json:"filter"`
	Order              string      `json:"order,omitempty"`
	Formats            []string    `json:"formats"`
	Owner              string      `json:"owner"`
	DefinedReportID    string      `json:"defined_report_id,omitempty"`
	SubscriptionID     string      `json:"subscription_id,omitempty"`
	Error              string      `json:"error,omitempty"`
	Notes              []string    `json:"notes,omitempty"`
	Files              []taskFile  `json:"files"`
	CreatedTimestamp   time.Time   `json:"created_timestamp"`
	StartTimestamp     *time.Time  `json:"start_timestamp"`
	EndTimestamp       *time.Time  `json:"end_timestamp"`
	ExpiresTimestamp   *time.Time  `json:"expires_timestamp,omitempty"`
	Links              taskLinks   `json:"_links"`
}

// Clumio's task vocabulary. Every task of auditdeck generates a report
// file, which Clumio files under category report_generation, genre
// administrative.
const (
	clumioCategory = "report_generation"
	clumioGenre    = "administrative"
)

var clumioStatuses = map[core.TaskStatus]string{
	core.TaskQueued:    "queued",
	core.TaskRunning:   "in_progress",
	core.TaskSucceeded: "completed",
	core.TaskFailed:    "failed",
	core.TaskCanceled:  "aborted",
}

// clumioStatus names a task's status as Clumio's clients know it.
func clumioStatus(s core.TaskStatus) string {
	if c, ok := clumioStatuses[s]; ok {
		return c
	}
	return string(s)
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

// taskEtag changes whenever the task record does.
func taskEtag(t core.Task) string {
	b, _ := json.Marshal(t)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func viewTask(t core.Task) taskView {
	v := taskView{Etag: taskEtag(t), ID: t.ID, Kind: t.Kind, Type: string(t.Request.Type), Category: clumioCategory, Genre: clumioGenre,
		Status: clumioStatus(t.Status), IsAbortable: !t.Final(), ProgressPercentage: progress(t),
		PrimaryEntity: taskEntity{ID: t.ID, Type: "report_download", Value: t.Request.FileName},
		RecordsDone:   t.Done, RecordTotalNum: t.Total, Truncated: t.Truncated, FileName: t.Request.FileName, Filter: t.Request.Filter,
		Order: t.Request.Order, Formats: t.Request.Formats, Owner: t.Owner, DefinedReportID: t.Request.DefinedReportID,
		SubscriptionID: t.Request.SubscriptionID, Error: t.Error, Notes: t.Notes, Files: []taskFile{},
		CreatedTimestamp: t.CreatedAt.UTC(), StartTimestamp: timePtr(t.StartedAt), EndTimestamp: timePtr(t.FinishedAt),
		ExpiresTimestamp: timePtr(t.ExpiresAt),
		Links:            taskLinks{Self: link{Href: taskPath(t.ID), Type: "get"}, UpdateTask: link{Href: taskPath(t.ID), Type: "patch"}}}
	for _, f := range t.Files {
		v.Files = append(v.Files, taskFile{Format: f.Format, Name: f.Name, Bytes: f.Bytes, SHA256: f.SHA256, Href: delivery.DownloadPath(t.ID, f.Format)})
	}
	if len(v.Files) > 0 {
		v.Links.Download = &link{Href: v.Files[0].Href, Type: "get"}
		v.PrimaryEntity.Value = v.Files[0].Name
	}
	return v
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
	writeJSONAs(w, http.StatusOK, clumioType(r), viewTask(t))
	return nil
}

type updateTaskBody struct {
	Status *string `json:"status"`
}

// updateTask is PATCH /tasks/{task_id}, the Clumio SDK's UpdateTask: the
// one change it knows is {"status":"aborted"}, which aborts a queued or
// in_progress task as DELETE does.
func (h *handler) updateTask(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	var b updateTaskBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	if b.Status == nil {
		return errorf(http.StatusBadRequest, `request body: status is required ("aborted" aborts the task)`)
	}
	if *b.Status != "aborted" {
		return errorf(http.StatusBadRequest, `request body: status %q cannot be set: only "aborted" can (it aborts a queued or in_progress task)`, truncate(*b.Status, 40))
	}
	return h.cancelTask(w, r, p)
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
			if cur, gerr := tr.Get(r.Context(), p.Actor(), id); gerr == nil {
				return errorf(http.StatusConflict, "task %s is already %s: only a queued or in_progress task can be aborted", cur.ID, clumioStatus(cur.Status))
			}
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
		return errorf(http.StatusConflict, "task %s completed before it could be aborted", t.ID)
	}
	writeJSONAs(w, http.StatusOK, clumioType(r), viewTask(t))
	return nil
}
