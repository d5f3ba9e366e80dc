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

	"github.com/auditdeck/auditdeck/core/query"
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
	// PinAt and Pin pin the result set: an upper bound on created_at and
	// the store's state (its Pin). A view's export passes the ones of what
	// it showed, so the file holds exactly that; otherwise they are taken
	// when the task is created, so a retry writes the same rows. Documents
	// written before pins were opaque hold "pin_seq", a number; it is read
	// as the pin (see UnmarshalJSON).
	PinAt *time.Time `json:"pin_at,omitempty"`
	Pin   Pin        `json:"pin,omitzero"`
	// TimeZone is the IANA zone the html, pdf and xlsx files show times in
	// (the subscription's, or the user's); "" is UTC.
	TimeZone string `json:"time_zone,omitempty"`
}

// TaskFile is one finished output file.
type TaskFile struct {
	Format string `json:"format"`
	Name   string `json:"name"`
	Path   string `json:"path"` // absolute; DIR/TASK_ID/NAME (tasks written before per-task directories: DIR/NAME)
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
	OwnDir      bool          `json:"own_dir,omitempty"` // files in DIR/ID; records from before per-task directories have them in DIR
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
	// MaxActivePerUser bounds the queued plus running tasks one user has
	// started; scheduled reports (one per subscription period) are not
	// counted. 0: DefaultMaxActivePerUser; negative: no limit.
	MaxActivePerUser int
	// MinFreeBytes and MinFreePercent are the free-space floor of the
	// export directory's file system: below either one no task is queued.
	// MinFreeBytes 0: DefaultMinFreeBytes, negative: no byte floor;
	// MinFreePercent 0: no percentage floor.
	MinFreeBytes   int64
	MinFreePercent float64
	// IsAdmin says whether a user is an admin now, for work done on their
	// behalf without a session (scheduled reports of the audit trail).
	// nil: every owner is, as in a local single-user process.
	IsAdmin func(user string) bool
}

// Defaults of TaskOptions.
const (
	DefaultMaxActivePerUser       = 8
	DefaultMinFreeBytes     int64 = 1 << 30
)

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
	active   map[string]string // task id -> owner, while a task is queued or runs
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

// ErrConflict means the request collides with existing state (a task that
// cannot be canceled or retried in its state).
var ErrConflict = errors.New("conflict")

// ErrTooManyTasks means the user already has as many queued and running
// tasks as TaskOptions.MaxActivePerUser allows: one must end first.
var ErrTooManyTasks = errors.New("too many tasks")

// ErrLowDisk means the export directory's file system is below the
// free-space floor of TaskOptions: no new task is queued until space is freed.
var ErrLowDisk = errors.New("export disk space is low")

// ErrAuditNeedsAdmin is why a non-admin cannot export, generate or
// subscribe to the audit report type: it holds every user's actions and
// addresses. It wraps ErrForbidden.
var ErrAuditNeedsAdmin = fmt.Errorf("%w: the audit report (every user's actions and addresses) needs the admin role", ErrForbidden)

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
	if opts.MaxActivePerUser == 0 {
		opts.MaxActivePerUser = DefaultMaxActivePerUser
	}
	if opts.MinFreeBytes == 0 {
		opts.MinFreeBytes = DefaultMinFreeBytes
	}
	if opts.MinFreePercent < 0 || opts.MinFreePercent >= 100 {
		return nil, fmt.Errorf("task runner: free-space floor %v%%: expected a percentage in [0, 100)", opts.MinFreePercent)
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("export directory %s: %w", opts.Dir, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tr := &TaskRunner{e: e, opts: opts, ctx: ctx, stop: cancel, wake: make(chan struct{}, 1),
		running: map[string]*runningTask{}, canceled: map[string]bool{}, active: map[string]string{}}
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

// taskDir is the directory of one task's files, DIR/ID, so the same file
// name can be used by any number of tasks and says nothing about others.
// Ids are the engine's own; one that could leave DIR has no directory.
func (tr *TaskRunner) taskDir(id string) string {
	if id == "" || id == "." || id == ".." || strings.ContainsAny(id, `/\`) || strings.ContainsRune(id, 0) {
		return ""
	}
	return filepath.Join(tr.opts.Dir, id)
}

// ManifestFormat is the Format of a task's manifest among its Outputs.
const ManifestFormat = "manifest"

// Outputs returns the files of a succeeded task the actor may see: its
// output files in format order, then its manifest (Format
// ManifestFormat). Every front end that reads a task's files (downloads,
// previews, copies over SSH) takes the paths from here: each is checked to
// lie in the task's own directory, or directly in the export directory for
// tasks written before per-task directories. A task that has not
// succeeded has no files: the error wraps ErrConflict.
func (tr *TaskRunner) Outputs(ctx context.Context, a Actor, id string) (Task, []TaskFile, error) {
	t, err := tr.Get(ctx, a, id)
	if err != nil {
		return t, nil, err
	}
	if t.Status != TaskSucceeded {
		return t, nil, fmt.Errorf("%w: task %s is %s: its files exist once it has succeeded", ErrConflict, t.ID, t.Status)
	}
	files := slices.Clone(t.Files)
	if t.Manifest != "" {
		files = append(files, TaskFile{Format: ManifestFormat, Name: filepath.Base(t.Manifest), Path: t.Manifest})
	}
	want := filepath.Clean(tr.opts.Dir)
	if t.OwnDir {
		want = filepath.Clean(tr.taskDir(t.ID))
	}
	// Records keep absolute paths, but a data directory moved or restored
	// elsewhere keeps its exports: each file is the one of its name in the
	// directory the task's files live in now, never a path the record names.
	for i, f := range files {
		name := filepath.Base(filepath.Clean(f.Path))
		if want == "." || name == "." || name == ".." || name == string(filepath.Separator) {
			return t, nil, fmt.Errorf("task %s: file %q is not in the task's export directory", t.ID, f.Name)
		}
		files[i].Path = filepath.Join(want, name)
	}
	return t, files, nil
}

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
	err := tr.e.objects.ListObjects(ctx, kindTask, func(id string, doc []byte) error {
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
		// re-run writes them again, so they go. Records from before
		// per-task directories had them directly in DIR, under names
		// that were unique then.
		if t.OwnDir {
			tr.removeTaskDir(t.ID)
		} else {
			for _, n := range t.Request.fileNames() {
				os.Remove(filepath.Join(tr.opts.Dir, n))
			}
		}
		tr.active[t.ID] = t.Owner
		tr.enqueue(t.ID)
	}
	return nil
}

// removeTaskDir deletes a task's directory with whatever is in it.
func (tr *TaskRunner) removeTaskDir(id string) {
	if d := tr.taskDir(id); d != "" {
		os.RemoveAll(d)
	}
}

// removeTemps deletes partial files that tasks written before per-task
// directories left directly in DIR: of one task, or of every task.
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
	_ = tr.e.objects.ListObjects(ctx, kindTask, func(id string, doc []byte) error {
		var t Task
		if json.Unmarshal(doc, &t) == nil && t.Final() && !t.ExpiresAt.IsZero() && now.After(t.ExpiresAt) {
			expired = append(expired, t)
		}
		return nil
	})
	for _, t := range expired {
		tr.removeFiles(t)
		if err := tr.e.objects.DeleteObject(ctx, kindTask, t.ID); err != nil {
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
	if t.OwnDir {
		tr.removeTaskDir(t.ID)
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
		if render.Hidden(r) {
			// U+202E turns "report\u202Eslx.exe" into what reads as "reportexe.xls".
			return "", fieldErr("file_name", "must not contain the invisible or bidi control character %U", r)
		}
	}
	return base, nil
}

func (r *ExportRequest) validate(stored query.FieldSource) error {
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
	if err := def.validate(stored); err != nil {
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

// submit queues a task; id is given only by the scheduler, whose reports
// (one per subscription period) are not counted against the user's limit.
func (tr *TaskRunner) submit(ctx context.Context, a Actor, kind, id string, req ExportRequest) (Task, error) {
	if req.TimeZone == "" {
		// The user's own zone (users file) where the request names none,
		// on every surface that submits: API, dashboards, CLI.
		req.TimeZone = a.Zone
	}
	if err := req.validate(tr.e.storedFields(ctx)); err != nil {
		return Task{}, err
	}
	if req.Type == TypeAudit && !a.Admin {
		return Task{}, ErrAuditNeedsAdmin
	}
	if err := tr.checkDisk(); err != nil {
		return Task{}, err
	}
	// Periodic reports are the scheduler's and not counted; a report a
	// user asks for now (run now) is theirs like any export.
	limited := id == "" || isRunNow(ctx)
	now := tr.e.now().UTC()
	if id == "" {
		id = NewID(now)
	}
	t := Task{ID: id, Kind: kind, Status: TaskQueued, Owner: a.User, Request: req, CreatedAt: now}
	if req.PinAt == nil {
		pin := now
		t.Request.PinAt = &pin
	}
	if req.Pin.IsZero() {
		t.Request.Pin = tr.e.events.Pin()
	}
	if err := tr.admit(t, limited); err != nil {
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

// admit counts a task as active for its owner; when limited, only if the
// owner has fewer active tasks of their own starting than the limit. The
// check and the claim are one step under the lock, so a burst of requests
// cannot pass the check together.
func (tr *TaskRunner) admit(t Task, limited bool) error {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if _, ok := tr.active[t.ID]; ok {
		return nil
	}
	if limited {
		if err := tr.roomLocked(t.Owner); err != nil {
			return err
		}
	}
	tr.active[t.ID] = t.Owner
	return nil
}

// room is nil while user may start another task (see admit, which claims).
func (tr *TaskRunner) room(user string) error {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.roomLocked(user)
}

func (tr *TaskRunner) roomLocked(user string) error {
	lim := tr.opts.MaxActivePerUser
	if lim <= 0 {
		return nil
	}
	n := 0
	for _, owner := range tr.active {
		if owner == user {
			n++
		}
	}
	if n >= lim {
		return fmt.Errorf("%w: %s has %d queued or running tasks, the limit is %d; wait for one to finish or cancel one", ErrTooManyTasks, user, n, lim)
	}
	return nil
}

func (tr *TaskRunner) release(id string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	delete(tr.active, id)
}

// checkDisk refuses new work while the export directory's file system is
// below the floor: a full disk would fail every export midway and starve
// the store that shares it.
func (tr *TaskRunner) checkDisk() error {
	if tr.opts.MinFreeBytes < 0 && tr.opts.MinFreePercent == 0 {
		return nil
	}
	free, total, err := diskSpace(tr.opts.Dir)
	if err != nil || total == 0 {
		return nil // unknown here: the write itself reports a full disk
	}
	floor := uint64(0)
	if tr.opts.MinFreeBytes > 0 {
		floor = uint64(tr.opts.MinFreeBytes)
	}
	if p := uint64(float64(total) * tr.opts.MinFreePercent / 100); p > floor {
		floor = p
	}
	if free < floor {
		return fmt.Errorf("%w: %s free in the export directory, the floor is %s; delete finished tasks or free space", ErrLowDisk, byteSize(free), byteSize(floor))
	}
	return nil
}

// byteSize writes a size in binary units for messages.
func byteSize(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// ownerIsAdmin is whether a task's owner may run admin-only work (the
// audit trail) when no session vouches for them.
func (tr *TaskRunner) ownerIsAdmin(user string) bool {
	return tr.opts.IsAdmin == nil || tr.opts.IsAdmin(user)
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
	err := tr.e.objects.ListObjects(ctx, kindTask, func(id string, doc []byte) error {
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
	delete(tr.active, id)
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
	if t.Request.Type == TypeAudit && !a.Admin {
		return t, ErrAuditNeedsAdmin
	}
	if err := tr.checkDisk(); err != nil {
		return t, err
	}
	// Scheduled reports are retried by the scheduler, once per period.
	if err := tr.admit(t, t.Request.SubscriptionID == ""); err != nil {
		return t, err
	}
	t.Status, t.Error, t.Done, t.FinishedAt, t.ExpiresAt, t.Attempts = TaskQueued, "", 0, time.Time{}, time.Time{}, 0
	if err := tr.e.putJSON(ctx, kindTask, id, t); err != nil {
		tr.release(id)
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
	if err := tr.e.objects.DeleteObject(ctx, kindTask, id); err != nil {
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
