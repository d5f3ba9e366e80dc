package conformance

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// fieldEvents are events whose shapes the repository's fixture lacks:
// nested objects of any depth, arrays of objects and of scalars, numbers in
// unusual text (1e3, -0, 12.50, 1E-2), strings with unicode and other
// escapes, fields present in some events only, and words to find by full
// text. Each line is kept byte for byte (spacing included) so the suite can
// check that a backend returns the event exactly as ingested.
var fieldEvents = []string{
	`{"event_id":"f:01","created_at":"2026-10-30T10:00:00.000Z","event_type":"login","operation_successful":true,"user":{"user_email":"ana@example.com"},"vendor":{"name":"google","service":"auth"},"raw":{"events":[{"name":"open","type":"file"},{"name":"close","type":"file"}],"n":1e3,"price":12.50,"label":"M\u00fcnchen","tags":["a","b"],"deep":{"a":{"b":{"c":{"d":"x"}}}},"sparse":"here","note":"the pineapple report"}}`,
	`{"event_id":"f:02","created_at":"2026-10-30T11:00:00.000Z","event_type":"login","operation_successful":false,"user":{"user_email":"bo@example.com"},"vendor":{"name":"google","service":"auth"},"raw":{"events":[{"name":"close","type":"file"},{"name":"open","type":"dir"}],"n":1000,"price":12.5,"label":"München","tags":["b"],"deep":{"a":{"b":{"c":{"d":"y"}}}}}}`,
	`{"event_id":"f:03","created_at":"2026-10-30T12:00:00.000Z","event_type":"file_access","operation_successful":true,"user":{"user_email":"ana@example.com"},"vendor":{"name":"aws","service":"s3"},"raw":{"events":[],"n":-0,"price":0.1250e2,"label":"Munich","tags":[],"sparse":null,"esc":"\u0041\"q\"\\\/\n\t"}}`,
	`{"event_id":"f:04","created_at":"2026-10-30T13:00:00.000Z","event_type":"file_access","operation_successful":true,"user":{"user_email":"cy@example.com"},"vendor":{"name":"aws","service":"s3"},"raw":{"events":[{"name":"open","parameters":[{"name":"path","value":"/etc/passwd"},{"name":"mode","value":"r"}]}],"n":-12,"price":1E-2,"label":"K\u00f8benhavn \ud83d\ude00","sparse":"","deep":{"a":[{"b":{"c":{"d":"x"}}},{"b":{"c":{"d":"z"}}}]}}}`,
	`{"event_id":"f:05","created_at":"2026-10-30T14:00:00.000Z","event_type":"login","operation_successful":true,"user":{"user_email":"dee@example.com"},"vendor":{"name":"microsoft365","service":"aad"},"raw":{"events":{"name":"open"},"n":3.0,"price":-1.5e1,"label":"PINEAPPLE fields","sparse":"here","note":"nothing to see"}}`,
	`{"event_id":"f:06","created_at":"2026-10-30T15:00:00.000Z","event_type":"login","operation_successful":false,"user":{"user_email":"ana@example.com"},"vendor":{"name":"microsoft365","service":"aad"},"raw":{"events":[{"type":"file"},{"name":"open"}],"n":0.5,"pineapple":1,"tags":["a"],"deep":{"a":{"b":"flat"}}}}`,
	`{"event_id":"f:07","created_at":"2026-10-30T16:00:00.000Z","event_type":"logout","user":{"user_email":"ed@example.com"},"vendor":{"name":"google","service":"auth"},"raw":{"events":[{"name":"close"}],"n":2e+3,"price":12.500,"label":"","note":"Pineapples are not pineapple."}}`,
	`{ "event_id" : "f:08", "created_at" : "2026-10-30T17:00:00.000Z", "event_type" : "login", "operation_successful" : true, "vendor" : { "name" : "google" }, "raw" : { "n" : 1e3 , "events" : [ { "name" : "open" } ] } }`,
	`{"event_id":"f:09","created_at":"2026-10-30T18:00:00.000Z","event_type":"login","operation_successful":true,"user":{"user_email":"fay@example.com"},"vendor":{"name":"google","service":"auth"},"raw":{"events":[{"name":"OPEN"},{"name":["open","shut"]}],"n":-1e3,"tags":["A","c"],"sparse":"here","zeta":1,"alpha":2}}`,
	`{"event_id":"f:10","created_at":"2026-10-30T19:00:00.000Z","event_type":"file_access","operation_successful":true,"user":{"user_email":"gus@example.com"},"vendor":{"name":"aws","service":"s3"},"raw":{"n":100,"price":1250e-2,"deep":{"a":{"b":{"c":{"d":"x","e":[1,2,3]}}}},"esc":"tab\there"}}`,
}

// fieldCase is a DSL filter and what it means, written out independently of
// the engine's evaluator: want reports whether an event (decoded with
// json.Number numbers) matches.
type fieldCase struct {
	dsl  string
	want func(doc map[string]any) bool
}

// fieldCases hold today's semantics: a path walks objects; an array met on
// the way, or as the value, matches when any element does (an empty array
// counts as missing); a numeric segment indexes an array; numbers compare as
// numbers whatever their text; strings compare unescaped; a bare word that
// is no field searches, ignoring case, every string, number and boolean of
// the document (not its keys).
func fieldCases() []fieldCase {
	str := func(path, want string) func(map[string]any) bool {
		return func(d map[string]any) bool {
			return slices.ContainsFunc(leaves(d, path), func(v any) bool { s, ok := v.(string); return ok && s == want })
		}
	}
	num := func(path string, ok func(float64) bool) func(map[string]any) bool {
		return func(d map[string]any) bool {
			return slices.ContainsFunc(leaves(d, path), func(v any) bool {
				n, isNum := v.(json.Number)
				if !isNum {
					return false
				}
				f, err := n.Float64()
				return err == nil && ok(f)
			})
		}
	}
	missing := func(path string) func(map[string]any) bool {
		return func(d map[string]any) bool {
			return slices.Contains(leaves(d, path), nil)
		}
	}
	not := func(f func(map[string]any) bool) func(map[string]any) bool {
		return func(d map[string]any) bool { return !f(d) }
	}
	and := func(fs ...func(map[string]any) bool) func(map[string]any) bool {
		return func(d map[string]any) bool {
			for _, f := range fs {
				if !f(d) {
					return false
				}
			}
			return true
		}
	}
	word := func(w string) func(map[string]any) bool {
		return func(d map[string]any) bool { return anyText(d, strings.ToLower(w)) }
	}
	return []fieldCase{
		// arrays of objects: any element, and one element by index
		{"raw.events.name.eq(open)", str("raw.events.name", "open")},
		{"raw.events.0.name.eq(open)", str("raw.events.0.name", "open")},
		{"raw.events.1.name.eq(open)", str("raw.events.1.name", "open")},
		{"raw.events.0.name.isnull()", missing("raw.events.0.name")},
		{"raw.events.name.isnull()", missing("raw.events.name")},
		{"raw.events.name.ne(open)", not(str("raw.events.name", "open"))},
		{"raw.events.parameters.value.eq(/etc/passwd)", str("raw.events.parameters.value", "/etc/passwd")},
		{"raw.events.0.parameters.1.name.eq(mode)", str("raw.events.0.parameters.1.name", "mode")},
		{"raw.events.name.iin(OPEN)", func(d map[string]any) bool {
			return str("raw.events.name", "open")(d) || str("raw.events.name", "OPEN")(d)
		}},
		// arrays of scalars
		{"raw.tags.eq(b)", str("raw.tags", "b")},
		{"raw.tags.1.eq(b)", str("raw.tags.1", "b")},
		{"raw.tags.isnull()", missing("raw.tags")},
		// nested objects of any depth, also through an array
		{"raw.deep.a.b.c.d.eq(x)", str("raw.deep.a.b.c.d", "x")},
		{"raw.deep.a.b.c.d.in(y,z)", func(d map[string]any) bool { return str("raw.deep.a.b.c.d", "y")(d) || str("raw.deep.a.b.c.d", "z")(d) }},
		{"raw.deep.a.b.eq(flat)", str("raw.deep.a.b", "flat")},
		{"raw.deep.a.b.c.e.eq(2)", num("raw.deep.a.b.c.e", func(f float64) bool { return f == 2 })},
		// numbers in unusual text compare by value
		{"raw.n.eq(1000)", num("raw.n", func(f float64) bool { return f == 1000 })},
		{"raw.n.eq(0)", num("raw.n", func(f float64) bool { return f == 0 })},
		{"raw.n.lt(0)", num("raw.n", func(f float64) bool { return f < 0 })},
		{"raw.n.ge(1000),raw.n.le(2000)", num("raw.n", func(f float64) bool { return f >= 1000 && f <= 2000 })},
		{"raw.price.eq(12.5)", num("raw.price", func(f float64) bool { return f == 12.5 })},
		{"raw.price.gt(12.49),raw.price.lt(12.51)", num("raw.price", func(f float64) bool { return f > 12.49 && f < 12.51 })},
		{"raw.price.lt(0.5)", num("raw.price", func(f float64) bool { return f < 0.5 })},
		// strings with escapes compare unescaped
		{"raw.label.eq(M%C3%BCnchen)", str("raw.label", "München")},
		{"raw.label.eq(Munich)", str("raw.label", "Munich")},
		{"raw.label.icontains(K%C3%B8benhavn)", func(d map[string]any) bool {
			return slices.ContainsFunc(leaves(d, "raw.label"), func(v any) bool { s, _ := v.(string); return strings.Contains(s, "København") })
		}},
		{"raw.esc.eq(A%22q%22%5C/%0A%09)", str("raw.esc", "A\"q\"\\/\n\t")},
		// fields present in some events only
		{"raw.sparse.isnull()", missing("raw.sparse")},
		{"!raw.sparse.isnull()", not(missing("raw.sparse"))},
		{"raw.sparse.eq(here),event_type.eq(login)", and(str("raw.sparse", "here"), str("event_type", "login"))},
		{"raw.zeta.eq(1)", num("raw.zeta", func(f float64) bool { return f == 1 })},
		{"operation_successful.isnull()", missing("operation_successful")},
		{"user.user_email.isnull()", missing("user.user_email")},
		// full text: a bare word searches every value, ignoring case
		{"pineapple", word("pineapple")},
		{"PINEAPPLE", word("pineapple")},
		{"!pineapple", not(word("pineapple"))},
		{"passwd", word("passwd")},
		{"pineapple,event_type.eq(login)", and(word("pineapple"), str("event_type", "login"))},
		{"raw.contains(pineapple)", func(d map[string]any) bool { return containsText(d["raw"], "pineapple", false) }},
		{"raw.icontains(pineapple)", func(d map[string]any) bool { return containsText(d["raw"], "pineapple", true) }},
	}
}

// leaves returns the values at a dotted path the way the filter semantics
// walk it: objects by key, arrays element by element (any element), a
// numeric segment as an index into an array. Every branch that ends early (a
// key not there, an index past the end, a scalar where the path goes on, an
// empty array) or at null gives a nil, so a path is missing for isnull when
// any branch gives nil.
func leaves(v any, path string) []any {
	var segs []string
	if path != "" {
		segs = strings.Split(path, ".")
	}
	var out []any
	var walk func(v any, i int)
	walk = func(v any, i int) {
		if a, ok := v.([]any); ok {
			if len(a) == 0 {
				out = append(out, nil)
				return
			}
			if i < len(segs) {
				if n, err := strconv.Atoi(segs[i]); err == nil && strconv.Itoa(n) == segs[i] {
					if n < len(a) {
						walk(a[n], i+1)
					} else {
						out = append(out, nil)
					}
					return
				}
			}
			for _, e := range a {
				walk(e, i)
			}
			return
		}
		if i == len(segs) {
			out = append(out, v)
			return
		}
		m, ok := v.(map[string]any)
		if !ok {
			out = append(out, nil)
			return
		}
		walk(m[segs[i]], i+1)
	}
	walk(v, 0)
	return out
}

// anyText reports whether any string, number (its text) or boolean in v
// contains the lower-case word, ignoring case; keys do not count.
func anyText(v any, lower string) bool {
	return containsText(v, lower, true)
}

func containsText(v any, needle string, fold bool) bool {
	switch x := v.(type) {
	case map[string]any:
		for _, c := range x {
			if containsText(c, needle, fold) {
				return true
			}
		}
	case []any:
		for _, c := range x {
			if containsText(c, needle, fold) {
				return true
			}
		}
	case string:
		if fold {
			return strings.Contains(strings.ToLower(x), needle)
		}
		return strings.Contains(x, needle)
	case json.Number:
		return strings.Contains(x.String(), needle)
	case bool:
		return strings.Contains(fmt.Sprint(x), needle)
	}
	return false
}

// unknownTopLevelCases filter on top-level fields the schema does not name.
// They run only when the backend sets Backend.UnknownTopLevel; otherwise the
// suite checks that today's engine still rejects them, so the day a field
// catalog makes them valid this fails until the flag is set.
func unknownTopLevelCases() []fieldCase {
	str := func(path, want string) func(map[string]any) bool {
		return func(d map[string]any) bool {
			return slices.ContainsFunc(leaves(d, path), func(v any) bool { s, ok := v.(string); return ok && s == want })
		}
	}
	return []fieldCase{
		{"custom.tenant.eq(acme)", str("custom.tenant", "acme")},
		{"custom.tenant.isnull()", func(d map[string]any) bool { return slices.Contains(leaves(d, "custom.tenant"), nil) }},
		{"risk_score.gt(50)", func(d map[string]any) bool {
			return slices.ContainsFunc(leaves(d, "risk_score"), func(v any) bool {
				n, ok := v.(json.Number)
				f, err := n.Float64()
				return ok && err == nil && f > 50
			})
		}},
		{"tags.eq(vip)", str("tags", "vip")},
	}
}

// unknownTopLevelEvents carry top-level fields outside the schema.
var unknownTopLevelEvents = []string{
	`{"event_id":"u:01","created_at":"2026-10-29T10:00:00.000Z","event_type":"login","custom":{"tenant":"acme","tier":1},"risk_score":75,"tags":["vip","eu"],"raw":{}}`,
	`{"event_id":"u:02","created_at":"2026-10-29T11:00:00.000Z","event_type":"login","custom":{"tenant":"globex"},"risk_score":1.5e1,"tags":[],"raw":{}}`,
	`{"event_id":"u:03","created_at":"2026-10-29T12:00:00.000Z","event_type":"login","risk_score":50,"raw":{}}`,
}

// runFields ingests fieldEvents (and the unknown top-level events) into a
// fresh store and checks every field case against the independent oracle
// (count, ids in the default order, paged), and that each event comes back
// from Scan and Get with raw byte for byte as ingested; then again after a
// reopen when the backend can.
func runFields(t *testing.T, b Backend) {
	ctx := context.Background()
	lines := append(slices.Clone(fieldEvents), unknownTopLevelEvents...)
	s := b.Open(t)
	eng := newEngine(s)
	// Two batches in reverse order, so the events span more than one ingest.
	rev := slices.Clone(lines)
	slices.Reverse(rev)
	for _, part := range [][]string{rev[:len(rev)/2], rev[len(rev)/2:]} {
		rep, err := eng.Ingest(ctx, strings.NewReader(strings.Join(part, "\n")+"\n"), core.IngestOptions{BatchSize: 3})
		if err != nil || rep.Ingested != len(part) {
			t.Fatalf("ingest field events: %v, %d of %d ingested: %+v", err, rep.Ingested, len(part), rep.Problems)
		}
	}
	type ev struct {
		id, at string
		doc    map[string]any
		line   string
	}
	var evs []ev
	for _, l := range lines {
		d := json.NewDecoder(strings.NewReader(l))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			t.Fatalf("field event %s: %v", l, err)
		}
		evs = append(evs, ev{id: m["event_id"].(string), at: m["created_at"].(string), doc: m, line: l})
	}
	// The default order: created_at descending, then event_id descending
	// (the fixture's timestamps all have the same layout, so text order is
	// time order).
	slices.SortFunc(evs, func(a, b ev) int {
		if c := cmp.Compare(b.at, a.at); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
	oracleIDs := func(fc fieldCase) []string {
		var ids []string
		for _, e := range evs {
			if fc.want(e.doc) {
				ids = append(ids, e.id)
			}
		}
		return ids
	}
	check := func(t *testing.T, eng *core.Engine, cases []fieldCase) {
		nonEmpty := 0
		for _, fc := range cases {
			f, err := query.ParseDSL(fc.dsl)
			if err != nil {
				t.Errorf("parse %q: %v", fc.dsl, err)
				continue
			}
			if _, err := eng.Compile(f); err != nil {
				t.Errorf("%s: compile: %v", fc.dsl, err)
				continue
			}
			want := oracleIDs(fc)
			if len(want) > 0 && len(want) < len(evs) {
				nonEmpty++
			}
			n, err := eng.Count(ctx, f)
			if err != nil || n != int64(len(want)) {
				t.Errorf("%s: count %d (%v), oracle %d %v", fc.dsl, n, err, len(want), want)
			}
			for _, page := range []int{2, 100} {
				if got := pagedIDs(t, eng, f, nil, page); !slices.Equal(got, want) {
					t.Errorf("%s page %d:\n got  %v\n want %v", fc.dsl, page, got, want)
				}
			}
		}
		// A case matching nothing or everything says little about a filter.
		if nonEmpty < len(cases)*3/4 {
			t.Errorf("only %d of %d field cases select a proper subset of the events", nonEmpty, len(cases))
		}
	}
	checkRaw := func(t *testing.T, eng *core.Engine) {
		got := map[string][]byte{}
		if _, err := eng.Scan(ctx, core.QuerySpec{WithRaw: true}, func(a *core.Activity) error {
			got[a.EventID] = bytes.Clone(a.Raw)
			return nil
		}); err != nil {
			t.Fatalf("scan with raw: %v", err)
		}
		if len(got) != len(evs) {
			t.Errorf("scan returned %d events, ingested %d", len(got), len(evs))
		}
		for _, e := range evs {
			if string(got[e.id]) != e.line {
				t.Errorf("event %s not returned as ingested:\n got  %s\n want %s", e.id, got[e.id], e.line)
			}
		}
		// Get is what the detail pane and the API's event endpoint read.
		var ids []string
		for _, e := range evs {
			ids = append(ids, e.id)
		}
		acts, err := eng.Get(ctx, ids, true)
		if err != nil || len(acts) != len(evs) {
			t.Fatalf("get with raw: %v, %d of %d", err, len(acts), len(evs))
		}
		for _, a := range acts {
			i := slices.IndexFunc(evs, func(e ev) bool { return e.id == a.EventID })
			if i < 0 || string(a.Raw) != evs[i].line {
				t.Errorf("get %s: not as ingested:\n got  %s", a.EventID, a.Raw)
			}
		}
	}
	unknown := func(t *testing.T, eng *core.Engine) {
		if b.UnknownTopLevel {
			check(t, eng, unknownTopLevelCases())
			return
		}
		for _, fc := range unknownTopLevelCases() {
			f, err := query.ParseDSL(fc.dsl)
			if err != nil {
				t.Fatalf("parse %q: %v", fc.dsl, err)
			}
			if _, err := eng.Compile(f); err == nil {
				t.Errorf("%s compiles: the engine now accepts unknown top-level fields, so set Backend.UnknownTopLevel to check them against the oracle", fc.dsl)
			}
		}
	}
	t.Run("filters", func(t *testing.T) { check(t, eng, fieldCases()) })
	t.Run("unknown top-level fields", func(t *testing.T) { unknown(t, eng) })
	t.Run("raw as ingested", func(t *testing.T) { checkRaw(t, eng) })
	if b.Reopen != nil {
		s = b.Reopen(t, s)
		eng = newEngine(s)
		t.Run("after reopen", func(t *testing.T) {
			check(t, eng, fieldCases())
			unknown(t, eng)
			checkRaw(t, eng)
		})
	}
}
