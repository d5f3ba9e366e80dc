package query

import (
	"math"
	"testing"
	"time"

	"github.com/valyala/fastjson"
)

// testNow is the fixed "now" for relative times in tests.
var testNow = time.Date(2018, 6, 24, 0, 0, 0, 0, time.UTC)

// sampleDoc is the seed's first activity (003) with a few extra raw fields.
const sampleDoc = `{
  "event_id": "-6285966971996490902#0",
  "client_ip": "86.176.87.160",
  "event_type": "login",
  "created_at": "2018-06-23T15:18:09.000Z",
  "operation_successful": true,
  "client_location": {"lat": 51.8, "lng": -0.35, "country": {"code": "GB", "name": "United Kingdom"},
    "region": {"code": "F8", "name": "Hertford"}, "city": "Harpenden"},
  "event_category": "auth",
  "origin_id": "-6285966971996490902",
  "user": {"vendor_id": "108287862377325873441", "user_email": "Alice@Example.com"},
  "user_agent": "",
  "vendor": {"name": "google", "service": "auth"},
  "extra": {"auth": {"auth_type": "", "is_suspicious": null}},
  "raw": {
    "kind": "admin#reports#activity",
    "actor": {"profileId": "108287862377325873441", "email": "alice@example.com"},
    "id": {"uniqueQualifier": "-6285966971996490902", "applicationName": "login", "time": "2018-06-23T15:18:09.000Z"},
    "ipAddress": "86.176.87.160",
    "events": [{"type": "login", "name": "login_success",
                "parameters": [{"name": "login_type", "value": "google_password"}]}],
    "count": 5, "ratio": 0.5, "big": 1e300, "flag": true, "off": false, "nothing": null,
    "tags": ["a", "B", 7, true], "empty": [], "nested": [["x", "y"], ["z"]],
    "when": "2018-06-20T00:00:00Z", "esc": "caf\u00e9 \"quoted\"", "numstr": "10"
  }
}`

func parseDoc(t testing.TB, s string) *fastjson.Value {
	t.Helper()
	v, err := fastjson.Parse(s)
	if err != nil {
		t.Fatalf("fastjson.Parse: %v", err)
	}
	return v
}

func TestMatchJSON(t *testing.T) {
	tests := []struct {
		dsl  string
		want bool
	}{
		{"", true},
		// strings
		{"event_type.eq(login)", true},
		{"event_type.eq(Login)", false},
		{"event_type.ne(login)", false},
		{"event_type.ne(logout)", true},
		{"!event_type.eq(login)", false},
		{"!event_type.ne(login)", true},
		{"event_type.in(logout,login)", true},
		{"event_type.in(logout,other)", false},
		{"event_type.iin(LOGIN)", true},
		{"event_type.iin(LOGOUT,x)", false},
		{"user.user_email.eq(alice@example.com)", false},
		{"user.user_email.iin(alice@example.com)", true},
		{"user.user_email.contains(@Example)", true},
		{"user.user_email.contains(@example)", false},
		{"user.user_email.icontains(EXAMPLE.COM)", true},
		{"user.user_email.icontains(bob,example)", true},
		{"!user.user_email.icontains(example)", false},
		{"client_ip.gt(8)", true},
		{"client_ip.lt(9)", true},
		{"client_ip.ge(86.176.87.160),client_ip.le(86.176.87.160)", true},
		{"event_id.lt(0)", true},
		{"user_agent.isnull()", false},
		{"client_location.country.code.in(US,GB)", true},
		{"client_location.city.eq(Harpenden),vendor.name.eq(google),event_category.eq(auth)", true},
		{"client_location.city.eq(Harpenden),vendor.name.eq(microsoft)", false},
		// times
		{"created_at.ge(2018-06-23)", true},
		{"created_at.lt(2018-06-23)", false},
		{"created_at.gt(2018-06-23T15:18:09Z)", false},
		{"created_at.ge(2018-06-23T15:18:09Z)", true},
		{"created_at.eq(2018-06-23T15:18:09Z)", true},
		{"created_at.eq(2018-06-23T16:18:09+01:00)", true},
		{"created_at.ne(2018-06-23T15:18:09)", false},
		{"created_at.lt(2018-06-23T16:18:09+01:00)", false},
		{"created_at.le(2018-06-23T16:18:09.000000001+01:00)", true},
		{"created_at.in(2018-01-01,2018-06-23T15:18:09.000Z)", true},
		{"created_at.ge(-24h)", true},
		{"created_at.ge(-1h)", false},
		{"created_at.ge(-1d)", true},
		{"created_at.ge(-90m)", false},
		{"created_at.ge(-86400s)", true},
		{"created_at.ge(-1w),created_at.lt(now)", true},
		{"created_at.gt(now)", false},
		{"!created_at.ge(-1h)", true},
		{"created_at.isnull()", false},
		{"triage.at.isnull()", true},
		{"triage.at.lt(now)", false},
		{"!triage.at.lt(now)", true},
		// booleans
		{"operation_successful", true},
		{"!operation_successful", false},
		{"operation_successful.eq(true)", true},
		{"operation_successful.eq(false)", false},
		{"operation_successful.ne(false)", true},
		{"operation_successful.in(false,true)", true},
		{"extra.auth.is_suspicious", false},
		{"!extra.auth.is_suspicious", true},
		{"extra.auth.is_suspicious.isnull()", true},
		{"extra.auth.is_suspicious.ne(true)", true},
		{"extra.auth.is_suspicious.eq(false)", false},
		// numbers
		{"client_location.lat.gt(50)", true},
		{"client_location.lat.lt(50)", false},
		{"client_location.lat.eq(51.8)", true},
		{"client_location.lat.eq(51.80)", true},
		{"client_location.lng.lt(0)", true},
		{"client_location.lng.in(1,-0.35)", true},
		{"client_location.lat.ge(51.8),client_location.lat.le(51.8)", true},
		// triage.state defaults to "new" when missing
		{"triage.state.eq(new)", true},
		{"triage.state.iin(NEW)", true},
		{"triage.state.ne(new)", false},
		{"triage.state.in(reviewed,escalated)", false},
		{"!triage.state.in(reviewed,escalated)", true},
		{"triage.state.isnull()", false},
		{"triage.note.isnull()", true},
		{"triage.note.contains(x)", false},
		{"triage.by.ne(bob)", true},
		// missing fields beneath open objects
		{"raw.nope.isnull()", true},
		{"!raw.nope.isnull()", false},
		{"raw.nope.eq(x)", false},
		{"raw.nope.ne(x)", true},
		{"raw.nope.gt(1)", false},
		{"!raw.nope.gt(1)", true},
		{"raw.nope.contains(x)", false},
		{"raw.nope", false},
		{"!raw.nope", true},
		{"raw.nothing.isnull()", true},
		{"raw.kind.deeper.isnull()", true},
		{"raw.kind.deeper.eq(x)", false},
		{"user.department.isnull()", true},
		// arrays: any element; numeric segments index
		{"raw.events.name.eq(login_success)", true},
		{"raw.events.name.ne(login_success)", false},
		{"raw.events.parameters.value.eq(google_password)", true},
		{"raw.events.parameters.name.in(x,login_type)", true},
		{"raw.events.0.name.eq(login_success)", true},
		{"raw.events.0.parameters.0.value.eq(google_password)", true},
		{"raw.events.1.name.isnull()", true},
		{"raw.events.1.name.eq(login_success)", false},
		{"raw.tags.eq(B)", true},
		{"raw.tags.eq(b)", false},
		{"raw.tags.iin(b)", true},
		{"raw.tags.ne(a)", false},
		{"!raw.tags.eq(c)", true},
		{"raw.tags.eq(7)", true},
		{"raw.tags.gt(6.5)", true},
		{"raw.tags.eq(true)", true},
		{"raw.tags", true},
		{"raw.tags.1.eq(B)", true},
		{"raw.tags.1.eq(a)", false},
		{"raw.tags.9.isnull()", true},
		{"raw.tags.isnull()", false},
		{"raw.empty.isnull()", true},
		{"raw.empty.eq(x)", false},
		{"raw.empty.ne(x)", true},
		{"raw.empty.x.isnull()", true},
		{"raw.nested.eq(z)", true},
		{"raw.nested.1.eq(z)", true},
		{"raw.nested.0.eq(z)", false},
		{"raw.events.contains(login_success)", true},
		// dynamic numbers, booleans, strings
		{"raw.count.eq(5)", true},
		{"raw.count.eq(5.0)", true},
		{"raw.count.eq(5e0)", true},
		{"raw.count.ne(5)", false},
		{"raw.count.in(4,5)", true},
		{"raw.count.gt(4)", true},
		{"raw.count.gt(10)", false},
		{"raw.count.gt(abc)", false},
		{"raw.count.contains(5)", true},
		{"raw.count.iin(5)", true},
		{"raw.ratio.lt(1)", true},
		{"raw.ratio.eq(.5)", true},
		{"raw.ratio.contains(0.5)", true},
		{"raw.big.gt(1e299)", true},
		{"raw.flag", true},
		{"raw.off", false},
		{"!raw.off", true},
		{"raw.flag.eq(true)", true},
		{"raw.flag.eq(TRUE)", false},
		{"raw.flag.iin(TRUE)", true},
		{"raw.flag.eq(1)", false},
		{"raw.flag.gt(false)", false},
		{"raw.off.eq(false)", true},
		{"raw.kind.eq(admin#reports#activity)", true},
		{"raw.kind.gt(a)", true},
		{"raw.kind.lt(b)", true},
		{"raw.kind", false},
		{"raw.numstr.eq(10)", true},
		{"raw.numstr.gt(9)", false}, // strings compare bytewise
		{"raw.when.lt(2018-06-21)", true},
		{"raw.when.gt(-7d)", true},
		{"raw.when.gt(-1d)", false},
		{"raw.when.ge(2018-06-20T02:00:00+02:00)", true},
		{"raw.when.eq(2018-06-20T00:00:00Z)", true},
		{"raw.when.eq(2018-06-20)", false}, // eq compares text
		{"raw.id.time.gt(2018-06-23T15:00:00Z)", true},
		{"raw.esc.eq(café \"quoted\")", true},
		{"raw.esc.icontains(CAFÉ)", true},
		// contains on objects: any leaf beneath, keys not searched
		{"raw.actor.contains(alice)", true},
		{"raw.actor.contains(profileId)", false},
		{"raw.contains(google_password)", true},
		{"raw.icontains(GOOGLE_PASSWORD)", true},
		{"raw.contains(login_type)", true},
		{"raw.contains(parameters)", false},
		{"raw.contains(1e300)", true},
		{"!raw.contains(nothing-like-this)", true},
		{"user.contains(108287862377325873441)", true},
		{"client_location.contains(51.8)", true},
		{"raw.actor.eq(alice@example.com)", false},
		{"raw.actor.ne(x)", true},
		{"raw.actor.isnull()", false},
		{"raw.actor", false},
		// several terms
		{"event_type.eq(login),created_at.ge(-24h),operation_successful,!extra.auth.is_suspicious", true},
		{"event_type.eq(login),created_at.ge(-1h)", false},
	}
	for _, tt := range tests {
		c := mustCompile(t, tt.dsl)
		// A fresh document each time: fastjson unescapes lazily in place.
		if got := c.MatchJSON(parseDoc(t, sampleDoc)); got != tt.want {
			t.Errorf("%s: MatchJSON = %v, want %v", tt.dsl, got, tt.want)
		}
		// Negating a single term flips the result.
		if len(c.Preds) == 1 {
			term := c.Preds[0].Term
			term.Negate = !term.Negate
			nc, err := Compile(Filter{Terms: []Term{term}}, ActivitySchema, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if got := nc.MatchJSON(parseDoc(t, sampleDoc)); got == tt.want {
				t.Errorf("%s: negated MatchJSON = %v, want %v", term, got, !tt.want)
			}
		}
	}
}

func TestMatchColumns(t *testing.T) {
	pred := func(dsl string) *Pred { return mustCompile(t, dsl).Preds[0] }
	ok := func(name string, got, want bool) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	p := pred("event_type.ne(login)")
	ok("ne MatchString(login)", p.MatchString("login"), false)
	ok("ne MatchString(x)", p.MatchString("x"), true)
	ok("ne MatchMissing", p.MatchMissing(), true)
	p = pred("!event_type.ne(login)")
	ok("!ne MatchMissing", p.MatchMissing(), false)
	ok("!ne MatchString(login)", p.MatchString("login"), true)
	p = pred("event_type.in(a,b,c,d,e,f,g,h,i,j,login)") // large set
	ok("set MatchString(login)", p.MatchString("login"), true)
	ok("set MatchString(Login)", p.MatchString("Login"), false)
	p = pred("event_type.iin(a,b,c,d,e,f,g,h,i,j,LogIn)")
	ok("iset MatchString(LOGIN)", p.MatchString("LOGIN"), true)
	ok("iset MatchString(LOGINX)", p.MatchString("LOGINX"), false)
	ok("iset MatchString(J)", p.MatchString("J"), true)

	p = pred("created_at.ge(-24h)")
	ok("time MatchTime(now-1h)", p.MatchTime(testNow.Add(-time.Hour).UnixNano()), true)
	ok("time MatchTime(now-25h)", p.MatchTime(testNow.Add(-25*time.Hour).UnixNano()), false)
	ok("time MatchString(2018-06-23T15:18:09.000Z)", p.MatchString("2018-06-23T15:18:09.000Z"), true)
	ok("time MatchString(2018-06-22T15:18:09Z)", p.MatchString("2018-06-22T15:18:09Z"), false)
	ok("time MatchString(garbage)", p.MatchString("garbage"), false)
	ok("time MatchMissing", p.MatchMissing(), false)
	p = pred("!created_at.ge(-24h)")
	ok("!time MatchString(garbage)", p.MatchString("garbage"), true)
	ok("!time MatchMissing", p.MatchMissing(), true)

	p = pred("triage.state.eq(new)")
	ok("default MatchMissing", p.MatchMissing(), true)
	ok("default MatchString(reviewed)", p.MatchString("reviewed"), false)
	p = pred("triage.state.in(reviewed,escalated)")
	ok("default in MatchMissing", p.MatchMissing(), false)
	p = pred("triage.state.isnull()")
	ok("default isnull MatchMissing", p.MatchMissing(), false)
	p = pred("triage.note.isnull()")
	ok("isnull MatchMissing", p.MatchMissing(), true)
	ok("isnull MatchString()", p.MatchString(""), false)

	p = pred("operation_successful")
	ok("bare MatchBool(true)", p.MatchBool(true), true)
	ok("bare MatchBool(false)", p.MatchBool(false), false)
	ok("bare MatchMissing", p.MatchMissing(), false)
	ok("bare MatchString(true)", p.MatchString("true"), false)
	p = pred("!operation_successful")
	ok("!bare MatchBool(false)", p.MatchBool(false), true)
	ok("!bare MatchMissing", p.MatchMissing(), true)
	p = pred("operation_successful.eq(false)")
	ok("eq(false) MatchBool(false)", p.MatchBool(false), true)

	p = pred("client_location.lat.gt(50)")
	ok("num MatchNumber(51.8)", p.MatchNumber(51.8), true)
	ok("num MatchNumber(50)", p.MatchNumber(50), false)
	ok("num MatchNumber(NaN)", p.MatchNumber(math.NaN()), false)
	ok("num MatchString(51.8)", p.MatchString("51.8"), false)
	p = pred("client_location.lat.ne(50)")
	ok("num ne MatchNumber(50)", p.MatchNumber(50), false)
	ok("num ne MatchMissing", p.MatchMissing(), true)

	p = pred("raw.count.eq(5)")
	ok("dyn MatchNumber(5)", p.MatchNumber(5), true)
	ok("dyn MatchString(5)", p.MatchString("5"), true)
	ok("dyn MatchString(5.0)", p.MatchString("5.0"), false)
	p = pred("raw.count.contains(5)")
	ok("dyn contains MatchNumber(15)", p.MatchNumber(15), true)
	ok("dyn contains MatchNumber(1e21)", p.MatchNumber(1e21), false)
	ok("dyn contains MatchNumber(0.5)", p.MatchNumber(0.5), true)
	ok("dyn contains MatchBool", p.MatchBool(true), false)
	p = pred("raw.x.eq(true)")
	ok("dyn MatchBool(true)", p.MatchBool(true), true)
	ok("dyn MatchString(true)", p.MatchString("true"), true)
	p = pred("raw.x.ge(-7d)")
	ok("dyn time MatchString", p.MatchString("2018-06-20T00:00:00Z"), true)
	ok("dyn time MatchTime", p.MatchTime(testNow.UnixNano()), true)
	ok("dyn time MatchString(old)", p.MatchString("2018-06-01T00:00:00Z"), false)
	p = pred("event_id.eq(123)")
	ok("string MatchNumber(123)", p.MatchNumber(123), true)
}

func TestAppendNumber(t *testing.T) {
	for f, want := range map[float64]string{0: "0", 5: "5", -0.35: "-0.35", 51.8: "51.8", 1e20: "100000000000000000000",
		1e21: "1e+21", 1e-6: "0.000001", 1e-7: "1e-7", 1.5e-10: "1.5e-10", 1e300: "1e+300", 12345678901234567890: "12345678901234567000"} {
		if got := string(appendNumber(nil, f)); got != want {
			t.Errorf("appendNumber(%v) = %s, want %s", f, got, want)
		}
	}
}

func TestMatchEmptyCompiled(t *testing.T) {
	c, err := Compile(Filter{}, ActivitySchema, testNow)
	if err != nil || !c.MatchJSON(parseDoc(t, `{}`)) || len(c.Preds) != 0 {
		t.Fatalf("empty filter should match everything: %v", err)
	}
}

func TestMatchNoAllocs(t *testing.T) {
	c := mustCompile(t, "event_type.in(login,logout),created_at.ge(-24h),operation_successful,client_location.lat.gt(10),user.user_email.icontains(EXAMPLE),raw.events.name.eq(login_success),raw.count.gt(1),raw.tags.iin(b),triage.state.eq(new)")
	doc := parseDoc(t, sampleDoc)
	if !c.MatchJSON(doc) {
		t.Fatal("should match")
	}
	if n := testing.AllocsPerRun(100, func() { c.MatchJSON(doc) }); n != 0 {
		t.Errorf("MatchJSON allocates %v times per call", n)
	}
	preds := c.Preds
	if n := testing.AllocsPerRun(100, func() {
		preds[0].MatchString("login")
		preds[1].MatchString("2018-06-23T15:18:09.000Z")
		preds[1].MatchTime(1)
		preds[3].MatchNumber(12.5)
		preds[4].MatchString("alice@example.com")
		preds[8].MatchMissing()
	}); n != 0 {
		t.Errorf("Match* allocate %v times per call", n)
	}
}
