package sshserve

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// exportFor runs an export as user and waits for it.
func exportFor(t *testing.T, tr *core.TaskRunner, user, name string) core.Task {
	t.Helper()
	a := core.Actor{User: user}
	task, err := tr.Submit(context.Background(), a, core.ExportRequest{Filter: "event_type.eq(login)", Formats: []string{"csv", "ndjson"}, FileName: name})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	task, err = tr.Wait(ctx, a, task.ID, 10*time.Millisecond, nil)
	if err != nil || task.Status != core.TaskSucceeded {
		t.Fatalf("export %s: %+v %v", name, task, err)
	}
	return task
}

func fileOf(t *testing.T, task core.Task, format string) core.TaskFile {
	t.Helper()
	for _, f := range task.Files {
		if f.Format == format {
			return f
		}
	}
	t.Fatalf("task %s has no %s file", task.ID, format)
	return core.TaskFile{}
}

func sftpClient(t *testing.T, c *ssh.Client) *sftp.Client {
	t.Helper()
	sc, err := sftp.NewClient(c)
	if err != nil {
		t.Fatalf("sftp: %v", err)
	}
	t.Cleanup(func() { sc.Close() })
	return sc
}

// startExports is a server whose engine has a task runner with one
// finished export of bob's (a viewer) and one of alice's.
func startExports(t *testing.T) (ts *testServer, ppl people, bobTask, aliceTask core.Task) {
	t.Helper()
	eng := newEngine(t)
	tr, err := eng.StartTasks(core.TaskOptions{Dir: filepath.Join(t.TempDir(), "exports")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	bobTask = exportFor(t, tr, "bob", "bob-logins")
	aliceTask = exportFor(t, tr, "alice", "alice-logins")
	ppl = newPeople(t)
	users, _ := ppl.usersFile(t)
	ts = startServer(t, eng, users, nil)
	return ts, ppl, bobTask, aliceTask
}

// TestSFTPExports: over sftp a user lists and downloads their own
// exports; another user's files, paths outside the tree and every change
// are refused, for an admin too.
func TestSFTPExports(t *testing.T) {
	ts, ppl, bobTask, aliceTask := startExports(t)
	bobCSV := fileOf(t, bobTask, "csv")
	sc := sftpClient(t, ts.mustDial(t, ppl.bob))

	ents, err := sc.ReadDir("exports")
	if err != nil || len(ents) != 1 || ents[0].Name() != bobTask.ID || !ents[0].IsDir() {
		t.Fatalf("bob's exports/: %v %v", names(ents), err)
	}
	ents, err = sc.ReadDir("exports/" + bobTask.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bob-logins.csv", "bob-logins.ndjson", "bob-logins.manifest.json"}
	if got := names(ents); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("bob's task directory: %v, want %v", got, want)
	}
	got := readAll(t, sc, "exports/"+bobTask.ID+"/bob-logins.csv")
	if disk, _ := os.ReadFile(bobCSV.Path); !bytes.Equal(got, disk) || len(got) == 0 {
		t.Errorf("downloaded %d bytes, the file has %d", len(got), len(disk))
	}
	if st, err := sc.Stat("exports/" + bobTask.ID + "/bob-logins.csv"); err != nil || st.Size() != bobCSV.Bytes || st.Mode().Perm()&0o222 != 0 {
		t.Errorf("stat: %v %v", st, err)
	}

	// Alice's export is as absent for bob as a made-up one.
	for _, p := range []string{
		"exports/" + aliceTask.ID + "/alice-logins.csv",
		"exports/" + aliceTask.ID,
		"exports/" + bobTask.ID + "/../" + aliceTask.ID + "/alice-logins.csv",
		"exports/" + bobTask.ID + "/../../../../../../etc/passwd",
		"../../../../etc/passwd",
		"/etc/passwd",
		"exports/" + bobTask.ID + "/" + filepath.Base(filepath.Dir(bobCSV.Path)),
		"exports/" + bobTask.ID + "/bob-logins.csv/x",
	} {
		f, err := sc.Open(p)
		if err == nil {
			f.Close()
			t.Errorf("bob opened %s", p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("bob opening %s: %v, want does not exist", p, err)
		}
	}
	if _, err := sc.ReadDir("exports/" + aliceTask.ID); err == nil {
		t.Error("bob listed alice's task")
	}

	// Nothing can be changed.
	if f, err := sc.Create("exports/" + bobTask.ID + "/new.csv"); err == nil {
		f.Close()
		t.Error("an upload was accepted")
	} else if !errors.Is(err, fs.ErrPermission) {
		t.Errorf("upload: %v, want permission denied", err)
	}
	if f, err := sc.OpenFile("exports/"+bobTask.ID+"/bob-logins.csv", os.O_WRONLY|os.O_TRUNC); err == nil {
		f.Close()
		t.Error("an existing export was opened for writing")
	}
	for what, err := range map[string]error{
		"remove": sc.Remove("exports/" + bobTask.ID + "/bob-logins.csv"),
		"rename": sc.Rename("exports/"+bobTask.ID+"/bob-logins.csv", "exports/"+bobTask.ID+"/x.csv"),
		"mkdir":  sc.Mkdir("exports/x"),
		"chmod":  sc.Chmod("exports/"+bobTask.ID+"/bob-logins.csv", 0o666),
	} {
		if !errors.Is(err, fs.ErrPermission) {
			t.Errorf("%s: %v, want permission denied", what, err)
		}
	}
	if disk, err := os.ReadFile(bobCSV.Path); err != nil || !bytes.Equal(disk, got) {
		t.Errorf("the export changed on disk: %v", err)
	}

	// carol is an admin: over SSH she too gets her own files only (the
	// issue: "read-only, own files only"); the API serves admins the rest.
	admin := sftpClient(t, ts.mustDial(t, ppl.carol))
	if ents, err := admin.ReadDir("exports"); err != nil || len(ents) != 0 {
		t.Errorf("the admin's exports/: %v %v", names(ents), err)
	}
	if _, err := admin.Open("exports/" + aliceTask.ID + "/alice-logins.csv"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the admin opened alice's export: %v, want not found", err)
	}
	dl := ts.audit(t, "export.download")
	if len(dl) != 1 || dl[0].User != "bob" || dl[0].Detail["file"] != "bob-logins.csv" {
		t.Errorf("downloads audited: %+v", dl)
	}
}

// TestOpenSSHScpExports: OpenSSH's own scp, over SFTP (its default since
// OpenSSH 9) and in the legacy protocol (-O, what older clients speak),
// copies a user's export; another user's file, a path outside the exports
// and an upload fail.
func TestOpenSSHScpExports(t *testing.T) {
	scpBin, err := exec.LookPath("scp")
	if err != nil {
		t.Skip("scp is not installed (Debian package openssh-client)")
	}
	ts, ppl, bobTask, aliceTask := startExports(t)
	keyFile := writeKeyFile(t, ppl.bob, "bob")
	_, port, _ := strings.Cut(ts.addr, ":")
	for _, mode := range []string{"sftp", "legacy"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			scp := func(args ...string) (int, string) {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				opts := []string{"-F", "/dev/null", "-P", port,
					"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
					"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-i", keyFile}
				if mode == "legacy" {
					opts = append(opts, "-O")
				}
				cmd := exec.CommandContext(ctx, scpBin, append(opts, args...)...)
				cmd.Dir = dir
				out, err := cmd.CombinedOutput()
				var ee *exec.ExitError
				if err != nil && !errors.As(err, &ee) {
					t.Fatalf("run scp: %v", err)
				}
				return cmd.ProcessState.ExitCode(), string(out)
			}
			src := "bob@127.0.0.1:exports/" + bobTask.ID + "/bob-logins.csv"
			if code, out := scp(src, "."); code != 0 {
				t.Fatalf("scp of bob's export: exit %d: %s", code, out)
			}
			got, err := os.ReadFile(filepath.Join(dir, "bob-logins.csv"))
			disk, _ := os.ReadFile(fileOf(t, bobTask, "csv").Path)
			if err != nil || !bytes.Equal(got, disk) {
				t.Fatalf("the copy differs from the export: %v", err)
			}
			if code, out := scp("bob@127.0.0.1:exports/"+bobTask.ID+"/*.ndjson", "."); code != 0 {
				t.Errorf("scp of a pattern: exit %d: %s", code, out)
			} else if _, err := os.Stat(filepath.Join(dir, "bob-logins.ndjson")); err != nil {
				t.Errorf("the pattern copied nothing: %v", err)
			}
			if code, out := scp("-r", "bob@127.0.0.1:exports/"+bobTask.ID, "."); code != 0 {
				t.Errorf("scp -r of the task's directory: exit %d: %s", code, out)
			} else if _, err := os.Stat(filepath.Join(dir, bobTask.ID, "bob-logins.manifest.json")); err != nil {
				t.Errorf("scp -r copied no manifest: %v", err)
			}
			if code, out := scp("bob@127.0.0.1:exports/"+aliceTask.ID+"/alice-logins.csv", "."); code == 0 || !strings.Contains(out, "o such") {
				t.Errorf("scp of alice's export as bob: exit %d: %s", code, out)
			}
			if code, out := scp("bob@127.0.0.1:exports/../../../etc/passwd", "."); code == 0 {
				t.Errorf("scp of a path outside the exports: exit %d: %s", code, out)
			}
			if _, err := os.Stat(filepath.Join(dir, "alice-logins.csv")); err == nil {
				t.Error("alice's export was copied")
			}
			if _, err := os.Stat(filepath.Join(dir, "passwd")); err == nil {
				t.Error("a file from outside the exports was copied")
			}
			if code, out := scp(filepath.Join(dir, "bob-logins.csv"), "bob@127.0.0.1:exports/"+bobTask.ID+"/up.csv"); code == 0 {
				t.Errorf("scp upload: exit %d: %s", code, out)
			} else {
				t.Logf("upload refused: %s", strings.TrimSpace(out))
			}
		})
	}
	if n := len(ts.audit(t, "session.start")); n != 0 {
		t.Errorf("%d dashboard sessions audited for file copies", n)
	}
}

func names(ents []os.FileInfo) []string {
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func readAll(t *testing.T, sc *sftp.Client, p string) []byte {
	t.Helper()
	f, err := sc.Open(p)
	if err != nil {
		t.Fatalf("open %s: %v", p, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return b
}

// TestScpCommandFromTasksView: the Tasks view of an SSH session shows the
// scp command for a finished export; run as shown (with only the client's
// key options added) it copies the task's files.
func TestScpCommandFromTasksView(t *testing.T) {
	if _, err := exec.LookPath("scp"); err != nil {
		t.Skip("scp is not installed (Debian package openssh-client)")
	}
	ts, ppl, bobTask, _ := startExports(t)
	tm, err := startTermSized(t, ts.mustDial(t, ppl.bob), "xterm-256color", 200, 60, 200, 60)
	if err != nil {
		t.Fatal(err)
	}
	tm.waitScreen("1/306")
	tm.send("4")
	s := tm.waitScreen("Get", "scp -P ")
	var shown string
	for _, l := range strings.Split(s, "\n") {
		if i := strings.Index(l, "scp -P "); i >= 0 {
			shown = strings.TrimSpace(strings.TrimRight(l[i:], " │"))
		}
	}
	want := "scp -P " + ts.addr[strings.LastIndex(ts.addr, ":")+1:] + " 'bob@127.0.0.1:exports/" + bobTask.ID + "/*' ."
	if shown != want {
		t.Fatalf("the Tasks view shows %q, want %q", shown, want)
	}
	keyFile := writeKeyFile(t, ppl.bob, "bob")
	dir := t.TempDir()
	opts := "scp -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none -i " + shellQuote(keyFile)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", opts+strings.TrimPrefix(shown, "scp"))
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", shown, err, out)
	}
	for _, f := range bobTask.Files {
		got, err := os.ReadFile(filepath.Join(dir, filepath.Base(f.Path)))
		disk, _ := os.ReadFile(f.Path)
		if err != nil || !bytes.Equal(got, disk) {
			t.Errorf("%s: not copied as exported (%v)", filepath.Base(f.Path), err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bob-logins.manifest.json")); err != nil {
		t.Errorf("the manifest was not copied: %v", err)
	}
}

// TestSCPCommandsRefused: only downloads run; a malformed scp command (a
// trailing -f made wish's own parser index past the end) or an upload is
// refused, and the server goes on serving.
func TestSCPCommandsRefused(t *testing.T) {
	for _, tc := range []struct {
		cmd  []string
		want []string
	}{
		{[]string{"scp", "-f", "a"}, []string{"scp", "-f", "a"}},
		{[]string{"scp", "-v", "-r", "-f", "--", "exports/x"}, []string{"scp", "-r", "-f", "exports/x"}},
		{[]string{"scp", "-f"}, nil},
		{[]string{"scp", "-v", "-f"}, nil},
		{[]string{"scp", "-t", "exports/x"}, nil},
		{[]string{"scp", "-f", "-t", "x"}, nil},
		{[]string{"scp", "-f", "--"}, nil},
		{[]string{"sh", "-c", "scp -f x"}, nil},
	} {
		got, ok := scpDownload(tc.cmd)
		if ok != (tc.want != nil) || strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("scpDownload(%q) = %q, %v; want %q", tc.cmd, got, ok, tc.want)
		}
	}
	ts, ppl, bobTask, _ := startExports(t)
	c := ts.mustDial(t, ppl.bob)
	for _, cmd := range []string{"scp -f", "scp -t exports/" + bobTask.ID + "/x.csv", "scp -f -t x", "cat /etc/passwd"} {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := sess.Start(cmd); err == nil {
			t.Errorf("%q was accepted", cmd)
		}
		sess.Close()
	}
	sc := sftpClient(t, ts.mustDial(t, ppl.bob))
	if _, err := sc.ReadDir("exports/" + bobTask.ID); err != nil {
		t.Fatalf("the server stopped serving: %v", err)
	}
}
