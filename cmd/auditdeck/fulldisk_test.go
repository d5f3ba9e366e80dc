package main_test

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/internal/tmpfs"
)

func resize(t *testing.T, dir, size string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,size="+size, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s: %v %s", size, err, out)
	}
}

var durableLine = regexp.MustCompile(`(?m)^batch \d+ durable: .* through line (\d+),`)

// TestIngestFullDisk ingests more than a small disk holds (150,000 events
// take about 50 MiB; the disk has 40). Badger writes
// through memory mappings of sparse files, so the process died of SIGBUS
// when the disk filled. Now the ingest stops with one ENOSPC line, every
// acknowledged batch is stored, and once there is space again the same
// ingest completes.
func TestIngestFullDisk(t *testing.T) {
	disk := tmpfs.Mount(t, "40m")
	dir := t.TempDir()
	input := filepath.Join(dir, "events.ndjson")
	if r := run(t, nil, "gen", "--events", "150000", "--seed", "9", "--end", "2026-11-01T00:00:00Z", "--out", input); r.code != 0 {
		t.Fatalf("gen: %+v", r)
	}
	data := filepath.Join(disk, "store")
	r := run(t, nil, "ingest", "-v", "--data", data, input)
	if r.code != 1 || !strings.Contains(r.stderr, "no space left on device: "+data+" has ") || !strings.Contains(r.stderr, "nothing of it was stored") {
		t.Fatalf("ingest on a full disk: code %d\n%s", r.code, r.stderr)
	}
	acks := durableLine.FindAllStringSubmatch(r.stderr, -1)
	if len(acks) == 0 {
		t.Fatalf("no batch acknowledged before the disk filled:\n%s", r.stderr)
	}
	acked := atoi(acks[len(acks)-1][1])
	r = run(t, nil, "query", "--data", data, "--count")
	if r.code != 0 || strings.TrimSpace(r.stdout) != strconv.Itoa(acked) {
		t.Fatalf("count after the full disk: %+v, want the %d acknowledged", r, acked)
	}
	resize(t, disk, "128m")
	r = run(t, nil, "ingest", "--data", data, input)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ingested "+strconv.Itoa(150000-acked)+", updated 0, skipped 0") {
		t.Fatalf("ingest with space again: %+v", r)
	}
	if r := run(t, nil, "query", "--data", data, "--count"); strings.TrimSpace(r.stdout) != "150000" {
		t.Fatalf("count: %+v", r)
	}
}

func httpDo(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeFullDisk fills the daemon's disk: writes answer 503 (API) or
// one ENOSPC line (relayed ingest), /readyz says not ready and why, reads
// go on, and everything works again once space is freed.
func TestServeFullDisk(t *testing.T) {
	disk := tmpfs.Mount(t, "64m")
	dir := t.TempDir()
	data := filepath.Join(disk, "store")
	users := filepath.Join(dir, "users.yaml")
	if err := os.WriteFile(users, []byte("users:\n  - name: alice\n    role: operator\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, data, "--users", users, "--http", "127.0.0.1:0", "--ssh", "off", "--drain", "3s")
	base := "http://" + srv.waitLog(t, httpLine, 10*time.Second)[1]
	if r := runIn(t, dir, nil, "ingest", "--data", data, fixture(t, "activities.ndjson")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	r := runIn(t, dir, nil, "token", "create", "--data", data, "--user", "alice")
	token := strings.TrimSpace(r.stdout[strings.LastIndex(strings.TrimSpace(r.stdout), "\n")+1:])
	if code, body := httpDo(t, "GET", base+"/readyz", "", ""); code != 200 || !strings.Contains(body, `"ready":true`) {
		t.Fatalf("readyz: %d %s", code, body)
	}
	triage := base + "/activities/microsoft365:9a3624e0-615c-4307-86c2-8abcb3634d15/triage"
	if code, body := httpDo(t, "PATCH", triage, token, `{"state":"reviewed"}`); code != 200 {
		t.Fatalf("triage: %d %s", code, body)
	}

	// Fill the disk up to 16 MiB free: below the 32 MiB the store keeps.
	var st syscall.Statfs_t
	if err := syscall.Statfs(disk, &st); err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(disk, "filler")
	if err := os.WriteFile(filler, make([]byte, int64(st.Bavail)*int64(st.Bsize)-16<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	code, body := httpDo(t, "GET", base+"/readyz", "", "")
	if code != 503 || !strings.Contains(body, "not ready: no space left on device: "+data) {
		t.Fatalf("readyz on a full disk: %d %s", code, body)
	}
	code, body = httpDo(t, "PATCH", triage, token, `{"state":"escalated"}`)
	if code != 503 || !strings.Contains(body, "the store's disk is full") {
		t.Fatalf("triage on a full disk: %d %s", code, body)
	}
	r = runIn(t, dir, []byte(`{"event_id":"full-disk-1","created_at":"2026-10-01T00:00:00Z","event_type":"login"}`+"\n"), "ingest", "--data", data, "-")
	if r.code != 1 || !strings.Contains(r.stderr, "no space left on device") {
		t.Fatalf("relayed ingest on a full disk: %+v", r)
	}
	if code, body := httpDo(t, "GET", base+"/activities?limit=3", token, ""); code != 200 {
		t.Fatalf("read on a full disk: %d %s", code, body)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if code, body := httpDo(t, "GET", base+"/readyz", "", ""); code != 200 {
		t.Fatalf("readyz with space again: %d %s", code, body)
	}
	if code, body := httpDo(t, "PATCH", triage, token, `{"state":"escalated"}`); code != 200 || !strings.Contains(body, "escalated") {
		t.Fatalf("triage with space again: %d %s", code, body)
	}
	if r := runIn(t, dir, []byte(`{"event_id":"full-disk-1","created_at":"2026-10-01T00:00:00Z","event_type":"login"}`+"\n"), "ingest", "--data", data, "-"); r.code != 0 {
		t.Fatalf("relayed ingest with space again: %+v", r)
	}
	if c := srv.stop(t, syscall.SIGTERM, 10*time.Second); c != 0 {
		t.Fatalf("serve exit %d:\n%s", c, srv.logged())
	}
}
