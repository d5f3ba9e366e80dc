package store_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/store"
	"github.com/valyala/fastjson"
)

// postingModel is the brute-force side: every live event's raw JSON by id.
type postingModel struct {
	raw map[string]string
}

func postingEvent(rng *rand.Rand, id string, base time.Time) string {
	user := fmt.Sprintf("user%02d@example.com", rng.IntN(40))
	if rng.IntN(5) == 0 {
		user = strings.ToUpper(user[:1]) + user[1:] // mixed case: user lookups ignore case
	}
	ip := fmt.Sprintf("10.0.%d.%d", rng.IntN(3), rng.IntN(30))
	userJSON := fmt.Sprintf(`,"user":{"user_email":%q}`, user)
	if rng.IntN(20) == 0 {
		userJSON = "" // no user at all
	}
	at := base.Add(time.Duration(rng.IntN(3600*24*10)) * time.Second).Format(time.RFC3339)
	return fmt.Sprintf(`{"event_id":%q,"created_at":%q,"event_type":"login","client_ip":%q,"vendor":{"name":"google","service":"auth"},"raw":{"n":%d}%s}`,
		id, at, ip, rng.IntN(1000), userJSON)
}

// ingestRound writes one round of events in batches of random sizes, with
// replayed ids (changed, so their old rows are replaced) and single-event
// batches (small blocks, which the store merges).
func (m *postingModel) ingestRound(t *testing.T, env *testEnv, rng *rand.Rand, n int, base time.Time) {
	t.Helper()
	var ids []string
	for id := range m.raw {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for n > 0 {
		size := min(n, []int{1, 1, 3, 50, 200}[rng.IntN(5)])
		n -= size
		var sb strings.Builder
		for range size {
			id := fmt.Sprintf("ev-%06d", len(m.raw)+rng.IntN(1<<30))
			if len(ids) > 0 && rng.IntN(4) == 0 {
				id = ids[rng.IntN(len(ids))]
			}
			line := postingEvent(rng, id, base)
			m.raw[id] = line
			sb.WriteString(line + "\n")
		}
		env.ingest(t, []byte(sb.String()), core.IngestOptions{})
	}
}

// expect is the ids a filter matches, newest first (ties: id descending).
func (m *postingModel) expect(t *testing.T, f query.Filter) []string {
	t.Helper()
	c, err := query.Compile(f, core.ActivitySchema, testNow)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		t  string
		id string
	}
	var rows []row
	var p fastjson.Parser
	for id, raw := range m.raw {
		doc, err := p.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if c.MatchJSON(doc) {
			rows = append(rows, row{t: string(doc.GetStringBytes("created_at")), id: id})
		}
	}
	slices.SortFunc(rows, func(a, b row) int {
		if c := cmp.Compare(b.t, a.t); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
	out := []string{}
	for _, r := range rows {
		out = append(out, r.id)
	}
	return out
}

func (m *postingModel) filters(rng *rand.Rand) []string {
	var ids []string
	for id := range m.raw {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	user := func() string { return fmt.Sprintf("user%02d@example.com", rng.IntN(42)) }
	ip := func() string { return fmt.Sprintf("10.0.%d.%d", rng.IntN(3), rng.IntN(31)) }
	id := func() string { return ids[rng.IntN(len(ids))] }
	return []string{
		"user.user_email.eq(" + user() + ")",
		"user.user_email.eq(" + strings.ToUpper(user()) + ")",
		"user.user_email.in(" + user() + "," + user() + ")",
		"client_ip.eq(" + ip() + ")",
		"client_ip.in(" + ip() + "," + ip() + "," + ip() + ")",
		"event_id.eq(" + id() + ")",
		"event_id.in(" + id() + "," + id() + ",ev-missing)",
		"user.user_email.eq(" + user() + "),client_ip.eq(" + ip() + ")",
		"user.user_email.eq(" + user() + "),created_at.ge(2026-10-05)",
		"user.user_email.eq(" + user() + "),raw.n.gt(500)",
	}
}

func (m *postingModel) check(t *testing.T, env *testEnv, rng *rand.Rand, when string) {
	t.Helper()
	for _, dsl := range m.filters(rng) {
		f, err := query.ParseDSL(dsl)
		if err != nil {
			t.Fatal(err)
		}
		want := m.expect(t, f)
		if got := env.ids(t, f, nil, 7); !slices.Equal(got, want) {
			t.Fatalf("%s: %s: store gives %d ids, brute force %d\nstore %v\nbrute %v", when, dsl, len(got), len(want), got, want)
		}
		if n := env.count(t, dsl); n != int64(len(want)) {
			t.Fatalf("%s: count %s = %d, brute force %d", when, dsl, n, len(want))
		}
		// With raw JSON: rows taken from postings carry their own bytes and fields.
		p, err := env.eng.Query(context.Background(), core.QuerySpec{Filter: f, Limit: 20, WithRaw: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range p.Items {
			if a.EventID != want[i] || string(a.Raw) != m.raw[a.EventID] {
				t.Fatalf("%s: %s with raw: row %d is %s %s, want %s %s", when, dsl, i, a.EventID, a.Raw, want[i], m.raw[want[i]])
			}
		}
	}
}

func explain(t *testing.T, env *testEnv, dsl string) string {
	t.Helper()
	f, err := query.ParseDSL(dsl)
	if err != nil {
		t.Fatal(err)
	}
	s, err := env.eng.Explain(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPostingsMatchBruteForce checks eq/in lookups on the indexed fields
// against a scan of every event, through merges of small blocks, posting
// segment merges (many commits), replaced rows and a reopen.
func TestPostingsMatchBruteForce(t *testing.T) {
	dir := t.TempDir()
	small := func(o *store.Options) { o.BlockRows = 64 }
	env := openEnv(t, dir, small)
	rng := rand.New(rand.NewPCG(7, 9))
	m := &postingModel{raw: map[string]string{}}
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for round := range 4 {
		m.ingestRound(t, env, rng, 700, base)
		m.check(t, env, rng, fmt.Sprintf("round %d", round))
	}
	if e := explain(t, env, "user.user_email.eq(user01@example.com)"); !strings.Contains(e, "posting index: user.user_email") {
		t.Fatalf("explain does not name the posting index:\n%s", e)
	}
	env.s.Close()
	env = openEnv(t, dir, small)
	m.check(t, env, rng, "after reopen")
	m.ingestRound(t, env, rng, 300, base)
	m.check(t, env, rng, "after reopen and more writes")
}

// TestPostingsExplain: Explain names the posting index for each indexed
// field and not for a field without one.
func TestPostingsExplain(t *testing.T) {
	env := openEnv(t, t.TempDir())
	env.ingest(t, readFile(t, "activities.ndjson"), core.IngestOptions{})
	for dsl, want := range map[string]string{
		"user.user_email.eq(richard.wagner@fabrikam.eu)": "posting index: user.user_email",
		"client_ip.in(84.248.124.209,1.2.3.4)":           "posting index: client_ip",
		"event_id.eq(x)":                                 "posting index: event_id",
	} {
		if e := explain(t, env, dsl); !strings.Contains(e, want) {
			t.Errorf("explain %s:\n%s\nwant %q", dsl, e, want)
		}
	}
	if e := explain(t, env, "event_type.eq(login)"); strings.Contains(e, "posting index") {
		t.Errorf("explain names a posting index for event_type:\n%s", e)
	}
}

// TestPostingsBuiltForOldStore opens a copy of testdata/store-v1 (written
// before postings existed): the index is built on open, answers like a
// scan, and is persisted (a read-only open, which never builds, uses it).
func TestPostingsBuiltForOldStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	if err := os.CopyFS(dir, os.DirFS(repoFile(t, "store-v1"))); err != nil {
		t.Fatal(err)
	}
	ro := func(o *store.Options) { o.ReadOnly = true }
	env := openEnv(t, dir, ro)
	const dsl = "user.user_email.eq(richard.wagner@fabrikam.eu)"
	if e := explain(t, env, dsl); strings.Contains(e, "posting index") {
		t.Fatalf("the fixture already has postings:\n%s", e)
	}
	want := env.ids(t, mustParse(t, dsl), nil, 5)
	wantIP := env.ids(t, mustParse(t, "client_ip.eq(84.248.124.209)"), nil, 5)
	if len(want) == 0 || len(wantIP) == 0 {
		t.Fatal("fixture has no events for the lookups")
	}
	env.s.Close()

	env = openEnv(t, dir)
	env.s.Close()
	env = openEnv(t, dir, ro)
	if e := explain(t, env, dsl); !strings.Contains(e, "posting index: user.user_email") {
		t.Fatalf("postings were not persisted on open:\n%s", e)
	}
	if got := env.ids(t, mustParse(t, dsl), nil, 5); !slices.Equal(got, want) {
		t.Fatalf("user lookup from postings %v, scan gave %v", got, want)
	}
	if got := env.ids(t, mustParse(t, "client_ip.eq(84.248.124.209)"), nil, 5); !slices.Equal(got, wantIP) {
		t.Fatalf("ip lookup from postings %v, scan gave %v", got, wantIP)
	}
	if n, err := env.eng.Count(context.Background(), query.Filter{}); err != nil || n != 309 {
		t.Fatalf("events after building postings: %d, %v", n, err)
	}
}

func mustParse(t *testing.T, dsl string) query.Filter {
	t.Helper()
	f, err := query.ParseDSL(dsl)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
