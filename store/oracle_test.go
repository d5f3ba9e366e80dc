package store_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/store"
	"github.com/valyala/fastjson"
)

// oracleEvent is one fixture event as the brute-force evaluator sees it.
type oracleEvent struct {
	id  string
	t   int64
	doc *fastjson.Value // raw item with "triage" merged in when triaged
}

type oracle struct {
	events []oracleEvent
}

func newOracle(t *testing.T, lines [][]byte, triage map[string]core.Triage) *oracle {
	t.Helper()
	o := &oracle{}
	seen := map[string]int{}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("fixture line: %v", err)
		}
		id := m["event_id"].(string)
		if tr, ok := triage[id]; ok {
			m["triage"] = map[string]any{"state": string(tr.State), "note": tr.Note, "by": tr.By, "at": tr.At.Format(time.RFC3339Nano)}
		}
		b, _ := json.Marshal(m)
		doc, err := fastjson.ParseBytes(b)
		if err != nil {
			t.Fatal(err)
		}
		ts, ok := core.ParseTimestamp([]byte(m["created_at"].(string)))
		if !ok {
			t.Fatalf("fixture created_at %v", m["created_at"])
		}
		ev := oracleEvent{id: id, t: ts, doc: doc}
		if i, dup := seen[id]; dup {
			o.events[i] = ev
			continue
		}
		seen[id] = len(o.events)
		o.events = append(o.events, ev)
	}
	return o
}

type oval struct {
	k uint8 // 0 missing, 1 bool, 2 number, 3 time, 4 string: the documented sort order
	s string
	f float64
	i int64
}

func (o *oracle) sortValue(e *oracleEvent, field string) oval {
	if field == "created_at" {
		return oval{k: 3, i: e.t}
	}
	v := e.doc.Get(strings.Split(field, ".")...)
	if v == nil && field == "triage.state" {
		return oval{k: 4, s: "new"}
	}
	if v == nil {
		return oval{}
	}
	switch v.Type() {
	case fastjson.TypeTrue:
		return oval{k: 1, i: 1}
	case fastjson.TypeFalse:
		return oval{k: 1}
	case fastjson.TypeNumber:
		return oval{k: 2, f: v.GetFloat64()}
	case fastjson.TypeString:
		if field == "triage.at" {
			ts, _ := core.ParseTimestamp(v.GetStringBytes())
			return oval{k: 3, i: ts}
		}
		return oval{k: 4, s: string(v.GetStringBytes())}
	}
	return oval{}
}

func (o *oracle) run(t *testing.T, c *query.Compiled, order query.Order) []string {
	var hits []*oracleEvent
	for i := range o.events {
		if c.MatchJSON(o.events[i].doc) {
			hits = append(hits, &o.events[i])
		}
	}
	slices.SortFunc(hits, func(a, b *oracleEvent) int {
		for _, k := range order {
			va, vb := o.sortValue(a, k.Field), o.sortValue(b, k.Field)
			c := cmp.Compare(va.k, vb.k)
			if c == 0 {
				switch va.k {
				case 1, 3:
					c = cmp.Compare(va.i, vb.i)
				case 2:
					c = cmp.Compare(va.f, vb.f)
				case 4:
					c = strings.Compare(va.s, vb.s)
				}
			}
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		if c := cmp.Compare(b.t, a.t); c != 0 {
			return c
		}
		return strings.Compare(b.id, a.id)
	})
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	return ids
}

type oracleCase struct {
	name   string
	filter query.Filter
}

// TestQueryMatchesBruteForce runs many filters in all three syntaxes through
// the store (block pruning, columns, raw JSON, triage index, merges across
// overlapping blocks) and compares every page with a brute-force evaluation
// of the same compiled filter over the fixture.
func TestQueryMatchesBruteForce(t *testing.T) {
	lines := fixtureLines(t)
	lines = append(lines, seedItems(t)...)
	// Small blocks and chunks, and shuffled batches, so queries cross many
	// overlapping blocks and chunk boundaries.
	env := openEnv(t, t.TempDir(), func(o *store.Options) { o.BlockRows = 48; o.ChunkRows = 8 })
	shuffled := slices.Clone(lines)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for lo := 0; lo < len(shuffled); lo += 37 {
		batch := shuffled[lo:min(lo+37, len(shuffled))]
		env.ingest(t, joinLines(batch), core.IngestOptions{BatchSize: 20})
	}
	// An update: the same id with changed content replaces the old event.
	updated := strings.Replace(string(lines[5]), `"operation_successful":true`, `"operation_successful":false`, 1)
	updated = strings.Replace(updated, `"raw":{`, `"raw":{"updated_by_test":true,`, 1)
	env.ingest(t, []byte(updated+"\n"), core.IngestOptions{})
	lines = append(lines, []byte(updated))

	id := func(i int) string {
		var m struct {
			EventID string `json:"event_id"`
		}
		json.Unmarshal(lines[i], &m)
		return m.EventID
	}
	ip := func(i int) string {
		var m struct {
			ClientIP string `json:"client_ip"`
		}
		json.Unmarshal(lines[i], &m)
		return m.ClientIP
	}
	triage := map[string]core.Triage{}
	set := func(state core.TriageState, note string, ids ...string) {
		res, err := env.eng.Triage(context.Background(), core.TriageRequest{Actor: "alice", State: state, Note: note}, ids)
		if err != nil || len(res.Unknown) > 0 {
			t.Fatalf("triage: %v %v", err, res.Unknown)
		}
		for _, id := range ids {
			triage[id] = core.Triage{State: state, Note: note, By: "alice", At: testNow}
		}
	}
	set(core.StateEscalated, "possible phishing", id(3), id(40), id(41))
	set(core.StateReviewed, "", id(7))
	set(core.StateDismissed, "benign VPN", id(100), id(200))
	o := newOracle(t, lines, triage)

	dsl := []string{
		"",
		"event_type.eq(login)",
		"event_type.ne(login)",
		"!event_type.eq(login)",
		"event_type.in(login,user_settings)",
		"event_type.iin(LOGIN)",
		"operation_successful.eq(false)",
		"!operation_successful",
		"operation_successful",
		"extra.auth.is_suspicious",
		"extra.auth.is_suspicious.isnull()",
		"!extra.auth.is_suspicious.isnull(),event_type.eq(login)",
		"created_at.ge(-7d)",
		"created_at.ge(2026-10-20),created_at.lt(2026-10-25T12:00:00Z)",
		"created_at.gt(2026-10-31T23:45:12.000Z)",
		"created_at.le(2018-12-31)",
		"!created_at.ge(2026-10-10)",
		"user.user_email.icontains(A)",
		"user.user_email.isnull()",
		"client_ip.eq(" + ip(10) + ")",
		"client_location.country.code.in(US,GB)",
		"!client_location.country.code.in(US,GB)",
		"vendor.name.eq(aws),vendor.service.ne(s3)",
		"client_location.country.code.gt(M)",
		"raw.contains(login_success)",
		"raw.icontains(SUCCESS)",
		"raw.events.name.eq(login_success)",
		"client_location.lat.gt(40)",
		"client_location.city.icontains(a),!vendor.name.eq(google)",
		"event_id.in(" + url.PathEscape(id(12)) + "," + url.PathEscape(id(13)) + ",no-such-id)",
		"event_id.contains(google)",
		"triage.state.eq(escalated)",
		"triage.state.in(new,escalated)",
		"triage.state.ne(new)",
		"triage.note.icontains(PHISH)",
		"triage.by.eq(alice),event_type.eq(login)",
		"user_agent.contains(Mozilla),event_type.eq(login)",
		"extra.risk_score.gt(50)",
		"raw.updated_by_test",
	}
	var cases []oracleCase
	for _, s := range dsl {
		f, err := query.ParseDSL(s)
		if err != nil {
			t.Fatalf("parse %q: %v", s, err)
		}
		cases = append(cases, oracleCase{"dsl " + s, f})
	}
	for _, s := range []string{
		`{"activity_start_timestamp":{"$gte":"2026-10-25T00:00:00Z","$lt":"2026-10-28T00:00:00Z"}}`,
		`{"activity_start_timestamp":{"$eq":86400,"$gte":"2000-01-01T00:00:00Z"}}`,
		`{"event_type":{"$in":["login","other"]},"operation_successful":false}`,
		`{"raw.events.parameters.value":{"$in":["google_pass"]}}`,
		`{"client_ip":{"$ne":"` + ip(3) + `"},"status":{"$in":["success"]}}`,
	} {
		f, err := query.ParseJSON(s)
		if err != nil {
			t.Fatalf("parse JSON %s: %v", s, err)
		}
		cases = append(cases, oracleCase{"json " + s, f})
	}
	for _, q := range []string{
		"event_type=user_settings&created_after=2026-10-15",
		"ids=" + url.QueryEscape(id(20)+","+id(21)),
		"event_type=login,other&filter=" + url.QueryEscape("!operation_successful"),
	} {
		v, _ := url.ParseQuery(q)
		f, err := query.ParseCloudlockParams(v)
		if err != nil {
			t.Fatalf("cloudlock params %s: %v", q, err)
		}
		cases = append(cases, oracleCase{"cloudlock " + q, f})
	}
	for _, q := range []string{
		"last_days=3&category=auth",
		fmt.Sprintf("begin_time=%d&end_time=%d", testNow.Add(-96*time.Hour).UnixMilli(), testNow.Add(-24*time.Hour).UnixMilli()),
	} {
		v, _ := url.ParseQuery(q)
		f, err := query.ParseHSSParams(v)
		if err != nil {
			t.Fatalf("hss params %s: %v", q, err)
		}
		cases = append(cases, oracleCase{"hss " + q, f})
	}
	if len(cases) < 30 {
		t.Fatalf("only %d cases", len(cases))
	}

	orders := []string{"", "created_at", "user.user_email", "!client_location.country.code,event_type", "client_location.lat", "triage.state,!created_at", "!raw.kind"}
	nonEmpty := 0
	for ci, tc := range cases {
		c, err := env.eng.Compile(tc.filter)
		if err != nil {
			t.Fatalf("%s: compile: %v", tc.name, err)
		}
		// Every case in the default order; a rotating other order too.
		for _, os := range []string{"", orders[ci%len(orders)]} {
			order, err := query.ParseOrder(os)
			if err != nil {
				t.Fatal(err)
			}
			want := o.run(t, c, order)
			if len(want) > 0 {
				nonEmpty++
			}
			n, err := env.eng.Count(context.Background(), tc.filter)
			if err != nil {
				t.Fatalf("%s: count: %v", tc.name, err)
			}
			if n != int64(len(want)) {
				t.Errorf("%s: count %d, brute force %d", tc.name, n, len(want))
			}
			for _, page := range []int{1, 7, 500} {
				got := env.ids(t, tc.filter, order, page)
				if !slices.Equal(got, want) {
					t.Errorf("%s order %q page %d:\n got  %d %v\n want %d %v", tc.name, os, page, len(got), head(got), len(want), head(want))
				}
			}
			for _, off := range []int{0, 3, len(want) - 1, len(want) + 2} {
				if off < 0 {
					continue
				}
				p, err := env.eng.Query(context.Background(), core.QuerySpec{Filter: tc.filter, Order: order, Limit: 5, Offset: off})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, a := range p.Items {
					got = append(got, a.EventID)
				}
				exp := want[min(off, len(want)):min(off+5, len(want))]
				if !slices.Equal(got, exp) {
					t.Errorf("%s order %q offset %d: got %v want %v", tc.name, os, off, got, exp)
				}
			}
		}
	}
	if nonEmpty < len(cases) {
		t.Logf("%d of %d case runs had matches", nonEmpty, 2*len(cases))
	}
	if nonEmpty < len(cases)*3/2 {
		t.Errorf("too many filters match nothing (%d non-empty runs of %d): the table does not test much", nonEmpty, 2*len(cases))
	}
}

func head(s []string) []string {
	if len(s) > 6 {
		return s[:6]
	}
	return s
}

func joinLines(lines [][]byte) []byte {
	var b []byte
	for _, l := range lines {
		b = append(b, l...)
		b = append(b, '\n')
	}
	return b
}

func seedItems(t *testing.T) [][]byte {
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(readFile(t, "seed_activities.json"), &page); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, it := range page.Items {
		var b bytes.Buffer
		if err := json.Compact(&b, it); err != nil {
			t.Fatal(err)
		}
		out = append(out, b.Bytes())
	}
	return out
}
