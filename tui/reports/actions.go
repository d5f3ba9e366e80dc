package reports

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/tui/viewkit"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/schedule"
	"github.com/auditdeck/auditdeck/tui"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// defaultFileName is "<title> <timestamp>", made safe for the export directory.
func defaultFileName(title string, now time.Time) string {
	name := viewkit.FileNameBase(title)
	if name == "" {
		name = "report"
	}
	return name + " " + now.UTC().Format("20060102-150405")
}

type generatedMsg struct {
	view int64
	task core.Task
	err  error
}

// generateForm asks for the formats and the file name of a report made now.
type generateForm struct {
	report  core.DefinedReport
	focus   int // 0 formats, 1 file name
	formats viewkit.FormatPicker
	name    textinput.Model
	nameErr string
	err     string
	busy    bool
}

func newGenerateForm(m *Model, r core.DefinedReport) *generateForm {
	f := &generateForm{report: r, formats: viewkit.NewFormatPicker("csv"), name: newInput(m.ctx.Styles, "file name", 128)}
	f.name.SetValue(defaultFileName(r.Title, m.ctx.Now()))
	f.setWidth(m.w)
	f.validate()
	return f
}

func (f *generateForm) setWidth(w int) { f.name.Width = max(10, w-labelW-1) }

func (f *generateForm) start() tea.Cmd { return nil }

func (f *generateForm) validate() {
	f.nameErr = ""
	if _, err := core.ValidateFileName(f.name.Value()); err != nil {
		f.nameErr = err.Error()
	}
}

func (f *generateForm) setFocus(i int) {
	f.focus = (i + 2) % 2
	if f.focus == 1 {
		f.name.Focus()
	} else {
		f.name.Blur()
	}
}

func (f *generateForm) update(m *Model, msg tea.KeyMsg) tea.Cmd {
	switch {
	case viewkit.KeyIs(msg, bindCancel):
		m.genForm, m.mode = nil, modeList
		return nil
	case viewkit.KeyIs(msg, bindNext), msg.Type == tea.KeyDown:
		f.setFocus(f.focus + 1)
		return nil
	case viewkit.KeyIs(msg, bindPrev), msg.Type == tea.KeyUp:
		f.setFocus(f.focus - 1)
		return nil
	case msg.Type == tea.KeyEnter:
		return f.submit(m)
	}
	if f.focus == 0 {
		f.formats.Key(msg)
		f.err = ""
		return nil
	}
	var cmd tea.Cmd
	f.name, cmd = f.name.Update(msg)
	f.err = ""
	f.validate()
	return cmd
}

func (f *generateForm) submit(m *Model) tea.Cmd {
	if f.busy {
		return nil
	}
	formats := f.formats.Chosen()
	switch {
	case len(formats) == 0:
		f.err = "choose at least one format"
		return nil
	case f.nameErr != "":
		f.err = "fix the file name first"
		return nil
	}
	r := f.report
	req := core.ExportRequest{Type: r.Type, Title: r.Title, Filter: r.QueryFilter, Order: r.QueryOrder, Columns: r.Columns,
		GroupBy: r.GroupBy, Formats: formats, FileName: strings.TrimSpace(f.name.Value()), DefinedReportID: r.ID}
	eng, actor, view := m.ctx.Engine, m.ctx.Actor, m.id
	f.busy = true
	return func() tea.Msg {
		tr := eng.Tasks()
		if tr == nil {
			return generatedMsg{view: view, err: errors.New("the task runner is not running here; start auditdeck serve")}
		}
		t, err := tr.Submit(context.Background(), actor, req)
		return generatedMsg{view: view, task: t, err: err}
	}
}

func (f *generateForm) done(m *Model, msg generatedMsg) tea.Cmd {
	f.busy = false
	if msg.err != nil {
		// Shown in the form, which stays open, and as an error toast, as
		// every refused task is (too many tasks, low disk, no right).
		f.err = viewkit.Clean(msg.err.Error())
		return generatedToast(msg, f.report.Title)
	}
	m.genForm, m.mode = nil, modeList
	return generatedToast(msg, f.report.Title)
}

func generatedToast(msg generatedMsg, title string) tea.Cmd {
	if msg.err != nil {
		return tui.ToastCmd("generate failed: "+viewkit.Clean(msg.err.Error()), true)
	}
	if title == "" {
		title = msg.task.Request.Title
	}
	rows := viewkit.Plural(msg.task.Total, "row", "rows")
	if msg.task.Total < 0 {
		rows = "groups counted as it runs"
	}
	return tui.ToastCmd(fmt.Sprintf("task %s queued: %q, %s (see Tasks)", viewkit.Clean(msg.task.ID), viewkit.Clean(title), rows), false)
}

func subscribedToast(msg subscribedMsg, title string) tea.Cmd {
	if msg.err != nil {
		return tui.ToastCmd("subscribe failed: "+viewkit.Clean(msg.err.Error()), true)
	}
	if title == "" {
		title = "report " + msg.sub.DefinedReportID
	}
	zone := msg.sub.TimeZone
	if zone == "" {
		zone = "UTC"
	}
	return tui.ToastCmd(fmt.Sprintf("subscribed to %q: every %s (%s), %s (see Subscriptions)", viewkit.Clean(title), msg.sub.Period, viewkit.Clean(zone), viewkit.Clean(strings.Join(msg.sub.Formats, ", "))), false)
}

func (f *generateForm) view(m *Model) string {
	st := m.ctx.Styles
	w, h := m.w, m.h
	label := func(i int, s string) string {
		if f.focus == i {
			return st.Cursor.Render(viewkit.Pad("▸ "+s, labelW))
		}
		return st.Dim.Render(viewkit.Pad("  "+s, labelW))
	}
	indent := strings.Repeat(" ", labelW)
	lines := []string{st.Title.Render(viewkit.Fit(fmt.Sprintf("Generate %q now", viewkit.Clean(f.report.Title)), w)), ""}
	lines = append(lines, label(0, "Formats")+f.formats.View(st, f.focus == 0))
	lines = append(lines, label(1, "File name")+f.name.View())
	if f.nameErr != "" {
		lines = append(lines, indent+st.Error.Render(viewkit.Fit("✗ "+viewkit.Clean(f.nameErr), w-labelW)))
	} else {
		lines = append(lines, indent+st.Dim.Render(viewkit.Fit("written to the export directory as "+viewkit.Clean(strings.TrimSpace(f.name.Value()))+".<format>", w-labelW)))
	}
	lines = append(lines, "")
	lines = viewkit.FormStatus(st, lines, f.busy, "submitting…", f.err, w)
	return viewkit.FormEnd(st, lines, "←/→ format · space choose · tab next field · enter generate · esc cancel", w, h)
}

type (
	subscribedMsg struct {
		view int64
		sub  core.Subscription
		err  error
	}
	zoneMsg struct {
		view int64
		gen  int
		err  error
	}
)

// subscribeForm asks for the period, formats and time zone of a subscription.
type subscribeForm struct {
	report   core.DefinedReport
	focus    int // 0 period, 1 formats, 2 zone
	period   int
	formats  viewkit.FormatPicker
	zone     textinput.Model
	zoneGen  int
	zoneErr  string
	checking bool
	err      string
	busy     bool
}

func newSubscribeForm(m *Model, r core.DefinedReport) *subscribeForm {
	f := &subscribeForm{report: r, formats: viewkit.NewFormatPicker("csv"), zone: newInput(m.ctx.Styles, "IANA time zone, e.g. Europe/Berlin", 64)}
	f.zone.SetValue("UTC")
	f.setWidth(m.w)
	return f
}

func (f *subscribeForm) setWidth(w int) { f.zone.Width = max(10, w-labelW-1) }

func (f *subscribeForm) start(m *Model) tea.Cmd { return f.checkZone(m) }

// zoneErr checks an IANA time zone name; it reads the zone database.
func zoneErr(name string) error {
	name = strings.TrimSpace(name)
	switch name {
	case "", "UTC":
		return nil
	case "Local":
		return errors.New(`"Local" is not allowed: use an IANA name such as Europe/Berlin`)
	}
	if _, err := time.LoadLocation(name); err != nil {
		return fmt.Errorf("unknown time zone %q: use an IANA name such as Europe/Berlin or UTC", name)
	}
	return nil
}

// checkZone validates the zone in the background (LoadLocation reads files).
func (f *subscribeForm) checkZone(m *Model) tea.Cmd {
	f.zoneGen++
	f.checking = true
	gen, view, name := f.zoneGen, m.id, f.zone.Value()
	return func() tea.Msg { return zoneMsg{view: view, gen: gen, err: zoneErr(name)} }
}

func (f *subscribeForm) setFocus(i int) {
	f.focus = (i + 3) % 3
	if f.focus == 2 {
		f.zone.Focus()
	} else {
		f.zone.Blur()
	}
}

func (f *subscribeForm) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case zoneMsg:
		if msg.view != m.id || msg.gen != f.zoneGen {
			return nil
		}
		f.checking, f.zoneErr = false, ""
		if msg.err != nil {
			f.zoneErr = msg.err.Error()
		}
		return nil
	case subscribedMsg:
		if msg.view != m.id {
			return nil
		}
		f.busy = false
		if msg.err != nil {
			f.err = viewkit.Clean(msg.err.Error())
			return nil
		}
		m.subForm, m.mode = nil, modeList
		return subscribedToast(msg, f.report.Title)
	case tea.KeyMsg:
		return f.key(m, msg)
	}
	return nil
}

func (f *subscribeForm) key(m *Model, msg tea.KeyMsg) tea.Cmd {
	switch {
	case viewkit.KeyIs(msg, bindCancel):
		m.subForm, m.mode = nil, modeList
		return nil
	case viewkit.KeyIs(msg, bindNext), msg.Type == tea.KeyDown:
		f.setFocus(f.focus + 1)
		return nil
	case viewkit.KeyIs(msg, bindPrev), msg.Type == tea.KeyUp:
		f.setFocus(f.focus - 1)
		return nil
	case msg.Type == tea.KeyEnter:
		return f.submit(m)
	}
	switch f.focus {
	case 0:
		switch msg.String() {
		case "left", "h":
			f.period = (f.period + len(schedule.Periods) - 1) % len(schedule.Periods)
		case "right", "l", " ":
			f.period = (f.period + 1) % len(schedule.Periods)
		}
		return nil
	case 1:
		f.formats.Key(msg)
		f.err = ""
		return nil
	}
	before := f.zone.Value()
	var cmd tea.Cmd
	f.zone, cmd = f.zone.Update(msg)
	if f.zone.Value() == before {
		return cmd
	}
	f.err = ""
	return tea.Batch(cmd, f.checkZone(m))
}

func (f *subscribeForm) submit(m *Model) tea.Cmd {
	if f.busy {
		return nil
	}
	formats := f.formats.Chosen()
	switch {
	case len(formats) == 0:
		f.err = "choose at least one format"
		return nil
	case f.zoneErr != "":
		f.err = "fix the time zone first"
		return nil
	}
	zone := strings.TrimSpace(f.zone.Value())
	if zone == "" {
		zone = "UTC"
	}
	req := core.SubscribeRequest{DefinedReportID: f.report.ID, Period: string(schedule.Periods[f.period]), Formats: formats, TimeZone: zone}
	eng, actor, view := m.ctx.Engine, m.ctx.Actor, m.id
	f.busy = true
	return func() tea.Msg {
		// The zone is checked again here: the engine's check is the one that counts.
		if err := zoneErr(req.TimeZone); err != nil {
			return subscribedMsg{view: view, err: err}
		}
		s, err := eng.Subscribe(context.Background(), actor, req)
		return subscribedMsg{view: view, sub: s, err: err}
	}
}

func (f *subscribeForm) view(m *Model) string {
	st := m.ctx.Styles
	w, h := m.w, m.h
	label := func(i int, s string) string {
		if f.focus == i {
			return st.Cursor.Render(viewkit.Pad("▸ "+s, labelW))
		}
		return st.Dim.Render(viewkit.Pad("  "+s, labelW))
	}
	indent := strings.Repeat(" ", labelW)
	lines := []string{st.Title.Render(viewkit.Fit(fmt.Sprintf("Subscribe to %q", viewkit.Clean(f.report.Title)), w)), ""}
	var periods []string
	for i, p := range schedule.Periods {
		s := string(p)
		if i == f.period {
			s = "(•) " + s
			if f.focus == 0 {
				s = st.Selected.Render(s)
			}
		} else {
			s = "( ) " + s
		}
		periods = append(periods, s)
	}
	lines = append(lines, label(0, "Period")+strings.Join(periods, "  "))
	lines = append(lines, label(1, "Formats")+f.formats.View(st, f.focus == 1))
	lines = append(lines, label(2, "Time zone")+f.zone.View())
	switch {
	case f.zoneErr != "":
		lines = append(lines, indent+st.Error.Render(viewkit.Fit("✗ "+viewkit.Clean(f.zoneErr), w-labelW)))
	case f.checking:
		lines = append(lines, indent+st.Dim.Render("checking…"))
	default:
		lines = append(lines, indent+st.OK.Render(viewkit.Fit("✓ periods start at midnight in this zone", w-labelW)))
	}
	lines = append(lines, "")
	lines = viewkit.FormStatus(st, lines, f.busy, "subscribing…", f.err, w)
	return viewkit.FormEnd(st, lines, "←/→ change · space choose · tab next field · enter subscribe · esc cancel", w, h)
}
