package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/auditdeck/auditdeck/core/render"
)

// TaskStatus is where a task is in its life.
type TaskStatus string

// Task states; succeeded, failed and canceled are final until a retry.
const (
	TaskQueued    TaskStatus = "queued"
	TaskRunning   TaskStatus = "running"
	TaskSucceeded TaskStatus = "succeeded"
	TaskFailed    TaskStatus = "failed"
	TaskCanceled  TaskStatus = "canceled"
)

// ExportRequest is what an export or report generation writes.
type ExportRequest struct {
	Type            ReportType `json:"type"`
	Title           string     `json:"title,omitempty"`
	Filter          string     `json:"filter"` // DSL
	Order           string     `json:"order,omitempty"`
	Columns         [][]string `json:"columns,omitempty"` // [[field, label], ...]
	GroupBy         *GroupSpec `json:"group_by,omitempty"`
	Formats         []string   `json:"formats"`
	FileName        string     `json:"file_name"`
	RowLimit        int64      `json:"row_limit,omitempty"` // 0: every row
	DefinedReportID string     `json:"defined_report_id,omitempty"`
	SubscriptionID  string     `json:"subscription_id,omitempty"`
	// WindowStart/End bound created_at to [start, end) on top of Filter
	// (subscription periods).
	WindowStart *time.Time `json:"window_start,omitempty"`
	WindowEnd   *time.Time `json:"window_end,omitempty"`
	// PinAt and PinSeq pin the result set: an upper bound on created_at and
	// on ingest order (the store's Pin). A view's export passes the ones of
	// what it showed, so the file holds exactly that; otherwise they are
	// taken when the task is created, so a retry writes the same rows.
	PinAt  *time.Time `json:"pin_at,omitempty"`
	PinSeq uint64     `json:"pin_seq,omitempty"`
	// TimeZone is the IANA zone the html, pdf and xlsx files show times in
	// (the subscription's, or the user's); "" is UTC.
	TimeZone string `json:"time_zone,omitempty"`
}

// TaskFile is one finished output file.
type TaskFile struct {
	Format string `json:"format"`
	Name   string `json:"name"`
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Task is an export or a report generation running in the background.
type Task struct {
	ID          string        `json:"id"`
	Kind        string        `json:"kind"` // "export" or "report"
	Status      TaskStatus    `json:"status"`
	Owner       string        `json:"owner"`
	Request     ExportRequest `json:"request"`
	Done        int64         `json:"done"`             // rows written so far
	Total       int64         `json:"record_total_num"` // rows the result holds (counted before writing)
	Truncated   bool          `json:"truncated"`        // the user's row limit cut the result
	WindowStart time.Time     `json:"window_start"`     // resolved absolute window
	WindowEnd   time.Time     `json:"window_end"`
	PinnedAt    time.Time     `json:"pinned_at"`
	Files       []TaskFile    `json:"files,omitempty"`
	Manifest    string        `json:"manifest,omitempty"`
	Notes       []string      `json:"notes,omitempty"` // what a reader of the files must know, e.g. a format's own row cap
	Error       string        `json:"error,omitempty"`
	Attempts    int           `json:"attempts"`
	CreatedAt   time.Time     `json:"created_at"`
	StartedAt   time.Time     `json:"started_at,omitzero"`
	FinishedAt  time.Time     `json:"finished_at,omitzero"`
	ExpiresAt   time.Time     `json:"expires_at,omitzero"`
}

// Final reports whether the task has stopped.
func (t *Task) Final() bool {
	return t.Status == TaskSucceeded || t.Status == TaskFailed || t.Status == TaskCanceled
}

const kindTask = "task"

// TaskOptions configure the task runner.
type TaskOptions struct {
	Dir         string        // export directory; created 0700
	Workers     int           // concurrent tasks; 2
	Retention   time.Duration // finished tasks and their files expire; 30 days
	MaxAttempts int           // runs of a task interrupted by crashes before it is failed; 3
}

// TaskRunner runs exports on a bounded pool of workers.
type TaskRunner struct {
	e    *Engine
	opts TaskOptions

	wg   sync.WaitGroup
	stop context.CancelFunc
	ctx  context.Context
	wake chan struct{} // a task was queued

	mu       sync.Mutex
	pending  []string // queued task ids, oldest first; unbounded, never blocks a caller
	running  map[string]*runningTask
	canceled map[string]bool   // ids canceled while queued, so a worker skips them
	reserved map[string]string // final file name -> task id, while a task is queued or runs
	closed   bool
}

// enqueue adds a task id for the workers.
func (tr *TaskRunner) enqueue(id string) {
	tr.mu.Lock()
	tr.pending = append(tr.pending, id)
	delete(tr.canceled, id)
	tr.mu.Unlock()
	select {
	case tr.wake <- struct{}{}:
	default:
	}
}

type runningTask struct {
	cancel     context.CancelFunc
	done       atomic.Int64
	canceledBy string // guarded by TaskRunner.mu
}

// ErrConflict means the request collides with existing state (a file name
// in use, a task that cannot be retried in its state).
var ErrConflict = errors.New("conflict")

// StartTasks recovers tasks interrupted by a crash, sweeps expired ones and
// starts the workers. Close stops them.
func (e *Engine) StartTasks(opts TaskOptions) (*TaskRunner, error) {
	if opts.Dir == "" {
		return nil, errors.New("task runner: no export directory")
	}
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.Retention <= 0 {
		opts.Retention = 30 * 24 * time.Hour
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 3
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("export directory %s: %w", opts.Dir, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tr := &TaskRunner{e: e, opts: opts, ctx: ctx, stop: cancel, wake: make(chan struct{}, 1),
		running: map[string]*runningTask{}, canceled: map[string]bool{}, reserved: map[string]string{}}
	if err := tr.recover(ctx); err != nil {
		cancel()
		return nil, err
	}
	for range opts.Workers {
		tr.wg.Add(1)
		go tr.worker()
	}
	tr.wg.Add(1)
	go tr.sweepLoop()
	e.tasks.Store(tr)
	return tr, nil
}

// Dir is the export directory.
func (tr *TaskRunner) Dir() string { return tr.opts.Dir }

// Close cancels running tasks (they are re-run on the next start) and waits.
func (tr *TaskRunner) Close() {
	tr.mu.Lock()
	tr.closed = true
	tr.mu.Unlock()
	tr.stop()
	tr.wg.Wait()
}

// recover re-queues tasks a crash left queued or running, or fails them
// after MaxAttempts, and removes their partial files.
func (tr *TaskRunner) recover(ctx context.Context) error {
	var todo []Task
	err := tr.e.store.ListObjects(ctx, kindTask, func(id string, doc []byte) error {
		var t Task
		if err := json.Unmarshal(doc, &t); err != nil {
			return fmt.Errorf("decode task %s: %w", id, err)
		}
		if !t.Final() {
			todo = append(todo, t)
		}
		return nil
	})
	if err != nil {
		return err
	}
	tr.removeTemps("")
	slices.SortFunc(todo, func(a, b Task) int { return a.CreatedAt.Compare(b.CreatedAt) })
	for _, t := range todo {
		if t.Status == TaskRunning && t.Attempts >= tr.opts.MaxAttempts {
			t.Status, t.Error, t.FinishedAt = TaskFailed, fmt.Sprintf("interrupted %d times (the process stopped while it ran)", t.Attempts), tr.e.now().UTC()
			t.ExpiresAt = t.FinishedAt.Add(tr.opts.Retention)
			if err := tr.e.putJSON(ctx, kindTask, t.ID, t); err != nil {
				return err
			}
			continue
		}
		t.Status = TaskQueued
		if err := tr.e.putJSON(ctx, kindTask, t.ID, t); err != nil {
			return err
		}
		// Files a crash left under this task's final names are complete
		// (they are published only when complete) but unrecorded: the
		// re-run writes them again, so they go.
		for _, n := range t.Request.fileNames() {
			os.Remove(filepath.Join(tr.opts.Dir, n))
		}
		tr.enqueue(t.ID)
	}
	return nil
}

// removeTemps deletes partial files of one task (or of every task).
func (tr *TaskRunner) removeTemps(taskID string) {
	entries, err := os.ReadDir(tr.opts.Dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		i := strings.LastIndex(n, ".tmp-")
		if !strings.HasPrefix(n, ".") || i < 0 || (taskID != "" && n[i+len(".tmp-"):] != taskID) {
			continue
		}
		os.Remove(filepath.Join(tr.opts.Dir, n))
	}
}

func (tr *TaskRunner) worker() {
	defer tr.wg.Done()
	for {
		tr.mu.Lock()
		var id string
		if len(tr.pending) > 0 {
			id = tr.pending[0]
			tr.pending = tr.pending[1:]
		}
		tr.mu.Unlock()
		if id != "" {
			tr.run(id)
			continue
		}
		select {
		case <-tr.ctx.Done():
			return
		case <-tr.wake:
		}
	}
}

func (tr *TaskRunner) sweepLoop() {
	defer tr.wg.Done()
	tr.Sweep(tr.ctx)
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-tr.ctx.Done():
			return
		case <-t.C:
			tr.Sweep(tr.ctx)
		}
	}
}

// Sweep deletes finished tasks past their expiry, with their files.
func (tr *TaskRunner) Sweep(ctx context.Context) {
	now := tr.e.now()
	var expired []Task
	_ = tr.e.store.ListObjects(ctx, kindTask, func(id string, doc []byte) error {
		var t Task
		if json.Unmarshal(doc, &t) == nil && t.Final() && !t.ExpiresAt.IsZero() && now.After(t.ExpiresAt) {
			expired = append(expired, t)
		}
		return nil
	})
	for _, t := range expired {
		tr.removeFiles(t)
		if err := tr.e.store.DeleteObject(ctx, kindTask, t.ID); err != nil {
			tr.e.logf("expire task %s: %v", t.ID, err)
		}
	}
}

func (tr *TaskRunner) removeFiles(t Task) {
	for _, f := range t.Files {
		os.Remove(f.Path)
	}
	if t.Manifest != "" {
		os.Remove(t.Manifest)
	}
}

// ValidateFileName checks a user-supplied export name and returns the base
// without a trailing extension of a known format: no path separators, no
// "..", no control characters, no leading dot, at most 128 bytes.
func ValidateFileName(name string) (string, error) {
	base := name
	for _, f := range render.Formats {
		if strings.HasSuffix(strings.ToLower(base), render.Extension(f)) {
			base = base[:len(base)-len(render.Extension(f))]
			break
		}
	}
	switch {
	case strings.TrimSpace(base) == "":
		return "", fieldErr("file_name", "must not be empty")
	case len(base) > 128:
		return "", fieldErr("file_name", "is %d bytes, at most 128", len(base))
	case !utf8.ValidString(base):
		return "", fieldErr("file_name", "is not valid UTF-8")
	case strings.ContainsAny(base, `/\`):
		return "", fieldErr("file_name", "must not contain a path separator")
	case strings.Contains(base, ".."):
		return "", fieldErr("file_name", `must not contain ".."`)
	case strings.HasSuffix(strings.ToLower(base), ".manifest"):
		return "", fieldErr("file_name", `must not end in ".manifest", which manifests use`)
	case strings.HasPrefix(base, ".") || strings.HasPrefix(base, "-"):
		return "", fieldErr("file_name", `must not start with "." or "-"`)
	case base != strings.TrimSpace(base):
		return "", fieldErr("file_name", "must not start or end with spaces")
	}
	for _, r := range base {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == ':' || r == '*' || r == '?' || r == '"' || r == '<' || r == '>' || r == '|' {
			return "", fieldErr("file_name", "must not contain control characters or any of : * ? \" < > |")
		}
	}
	return base, nil
}

func (r *ExportRequest) validate() error {
	if r.Type == "" {
		r.Type = TypeActivity
	}
	schema, err := r.Type.Schema()
	if err != nil {
		return &FieldError{Field: "type", Err: err}
	}
	if len(r.Formats) == 0 {
		r.Formats = []string{"csv"}
	}
	seen := map[string]bool{}
	for _, f := range r.Formats {
		if !slices.Contains(render.Formats, f) || seen[f] {
			return fieldErr("format", "%q: expected one of %s, each once", f, strings.Join(render.Formats, ", "))
		}
		seen[f] = true
	}
	base, err := ValidateFileName(r.FileName)
	if err != nil {
		return err
	}
	r.FileName = base
	if err := validText("title", r.Title, maxTitleLen, false); err != nil {
		return err
	}
	if r.RowLimit < 0 {
		return fieldErr("row_limit", "must not be negative")
	}
	def := DefinedReport{Title: "x", Type: r.Type, QueryFilter: r.Filter, QueryOrder: r.Order, Columns: r.Columns, GroupBy: r.GroupBy}
	if err := def.validate(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) && fe.Field == "query_filter" {
			fe.Field = "filter"
		}
		return err
	}
	_ = schema
	if r.WindowStart != nil && r.WindowEnd != nil && !r.WindowStart.Before(*r.WindowEnd) {
		return fieldErr("window", "start must be before end")
	}
	if err := validZone(r.TimeZone); err != nil {
		return &FieldError{Field: "time_zone", Err: err}
	}
	return nil
}

// fileNames are the final names of a request's files, in format order,
// then the manifest's.
func (r *ExportRequest) fileNames() []string {
	out := make([]string, len(r.Formats), len(r.Formats)+1)
	for i, f := range r.Formats {
		out[i] = r.FileName + render.Extension(f)
	}
	return append(out, r.FileName+manifestSuffix)
}

const manifestSuffix = ".manifest.json"

// Submit validates a request, counts its rows and queues it.
func (tr *TaskRunner) Submit(ctx context.Context, a Actor, req ExportRequest) (Task, error) {
	return tr.submit(ctx, a, "export", "", req)
}

func (tr *TaskRunner) submit(ctx context.Context, a Actor, kind, id string, req ExportRequest) (Task, error) {
	if err := req.validate(); err != nil {
		return Task{}, err
	}
	now := tr.e.now().UTC()
	if id == "" {
		id = NewID(now)
	}
	t := Task{ID: id, Kind: kind, Status: TaskQueued, Owner: a.User, Request: req, CreatedAt: now}
	if req.PinAt == nil {
		pin := now
		t.Request.PinAt = &pin
	}
	if req.PinSeq == 0 {
		t.Request.PinSeq = tr.e.store.Pin()
	}
	if err := tr.reserve(t); err != nil {
		return Task{}, err
	}
	// record_total_num up front, as the HSS API answers it; the run counts
	// again on its pinned snapshot and that count is the one written.
	if n, err := tr.e.countRequest(ctx, &t.Request); err == nil {
		t.Total = n
		if req.RowLimit > 0 && n > req.RowLimit {
			t.Total, t.Truncated = req.RowLimit, true
		}
	} else {
		tr.release(t.ID)
		return Task{}, err
	}
	if err := tr.e.putJSON(ctx, kindTask, t.ID, t); err != nil {
		tr.release(t.ID)
		return Task{}, err
	}
	tr.e.publish(ChangeTasks, t.ID)
	tr.e.audit(ctx, a, kind+".create", t.ID, map[string]any{"filter": req.Filter, "type": string(req.Type), "formats": req.Formats, "file_name": req.FileName, "rows": t.Total})
	tr.enqueue(t.ID)
	return t, nil
}

// reserve claims the task's final file names so two tasks never write the
// same file; names of finished files on disk are taken too.
func (tr *TaskRunner) reserve(t Task) error {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for _, n := range t.Request.fileNames() {
		if owner, ok := tr.reserved[n]; ok && owner != t.ID {
			return fmt.Errorf("%w: file %q is being written by task %s", ErrConflict, n, owner)
		}
		if _, err := os.Lstat(filepath.Join(tr.opts.Dir, n)); err == nil {
			return fmt.Errorf("%w: file %q already exists in the export directory", ErrConflict, n)
		}
	}
	for _, n := range t.Request.fileNames() {
		tr.reserved[n] = t.ID
	}
	return nil
}

func (tr *TaskRunner) release(id string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for n, owner := range tr.reserved {
		if owner == id {
			delete(tr.reserved, n)
		}
	}
}

// Get returns a task the actor may see, with live progress.
func (tr *TaskRunner) Get(ctx context.Context, a Actor, id string) (Task, error) {
	var t Task
	if err := tr.e.getJSON(ctx, kindTask, id, &t); err != nil {
		return t, err
	}
	if !a.Admin && t.Owner != a.User {
		return Task{}, ErrNotFound
	}
	tr.mu.Lock()
	if rt, ok := tr.running[id]; ok && t.Status == TaskRunning {
		t.Done = rt.done.Load()
	}
	tr.mu.Unlock()
	return t, nil
}

// List returns the tasks the actor may see, newest first.
func (tr *TaskRunner) List(ctx context.Context, a Actor) ([]Task, error) {
	var out []Task
	err := tr.e.store.ListObjects(ctx, kindTask, func(id string, doc []byte) error {
		var t Task
		if err := json.Unmarshal(doc, &t); err != nil {
			return fmt.Errorf("decode task %s: %w", id, err)
		}
		if a.Admin || t.Owner == a.User {
			out = append(out, t)
		}
		return nil
	})
	tr.mu.Lock()
	for i := range out {
		if rt, ok := tr.running[out[i].ID]; ok && out[i].Status == TaskRunning {
			out[i].Done = rt.done.Load()
		}
	}
	tr.mu.Unlock()
	slices.SortFunc(out, func(x, y Task) int { return y.CreatedAt.Compare(x.CreatedAt) })
	return out, err
}

// Cancel stops a queued or running task; its partial files are removed. A
// running task is stopped by its worker, which records the end; a queued
// one is recorded here. Both decisions are made under the runner's lock, so
// a task that is just finishing keeps its result.
func (tr *TaskRunner) Cancel(ctx context.Context, a Actor, id string) (Task, error) {
	t, err := tr.Get(ctx, a, id)
	if err != nil {
		return t, err
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if rt, running := tr.running[id]; running {
		rt.canceledBy = a.User
		rt.cancel()
		tr.e.audit(ctx, a, t.Kind+".cancel", id, map[string]any{"filter": t.Request.Filter})
		t.Status = TaskCanceled
		return t, nil
	}
	// Not running: re-read under the lock, since a worker may have just
	// finished it.
	if err := tr.e.getJSON(ctx, kindTask, id, &t); err != nil {
		return t, err
	}
	if t.Final() {
		return t, fmt.Errorf("%w: task %s is already %s", ErrConflict, id, t.Status)
	}
	t.Status, t.FinishedAt, t.Error = TaskCanceled, tr.e.now().UTC(), "canceled by "+a.User
	t.ExpiresAt = t.FinishedAt.Add(tr.opts.Retention)
	if err := tr.e.putJSON(ctx, kindTask, id, t); err != nil {
		return t, err
	}
	tr.canceled[id] = true
	for n, owner := range tr.reserved {
		if owner == id {
			delete(tr.reserved, n)
		}
	}
	tr.e.publish(ChangeTasks, id)
	tr.e.audit(ctx, a, t.Kind+".cancel", id, map[string]any{"filter": t.Request.Filter})
	return t, nil
}

// Retry queues a failed or canceled task again.
func (tr *TaskRunner) Retry(ctx context.Context, a Actor, id string) (Task, error) {
	t, err := tr.Get(ctx, a, id)
	if err != nil {
		return t, err
	}
	if t.Status != TaskFailed && t.Status != TaskCanceled {
		return t, fmt.Errorf("%w: only failed or canceled tasks can be retried; task %s is %s", ErrConflict, id, t.Status)
	}
	if err := tr.reserve(t); err != nil {
		return t, err
	}
	t.Status, t.Error, t.Done, t.FinishedAt, t.ExpiresAt, t.Attempts = TaskQueued, "", 0, time.Time{}, time.Time{}, 0
	if err := tr.e.putJSON(ctx, kindTask, id, t); err != nil {
		return t, err
	}
	tr.e.publish(ChangeTasks, id)
	tr.e.audit(ctx, a, t.Kind+".retry", id, map[string]any{"filter": t.Request.Filter})
	tr.enqueue(id)
	return t, nil
}

// Delete cancels a task if needed and removes it with its files.
func (tr *TaskRunner) Delete(ctx context.Context, a Actor, id string) error {
	t, err := tr.Get(ctx, a, id)
	if err != nil {
		return err
	}
	if !t.Final() {
		if _, err := tr.Cancel(ctx, a, id); err != nil && !errors.Is(err, ErrConflict) {
			return err
		}
		tr.waitStopped(id)
		if err := tr.e.getJSON(ctx, kindTask, id, &t); err != nil {
			return err
		}
	}
	tr.removeFiles(t)
	if err := tr.e.store.DeleteObject(ctx, kindTask, id); err != nil {
		return err
	}
	tr.e.publish(ChangeTasks, id)
	tr.e.audit(ctx, a, t.Kind+".delete", id, nil)
	return nil
}

func (tr *TaskRunner) waitStopped(id string) {
	for i := 0; i < 500; i++ {
		tr.mu.Lock()
		_, running := tr.running[id]
		tr.mu.Unlock()
		if !running {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Wait blocks until a task is final (or ctx ends), calling progress with
// the rows written every interval.
func (tr *TaskRunner) Wait(ctx context.Context, a Actor, id string, every time.Duration, progress func(Task)) (Task, error) {
	// Change notices end the wait as soon as the task does; the ticker only
	// paces progress reports (and covers a notice dropped under load).
	changes, stop := tr.e.Watch()
	defer stop()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		t, err := tr.Get(ctx, a, id)
		if err != nil || t.Final() {
			return t, err
		}
		if progress != nil {
			progress(t)
		}
		select {
		case <-ctx.Done():
			return t, ctx.Err()
		case <-tick.C:
		case <-changes:
		}
	}
}
