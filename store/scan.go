package store

import (
	"cmp"
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/valyala/fastjson"
)

// bulkRows: scans asked for more rows than this (or all) use per-scan
// memory for decoded blocks instead of the shared cache.
const bulkRows = 10000

func isTimeOrder(o query.Order) bool {
	return len(o) == 0 || (len(o) == 1 && o[0].Field == "created_at")
}

// exec runs one scan: a plan, a reader and a JSON parser for raw predicates.
type exec struct {
	r      *reader
	p      *plan
	parser fastjson.Parser
	// ctx is checked every rawCheckEvery raw-JSON evaluations: a costly
	// filter over raw fields must stop at its deadline inside a block.
	ctx    context.Context
	parsed int
}

const rawCheckEvery = 256

// rawMatch evaluates the raw-JSON predicates on one row.
func (x *exec) rawMatch(b *blockState, row int) (bool, error) {
	if len(x.p.rawPreds) == 0 {
		return true, nil
	}
	raw, err := x.r.rawRow(b, row)
	if err != nil {
		return false, err
	}
	return x.rawMatchBytes(b, row, raw)
}

func (x *exec) rawMatchBytes(b *blockState, row int, raw []byte) (bool, error) {
	if x.parsed++; x.parsed%rawCheckEvery == 0 && x.ctx != nil {
		if err := x.ctx.Err(); err != nil {
			return false, err
		}
	}
	if !x.p.mayContain(raw) {
		return false, nil
	}
	doc, err := x.parser.ParseBytes(raw)
	if err != nil {
		return false, fmt.Errorf("block %d row %d: stored JSON: %w", b.hdr.Seq, row, err)
	}
	for _, pr := range x.p.rawPreds {
		if !pr.MatchJSON(doc) {
			return false, nil
		}
	}
	return true, nil
}

// Explain describes the plan for a filter.
func (s *Store) Explain(c *query.Compiled, order query.Order) string {
	r := s.newReader()
	defer r.close()
	return newPlan(c, r.snap).explain(r.snap, order)
}

// Count counts matching events, two blocks at a time.
func (s *Store) Count(ctx context.Context, c *query.Compiled) (n int64, err error) {
	r := s.newReader()
	defer r.close()
	defer s.recoverDamage("count", &r.at, &err)
	return r.count(ctx, c, true)
}

// count counts matches in r's view; parallel opens one more transaction per
// core, which only the live store may do (they see the same commit because
// they open under pubMu together with r's snapshot pointer).
func (r *reader) count(ctx context.Context, c *query.Compiled, parallel bool) (int64, error) {
	s := r.s
	key := "count\x00" + strconv.FormatUint(r.asOf, 10) + "\x00" + c.Key()
	v, err := s.results.do(ctx, s, r.snap, key, func() ([]int64, error) {
		n, err := r.countBlocks(ctx, c, parallel)
		return []int64{n}, err
	})
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

func (r *reader) countBlocks(ctx context.Context, c *query.Compiled, parallel bool) (int64, error) {
	p := newPlan(c, r.snap)
	p.asOf = r.asOf
	return r.countPlan(ctx, p, parallel)
}

// countPlan counts the rows a plan matches (its filter, within its
// created_at window lo..hi).
func (r *reader) countPlan(ctx context.Context, p *plan, parallel bool) (int64, error) {
	var todo []*blockState
	var total int64
	for _, b := range r.snap.blocks {
		if p.skip(b) {
			continue
		}
		if p.coversWhole(b) {
			total += int64(b.live)
			continue
		}
		todo = append(todo, b)
	}
	var mu sync.Mutex
	err := r.eachBlock(ctx, p, "count", todo, parallel, func(x *exec, b *blockState) error {
		k, err := x.countBlock(b)
		if err != nil {
			return err
		}
		mu.Lock()
		total += k
		mu.Unlock()
		return nil
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}

// coversWhole: the header proves every live row of b matches.
func (p *plan) coversWhole(b *blockState) bool {
	if p.asOf > 0 {
		return false // live counts are of now, not of the pin
	}
	// The window first: a count before a row narrows it beyond the filter's.
	if b.hdr.MinT < p.lo || b.hdr.MaxT > p.hi {
		return false
	}
	if p.c == nil {
		return true
	}
	if len(p.c.Preds) != len(p.timePreds) || len(p.hourPreds) > 0 || p.asOf > 0 {
		return false
	}
	for _, pr := range p.timePreds {
		if !pr.MatchTime(b.hdr.MinT) || !pr.MatchTime(b.hdr.MaxT) || pr.Term.Op == query.OpNe || pr.Term.Negate {
			return false
		}
	}
	return true
}

func (x *exec) countBlock(b *blockState) (int64, error) {
	bs, err := x.r.candidates(x.p, b)
	if err != nil {
		return 0, err
	}
	if len(x.p.rawPreds) == 0 {
		return int64(bs.count()), nil
	}
	// Walk the candidates chunk by chunk: a chunk whose bytes cannot hold
	// the needles of a contains filter is skipped without parsing a row.
	var n int64
	cr := b.hdr.ChunkRows
	for i := bs.next(0); i >= 0; {
		ci := i / cr
		c, err := x.r.chunkUncached(b.hdr.Seq, ci)
		if err != nil {
			return 0, err
		}
		end := min((ci+1)*cr, b.hdr.Rows)
		if x.p.mayContain(c.data) {
			for ; i >= 0 && i < end; i = bs.next(i + 1) {
				if i-ci*cr >= len(c.rows) {
					return 0, fmt.Errorf("block %d row %d: %w", b.hdr.Seq, i, errCorrupt)
				}
				ok, err := x.rawMatchBytes(b, i, c.rows[i-ci*cr])
				if err != nil {
					return 0, err
				}
				if ok {
					n++
				}
			}
		} else {
			i = bs.next(end)
		}
	}
	return n, nil
}

// Get returns activities by id, in the order asked, leaving out unknown ids.
func (s *Store) Get(ctx context.Context, ids []string, withRaw bool) (_ []core.Activity, err error) {
	r := s.newReader()
	defer r.close()
	defer s.recoverDamage("get events", &r.at, &err)
	found, err := r.locate(ids)
	if err != nil {
		return nil, err
	}
	var out []core.Activity
	for _, id := range ids {
		loc, ok := found[id]
		if !ok {
			continue
		}
		a, err := r.activity(loc.b, loc.row, withRaw)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

type location struct {
	b         *blockState
	row       int
	createdAt int64
}

// locate finds the live rows of event ids through the blocks' id blooms.
func (r *reader) locate(ids []string) (map[string]location, error) {
	out := make(map[string]location, len(ids))
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for _, b := range r.snap.blocks {
		if b.live == 0 || len(out) == len(want) {
			continue
		}
		hit := false
		for id := range want {
			if _, done := out[id]; !done && b.hdr.idBloom.TestString(id) {
				hit = true
				break
			}
		}
		if !hit {
			continue
		}
		col, err := r.ids(b.hdr.Seq)
		if err != nil {
			return nil, err
		}
		ts, err := r.times(b.hdr.Seq)
		if err != nil {
			return nil, err
		}
		for row, id := range col {
			if want[id] && !b.deleted(row) {
				out[id] = location{b: b, row: row, createdAt: ts[row]}
			}
		}
	}
	return out, nil
}

// Scan streams matches in order. See core.ActivityStore.
func (s *Store) Scan(ctx context.Context, req core.ScanRequest, fn func(*core.Activity) error) (_ string, err error) {
	r := s.newReader()
	defer r.close()
	defer s.recoverDamage("scan", &r.at, &err)
	return r.scan(ctx, req, guardCallback(fn))
}

func (r *reader) scan(ctx context.Context, req core.ScanRequest, fn func(*core.Activity) error) (string, error) {
	order := req.Order
	if len(order) == 0 {
		order = query.DefaultOrder
	}
	if req.From != nil || req.Backward {
		if !isTimeOrder(order) {
			return "", fmt.Errorf("a scan from a row or backward needs a time order, not %s", order)
		}
		if req.From != nil && req.Cursor != "" {
			return "", fmt.Errorf("a scan starts at a cursor or at a row, not both")
		}
	}
	if req.Backward {
		// Ties within created_at go by event_id in the time's direction, so
		// the reversed time order is the order read backwards.
		order = query.Order{{Field: "created_at", Desc: !order[0].Desc}}
	}
	p := newPlan(req.Filter, r.snap)
	p.asOf = r.asOf
	fp := fingerprint(req.Filter, order)
	var after *sortCursor
	inclusive := false
	switch {
	case req.Cursor != "":
		c, err := decodeCursor(req.Cursor, fp)
		if err != nil {
			return "", err
		}
		after = c
	case req.From != nil:
		after = &sortCursor{T: req.From.CreatedAt, ID: req.From.EventID}
		inclusive = req.FromInclusive
	}
	x := &exec{r: r, p: p, ctx: ctx}
	r.sparse = nil // rows of an earlier scan on this reader
	// Only time-ordered scans go bulk: they finish blocks one after another
	// (or, for overlapping blocks, hold columns but only recent chunks).
	// Other orders visit rows in any block order and use the shared cache.
	if isTimeOrder(order) && (req.Limit == 0 || req.Limit > bulkRows) {
		r.bulk()
		defer func() { r.memo, r.recent, r.cols = nil, nil, nil }()
	}
	if isTimeOrder(order) {
		it := x.newTimeIter(order[0].Desc, after)
		it.inclusive = inclusive
		return x.scanByTime(ctx, req, it, fp, fn)
	}
	return x.scanSorted(ctx, req, order, after, fp, fn)
}

// sortCursor is the keyset position of a row: its sort values, then time and id.
type sortCursor struct {
	Vals []sortVal `json:"v,omitempty"`
	T    int64     `json:"t"`
	ID   string    `json:"i"`
	FP   string    `json:"f"`
}

func fingerprint(c *query.Compiled, order query.Order) string {
	h := sha256.New()
	if c != nil {
		terms := make([]query.Term, len(c.Preds))
		for i, p := range c.Preds {
			terms[i] = p.Term
		}
		h.Write([]byte(query.Filter{Terms: terms}.String()))
	}
	h.Write([]byte{0})
	h.Write([]byte(order.String()))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:8])
}

func encodeCursor(c sortCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, fp string) (*sortCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 64<<10 {
		return nil, core.ErrBadCursor
	}
	var c sortCursor
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, core.ErrBadCursor
	}
	if c.FP != fp {
		return nil, fmt.Errorf("%w: it was made for another filter or order", core.ErrBadCursor)
	}
	return &c, nil
}

// rowPos is one block's current row in the time-order merge. Event ids
// break ties between equal times only, so the id column (the largest) is
// read only when a tie or the cursor needs it.
type rowPos struct {
	b    *blockState
	bits bitset
	row  int
	t    int64
	ts   []int64
	ids  []string
	sp   *sparseBlock // set when the block was opened from postings; ts and ids are nil then
	r    *reader
	err  error
}

func (p *rowPos) id() string {
	if p.sp != nil {
		return p.sp.id(p.row)
	}
	if p.ids == nil {
		ids, err := p.r.ids(p.b.hdr.Seq)
		if err != nil {
			p.err = err
			return ""
		}
		p.ids = ids
	}
	return p.ids[p.row]
}

type mergeHeap struct {
	items []*rowPos
	desc  bool
}

func (h *mergeHeap) Len() int { return len(h.items) }
func (h *mergeHeap) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	if h.desc {
		return a.t > b.t || a.t == b.t && a.id() > b.id()
	}
	return a.t < b.t || a.t == b.t && a.id() < b.id()
}
func (h *mergeHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *mergeHeap) Push(x any)    { h.items = append(h.items, x.(*rowPos)) }
func (h *mergeHeap) Pop() any {
	it := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return it
}

// timeIter merges blocks, each sorted by time, into one ordered stream. A
// block is opened only when it could hold the next row, so a first page
// touches the newest few blocks only.
type timeIter struct {
	x     *exec
	desc  bool
	after *sortCursor
	// inclusive: the row with the cursor's key itself comes too (a scan
	// from a row, ScanRequest.FromInclusive)
	inclusive bool
	blocks    []*blockState
	nb        int
	h         mergeHeap
	// finished blocks whose memo can go once their last row is emitted
	finished []uint64
}

func (x *exec) newTimeIter(desc bool, after *sortCursor) *timeIter {
	it := &timeIter{x: x, desc: desc, after: after, h: mergeHeap{desc: desc}}
	p := x.p
	if after != nil {
		if desc {
			p.hi = min(p.hi, after.T)
		} else {
			p.lo = max(p.lo, after.T)
		}
	}
	for _, b := range x.r.snap.blocks {
		if !p.skip(b) {
			it.blocks = append(it.blocks, b)
		}
	}
	if !desc {
		slices.SortFunc(it.blocks, func(a, b *blockState) int {
			if c := cmp.Compare(a.hdr.MinT, b.hdr.MinT); c != 0 {
				return c
			}
			return cmp.Compare(a.hdr.Seq, b.hdr.Seq)
		})
	}
	return it
}

func (it *timeIter) mayPrecede(b *blockState) bool {
	if it.h.Len() == 0 {
		return true
	}
	top := it.h.items[0]
	if it.desc {
		return b.hdr.MaxT >= top.t
	}
	return b.hdr.MinT <= top.t
}

// afterCursor: is the row at pos past the keyset cursor (or on it, when
// the iterator is inclusive)?
func (it *timeIter) afterCursor(pos *rowPos) bool {
	c := it.after
	if c == nil {
		return true
	}
	if pos.t != c.T {
		return it.desc == (pos.t < c.T)
	}
	id := pos.id()
	if id == c.ID {
		return it.inclusive
	}
	return it.desc == (id < c.ID)
}

func (it *timeIter) open(b *blockState) error {
	// A filter no row matches opens every block before the first row.
	if err := it.x.ctx.Err(); err != nil {
		return err
	}
	pos := &rowPos{b: b, r: it.x.r}
	if sb, ok, err := it.x.r.sparseCandidates(it.x.p, b); err != nil {
		return err
	} else if ok {
		pos.bits, pos.sp = sb.bits, sb
	} else {
		bs, err := it.x.r.candidates(it.x.p, b)
		if err != nil {
			return err
		}
		ts, err := it.x.r.times(b.hdr.Seq)
		if err != nil {
			return err
		}
		pos.bits, pos.ts = bs, ts
	}
	if it.desc {
		pos.row = -1
	} else {
		pos.row = b.hdr.Rows
	}
	ok, err := it.advance(pos)
	if err != nil {
		return err
	}
	if !ok {
		it.x.r.forget(b.hdr.Seq) // nothing to show: its columns can go now
		return nil
	}
	heap.Push(&it.h, pos)
	return nil
}

// advance moves pos to its next row that passes every predicate and lies
// after the cursor; false when the block is exhausted.
func (it *timeIter) advance(pos *rowPos) (bool, error) {
	for {
		if it.desc {
			pos.row = pos.bits.next(pos.row + 1)
		} else {
			pos.row = pos.bits.prev(pos.row - 1)
		}
		if pos.row < 0 {
			return false, nil
		}
		if pos.sp != nil {
			pos.t = pos.sp.time(pos.row)
		} else {
			pos.t = pos.ts[pos.row]
		}
		if !it.afterCursor(pos) {
			if pos.err != nil {
				return false, pos.err
			}
			continue
		}
		ok, err := it.x.rawMatch(pos.b, pos.row)
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
}

// next returns the next matching row, or ok=false at the end.
func (it *timeIter) next() (*blockState, int, bool, error) {
	for it.nb < len(it.blocks) && it.mayPrecede(it.blocks[it.nb]) {
		if err := it.open(it.blocks[it.nb]); err != nil {
			return nil, 0, false, err
		}
		it.nb++
	}
	if it.h.Len() == 0 {
		return nil, 0, false, nil
	}
	top := it.h.items[0]
	b, row := top.b, top.row
	ok, err := it.advance(top)
	if err != nil {
		return nil, 0, false, err
	}
	if ok {
		heap.Fix(&it.h, 0)
	} else {
		heap.Pop(&it.h)
		it.finished = append(it.finished, b.hdr.Seq)
	}
	for _, p := range it.h.items {
		if p.err != nil {
			return nil, 0, false, p.err
		}
	}
	return b, row, true, nil
}

func (x *exec) scanByTime(ctx context.Context, req core.ScanRequest, it *timeIter, fp string, fn func(*core.Activity) error) (string, error) {
	skip := req.Offset
	emitted := 0
	var last sortCursor
	// One Activity for every row: fn gets a pointer it must not keep, and
	// reusing it saves an allocation per row.
	var a core.Activity
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return "", err
			}
		}
		b, row, ok, err := it.next()
		if err != nil {
			return "", err
		}
		if !ok {
			return "", nil
		}
		if skip > 0 {
			skip--
			continue
		}
		if req.Limit > 0 && emitted == req.Limit {
			// One more row exists: hand out a cursor to it.
			return encodeCursor(last), nil
		}
		a, err = x.r.activity(b, row, req.WithRaw)
		if err != nil {
			return "", err
		}
		if err := fn(&a); err != nil {
			return "", err
		}
		emitted++
		last = sortCursor{T: a.CreatedAt, ID: a.EventID, FP: fp}
		for _, seq := range it.finished {
			x.r.forget(seq)
		}
		it.finished = it.finished[:0]
	}
}

// sortVal is one comparable sort value. Missing sorts first ascending.
type sortVal struct {
	K uint8   `json:"k"` // 0 missing, 1 bool, 2 number, 3 time, 4 string
	S string  `json:"s,omitempty"`
	F float64 `json:"n,omitempty"`
	I int64   `json:"i,omitempty"`
}

func compareVal(a, b sortVal) int {
	if c := cmp.Compare(a.K, b.K); c != 0 {
		return c
	}
	switch a.K {
	case 1, 3:
		return cmp.Compare(a.I, b.I)
	case 2:
		return cmp.Compare(a.F, b.F)
	case 4:
		return strings.Compare(a.S, b.S)
	}
	return 0
}

type sortedRow struct {
	key sortCursor
	b   *blockState
	row int
}

// compareKeys orders rows by the query order, then newest first, then id.
func compareKeys(order query.Order, a, b *sortCursor) int {
	for i, o := range order {
		c := compareVal(a.Vals[i], b.Vals[i])
		if o.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	if c := cmp.Compare(b.T, a.T); c != 0 {
		return c
	}
	return strings.Compare(b.ID, a.ID)
}

// pageRows bounds memory for orders other than time: each round keeps only
// the best pageRows rows past the cursor.
const pageRows = 8192

// scanSorted serves any other order with repeated bounded top-k passes.
func (x *exec) scanSorted(ctx context.Context, req core.ScanRequest, order query.Order, after *sortCursor, fp string, fn func(*core.Activity) error) (string, error) {
	skip := req.Offset
	emitted := 0
	for {
		want := pageRows
		if req.Limit > 0 {
			want = min(want, skip+req.Limit-emitted+1)
		}
		rows, more, err := x.topK(ctx, order, after, want)
		if err != nil {
			return "", err
		}
		for _, sr := range rows {
			if skip > 0 {
				skip--
				after = &sr.key
				continue
			}
			if req.Limit > 0 && emitted == req.Limit {
				return encodeCursor(*after), nil
			}
			a, err := x.r.activity(sr.b, sr.row, req.WithRaw)
			if err != nil {
				return "", err
			}
			if err := fn(&a); err != nil {
				return "", err
			}
			emitted++
			k := sr.key
			k.FP = fp
			after = &k
		}
		if !more {
			return "", nil
		}
	}
}

// topK returns the first k matching rows after the cursor in order, and
// whether more rows may follow.
func (x *exec) topK(ctx context.Context, order query.Order, after *sortCursor, k int) ([]sortedRow, bool, error) {
	h := &topHeap{order: order}
	total := 0
	for _, b := range x.r.snap.blocks {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		if x.p.skip(b) {
			continue
		}
		bs, err := x.r.candidates(x.p, b)
		if err != nil {
			return nil, false, err
		}
		first, err := x.firstSortVal(order[0].Field, b)
		if err != nil {
			return nil, false, err
		}
		for i := bs.next(0); i >= 0; i = bs.next(i + 1) {
			ok, err := x.rawMatch(b, i)
			if err != nil {
				return nil, false, err
			}
			if !ok {
				continue
			}
			var v0 *sortVal
			if first != nil {
				if v, exact := first(i); exact {
					v0 = &v
				}
			}
			if v0 != nil && h.Len() == k {
				// Worse than the worst kept row in the first order field
				// alone: it cannot be kept, and its whole key (the time
				// and id columns, the other fields, raw JSON) need not be
				// read.
				c := compareVal(*v0, h.rows[0].key.Vals[0])
				if order[0].Desc {
					c = -c
				}
				if c > 0 {
					total++
					continue
				}
			}
			key, err := x.sortKey(order, b, i, v0)
			if err != nil {
				return nil, false, err
			}
			if after != nil && compareKeys(order, &key, after) <= 0 {
				continue
			}
			total++
			if h.Len() < k {
				heap.Push(h, sortedRow{key: key, b: b, row: i})
			} else if compareKeys(order, &key, &h.rows[0].key) < 0 {
				h.rows[0] = sortedRow{key: key, b: b, row: i}
				heap.Fix(h, 0)
			}
		}
	}
	rows := h.rows
	slices.SortFunc(rows, func(a, b sortedRow) int { return compareKeys(order, &a.key, &b.key) })
	return rows, total > k, nil
}

// topHeap is a max-heap (by order) of the best rows so far.
type topHeap struct {
	order query.Order
	rows  []sortedRow
}

func (h *topHeap) Len() int { return len(h.rows) }
func (h *topHeap) Less(i, j int) bool {
	return compareKeys(h.order, &h.rows[i].key, &h.rows[j].key) > 0
}
func (h *topHeap) Swap(i, j int) { h.rows[i], h.rows[j] = h.rows[j], h.rows[i] }
func (h *topHeap) Push(x any)    { h.rows = append(h.rows, x.(sortedRow)) }
func (h *topHeap) Pop() any {
	r := h.rows[len(h.rows)-1]
	h.rows = h.rows[:len(h.rows)-1]
	return r
}

// firstSortVal returns how to read one order field of block b's rows
// cheaply, from a typed column of its own or a field column of one plain
// value a row; nil for the fields that need more (the time, id or triage
// reads of sortKey, or raw JSON). A row it cannot tell exactly (a field
// column's missing value: raw JSON may hold an empty object there) says
// so, and sortKey reads it.
func (x *exec) firstSortVal(field string, b *blockState) (func(row int) (sortVal, bool), error) {
	seq := b.hdr.Seq
	c, ok := columnOf[field]
	switch {
	case triageFields[field]:
		return nil, nil
	case ok && c.isTri():
		t, err := x.r.tri(seq, c)
		if err != nil {
			return nil, err
		}
		return func(row int) (sortVal, bool) {
			if t[row] == core.TriNull {
				return sortVal{}, true
			}
			return sortVal{K: 1, I: int64(t[row] - 1)}, true
		}, nil
	case ok:
		d, err := x.r.dict(seq, c)
		if err != nil {
			return nil, err
		}
		return func(row int) (sortVal, bool) {
			if code := d.codes[row]; code != 0 {
				return sortVal{K: 4, S: d.dict[code]}, true
			}
			return sortVal{}, true
		}, nil
	case field == "created_at" || field == "created_hour" || field == "event_id" ||
		!b.hdr.FieldCols || b.hdr.FieldOverflow || len(field) > maxFieldPathBytes:
		return nil, nil
	}
	col, err := x.r.fieldColumn(seq, field)
	if err != nil || col == nil || col.flags != 0 || col.rows != b.hdr.Rows {
		// No column, or one whose rows may hold several values, values
		// through arrays or objects: sortKey reads raw JSON as it must.
		return nil, err
	}
	kinds, texts, err := col.dict()
	if err != nil {
		return nil, err
	}
	if err := col.codes(); err != nil {
		return nil, err
	}
	if col.single == nil {
		return nil, nil
	}
	vals := make([]sortVal, len(kinds))
	exact := make([]bool, len(kinds))
	for i, k := range kinds {
		exact[i] = true
		switch k {
		case query.LeafString:
			vals[i] = sortVal{K: 4, S: texts[i]}
		case query.LeafNumber:
			f, err := strconv.ParseFloat(texts[i], 64)
			vals[i], exact[i] = sortVal{K: 2, F: f}, err == nil
		case query.LeafTrue:
			vals[i] = sortVal{K: 1, I: 1}
		case query.LeafFalse:
			vals[i] = sortVal{K: 1, I: 0}
		case query.LeafNull:
		default: // an empty array: raw JSON's text of it
			exact[i] = false
		}
	}
	return func(row int) (sortVal, bool) {
		if row >= len(col.single) || col.single[row] == 0 {
			return sortVal{}, false
		}
		c := col.single[row] - 1
		return vals[c], exact[c]
	}, nil
}

// sortKey reads the order fields of one row from columns, the triage index or raw JSON.
// first, when not nil, is the first field's value, read already.
func (x *exec) sortKey(order query.Order, b *blockState, row int, first *sortVal) (sortCursor, error) {
	seq := b.hdr.Seq
	ts, err := x.r.times(seq)
	if err != nil {
		return sortCursor{}, err
	}
	ids, err := x.r.ids(seq)
	if err != nil {
		return sortCursor{}, err
	}
	key := sortCursor{T: ts[row], ID: ids[row], Vals: make([]sortVal, len(order))}
	var doc *fastjson.Value
	for i, o := range order {
		if i == 0 && first != nil {
			key.Vals[0] = *first
			continue
		}
		var v sortVal
		switch f := o.Field; {
		case f == "created_at":
			v = sortVal{K: 3, I: ts[row]}
		case f == "created_hour":
			v = sortVal{K: 2, F: float64(utcHour(ts[row]))}
		case f == "event_id":
			v = sortVal{K: 4, S: ids[row]}
		case triageFields[f]:
			v = triageSortVal(f, x.r.snap.triage[ids[row]])
		default:
			if c, ok := columnOf[f]; ok {
				if c.isTri() {
					t, err := x.r.tri(seq, c)
					if err != nil {
						return key, err
					}
					if t[row] != core.TriNull {
						v = sortVal{K: 1, I: int64(t[row] - 1)}
					}
				} else {
					d, err := x.r.dict(seq, c)
					if err != nil {
						return key, err
					}
					if code := d.codes[row]; code != 0 {
						v = sortVal{K: 4, S: d.dict[code]}
					}
				}
				break
			}
			if doc == nil {
				raw, err := x.r.rawRow(b, row)
				if err != nil {
					return key, err
				}
				if doc, err = x.parser.ParseBytes(raw); err != nil {
					return key, err
				}
			}
			v = jsonSortVal(doc.Get(strings.Split(f, ".")...))
		}
		key.Vals[i] = v
	}
	return key, nil
}

func triageSortVal(field string, tr *triageRecord) sortVal {
	if tr == nil {
		if field == "triage.state" {
			return sortVal{K: 4, S: string(core.StateNew)}
		}
		return sortVal{}
	}
	switch field {
	case "triage.state":
		return sortVal{K: 4, S: string(tr.State)}
	case "triage.note":
		if tr.Note != "" {
			return sortVal{K: 4, S: tr.Note}
		}
	case "triage.by":
		return sortVal{K: 4, S: tr.By}
	case "triage.at":
		return sortVal{K: 3, I: tr.At.UnixNano()}
	}
	return sortVal{}
}

func jsonSortVal(v *fastjson.Value) sortVal {
	if v == nil {
		return sortVal{}
	}
	switch v.Type() {
	case fastjson.TypeNull:
		return sortVal{}
	case fastjson.TypeTrue:
		return sortVal{K: 1, I: 1}
	case fastjson.TypeFalse:
		return sortVal{K: 1, I: 0}
	case fastjson.TypeNumber:
		return sortVal{K: 2, F: v.GetFloat64()}
	case fastjson.TypeString:
		return sortVal{K: 4, S: string(v.GetStringBytes())}
	}
	return sortVal{K: 4, S: string(v.MarshalTo(nil))}
}
