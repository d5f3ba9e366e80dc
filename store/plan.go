package store

import (
	"bytes"
	"fmt"
	"math"
	"math/bits"
	"sort"
	"strconv"
	"strings"

	"github.com/auditdeck/auditdeck/core/query"
)

// columnOf (a filter field's dictionary or tri-state column) and
// triageFields (fields of the triage index) come from the field registry:
// see columns.go.

// maxBloomIDs bounds the id set checked against block bloom filters; a
// larger set is checked against the id column only.
const maxBloomIDs = 4096

// plan is how one filter runs against the blocks of a snapshot.
type plan struct {
	c           *query.Compiled
	lo, hi      int64 // created_at window, inclusive
	timePreds   []*query.Pred
	hourPreds   []*query.Pred // on the derived UTC hour of created_at
	colPreds    [numColumns][]*query.Pred
	idPreds     []*query.Pred
	triagePreds []*query.Pred
	rawPreds    []*query.Pred
	// fieldPreds are on fields without a typed column: answered from the
	// blocks' field columns (fieldcol.go), or the raw JSON where those cannot.
	fieldPreds []*query.Pred
	// fieldPre[i] is fieldPreds[i]'s prefilter on a column's dictionary
	// bytes (nil: none): some needle must be there for any value to pass.
	fieldPre []*query.TextMatcher
	// idSet, when not nil, is every event id that can match: from event_id
	// eq/in terms or from the triage index when untriaged events cannot match.
	idSet    map[string]bool
	idSource string
	needles  []rawNeedle
	asOf     uint64 // pinned read: see reader.asOf
	// postings holds the posting index's answers for eq/in predicates on
	// indexed fields (posting_read.go); blocks they cover skip bloom filters.
	postings []*postingHits
}

// rawNeedle is one contains/icontains term's prefilter: a row must hold one
// of its words. All words are looked for in one pass over the bytes.
type rawNeedle struct {
	words *query.TextMatcher
}

func newPlan(c *query.Compiled, snap *snapshot) *plan {
	p := &plan{c: c, lo: math.MinInt64, hi: math.MaxInt64}
	if c == nil {
		return p
	}
	p.lo, p.hi = c.TimeRange("created_at")
	for _, pr := range c.Preds {
		f := pr.Term.Field
		switch {
		case f == "created_at":
			p.timePreds = append(p.timePreds, pr)
		case f == "created_hour":
			p.hourPreds = append(p.hourPreds, pr)
		case f == "event_id":
			p.idPreds = append(p.idPreds, pr)
			if vals, fold, ok := pr.Values(); ok && !fold {
				p.intersectIDs(vals, "event_id index")
			}
		case triageFields[f]:
			p.triagePreds = append(p.triagePreds, pr)
		default:
			if col, ok := columnOf[f]; ok {
				p.colPreds[col] = append(p.colPreds[col], pr)
			} else if !pr.HasIndex() {
				p.fieldPreds = append(p.fieldPreds, pr)
				p.fieldPre = append(p.fieldPre, dictPrefilter(pr))
			} else {
				p.rawPreds = append(p.rawPreds, pr)
				if words, fold, ok := pr.Needles(); ok {
					if n, ok := needleOf(words, fold); ok {
						p.needles = append(p.needles, n)
					}
				}
			}
		}
	}
	if len(p.triagePreds) > 0 && !p.matchUntriaged() {
		// Only triaged events can match: the triage index is the candidate set.
		var ids []string
		for id, tr := range snap.triage {
			if p.matchTriage(tr) {
				ids = append(ids, id)
			}
		}
		p.intersectIDs(ids, "triage index")
	}
	p.planPostings(snap)
	return p
}

func (p *plan) intersectIDs(ids []string, source string) {
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		if p.idSet == nil || p.idSet[id] {
			set[id] = true
		}
	}
	if p.idSet != nil {
		source = p.idSource + " + " + source
	}
	p.idSet, p.idSource = set, source
}

func (p *plan) matchUntriaged() bool {
	for _, pr := range p.triagePreds {
		if !pr.MatchMissing() {
			return false
		}
	}
	return true
}

func (p *plan) matchTriage(tr *triageRecord) bool {
	if tr == nil {
		return p.matchUntriaged()
	}
	for _, pr := range p.triagePreds {
		var ok bool
		switch pr.Term.Field {
		case "triage.state":
			ok = pr.MatchString(string(tr.State))
		case "triage.note":
			ok = matchOptString(pr, tr.Note)
		case "triage.by":
			ok = matchOptString(pr, tr.By)
		case "triage.at":
			ok = pr.MatchTime(tr.At.UnixNano())
		}
		if !ok {
			return false
		}
	}
	return true
}

func matchOptString(pr *query.Pred, s string) bool {
	if s == "" {
		return pr.MatchMissing()
	}
	return pr.MatchString(s)
}

// dictPrefilter is a byte search that a field column's dictionary must
// pass for any of its values to satisfy pr: the needles of contains,
// icontains and text searches, or the texts of an exact eq/in. An eq
// argument that reads as a number can equal other spellings of it, so it
// gets none.
func dictPrefilter(pr *query.Pred) *query.TextMatcher {
	if pr.Negated() {
		return nil // the prefilter proves raw results false, which a negation passes
	}
	if words, fold, ok := pr.Needles(); ok && len(words) > 0 {
		return query.NewTextMatcher(words, fold)
	}
	vals, fold, ok := pr.Values()
	if !ok || fold || len(vals) == 0 || len(vals) > 64 {
		return nil
	}
	for _, v := range vals {
		if _, err := strconv.ParseFloat(v, 64); err != nil && v != "" {
			continue
		}
		return nil
	}
	return query.NewTextMatcher(vals, false)
}

// needleOf turns contains/icontains arguments into a byte prefilter when it
// is exact: JSON escapes can only hide characters the needle does not have.
func needleOf(words []string, fold bool) (rawNeedle, bool) {
	for _, w := range words {
		if w == "" {
			return rawNeedle{}, false
		}
		for i := 0; i < len(w); i++ {
			c := w[i]
			if c < 0x20 || c == '"' || c == '\\' || c == '/' || c >= 0x80 {
				return rawNeedle{}, false
			}
		}
	}
	if len(words) == 0 {
		return rawNeedle{}, false
	}
	return rawNeedle{words: query.NewTextMatcher(words, fold)}, true
}

// mayContain reports whether raw (one row, or a whole chunk of rows) can
// satisfy every needle. Text with a \u escape is always passed through to
// the full evaluation, since an escape can spell any character, and so is
// text with a letter whose lower case is ASCII (icontains lowers it; the
// needles fold ASCII only).
func (p *plan) mayContain(raw []byte) bool {
	if len(p.needles) == 0 {
		return true
	}
	for _, n := range p.needles {
		if !n.words.Match(raw) {
			return bytes.Contains(raw, escapeU) || foldsToASCII(raw)
		}
	}
	return true
}

var escapeU = []byte(`\u`)

// skip reports whether block b cannot hold a match, from its header alone.
func (p *plan) skip(b *blockState) bool {
	h := b.hdr
	if p.asOf > 0 && h.SeqMin > p.asOf {
		return true // written after the pin
	}
	if b.live == 0 && p.asOf == 0 || h.MaxT < p.lo || h.MinT > p.hi || p.lo > p.hi {
		return true
	}
	if p.postingExcludes(h.Seq) {
		return true
	}
	for i, c := range lowCard {
		set := h.sets[i]
		if len(p.colPreds[c]) == 0 || !set.known {
			continue
		}
		any := set.missing && allMissing(p.colPreds[c])
		for _, v := range set.values {
			if any {
				break
			}
			any = allString(p.colPreds[c], v)
		}
		if !any {
			return true
		}
	}
	for i, c := range []column{colSuccessful, colSuspicious} {
		if len(p.colPreds[c]) == 0 {
			continue
		}
		seen := h.triSeen[i]
		if seen&(1<<0) != 0 && allMissing(p.colPreds[c]) || seen&(1<<1) != 0 && allBool(p.colPreds[c], false) || seen&(1<<2) != 0 && allBool(p.colPreds[c], true) {
			continue
		}
		return true
	}
	for c, bf := range map[column]interface{ TestString(string) bool }{colUser: h.userBloom, colIP: h.ipBloom} {
		for _, pr := range p.colPreds[c] {
			vals, fold, ok := pr.Values()
			if !ok || (fold && c == colIP) || p.postingDecides(c, h.Seq) {
				continue // the IP bloom holds values as ingested, not lowercased
			}
			hit := false
			for _, v := range vals {
				if c == colUser {
					v = strings.ToLower(v)
				}
				if bf.TestString(v) {
					hit = true
					break
				}
			}
			if !hit {
				return true
			}
		}
	}
	if p.idSet != nil && len(p.idSet) <= maxBloomIDs && !p.postingDecides(postingIDColumn, h.Seq) {
		hit := false
		for id := range p.idSet {
			if h.idBloom.TestString(id) {
				hit = true
				break
			}
		}
		if !hit {
			return true
		}
	}
	return false
}

func allMissing(ps []*query.Pred) bool {
	for _, p := range ps {
		if !p.MatchMissing() {
			return false
		}
	}
	return true
}

func allString(ps []*query.Pred, v string) bool {
	for _, p := range ps {
		if !p.MatchString(v) {
			return false
		}
	}
	return true
}

func allBool(ps []*query.Pred, v bool) bool {
	for _, p := range ps {
		if !p.MatchBool(v) {
			return false
		}
	}
	return true
}

// bitset marks candidate rows of one block.
type bitset []uint64

func newBitset(n int) bitset    { return make(bitset, (n+63)/64) }
func (b bitset) set(i int)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bitset) clear(i int)    { b[i>>6] &^= 1 << (uint(i) & 63) }
func (b bitset) has(i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }
func (b bitset) setRange(lo, hi int) {
	for i := lo; i < hi; i++ {
		b.set(i)
	}
}
func (b bitset) count() (n int) {
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// next returns the first set index >= i, or -1.
func (b bitset) next(i int) int {
	if i < 0 {
		i = 0
	}
	w := i >> 6
	if w >= len(b) {
		return -1
	}
	word := b[w] >> (uint(i) & 63)
	if word != 0 {
		return i + bits.TrailingZeros64(word)
	}
	for w++; w < len(b); w++ {
		if b[w] != 0 {
			return w<<6 + bits.TrailingZeros64(b[w])
		}
	}
	return -1
}

// prev returns the last set index <= i, or -1.
func (b bitset) prev(i int) int {
	if i >= len(b)*64 {
		i = len(b)*64 - 1
	}
	for ; i >= 0; i-- {
		if i&63 == 63 && b[i>>6] == 0 {
			i -= 63
			continue
		}
		if b.has(i) {
			return i
		}
	}
	return -1
}

// candidates evaluates every column predicate of p on block b and returns
// the rows that pass them; raw-JSON predicates are left to the caller.
func (r *reader) candidates(p *plan, b *blockState) (bitset, error) {
	return r.candidatesIn(p, b, nil)
}

// candidatesIn is candidates among the rows of within only (nil: all): a
// count_if's filter is evaluated on the rows the main filter kept.
func (r *reader) candidatesIn(p *plan, b *blockState, within bitset) (bitset, error) {
	h := b.hdr
	seq := h.Seq
	var ts []int64
	start, end := 0, h.Rows
	if p.lo > h.MinT || p.hi < h.MaxT || len(p.timePreds) > 0 || len(p.hourPreds) > 0 {
		// The time column only when time narrows the rows: a count of
		// another field over a whole block needs none.
		var err error
		if ts, err = r.times(seq); err != nil {
			return nil, err
		}
		if len(ts) != h.Rows {
			return nil, fmt.Errorf("block %d: %w", seq, errCorrupt)
		}
		// Rows are newest first, so the time window is one run of rows.
		start = sort.Search(len(ts), func(i int) bool { return ts[i] <= p.hi })
		end = sort.Search(len(ts), func(i int) bool { return ts[i] < p.lo })
	}
	bs := newBitset(h.Rows)
	if start >= end {
		return bs, nil
	}
	bs.setRange(start, end)
	if within != nil {
		for w := range bs {
			if w < len(within) {
				bs[w] &= within[w]
			} else {
				bs[w] = 0
			}
		}
	}
	p.postingRows(seq, bs)
	if b.del != nil {
		it := b.del.Iterator()
		for it.HasNext() {
			row := it.Next()
			if p.asOf == 0 || b.deletedBefore(row, p.asOf) {
				bs.clear(int(row))
			}
		}
	}
	if p.asOf > 0 && h.SeqMax > p.asOf {
		// Some rows of a merged block were committed after the pin.
		for i := bs.next(start); i >= 0 && i < end; i = bs.next(i + 1) {
			q, err := r.rowSeq(b, i)
			if err != nil {
				return nil, err
			}
			if q > p.asOf {
				bs.clear(i)
			}
		}
	}
	for _, pr := range p.timePreds {
		for i := bs.next(start); i >= 0 && i < end; i = bs.next(i + 1) {
			if !pr.MatchTime(ts[i]) {
				bs.clear(i)
			}
		}
	}
	for _, pr := range p.hourPreds {
		for i := bs.next(start); i >= 0 && i < end; i = bs.next(i + 1) {
			if !pr.MatchNumber(float64(utcHour(ts[i]))) {
				bs.clear(i)
			}
		}
	}
	for c := colEventType; c <= colCountry; c++ {
		preds := p.colPreds[c]
		if len(preds) == 0 {
			continue
		}
		d, err := r.dict(seq, c)
		if err != nil {
			return nil, err
		}
		table := dictTable(d, preds)
		for i := bs.next(start); i >= 0 && i < end; i = bs.next(i + 1) {
			if !table[d.codes[i]] {
				bs.clear(i)
			}
		}
	}
	for _, c := range []column{colSuccessful, colSuspicious} {
		preds := p.colPreds[c]
		if len(preds) == 0 {
			continue
		}
		t, err := r.tri(seq, c)
		if err != nil {
			return nil, err
		}
		table := [3]bool{allMissing(preds), allBool(preds, false), allBool(preds, true)}
		for i := bs.next(start); i >= 0 && i < end; i = bs.next(i + 1) {
			if t[i] > 2 || !table[t[i]] {
				bs.clear(i)
			}
		}
	}
	var fallback []*query.Pred
	for i, pr := range p.fieldPreds {
		if bs.next(start) < 0 {
			break
		}
		ok, err := r.fieldFilter(b, pr, p.fieldPre[i], bs, start, end)
		if err != nil {
			return nil, err
		}
		if !ok {
			fallback = append(fallback, pr)
		}
	}
	if p.idSet != nil || len(p.idPreds) > 0 || len(p.triagePreds) > 0 {
		ids, err := r.ids(seq)
		if err != nil {
			return nil, err
		}
		for i := bs.next(start); i >= 0 && i < end; i = bs.next(i + 1) {
			id := ids[i]
			ok := p.idSet == nil || p.idSet[id]
			for _, pr := range p.idPreds {
				if !ok {
					break
				}
				ok = pr.MatchString(id)
			}
			if ok && len(p.triagePreds) > 0 {
				ok = p.matchTriage(r.snap.triage[id])
			}
			if !ok {
				bs.clear(i)
			}
		}
	}
	if len(fallback) > 0 {
		if err := r.rawFilter(b, fallback, bs, start, end); err != nil {
			return nil, err
		}
	}
	return bs, nil
}

// dictTable says, per dictionary code, whether the value passes every
// predicate. An exact eq/in (the common case, and on user or IP columns a
// dictionary of thousands) is a string comparison per entry, not a predicate call.
func dictTable(d *dictColumn, preds []*query.Pred) []bool {
	table := make([]bool, len(d.dict))
	if len(preds) == 1 {
		if vals, fold, ok := preds[0].Values(); ok && !fold && len(vals) <= 4 {
			for i := 1; i < len(d.dict); i++ {
				for _, v := range vals {
					if d.dict[i] == v {
						table[i] = true
						break
					}
				}
			}
			return table
		}
	}
	table[0] = allMissing(preds)
	for i := 1; i < len(d.dict); i++ {
		table[i] = allString(preds, d.dict[i])
	}
	return table
}

// explain describes the plan for one snapshot.
func (p *plan) explain(snap *snapshot, order query.Order) string {
	var sb strings.Builder
	kept := 0
	for _, b := range snap.blocks {
		if !p.skip(b) {
			kept++
		}
	}
	switch {
	case p.idSet != nil:
		fmt.Fprintf(&sb, "index: %s (%d candidate ids)\n", p.idSource, len(p.idSet))
	case p.lo != math.MinInt64 || p.hi != math.MaxInt64:
		sb.WriteString("index: created_at window\n")
	default:
		sb.WriteString("index: block scan\n")
	}
	if fs := p.postingFields(); len(fs) > 0 {
		fmt.Fprintf(&sb, "posting index: %s\n", strings.Join(fs, ", "))
	}
	fmt.Fprintf(&sb, "blocks: %d of %d after pruning by time range, value sets and bloom filters\n", kept, len(snap.blocks))
	var cols []string
	for c, ps := range p.colPreds {
		for _, pr := range ps {
			cols = append(cols, fmt.Sprintf("%s (column %d)", pr.Term.Field, c))
		}
	}
	for _, pr := range p.timePreds {
		cols = append(cols, "created_at (column)")
		_ = pr
	}
	fmt.Fprintf(&sb, "column predicates: %s\n", orNone(cols))
	var fields []string
	for _, pr := range p.fieldPreds {
		if pr.IsTextSearch() {
			fields = append(fields, "text search "+strconv.Quote(pr.Term.Field)+" (every field column)")
		} else {
			fields = append(fields, pr.Term.Field)
		}
	}
	fmt.Fprintf(&sb, "field column predicates: %s", orNone(fields))
	if len(fields) > 0 {
		with := 0
		for _, b := range snap.blocks {
			if b.hdr.FieldCols {
				with++
			}
		}
		if with == len(snap.blocks) {
			sb.WriteString(" (field columns in every block)")
		} else {
			fmt.Fprintf(&sb, " (field columns in %d of %d blocks; the others read the raw JSON until the store is migrated)", with, len(snap.blocks))
		}
	}
	sb.WriteString("\n")
	var raws []string
	for _, pr := range p.rawPreds {
		raws = append(raws, pr.Term.Field)
	}
	fmt.Fprintf(&sb, "raw JSON predicates: %s", orNone(raws))
	if len(p.needles) > 0 {
		sb.WriteString(" (byte prefilter on contains)")
	}
	fmt.Fprintf(&sb, "\norder: %s", order.String())
	if isTimeOrder(order) {
		sb.WriteString(" (merge of time-sorted blocks)\n")
	} else {
		sb.WriteString(" (bounded top-k per page)\n")
	}
	return sb.String()
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// utcHour is the hour of day (0-23, UTC) of a unix-nanosecond time.
func utcHour(ns int64) int64 {
	const hour, day = int64(3600e9), int64(86400e9)
	return ((ns%day + day) % day) / hour
}
