package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/store"
	"github.com/valyala/fastjson"
)

// fieldColumnDocs are events whose fields take every shape a field column
// must answer for exactly as the raw JSON does: arrays of scalars and of
// objects (some elements lacking the path), nested arrays, empty arrays and
// objects, nulls, numbers written oddly, a path that is a leaf in one event
// and an object in another, unspellable member names and unicode escapes.
func fieldColumnDocs(n int) []string {
	rng := rand.New(rand.NewPCG(7, 9))
	shapes := []string{
		`"raw":{"events":[{"name":"login","n":1},{"name":"logout"}],"tags":["a","b"],"score":12.50}`,
		`"raw":{"events":[{"name":"LOGIN"},{"id":3}],"tags":[],"score":1e3}`,
		`"raw":{"events":[],"tags":["b"],"score":-0,"mixed":"text"}`,
		`"raw":{"events":{"name":"solo"},"tags":[["a"],["c","d"]],"score":null,"mixed":{"inner":"deep text"}}`,
		`"raw":{"tags":"a","score":"12.5","odd key":"hidden value","a.b":{"c":"dotted"}}`,
		`"raw":{"nested":{"x":{"y":[1,2,3]}},"flag":true,"caf\u00e9":"\u00fcber"}`,
		`"raw":{"flag":false,"empty":{},"note":"Tor exit \u0041BC","events":[{"name":null}]}`,
		`"extra":{"auth":{"auth_type":"saml","is_suspicious":true},"list":[{"k":"v"},{"k":"w"}]}`,
		`"user":{"user_email":"Bob@Example.com","groups":["admins","ops"]}`,
		`"raw":"not an object"`,
		`"odd top":"toplevel hidden","":"empty name","raw":{"x":1}`,
		`"raw":{"num":1E2,"s":"100","arr":[1,"1",true,null],"neg":-0.0,"big":1e400,"es":"","ea":[""],"when":"2026-05-01T00:00:00Z","flag":true}`,
		`"raw":{"num":"1E2","s":100,"arr":[[null]],"big":-1e400,"es":"x","when":"garbage","tags":{"0":"zero"}}`,
		// Letters outside ASCII whose lower case is an ASCII letter (KELVIN
		// SIGN, I WITH DOT ABOVE), written as UTF-8: icontains lowers them.
		"\"raw\":{\"unit\":\"\u212Aelvin\",\"city\":\"\u0130stanbul\",\"events\":[{\"name\":\"\u212AILL\"}]}",
	}
	out := make([]string, n)
	for i := range n {
		s := shapes[rng.IntN(len(shapes))]
		out[i] = fmt.Sprintf(`{"event_id":"fc-%04d","created_at":"2026-10-%02dT%02d:00:00.000Z","event_type":"login",%s}`, i, 1+i%28, i%24, s)
	}
	return out
}

var fieldColumnFilters = []string{
	"raw.events.name.eq(login)", "raw.events.name.iin(login)", "raw.events.name.isnull", "!raw.events.name.isnull",
	"raw.events.name.ne(login)", "raw.events.n.eq(1)", "raw.events.id.gt(2)", "raw.events.0.name.eq(login)",
	"raw.tags.eq(a)", "raw.tags.eq(c)", "raw.tags.isnull", "raw.tags.ne(b)", "raw.tags.in(a,d)",
	"raw.score.eq(1000)", "raw.score.eq(12.5)", "raw.score.gt(12)", "raw.score.lt(0)", "raw.score.le(0)",
	"raw.score.contains(12)", "raw.score.contains(e3)", "raw.score.isnull", "raw.score.eq(12.5),raw.tags.eq(a)",
	"raw.mixed.contains(text)", "raw.mixed.eq(text)", "raw.mixed.isnull", "raw.mixed.inner.eq(deep text)",
	"raw.contains(hidden)", "raw.icontains(DOTTED)", "raw.contains(über)", "raw.icontains(abc)",
	"raw.nested.x.y.eq(2)", "raw.nested.contains(3)", "raw.flag", "!raw.flag", "raw.flag.eq(false)",
	"raw.empty.isnull", "raw.empty.contains(x)", "raw.note.icontains(tor exit)",
	"extra.list.k.eq(w)", "extra.list.k.isnull", "extra.contains(saml)", "user.groups.eq(ops)",
	"user.contains(example)", "raw.isnull", "raw.icontains(login)",
	"login", "LOGOUT", "!solo", "hidden", "fc-0007", "2026-10-03", "deep", "zzz-nothing",
	"raw.unknown.eq(x)", "!raw.unknown.eq(x)", "raw.unknown.isnull", "raw.events.name.contains(og)",
	"raw.unit.icontains(kelvin)", "raw.icontains(kelvin)", "kelvin", "raw.city.icontains(istanbul)", "istanbul",
	"raw.events.name.icontains(kill)", "raw.events.0.name.icontains(kill)", "raw.unit.icontains(elvin,kel)",
	"raw.unit.iin(kelvin)", "raw.city.icontains(ist)", "toplevel", "empty", "raw.x.eq(1)",
	"raw.num.eq(100)", "raw.num.eq(1E2)", "raw.num.eq(1e2)", "raw.num.gt(99)", "raw.num.ge(1e2)", "raw.num.contains(E)", "raw.num.in(100,x)",
	"raw.s.eq(100)", "raw.s.gt(99)", "raw.s.lt(2)", "raw.s.eq(1e2)", "raw.arr.eq(1)", "raw.arr.eq(true)", "raw.arr.isnull", "!raw.arr.isnull",
	"raw.arr.contains(ru)", "raw.arr.ne(1)", "raw.big.gt(1)", "raw.big.lt(1)", "raw.neg.eq(0)", "raw.neg.contains(-)", "raw.es.isnull",
	"raw.es.contains(x)", "raw.es.ne(x)", "raw.ea.isnull", "raw.ea.ne(x)", "raw.when.gt(2026-01-01)", "raw.when.lt(2026-01-01)", "raw.when.eq(2026-05-01T00:00:00Z)",
	"raw.flag.eq(true)", "raw.flag.contains(ru)", "raw.flag.icontains(TRU)", "raw.tags.0.eq(zero)", "raw.tags.contains(zero)", "raw.tags.iin(A)",
	"raw.num.iin(1e2)", "raw.s.icontains(1)", "raw.gt(a)", "raw.isnull", "!raw.isnull", "100", "1E2", "true",
}

// TestFieldColumnsMatchRawJSON: every filter counts the same from the field
// columns as the raw JSON evaluation of each event says, across blocks
// that hold every mix of the shapes.
func TestFieldColumnsMatchRawJSON(t *testing.T) {
	docs := fieldColumnDocs(600)
	env := openEnv(t, t.TempDir(), func(o *store.Options) { o.BlockRows = 97; o.ChunkRows = 16 })
	env.ingest(t, []byte(strings.Join(docs, "\n")+"\n"), core.IngestOptions{})
	checkFieldColumnCounts(t, env, docs, fieldColumnFilters)
}

// checkFieldColumnCounts compares each filter's count in env with the
// number of docs its MatchJSON accepts.
func checkFieldColumnCounts(t *testing.T, env *testEnv, docs, filters []string) {
	t.Helper()
	checkCounts(t, env, docs, filters, func(c *query.Compiled) (int64, error) { return env.s.Count(context.Background(), c) })
}

func checkCounts(t *testing.T, env *testEnv, docs, filters []string, count func(*query.Compiled) (int64, error)) {
	t.Helper()
	var p fastjson.Parser
	for _, dsl := range filters {
		f, err := query.ParseDSL(dsl)
		if err != nil {
			t.Fatalf("%s: %v", dsl, err)
		}
		c, err := env.eng.Compile(f)
		if err != nil {
			t.Fatalf("%s: %v", dsl, err)
		}
		var want int64
		for _, d := range docs {
			v, err := p.Parse(d)
			if err != nil {
				t.Fatal(err)
			}
			if c.MatchJSON(v) {
				want++
			}
		}
		got, err := count(c)
		if err != nil {
			t.Fatalf("%s: %v", dsl, err)
		}
		if got != want {
			t.Errorf("%s: count %d from field columns, %d from the raw JSON", dsl, got, want)
		}
	}
}

// TestFieldColumnsLongMemberName: a member name too long for a Badger key
// (a column's key holds its path) is accepted like any other: its leaves
// are found by text search and by filters on it, which read the raw JSON.
func TestFieldColumnsLongMemberName(t *testing.T) {
	long := strings.Repeat("k", 70000)
	docs := []string{
		fmt.Sprintf(`{"event_id":"long-1","created_at":"2026-10-01T00:00:00Z","event_type":"login","raw":{"%s":"needle","short":"x"}}`, long),
		fmt.Sprintf(`{"event_id":"long-2","created_at":"2026-10-02T00:00:00Z","event_type":"login","raw":{"%s":{"deeper":7}}}`, long),
		`{"event_id":"long-3","created_at":"2026-10-03T00:00:00Z","event_type":"login","raw":{"short":"needle"}}`,
	}
	env := openEnv(t, t.TempDir())
	rep := env.ingest(t, []byte(strings.Join(docs, "\n")+"\n"), core.IngestOptions{})
	if rep.Ingested != len(docs) {
		t.Fatalf("ingested %d of %d: %+v", rep.Ingested, len(docs), rep.Problems)
	}
	checkFieldColumnCounts(t, env, docs, []string{
		"needle", "raw.icontains(needle)", "raw.contains(7)", "raw.short.eq(x)",
		"raw." + long + ".eq(needle)", "!raw." + long + ".eq(needle)", "raw." + long + ".isnull",
		"raw." + long + ".contains(7)", "raw." + long + ".deeper.eq(7)",
	})
}

// TestFieldColumnsManyPaths: a block whose events have more distinct paths
// than one Badger transaction holds (member names that are ids) is
// ingested, and its filters still answer as the raw JSON does.
func TestFieldColumnsManyPaths(t *testing.T) {
	var docs []string
	for i := range 1500 {
		var sb strings.Builder
		fmt.Fprintf(&sb, `{"event_id":"many-%d","created_at":"2026-10-01T00:00:%02dZ","event_type":"login","raw":{"tag":"t%d"`, i, i%60, i%3)
		for j := range 20 {
			fmt.Fprintf(&sb, `,"k%d_%d":"v%d"`, i, j, j)
		}
		sb.WriteString("}}")
		docs = append(docs, sb.String())
	}
	env := openEnv(t, t.TempDir(), func(o *store.Options) { o.BlockRows = 4096 })
	rep, err := env.eng.Ingest(context.Background(), strings.NewReader(strings.Join(docs, "\n")+"\n"), core.IngestOptions{})
	if err != nil || rep.Ingested != len(docs) {
		t.Fatalf("ingested %d of %d: %v", rep.Ingested, len(docs), err)
	}
	checkFieldColumnCounts(t, env, docs, []string{
		"raw.k7_3.eq(v3)", "!raw.k7_3.eq(v3)", "raw.k7_3.isnull", "raw.tag.eq(t1)", "raw.contains(v19)", "v19", "t2", "raw.nope.isnull",
	})
}

// TestFieldColumnsHugeDictionary: a block whose column has more distinct
// values than a 16-bit code holds (several per row, most distinct, some
// repeated) answers as the raw JSON does.
func TestFieldColumnsHugeDictionary(t *testing.T) {
	var docs []string
	for i := range 40000 {
		docs = append(docs, fmt.Sprintf(`{"event_id":"huge-%d","created_at":"2026-10-01T00:00:00Z","event_type":"login","raw":{"ids":["a%d","b%d"],"rep":"r%d","n":%d}}`, i, i, i, i%7, i))
	}
	env := openEnv(t, t.TempDir(), func(o *store.Options) { o.BlockRows = 60000 })
	env.ingest(t, []byte(strings.Join(docs, "\n")+"\n"), core.IngestOptions{BatchSize: 40000})
	checkFieldColumnCounts(t, env, docs, []string{
		"raw.ids.eq(b39999)", "raw.ids.eq(a70000)", "raw.ids.eq(a0)", "raw.ids.contains(3999)", "!raw.ids.eq(a5)",
		"raw.rep.eq(r3)", "raw.n.gt(39990)", "raw.n.eq(65536)", "raw.ids.in(a1,b2,a65537)",
	})
}

// TestFieldColumnsReplacedMergedPinned: events ingested one at a time
// (small blocks, merged as they pile up), some replaced by a later version
// with other fields; a snapshot pinned before the last events counts what
// the raw JSON of the events then says, the store what the latest say.
func TestFieldColumnsReplacedMergedPinned(t *testing.T) {
	env := openEnv(t, t.TempDir(), func(o *store.Options) { o.BlockRows = 8; o.ChunkRows = 2 })
	shapes := fieldColumnDocs(80)
	latest := map[string]string{}
	var order []string
	snapshotDocs := func() []string {
		out := make([]string, 0, len(order))
		for _, id := range order {
			out = append(out, latest[id])
		}
		return out
	}
	var pin core.Pin
	var pinned []string
	for i, d := range shapes {
		// Events 40-64 replace earlier ones; those after the pin are new
		// (a merge drops rows replaced after a pin: see SnapshotAt).
		id := fmt.Sprintf("fc-%04d", i%40)
		if i > 64 {
			id = fmt.Sprintf("fc-%04d", i)
		}
		d = strings.Replace(d, fmt.Sprintf(`"event_id":"fc-%04d"`, i), fmt.Sprintf(`"event_id":"%s"`, id), 1)
		env.ingest(t, []byte(d+"\n"), core.IngestOptions{})
		if _, ok := latest[id]; !ok {
			order = append(order, id)
		}
		latest[id] = d
		if i == 64 {
			pin, pinned = env.eng.Pin(), snapshotDocs()
		}
	}
	filters := append([]string{"event_type.eq(login)", "event_id.eq(fc-0001)", "created_at.gt(2000-01-01)", "raw.events.0.name.isnull"}, fieldColumnFilters...)
	checkFieldColumnCounts(t, env, snapshotDocs(), filters)
	snap := env.s.SnapshotAt(pin)
	defer snap.Close()
	checkCounts(t, env, pinned, filters, func(c *query.Compiled) (int64, error) { return snap.Count(context.Background(), c) })
}

// TestFieldColumnsMergeManyPaths: small blocks whose events have many
// distinct paths are still merged (a merge deletes every field column of
// the blocks it merges and writes the merged ones in one transaction: all
// 16 of these are more than Badger takes), and answer as the raw JSON does.
func TestFieldColumnsMergeManyPaths(t *testing.T) {
	env := openEnv(t, t.TempDir())
	var docs []string
	const batches = 18
	for b := range batches {
		var sb strings.Builder
		for range 1000 {
			n := len(docs)
			d := fmt.Sprintf(`{"event_id":"m%d","created_at":"2026-10-01T00:%02d:00Z","event_type":"login","raw":{"a%d":1,"b%d":"x%d","c":%d}}`, n, b, n, n, n%5, n%3)
			docs = append(docs, d)
			sb.WriteString(d + "\n")
		}
		env.ingest(t, []byte(sb.String()), core.IngestOptions{})
	}
	if n := env.s.Stats().Blocks; n >= batches {
		t.Errorf("%d blocks after %d small ingests: the small blocks were never merged", n, batches)
	}
	checkFieldColumnCounts(t, env, docs, []string{"raw.a17.eq(1)", "raw.b4002.eq(x2)", "raw.c.eq(2)", "x3", "!raw.c.eq(1)"})
}
