package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// seedFilter is the query_filter of the Fudo seed (001).
const seedFilter = "created_at.ge(2025-12-09T12%3A00%3A51.564Z),created_at.le(2026-01-10T12%3A00%3A51.564Z),subprotocol.iin(rdp),user_id.in(1224979098644774913),retention_locked,!finished_at.isnull(),status.iin(approved)"

func mustParseDSL(t testing.TB, s string) Filter {
	t.Helper()
	f, err := ParseDSL(s)
	if err != nil {
		t.Fatalf("ParseDSL(%q): %v", s, err)
	}
	return f
}

func TestParseDSLSeed(t *testing.T) {
	f := mustParseDSL(t, seedFilter)
	want := []Term{
		{Field: "created_at", Op: OpGe, Args: []string{"2025-12-09T12:00:51.564Z"}, Pos: 0},
		{Field: "created_at", Op: OpLe, Args: []string{"2026-01-10T12:00:51.564Z"}, Pos: strings.Index(seedFilter, "created_at.le")},
		{Field: "subprotocol", Op: OpIin, Args: []string{"rdp"}, Pos: strings.Index(seedFilter, "subprotocol")},
		{Field: "user_id", Op: OpIn, Args: []string{"1224979098644774913"}, Pos: strings.Index(seedFilter, "user_id")},
		{Field: "retention_locked", Op: OpTrue, Pos: strings.Index(seedFilter, "retention_locked")},
		{Field: "finished_at", Op: OpIsNull, Negate: true, Pos: strings.Index(seedFilter, "!finished_at")},
		{Field: "status", Op: OpIin, Args: []string{"approved"}, Pos: strings.Index(seedFilter, "status")},
	}
	if !reflect.DeepEqual(f.Terms, want) {
		t.Fatalf("terms:\n got %#v\nwant %#v", f.Terms, want)
	}
	s := f.String()
	const canon = "created_at.ge(2025-12-09T12:00:51.564Z),created_at.le(2026-01-10T12:00:51.564Z),subprotocol.iin(rdp),user_id.in(1224979098644774913),retention_locked,!finished_at.isnull(),status.iin(approved)"
	if s != canon {
		t.Fatalf("String:\n got %s\nwant %s", s, canon)
	}
	g := mustParseDSL(t, s)
	if !g.Equal(f) || g.String() != s {
		t.Fatalf("round trip changed the filter: %q", g.String())
	}
}

func TestParseDSLValid(t *testing.T) {
	tests := []struct {
		in, canon string
		terms     []Term // checked when set (Pos ignored)
	}{
		{in: "", canon: ""},
		{in: " \t\n ", canon: ""},
		{in: "retention_locked", canon: "retention_locked"},
		{in: "!a", canon: "!a", terms: []Term{{Field: "a", Negate: true}}},
		{in: "a.b.c", canon: "a.b.c", terms: []Term{{Field: "a.b.c", Op: OpTrue}}},
		{in: "a.isnull", canon: "a.isnull()", terms: []Term{{Field: "a", Op: OpIsNull}}},
		{in: "!raw.x.isnull,b", canon: "!raw.x.isnull(),b", terms: []Term{{Field: "raw.x", Op: OpIsNull, Negate: true}, {Field: "b", Op: OpTrue}}},
		{in: "isnull", canon: "isnull", terms: []Term{{Field: "isnull", Op: OpTrue}}},
		{in: "a.isnull.eq(true)", canon: "a.isnull.eq(true)", terms: []Term{{Field: "a.isnull", Op: OpEq, Args: []string{"true"}}}},
		{in: "a.eq.eq(x)", canon: "a.eq.eq(x)", terms: []Term{{Field: "a.eq", Op: OpEq, Args: []string{"x"}}}},
		{in: " a.eq( x ) , b.ne(y)\n", canon: "a.eq(x),b.ne(y)"},
		{in: "a.in( x , y ,z)", canon: "a.in(x,y,z)", terms: []Term{{Field: "a", Op: OpIn, Args: []string{"x", "y", "z"}}}},
		{in: "a.isnull()", canon: "a.isnull()"},
		{in: "a.isnull( )", canon: "a.isnull()"},
		{in: "raw.actor.email.icontains(@Example.COM)", canon: "raw.actor.email.icontains(@Example.COM)"},
		{in: "a.eq(hello world)", canon: "a.eq(hello%20world)", terms: []Term{{Field: "a", Op: OpEq, Args: []string{"hello world"}}}},
		{in: "a.eq(%2C%28%29%25)", canon: "a.eq(%2C%28%29%25)", terms: []Term{{Field: "a", Op: OpEq, Args: []string{",()%"}}}},
		{in: "a.eq(%20x%20)", canon: "a.eq(%20x%20)", terms: []Term{{Field: "a", Op: OpEq, Args: []string{" x "}}}},
		{in: "a.eq(%41b)", canon: "a.eq(Ab)"},
		{in: "a.eq(x(y)", canon: "a.eq(x%28y)", terms: []Term{{Field: "a", Op: OpEq, Args: []string{"x(y"}}}},
		{in: "a.eq(!x)", canon: "a.eq(!x)"},
		{in: "a.eq(-24h)", canon: "a.eq(-24h)"},
		{in: "a.eq(café)", canon: "a.eq(café)"},
		{in: "a.eq(%C2%85)", canon: "a.eq(%C2%85)", terms: []Term{{Field: "a", Op: OpEq, Args: []string{"\u0085"}}}},
		{in: "a.eq(%FF)", canon: "a.eq(%FF)", terms: []Term{{Field: "a", Op: OpEq, Args: []string{"\xff"}}}},
		{in: "a.eq(%7F)", canon: "a.eq(%7F)"},
		{in: "ids.in(google:auth:-1595373817266362937#0)", canon: "ids.in(google:auth:-1595373817266362937#0)"},
		{in: "@t.$x.-y_1.eq(1)", canon: "@t.$x.-y_1.eq(1)"},
		{in: "a,b,c", canon: "a,b,c"},
		{in: "a.eq(1),\n!b.contains(x,y)", canon: "a.eq(1),!b.contains(x,y)"},
	}
	for _, tt := range tests {
		f, err := ParseDSL(tt.in)
		if err != nil {
			t.Errorf("ParseDSL(%q): %v", tt.in, err)
			continue
		}
		if got := f.String(); got != tt.canon {
			t.Errorf("ParseDSL(%q).String() = %q, want %q", tt.in, got, tt.canon)
		}
		if tt.terms != nil && !f.Equal(Filter{Terms: tt.terms}) {
			t.Errorf("ParseDSL(%q) = %#v, want %#v", tt.in, f.Terms, tt.terms)
		}
		if g := mustParseDSL(t, f.String()); !g.Equal(f) {
			t.Errorf("round trip of %q: %#v != %#v", tt.in, g.Terms, f.Terms)
		}
	}
}

func TestParseDSLInvalid(t *testing.T) {
	tests := []struct {
		in       string
		pos      int
		expected string // substring of SyntaxError.Expected
		found    string
	}{
		{"a.eq(x", 6, `"," or ")"`, "end of input"},
		{"a.foo(x)", 2, "one of eq, ne, gt", `"foo"`},
		{"a.EQ(x)", 2, "one of eq, ne", `"EQ"`},
		{"a,", 2, "a term", "end of input"},
		{"a, ,b", 3, "a term", `","`},
		{",a", 0, "a term", `","`},
		{"!!a", 1, "a field", `"!"`},
		{"!", 1, "a field", "end of input"},
		{"a.eq()", 5, "an argument", `")"`},
		{"a.in()", 5, "an argument", `")"`},
		{"a.eq(x,y)", 6, `")" (eq takes exactly one argument)`, `","`},
		{"a.isnull(x)", 9, "isnull takes no arguments", `"x"`},
		{"a.isnull(", 9, `")"`, "end of input"},
		{"a.in(x,,y)", 7, "an argument", `","`},
		{"a.in(x, )", 8, "an argument", `")"`},
		{"a.eq(%zz)", 5, "two hex digits", `"%zz"`},
		{"a.eq(ab%4)", 7, "two hex digits", `"%4"`},
		{"a.eq(x%)", 6, "two hex digits", `"%"`},
		{"a x", 2, `"," or end of input`, `"x"`},
		{"a#", 1, `".", "(", "," or end of input`, `"#"`},
		{"a..b", 2, `a field segment after "."`, `"."`},
		{"a.", 2, "a field segment", "end of input"},
		{".a", 0, "a field", `"."`},
		{"a.eq(x)y", 7, `"," or end of input`, `"y"`},
		{"a.eq(x) (y)", 8, `"," or end of input`, `"("`},
		{"eq(x)", 0, "a field before the operator", `"eq"`},
		{"foo(x)", 3, `"." and an operator`, `"("`},
		{"! a", 1, "a field", `" "`},
		{"a.eq (x)", 4, `"(" and the arguments of eq`, `" "`},
		{"a.eq", 4, `"(" and the arguments of eq (a field named "eq" is tested as a.eq.eq(true))`, "end of input"},
		{"raw.x.icontains,b", 15, `"(" and the arguments of icontains`, `","`},
		{"a.eq(x),b.é(y)", 10, `a field segment after "."`, `"é"`},
		{"a.(x)", 2, "a field segment", `"("`},
		{"a.ge(1),,b", 8, "a term", `","`},
	}
	for _, tt := range tests {
		_, err := ParseDSL(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseDSL(%q): error %v, want a *SyntaxError", tt.in, err)
			continue
		}
		if se.Pos != tt.pos || !strings.Contains(se.Expected, tt.expected) || se.Found != tt.found {
			t.Errorf("ParseDSL(%q) = pos %d expected %s found %s; want pos %d expected ~%s found %s",
				tt.in, se.Pos, se.Expected, se.Found, tt.pos, tt.expected, tt.found)
		}
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	_, err := ParseDSL("event_type.eq(login),retention_locked x")
	want := `filter: at position 38: expected "," or end of input, found "x"`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %s", err, want)
	}
	_, err = ParseDSL("a.eq(x")
	if want := `filter: at position 6: expected "," or ")", found end of input`; err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %s", err, want)
	}
}

func TestFilterStringEncoding(t *testing.T) {
	f := Filter{Terms: []Term{
		{Field: "a", Op: OpIn, Args: []string{"x,y", "(z)", "50%", " lead", "tab\there", "nl\n", "del\x7f", "bad\xffutf8", "c1\u0085", "ünïcødé ✓", "a!b:c#d\"e'f"}},
		{Field: "b", Op: OpIsNull, Negate: true},
		{Field: "c"},
	}}
	want := `a.in(x%2Cy,%28z%29,50%25,%20lead,tab%09here,nl%0A,del%7F,bad%FFutf8,c1%C2%85,ünïcødé ✓,a!b:c#d"e'f),!b.isnull(),c`
	want = strings.Replace(want, "ünïcødé ✓", "ünïcødé%20✓", 1)
	if got := f.String(); got != want {
		t.Fatalf("String:\n got %s\nwant %s", got, want)
	}
	g := mustParseDSL(t, want)
	if !g.Equal(f) {
		t.Fatalf("round trip: %#v", g.Terms)
	}
}

func TestFilterEqualAnd(t *testing.T) {
	a := mustParseDSL(t, "a.eq(1),b")
	b := mustParseDSL(t, "  a.eq( 1 ) ,  b")
	if !a.Equal(b) {
		t.Error("Equal should ignore positions")
	}
	if a.Equal(mustParseDSL(t, "a.eq(1),!b")) || a.Equal(mustParseDSL(t, "a.eq(1)")) || a.Equal(mustParseDSL(t, "a.eq(2),b")) {
		t.Error("Equal should compare negation, length and args")
	}
	if !(Filter{}).Equal(Filter{Terms: []Term{}}) || !(Filter{}).IsEmpty() || a.IsEmpty() {
		t.Error("empty filters")
	}
	if !mustParseDSL(t, "x.isnull()").Equal(Filter{Terms: []Term{{Field: "x", Op: OpIsNull, Args: []string{}}}}) {
		t.Error("nil and empty args should be equal")
	}
	c := a.And(mustParseDSL(t, "c.gt(2)"))
	if c.String() != "a.eq(1),b,c.gt(2)" {
		t.Errorf("And = %s", c)
	}
	// And must not alias the receiver's backing array.
	a2 := Filter{Terms: make([]Term, 1, 10)}
	a2.Terms[0] = Term{Field: "x"}
	x := a2.And(Filter{Terms: []Term{{Field: "y"}}})
	y := a2.And(Filter{Terms: []Term{{Field: "z"}}})
	if x.Terms[1].Field != "y" || y.Terms[1].Field != "z" {
		t.Error("And aliases its receiver")
	}
	if !(Filter{}).And(Filter{}).IsEmpty() {
		t.Error("empty And empty")
	}
}
