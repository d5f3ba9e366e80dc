package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
)

// TestTaskQuotaPerUser: a burst of exports from one user stops at the
// limit, whatever the concurrency, while other users are not held to it,
// the count survives a restart and ended tasks free their slot.
func TestTaskQuotaPerUser(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	opts := core.TaskOptions{Dir: filepath.Join(e.dir, "exports"), MaxActivePerUser: 3, MinFreeBytes: -1}
	tr, err := e.eng.StartTasks(opts)
	if err != nil {
		t.Fatal(err)
	}
	// A closed runner (as while the daemon drains) still queues but runs
	// nothing, so no task ends during the burst and frees its slot.
	tr.Close()
	ctx := context.Background()
	const burst = 40
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		accepted []string
		refused  []error
	)
	for i := range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			task, err := tr.Submit(ctx, bob, core.ExportRequest{Formats: []string{"csv"}, FileName: "full " + itoa(i)})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				refused = append(refused, err)
				return
			}
			accepted = append(accepted, task.ID)
		}()
	}
	wg.Wait()
	if len(accepted) != 3 {
		t.Fatalf("accepted %d of %d exports with a limit of 3", len(accepted), burst)
	}
	for _, err := range refused {
		if !errors.Is(err, core.ErrTooManyTasks) || !strings.Contains(err.Error(), "bob has 3 queued or running tasks, the limit is 3") {
			t.Fatalf("refusal: %v", err)
		}
	}
	if l, _ := tr.List(ctx, bob); len(l) != 3 {
		t.Fatalf("%d tasks recorded, want the 3 accepted", len(l))
	}
	// After a restart the queued tasks still count.
	tr, err = e.eng.StartTasks(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Submit(ctx, bob, core.ExportRequest{Formats: []string{"csv"}, FileName: "more"}); !errors.Is(err, core.ErrTooManyTasks) {
		t.Fatalf("after restart: %v", err)
	}
	// Another user has their own allowance.
	other, err := tr.Submit(ctx, alice, core.ExportRequest{Formats: []string{"csv"}, FileName: "mine"})
	if err != nil {
		t.Fatalf("alice refused because of bob: %v", err)
	}
	for _, id := range accepted {
		waitTask(t, tr, bob, id)
	}
	waitTask(t, tr, alice, other.ID)
	if _, err := tr.Submit(ctx, bob, core.ExportRequest{Formats: []string{"csv"}, FileName: "after"}); err != nil {
		t.Fatalf("bob refused after his tasks ended: %v", err)
	}
}

// TestTaskQuotaRetry: a canceled task frees its slot, and retrying is held
// to the same limit as submitting.
func TestTaskQuotaRetry(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	tr, err := e.eng.StartTasks(core.TaskOptions{Dir: filepath.Join(e.dir, "exports"), MaxActivePerUser: 1, MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	tr.Close() // tasks stay queued
	ctx := context.Background()
	first, err := tr.Submit(ctx, bob, core.ExportRequest{Formats: []string{"csv"}, FileName: "one"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Submit(ctx, bob, core.ExportRequest{Formats: []string{"csv"}, FileName: "two"}); !errors.Is(err, core.ErrTooManyTasks) {
		t.Fatalf("second task: %v", err)
	}
	if _, err := tr.Cancel(ctx, bob, first.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Submit(ctx, bob, core.ExportRequest{Formats: []string{"csv"}, FileName: "two"}); err != nil {
		t.Fatalf("the canceled task still counts: %v", err)
	}
	if _, err := tr.Retry(ctx, bob, first.ID); !errors.Is(err, core.ErrTooManyTasks) {
		t.Fatalf("retry beside an active task: %v", err)
	}
	if got, _ := tr.Get(ctx, bob, first.ID); got.Status != core.TaskCanceled {
		t.Fatalf("a refused retry changed the task: %+v", got)
	}
}

// TestTaskDiskFloor: below the free-space floor no export is queued, with
// an error that says why; without a floor the same request passes.
func TestTaskDiskFloor(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	ctx := context.Background()
	// No disk has an exabyte free: the floor is never met.
	tr, err := e.eng.StartTasks(core.TaskOptions{Dir: filepath.Join(e.dir, "exports"), MinFreeBytes: 1 << 60})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Submit(ctx, bob, core.ExportRequest{Formats: []string{"csv"}, FileName: "x"})
	if !errors.Is(err, core.ErrLowDisk) || !strings.Contains(err.Error(), "the floor is 1.0 EiB") {
		t.Fatalf("below the byte floor: %v", err)
	}
	if l, _ := tr.List(ctx, bob); len(l) != 0 {
		t.Fatalf("a refused export was recorded: %+v", l)
	}
	tr.Close()
	if _, err := e.eng.StartTasks(core.TaskOptions{Dir: filepath.Join(e.dir, "exports"), MinFreePercent: 100}); err == nil {
		t.Fatal("a floor of 100% accepted")
	}
	tr, err = e.eng.StartTasks(core.TaskOptions{Dir: filepath.Join(e.dir, "exports"), MinFreeBytes: -1, MinFreePercent: 99.999})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Submit(ctx, bob, core.ExportRequest{Formats: []string{"csv"}, FileName: "x"}); !errors.Is(err, core.ErrLowDisk) {
		t.Fatalf("below the percentage floor: %v", err)
	}
	tr.Close()
	tr, err = e.eng.StartTasks(core.TaskOptions{Dir: filepath.Join(e.dir, "exports"), MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	task, err := tr.Submit(ctx, bob, core.ExportRequest{Formats: []string{"csv"}, FileName: "x"})
	if err != nil {
		t.Fatalf("no floor: %v", err)
	}
	if got := waitTask(t, tr, bob, task.ID); got.Status != core.TaskSucceeded {
		t.Fatalf("task %+v", got)
	}
}

// TestExportNamesArePerTask: any user may use any file name, again and
// again; each task's files live in its own directory and go with it.
func TestExportNamesArePerTask(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	tr := e.startTasks(t)
	ctx := context.Background()
	var tasks []core.Task
	for _, a := range []core.Actor{alice, bob, alice} {
		task, err := tr.Submit(ctx, a, core.ExportRequest{Filter: "event_type.eq(login)", Formats: []string{"csv", "ndjson"}, FileName: "X"})
		if err != nil {
			t.Fatalf("%s: file name X: %v", a.User, err)
		}
		task = waitTask(t, tr, a, task.ID)
		if task.Status != core.TaskSucceeded {
			t.Fatalf("task %+v", task)
		}
		tasks = append(tasks, task)
	}
	for _, task := range tasks {
		owner := alice
		if task.Owner == bob.User {
			owner = bob
		}
		_, files, err := tr.Outputs(ctx, owner, task.ID)
		if err != nil || len(files) != 3 || files[2].Format != core.ManifestFormat {
			t.Fatalf("outputs of %s: %v %+v", task.ID, err, files)
		}
		for _, f := range files {
			if filepath.Dir(f.Path) != filepath.Join(tr.Dir(), task.ID) || !strings.HasPrefix(f.Name, "X.") {
				t.Errorf("%s: %+v", task.ID, f)
			}
			if _, err := os.Stat(f.Path); err != nil {
				t.Error(err)
			}
		}
		left, _ := filepath.Glob(filepath.Join(tr.Dir(), task.ID, ".*"))
		if len(left) != 0 {
			t.Errorf("temp files left: %v", left)
		}
	}
	if _, _, err := tr.Outputs(ctx, bob, tasks[0].ID); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("bob reads alice's outputs: %v", err)
	}
	if err := tr.Delete(ctx, alice, tasks[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(tr.Dir(), tasks[0].ID)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("delete left the task directory: %v", err)
	}
	if _, err := os.Stat(tasks[1].Files[0].Path); err != nil {
		t.Errorf("deleting alice's X removed bob's: %v", err)
	}
}

// TestLegacyFlatTaskFiles: a task written before per-task directories,
// with its files directly in the export directory, keeps its outputs and
// expires with them.
func TestLegacyFlatTaskFiles(t *testing.T) {
	dir := t.TempDir()
	e := openEnvAt(t, dir)
	ctx := context.Background()
	exports := filepath.Join(dir, "exports")
	os.MkdirAll(exports, 0o700)
	csvPath, manPath := filepath.Join(exports, "old.csv"), filepath.Join(exports, "old.manifest.json")
	os.WriteFile(csvPath, []byte("Time\n"), 0o600)
	os.WriteFile(manPath, []byte("{}\n"), 0o600)
	old := core.Task{ID: "41", Kind: "export", Status: core.TaskSucceeded, Owner: "alice", CreatedAt: fixtureNow, FinishedAt: fixtureNow,
		ExpiresAt: fixtureNow.Add(time1h), Request: core.ExportRequest{Type: core.TypeActivity, Formats: []string{"csv"}, FileName: "old"},
		Files: []core.TaskFile{{Format: "csv", Name: "old.csv", Path: csvPath, Bytes: 5}}, Manifest: manPath}
	b, _ := json.Marshal(old)
	if err := e.store.PutObject(ctx, "task", old.ID, b); err != nil {
		t.Fatal(err)
	}
	// A record pointing outside the export directory is not served.
	evil := old
	evil.ID, evil.Files = "40", []core.TaskFile{{Format: "csv", Name: "passwd", Path: "/etc/passwd"}}
	b, _ = json.Marshal(evil)
	e.store.PutObject(ctx, "task", evil.ID, b)
	tr := e.startTasks(t)
	_, files, err := tr.Outputs(ctx, alice, old.ID)
	if err != nil || len(files) != 2 || files[0].Path != csvPath || files[1].Path != manPath {
		t.Fatalf("legacy outputs: %v %+v", err, files)
	}
	if _, files, err := tr.Outputs(ctx, alice, evil.ID); err == nil && (len(files) == 0 || filepath.Dir(files[0].Path) != exports) {
		t.Fatalf("a path outside the export directory was returned: %+v", files)
	}
	// A data directory moved elsewhere: the record's absolute paths name
	// the old place; the files are found where the task's files are now.
	moved := old
	moved.ID = "42"
	moved.Files = []core.TaskFile{{Format: "csv", Name: "old.csv", Path: "/srv/auditdeck-before-restore/exports/old.csv", Bytes: 5}}
	moved.Manifest = "/srv/auditdeck-before-restore/exports/old.manifest.json"
	b, _ = json.Marshal(moved)
	e.store.PutObject(ctx, "task", moved.ID, b)
	if _, files, err := tr.Outputs(ctx, alice, moved.ID); err != nil || len(files) != 2 || files[0].Path != csvPath || files[1].Path != manPath {
		t.Fatalf("outputs of a moved data directory: %v %+v", err, files)
	}
	// The name of a legacy file can be used again; the new task does not
	// touch the old file.
	task, err := tr.Submit(ctx, alice, core.ExportRequest{Formats: []string{"csv"}, FileName: "old"})
	if err != nil {
		t.Fatal(err)
	}
	if got := waitTask(t, tr, alice, task.ID); got.Status != core.TaskSucceeded {
		t.Fatalf("task %+v", got)
	}
	if b, _ := os.ReadFile(csvPath); string(b) != "Time\n" {
		t.Fatalf("legacy file changed: %q", b)
	}
	e.clock.set(fixtureNow.Add(2 * time1h))
	tr.Sweep(ctx)
	for _, p := range []string{csvPath, manPath} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left after expiry: %v", p, err)
		}
	}
}

// TestAuditReportNeedsAdmin: the operator audit trail is exported,
// generated and subscribed to by admins only, and a subscription whose
// owner is no longer an admin stops producing it.
func TestAuditReportNeedsAdmin(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	admins := map[string]bool{"root": true}
	var adminsMu sync.Mutex
	tr, err := e.eng.StartTasks(core.TaskOptions{Dir: filepath.Join(e.dir, "exports"), MinFreeBytes: -1, IsAdmin: func(u string) bool {
		adminsMu.Lock()
		defer adminsMu.Unlock()
		return admins[u]
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req := core.ExportRequest{Type: core.TypeAudit, Formats: []string{"csv"}, FileName: "trail"}
	if _, err := tr.Submit(ctx, bob, req); !errors.Is(err, core.ErrForbidden) || !strings.Contains(err.Error(), "admin") {
		t.Fatalf("viewer export of the audit trail: %v", err)
	}
	if l, _ := tr.List(ctx, bob); len(l) != 0 {
		t.Fatalf("a refused export was recorded: %+v", l)
	}
	task, err := tr.Submit(ctx, root, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := waitTask(t, tr, root, task.ID); got.Status != core.TaskSucceeded {
		t.Fatalf("admin export %+v", got)
	}
	def, err := e.eng.CreateReport(ctx, root, core.DefinedReport{Title: "trail", Type: core.TypeAudit})
	if err != nil {
		t.Fatal(err)
	}
	var audit core.DefinedReport
	reports, _ := e.eng.ListReports(ctx, alice)
	for _, r := range reports {
		if r.Predefined && r.Type == core.TypeAudit {
			audit = r
		}
	}
	if audit.ID == "" {
		t.Fatal("no predefined audit report")
	}
	if _, err := e.eng.Subscribe(ctx, alice, core.SubscribeRequest{DefinedReportID: audit.ID, Period: "day"}); !errors.Is(err, core.ErrForbidden) {
		t.Fatalf("non-admin subscription to the audit trail: %v", err)
	}
	sub, err := e.eng.Subscribe(ctx, root, core.SubscribeRequest{DefinedReportID: def.ID, Period: "day"})
	if err != nil {
		t.Fatal(err)
	}
	run, err := e.eng.RunSubscriptionNow(ctx, root, sub.ID)
	if err != nil || run.Error != "" {
		t.Fatalf("admin's scheduled audit report: %v %+v", err, run)
	}
	// root loses the admin role: the next period is refused.
	adminsMu.Lock()
	admins["root"] = false
	adminsMu.Unlock()
	e.clock.set(fixtureNow.Add(48 * time1h))
	run, err = e.eng.RunSubscriptionNow(ctx, root, sub.ID)
	if err == nil && !strings.Contains(run.Error, "admin") {
		t.Fatalf("scheduled audit report for a former admin: %+v", run)
	}
}

// TestAdminCannotSubscribeViewerToAuditTrail: user_id hands the schedule
// to its owner, so the audit trail's admin rule applies to the owner, not
// to the admin who filed the subscription.
func TestAdminCannotSubscribeViewerToAuditTrail(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	if _, err := e.eng.StartTasks(core.TaskOptions{Dir: filepath.Join(e.dir, "exports"), MinFreeBytes: -1,
		IsAdmin: func(u string) bool { return u == "root" || u == "ada" }}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var audits []string
	reports, _ := e.eng.ListReports(ctx, root)
	for _, r := range reports {
		if r.Predefined && r.Type == core.TypeAudit {
			audits = append(audits, r.ID)
		}
	}
	if !slices.Contains(audits, "5") || !slices.Contains(audits, "10") || !slices.Contains(audits, "11") {
		t.Fatalf("predefined audit reports %v, want 5, 10 and 11 among them", audits)
	}
	for _, id := range audits {
		if _, err := e.eng.Subscribe(ctx, root, core.SubscribeRequest{DefinedReportID: id, Period: "day", Owner: "bob"}); !errors.Is(err, core.ErrForbidden) {
			t.Errorf("admin subscribed viewer bob to audit report %s: %v", id, err)
		}
	}
	if l, _ := e.eng.ListSubscriptions(ctx, bob); len(l) != 0 {
		t.Fatalf("refused subscriptions were recorded: %+v", l)
	}
	// Another admin may be given it.
	if _, err := e.eng.Subscribe(ctx, root, core.SubscribeRequest{DefinedReportID: "5", Period: "day", Owner: "ada"}); err != nil {
		t.Errorf("admin subscribing admin ada to the audit trail: %v", err)
	}
	// Non-audit reports are still handed to viewers.
	if _, err := e.eng.Subscribe(ctx, root, core.SubscribeRequest{DefinedReportID: "6", Period: "day", Owner: "bob"}); err != nil {
		t.Errorf("admin subscribing bob to report 6: %v", err)
	}
}

// TestRunNowCountsAgainstTheLimit: "run now" on a subscription is a report
// the user asked for, so it counts against their task limit as an export
// does (without it, many subscriptions queued past the limit).
func TestRunNowCountsAgainstTheLimit(t *testing.T) {
	e := newEnv(t)
	e.ingestFixture(t)
	tr, err := e.eng.StartTasks(core.TaskOptions{Dir: filepath.Join(e.dir, "exports"), MaxActivePerUser: 1, MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	tr.Close() // the first task stays queued
	ctx := context.Background()
	if _, err := tr.Submit(ctx, bob, core.ExportRequest{Formats: []string{"csv"}, FileName: "first"}); err != nil {
		t.Fatal(err)
	}
	sub, err := e.eng.Subscribe(ctx, bob, core.SubscribeRequest{DefinedReportID: "18", Period: "day"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := e.eng.RunSubscriptionNow(ctx, bob, sub.ID); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, core.ErrTooManyTasks) {
			t.Fatalf("run now past the limit: %v, want ErrTooManyTasks", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run now past the limit was queued (it waits for a runner that runs nothing)")
	}
}
