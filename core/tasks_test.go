package core_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/xuri/excelize/v2"
)

func (e *env) startTasks(t *testing.T) *core.TaskRunner {
	t.Helper()
	tr, err := e.eng.StartTasks(core.TaskOptions{Dir: filepath.Join(e.dir, "exports")})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func waitTask(t *testing.T, tr *core.TaskRunner, a core.Actor, id string) core.Task {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	task, err := tr.Wait(ctx, a, id, 10*time.Millisecond, nil)
	if err != nil {
		t.Fatalf("wait %s: %v", id, err)
	}
	return task
}

func TestExportEveryFormat(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	tr := e.startTasks(t)
	ctx := context.Background()
	filter := "created_at.ge(2026-10-02)"
	f, _ := query.ParseDSL(filter)
	want, err := e.eng.Count(ctx, f)
	if err != nil || want < 100 {
		t.Fatalf("count %d %v", want, err)
	}
	task, err := tr.Submit(ctx, alice, core.ExportRequest{Filter: filter, Formats: []string{"csv", "ndjson", "json", "html", "pdf", "xlsx"}, FileName: "october", Title: "October <b>activity</b>"})
	if err != nil {
		t.Fatal(err)
	}
	if task.Total != want || task.Status != core.TaskQueued {
		t.Fatalf("submitted %+v", task)
	}
	task = waitTask(t, tr, alice, task.ID)
	if task.Status != core.TaskSucceeded || task.Done != want || task.Total != want || len(task.Files) != 6 || task.Manifest == "" {
		t.Fatalf("task %+v", task)
	}
	byFormat := map[string]core.TaskFile{}
	for _, f := range task.Files {
		byFormat[f.Format] = f
		st, err := os.Stat(f.Path)
		if err != nil || st.Size() != f.Bytes || len(f.SHA256) != 64 || filepath.Dir(f.Path) != filepath.Join(tr.Dir(), task.ID) {
			t.Errorf("%s: %v %+v", f.Format, err, f)
		}
	}
	// CSV parses, with a header and one row per event, formulas neutralised.
	fh, _ := os.Open(byFormat["csv"].Path)
	recs, err := csv.NewReader(fh).ReadAll()
	fh.Close()
	if err != nil || int64(len(recs)) != want+1 || recs[0][0] != "Time" {
		t.Fatalf("csv: %v %d rows", err, len(recs))
	}
	for _, r := range recs[1:] {
		for _, c := range r {
			if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
				t.Errorf("csv cell not neutralised: %q", c)
			}
		}
	}
	// NDJSON and JSON decode to the same number of events.
	fh, _ = os.Open(byFormat["ndjson"].Path)
	sc := bufio.NewScanner(fh)
	sc.Buffer(nil, 1<<20)
	n := int64(0)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil || m["event_id"] == nil {
			t.Fatalf("ndjson line: %v", err)
		}
		n++
	}
	fh.Close()
	if n != want {
		t.Errorf("ndjson %d rows, want %d", n, want)
	}
	b, _ := os.ReadFile(byFormat["json"].Path)
	var arr []map[string]any
	if err := json.Unmarshal(b, &arr); err != nil || int64(len(arr)) != want {
		t.Errorf("json: %v %d", err, len(arr))
	}
	// HTML: the title is escaped, no script from event fields survives.
	b, _ = os.ReadFile(byFormat["html"].Path)
	html := string(b)
	if !strings.Contains(html, "October &lt;b&gt;activity&lt;/b&gt;") || strings.Contains(strings.ToLower(html), "<script") || !strings.Contains(html, "<svg") {
		t.Errorf("html not escaped or incomplete")
	}
	if got := int64(strings.Count(html, "<tr")); got < want {
		t.Errorf("html has %d rows, want %d", got, want)
	}
	// XLSX opens and holds the rows.
	x, err := excelize.OpenFile(byFormat["xlsx"].Path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("Report")
	x.Close()
	if err != nil || int64(len(rows)) != want+1 {
		t.Errorf("xlsx: %v %d rows", err, len(rows))
	}
	// PDF exists and looks like one.
	b, _ = os.ReadFile(byFormat["pdf"].Path)
	if !strings.HasPrefix(string(b), "%PDF-") {
		t.Errorf("pdf header %q", b[:8])
	}
	// The manifest records the request, window and checksums.
	var man map[string]any
	b, _ = os.ReadFile(task.Manifest)
	if err := json.Unmarshal(b, &man); err != nil || man["record_total_num"] != float64(want) || man["filter"] != filter {
		t.Errorf("manifest: %v %v", err, man)
	}
	if rw, ok := man["resolved_window"].(map[string]any); !ok || rw["start"] != "2026-10-02T00:00:00Z" {
		t.Errorf("window: %v", man["resolved_window"])
	}
	// No temp files remain.
	left, _ := filepath.Glob(filepath.Join(tr.Dir(), task.ID, ".*"))
	if len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}
	// Owners only.
	if _, err := tr.Get(ctx, bob, task.ID); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("bob sees alice's task: %v", err)
	}
	if l, _ := tr.List(ctx, root); len(l) != 1 {
		t.Errorf("admin lists %d", len(l))
	}
}

func TestExportFileNames(t *testing.T) {
	for _, bad := range []string{"", "  ", "../etc/passwd", "a/b", `a\b`, "..", ".hidden", "-rf", "a\x00b", "a\nb", "x\x1b[2J", strings.Repeat("a", 129), "con:", "a*b", "a|b", " lead",
		"report\u202eslx.exe", "adm\u200bin", "a\u2066b", "a\ufeffb", "a\U000e0041b"} {
		if _, err := core.ValidateFileName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for in, want := range map[string]string{"report": "report", "report.csv": "report", "Q3 logins — Zürich": "Q3 logins — Zürich", "a.b": "a.b", "x.PDF": "x"} {
		if got, err := core.ValidateFileName(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
}

func TestExportRowLimitAndGrouped(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	tr := e.startTasks(t)
	ctx := context.Background()
	task, err := tr.Submit(ctx, alice, core.ExportRequest{Filter: "event_type.eq(login)", Formats: []string{"csv"}, FileName: "capped", RowLimit: 10})
	if err != nil {
		t.Fatal(err)
	}
	task = waitTask(t, tr, alice, task.ID)
	if task.Status != core.TaskSucceeded || task.Done != 10 || !task.Truncated {
		t.Fatalf("capped: %+v", task)
	}
	b, _ := os.ReadFile(task.Manifest)
	if !strings.Contains(string(b), `"truncated": true`) {
		t.Errorf("manifest does not say it cut: %s", b)
	}
	// A grouped report: one row per vendor/service, counts summing to the total.
	g := &core.GroupSpec{By: []string{"vendor.name", "vendor.service"}, Aggregates: []core.Aggregate{
		{Kind: core.AggCount, Label: "Events"}, {Kind: core.AggCountIf, Filter: "operation_successful.eq(false)", Label: "Failed"},
		{Kind: core.AggDistinct, Field: "user.user_email", Label: "Users"}, {Kind: core.AggMaxTime, Label: "Last"}}}
	task, err = tr.Submit(ctx, alice, core.ExportRequest{Formats: []string{"csv", "json"}, FileName: "by-vendor", GroupBy: g})
	if err != nil {
		t.Fatal(err)
	}
	task = waitTask(t, tr, alice, task.ID)
	if task.Status != core.TaskSucceeded {
		t.Fatalf("grouped: %+v", task)
	}
	fh, _ := os.Open(task.Files[0].Path)
	recs, err := csv.NewReader(fh).ReadAll()
	fh.Close()
	if err != nil || len(recs) < 4 || strings.Join(recs[0], ",") != "vendor.name,vendor.service,Events,Failed,Users,Last" {
		t.Fatalf("grouped csv: %v %v", err, recs)
	}
	total, failed := 0, 0
	for _, r := range recs[1:] {
		total += atoi(t, r[2])
		failed += atoi(t, r[3])
	}
	all, _ := e.eng.Count(ctx, query.Filter{})
	f, _ := query.ParseDSL("operation_successful.eq(false)")
	nf, _ := e.eng.Count(ctx, f)
	if int64(total) != all || int64(failed) != nf {
		t.Errorf("grouped sums %d/%d, want %d/%d", total, failed, all, nf)
	}
}

func atoi(t *testing.T, s string) int {
	n, err := strconvAtoi(s)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}

func TestExportCancelLeavesNoFile(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	tr, err := e.eng.StartTasks(core.TaskOptions{Dir: filepath.Join(e.dir, "exports"), Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// The first task occupies the only worker; the second is canceled while queued,
	// then a third is canceled while running (PDF of the whole fixture is slow enough
	// only sometimes, so either state must end canceled with no file).
	t1, _ := tr.Submit(ctx, alice, core.ExportRequest{Formats: []string{"pdf", "xlsx", "html"}, FileName: "big"})
	t2, err := tr.Submit(ctx, alice, core.ExportRequest{Formats: []string{"csv"}, FileName: "second"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Cancel(ctx, alice, t2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Cancel(ctx, bob, t1.ID); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("bob canceled alice's task: %v", err)
	}
	c1, err := tr.Cancel(ctx, alice, t1.ID)
	if err != nil && !errors.Is(err, core.ErrConflict) {
		t.Fatal(err)
	}
	_ = c1
	t1 = waitTask(t, tr, alice, t1.ID)
	t2 = waitTask(t, tr, alice, t2.ID)
	if t2.Status != core.TaskCanceled {
		t.Errorf("queued task: %s", t2.Status)
	}
	if t1.Status == core.TaskCanceled {
		if _, err := os.Stat(filepath.Join(tr.Dir(), t1.ID)); err == nil {
			t.Errorf("files of %s exist after cancel", t1.ID)
		}
	}
	if _, err := os.Stat(filepath.Join(tr.Dir(), t2.ID)); err == nil {
		t.Errorf("files of %s exist after cancel", t2.ID)
	}
	left, _ := filepath.Glob(filepath.Join(tr.Dir(), ".*"))
	if len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}
	// A canceled task can be retried and then succeeds.
	t2, err = tr.Retry(ctx, alice, t2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if t2 = waitTask(t, tr, alice, t2.ID); t2.Status != core.TaskSucceeded {
		t.Fatalf("retry: %+v", t2)
	}
	if err := tr.Delete(ctx, alice, t2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(tr.Dir(), t2.ID)); err == nil {
		t.Error("delete left the task's directory")
	}
}

func TestInterruptedTaskIsRerun(t *testing.T) {
	dir := t.TempDir()
	e := openEnvAt(t, dir)
	e.ingestFixture(t)
	ctx := context.Background()
	exports := filepath.Join(dir, "exports")
	os.MkdirAll(exports, 0o700)
	// A crash left a task "running" with a partial file.
	task := core.Task{ID: "42", Kind: "export", Status: core.TaskRunning, Owner: "alice", Attempts: 1, CreatedAt: fixtureNow,
		Request: core.ExportRequest{Type: core.TypeActivity, Formats: []string{"csv"}, FileName: "crashed", Filter: "event_type.eq(login)"}}
	b, _ := json.Marshal(task)
	if err := e.store.PutObject(ctx, "task", "42", b); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(exports, ".crashed.csv.tmp-42"), []byte("partial"), 0o600)
	tr := e.startTasks(t)
	got := waitTask(t, tr, alice, "42")
	if got.Status != core.TaskSucceeded || got.Attempts != 2 {
		t.Fatalf("rerun: %+v", got)
	}
	if _, err := os.Stat(filepath.Join(exports, ".crashed.csv.tmp-42")); err == nil {
		t.Error("partial file left")
	}
	// One interrupted too often is failed, never left running.
	task.ID, task.Attempts, task.Request.FileName = "43", 3, "again"
	b, _ = json.Marshal(task)
	e.store.PutObject(ctx, "task", "43", b)
	tr.Close()
	tr = e.startTasks(t)
	got, err := tr.Get(ctx, alice, "43")
	if err != nil || got.Status != core.TaskFailed || !strings.Contains(got.Error, "interrupted") {
		t.Fatalf("too many attempts: %v %+v", err, got)
	}
}

func TestAuditAndConsumptionExports(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	tr := e.startTasks(t)
	ctx := context.Background()
	if _, err := e.eng.CreateReport(ctx, alice, core.DefinedReport{Title: "x", QueryFilter: "event_type.eq(login)"}); err != nil {
		t.Fatal(err)
	}
	task, err := tr.Submit(ctx, root, core.ExportRequest{Type: core.TypeAudit, Filter: "action.eq(report.create)", Formats: []string{"ndjson"}, FileName: "audit"})
	if err != nil {
		t.Fatal(err)
	}
	task = waitTask(t, tr, root, task.ID)
	b, _ := os.ReadFile(task.Files[0].Path)
	if task.Status != core.TaskSucceeded || task.Done != 1 || !strings.Contains(string(b), `"user":"alice"`) {
		t.Fatalf("audit export %+v: %s", task, b)
	}
	task, err = tr.Submit(ctx, root, core.ExportRequest{Type: core.TypeConsumption, Formats: []string{"csv"}, FileName: "usage"})
	if err != nil {
		t.Fatal(err)
	}
	task = waitTask(t, tr, root, task.ID)
	if task.Status != core.TaskSucceeded || task.Done < 30 {
		t.Fatalf("consumption export %+v", task)
	}
}

func TestFinishedTasksExpire(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	tr := e.startTasks(t)
	ctx := context.Background()
	task, err := tr.Submit(ctx, alice, core.ExportRequest{Formats: []string{"csv"}, FileName: "old"})
	if err != nil {
		t.Fatal(err)
	}
	task = waitTask(t, tr, alice, task.ID)
	if task.Status != core.TaskSucceeded || !task.ExpiresAt.Equal(task.FinishedAt.Add(30*24*time.Hour)) {
		t.Fatalf("task %+v", task)
	}
	e.clock.set(e.clock.now().Add(29 * 24 * time.Hour))
	tr.Sweep(ctx)
	if _, err := tr.Get(ctx, alice, task.ID); err != nil {
		t.Fatalf("expired early: %v", err)
	}
	e.clock.set(e.clock.now().Add(2 * 24 * time.Hour))
	tr.Sweep(ctx)
	if _, err := tr.Get(ctx, alice, task.ID); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("not expired: %v", err)
	}
	for _, f := range append(task.Files, core.TaskFile{Path: task.Manifest}) {
		if _, err := os.Stat(f.Path); err == nil {
			t.Errorf("%s left after expiry", f.Path)
		}
	}
}

// TestExportHoldsWhatTheViewShowed: an export pinned to a view's commit
// leaves out events ingested after the view read its rows.
func TestExportHoldsWhatTheViewShowed(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	tr := e.startTasks(t)
	ctx := context.Background()
	pin := e.eng.Pin()
	shown, _ := e.eng.Count(ctx, query.Filter{})
	late := `{"event_id":"late-1","created_at":"2026-10-15T00:00:00Z","event_type":"login"}` + "\n" +
		`{"event_id":"late-2","created_at":"2026-10-16T00:00:00Z","event_type":"login"}` + "\n"
	if _, err := e.eng.Ingest(ctx, strings.NewReader(late), core.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	task, err := tr.Submit(ctx, alice, core.ExportRequest{Formats: []string{"ndjson"}, FileName: "as-shown", Pin: pin})
	if err != nil {
		t.Fatal(err)
	}
	task = waitTask(t, tr, alice, task.ID)
	b, _ := os.ReadFile(task.Files[0].Path)
	if task.Done != shown || task.Total != shown || strings.Contains(string(b), "late-1") {
		t.Fatalf("pinned export wrote %d of %d rows (late events included: %v)", task.Done, shown, strings.Contains(string(b), "late-1"))
	}
}
