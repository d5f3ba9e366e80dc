package core

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// This file checks FieldExtractor.Extract (and the jsonScanner beneath it)
// against encoding/json, which is the reference for what is valid JSON and
// for what a member's value decodes to.
//
// Where the two legitimately differ the reference is adjusted, never the
// other way round:
//
//   - duplicated member names: the scanner keeps the FIRST occurrence (as the
//     query evaluator does), encoding/json's map the LAST. The reference walks
//     the members in order (refDecode) and takes the first; whenever the wanted
//     paths have no duplicate, the result is also checked against a plain
//     json.Unmarshal into map[string]any;
//   - nesting: the scanner stops at maxJSONDepth (256) levels, encoding/json
//     at 10000, so inputs nested deeper than 256 are only checked for not
//     panicking and for not being accepted when json.Valid rejects them;
//   - invalid UTF-8 inside strings: both json.Valid and the scanner accept it
//     (neither checks UTF-8); encoding/json then decodes each bad byte to
//     U+FFFD while Extract hands the bytes through, so Extract's strings are
//     compared after that same per-byte replacement (jsonUTF8).

// extractKnownBugs, when AUDITDECK_FUZZ_KNOWN_BUGS=skip is set, lets a long
// fuzzing run go past the divergences reported as bugs (see
// TestExtractEscapedMemberName and TestExtractEscapedCreatedAt) instead of
// stopping at the first of them. Plain `go test` is always strict.
var extractKnownBugs = os.Getenv("AUDITDECK_FUZZ_KNOWN_BUGS") == "skip"

// refMember is one object member as encoding/json decodes it, in input order.
type refMember struct {
	key        string
	escaped    bool // the name was written with a backslash escape
	val        any
	valEscaped bool // val is a string written with a backslash escape
}

// refObject is an object with its members in input order, duplicates kept.
type refObject []refMember

// refDecode decodes one valid JSON text with encoding/json's tokenizer,
// keeping member order and duplicates. Strings decode exactly as
// json.Unmarshal decodes them; numbers stay json.Number.
func refDecode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := refValue(dec, data)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data")
	}
	return v, nil
}

func refValue(dec *json.Decoder, data []byte) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		obj := refObject{}
		for dec.More() {
			off := dec.InputOffset()
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, ok := kt.(string)
			if !ok {
				return nil, errors.New("member name is not a string")
			}
			// The bytes between the previous token and this one are
			// whitespace, "," and the quoted name: a backslash there is
			// an escape in the name.
			esc := bytes.IndexByte(data[off:dec.InputOffset()], '\\') >= 0
			off = dec.InputOffset()
			v, err := refValue(dec, data)
			if err != nil {
				return nil, err
			}
			_, isStr := v.(string)
			vesc := isStr && bytes.IndexByte(data[off:dec.InputOffset()], '\\') >= 0
			obj = append(obj, refMember{key: k, escaped: esc, val: v, valEscaped: vesc})
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return obj, nil
	case json.Delim('['):
		arr := []any{}
		for dec.More() {
			v, err := refValue(dec, data)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return arr, nil
	}
	return tok, nil
}

// get returns the first member named key.
func (o refObject) get(key string) (any, bool) {
	for _, m := range o {
		if m.key == key {
			return m.val, true
		}
	}
	return nil, false
}

// count returns how many members are named key and whether any of them was
// written with an escape.
func (o refObject) count(key string) (n int, escaped bool) {
	for _, m := range o {
		if m.key == key {
			n++
			escaped = escaped || m.escaped
		}
	}
	return n, escaped
}

// refPaths are the paths Extract reads, as the reference reads them.
var refPaths = struct {
	strs  [][]string
	bools [][]string
}{
	strs: [][]string{
		{"event_type"}, {"client_ip"}, {"user", "user_email"}, {"vendor", "name"},
		{"vendor", "service"}, {"client_location", "country", "code"},
	},
	bools: [][]string{{"operation_successful"}, {"extra", "auth", "is_suspicious"}},
}

// refLookup reads a path from the top object the way Extract is specified
// to: get returns one member's value. A missing or null parent means the
// field is absent, any other non-object parent is an error.
func refLookup(top any, path []string, get func(o any, k string) (any, bool, bool)) (v any, found bool, err error) {
	cur := top
	for _, k := range path {
		v, ok, isObj := get(cur, k)
		if !isObj {
			return nil, false, errors.New("parent is not an object")
		}
		if !ok || v == nil {
			return nil, false, nil
		}
		cur = v
	}
	return cur, true, nil
}

// refFields computes what Extract must return from a decoded document and a
// member getter; ok false means Extract must fail.
func refFields(top any, get func(o any, k string) (any, bool, bool)) (f ActivityFields, ok bool) {
	if !refIsObject(top) {
		return f, false
	}
	id, found, _ := refLookup(top, []string{"event_id"}, get)
	s, isStr := id.(string)
	if !found || !isStr || s == "" {
		return f, false
	}
	f.EventID = s
	ca, found, _ := refLookup(top, []string{"created_at"}, get)
	cs, isStr := ca.(string)
	if !found || !isStr {
		return f, false
	}
	ts, tsOK := ParseTimestamp([]byte(cs))
	if !tsOK {
		return f, false
	}
	f.CreatedAt = ts
	dsts := []*string{&f.EventType, &f.ClientIP, &f.UserEmail, &f.VendorName, &f.VendorService, &f.Country}
	for i, p := range refPaths.strs {
		v, found, err := refLookup(top, p, get)
		if err != nil {
			return f, false
		}
		if !found {
			continue
		}
		s, isStr := v.(string)
		if !isStr {
			return f, false
		}
		*dsts[i] = s
	}
	tris := []*Tri{&f.Successful, &f.Suspicious}
	for i, p := range refPaths.bools {
		v, found, err := refLookup(top, p, get)
		if err != nil {
			return f, false
		}
		if !found {
			continue
		}
		b, isBool := v.(bool)
		if !isBool {
			return f, false
		}
		*tris[i] = TriOf(b)
	}
	return f, true
}

func refIsObject(v any) bool {
	switch v.(type) {
	case refObject, map[string]any:
		return true
	}
	return false
}

// getFirst reads the ordered reference: first occurrence wins.
func getFirst(o any, k string) (any, bool, bool) {
	obj, isObj := o.(refObject)
	if !isObj {
		return nil, false, false
	}
	v, ok := obj.get(k)
	return v, ok, true
}

// getMap reads json.Unmarshal's map: last occurrence wins.
func getMap(o any, k string) (any, bool, bool) {
	m, isObj := o.(map[string]any)
	if !isObj {
		return nil, false, false
	}
	v, ok := m[k]
	return v, ok, true
}

// wantTree lists the member names Extract reads, per object level.
var wantTree = map[string]any{
	"event_id": nil, "created_at": nil, "event_type": nil, "client_ip": nil, "operation_successful": nil,
	"user":            map[string]any{"user_email": nil},
	"vendor":          map[string]any{"name": nil, "service": nil},
	"client_location": map[string]any{"country": map[string]any{"code": nil}},
	"extra":           map[string]any{"auth": map[string]any{"is_suspicious": nil}},
}

// refAmbiguity reports whether a wanted member, on the wanted paths, is
// duplicated (first and last occurrence may differ) or written with an
// escaped name (the scanner's known blind spot).
func refAmbiguity(v any, want map[string]any) (dup, esc bool) {
	obj, ok := v.(refObject)
	if !ok {
		return false, false
	}
	for k, sub := range want {
		n, e := obj.count(k)
		dup = dup || n > 1
		esc = esc || e
		if n == 0 {
			continue
		}
		if sw, ok := sub.(map[string]any); ok {
			// Every occurrence may be the one a reader picks.
			for _, m := range obj {
				if m.key == k {
					d, e := refAmbiguity(m.val, sw)
					dup, esc = dup || d, esc || e
				}
			}
		}
	}
	return dup, esc
}

// jsonDepth returns the deepest bracket nesting of a JSON text, ignoring
// brackets inside strings. It only needs to be exact for valid input.
func jsonDepth(b []byte) int {
	depth, max := 0, 0
	in := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if in {
			switch c {
			case '\\':
				i++
			case '"':
				in = false
			}
			continue
		}
		switch c {
		case '"':
			in = true
		case '{', '[':
			depth++
			if depth > max {
				max = depth
			}
		case '}', ']':
			depth--
		}
	}
	return max
}

// jsonUTF8 replaces each byte of invalid UTF-8 with U+FFFD, as encoding/json
// does when it decodes a string.
func jsonUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func normFields(f ActivityFields) ActivityFields {
	for _, p := range []*string{&f.EventID, &f.EventType, &f.ClientIP, &f.UserEmail, &f.VendorName, &f.VendorService, &f.Country} {
		*p = jsonUTF8(*p)
	}
	return f
}

// hasEscapedCreatedAt reports whether the first created_at member is a
// string written with an escape (the second known divergence).
func hasEscapedCreatedAt(doc any) bool {
	obj, ok := doc.(refObject)
	if !ok {
		return false
	}
	for _, m := range obj {
		if m.key == "created_at" {
			return m.valEscaped
		}
	}
	return false
}

// checkExtract is the property FuzzExtract checks for one input.
func checkExtract(t *testing.T, x *FieldExtractor, data []byte) {
	t.Helper()
	in := append([]byte(nil), data...)
	got, err := x.Extract(data)
	if !bytes.Equal(in, data) {
		t.Fatalf("Extract modified its input")
	}
	valid := json.Valid(data)
	deep := jsonDepth(data) > maxJSONDepth

	if !valid {
		if err == nil {
			t.Fatalf("Extract accepted text that json.Valid rejects: %q -> %+v", data, got)
		}
		if !strings.HasPrefix(err.Error(), "invalid JSON at byte ") {
			t.Fatalf("Extract error for invalid JSON %q does not say so: %v", data, err)
		}
		return
	}
	if deep {
		// Deeper than the scanner's limit: it may refuse, encoding/json
		// does not. Nothing more to compare.
		return
	}
	if err != nil && strings.HasPrefix(err.Error(), "invalid JSON") {
		t.Fatalf("Extract rejects valid JSON %q (depth %d): %v", data, jsonDepth(data), err)
	}

	doc, derr := refDecode(data)
	if derr != nil {
		t.Fatalf("reference decoder failed on valid JSON %q: %v", data, derr)
	}
	want, wantOK := refFields(doc, getFirst)

	dup, esc := refAmbiguity(doc, wantTree)
	if !dup {
		// No duplicates on the wanted paths: the ordered reference must
		// agree with a plain json.Unmarshal into map[string]any.
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var m any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("json.Unmarshal failed on valid JSON %q: %v", data, err)
		}
		mwant, mOK := refFields(m, getMap)
		if mOK != wantOK || (mOK && mwant != want) {
			t.Fatalf("reference disagrees with itself on %q:\nordered %v %+v\nmap     %v %+v", data, wantOK, want, mOK, mwant)
		}
	}

	if extractKnownBugs && (esc || hasEscapedCreatedAt(doc)) {
		return
	}
	if wantOK != (err == nil) {
		t.Fatalf("Extract(%q): error %v, reference says ok=%v (%+v)", data, err, wantOK, want)
	}
	if err != nil {
		return
	}
	if got := normFields(got); got != want {
		t.Fatalf("Extract(%q):\n got %+v\nwant %+v", data, got, want)
	}
}

// extractSeeds are the hand-made seeds of FuzzExtract. The checked-in
// corpus in testdata/fuzz/FuzzExtract holds these and more; the test
// re-adds them so the seeds stay readable here.
func extractSeeds(t testing.TB) [][]byte {
	t.Helper()
	var seeds [][]byte

	page, err := os.ReadFile("../testdata/seed_activities.json")
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Items []json.RawMessage }
	if err := json.Unmarshal(page, &p); err != nil {
		t.Fatal(err)
	}
	for _, it := range p.Items {
		seeds = append(seeds, it)
	}
	seeds = append(seeds, page) // an object without event_id

	lines := ndjsonLines(t)
	for _, i := range []int{0, 1, 150, 299, 300, 301, 302, 303, 304, 305} {
		if i < len(lines) {
			seeds = append(seeds, lines[i])
		}
	}
	l := lines[0]
	for _, n := range []int{0, 1, 10, len(l) / 2, len(l) - 2, len(l) - 1} {
		seeds = append(seeds, l[:n])
	}

	base := func(extra string) []byte {
		return []byte(`{"event_id":"e1","created_at":"2024-02-29T12:00:00.5Z"` + extra + `}`)
	}
	for _, s := range []string{
		// numbers
		`,"n":-0`, `,"n":1e5`, `,"n":1.5E-3`, `,"n":01`, `,"n":1.`, `,"n":-`, `,"n":-01`,
		`,"n":.5`, `,"n":+1`, `,"n":1e`, `,"n":1e+`, `,"n":0.0e-0`, `,"n":1e400`, `,"n":-1E+999`,
		// escapes
		`,"event_type":"caf\u00e9"`, `,"event_type":"\ud83d\ude00"`, `,"event_type":"\ud800"`,
		`,"event_type":"\ud800x"`, `,"event_type":"\udc00\ud800"`, `,"event_type":"\ud800\u0041"`,
		`,"event_type":"\x"`, `,"event_type":"\u12"`, `,"event_type":"\uZZZZ"`, `,"event_type":"a\/b\"c\\d\b\f\n\r\t"`,
		`,"event_type":"\u0000"`,
		// raw control characters and DEL
		",\"event_type\":\"a\x01b\"", ",\"event_type\":\"a\tb\"", ",\"event_type\":\"a\x7fb\"",
		// invalid UTF-8
		",\"event_type\":\"a\xffb\"", ",\"client_ip\":\"\xc3\"", ",\"x\xff\":1",
		// types
		`,"operation_successful":true`, `,"operation_successful":"yes"`, `,"user":null`, `,"user":[]`,
		`,"user":{"user_email":7}`, `,"extra":{"auth":{"is_suspicious":false}}`, `,"extra":{"auth":1}`,
		`,"client_location":{"country":{"code":"FR"}}`, `,"client_location":{"country":"FR"}`,
		`,"vendor":{"name":"aws","service":"s3","name":"gcp"}`,
		// duplicates
		`,"event_id":"e2"`, `,"user":{"user_email":"a"},"user":{"user_email":"b"}`,
		// literals
		`,"a":tru`, `,"a":nul`, `,"a":[true,false,null]`, `,"a":[1,]`, `,"a":{"b":1,}`, `,"a":[}`,
	} {
		seeds = append(seeds, base(s))
	}
	for _, s := range []string{
		``, ` `, `{}`, `[]`, `null`, `"x"`, `1`, `{`, `}`, `{"event_id"`, `{"event_id":`,
		`{"event_id":1,"created_at":"2021-01-01T00:00:00Z"}`,
		`{"event_id":"","created_at":"2021-01-01T00:00:00Z"}`,
		`{"event_id":"a","created_at":"2021-02-30T00:00:00Z"}`,
		`{"event_id":"a","created_at":"2021-01-01T00:00:00+02:00"}`,
		`{"event_id":"a","created_at":"2021-01-01T00:00:00.123456789Z"}`,
		`{"event_id":"a","created_at":1}`,
		" \t\r\n{\"event_id\":\"a\",\"created_at\":\"2021-01-01T00:00:00Z\"} \t\r\n",
		`{"event_id":"a","created_at":"2021-01-01T00:00:00Z"} x`,
		`{"event_id":"a","created_at":"2021-01-01T00:00:00Z"}{}`,
		`{"event_id":"a","created_at":"2021-01-01T00:00:00Z"}` + "\x00",
		"\ufeff{\"event_id\":\"a\",\"created_at\":\"2021-01-01T00:00:00Z\"}",
		"{\"event_id\":\"a\",\"created_at\":\"2021-01-01T00:00:00Z\"\v}",
	} {
		seeds = append(seeds, []byte(s))
	}
	// nesting around the limit, in skipped and in wanted members
	for _, n := range []int{255, 256, 257, 300} {
		seeds = append(seeds, base(`,"deep":`+strings.Repeat("[", n-1)+strings.Repeat("]", n-1)))
		seeds = append(seeds, base(`,"deep":`+strings.Repeat("[", n-1)+"1"+strings.Repeat("]", n-1)))
		seeds = append(seeds, base(`,"deep":`+strings.Repeat(`{"a":`, n-1)+"1"+strings.Repeat("}", n-1)))
		seeds = append(seeds, []byte(strings.Repeat("[", n)+strings.Repeat("]", n)))
	}
	return seeds
}

// ndjsonLines returns the lines of testdata/activities.ndjson.
func ndjsonLines(t testing.TB) [][]byte {
	t.Helper()
	f, err := os.Open("../testdata/activities.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), MaxEventBytes)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) == 0 {
		t.Fatal("testdata/activities.ndjson is empty")
	}
	return lines
}

func FuzzExtract(f *testing.F) {
	for _, s := range extractSeeds(f) {
		f.Add(s)
	}
	if extractKnownBugs {
		// Let a long run explore the escaped forms too.
		for _, s := range []string{
			`{"event\u005fid":"a","created_at":"2021-01-01T00:00:00Z"}`,
			`{"event_id":"a","created_at":"2021-01-01T00:00:00\u005a","us\u0065r":{"user_email":"x"}}`,
		} {
			f.Add([]byte(s))
		}
	}
	var x FieldExtractor // reused across inputs, as ingest does
	f.Fuzz(func(t *testing.T, data []byte) {
		checkExtract(t, &x, data)
		// A fresh extractor must agree with the reused one.
		var y FieldExtractor
		a, aerr := x.Extract(data)
		b, berr := y.Extract(data)
		if a != b || (aerr == nil) != (berr == nil) || (aerr != nil && aerr.Error() != berr.Error()) {
			t.Fatalf("reused and fresh extractors disagree on %q: %+v %v / %+v %v", data, a, aerr, b, berr)
		}
	})
}
