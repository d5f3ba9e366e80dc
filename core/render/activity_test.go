package render

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
)

func testTriage() *core.Triage {
	return &core.Triage{
		State: core.StateEscalated,
		Note:  "looks \"odd\"\n<b>",
		By:    "alice@example.com",
		At:    time.Date(2026, 11, 1, 8, 30, 0, 123000000, time.UTC),
	}
}

const testTriageJSON = `{"state":"escalated","note":"looks \"odd\"\n\u003cb\u003e","by":"alice@example.com","at":"2026-11-01T08:30:00.123Z"}`

func TestNDJSONLine(t *testing.T) {
	tr := testTriage()
	tests := []struct {
		name   string
		raw    string
		triage *core.Triage
		want   string
	}{
		{"untriaged", `{"event_id":"a","n":1}`, nil, `{"event_id":"a","n":1}` + "\n"},
		{"untriaged keeps bytes", `{"event_id":"a", "s":"\u00e9"}`, nil, `{"event_id":"a", "s":"\u00e9"}` + "\n"},
		{"triaged", `{"event_id":"a","n":1}`, tr, `{"event_id":"a","n":1,"triage":` + testTriageJSON + "}\n"},
		{"triaged without note", `{"event_id":"a"}`,
			&core.Triage{State: core.StateReviewed, By: "bob", At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
			`{"event_id":"a","triage":{"state":"reviewed","by":"bob","at":"2026-01-02T03:04:05Z"}}` + "\n"},
		{"empty object", `{}`, tr, `{"triage":` + testTriageJSON + "}\n"},
		{"empty object untriaged", `{}`, nil, "{}\n"},
		{"empty object with space", `{ }`, tr, `{ "triage":` + testTriageJSON + "}\n"},
		{"space before the brace", `{"a":1 }`, tr, `{"a":1 ,"triage":` + testTriageJSON + "}\n"},
		{"surrounding whitespace", " \t\r\n{\"a\":[1,{}]}\r\n ", tr, `{"a":[1,{}],"triage":` + testTriageJSON + "}\n"},
		{"surrounding whitespace untriaged", " \n{\"a\":1}\n\t", nil, "{\"a\":1}\n"},
		{"nested closing braces", `{"a":{"b":{}}}`, tr, `{"a":{"b":{}},"triage":` + testTriageJSON + "}\n"},
		{"not an object", `[1,2]`, tr, "[1,2]\n"},
	}
	for _, tc := range tests {
		a := &core.Activity{Raw: []byte(tc.raw), Triage: tc.triage}
		got := NDJSONLine(nil, a)
		if string(got) != tc.want {
			t.Errorf("%s: NDJSONLine(%q)\n got %q\nwant %q", tc.name, tc.raw, got, tc.want)
			continue
		}
		if bytes.Count(got, []byte("\n")) != 1 || got[len(got)-1] != '\n' {
			t.Errorf("%s: not one line: %q", tc.name, got)
		}
		if !json.Valid(got) {
			t.Errorf("%s: not valid JSON: %q", tc.name, got)
		}
		if string(a.Raw) != tc.raw {
			t.Errorf("%s: NDJSONLine modified Raw: %q", tc.name, a.Raw)
		}
		if tc.triage == nil || tc.raw == "[1,2]" {
			if bytes.Contains(got, []byte(`"triage"`)) {
				t.Errorf("%s: triage member without triage: %q", tc.name, got)
			}
			continue
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(got, &m); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var back core.Triage
		if err := json.Unmarshal(m["triage"], &back); err != nil {
			t.Fatalf("%s: triage member %q: %v", tc.name, m["triage"], err)
		}
		if back.State != tc.triage.State || back.Note != tc.triage.Note || back.By != tc.triage.By || !back.At.Equal(tc.triage.At) {
			t.Errorf("%s: triage read back as %+v, want %+v", tc.name, back, *tc.triage)
		}
	}
}

func TestNDJSONLineAppends(t *testing.T) {
	dst := []byte("prefix\n")
	a := &core.Activity{Raw: []byte(`{"a":1}`), Triage: testTriage()}
	got := NDJSONLine(dst, a)
	want := "prefix\n" + `{"a":1,"triage":` + testTriageJSON + "}\n"
	if string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// Reusing the buffer, as the export loop does, gives the same line.
	again := NDJSONLine(got[:0], a)
	if string(again) != want[len("prefix\n"):] {
		t.Errorf("reused buffer: got %q", again)
	}
}

func TestNDJSONLineFixture(t *testing.T) {
	// Every stored event of the fixture, triaged or not, gives one valid
	// JSON line that keeps every member of the item.
	data := readFixture(t)
	for i, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		for _, tr := range []*core.Triage{nil, testTriage()} {
			a := &core.Activity{Raw: line, Triage: tr}
			out := NDJSONLine(nil, a)
			if !json.Valid(out) || bytes.IndexByte(out, '\n') != len(out)-1 {
				t.Fatalf("line %d: bad output %q", i+1, out)
			}
			var in, got map[string]json.RawMessage
			if err := json.Unmarshal(line, &in); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			for k, v := range in {
				if !bytes.Equal(got[k], v) {
					t.Fatalf("line %d: member %q changed: %s -> %s", i+1, k, v, got[k])
				}
			}
			wantLen := len(in)
			if tr != nil {
				wantLen++
			}
			if len(got) != wantLen {
				t.Fatalf("line %d: %d members, want %d", i+1, len(got), wantLen)
			}
		}
	}
}

func readFixture(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("../../testdata/activities.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func FuzzNDJSONLine(f *testing.F) {
	f.Add([]byte(`{"event_id":"a"}`), true)
	f.Add([]byte(`{}`), true)
	f.Add([]byte(" { } "), true)
	f.Add([]byte(`{"a":1 }`), false)
	f.Add([]byte(`[]`), true)
	f.Add([]byte(`"}"`), true)
	f.Fuzz(func(t *testing.T, raw []byte, triaged bool) {
		a := &core.Activity{Raw: raw}
		if triaged {
			a.Triage = testTriage()
		}
		out := NDJSONLine(nil, a)
		if len(out) == 0 || out[len(out)-1] != '\n' {
			t.Fatalf("NDJSONLine(%q) = %q: no final newline", raw, out)
		}
		if !json.Valid(raw) {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("NDJSONLine(%q, triaged %v) = %q: not valid JSON", raw, triaged, out)
		}
		isObj := bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{"))
		if has := bytes.Contains(out, []byte(`"triage":{"state"`)) && !bytes.Contains(raw, []byte(`"triage":{"state"`)); has != (triaged && isObj) {
			t.Fatalf("NDJSONLine(%q, triaged %v) = %q: triage member present %v", raw, triaged, out, has)
		}
	})
}
