package query

import (
	"errors"
	"net/url"
	"testing"

	"github.com/valyala/fastjson"
)

var dslSeeds = []string{
	seedFilter,
	"",
	"retention_locked",
	"!a.b.isnull(),c.in( x , y )",
	"a.eq(%2C%28%29%25%20),b.eq(café),c.eq(%C2%85%FF)",
	"raw.actor.email.icontains(@Example.COM),created_at.ge(-24h)",
	"a.eq(x(y),b.contains(!),c.eq(%41)",
	"a.eq(x",
	"a.foo(x)",
	"!!a",
	"a.in(x,,y)",
	"a.eq(%zz)",
	"eq(x)",
	"a.eq(\t\n x \r)",
}

func checkSyntaxError(t *testing.T, in string, err error) {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("%q: error %T %v is not a *SyntaxError", in, err, err)
	}
	if se.Pos < 0 || se.Pos > len(in) || se.Expected == "" || se.Found == "" {
		t.Fatalf("%q: bad SyntaxError %+v", in, se)
	}
}

// checkRoundTrip asserts that f's DSL parses back to an Equal filter and
// that String is stable.
func checkRoundTrip(t *testing.T, src string, f Filter) {
	t.Helper()
	s := f.String()
	g, err := ParseDSL(s)
	if err != nil {
		t.Fatalf("%q: String() = %q does not parse: %v", src, s, err)
	}
	if !g.Equal(f) {
		t.Fatalf("%q: String() = %q parses to %#v, want %#v", src, s, g.Terms, f.Terms)
	}
	if s2 := g.String(); s2 != s {
		t.Fatalf("%q: String() not stable: %q then %q", src, s, s2)
	}
}

func FuzzParseDSL(f *testing.F) {
	for _, s := range dslSeeds {
		f.Add(s)
	}
	doc, _ := fastjson.Parse(sampleDoc)
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseDSL(s)
		if err != nil {
			checkSyntaxError(t, s, err)
			return
		}
		for _, term := range flt.Terms {
			if term.Pos < 0 || term.Pos >= len(s) {
				t.Fatalf("%q: term %v has Pos %d", s, term, term.Pos)
			}
		}
		checkRoundTrip(t, s, flt)
		// Compiling and matching must not panic whatever the fields and args.
		for _, schema := range []*Schema{ActivitySchema, nil} {
			if c, err := Compile(flt, schema, testNow); err == nil {
				c.MatchJSON(doc)
				c.TimeRange("created_at")
			} else if _, ok := err.(*FieldError); !ok {
				t.Fatalf("%q: Compile error %T", s, err)
			}
		}
	})
}

var jsonSeeds = []string{
	`{"activity_start_timestamp":{"$eq":86400}}`,
	`{"timestamp":{"$gte":"2022-07-27T14:35:33.735Z","$lte":"2022-08-03T14:35:33.735Z"}}`,
	`{"entity_type":{"$in":["LocalProtectionGroup, DynamoDB"]}}`,
	`{"status":{"$in":["success","failed"]}}`,
	`{"primary_entity.value":{"$in":["vol-0a"]}}`,
	`{"a":1.50,"b":-0.0,"c":1e3,"d":12345678901234567890,"e":true,"f":null,"g":{"$ne":null}}`,
	`{"a":"caf\u00e9 \"q\", (x)\ud83d\ude00"}`,
	`{"timestamp":{"$gte":"2022-07-27T14:35:33Z","$eq":"60"}}`,
	`{"a":{"$in":[]}}`,
	`{"a":1,}`,
	`[]`,
	``,
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseJSON(s)
		if err != nil {
			checkSyntaxError(t, s, err)
			return
		}
		checkRoundTrip(t, s, flt)
	})
}

var paramSeeds = []string{
	"event_type=login,user_settings&ids=google:auth:-1595373817266362937%230,aws:CloudTrail:d891a0e2&created_after=2016-01-01",
	"filter=event_type.eq(login),!operation_successful&limit=10&offset=0",
	"last_days=7&private_ip=10.0.0.1&handle_status=handled",
	"begin_time=1700000000000&end_time=1700086400000&event_id_list=a,b&event_name=x%20y&category=auth",
	"last_days=7&begin_time=1",
	"filter=a.eq(",
	"created_after=%00&event_type=%2C%2C",
	"a=%zz&b",
}

func FuzzParseParams(f *testing.F) {
	for _, s := range paramSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		v, _ := url.ParseQuery(q) // keeps what parsed before an error
		for _, parse := range []func(url.Values) (Filter, error){ParseCloudlockParams, ParseHSSParams} {
			flt, err := parse(v)
			if err != nil {
				var pe *ParamError
				if !errors.As(err, &pe) || pe.Param == "" || pe.Msg == "" {
					t.Fatalf("%q: error %T %v is not a *ParamError", q, err, err)
				}
				continue
			}
			checkRoundTrip(t, q, flt)
		}
	})
}

var orderSeeds = []string{"", "!finished_at", " !created_at , event_id ,client_location.country.code", "a,", "!!a", "a b", "a..b"}

func FuzzParseOrder(f *testing.F) {
	for _, s := range orderSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOrder(s)
		if err != nil {
			checkSyntaxError(t, s, err)
			return
		}
		if len(o) == 0 {
			t.Fatalf("%q: empty order", s)
		}
		out := o.String()
		o2, err := ParseOrder(out)
		if err != nil || o2.String() != out || len(o2) != len(o) {
			t.Fatalf("%q: round trip %q -> %v %v", s, out, o2, err)
		}
		for i := range o {
			if o[i] != o2[i] {
				t.Fatalf("%q: round trip changed key %d: %v != %v", s, i, o[i], o2[i])
			}
		}
	})
}

// FuzzMatch checks evaluation invariants on arbitrary filters and documents:
// no panics, a negated term gives the opposite answer, and for a top-level
// string, boolean, null or missing value MatchJSON agrees with the column
// methods.
func FuzzMatch(f *testing.F) {
	f.Add("event_type.eq(login)", `{"event_type":"login"}`)
	f.Add("raw.tags.iin(b)", `{"raw":{"tags":["a","B"]}}`)
	f.Add("raw.contains(5)", `{"raw":{"a":{"b":[5,"x"]}}}`)
	f.Add("x.gt(-24h)", `{"x":"2018-06-23T00:00:00Z"}`)
	f.Add("x.icontains(É)", `{"x":"caf\u00e9"}`)
	f.Add("x.0.1.eq(2)", `{"x":[[1,2]]}`)
	f.Add("x", `{"x":true}`)
	f.Add("x.isnull()", `{"x":null}`)
	f.Fuzz(func(t *testing.T, dsl, js string) {
		flt, err := ParseDSL(dsl)
		if err != nil {
			return
		}
		if _, err := fastjson.Parse(js); err != nil {
			return
		}
		for _, schema := range []*Schema{nil, ActivitySchema} {
			c, err := Compile(flt, schema, testNow)
			if err != nil {
				continue
			}
			for _, p := range c.Preds {
				doc, _ := fastjson.Parse(js)
				got := p.MatchJSON(doc)
				neg := p.Term
				neg.Negate = !neg.Negate
				nc, err := Compile(Filter{Terms: []Term{neg}}, schema, testNow)
				if err != nil {
					t.Fatalf("negated term does not compile: %v", err)
				}
				doc, _ = fastjson.Parse(js)
				if nc.Preds[0].MatchJSON(doc) == got {
					t.Fatalf("%s and %s agree (%v) on %s", p.Term, neg, got, js)
				}
				if len(p.Path) != 1 || doc.Type() != fastjson.TypeObject {
					continue
				}
				v := doc.Get(p.Path[0])
				var col bool
				switch {
				case v == nil || v.Type() == fastjson.TypeNull:
					col = p.MatchMissing()
				case v.Type() == fastjson.TypeString:
					col = p.MatchString(string(v.GetStringBytes()))
				case v.Type() == fastjson.TypeTrue || v.Type() == fastjson.TypeFalse:
					col = p.MatchBool(v.GetBool())
				default:
					continue
				}
				if col != got {
					t.Fatalf("%s on %s: MatchJSON %v, column method %v", p.Term, js, got, col)
				}
			}
		}
	})
}
