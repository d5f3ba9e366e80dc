package query

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func dslArgs(n int) string {
	args := make([]string, n)
	for i := range args {
		args[i] = fmt.Sprintf("w%d", i)
	}
	return strings.Join(args, ",")
}

// TestFilterLimitsDSL: terms, arguments per term and argument bytes are
// capped, and the error names the position of the first thing over.
func TestFilterLimitsDSL(t *testing.T) {
	terms := strings.Repeat("a.eq(1),", MaxTerms) + "b"
	longArg := strings.Repeat("x", MaxArgBytes/2)
	tests := []struct {
		name, in string
		pos      int
		want     string
	}{
		{"terms", terms, len(terms) - 1, "expected at most 64 terms in one filter, found a 65th term"},
		{"args", "raw.icontains(" + dslArgs(MaxArgs+1) + ")", len("raw.icontains(" + dslArgs(MaxArgs) + ","), "at most 256 arguments in one term"},
		{"bytes", "a.in(" + longArg + "," + longArg + ",y)", len("a.in(" + longArg + "," + longArg + ","), "at most 65536 bytes of arguments in one filter"},
	}
	for _, tt := range tests {
		_, err := ParseDSL(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) || se.Pos != tt.pos || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: ParseDSL error %v, want a *SyntaxError at %d saying %q", tt.name, err, tt.pos, tt.want)
		}
	}
	// At the limits everything parses and compiles.
	ok := strings.Repeat("raw.a.eq(1),", MaxTerms-1) + "raw.icontains(" + dslArgs(MaxArgs) + ")"
	f, err := ParseDSL(ok)
	if err != nil {
		t.Fatalf("a filter at the limits: %v", err)
	}
	if _, err := Compile(f, ActivitySchema, testNow); err != nil {
		t.Fatalf("compile a filter at the limits: %v", err)
	}
}

func TestFilterLimitsJSON(t *testing.T) {
	vals := make([]string, MaxArgs+1)
	for i := range vals {
		vals[i] = fmt.Sprintf(`"v%d"`, i)
	}
	in := `{"raw.x":{"$in":[` + strings.Join(vals, ",") + `]}}`
	_, err := ParseJSON(in)
	var se *SyntaxError
	if want := strings.LastIndex(in, `"v256"`); !errors.As(err, &se) || se.Pos != want || !strings.Contains(err.Error(), "at most 256 arguments in one term") {
		t.Errorf("$in of %d values: error %v, want a *SyntaxError at %d", MaxArgs+1, err, want)
	}
	var b strings.Builder
	b.WriteString("{")
	for i := range MaxTerms + 1 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"raw.f%d":1`, i)
	}
	b.WriteString("}")
	in = b.String()
	_, err = ParseJSON(in)
	if want := strings.Index(in, `"raw.f64"`); !errors.As(err, &se) || se.Pos != want || !strings.Contains(err.Error(), "at most 64 terms") {
		t.Errorf("%d keys: error %v, want a *SyntaxError at %d", MaxTerms+1, err, want)
	}
	big := strings.Repeat("y", MaxArgBytes)
	if _, err = ParseJSON(`{"raw.a":"x","raw.b":"` + big + `"}`); !errors.As(err, &se) || !strings.Contains(err.Error(), "bytes of arguments") {
		t.Errorf("%d bytes of values: error %v", MaxArgBytes+1, err)
	}
}

func TestFilterLimitsParams(t *testing.T) {
	ids := make([]string, MaxArgs+1)
	for i := range ids {
		ids[i] = fmt.Sprintf("google:auth:%d#0", i)
	}
	check := func(name string, err error, param, want string) {
		t.Helper()
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != param || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want a *ParamError on %q saying %q", name, err, param, want)
		}
	}
	_, err := ParseCloudlockParams(url.Values{"ids": {strings.Join(ids, ",")}})
	check("cloudlock ids", err, "ids", "at most 256 arguments in one term")
	_, err = ParseCloudlockParams(url.Values{"created_after": strings.Split(strings.Repeat("2020-01-01,", MaxTerms+1), ",")[:MaxTerms+1]})
	check("cloudlock repeated created_after", err, "created_after", "at most 64 terms")
	_, err = ParseCloudlockParams(url.Values{"event_type": {"login"}, "filter": {strings.Repeat("raw.a,", MaxTerms-1) + "raw.b"}})
	check("cloudlock event_type plus a full DSL", err, "filter", "at most 64 terms")
	_, err = ParseHSSParams(url.Values{"event_id_list": ids})
	check("hss event_id_list", err, "event_id_list", "at most 256 arguments in one term")
	if _, err := ParseCloudlockParams(url.Values{"ids": {strings.Join(ids[:MaxArgs], ",")}}); err != nil {
		t.Errorf("ids at the limit: %v", err)
	}
}

// TestFilterLimitsCompile: a filter built in code (or combined from several
// parsed ones) is bounded too.
func TestFilterLimitsCompile(t *testing.T) {
	args := make([]string, MaxArgs+1)
	for i := range args {
		args[i] = fmt.Sprint(i)
	}
	_, err := Compile(Filter{Terms: []Term{{Field: "raw.x", Op: OpIcontains, Args: args, Pos: 7}}}, ActivitySchema, testNow)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Pos != 7 || !strings.Contains(err.Error(), "257 arguments") {
		t.Errorf("257 arguments: %v", err)
	}
	many := make([]Term, combinedFactor*MaxTerms+1)
	for i := range many {
		many[i] = Term{Field: "raw.x", Op: OpTrue, Pos: -1}
	}
	if _, err := Compile(Filter{Terms: many}, ActivitySchema, testNow); !errors.As(err, &fe) || !strings.Contains(err.Error(), "terms") {
		t.Errorf("%d terms: %v", len(many), err)
	}
}

// TestManyNeedlesMatch: the one-pass search gives the answers one search
// per argument gave, for values and for whole objects, with and without case.
func TestManyNeedlesMatch(t *testing.T) {
	doc := parseDoc(t, sampleDoc)
	for _, tt := range []struct {
		dsl  string
		want bool
	}{
		{manyNeedles("icontains", 50), false},
		{manyNeedles("icontains", 50) + ",raw.icontains(x)", false},
		{strings.Replace(manyNeedles("icontains", 50), "Needle0007x", "GOOGLE_password", 1), true},
		{strings.Replace(manyNeedles("contains", 50), "Needle0007x", "GOOGLE_password", 1), false},
		{strings.Replace(manyNeedles("contains", 50), "Needle0007x", "google_password", 1), true},
		{"user.user_email.icontains(zz,yy,xx,EXAMPLE.COM)", true},
		{"user.user_email.contains(zz,yy,xx,EXAMPLE.COM)", false},
		{"!user.user_email.icontains(zz,yy,xx,EXAMPLE.COM)", false},
	} {
		if got := mustCompile(t, tt.dsl).MatchJSON(doc); got != tt.want {
			t.Errorf("%.60s...: got %v, want %v", tt.dsl, got, tt.want)
		}
	}
}
