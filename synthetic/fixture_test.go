package synthetic

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the generated part of ../testdata/activities.ndjson (the hand-written tail is kept)")

// fixtureOptions produce the generated part of testdata/activities.ndjson.
var fixtureOptions = Options{Events: 300, Seed: 7, End: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Days: 30, Users: 60}

const fixturePath = "../testdata/activities.ndjson"

// splitAfterLines splits b after its first n lines.
func splitAfterLines(b []byte, n int) (head, tail []byte) {
	off := 0
	for i := 0; i < n; i++ {
		j := bytes.IndexByte(b[off:], '\n')
		if j < 0 {
			return b, nil
		}
		off += j + 1
	}
	return b[:off], b[off:]
}

// TestFixtureUpToDate checks that testdata/activities.ndjson starts with
// exactly what the generator makes from fixtureOptions, followed by the
// hand-written edge events. Run with -update after changing the generator.
func TestFixtureUpToDate(t *testing.T) {
	want := generate(t, fixtureOptions)
	cur, err := os.ReadFile(fixturePath)
	if err != nil && !(*update && os.IsNotExist(err)) {
		t.Fatal(err)
	}
	head, tail := splitAfterLines(cur, fixtureOptions.Events)
	if *update {
		if err := os.WriteFile(fixturePath, append(want, tail...), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %s: %d generated events + %d hand-written bytes", fixturePath, fixtureOptions.Events, len(tail))
		return
	}
	if !bytes.Equal(head, want) {
		t.Fatalf("%s is out of date with the generator: run go test ./synthetic -run TestFixtureUpToDate -update", fixturePath)
	}
	checkEdgeEvents(t, head, tail)
}

// checkEdgeEvents checks the hand-written tail: valid JSON objects, unique
// ids, and each edge case still present.
func checkEdgeEvents(t *testing.T, head, tail []byte) {
	t.Helper()
	ids := map[string]bool{}
	for _, l := range lines(head) {
		var e struct {
			EventID string `json:"event_id"`
		}
		json.Unmarshal(l, &e)
		ids[e.EventID] = true
	}
	edge := lines(tail)
	if len(edge) < 6 {
		t.Fatalf("want at least 6 hand-written edge events after the generated ones, got %d", len(edge))
	}
	var nullEmail, noExtra, unknownTop bool
	for i, l := range edge {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("edge event %d: %v: %s", i+1, err, l)
		}
		var id string
		if err := json.Unmarshal(m["event_id"], &id); err != nil || id == "" || ids[id] {
			t.Fatalf("edge event %d: missing or duplicate event_id %s", i+1, m["event_id"])
		}
		ids[id] = true
		var ca string
		json.Unmarshal(m["created_at"], &ca)
		if _, err := time.Parse("2006-01-02T15:04:05.000Z", ca); err != nil {
			t.Fatalf("edge event %d: created_at %q", i+1, ca)
		}
		var u struct {
			UserEmail *string `json:"user_email"`
		}
		json.Unmarshal(m["user"], &u)
		nullEmail = nullEmail || u.UserEmail == nil
		_, hasExtra := m["extra"]
		noExtra = noExtra || !hasExtra
		_, rs := m["risk_score"]
		_, tags := m["tags"]
		unknownTop = unknownTop || (rs && tags)
	}
	if !nullEmail || !noExtra || !unknownTop {
		t.Errorf("edge cases missing: null user_email %v, no extra %v, unknown top-level fields %v", nullEmail, noExtra, unknownTop)
	}
	for _, want := range []string{
		`\u001b[2J`, `\u001b]52;c;ZXZpbA==\u0007`, `\u001b]0;title\u0007`, `\r`, `\u009b`, // terminal escapes, as JSON escapes
		`=HYPERLINK(`, `"+cmd`, `"-2+3"`, `"@SUM(`, // CSV injection starts
		"東京", "São Paulo", `\ud83d\udd12`, // unicode in city and raw
	} {
		if !bytes.Contains(tail, []byte(want)) {
			t.Errorf("edge events no longer contain %s", want)
		}
	}
	if bytes.ContainsAny(tail, "\x1b\x07\r\u009b") {
		t.Error("edge events must carry control characters as JSON escapes, not raw bytes")
	}
}
