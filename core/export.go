package core

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/core/render"
	"github.com/auditdeck/auditdeck/core/schedule"
)

// resolvedExport is a request made concrete at its pin time.
type resolvedExport struct {
	schema   *query.Schema
	filter   query.Filter // the request's filter with the window and pin bounds added
	compiled *query.Compiled
	order    query.Order
	columns  []render.Column
	lo, hi   time.Time // resolved window, [lo, hi]
	pin      time.Time // relative times resolve against it
}

// resolve compiles a request against its pin time. Relative times resolve
// against the pin, so a retry writes the same rows.
func (e *Engine) resolve(r *ExportRequest) (*resolvedExport, error) {
	schema, err := r.Type.Schema()
	if err != nil {
		return nil, err
	}
	if schema == ActivitySchema {
		schema = e.Schema(context.Background()) // fields of the stored events too
	}
	f, err := query.ParseDSL(r.Filter)
	if err != nil {
		return nil, err
	}
	pin := e.now().UTC()
	if r.PinAt != nil {
		pin = r.PinAt.UTC()
	}
	tf := func(op query.Op, t time.Time) query.Term {
		return query.Term{Field: "created_at", Op: op, Args: []string{t.UTC().Format(time.RFC3339Nano)}, Pos: -1}
	}
	if r.WindowStart != nil {
		f.Terms = append(f.Terms, tf(query.OpGe, *r.WindowStart))
	}
	if r.WindowEnd != nil {
		f.Terms = append(f.Terms, tf(query.OpLt, *r.WindowEnd))
	}
	// The upper bound on time: nothing stamped after the pin belongs to the result.
	f.Terms = append(f.Terms, tf(query.OpLe, pin))
	c, err := query.Compile(f, schema, pin)
	if err != nil {
		return nil, err
	}
	o, err := query.ParseOrder(r.Order)
	if err != nil {
		return nil, err
	}
	def := DefinedReport{Type: r.Type, Columns: r.Columns, GroupBy: r.GroupBy}
	res := &resolvedExport{schema: schema, filter: f, compiled: c, order: o, columns: typedColumns(def.ReportColumns(), schema, r.GroupBy), pin: pin}
	lo, hi := c.TimeRange("created_at")
	if lo != math.MinInt64 {
		res.lo = time.Unix(0, lo).UTC()
	}
	if hi != math.MaxInt64 {
		res.hi = time.Unix(0, hi).UTC()
	}
	return res, nil
}

// countRequest counts the rows a request would write now.
func (e *Engine) countRequest(ctx context.Context, r *ExportRequest) (int64, error) {
	res, err := e.resolve(r)
	if err != nil {
		return 0, err
	}
	if r.GroupBy != nil {
		return -1, nil // groups are known only after the pass
	}
	switch r.Type {
	case TypeActivity:
		snap := e.events.SnapshotAt(r.Pin)
		defer snap.Close()
		return snap.Count(ctx, res.compiled)
	default:
		var n int64
		err := e.scanOther(ctx, r.Type, res, func(doc []byte, cells []string) error { n++; return nil })
		return n, err
	}
}

// run executes one task on a worker.
func (tr *TaskRunner) run(id string) {
	ctx, cancel := context.WithCancel(tr.ctx)
	defer cancel()
	// Claim the task under the lock before reading it, so Cancel either
	// sees it running or finds it queued and records the cancel itself.
	rt := &runningTask{cancel: cancel}
	tr.mu.Lock()
	if tr.closed || tr.canceled[id] || tr.running[id] != nil {
		delete(tr.canceled, id)
		tr.mu.Unlock()
		return
	}
	tr.running[id] = rt
	tr.mu.Unlock()
	var t Task
	if err := tr.e.getJSON(ctx, kindTask, id, &t); err != nil || t.Status != TaskQueued {
		if err != nil && !errors.Is(err, ErrNotFound) {
			tr.e.logf("load task %s: %v", id, err)
		}
		tr.mu.Lock()
		delete(tr.running, id)
		tr.mu.Unlock()
		return
	}
	defer func() {
		tr.mu.Lock()
		delete(tr.running, id)
		tr.mu.Unlock()
		tr.release(id)
	}()
	if err := tr.admit(t, false); err != nil {
		tr.finish(&t, TaskFailed, err)
		return
	}
	// Every run writes into the task's own directory, whatever the layout
	// of the record it was queued with.
	t.Status, t.Attempts, t.StartedAt, t.OwnDir = TaskRunning, t.Attempts+1, tr.e.now().UTC(), true
	if err := tr.e.putJSON(ctx, kindTask, id, t); err != nil {
		tr.e.logf("start task %s: %v", id, err)
		return
	}
	tr.e.publish(ChangeTasks, id)
	err := tr.export(ctx, &t, rt)
	if err != nil {
		// Nothing of a run that did not succeed is kept; a re-run or retry
		// writes everything again.
		tr.removeTaskDir(id)
	}
	switch {
	case err == nil:
		tr.finish(&t, TaskSucceeded, nil)
	case tr.ctx.Err() != nil:
		// The runner is closing: the task stays "running" and is re-run on
		// the next start (its partial files are gone).
	case ctx.Err() != nil:
		tr.mu.Lock()
		by := rt.canceledBy
		tr.mu.Unlock()
		tr.finish(&t, TaskCanceled, fmt.Errorf("canceled by %s", by))
	default:
		tr.finish(&t, TaskFailed, err)
	}
}

func (tr *TaskRunner) finish(t *Task, st TaskStatus, err error) {
	t.Status, t.FinishedAt = st, tr.e.now().UTC()
	t.ExpiresAt = t.FinishedAt.Add(tr.opts.Retention)
	if err != nil {
		t.Error = err.Error()
	}
	if st != TaskSucceeded {
		t.Files = nil
	}
	if perr := tr.e.putJSON(context.Background(), kindTask, t.ID, t); perr != nil {
		tr.e.logf("finish task %s: %v", t.ID, perr)
	}
	tr.e.publish(ChangeTasks, t.ID)
	tr.e.audit(context.Background(), Actor{User: t.Owner, From: "task"}, t.Kind+"."+string(st), t.ID, map[string]any{
		"filter": t.Request.Filter, "rows": t.Done, "window_start": t.WindowStart, "window_end": t.WindowEnd, "error": t.Error})
}

// outFile is one output being written: a temp file renamed when complete.
type outFile struct {
	format string
	final  string
	tmp    string
	f      *os.File
	buf    *bufio.Writer
	hasher *asyncHash
	count  *countWriter
	w      render.Writer
}

type countWriter struct{ n int64 }

// ExportReserve is the free space exports leave on their disk: an export
// that would write into it stops, and its task fails with ErrLowDisk (its
// files go). The export directory is usually on the store's disk
// (DATA/exports), where the store keeps 32 MiB free for the tables Badger
// writes through memory mappings: an export that filled that disk made
// the next flush a SIGBUS, whatever the store checked before its own
// writes. It applies whatever floor TaskOptions set for new tasks.
const ExportReserve = 64 << 20

// spaceGuard fails a write that would leave less than ExportReserve free
// on dir's disk. It asks the file system once per spaceCheckEvery bytes
// (the outputs are buffered: about once per buffer flush).
type spaceGuard struct {
	w     io.Writer
	dir   string
	since int64
}

const spaceCheckEvery = 64 << 10

func newSpaceGuard(w io.Writer, dir string) *spaceGuard {
	return &spaceGuard{w: w, dir: dir, since: spaceCheckEvery}
}

func (g *spaceGuard) Write(p []byte) (int, error) {
	g.since += int64(len(p))
	if g.since >= spaceCheckEvery {
		g.since = 0
		if free, total, err := diskSpace(g.dir); err == nil && total > 0 && free < ExportReserve+uint64(len(p)) {
			return 0, fmt.Errorf("%w: the export stopped with %s free on its disk: exports leave %s free, so that the store on the same disk keeps room for its own files; delete finished tasks or free space",
				ErrLowDisk, byteSize(free), byteSize(ExportReserve))
		}
	}
	return g.w.Write(p)
}

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// export writes every format of a task in one pass over a pinned snapshot.
func (tr *TaskRunner) export(ctx context.Context, t *Task, rt *runningTask) error {
	if t.Request.PinAt == nil {
		pin := t.CreatedAt
		if pin.IsZero() {
			pin = tr.e.now().UTC()
		}
		t.Request.PinAt = &pin
	}
	res, err := tr.e.resolve(&t.Request)
	if err != nil {
		return err
	}
	t.PinnedAt = *t.Request.PinAt
	t.WindowStart, t.WindowEnd = res.lo, res.hi
	var snap Snapshot
	if t.Request.Type == TypeActivity {
		snap = tr.e.events.SnapshotAt(t.Request.Pin)
		defer snap.Close()
	}
	meta := render.ReportMeta{Title: t.Request.Title, Filter: t.Request.Filter, WindowStart: res.lo, WindowEnd: res.hi,
		GeneratedAt: tr.e.now().UTC(), Columns: res.columns}
	if meta.Title == "" {
		meta.Title = t.Request.FileName
	}
	if meta.Location, err = schedule.LoadZone(t.Request.TimeZone); err != nil {
		return err
	}
	if pf, err := query.ParseDSL(t.Request.Filter); err == nil {
		schema, err := t.Request.Type.Schema()
		if err != nil {
			schema = ActivitySchema
		}
		meta.FilterWords = query.DescribeWith(pf, schema)
	}

	// Count (and, for HTML, the histogram and summary) before writing.
	var rows [][]string // grouped reports only: bounded by the number of groups
	switch {
	case t.Request.GroupBy != nil:
		rows, err = tr.e.groupRows(ctx, snap, res, t.Request.GroupBy)
		if err != nil {
			return err
		}
		t.Total = int64(len(rows))
		meta.GroupChart = groupChart(rows, t.Request.GroupBy)
	case t.Request.Type == TypeActivity:
		if t.Total, err = snap.Count(ctx, res.compiled); err != nil {
			return err
		}
	default:
		var n int64
		if err := tr.e.scanOther(ctx, t.Request.Type, res, func([]byte, []string) error { n++; return nil }); err != nil {
			return err
		}
		t.Total = n
	}
	t.Truncated = false
	if lim := t.Request.RowLimit; lim > 0 && t.Total > lim {
		t.Total, t.Truncated = lim, true
		meta.RowLimit = lim
	}
	meta.Total = t.Total
	t.Notes = nil
	if slices.Contains(t.Request.Formats, "pdf") && render.PDFMaxRows > 0 && t.Total > render.PDFMaxRows {
		// fpdf holds a document in memory, so a PDF draws a bounded number
		// of rows; the PDF says so on its first page, and so do the task and
		// the manifest, so the cut is never silent.
		t.Notes = append(t.Notes, fmt.Sprintf("the PDF shows the first %d of %d rows (PDFs are capped to bound memory); the other formats hold every row", render.PDFMaxRows, t.Total))
	}
	if err := tr.e.putJSON(ctx, kindTask, t.ID, t); err != nil {
		return err
	}
	if needsSummary(t.Request.Formats) && t.Request.Type == TypeActivity && t.Request.GroupBy == nil {
		meta.Histogram, meta.Summary, meta.Tops, err = summarize(ctx, tr.e, snap, res, t.Request.RowLimit)
		if err != nil {
			return err
		}
	}

	outs, err := tr.openOutputs(t)
	defer closeOutputs(outs)
	if err != nil {
		return err
	}
	for _, o := range outs {
		if err := o.w.Begin(meta); err != nil {
			return fmt.Errorf("write %s: %w", o.final, err)
		}
	}
	lastSave := time.Now()
	emit := func(r render.Row) error {
		for _, o := range outs {
			if err := o.w.Row(r); err != nil {
				return fmt.Errorf("write %s: %w", o.final, err)
			}
		}
		done := rt.done.Add(1)
		if done%4096 == 0 {
			tr.e.publish(ChangeTasks, t.ID) // progress, for live views
		}
		if time.Since(lastSave) > 2*time.Second {
			lastSave = time.Now()
			t.Done = done
			if err := tr.e.putJSON(ctx, kindTask, t.ID, t); err != nil {
				return err
			}
		}
		return ctx.Err()
	}
	switch {
	case rows != nil:
		for i, r := range rows {
			if t.Request.RowLimit > 0 && int64(i) >= t.Request.RowLimit {
				break
			}
			if err := emit(render.Row{Cells: r}); err != nil {
				return err
			}
		}
	case t.Request.Type == TypeActivity:
		needRaw := wantsJSON(t.Request.Formats) || !columnsOnly(res.columns)
		cells := make([]string, len(res.columns))
		getters := make([]cellFunc, len(res.columns))
		for i, c := range res.columns {
			getters[i] = cellGetter(c.Field)
		}
		var parser jsonDoc
		getDoc := parser.get // one method value, not one per row
		var js []byte
		withJSON := wantsJSON(t.Request.Formats)
		err = scanPipelined(ctx, snap, ScanRequest{Filter: res.compiled, Order: res.order, WithRaw: needRaw, Limit: int(t.Total)}, func(a *Activity) error {
			parser.reset(a.Raw)
			readCells(cells, getters, a, getDoc)
			var row []byte
			if withJSON {
				js = NDJSONLine(js[:0], a)
				row = js[:len(js)-1]
			}
			return emit(render.Row{Cells: cells, JSON: row})
		})
		if err != nil {
			return err
		}
	default:
		n := int64(0)
		err = tr.e.scanOther(ctx, t.Request.Type, res, func(doc []byte, cells []string) error {
			if t.Request.RowLimit > 0 && n >= t.Request.RowLimit {
				return errStop
			}
			n++
			return emit(render.Row{Cells: cells, JSON: doc})
		})
		if err != nil && !errors.Is(err, errStop) {
			return err
		}
	}
	t.Done = rt.done.Load()
	if t.Done != t.Total {
		return fmt.Errorf("wrote %d rows but counted %d", t.Done, t.Total)
	}
	return tr.commitOutputs(t, outs, meta)
}

var errStop = errors.New("stop")

func needsSummary(formats []string) bool {
	for _, f := range formats {
		if f == "html" || f == "pdf" {
			return true
		}
	}
	return false
}

func wantsJSON(formats []string) bool {
	for _, f := range formats {
		if f == "json" || f == "ndjson" {
			return true
		}
	}
	return false
}

func columnsOnly(cols []render.Column) bool {
	for _, c := range cols {
		if _, ok := ColumnValue(&Activity{}, c.Field); !ok {
			return false
		}
	}
	return true
}

// openOutputs creates a temp file and writer per format. The outputs made
// so far are returned with an error too, for closeOutputs.
func (tr *TaskRunner) openOutputs(t *Task) ([]*outFile, error) {
	dir := tr.taskDir(t.ID)
	if dir == "" {
		return nil, fmt.Errorf("task id %q cannot name a directory", t.ID)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create task directory: %w", err)
	}
	var outs []*outFile
	for i, format := range t.Request.Formats {
		final := filepath.Join(dir, t.Request.fileNames()[i])
		tmp := filepath.Join(dir, "."+filepath.Base(final)+".tmp")
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_EXCL, 0o600)
		if err != nil {
			return outs, fmt.Errorf("create %s: %w", tmp, err)
		}
		o := &outFile{format: format, final: final, tmp: tmp, f: f, count: &countWriter{}, hasher: newAsyncHash()}
		outs = append(outs, o)
		o.buf = bufio.NewWriterSize(io.MultiWriter(newSpaceGuard(f, dir), o.hasher, o.count), 256<<10)
		if o.w, err = render.NewWriter(format, o.buf); err != nil {
			return outs, err
		}
	}
	return outs, nil
}

// closeOutputs releases what an export opened: files, hash goroutines and,
// for writers that did not finish, their own temporary state.
func closeOutputs(outs []*outFile) {
	for _, o := range outs {
		if o.f != nil { // not committed
			if o.w != nil {
				render.Abort(o.w)
			}
			o.f.Close()
		}
		o.hasher.Sum() // stops its goroutine
	}
}

// commitOutputs ends the writers, makes the files durable and gives them
// their final names, then writes the manifest.
func (tr *TaskRunner) commitOutputs(t *Task, outs []*outFile, meta render.ReportMeta) error {
	for _, o := range outs {
		if err := o.w.End(); err != nil {
			return fmt.Errorf("finish %s: %w", o.final, err)
		}
		if err := o.buf.Flush(); err != nil {
			return fmt.Errorf("write %s: %w", o.final, err)
		}
		if err := o.f.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", o.final, err)
		}
		if err := o.f.Close(); err != nil {
			return err
		}
		o.f = nil
	}
	t.Files = nil
	var published []string
	for _, o := range outs {
		// Link, not rename: it fails instead of replacing a file that
		// appeared under the final name meanwhile.
		if err := os.Link(o.tmp, o.final); err != nil {
			for _, p := range published {
				os.Remove(p)
			}
			return fmt.Errorf("publish %s: %w", o.final, err)
		}
		published = append(published, o.final)
		os.Remove(o.tmp)
		t.Files = append(t.Files, TaskFile{Format: o.format, Name: filepath.Base(o.final), Path: o.final, Bytes: o.count.n, SHA256: hex.EncodeToString(o.hasher.Sum())})
	}
	t.FinishedAt = tr.e.now().UTC()
	manifest := map[string]any{
		"task_id": t.ID, "kind": t.Kind, "owner": t.Owner, "request": t.Request,
		"resolved_window": map[string]any{"start": zeroNil(t.WindowStart), "end": zeroNil(t.WindowEnd)},
		"pinned_at":       t.PinnedAt, "filter": t.Request.Filter, "columns": meta.Columns,
		"record_total_num": t.Total, "rows_written": t.Done, "truncated": t.Truncated, "row_limit": t.Request.RowLimit,
		"files": t.Files, "notes": t.Notes, "started_at": t.StartedAt, "finished_at": t.FinishedAt, "attempts": t.Attempts,
	}
	b, err := json.MarshalIndent(manifest, "", "  ")
	if err != nil {
		return err
	}
	dir := tr.taskDir(t.ID)
	path := filepath.Join(dir, t.Request.FileName+manifestSuffix)
	tmp := filepath.Join(dir, "."+t.Request.FileName+manifestSuffix+".tmp")
	if err := writeSynced(tmp, append(b, '\n')); err != nil {
		return err
	}
	if err := os.Link(tmp, path); err != nil {
		for _, p := range published {
			os.Remove(p)
		}
		return fmt.Errorf("publish %s: %w", path, err)
	}
	os.Remove(tmp)
	t.Manifest = path
	syncDir(dir)
	syncDir(tr.opts.Dir) // the task directory's own entry
	return nil
}

func zeroNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// summarize makes the histogram, summary counts and top users and countries
// of an HTML or PDF report in one pass over the columns, counting straight
// into the buckets of the window (the filter's, else the stored events').
// Memory is bounded whatever the row count: fixed buckets, and top lists
// from counters of at most topCapacity values each.
func summarize(ctx context.Context, e *Engine, snap Snapshot, res *resolvedExport, limit int64) ([]render.Bucket, []render.SummaryItem, []render.TopList, error) {
	const buckets = 48
	st := e.events.Stats()
	start, end := st.OldestEvent.UnixNano(), st.NewestEvent.UnixNano()+1
	if !res.lo.IsZero() {
		start = res.lo.UnixNano()
	}
	if !res.hi.IsZero() && res.hi.UnixNano() < end {
		end = res.hi.UnixNano() + 1
	}
	var counts []int64
	width := int64(0)
	if end > start {
		width = (end - start + buckets - 1) / buckets
		counts = make([]int64, buckets)
	}
	var failed, suspicious, n int64
	users := &distinctSet{exact: map[string]struct{}{}}
	topUsers, topCountries := newTopCounter(topCapacity), newTopCounter(topCapacity)
	_, err := snap.Scan(ctx, ScanRequest{Filter: res.compiled, Order: res.order, Limit: int(limit)}, func(a *Activity) error {
		n++
		topUsers.add(orNone(a.UserEmail))
		topCountries.add(orNone(a.Country))
		if a.Successful == TriFalse {
			failed++
		}
		if a.Suspicious == TriTrue {
			suspicious++
		}
		if a.UserEmail != "" {
			users.add(a.UserEmail)
		}
		if width > 0 {
			if i := (a.CreatedAt - start) / width; i >= 0 && i < buckets {
				counts[i]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	var hist []render.Bucket
	for i, c := range counts {
		hist = append(hist, render.Bucket{Start: time.Unix(0, start+int64(i)*width).UTC(), Count: c})
	}
	summary := []render.SummaryItem{
		{Label: "Events", Value: strconv.FormatInt(n, 10)},
		{Label: "Failed", Value: strconv.FormatInt(failed, 10)},
		{Label: "Suspicious", Value: strconv.FormatInt(suspicious, 10)},
		{Label: "Distinct users", Value: strconv.FormatInt(users.count(), 10)},
	}
	tops := []render.TopList{topUsers.list("Top users", "events", topShown), topCountries.list("Top countries", "events", topShown)}
	return hist, summary, tops, nil
}

// topCapacity bounds the values a report's top list counts one by one.
const topCapacity = 1000

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// scanPipelined reads activities on one goroutine and hands them to fn on
// this one in batches, so reading the store and formatting output use both
// cores. Activities point into immutable block data, so they may cross.
func scanPipelined(ctx context.Context, snap Snapshot, req ScanRequest, fn func(*Activity) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	const batch = 256
	batches := make(chan []Activity, 8)
	free := make(chan []Activity, 10)
	var scanErr error
	go func() {
		defer close(batches)
		cur := make([]Activity, 0, batch)
		_, scanErr = snap.Scan(ctx, req, func(a *Activity) error {
			cur = append(cur, *a)
			if len(cur) == batch {
				select {
				case batches <- cur:
				case <-ctx.Done():
					return ctx.Err()
				}
				select {
				case cur = <-free:
					cur = cur[:0]
				default:
					cur = make([]Activity, 0, batch)
				}
			}
			return nil
		})
		if scanErr == nil && len(cur) > 0 {
			select {
			case batches <- cur:
			case <-ctx.Done():
			}
		}
	}()
	var err error
	for b := range batches {
		if err != nil {
			continue // drain so the producer ends
		}
		for i := range b {
			if err = fn(&b[i]); err != nil {
				cancel()
				break
			}
		}
		clear(b)
		select {
		case free <- b:
		default:
		}
	}
	if err != nil {
		return err
	}
	return scanErr
}

// asyncHash computes SHA-256 on its own goroutine: hashing was an eighth of
// a CSV export's time on the writing goroutine.
type asyncHash struct {
	ch   chan []byte
	done chan []byte
	sum  []byte
	pool sync.Pool
}

func newAsyncHash() *asyncHash {
	a := &asyncHash{ch: make(chan []byte, 4), done: make(chan []byte, 1)}
	go func() {
		h := sha256.New()
		for b := range a.ch {
			h.Write(b)
			a.pool.Put(&b)
		}
		a.done <- h.Sum(nil)
	}()
	return a
}

func (a *asyncHash) Write(p []byte) (int, error) {
	var b []byte
	if v, ok := a.pool.Get().(*[]byte); ok && cap(*v) >= len(p) {
		b = (*v)[:len(p)]
	} else {
		b = make([]byte, len(p))
	}
	copy(b, p)
	a.ch <- b
	return len(p), nil
}

// Sum ends the stream and returns the digest; later calls return it again.
func (a *asyncHash) Sum() []byte {
	if a.sum == nil {
		close(a.ch)
		a.sum = <-a.done
	}
	return a.sum
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes the new names in a directory durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
