package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/store"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "auditdeck-cli-test-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "auditdeck")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, stdin []byte, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+t.TempDir())
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{so.String(), se.String(), code}
}

func fixture(t *testing.T, name string) string {
	p, err := filepath.Abs(filepath.Join("..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIngestQueryTriage(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	r := run(t, nil, "ingest", "--data", data, fixture(t, "activities.ndjson"), fixture(t, "seed_activities.json"))
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ingested 309, updated 0, skipped 0\n") {
		t.Fatalf("ingest: %+v", r)
	}
	r = run(t, nil, "ingest", "--data", data, fixture(t, "activities.ndjson"))
	if r.code != 0 || r.stdout != "ingested 0, updated 0, skipped 0 (306 already stored, unchanged)\n" {
		t.Fatalf("replay: %+v", r)
	}
	r = run(t, nil, "query", "--data", data, "--filter", "event_type.eq(login),!operation_successful", "--count")
	n, err := strconv.Atoi(strings.TrimSpace(r.stdout))
	if r.code != 0 || err != nil || n == 0 {
		t.Fatalf("count: %+v", r)
	}
	r = run(t, nil, "query", "--data", data, "--filter", "event_type.eq(login),!operation_successful", "--limit", "0", "--format", "ndjson")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != n {
		t.Fatalf("ndjson: %d lines, count %d: %s", len(lines), n, r.stderr)
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || m["operation_successful"] != false || m["event_type"] != "login" {
			t.Fatalf("ndjson line %s: %v", l, err)
		}
	}
	r = run(t, nil, "query", "--data", data, "--filter", "event_type.eq(login),!operation_successful", "--limit", "3", "--format", "csv")
	csvLines := strings.Split(strings.TrimSpace(r.stdout), "\r\n")
	if r.code != 0 || len(csvLines) != 4 || !strings.HasPrefix(csvLines[0], "Time,Event ID,Type,User") || !strings.HasPrefix(r.stderr, "next: ") {
		t.Fatalf("csv: %+v", r)
	}
	// The next page continues after the cursor.
	cursor := strings.TrimSpace(strings.TrimPrefix(r.stderr, "next: "))
	r2 := run(t, nil, "query", "--data", data, "--filter", "event_type.eq(login),!operation_successful", "--limit", "3", "--format", "csv", "--cursor", cursor)
	if r2.code != 0 || strings.Contains(r2.stdout, strings.Split(csvLines[3], ",")[1]) {
		t.Fatalf("second page repeats the first: %+v", r2)
	}
	// Triage by id and by filter, then find them by state.
	r = run(t, nil, "triage", "--data", data, "--state", "escalated", "--note", "ask the user", "--user", "alice", "--", "-6285966971996490902#0")
	if r.code != 0 || r.stdout != "triaged 1 events as escalated\n" {
		t.Fatalf("triage: %+v", r)
	}
	r = run(t, nil, "triage", "--data", data, "--state", "reviewed", "--user", "alice", "--filter", "extra.auth.is_suspicious")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "triaged ") {
		t.Fatalf("triage filter: %+v", r)
	}
	r = run(t, nil, "query", "--data", data, "--filter", "triage.state.eq(escalated)", "--format", "ndjson")
	if r.code != 0 || !strings.Contains(r.stdout, `"triage":{"state":"escalated","note":"ask the user","by":"alice"`) || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("query by triage: %+v", r)
	}
	r = run(t, nil, "triage", "--data", data, "--state", "reviewed", "no-such-event")
	if r.code != 1 || !strings.Contains(r.stderr, `unknown event ids: "no-such-event"`) {
		t.Fatalf("unknown id: %+v", r)
	}
}

func TestBadInputErrors(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"query", "--data", data, "--filter", "event_type.eq(login),created_at.after(x)"}, "filter: at position 32: expected one of eq, ne, gt, ge, lt, le, in, iin, contains, icontains, isnull"},
		{[]string{"query", "--data", data, "--filter", "operation_successful.eq(maybe)"}, `field "operation_successful"`},
		{[]string{"query", "--data", data, "--filter", "event_typ.eq(login)"}, `unknown field "event_typ"`},
		{[]string{"query", "--data", data, "--filter-json", `{"activity_start_timestamp":{"$gte":"soon"}}`}, "--filter-json"},
		{[]string{"query", "--data", data, "--format", "xml"}, `--format "xml"`},
		{[]string{"query", "--data", data, "--order", "!!created_at"}, "--order"},
		{[]string{"triage", "--data", data, "--state", "closed", "x"}, "unknown triage state"},
		{[]string{"ingest", "--data", data, "/no/such/file"}, "open input"},
	}
	for _, c := range cases {
		r := run(t, nil, c.args...)
		if r.code == 0 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("%v: code %d stderr %q, want one line containing %q", c.args[2:], r.code, r.stderr, c.want)
		}
	}
}

// TestLockedDirectory holds the store with one process and checks that a
// second one says so in one line that names `auditdeck serve` and --data.
func TestLockedDirectory(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	holder := exec.Command(binary, "ingest", "--data", data, "-")
	stdin, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		holder.Wait()
	}()
	// Wait until the holder has the lock (its LOCK file exists).
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(data, "LOCK")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("holder never locked the store")
		}
		time.Sleep(20 * time.Millisecond)
	}
	r := run(t, nil, "query", "--data", data, "--count")
	want := "auditdeck: data directory " + data + " is in use by another process (is `auditdeck serve` running? stop it, or pass --data DIR for another store)\n"
	if r.code != 3 || r.stderr != want {
		t.Fatalf("locked: code %d stderr %q", r.code, r.stderr)
	}
}

var ackLine = regexp.MustCompile(`^batch (\d+) durable: .* through line (\d+),`)

// TestKillDuringIngest kills an ingest with SIGKILL after a few batches were
// acknowledged and checks that every acknowledged event is in the store.
func TestKillDuringIngest(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "events.ndjson")
	if r := run(t, nil, "gen", "--events", "150000", "--seed", "3", "--end", "2026-11-01T00:00:00Z", "--out", input); r.code != 0 {
		t.Fatalf("gen: %+v", r)
	}
	data := filepath.Join(dir, "store")
	cmd := exec.Command(binary, "ingest", "-v", "--data", data, input)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := 0
	sc := bufio.NewScanner(stderr)
	killed := false
	for sc.Scan() {
		m := ackLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		acked, _ = strconv.Atoi(m[2])
		if n, _ := strconv.Atoi(m[1]); n >= 4 && !killed {
			cmd.Process.Signal(syscall.SIGKILL)
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed || err == nil {
		t.Fatalf("ingest was not killed mid-way (acked through line %d, err %v)", acked, err)
	}
	if acked < 4*4096 || acked >= 150000 {
		t.Fatalf("acked through line %d", acked)
	}
	// Every acknowledged line is present after reopening.
	var ids []string
	f, err := os.Open(input)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lr := bufio.NewScanner(f)
	lr.Buffer(nil, 1<<20)
	for i := 0; i < acked && lr.Scan(); i++ {
		var m struct {
			EventID string `json:"event_id"`
		}
		if err := json.Unmarshal(lr.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.EventID)
	}
	s, err := store.Open(store.Options{Dir: data})
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer s.Close()
	got, err := s.Get(context.Background(), ids, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) {
		t.Fatalf("%d of %d acknowledged events survived", len(got), len(ids))
	}
	if st := s.Stats(); st.Events < int64(acked) {
		t.Fatalf("store has %d events, %d acknowledged", st.Events, acked)
	}
}

var taskLine = regexp.MustCompile(`^task (\d+): (\d+) rows`)

// TestKillDuringExport kills an export with SIGKILL and checks that no
// partial file ever carries the final name, and that the next start runs the
// task to completion with every row.
func TestKillDuringExport(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "events.ndjson")
	if r := run(t, nil, "gen", "--events", "60000", "--seed", "5", "--end", "2026-11-01T00:00:00Z", "--out", input); r.code != 0 {
		t.Fatalf("gen: %+v", r)
	}
	data := filepath.Join(dir, "store")
	if r := run(t, nil, "ingest", "--data", data, input); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	cmd := exec.Command(binary, "export", "--data", data, "--format", "ndjson,json,csv", "--file-name", "everything")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var id string
	var total int
	for sc.Scan() {
		if m := taskLine.FindStringSubmatch(sc.Text()); m != nil {
			id, total = m[1], atoi(m[2])
			break
		}
	}
	if id == "" {
		t.Fatal("export printed no task line")
	}
	time.Sleep(150 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	go io.Copy(io.Discard, stderr)
	cmd.Wait()
	exports := filepath.Join(data, "exports", id) // each task's own directory
	if _, err := os.Stat(filepath.Join(exports, "everything.csv")); err == nil {
		t.Fatal("the export finished before the kill: the test did not interrupt it")
	}
	for _, n := range []string{"everything.ndjson", "everything.json", "everything.csv"} {
		if b, err := os.ReadFile(filepath.Join(exports, n)); err == nil {
			// Only a complete file may have its final name.
			if n == "everything.ndjson" && bytes.Count(b, []byte("\n")) != total {
				t.Fatalf("%s is partial: %d of %d lines", n, bytes.Count(b, []byte("\n")), total)
			}
		}
	}
	r := run(t, nil, "task", "wait", "--data", data, id)
	if r.code != 0 {
		t.Fatalf("task wait: %+v", r)
	}
	b, err := os.ReadFile(filepath.Join(exports, "everything.ndjson"))
	if err != nil || bytes.Count(b, []byte("\n")) != total || total != 60000 {
		t.Fatalf("after restart: %v, %d lines, total %d", err, bytes.Count(b, []byte("\n")), total)
	}
	left, _ := filepath.Glob(filepath.Join(exports, ".*"))
	flat, _ := filepath.Glob(filepath.Join(data, "exports", ".*"))
	if len(left)+len(flat) != 0 {
		t.Errorf("temp files left: %v %v", left, flat)
	}
	r = run(t, nil, "task", "show", "--data", data, id)
	if !strings.Contains(r.stdout, `"status": "succeeded"`) || !strings.Contains(r.stdout, `"record_total_num": 60000`) {
		t.Errorf("task show: %s", r.stdout)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
