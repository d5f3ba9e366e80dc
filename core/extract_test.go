package core

import (
	"strings"
	"testing"
	"time"
)

// ev builds an activity with a valid event_id and created_at followed by
// extra members (extra starts with a comma when not empty).
func ev(extra string) string {
	return `{"event_id":"e1","created_at":"2018-06-23T15:18:09.000Z"` + extra + `}`
}

func TestExtractErrors(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct {
		in   string
		want string
	}{
		// not an object
		{`[]`, "not a JSON object but array"},
		{`"x"`, "not a JSON object but string"},
		{`null`, "not a JSON object but null"},
		{`1.5`, "not a JSON object but number"},
		{`true`, "not a JSON object but boolean"},

		// event_id
		{`{}`, "missing event_id"},
		{`{"created_at":"2018-06-23T15:18:09.000Z"}`, "missing event_id"},
		{`{"event_id":null}`, "missing event_id"},
		{`{"event_id":""}`, "missing event_id (empty string)"},
		{`{"event_id":1}`, "event_id must be a string, got number"},
		{`{"event_id":-0.5e3}`, "event_id must be a string, got number"},
		{`{"event_id":true}`, "event_id must be a string, got boolean"},
		{`{"event_id":{}}`, "event_id must be a string, got object"},
		{`{"event_id":["a"]}`, "event_id must be a string, got array"},
		{`{"raw":{"event_id":"nested"}}`, "missing event_id"},
		{`{"a":[{"event_id":"in an array"}]}`, "missing event_id"},

		// created_at
		{`{"event_id":"a"}`, "missing created_at"},
		{`{"event_id":"a","created_at":null}`, "missing created_at"},
		{`{"event_id":"a","created_at":1529767089}`, "created_at must be an RFC 3339 string, got number"},
		{`{"event_id":"a","created_at":false}`, "created_at must be an RFC 3339 string, got boolean"},
		{`{"event_id":"a","created_at":{}}`, "created_at must be an RFC 3339 string, got object"},
		{`{"event_id":"a","created_at":"yesterday"}`,
			`unparseable created_at "yesterday": expected RFC 3339 like 2018-06-23T15:18:09.000Z`},
		{`{"event_id":"a","created_at":""}`,
			`unparseable created_at "": expected RFC 3339 like 2018-06-23T15:18:09.000Z`},
		{`{"event_id":"a","created_at":"2021-02-30T00:00:00Z"}`,
			`unparseable created_at "2021-02-30T00:00:00Z": expected RFC 3339 like 2018-06-23T15:18:09.000Z`},
		{`{"event_id":"a","created_at":"2018-06-23 15:18:09"}`,
			`unparseable created_at "2018-06-23 15:18:09": expected RFC 3339 like 2018-06-23T15:18:09.000Z`},
		// RFC 3339, but outside int64 nanoseconds: the message gives the range
		{`{"event_id":"a","created_at":"0001-01-01T00:00:00Z"}`,
			`created_at "0001-01-01T00:00:00Z" is outside the range events can have: 1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z`},
		{`{"event_id":"a","created_at":"9999-12-31T23:59:59.999Z"}`,
			`created_at "9999-12-31T23:59:59.999Z" is outside the range events can have: 1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z`},
		// the text in the message is decoded, quoted and cut at 64 bytes
		{`{"event_id":"a","created_at":"tab\there"}`,
			`unparseable created_at "tab\there": expected RFC 3339 like 2018-06-23T15:18:09.000Z`},
		{`{"event_id":"a","created_at":"` + long + `"}`,
			`unparseable created_at "` + long[:64] + `...": expected RFC 3339 like 2018-06-23T15:18:09.000Z`},

		// optional strings
		{ev(`,"event_type":1`), "event_type must be a string, got number"},
		{ev(`,"event_type":true`), "event_type must be a string, got boolean"},
		{ev(`,"client_ip":[]`), "client_ip must be a string, got array"},
		{ev(`,"client_ip":{"v4":"1.2.3.4"}`), "client_ip must be a string, got object"},
		{ev(`,"user":{"user_email":7}`), "user.user_email must be a string, got number"},
		{ev(`,"vendor":{"name":false}`), "vendor.name must be a string, got boolean"},
		{ev(`,"vendor":{"name":"aws","service":3}`), "vendor.service must be a string, got number"},
		{ev(`,"client_location":{"country":{"code":44}}`), "client_location.country.code must be a string, got number"},

		// parents
		{ev(`,"user":"bob@example.com"`), "user must be an object, got string"},
		{ev(`,"user":[{"user_email":"a"}]`), "user must be an object, got array"},
		{ev(`,"user":1`), "user must be an object, got number"},
		{ev(`,"vendor":"aws"`), "vendor must be an object, got string"},
		{ev(`,"client_location":true`), "client_location must be an object, got boolean"},
		{ev(`,"client_location":{"country":"FR"}`), "client_location.country must be an object, got string"},
		{ev(`,"extra":[]`), "extra must be an object, got array"},
		{ev(`,"extra":{"auth":0}`), "extra.auth must be an object, got number"},

		// optional booleans
		{ev(`,"operation_successful":"yes"`), "operation_successful must be true, false or null, got string"},
		{ev(`,"operation_successful":1`), "operation_successful must be true, false or null, got number"},
		{ev(`,"extra":{"auth":{"is_suspicious":{}}}`), "extra.auth.is_suspicious must be true, false or null, got object"},
		{ev(`,"extra":{"auth":{"is_suspicious":"false"}}`), "extra.auth.is_suspicious must be true, false or null, got string"},

		// the first failing field is the one reported
		{ev(`,"client_ip":1,"event_type":2`), "event_type must be a string, got number"},

		// invalid JSON: position and reason
		{``, "invalid JSON at byte 0: expected a JSON value, found end of input"},
		{"  \n", "invalid JSON at byte 3: expected a JSON value, found end of input"},
		{`{`, "invalid JSON at byte 1: expected a member name, found end of input"},
		{`{"a"}`, `invalid JSON at byte 4: expected ":" after a member name, found "}"`},
		{`{"a":1,}`, `invalid JSON at byte 7: expected a member name, found "}"`},
		{`{"a":1 "b":2}`, `invalid JSON at byte 7: expected "," or "}" in object, found "\""`},
		{`{"a":01}`, `invalid JSON at byte 6: expected "," or "}" in object, found "1"`},
		{`{"a":1.}`, `invalid JSON at byte 7: expected a digit after the decimal point, found "}"`},
		{`{"a":-}`, `invalid JSON at byte 6: expected a digit, found "}"`},
		{`{"a":1e}`, `invalid JSON at byte 7: expected an exponent, found "}"`},
		{`{"a":tru}`, `invalid JSON at byte 5: expected a JSON value, found "t"`},
		{`{"a":[1,]}`, `invalid JSON at byte 8: expected a JSON value, found "]"`},
		{`{"a":[1}`, `invalid JSON at byte 7: expected "," or "]" in array, found "}"`},
		{`{"a":{"b":1]}`, `invalid JSON at byte 11: expected "," or "}" in object, found "]"`},
		{`{"a":"x\qy"}`, `invalid JSON at byte 8: invalid escape`},
		{`{"a":"\u12"}`, `invalid JSON at byte 6: invalid \u escape`},
		{"{\"a\":\"x\x01\"}", "invalid JSON at byte 7: control character in string"},
		{`{"a":"open`, "invalid JSON at byte 10: unterminated string"},
		{`{} x`, `invalid JSON at byte 3: unexpected "x" after the JSON value`},
		{"{}\x00", "invalid JSON at byte 2: unexpected byte 0x00 after the JSON value"},
		{"\xef\xbb\xbf{}", "invalid JSON at byte 0: expected a JSON value, found byte 0xef"},
		{`{}{}`, `invalid JSON at byte 2: unexpected "{" after the JSON value`},
		{strings.Repeat("[", 300) + strings.Repeat("]", 300), "invalid JSON at byte 257: nested deeper than 256 levels"},
		{`{"` + strings.Repeat("k", 200) + `":1 x}`, `invalid JSON at byte 206: expected "," or "}" in object, found "x"`},
	}
	var x FieldExtractor
	for _, tc := range tests {
		f, err := x.Extract([]byte(tc.in))
		if err == nil {
			t.Errorf("Extract(%.80q) = %+v, want error %q", tc.in, f, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("Extract(%.80q):\n got error %q\nwant error %q", tc.in, err, tc.want)
		}
	}
}

func TestExtractErrorTruncated(t *testing.T) {
	// The message stays short however large the input (the scanner's text is
	// cut at 160 bytes plus "...").
	var x FieldExtractor
	in := `{"a":1 ` + strings.Repeat(" ", 1<<20) + "x}"
	_, err := x.Extract([]byte(in))
	if err == nil {
		t.Fatal("no error")
	}
	if got := err.Error(); len(got) > len("invalid JSON ")+160+len("...") {
		t.Errorf("error is %d bytes long: %q", len(got), got)
	}
}

func TestExtractFields(t *testing.T) {
	ts := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixNano()
	}
	tests := []struct {
		name string
		in   string
		want ActivityFields
	}{
		{"minimal", ev(``), ActivityFields{EventID: "e1", CreatedAt: ts("2018-06-23T15:18:09Z")}},
		{
			"all fields",
			`{"event_id":"-6285966971996490902#0","client_ip":"86.176.87.160","event_type":"login",
			  "created_at":"2018-06-23T15:18:09.000Z","operation_successful":true,
			  "client_location":{"lat":51.8,"country":{"code":"GB","name":"United Kingdom"},"city":"Harpenden"},
			  "user":{"vendor_id":"1","user_email":"bob@example.com"},
			  "vendor":{"name":"google","service":"auth"},
			  "extra":{"auth":{"auth_type":"","is_suspicious":false}},"raw":{"event_id":"other"}}`,
			ActivityFields{
				EventID: "-6285966971996490902#0", CreatedAt: ts("2018-06-23T15:18:09Z"),
				EventType: "login", UserEmail: "bob@example.com", ClientIP: "86.176.87.160",
				VendorName: "google", VendorService: "auth", Country: "GB",
				Successful: TriTrue, Suspicious: TriFalse,
			},
		},
		{
			"nulls and missing parents are empty",
			ev(`,"event_type":null,"client_ip":null,"user":null,"vendor":{},"client_location":{"country":null},
			    "extra":{"auth":{"is_suspicious":null}},"operation_successful":null`),
			ActivityFields{EventID: "e1", CreatedAt: ts("2018-06-23T15:18:09Z")},
		},
		{
			"booleans",
			ev(`,"operation_successful":false,"extra":{"auth":{"is_suspicious":true}}`),
			ActivityFields{EventID: "e1", CreatedAt: ts("2018-06-23T15:18:09Z"), Successful: TriFalse, Suspicious: TriTrue},
		},
		{
			"escapes are decoded",
			`{"event_id":"a\"b\\c\/d","created_at":"2018-06-23T15:18:09.000Z","event_type":"caf\u00e9 \ud83d\ude00",
			  "client_ip":"\b\f\n\r\t","user":{"user_email":"\ud800 lone \udc00 \ud800\u0041 \u0000"}}`,
			ActivityFields{
				EventID: `a"b\c/d`, CreatedAt: ts("2018-06-23T15:18:09Z"),
				EventType: "café 😀", ClientIP: "\b\f\n\r\t", UserEmail: "\uFFFD lone \uFFFD \uFFFDA \x00",
			},
		},
		{
			"raw UTF-8 and DEL pass through",
			ev(`,"client_location":{"country":{"code":"東京"}},"event_type":"a` + "\x7f" + `b"`),
			ActivityFields{EventID: "e1", CreatedAt: ts("2018-06-23T15:18:09Z"), Country: "東京", EventType: "a\x7fb"},
		},
		{
			"first occurrence of a duplicated member wins",
			`{"event_id":"first","event_id":"second","created_at":"2018-06-23T15:18:09.000Z","created_at":"bad",
			  "user":{"user_email":"a","user_email":"b"},"user":{"user_email":"c"},"event_type":null,"event_type":"x"}`,
			ActivityFields{EventID: "first", CreatedAt: ts("2018-06-23T15:18:09Z"), UserEmail: "a"},
		},
		{
			"a later duplicate of an invalid member is not consulted",
			ev(`,"vendor":{"name":"aws"},"vendor":7`),
			ActivityFields{EventID: "e1", CreatedAt: ts("2018-06-23T15:18:09Z"), VendorName: "aws"},
		},
		{
			"whitespace around and inside",
			" \t\r\n{ \"event_id\" : \"e1\" ,\n\"created_at\"\t:\r\"2018-06-23T15:18:09.000Z\" , \"user\" : { \"user_email\" : \"u\" } } \n\t",
			ActivityFields{EventID: "e1", CreatedAt: ts("2018-06-23T15:18:09Z"), UserEmail: "u"},
		},
		{
			"wanted names below other members are ignored",
			ev(`,"extra":{"user_email":"no","auth":{"user_email":"no"}},"tags":[{"event_type":"no"}],"x":{"vendor":{"name":"no"}}`),
			ActivityFields{EventID: "e1", CreatedAt: ts("2018-06-23T15:18:09Z")},
		},
		{
			"number edge cases elsewhere",
			ev(`,"n":[-0,0,1e5,1.5E-3,-1e-7,0.0e+0,1e400,123456789012345678901234567890]`),
			ActivityFields{EventID: "e1", CreatedAt: ts("2018-06-23T15:18:09Z")},
		},
		{
			"offset created_at",
			`{"event_id":"e1","created_at":"2018-06-23T17:18:09.5+02:00"}`,
			ActivityFields{EventID: "e1", CreatedAt: ts("2018-06-23T15:18:09.5Z")},
		},
	}
	var x FieldExtractor
	for _, tc := range tests {
		got, err := x.Extract([]byte(tc.in))
		if err != nil {
			t.Errorf("%s: Extract: %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestExtractReuse(t *testing.T) {
	// One extractor serves a whole ingest; nothing may leak from one event
	// into the next, whether the previous one succeeded or failed.
	var x FieldExtractor
	full := ev(`,"event_type":"login","user":{"user_email":"a"},"vendor":{"name":"v","service":"s"},
		"client_location":{"country":{"code":"GB"}},"operation_successful":true,"extra":{"auth":{"is_suspicious":true}}`)
	if _, err := x.Extract([]byte(full)); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Extract([]byte(ev(`,"user":7`))); err == nil {
		t.Fatal("want error")
	}
	got, err := x.Extract([]byte(`{"event_id":"e2","created_at":"2018-06-23T15:18:09.000Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := ActivityFields{EventID: "e2", CreatedAt: time.Date(2018, 6, 23, 15, 18, 9, 0, time.UTC).UnixNano()}
	if got != want {
		t.Errorf("after reuse got %+v, want %+v", got, want)
	}
}

func TestExtractDepthLimit(t *testing.T) {
	var x FieldExtractor
	nest := func(n int) string { return strings.Repeat("[", n) + "1" + strings.Repeat("]", n) }
	objNest := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	// The top-level object is one level: 256 levels in all are accepted,
	// 257 are not, whether below a skipped member or a wanted one.
	cases := []struct {
		in string
		ok bool
	}{
		{ev(`,"d":` + nest(255)), true},
		{ev(`,"d":` + nest(256)), false},
		{ev(`,"d":` + objNest(255)), true},
		{ev(`,"d":` + objNest(256)), false},
		{ev(`,"extra":{"auth":{"x":` + nest(253) + `}}`), true},
		{ev(`,"extra":{"auth":{"x":` + nest(254) + `}}`), false},
		{ev(`,"d":` + nest(100000)), false}, // no stack overflow
		{ev(`,"d":` + strings.Repeat("[", 100000)), false},
	}
	for _, tc := range cases {
		_, err := x.Extract([]byte(tc.in))
		if tc.ok && err != nil {
			t.Errorf("Extract(%.60q... depth %d): %v", tc.in, jsonDepth([]byte(tc.in)), err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "nested deeper than 256 levels")) {
			t.Errorf("Extract(%.60q... depth %d) = %v, want the depth error", tc.in, jsonDepth([]byte(tc.in)), err)
		}
	}
}

// Member names written with escapes are still member names: encoding/json
// (and fastjson, which the query evaluator uses) read {"event\u005fid":"a"}
// as {"event_id":"a"}. jsonScanner.object only matches unescaped names
// (jsonscan.go: `if want != nil && !k.escaped`), so such an event is
// rejected as "missing event_id" or loses its columns.
func TestExtractEscapedMemberName(t *testing.T) {
	var x FieldExtractor
	got, err := x.Extract([]byte(`{"event\u005fid":"a","created_at":"2021-01-01T00:00:00Z","\u0065vent_type":"login",
		"user":{"user_\u0065mail":"bob@example.com"}}`))
	if err != nil {
		t.Fatalf("Extract: %v (encoding/json reads event_id \"a\")", err)
	}
	if got.EventID != "a" || got.EventType != "login" || got.UserEmail != "bob@example.com" {
		t.Errorf("got %+v, want EventID a, EventType login, UserEmail bob@example.com", got)
	}
}

// created_at is a JSON string like any other: its escapes must be decoded
// before it is parsed. Extract parses the raw bytes between the quotes
// (extract.go: `ParseTimestamp(raw[ca.start+1 : ca.end-1])`).
func TestExtractEscapedCreatedAt(t *testing.T) {
	var x FieldExtractor
	got, err := x.Extract([]byte(`{"event_id":"a","created_at":"2021-01-01T00:00:00\u002e5\u005a"}`))
	if err != nil {
		t.Fatalf("Extract: %v (the decoded created_at is 2021-01-01T00:00:00.5Z)", err)
	}
	if want := time.Date(2021, 1, 1, 0, 0, 0, 5e8, time.UTC).UnixNano(); got.CreatedAt != want {
		t.Errorf("CreatedAt = %d, want %d", got.CreatedAt, want)
	}
}

func TestParseTimestamp(t *testing.T) {
	utc := func(y, mo, d, h, mi, s, ns int) int64 {
		return time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC).UnixNano()
	}
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		// fast path: YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z
		{"2018-06-23T15:18:09Z", utc(2018, 6, 23, 15, 18, 9, 0), true},
		{"2018-06-23T15:18:09.1Z", utc(2018, 6, 23, 15, 18, 9, 100000000), true},
		{"2018-06-23T15:18:09.12Z", utc(2018, 6, 23, 15, 18, 9, 120000000), true},
		{"2018-06-23T15:18:09.123Z", utc(2018, 6, 23, 15, 18, 9, 123000000), true},
		{"2018-06-23T15:18:09.000Z", utc(2018, 6, 23, 15, 18, 9, 0), true},
		{"2018-06-23T15:18:09.1234Z", utc(2018, 6, 23, 15, 18, 9, 123400000), true},
		{"2018-06-23T15:18:09.12345Z", utc(2018, 6, 23, 15, 18, 9, 123450000), true},
		{"2018-06-23T15:18:09.123456Z", utc(2018, 6, 23, 15, 18, 9, 123456000), true},
		{"2018-06-23T15:18:09.1234567Z", utc(2018, 6, 23, 15, 18, 9, 123456700), true},
		{"2018-06-23T15:18:09.12345678Z", utc(2018, 6, 23, 15, 18, 9, 123456780), true},
		{"2018-06-23T15:18:09.123456789Z", utc(2018, 6, 23, 15, 18, 9, 123456789), true},
		{"2018-06-23T15:18:09.000000001Z", utc(2018, 6, 23, 15, 18, 9, 1), true},
		{"1970-01-01T00:00:00Z", 0, true},
		{"1969-12-31T23:59:59.999999999Z", -1, true},
		{"2024-02-29T00:00:00Z", utc(2024, 2, 29, 0, 0, 0, 0), true}, // leap year
		{"2000-02-29T23:59:59Z", utc(2000, 2, 29, 23, 59, 59, 0), true},
		{"2023-12-31T23:59:59Z", utc(2023, 12, 31, 23, 59, 59, 0), true},
		{"2021-02-30T00:00:00Z", 0, false},
		{"2021-02-29T00:00:00Z", 0, false}, // not a leap year
		{"1900-02-29T00:00:00Z", 0, false}, // century, not a leap year
		{"2021-04-31T00:00:00Z", 0, false},
		{"2021-13-01T00:00:00Z", 0, false},
		{"2021-00-01T00:00:00Z", 0, false},
		{"2021-01-00T00:00:00Z", 0, false},
		{"2021-01-32T00:00:00Z", 0, false},
		{"2021-01-01T24:00:00Z", 0, false},
		{"2021-01-01T00:60:00Z", 0, false},
		{"2021-01-01T23:59:60Z", 0, false}, // leap seconds: time.Parse refuses them too
		{"2021-01-01T00:00:00.Z", 0, false},
		{"2021-01-01T00:00:00.1a2Z", 0, false},
		{"2O21-01-01T00:00:00Z", 0, false},
		{"+021-01-01T00:00:00Z", 0, false},
		{"2021-1-01T00:00:00Z", 0, false},

		// fallback: time.Parse(time.RFC3339Nano)
		{"2018-06-23T17:18:09+02:00", utc(2018, 6, 23, 15, 18, 9, 0), true},
		{"2018-06-23T17:18:09.5+02:00", utc(2018, 6, 23, 15, 18, 9, 500000000), true},
		{"2018-06-23T10:48:09-04:30", utc(2018, 6, 23, 15, 18, 9, 0), true},
		{"2018-06-23T15:18:09+00:00", utc(2018, 6, 23, 15, 18, 9, 0), true},
		{"2018-06-23T15:18:09-00:00", utc(2018, 6, 23, 15, 18, 9, 0), true},
		{"2018-06-24T00:30:00+09:00", utc(2018, 6, 23, 15, 30, 0, 0), true},
		{"2018-06-23T15:18:09.1234567891Z", utc(2018, 6, 23, 15, 18, 9, 123456789), true}, // 10 digits
		{"2024-02-29T01:00:00+02:00", utc(2024, 2, 28, 23, 0, 0, 0), true},
		{"2021-02-30T00:00:00+02:00", 0, false},
		{"2021-02-29T00:00:00-01:00", 0, false},
		{"2018-06-23T15:18:09+2:00", 0, false},
		{"2018-06-23T15:18:09+02", 0, false},
		{"2018-06-23T15:18:09", 0, false},
		{"2018-06-23 15:18:09Z", 0, false},
		{"2018-06-23", 0, false},
		{"", 0, false},
		{"Z", 0, false},
		{"1529767089", 0, false},
	}
	for _, tc := range tests {
		got, ok := ParseTimestamp([]byte(tc.in))
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseTimestamp(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		// Whatever the path, the answer is time.Parse's.
		ref, err := time.Parse(time.RFC3339Nano, tc.in)
		if (err == nil) != ok || (ok && ref.UnixNano() != got) {
			t.Errorf("ParseTimestamp(%q) = %d, %v; time.Parse says %v, %v", tc.in, got, ok, ref, err)
		}
	}
}

func TestParseTimestampFastPathAllocs(t *testing.T) {
	b := []byte("2018-06-23T15:18:09.123Z")
	if n := testing.AllocsPerRun(100, func() { ParseTimestamp(b) }); n != 0 {
		t.Errorf("ParseTimestamp allocates %v times on the fast path", n)
	}
}

// CreatedAt is int64 nanoseconds, which only covers 1677-09-21 to
// 2262-04-11. ParseTimestamp accepts any RFC 3339 year and returns
// time.Time.UnixNano, whose result wraps outside that range: created_at
// "3000-01-01T00:00:00Z" is stored as 1830-11-23T00:50:52Z.
// A timestamp it cannot represent should be refused, not stored wrongly.
func TestParseTimestampOutOfRange(t *testing.T) {
	for _, in := range []string{
		"3000-01-01T00:00:00Z",
		"9999-12-31T23:59:59.999Z",
		"0001-01-01T00:00:00Z",
		"1600-01-01T00:00:00+01:00",
	} {
		got, ok := ParseTimestamp([]byte(in))
		if ok {
			t.Errorf("ParseTimestamp(%q) = %d (%s), true; want false (not representable)",
				in, got, time.Unix(0, got).UTC().Format(time.RFC3339Nano))
		}
	}
	// The ends of the range still parse.
	for _, in := range []string{"2262-04-11T23:47:16.854775807Z", "1677-09-21T00:12:43.145224192Z"} {
		got, ok := ParseTimestamp([]byte(in))
		ref, _ := time.Parse(time.RFC3339Nano, in)
		if !ok || got != ref.UnixNano() {
			t.Errorf("ParseTimestamp(%q) = %d, %v; want %d, true", in, got, ok, ref.UnixNano())
		}
	}
}

// inNanoRange reports whether t is representable as int64 unix nanoseconds.
func inNanoRange(t time.Time) bool {
	return !t.Before(time.Unix(0, -1<<63)) && !t.After(time.Unix(0, 1<<63-1))
}

func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{
		"2018-06-23T15:18:09.000Z", "2018-06-23T15:18:09Z", "2018-06-23T15:18:09.123456789Z",
		"2018-06-23T15:18:09.1234567891Z", "2018-06-23T17:18:09+02:00", "2021-02-30T00:00:00Z",
		"2024-02-29T00:00:00Z", "2021-01-01T23:59:60Z", "2021-01-01T00:00:00,5Z", "2021-01-01t00:00:00z",
		"2262-04-11T23:47:16.854775807Z", "1677-09-21T00:12:43.145224192Z", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseTimestamp([]byte(s))
		ref, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			if ok {
				t.Fatalf("ParseTimestamp(%q) = %d, true; time.Parse: %v", s, got, err)
			}
			return
		}
		if !inNanoRange(ref) {
			if extractKnownBugs {
				return // TestParseTimestampOutOfRange
			}
			if ok {
				t.Fatalf("ParseTimestamp(%q) = %d, true; %v is not representable", s, got, ref)
			}
			return
		}
		if !ok || got != ref.UnixNano() {
			t.Fatalf("ParseTimestamp(%q) = %d, %v; time.Parse gives %d", s, got, ok, ref.UnixNano())
		}
	})
}
