package activities

import (
	"fmt"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/tui/components"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Group-by mode: the table shows the values of one field for the
// effective filter instead of events, with their counts, shares, a bar and
// the distinct users of each, largest first, up to groupTop values and an
// "other" line for the rest. The counts come from the engine's aggregation
// over columns on the pin of the table's last read, so they agree with the
// rows the table showed. Enter on a value filters for it (field.eq(value)
// added to the filter, in the DSL's own quoting) and shows its events.

// groupTop bounds the values shown; the rest are summed into "other".
const groupTop = 200

// usersField is counted distinct in each group.
const usersField = "user.user_email"

// timeBucket is the width of a group of created_at: each instant is a
// group of its own, which tells nothing; a day is what an operator
// scanning for a burst asks first.
const timeBucket = 24 * time.Hour

type groupView struct {
	on       bool
	field    string
	gen      uint64 // the generation the counts were asked for
	loading  bool
	res      core.AggregateResult
	users    bool // res has a distinct users metric
	err      error
	cur, top int
}

type groupMsg struct {
	gen   uint64
	field string
	res   core.AggregateResult
	users bool
	err   error
}

// openGroup enters group-by mode on a field.
func (m *Model) openGroup(field string) tea.Cmd {
	m.grp = groupView{on: true, field: field}
	return m.groupCmd()
}

// closeGroup leaves group-by mode for the events.
func (m *Model) closeGroup() {
	m.grp = groupView{}
}

// groupCmd aggregates the effective filter by the group field, tagged with
// the current generation and read on the table's pin.
func (m *Model) groupCmd() tea.Cmd {
	g := &m.grp
	g.gen, g.loading = m.gen, true
	by := core.GroupBy{Field: g.field}
	if g.field == "created_at" {
		by.Every = timeBucket
	}
	q := core.StatsQuery{Filter: m.eff, By: []core.GroupBy{by}, Top: groupTop, Pin: m.tbl.fetchedPin}
	users := g.field != usersField
	if users {
		q.Metrics = []core.AggMetric{{Op: core.StatDistinct, Field: usersField}}
	}
	gen, field := m.gen, g.field
	m.inflight++
	ctx, eng, tctx := m.genCtx, m.ctx.Engine, m.ctx
	return func() tea.Msg {
		rctx, cancel := tctx.ReadContext(ctx)
		defer cancel()
		res, err := eng.Aggregate(rctx, q)
		return groupMsg{gen: gen, field: field, res: res, users: users, err: tctx.ReadError(err)}
	}
}

func (m *Model) onGroup(msg groupMsg) {
	g := &m.grp
	if !g.on || msg.gen != g.gen || msg.field != g.field {
		return // a stale count
	}
	g.loading = false
	g.res, g.users, g.err = msg.res, msg.users, msg.err
	g.cur = min(g.cur, max(0, g.lines()-1))
	m.scrollGroup()
}

// lines counts the group lines: the values, then "other" when some were left out.
func (g *groupView) lines() int {
	n := len(g.res.Groups)
	if g.res.OtherGroups > 0 {
		n++
	}
	return n
}

func (m *Model) scrollGroup() {
	g := &m.grp
	vis := m.visRows()
	g.top = components.ScrollTop(g.cur, g.top, vis, g.lines())
}

// groupKey handles the keys group-by mode takes over; others go to the
// table's keys (the filter, its toggles and the time range still apply).
func (m *Model) groupKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	k := m.keys
	g := &m.grp
	moveTo := func(i int) {
		g.cur = max(0, min(i, g.lines()-1))
		m.scrollGroup()
	}
	switch {
	case key.Matches(msg, k.Up):
		moveTo(g.cur - 1)
	case key.Matches(msg, k.Down):
		moveTo(g.cur + 1)
	case key.Matches(msg, k.PageUp):
		moveTo(g.cur - m.visRows())
	case key.Matches(msg, k.PageDown):
		moveTo(g.cur + m.visRows())
	case key.Matches(msg, k.Top):
		moveTo(0)
	case key.Matches(msg, k.Bottom):
		moveTo(g.lines() - 1)
	case key.Matches(msg, k.Back), key.Matches(msg, k.GroupBy):
		m.closeGroup()
	case key.Matches(msg, k.Enter):
		return m.drillGroup(), true
	case key.Matches(msg, k.Select), key.Matches(msg, k.Reviewed), key.Matches(msg, k.Escalated), key.Matches(msg, k.Dismissed),
		key.Matches(msg, k.Note), key.Matches(msg, k.CopyID), key.Matches(msg, k.Sort), key.Matches(msg, k.Columns),
		key.Matches(msg, k.ColumnLeft), key.Matches(msg, k.ColumnRight):
		// Event actions need an event: not in group mode.
	default:
		return nil, false
	}
	return nil, true
}

// groupTerms are the filter terms that select a group's events: the
// value, or a day of created_at.
func groupTerms(field string, v core.AggValue) ([]query.Term, error) {
	if field == "created_at" && !v.Missing {
		start, err := time.Parse(time.RFC3339, v.Text)
		if err != nil {
			return nil, fmt.Errorf("time bucket %q: %w", v.Text, err)
		}
		end := start.Add(timeBucket)
		return []query.Term{
			{Field: field, Op: query.OpGe, Args: []string{start.UTC().Format(time.RFC3339)}, Pos: -1},
			{Field: field, Op: query.OpLt, Args: []string{end.UTC().Format(time.RFC3339)}, Pos: -1},
		}, nil
	}
	// valueTerm writes what eq cannot: the empty string (eq() does not
	// parse) as lt(%00), a field the DSL cannot name as an error.
	t, err := valueTerm(field, v, false)
	if err != nil {
		return nil, err
	}
	return []query.Term{t}, nil
}

// drillGroup filters for the group under the cursor and shows its events.
func (m *Model) drillGroup() tea.Cmd {
	g := &m.grp
	if g.cur < 0 || g.cur >= len(g.res.Groups) {
		return nil // "other" is many values, not one
	}
	terms, err := groupTerms(g.field, g.res.Groups[g.cur].Key[0])
	if err != nil {
		g.err = err
		return nil
	}
	text := strings.TrimSpace(m.filterText)
	for _, t := range terms {
		if text != "" {
			text += ","
		}
		text += t.String()
	}
	uf, err := query.ParseDSL(text)
	if err != nil {
		g.err = fmt.Errorf("filter for the value: %w", err)
		return nil
	}
	m.pushHistory(text)
	m.filterText, m.filterName, m.userFilter = text, "", uf
	m.closeGroup()
	return m.applyFilter()
}

func (m *Model) groupHelp() []key.Binding {
	k := m.keys
	hs := []key.Binding{k.Up, k.Down, relabel(k.Enter, "show events"), relabel(k.Back, "events"), k.Filter, k.TimeRange, k.FailedOnly}
	if m.groupExport() != nil {
		hs = append(hs, relabel(k.Export, "export groups"))
	}
	return hs
}

// groupExport is the grouped report the export form writes in group-by
// mode: every value of the field (not only the groupTop shown) with its
// events and distinct users, largest first, as the view counts them. A
// grouped report has no day buckets of created_at: nil for those, and the
// form exports the events.
func (m *Model) groupExport() *core.GroupSpec {
	g := &m.grp
	if !g.on || g.field == "created_at" {
		return nil
	}
	aggs := []core.Aggregate{{Kind: core.AggCount, Label: "Events"}}
	if g.field != usersField {
		aggs = append(aggs, core.Aggregate{Kind: core.AggDistinct, Field: usersField, Label: "Distinct users"})
	}
	return &core.GroupSpec{By: []string{g.field}, Aggregates: aggs}
}

// groupBody draws the group lines in the table's place.
func (m *Model) groupBody(vis int) string {
	g := &m.grp
	st := m.st
	var b strings.Builder
	usersW := 0
	if g.users {
		usersW = 7
	}
	const countW, pctW = 11, 6
	barW := min(20, max(0, (m.width-gutterWidth)/5))
	valW := max(8, m.width-gutterWidth-countW-pctW-barW-usersW-4)
	title := strings.ToUpper(sanitize(g.field))
	if g.field == "created_at" {
		title += " (DAY, UTC)"
	}
	head := components.Spaces(gutterWidth) + components.FitCell(title, valW) + " " +
		fmt.Sprintf("%*s %*s ", countW, "COUNT ▼", pctW, "%") + components.FitCell("", barW)
	if g.users {
		head += fmt.Sprintf(" %*s", usersW-1, "USERS")
	}
	b.WriteString(st.Title.Render(components.FitLine(strings.TrimRight(head, " "), m.width)))
	n := 0
	line := func(s string, cursor bool) {
		b.WriteByte('\n')
		s = components.FitLine(s, m.width)
		if cursor {
			s = st.Selected.Render(s)
		}
		b.WriteString(s)
		n++
	}
	switch {
	case g.err != nil:
		b.WriteByte('\n')
		b.WriteString(st.Error.Render(components.FitLine("  group by "+sanitize(g.field)+": "+sanitize(g.err.Error()), m.width)))
		n++
	case g.loading && g.lines() == 0:
		line(st.Dim.Render("  counting…"), false)
	case g.lines() == 0:
		line(st.Dim.Render("  no events match the filter"), false)
	}
	total := g.res.Rows
	top := int64(0)
	if len(g.res.Groups) > 0 {
		top = g.res.Groups[0].Count
	}
	row := func(i int, label string, count int64, users string, dim bool) {
		gut := "  "
		if i == g.cur {
			gut = "> "
		}
		pct := 0.0
		if total > 0 {
			pct = 100 * float64(count) / float64(total)
		}
		// Bars are scaled to the largest value (the "other" line's is
		// capped), so a long tail of small shares still shows which
		// values stand out.
		bar := components.FitCell(strings.Repeat("█", min(barW, int(float64(barW)*float64(count)/float64(max(top, 1))+0.5))), barW)
		s := components.FitCell(label, valW) + " " + fmt.Sprintf("%*s %*.1f ", countW, thousands(count), pctW, pct)
		if i != g.cur {
			bar = st.Bar.Render(bar)
			if dim {
				s = st.Dim.Render(s)
			}
		}
		s = gut + s + bar
		if g.users {
			s += fmt.Sprintf(" %*s", usersW-1, users)
		}
		line(s, i == g.cur)
	}
	if g.err == nil {
		for i := g.top; i < g.lines() && n < vis; i++ {
			if i == len(g.res.Groups) {
				row(i, fmt.Sprintf("(other: %s values)", thousands(g.res.OtherGroups)), g.res.OtherCount, "", true)
				continue
			}
			gr := &g.res.Groups[i]
			users := ""
			if g.users && len(gr.Stats) > 0 {
				users = thousands(int64(gr.Stats[0].Value))
				if gr.Stats[0].Approx {
					users = "~" + users
				}
			}
			v := gr.Key[0]
			row(i, sanitize(v.Display()), gr.Count, users, v.Missing)
		}
	}
	for ; n < vis; n++ {
		b.WriteByte('\n')
	}
	return b.String()
}

// groupStatus is the status line in group-by mode.
func (m *Model) groupStatus() string {
	g := &m.grp
	parts := []string{m.st.Title.Render("grouped by " + sanitize(g.field))}
	if g.lines() > 0 {
		parts = append(parts, fmt.Sprintf("%d/%d", g.cur+1, g.lines()))
	}
	parts = append(parts, thousands(g.res.TotalGroups)+" values", thousands(g.res.Rows)+" events")
	if g.res.Approximate {
		parts = append(parts, m.st.Dim.Render(fmt.Sprintf("approximate: counts may be low by up to %s", thousands(g.res.MaxError))))
	}
	if g.loading {
		parts = append(parts, m.st.Dim.Render("counting…"))
	}
	return components.FitLine(strings.Join(parts, "  "), m.width)
}
