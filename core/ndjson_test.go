package core_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

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
		got := core.NDJSONLine(nil, a)
		if string(got) != tc.want {
			t.Errorf("%s: core.NDJSONLine(%q)\n got %q\nwant %q", tc.name, tc.raw, got, tc.want)
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
	got := core.NDJSONLine(dst, a)
	want := "prefix\n" + `{"a":1,"triage":` + testTriageJSON + "}\n"
	if string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// Reusing the buffer, as the export loop does, gives the same line.
	again := core.NDJSONLine(got[:0], a)
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
			out := core.NDJSONLine(nil, a)
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
	data, err := os.ReadFile("../testdata/activities.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// termBad reports a byte or rune in an output line that a terminal could
// act on: DEL, a C1 control, invalid UTF-8, or a C0 control other than tab
// (JSON whitespace) and the final newline.
func termBad(line []byte) string {
	body := bytes.TrimSuffix(line, []byte("\n"))
	for i := 0; i < len(body); {
		r, n := utf8.DecodeRune(body[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return "invalid UTF-8 at " + strconv.Itoa(i)
		case r < 0x20 && r != '\t', r == 0x7f, r >= 0x80 && r <= 0x9f:
			return "control character at " + strconv.Itoa(i)
		}
		i += n
	}
	return ""
}

func TestNDJSONLineEscapes(t *testing.T) {
	tests := []struct {
		raw, want string
	}{
		{"{\"a\":\"del\x7f\"}", `{"a":"del\u007f"}`},
		{"{\"a\":\"csi\u009b31m\"}", `{"a":"csi\u009b31m"}`},
		{"{\"a\":\"\u0080\u009f\"}", `{"a":"\u0080\u009f"}`},
		{"{\"a\":\"raw \x9b byte\"}", `{"a":"raw \ufffd byte"}`},
		{"{\"a\":\"bad\xff\xfe\xc3\"}", `{"a":"bad\ufffd\ufffd\ufffd"}`},
		{"{\"k\x7f\xff\":1}", `{"k\u007f\ufffd":1}`},
		{`{"a":"Köln 東京 \u001b[2J \u009b"}`, `{"a":"Köln 東京 \u001b[2J \u009b"}`},
		{"{\"a\":\"Köln 東京 😀  \"}", "{\"a\":\"Köln 東京 😀  \"}"},
	}
	for _, tc := range tests {
		for _, tr := range []*core.Triage{nil, testTriage()} {
			a := &core.Activity{Raw: []byte(tc.raw), Triage: tr}
			got := core.NDJSONLine(nil, a)
			want := tc.want + "\n"
			if tr != nil {
				want = tc.want[:len(tc.want)-1] + `,"triage":` + testTriageJSON + "}\n"
			}
			if string(got) != want {
				t.Errorf("core.NDJSONLine(%q, triaged %v)\n got %q\nwant %q", tc.raw, tr != nil, got, want)
			}
			if why := termBad(got); why != "" {
				t.Errorf("core.NDJSONLine(%q) = %q: %s", tc.raw, got, why)
			}
			// The escapes change the text, not the value: encoding/json
			// reads a bad byte as U+FFFD either way.
			var in, out map[string]any
			if err := json.Unmarshal([]byte(tc.raw), &in); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(got, &out); err != nil {
				t.Fatalf("core.NDJSONLine(%q) = %q: %v", tc.raw, got, err)
			}
			delete(out, "triage")
			if !reflect.DeepEqual(in, out) {
				t.Errorf("core.NDJSONLine(%q) changed the value: %v -> %v", tc.raw, in, out)
			}
		}
	}
}

// SafeJSON only rewrites bytes >= 0x7f, so a carriage return in the
// whitespace between tokens passes through: an NDJSON line such as
// {"event_id":"a",<CR>"created_at":...} is valid JSON, is ingested byte for
// byte (ingest trims only the ends of a line), and NDJSONLine then prints
// the CR, which sends the cursor back so that the rest of the line
// overwrites its start. NDJSONLine's doc says the line is safe to print on
// a terminal. Outside strings any JSON whitespace can be written as a
// space without changing the value.
func TestNDJSONLineWhitespaceCR(t *testing.T) {
	for _, raw := range []string{
		"{\"event_id\":\"a\",\r\"user\":{\"user_email\":\"x\"}}",
		"{\"event_id\":\"a\"\r,\"b\":[1,\r2]}",
	} {
		for _, tr := range []*core.Triage{nil, testTriage()} {
			got := core.NDJSONLine(nil, &core.Activity{Raw: []byte(raw), Triage: tr})
			if bytes.IndexByte(got, '\r') >= 0 {
				t.Errorf("core.NDJSONLine(%q, triaged %v) = %q: carriage return reaches the terminal", raw, tr != nil, got)
			}
			if !json.Valid(got) {
				t.Errorf("core.NDJSONLine(%q) = %q: not valid JSON", raw, got)
			}
		}
	}
}

func FuzzNDJSONLine(f *testing.F) {
	f.Add([]byte(`{"event_id":"a"}`), true)
	f.Add([]byte(`{}`), true)
	f.Add([]byte(" { } "), true)
	f.Add([]byte(`{"a":1 }`), false)
	f.Add([]byte(`[]`), true)
	f.Add([]byte(`"}"`), true)
	f.Add([]byte("{\"a\":\"\x7f\xc2\x9b\xff\"}"), true)
	f.Add([]byte(`{"triage":1}`), true)
	f.Fuzz(func(t *testing.T, raw []byte, triaged bool) {
		a := &core.Activity{Raw: raw}
		if triaged {
			a.Triage = testTriage()
		}
		out := core.NDJSONLine(nil, a)
		if len(out) == 0 || out[len(out)-1] != '\n' {
			t.Fatalf("core.NDJSONLine(%q) = %q: no final newline", raw, out)
		}
		if !json.Valid(raw) {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("core.NDJSONLine(%q, triaged %v) = %q: not valid JSON", raw, triaged, out)
		}
		for i := 0; i < len(out)-1; {
			r, n := utf8.DecodeRune(out[i:])
			if r == utf8.RuneError && n == 1 || r == 0x7f || r >= 0x80 && r <= 0x9f {
				t.Fatalf("core.NDJSONLine(%q) = %q: unsafe rune at %d", raw, out, i)
			}
			i += n
		}
		// Same value as the item, plus the triage member when triaged.
		var in, got any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&in); err != nil {
			t.Skip() // valid but not decodable (deeper than encoding/json's limit)
		}
		dec = json.NewDecoder(bytes.NewReader(out))
		dec.UseNumber()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("core.NDJSONLine(%q) = %q: %v", raw, out, err)
		}
		if m, ok := got.(map[string]any); ok && triaged {
			tr, has := m["triage"].(map[string]any)
			if !has || tr["state"] != string(core.StateEscalated) {
				t.Fatalf("core.NDJSONLine(%q) = %q: no triage member", raw, out)
			}
			delete(m, "triage")
			if im, ok := in.(map[string]any); ok {
				delete(im, "triage")
			}
		}
		if !reflect.DeepEqual(in, got) {
			t.Fatalf("core.NDJSONLine(%q) = %q changed the value: %v -> %v", raw, out, in, got)
		}
	})
}
