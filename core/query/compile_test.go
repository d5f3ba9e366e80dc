package query

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSchemaLookup(t *testing.T) {
	known := map[string]FieldType{
		"created_at": TypeTime, "event_id": TypeString, "operation_successful": TypeBool,
		"extra.auth.is_suspicious": TypeBool, "extra.auth.auth_type": TypeString,
		"client_location.lat": TypeNumber, "client_location.country.code": TypeString,
		"triage.state": TypeString, "triage.at": TypeTime, "user.user_email": TypeString,
		"raw": TypeDynamic, "raw.actor.email": TypeDynamic, "extra.auth": TypeDynamic, "extra.other.x": TypeDynamic,
		"user.department": TypeDynamic, "client_location.country": TypeDynamic, "vendor.x.y.0": TypeDynamic,
	}
	for f, want := range known {
		got, err := ActivitySchema.Lookup(f)
		if err != nil || got != want {
			t.Errorf("Lookup(%q) = %v, %v; want %v", f, got, err, want)
		}
	}
	unknown := map[string]string{
		"event_typ":        `filter: unknown field "event_typ"; did you mean "event_type"?`,
		"created":          `filter: unknown field "created"`,
		"triage":           `filter: unknown field "triage"`,
		"triage.stat":      `filter: unknown field "triage.stat"; did you mean "triage.state"?`,
		"created_at.x":     `filter: unknown field "created_at.x"; did you mean "created_at"?`,
		"raww.actor":       `filter: unknown field "raww.actor"; did you mean "raw.actor"?`,
		"subprotocol":      `filter: unknown field "subprotocol"`,
		"finished_at":      `filter: unknown field "finished_at"`,
		"retention_locked": `filter: unknown field "retention_locked"`,
	}
	for f, want := range unknown {
		_, err := ActivitySchema.Lookup(f)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Pos != -1 || fe.Field != f || err.Error() != want {
			t.Errorf("Lookup(%q) error = %v, want %s", f, err, want)
		}
	}
	if d, ok := ActivitySchema.Default("triage.state"); !ok || d != "new" {
		t.Errorf("Default(triage.state) = %q %v", d, ok)
	}
	if _, ok := ActivitySchema.Default("event_type"); ok {
		t.Error("event_type has no default")
	}
	fields := ActivitySchema.Fields()
	if len(fields) != 26 || fields[0] != "event_id" || !containsStr(fields, "extra.auth.is_suspicious") || !containsStr(fields, "triage.state") {
		t.Errorf("Fields() = %v", fields)
	}
	for _, f := range fields {
		if _, err := ActivitySchema.Lookup(f); err != nil {
			t.Errorf("Fields() lists %q but Lookup fails: %v", f, err)
		}
	}
	if got := ActivitySchema.OpenObjects(); !reflect.DeepEqual(got, []string{"client_location", "extra", "raw", "user", "vendor"}) {
		t.Errorf("OpenObjects() = %v", got)
	}
	if got := ActivitySchema.Enum("triage.state"); !reflect.DeepEqual(got, []string{"new", "reviewed", "escalated", "dismissed"}) {
		t.Errorf("Enum(triage.state) = %v", got)
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		in   string
		pos  int
		want string // the full Error()
	}{
		{"operation_successful.eq(maybe)", 0, `filter: at position 0: field "operation_successful": expected true or false, found "maybe"`},
		{"event_type.eq(x), operation_successful.eq(maybe)", 18, `filter: at position 18: field "operation_successful": expected true or false, found "maybe"`},
		{"operation_successful.in(true,1)", 0, `filter: at position 0: field "operation_successful": expected true or false, found "1"`},
		{"event_typ.eq(login)", 0, `filter: at position 0: unknown field "event_typ"; did you mean "event_type"?`},
		{"event_type.eq(a),!raww.x.isnull()", 17, `filter: at position 17: unknown field "raww.x"; did you mean "raw.x"?`},
		{"created_at.ge(yesterday)", 0, `filter: at position 0: field "created_at": expected a time (RFC 3339 such as 2025-12-09T12:00:51Z or a date 2006-01-02, years 0000 to 9999; now; or relative such as -24h or -7d), found "yesterday"`},
		{"created_at.ge(-5y)", 0, `filter: at position 0: field "created_at": expected a time (RFC 3339 such as 2025-12-09T12:00:51Z or a date 2006-01-02, years 0000 to 9999; now; or relative such as -24h or -7d), found "-5y"`},
		{"triage.at.lt(2018-02-30)", 0, `filter: at position 0: field "triage.at": expected a time (RFC 3339 such as 2025-12-09T12:00:51Z or a date 2006-01-02, years 0000 to 9999; now; or relative such as -24h or -7d), found "2018-02-30"`},
		{"client_location.lat.gt(north)", 0, `filter: at position 0: field "client_location.lat": expected a number, found "north"`},
		{"client_location.lng.eq(NaN)", 0, `filter: at position 0: field "client_location.lng": expected a number, found "NaN"`},
		{"operation_successful.gt(true)", 0, `filter: at position 0: field "operation_successful": operator gt does not apply to a boolean field`},
		{"extra.auth.is_suspicious.iin(TRUE)", 0, `filter: at position 0: field "extra.auth.is_suspicious": operator iin does not apply to a boolean field`},
		{"created_at.contains(2018)", 0, `filter: at position 0: field "created_at": operator contains does not apply to a time field`},
		{"client_location.lat.icontains(5)", 0, `filter: at position 0: field "client_location.lat": operator icontains does not apply to a number field`},
		{"event_type", 0, `filter: at position 0: field "event_type": a bare field tests a boolean, but this is a string field; use an operator such as eq(...)`},
		{"a.b.eq(x)", 0, `filter: at position 0: unknown field "a.b"`},
		{"triage.state.eq(open)", 0, `filter: at position 0: field "triage.state": expected one of new, reviewed, escalated, dismissed, found "open"`},
		{"triage.state.in(new,Reviewed)", 0, `filter: at position 0: field "triage.state": expected one of new, reviewed, escalated, dismissed, found "Reviewed"`},
		{"triage.foo.eq(x)", 0, `filter: at position 0: unknown field "triage.foo"`},
		{seedFilter, strings.Index(seedFilter, "subprotocol"), `filter: at position 88: unknown field "subprotocol"`},
	}
	for _, tt := range tests {
		f := mustParseDSL(t, tt.in)
		_, err := Compile(f, ActivitySchema, testNow)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Pos != tt.pos || err.Error() != tt.want {
			t.Errorf("Compile(%s):\n got %v\nwant %s (pos %d)", tt.in, err, tt.want, tt.pos)
		}
	}
	// Hand-built terms are checked too; Pos -1 drops "at position".
	bad := []struct {
		term Term
		want string
	}{
		{Term{Field: "event_type", Op: OpEq, Pos: -1}, `filter: field "event_type": operator eq takes exactly one argument`},
		{Term{Field: "event_type", Op: OpIn, Pos: -1}, `filter: field "event_type": operator in takes at least one argument`},
		{Term{Field: "event_type", Op: OpIsNull, Args: []string{"x"}, Pos: -1}, `filter: field "event_type": operator isnull takes no arguments`},
		{Term{Field: "event_type", Op: "like", Args: []string{"x"}, Pos: -1}, `filter: field "event_type": unknown operator "like"`},
		{Term{Field: "event type", Op: OpEq, Args: []string{"x"}, Pos: -1}, `filter: field "event type": invalid field name`},
	}
	for _, tt := range bad {
		_, err := Compile(Filter{Terms: []Term{tt.term}}, ActivitySchema, testNow)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Compile(%+v) = %v, want %s", tt.term, err, tt.want)
		}
	}
	// The seed's Fudo filter parses but does not compile against activities;
	// with no schema every field is dynamic and it compiles.
	if _, err := Compile(mustParseDSL(t, seedFilter), nil, testNow); err != nil {
		t.Errorf("Compile(seed, nil schema): %v", err)
	}
}

func mustCompile(t testing.TB, dsl string) *Compiled {
	t.Helper()
	c, err := Compile(mustParseDSL(t, dsl), ActivitySchema, testNow)
	if err != nil {
		t.Fatalf("Compile(%s): %v", dsl, err)
	}
	return c
}

func ns(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UnixNano()
}

func TestTimeRange(t *testing.T) {
	const minI, maxI = math.MinInt64, math.MaxInt64
	tests := []struct {
		dsl, field string
		lo, hi     int64
	}{
		{"", "created_at", minI, maxI},
		{"event_type.eq(login)", "created_at", minI, maxI},
		{"created_at.ge(2018-01-01),created_at.lt(2018-02-01)", "created_at", ns("2018-01-01T00:00:00Z"), ns("2018-02-01T00:00:00Z") - 1},
		{"created_at.gt(2018-01-01T00:00:00Z),created_at.le(2018-02-01T00:00:00+01:00)", "created_at", ns("2018-01-01T00:00:00Z") + 1, ns("2018-01-31T23:00:00Z")},
		{"created_at.ge(2018-01-01),created_at.ge(2018-01-05),created_at.le(2018-03-01),created_at.le(2018-02-01)", "created_at", ns("2018-01-05T00:00:00Z"), ns("2018-02-01T00:00:00Z")},
		{"!created_at.ge(2018-01-01),created_at.ne(2018-01-01)", "created_at", minI, maxI},
		{"created_at.eq(2018-01-01)", "created_at", ns("2018-01-01T00:00:00Z"), ns("2018-01-01T00:00:00Z")},
		{"created_at.in(2018-01-03,2018-01-01,2018-01-02)", "created_at", ns("2018-01-01T00:00:00Z"), ns("2018-01-03T00:00:00Z")},
		{"created_at.ge(-24h)", "created_at", testNow.Add(-24 * time.Hour).UnixNano(), maxI},
		{"created_at.ge(-7d),created_at.lt(now)", "created_at", testNow.AddDate(0, 0, -7).UnixNano(), testNow.UnixNano() - 1},
		{"created_at.isnull()", "created_at", minI, maxI},
		{"triage.at.ge(2018-01-01)", "created_at", minI, maxI},
		{"triage.at.ge(2018-01-01)", "triage.at", ns("2018-01-01T00:00:00Z"), maxI},
		{"created_at.le(9999-12-31)", "created_at", minI, maxI},
		{"created_at.gt(9999-12-31)", "created_at", maxI, minI},
		{"created_at.lt(0001-01-01)", "created_at", maxI, minI},
	}
	for _, tt := range tests {
		lo, hi := mustCompile(t, tt.dsl).TimeRange(tt.field)
		if lo != tt.lo || hi != tt.hi {
			t.Errorf("TimeRange(%q) of %s = [%d, %d], want [%d, %d]", tt.field, tt.dsl, lo, hi, tt.lo, tt.hi)
		}
	}
	lo, hi := mustCompile(t, "created_at.gt(2018-02-01),created_at.lt(2018-01-01)").TimeRange("created_at")
	if lo <= hi {
		t.Errorf("contradictory bounds: [%d, %d] should be empty", lo, hi)
	}
}

func TestValuesNeedles(t *testing.T) {
	type res struct {
		vals []string
		fold bool
		ok   bool
	}
	values := map[string]res{
		"event_type.eq(login)":                  {[]string{"login"}, false, true},
		"event_type.in(a,B)":                    {[]string{"a", "B"}, false, true},
		"event_type.iin(A,b,ÉT)":                {[]string{"a", "b", "ét"}, true, true},
		"operation_successful.eq(true)":         {[]string{"true"}, false, true},
		"triage.state.in(new,reviewed)":         {[]string{"new", "reviewed"}, false, true},
		"!event_type.eq(login)":                 {nil, false, false},
		"event_type.ne(login)":                  {nil, false, false},
		"event_type.contains(log)":              {nil, false, false},
		"client_location.lat.eq(5)":             {nil, false, false},
		"created_at.eq(2018-01-01)":             {nil, false, false},
		"raw.kind.eq(x)":                        {nil, false, false},
		"operation_successful":                  {nil, false, false},
		"event_type.gt(a)":                      {nil, false, false},
		"user.user_email.in(a@b.c,d@e.f,g@h.i)": {[]string{"a@b.c", "d@e.f", "g@h.i"}, false, true},
	}
	for dsl, want := range values {
		p := mustCompile(t, dsl).Preds[0]
		vals, fold, ok := p.Values()
		if ok != want.ok || fold != want.fold || !reflect.DeepEqual(vals, want.vals) {
			t.Errorf("Values() of %s = %v %v %v, want %v", dsl, vals, fold, ok, want)
		}
	}
	needles := map[string]res{
		"user.user_email.contains(@example.com)": {[]string{"@example.com"}, false, true},
		"raw.icontains(Google_Password,X)":       {[]string{"google_password", "x"}, true, true},
		"event_type.contains(a,b)":               {[]string{"a", "b"}, false, true},
		"!event_type.contains(a)":                {nil, false, false},
		"event_type.contains(a%22b)":             {nil, false, false},
		"event_type.contains(a/b)":               {nil, false, false},
		"event_type.contains(é)":                 {nil, false, false},
		"event_type.contains(x,a<b)":             {nil, false, false},
		"triage.state.contains(ne)":              {nil, false, false},
		"event_type.eq(a)":                       {nil, false, false},
	}
	for dsl, want := range needles {
		p := mustCompile(t, dsl).Preds[0]
		n, fold, ok := p.Needles()
		if ok != want.ok || fold != want.fold || !reflect.DeepEqual(n, want.vals) {
			t.Errorf("Needles() of %s = %v %v %v, want %v", dsl, n, fold, ok, want)
		}
	}
}
