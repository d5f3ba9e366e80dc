package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/tui/viewkit"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/tui"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
)

var _ tui.View = (*Model)(nil)

// inTempDir makes a temp dir the working directory, so the export
// directory can be the relative "exports" and the paths on screen are the
// same on every run. Goldens are compared after restore.
func inTempDir(t *testing.T) (restore func()) {
	t.Helper()
	orig, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	restore = func() { os.Chdir(orig) }
	t.Cleanup(restore)
	return restore
}

type shot struct{ name, screen string }

// shoot takes the screen at 80x24 and 200x60 and leaves the program at 80x24.
func shoot(t *testing.T, tm *teatest.TestModel, name string) []shot {
	t.Helper()
	var out []shot
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		tm.Send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		s := snapshot(t, tm)
		checkScreen(t, s, sz[0], sz[1])
		out = append(out, shot{name: fmt.Sprintf("%s_%dx%d", name, sz[0], sz[1]), screen: s})
	}
	tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	return out
}

func compare(t *testing.T, shots []shot) {
	t.Helper()
	for _, s := range shots {
		t.Run(s.name, func(t *testing.T) { golden.RequireEqual(t, []byte(mask(s.screen))) })
	}
}

var failedLogins = core.ExportRequest{
	Type:   core.TypeActivity,
	Title:  "Failed logins",
	Filter: "event_type.eq(login),operation_successful.eq(false)",
	Columns: [][]string{{"created_at", "Time"}, {"user.user_email", "User"}, {"user_agent", "User agent"},
		{"client_location.region.name", "Region"}, {"extra.auth.auth_type", "Auth"}},
	Formats:  []string{"csv", "ndjson"},
	FileName: "failed-logins",
}

func TestTasksFinishedExportManifestAndPreview(t *testing.T) {
	e := newEnv(t, true)
	restore := inTempDir(t)
	tr, err := e.Eng.StartTasks(core.TaskOptions{Dir: "exports"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	task, err := tr.Submit(ctx, e.Alice, failedLogins)
	if err != nil {
		t.Fatal(err)
	}
	if task, err = tr.Wait(ctx, e.Alice, task.ID, 10*time.Millisecond, nil); err != nil || task.Status != core.TaskSucceeded {
		t.Fatalf("task %+v %v", task, err)
	}
	tm := run(t, e, New(e.Ctx))
	s := waitText(t, tm, "succeeded")
	// Each task writes into its own directory under the export directory.
	for _, want := range []string{"exports/" + task.ID + "/failed-logins.csv", "exports/" + task.ID + "/failed-logins.ndjson", "12 written", "failed-logins"} {
		if !strings.Contains(s, want) {
			t.Errorf("list lacks %q:\n%s", want, s)
		}
	}
	var shots []shot
	shots = append(shots, shoot(t, tm, "list")...)

	keys(tm, "enter")
	s = waitText(t, tm, "manifest exports/"+task.ID+"/failed-logins.m")
	if !strings.Contains(s, `"attempts": 1,`) {
		t.Errorf("manifest:\n%s", s)
	}
	shots = append(shots, shoot(t, tm, "manifest")...)
	keys(tm, "G")
	waitText(t, tm, `"task_id": "`+task.ID+`"`)
	keys(tm, "esc", "P")
	s = waitText(t, tm, "Preview of failed-logins.csv (csv) · 12 rows")
	// The hostile user agent is shown escaped, never raw.
	if !strings.Contains(s, `Mozilla/5.0 \x1b[2J`) {
		t.Errorf("preview does not show the escaped cell:\n%s", s)
	}
	shots = append(shots, shoot(t, tm, "preview")...)
	keys(tm, "right", "right")
	waitText(t, tm, "columns 3–")
	keys(tm, "esc")
	waitText(t, tm, "Files")
	restore()
	compare(t, shots)
}

func TestTasksPreviewNDJSON(t *testing.T) {
	e := newEnv(t, true)
	tr := e.StartTasks(t)
	ctx := context.Background()
	req := failedLogins
	req.Formats, req.FileName = []string{"ndjson"}, "only-ndjson"
	task, err := tr.Submit(ctx, e.Alice, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Wait(ctx, e.Alice, task.ID, 10*time.Millisecond, nil); err != nil {
		t.Fatal(err)
	}
	tm := run(t, e, New(e.Ctx))
	waitText(t, tm, "succeeded")
	keys(tm, "P")
	s := waitText(t, tm, "Preview of only-ndjson.ndjson (ndjson) · 12 rows")
	// NDJSON files hold the whole stored items: one column per member.
	if !strings.Contains(s, "event_id") {
		t.Errorf("ndjson preview:\n%s", s)
	}
	seen := false
	for range 14 {
		s = snapshot(t, tm)
		if strings.ContainsRune(s, '\x1b') {
			t.Fatalf("raw escape on screen:\n%q", s)
		}
		if strings.Contains(s, `Mozilla/5.0 \x1b[2J`) {
			seen = true
			break
		}
		keys(tm, "right")
	}
	if !seen {
		t.Errorf("the hostile user agent never showed (escaped)")
	}
}

// queuedTask submits a task to a runner whose workers are stopped, so it
// stays queued.
func queuedTask(t *testing.T, e *env) (*core.TaskRunner, core.Task) {
	t.Helper()
	tr := e.StartTasks(t)
	tr.Close()
	task, err := tr.Submit(context.Background(), e.Alice, failedLogins)
	if err != nil {
		t.Fatal(err)
	}
	return tr, task
}

func TestTasksCancelAndRetry(t *testing.T) {
	e := newEnv(t, true)
	tr, task := queuedTask(t, e)
	tm := run(t, e, New(e.Ctx))
	waitText(t, tm, "queued")
	keys(tm, "R")
	waitText(t, tm, "only failed or canceled tasks can be retried")
	keys(tm, "C")
	waitText(t, tm, "canceled by alice")
	got, err := tr.Get(context.Background(), e.Alice, task.ID)
	if err != nil || got.Status != core.TaskCanceled {
		t.Fatalf("after C: %+v %v", got, err)
	}
	waitText(t, tm, "canceled ")
	goldens(t, tm)
	keys(tm, "C")
	waitText(t, tm, "only queued or running tasks can be canceled")
	keys(tm, "R")
	waitText(t, tm, "queued again")
	got, err = tr.Get(context.Background(), e.Alice, task.ID)
	if err != nil || got.Status != core.TaskQueued {
		t.Fatalf("after R: %+v %v", got, err)
	}
	waitView(t, tm, "the list to show it queued", func(s string) bool { return strings.Contains(s, "▸ queued") && !strings.Contains(s, "canceled by") })
}

func TestTasksDeleteAsksFirst(t *testing.T) {
	e := newEnv(t, true)
	tr := e.StartTasks(t)
	ctx := context.Background()
	task, err := tr.Submit(ctx, e.Alice, failedLogins)
	if err != nil {
		t.Fatal(err)
	}
	if task, err = tr.Wait(ctx, e.Alice, task.ID, 10*time.Millisecond, nil); err != nil {
		t.Fatal(err)
	}
	tm := run(t, e, New(e.Ctx))
	waitText(t, tm, "succeeded")
	keys(tm, "D")
	waitText(t, tm, `"failed-logins" with its files? y/n`)
	keys(tm, "n")
	waitText(t, tm, "delete canceled")
	keys(tm, "D", "y")
	waitText(t, tm, "deleted with its files")
	waitText(t, tm, "no tasks")
	if _, err := tr.Get(ctx, e.Alice, task.ID); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("task still there: %v", err)
	}
	if _, err := os.Stat(task.Files[0].Path); !os.IsNotExist(err) {
		t.Fatalf("file still there: %v", err)
	}
}

// TestTasksViewerCannotDelete: a viewer cancels and retries their own
// exports but sees no delete, and the delete key only says why.
func TestTasksViewerCannotDelete(t *testing.T) {
	e := newEnv(t, false)
	tr, task := queuedTask(t, e)
	tm := run(t, e, New(e.Ctx))
	s := waitText(t, tm, "queued")
	footer := s[strings.LastIndex(s, "\n")+1:]
	if !strings.Contains(footer, "cancel") || !strings.Contains(footer, "retry") || strings.Contains(footer, "delete") {
		t.Errorf("a viewer's footer: %q (want cancel and retry, no delete)", footer)
	}
	keys(tm, "D")
	s = waitText(t, tm, "delete: your role can only view tasks")
	if strings.Contains(s, "y/n") {
		t.Fatal("a viewer was asked to confirm a delete")
	}
	goldens(t, tm)
	if got, err := tr.Get(context.Background(), e.Alice, task.ID); err != nil || got.Status != core.TaskQueued {
		t.Fatalf("a viewer's delete key changed the task: %+v %v", got, err)
	}
	keys(tm, "C")
	waitText(t, tm, "canceled")
	if got, err := tr.Get(context.Background(), e.Alice, task.ID); err != nil || got.Status != core.TaskCanceled {
		t.Fatalf("a viewer could not cancel their own task: %+v %v", got, err)
	}
}

func TestTasksProgressBarAndNoRunner(t *testing.T) {
	e := newEnv(t, true)
	m := New(e.Ctx)
	m.SetSize(80, 20)
	m.gen = 1
	m.Update(listMsg{view: m.id, gen: 1, err: errNoRunner})
	if !strings.Contains(m.View(), "no task runner") {
		t.Fatalf("no runner:\n%s", m.View())
	}
	m.gen = 2
	running := core.Task{ID: "1", Kind: "export", Status: core.TaskRunning, Done: 50, Total: 200,
		Request: core.ExportRequest{FileName: "big", Formats: []string{"csv"}}}
	m.Update(listMsg{view: m.id, gen: 2, tasks: []core.Task{running}})
	v := m.View()
	if !strings.Contains(v, "█") || !strings.Contains(v, "░") || !strings.Contains(v, "25%") || !strings.Contains(v, "50/200") {
		t.Fatalf("no progress bar:\n%s", v)
	}
	// A stale list (an older generation) is dropped.
	m.Update(listMsg{view: m.id, gen: 1, tasks: nil})
	if !strings.Contains(m.View(), "50/200") {
		t.Fatal("stale list applied")
	}
	// Progress notices are coalesced into one reload.
	m.Update(viewkit.ChangeMsg{View: m.id, C: core.Change{Kind: core.ChangeTasks}, OK: true})
	m.Update(viewkit.ChangeMsg{View: m.id, C: core.Change{Kind: core.ChangeTasks}, OK: true})
	if !m.live.Pending || m.gen != 2 {
		t.Fatalf("pending %v gen %d", m.live.Pending, m.gen)
	}
	m.Update(viewkit.RefreshMsg{View: m.id})
	if m.live.Pending || m.gen != 3 {
		t.Fatalf("pending %v gen %d", m.live.Pending, m.gen)
	}
}

func TestTasksPreviewReadsAtMost200RowsAndSanitises(t *testing.T) {
	e := newEnv(t, true)
	dir := t.TempDir()
	path := filepath.Join(dir, "big.csv")
	var b strings.Builder
	b.WriteString("id,text\n")
	for i := range 500 {
		fmt.Fprintf(&b, "%d,\"evil \x1b]52;c;AAAA\x07 \u009b row\"\n", i)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	m := New(e.Ctx)
	m.SetSize(80, 20)
	m.gen = 1
	// The preview reads the file the engine vouches for: a task of the
	// export directory, here one laid out flat as older versions wrote.
	if _, err := e.Eng.StartTasks(core.TaskOptions{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	task := core.Task{ID: "1", Status: core.TaskSucceeded, Owner: e.Alice.User, Files: []core.TaskFile{{Format: "csv", Name: "big.csv", Path: path, Bytes: int64(b.Len())}},
		Request: core.ExportRequest{FileName: "big"}}
	rec, _ := json.Marshal(task)
	if err := e.Eng.Objects().PutObject(context.Background(), "task", task.ID, rec); err != nil {
		t.Fatal(err)
	}
	m.Update(listMsg{view: m.id, gen: 1, tasks: []core.Task{task}})
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("P")})
	if cmd == nil || m.mode != modePreview {
		t.Fatal("P did not start a preview")
	}
	m.Update(cmd()) // the read runs in the Cmd
	if m.prev == nil || len(m.prev.rows) != previewRows || !m.prev.more {
		t.Fatalf("preview %+v", m.prev)
	}
	v := m.View()
	if strings.ContainsAny(v, "\x1b\x07\u009b") || !strings.Contains(v, `evil \x1b]52;c;AAAA\x07 \u009b row`) || !strings.Contains(v, "first 200 rows") {
		t.Fatalf("preview:\n%q", v)
	}
	// A preview answered after the user left is dropped.
	m.Update(tea.KeyMsg{Type: tea.KeyEsc})
	_, cmd = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("P")})
	msg := cmd()
	m.Update(tea.KeyMsg{Type: tea.KeyEsc})
	m.Update(msg)
	if m.mode != modeList {
		t.Fatal("stale preview reopened")
	}
	// Queued tasks have nothing to preview.
	m.tasks[0].Status = core.TaskQueued
	_, cmd = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("P")})
	if toast, ok := cmd().(tui.Toast); !ok || !toast.Error {
		t.Fatalf("P on a queued task: %#v", toast)
	}
}

// TestTasksPreviewOnlyTheTasksOwnFiles: a task record whose file path
// leaves the export directory is not read.
func TestTasksPreviewOnlyTheTasksOwnFiles(t *testing.T) {
	e := newEnv(t, true)
	if _, err := e.Eng.StartTasks(core.TaskOptions{Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "secret.csv")
	os.WriteFile(outside, []byte("secret\nhunter2\n"), 0o600)
	task := core.Task{ID: "2", Status: core.TaskSucceeded, Owner: e.Alice.User, Files: []core.TaskFile{{Format: "csv", Name: "x.csv", Path: outside}},
		Request: core.ExportRequest{FileName: "x"}}
	rec, _ := json.Marshal(task)
	if err := e.Eng.Objects().PutObject(context.Background(), "task", task.ID, rec); err != nil {
		t.Fatal(err)
	}
	m := New(e.Ctx)
	m.SetSize(80, 20)
	m.gen = 1
	m.Update(listMsg{view: m.id, gen: 1, tasks: []core.Task{task}})
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("P")})
	if cmd == nil {
		t.Fatal("P did not start a preview")
	}
	m.Update(cmd())
	// The record's path is not followed: the file of that name in the
	// task's directory is what is read, and there is none.
	if m.prev != nil || m.prevErr == "" || strings.Contains(m.View(), "hunter2") {
		t.Fatalf("preview of a file outside the export directory: %+v %q", m.prev, m.prevErr)
	}
}

// TestTasksShowHowToFetchFiles: a finished export's files come with how to
// get them: the session's copy command (scp over SSH) when it has one,
// the HTTP API's download otherwise.
func TestTasksShowHowToFetchFiles(t *testing.T) {
	e := newEnv(t, true)
	inTempDir(t)
	tr, err := e.Eng.StartTasks(core.TaskOptions{Dir: "exports"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	task, err := tr.Submit(ctx, e.Alice, failedLogins)
	if err != nil {
		t.Fatal(err)
	}
	if task, err = tr.Wait(ctx, e.Alice, task.ID, 10*time.Millisecond, nil); err != nil || task.Status != core.TaskSucceeded {
		t.Fatalf("task %+v %v", task, err)
	}
	tm := run(t, e, New(e.Ctx))
	tm.Send(tea.WindowSizeMsg{Width: 200, Height: 60})
	waitText(t, tm, "Get        GET /api/v2/report/"+task.ID+"/csv")
	waitText(t, tm, "           GET /api/v2/report/"+task.ID+"/ndjson")

	e2 := newEnv(t, true)
	e2.Ctx.Engine = e.Eng
	e2.Ctx.FetchCommand = func(id string) string { return "scp -P 2222 'alice@host:exports/" + id + "/*' ." }
	tm2 := run(t, e2, New(e2.Ctx))
	tm2.Send(tea.WindowSizeMsg{Width: 200, Height: 60})
	waitText(t, tm2, "Get        scp -P 2222 'alice@host:exports/"+task.ID+"/*' .")
}
