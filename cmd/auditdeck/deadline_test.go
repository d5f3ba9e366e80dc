package main_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestQueryTimeout: `query --timeout` stops a costly raw filter and says
// which limit stopped it, in one line, long before the scan would end.
func TestQueryTimeout(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "store")
	genStore(t, dir, data, 60000)
	slow := "raw.0.icontains(no-such-text-a,no-such-text-b,no-such-text-c,no-such-text-d,no-such-text-e,no-such-text-f)"
	start := time.Now()
	if r := run(t, nil, "query", "--data", data, "--filter", slow, "--count"); r.code != 0 || strings.TrimSpace(r.stdout) != "0" {
		t.Fatalf("unbounded: %+v", r)
	}
	unbounded := time.Since(start)
	for _, extra := range [][]string{{"--count"}, {"--limit", "20"}} {
		start = time.Now()
		r := run(t, nil, append([]string{"query", "--data", data, "--filter", slow, "--timeout", "30ms"}, extra...)...)
		took := time.Since(start)
		want := "auditdeck: query stopped at --timeout 30ms: narrow the filter or the time range, or raise --timeout\n"
		if r.code != 1 || r.stderr != want || r.stdout != "" {
			t.Fatalf("%v: %+v", extra, r)
		}
		if unbounded > 300*time.Millisecond && took > unbounded*3/4 {
			t.Errorf("%v: stopped after %s; unbounded the query takes %s", extra, took, unbounded)
		}
	}
}
