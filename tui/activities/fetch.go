package activities

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// fetchKind says where a page goes in the window.
type fetchKind int

const (
	fetchTop      fetchKind = iota // the first rows of the result: replaces the window
	fetchForward                   // the rows after the window's last row: appended
	fetchBackward                  // the rows before the window's first row: prepended
	fetchEnd                       // the last rows of the result: replaces the window
	fetchRefresh                   // the window again from its first row: replaces it
	// Non-time orders (sort.go) page by keyset cursors.
	fetchSortTop     // scan page 0: replaces the window
	fetchSortEnd     // scan page 0 of the reversed order (the result's end): replaces it
	fetchSortPage    // one scan page, next to the held ones
	fetchSortRefresh // the held scan pages again: replaces the window
)

// fetchReq is everything a fetch needs, copied out of the model so the
// command never touches it.
type fetchReq struct {
	gen    uint64
	kind   fetchKind
	filter query.Filter
	limit  int
	cursor string // engine cursor for fetchForward, when known
	// anchor: the window row the fetch is relative to (its last row going
	// forward, its first row going backward or on refresh).
	anchorT  int64
	anchorID string
	// what a refresh keeps the cursor on
	keepID  string
	keepIdx int
	keepTop int
	// raw lists the columns read from raw JSON (pageCells).
	raw []string
	// sorted pages: see sortReq
	sort sortReq
}

// pageMsg is a fetch's result, tagged with the generation it was asked for.
type pageMsg struct {
	req   fetchReq
	rows  []core.Activity // newest first
	next  string          // engine cursor after the last row ("" when unknown or at the end)
	more  bool            // more rows beyond the fetched ones, in the fetch's direction
	base  int64           // absolute index of rows[0] when known, else -1
	total int64           // fetchEnd: the result's size
	head  bool            // fetchRefresh: rows[0] is the first row of the result
	at    time.Time       // when the rows were read (the engine's clock)
	pin   core.Pin        // the store's pin at that moment
	err   error
	cells map[string][]string // the raw-JSON columns' cells, by event id
	// sorted pages: the cursor after each page read, in scan order
	nexts []string
}

// runFetch reads one page. It runs in a tea.Cmd.
func runFetch(ctx context.Context, eng *core.Engine, r fetchReq) pageMsg {
	// The pin is taken before the read, so the rows shown are at most
	// what it names; an export pinned to it holds the same rows.
	m := pageMsg{req: r, base: -1, at: eng.Now(), pin: eng.Pin()}
	raw := len(r.raw) > 0
	switch r.kind {
	case fetchSortTop, fetchSortEnd, fetchSortPage, fetchSortRefresh:
		runSortFetch(ctx, eng, r, &m)
	case fetchTop:
		p, err := eng.Query(ctx, core.QuerySpec{Filter: r.filter, Limit: r.limit, WithRaw: raw})
		m.rows, m.next, m.more, m.base, m.err = p.Items, p.Next, p.Next != "", 0, err
	case fetchForward:
		if r.cursor != "" {
			p, err := eng.Query(ctx, core.QuerySpec{Filter: r.filter, Limit: r.limit, Cursor: r.cursor, WithRaw: raw})
			if err == nil || !errors.Is(err, core.ErrBadCursor) {
				m.rows, m.next, m.more, m.err = p.Items, p.Next, p.Next != "", err
				break
			}
		}
		m.rows, m.more, m.err = after(ctx, eng, r.filter, r.anchorT, r.anchorID, false, r.limit, raw)
	case fetchBackward:
		m.rows, m.more, m.err = before(ctx, eng, r.filter, r.anchorT, r.anchorID, r.limit, raw)
	case fetchEnd:
		m.rows, m.more, m.err = oldest(ctx, eng, r.filter, r.limit, raw)
		if m.err == nil {
			m.total, m.err = eng.Count(ctx, r.filter)
			m.base = max(0, m.total-int64(len(m.rows)))
		}
	case fetchRefresh:
		m.rows, m.more, m.err = after(ctx, eng, r.filter, r.anchorT, r.anchorID, true, r.limit, raw)
		if m.err == nil {
			m.base, m.err = eng.CountBefore(ctx, r.filter, core.RowKey{CreatedAt: r.anchorT, EventID: r.anchorID})
			m.head = m.base == 0
		}
		if m.err == nil && len(m.rows) == 0 {
			// The window's rows are gone: show the top instead.
			p, err := eng.Query(ctx, core.QuerySpec{Filter: r.filter, Limit: r.limit, WithRaw: raw})
			m.rows, m.next, m.more, m.base, m.head, m.err = p.Items, p.Next, p.Next != "", 0, true, err
		}
	}
	return m
}

// after returns up to n rows following the row (t, id) in newest-first
// order (the row itself too when inclusive), and whether more follow.
func after(ctx context.Context, eng *core.Engine, f query.Filter, t int64, id string, inclusive bool, n int, raw bool) ([]core.Activity, bool, error) {
	p, err := eng.Query(ctx, core.QuerySpec{Filter: f, Limit: n, From: &core.RowKey{CreatedAt: t, EventID: id}, FromInclusive: inclusive, WithRaw: raw})
	return p.Items, p.Next != "", err
}

// before returns up to n rows preceding the row (t, id) in newest-first
// order, newest first, and whether more precede them.
func before(ctx context.Context, eng *core.Engine, f query.Filter, t int64, id string, n int, raw bool) ([]core.Activity, bool, error) {
	p, err := eng.Query(ctx, core.QuerySpec{Filter: f, Limit: n, From: &core.RowKey{CreatedAt: t, EventID: id}, Backward: true, WithRaw: raw})
	slices.Reverse(p.Items)
	return p.Items, p.Next != "", err
}

// oldest returns the last n rows of the result in newest-first order.
func oldest(ctx context.Context, eng *core.Engine, f query.Filter, n int, raw bool) ([]core.Activity, bool, error) {
	p, err := eng.Query(ctx, core.QuerySpec{Filter: f, Limit: n, Backward: true, WithRaw: raw})
	slices.Reverse(p.Items)
	return p.Items, p.Next != "", err
}
