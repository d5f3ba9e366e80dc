package conformance

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// checkPositions holds a backend to the position half of the ordering
// contract, on a time order (the default or created_at ascending) whose
// brute-force result is want: a scan from a row's key, exclusive or
// inclusive, forward or backward, paged on with the cursors it returns, and
// CountBefore of that key. A view pages this way from any row it holds
// (the TUI's table), so the rows must meet without gap or repeat whatever
// rows share a created_at.
func checkPositions(t *testing.T, eng *core.Engine, o *oracle, tc filterCase, order query.Order, want []string) {
	t.Helper()
	ctx := context.Background()
	keys := make([]core.RowKey, len(want))
	for i, id := range want {
		keys[i] = o.key(t, id)
	}
	// Small pages put cursors between tied rows; they read only the rows
	// near the anchor, to keep the suite quick.
	pages := []struct{ size, rows int }{{500, len(want)}, {1, 12}, {7, 30}}
	var anchors []int
	if len(want) <= 40 {
		for i := range want {
			anchors = append(anchors, i)
		}
	} else {
		for i := 0; i < len(want); i += len(want)/9 + 1 {
			anchors = append(anchors, i)
		}
		// the rows next to a tie, where the event_id tiebreak decides
		for i := 1; i < len(want); i++ {
			if keys[i].CreatedAt == keys[i-1].CreatedAt && len(anchors) < 24 {
				anchors = append(anchors, i-1, i)
			}
		}
		anchors = append(anchors, len(want)-1)
	}
	desc := len(order) == 0 || order[0].Desc
	for _, page := range pages {
		got := pagedSpec(t, eng, core.QuerySpec{Filter: tc.filter, Order: order, Backward: true}, page.size, page.rows)
		if exp := prefix(reversed(want), page.rows); !slices.Equal(got, exp) {
			t.Errorf("%s order %q backward from the end, page %d:\n got  %d %v\n want %d %v", tc.name, order, page.size, len(got), head(got), len(exp), head(exp))
		}
	}
	for _, i := range anchors {
		k := keys[i]
		for _, page := range pages {
			for _, run := range []struct {
				what string
				q    core.QuerySpec
				want []string
			}{
				{"after", core.QuerySpec{From: &k}, want[i+1:]},
				{"from", core.QuerySpec{From: &k, FromInclusive: true}, want[i:]},
				{"before", core.QuerySpec{From: &k, Backward: true}, reversed(want[:i])},
				{"before and at", core.QuerySpec{From: &k, FromInclusive: true, Backward: true}, reversed(want[:i+1])},
			} {
				run.q.Filter, run.q.Order = tc.filter, order
				exp := prefix(run.want, page.rows)
				if got := pagedSpec(t, eng, run.q, page.size, page.rows); !slices.Equal(got, exp) {
					t.Errorf("%s order %q %s row %d (%v), page %d:\n got  %d %v\n want %d %v", tc.name, order, run.what, i, k, page.size, len(got), head(got), len(exp), head(exp))
				}
			}
		}
		if !desc {
			continue
		}
		n, err := eng.CountBefore(ctx, tc.filter, k)
		if err != nil || n != int64(i) {
			t.Errorf("%s: count before row %d (%v) = %d, %v; want %d", tc.name, i, k, n, err, i)
		}
		// A key no row has, just before row i in the default order: rows
		// sort around it by the same rules.
		between := core.RowKey{CreatedAt: k.CreatedAt, EventID: k.EventID + "\x00"}
		n, err = eng.CountBefore(ctx, tc.filter, between)
		if err != nil || n != int64(i) {
			t.Errorf("%s: count before a key just before row %d = %d, %v; want %d", tc.name, i, n, err, i)
		}
		if got := pagedSpec(t, eng, core.QuerySpec{Filter: tc.filter, From: &between}, 500, len(want)); !slices.Equal(got, want[i:]) {
			t.Errorf("%s: after a key just before row %d:\n got  %d %v\n want %d %v", tc.name, i, len(got), head(got), len(want)-i, head(want[i:]))
		}
		if got := pagedSpec(t, eng, core.QuerySpec{Filter: tc.filter, From: &between, Backward: true}, 500, len(want)); !slices.Equal(got, reversed(want[:i])) {
			t.Errorf("%s: before a key just before row %d: got %d rows, want %d", tc.name, i, len(got), i)
		}
	}
	if desc {
		n, err := eng.CountBefore(ctx, tc.filter, core.RowKey{CreatedAt: -1 << 63})
		if err != nil || n != int64(len(want)) {
			t.Errorf("%s: count before the oldest possible key = %d, %v; want %d", tc.name, n, err, len(want))
		}
	}
}

// checkCursorErrors: a malformed cursor, or one made for another query,
// is ErrBadCursor; positions need a time order and no cursor.
func checkCursorErrors(t *testing.T, eng *core.Engine) {
	ctx := context.Background()
	logins, _ := query.ParseDSL("event_type.eq(login)")
	p, err := eng.Query(ctx, core.QuerySpec{Filter: logins, Limit: 2})
	if err != nil || p.Next == "" {
		t.Fatalf("first page of logins: %v %q", err, p.Next)
	}
	other, _ := query.ParseDSL("event_type.eq(other)")
	for _, c := range []string{"!!!", "e30", p.Next} {
		if _, err := eng.Query(ctx, core.QuerySpec{Filter: other, Limit: 2, Cursor: c}); !errors.Is(err, core.ErrBadCursor) {
			t.Errorf("cursor %q on another filter: %v, want ErrBadCursor", c, err)
		}
	}
	// A backward cursor is not a forward one.
	back, err := eng.Query(ctx, core.QuerySpec{Filter: logins, Limit: 2, Backward: true})
	if err != nil || back.Next == "" {
		t.Fatalf("first backward page: %v %q", err, back.Next)
	}
	if _, err := eng.Query(ctx, core.QuerySpec{Filter: logins, Limit: 2, Cursor: back.Next}); !errors.Is(err, core.ErrBadCursor) {
		t.Errorf("a backward cursor read forward: %v, want ErrBadCursor", err)
	}
	k := &core.RowKey{CreatedAt: Now.UnixNano(), EventID: "x"}
	byUser, _ := query.ParseOrder("user.user_email")
	if _, err := eng.Query(ctx, core.QuerySpec{Order: byUser, From: k, Limit: 5}); err == nil {
		t.Errorf("a scan from a row in order %q did not fail", byUser)
	}
	if _, err := eng.Query(ctx, core.QuerySpec{Order: byUser, Backward: true, Limit: 5}); err == nil {
		t.Errorf("a backward scan in order %q did not fail", byUser)
	}
	p, err = eng.Query(ctx, core.QuerySpec{Limit: 1})
	if err != nil || p.Next == "" {
		t.Fatalf("first page: %v %v", err, p.Next)
	}
	if _, err := eng.Query(ctx, core.QuerySpec{Cursor: p.Next, From: k, Limit: 5}); err == nil {
		t.Errorf("a scan from a cursor and a row at once did not fail")
	}
}

// pagedSpec runs q page by page (the first page as asked, then from the
// cursors it returns, in the same direction) and returns the ids in order,
// stopping once it has at least rows of them (then cut to rows).
func pagedSpec(t *testing.T, eng *core.Engine, q core.QuerySpec, page, rows int) []string {
	t.Helper()
	var out []string
	q.Limit = page
	for i := 0; ; i++ {
		if i > 10000 {
			t.Fatal("paging does not end")
		}
		p, err := eng.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("query %q: %v", q.Filter.String(), err)
		}
		for _, a := range p.Items {
			out = append(out, a.EventID)
		}
		if p.Next == "" || len(out) >= rows {
			return prefix(out, rows)
		}
		if len(p.Items) != page {
			t.Fatalf("short page (%d of %d) with a next cursor", len(p.Items), page)
		}
		q.Cursor, q.From, q.FromInclusive = p.Next, nil, false
	}
}

func prefix(s []string, n int) []string { return s[:min(n, len(s))] }

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// key is the row key of a fixture event.
func (o *oracle) key(t *testing.T, id string) core.RowKey {
	t.Helper()
	for i := range o.events {
		if o.events[i].id == id {
			return core.RowKey{CreatedAt: o.events[i].t, EventID: id}
		}
	}
	t.Fatalf("no fixture event %q", id)
	return core.RowKey{}
}
