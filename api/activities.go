package api

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
	"github.com/auditdeck/auditdeck/core/query"
)

// Page bounds of GET /activities.
const (
	defaultPageLimit = 50
	maxPageLimit     = 1000
	// maxOffset bounds how far a page may skip: the store walks the skipped
	// rows, and deep pages are what filters and created_after are for.
	maxOffset = 10_000_000
)

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	vals := q[name]
	if len(vals) == 0 || strings.TrimSpace(vals[0]) == "" {
		return def, nil
	}
	if len(vals) > 1 {
		return 0, errorf(http.StatusBadRequest, "parameter %q: given more than once", name)
	}
	n, err := wholeNumber(strings.TrimSpace(vals[0]))
	if err != nil || n < lo || n > hi {
		return 0, errorf(http.StatusBadRequest, "parameter %q: expected a whole number from %d to %d, found %q", name, lo, hi, truncate(vals[0], 40))
	}
	return n, nil
}

// integralFloat is a whole number written as a float ("20.0", "20."), as
// clients that keep numbers in floating point (Rapid7's Cloudlock plugin)
// send them. Exponents, hex, NaN and Inf are not taken.
var integralFloat = regexp.MustCompile(`^([+-]?[0-9]+)\.0*$`)

// wholeNumber parses a decimal integer, also written as an integral float;
// 20.5 is an error, not 20.
func wholeNumber(s string) (int, error) {
	if m := integralFloat.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	return strconv.Atoi(s)
}

// cloudlockOrder turns the sort forms Cloudlock clients send into the
// query_order syntax: "-created_at" is descending ("!created_at"),
// "+created_at" ascending. Anything else is left for ParseOrder to judge.
func cloudlockOrder(s string) string {
	items := strings.Split(s, ",")
	for i, it := range items {
		t := strings.TrimSpace(it)
		switch {
		case strings.HasPrefix(t, "-"):
			items[i] = "!" + t[1:]
		case strings.HasPrefix(t, "+"):
			items[i] = t[1:]
		}
	}
	return strings.Join(items, ",")
}

// listActivities is Cloudlock's GET /activities. The page is streamed from
// one store snapshot, so total and the rows agree and at most one page of
// rows is ever held.
func (h *handler) listActivities(w http.ResponseWriter, r *http.Request, _ access.Principal) error {
	q := r.URL.Query()
	limit, err := intParam(q, "limit", defaultPageLimit, 1, maxPageLimit)
	if err != nil {
		return err
	}
	offset, err := intParam(q, "offset", 0, 0, maxOffset)
	if err != nil {
		return err
	}
	f, err := query.ParseCloudlockParams(q)
	if err != nil {
		return err
	}
	order := query.DefaultOrder
	if s := q.Get("order"); strings.TrimSpace(s) != "" {
		if order, err = query.ParseOrder(cloudlockOrder(s)); err != nil {
			return &query.ParamError{Param: "order", Msg: err.Error()}
		}
		if err := query.CompileOrder(order, core.ActivitySchema); err != nil {
			return &query.ParamError{Param: "order", Msg: err.Error()}
		}
	}
	c, err := h.eng.Compile(f)
	if err != nil {
		return err
	}
	warnings := h.eng.FilterWarnings(r.Context(), f)
	snap := h.eng.Events().Snapshot()
	defer snap.Close()
	total, err := snap.Count(r.Context(), c)
	if err != nil {
		return fmt.Errorf("count activities: %w", err)
	}
	results := min(int64(limit), max(0, total-int64(offset)))

	w.Header().Set("Content-Type", "application/json")
	rc := http.NewResponseController(w)
	extendWrite(rc)
	// Nothing reaches the client until the buffer first fills, so an error
	// early in the scan still gets a proper error response.
	bw := bufio.NewWriterSize(w, 32<<10)
	fmt.Fprintf(bw, `{"limit":%d,"offset":%d,"total":%d,"results":%d,"items":[`, limit, offset, total, results)
	n := 0
	var line []byte
	_, err = snap.Scan(r.Context(), core.ScanRequest{Filter: c, Order: order, Offset: offset, Limit: limit, WithRaw: true}, func(a *core.Activity) error {
		if n > 0 {
			bw.WriteByte(',')
		}
		line = core.NDJSONLine(line[:0], a)
		if _, err := bw.Write(line[:len(line)-1]); err != nil {
			return err
		}
		n++
		if n%256 == 0 {
			extendWrite(rc)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("scan activities: %w", err)
	}
	if int64(n) != results {
		// The snapshot makes this impossible short of a store bug; a page
		// whose results field lies is worse than a failed request.
		return fmt.Errorf("activities page: counted %d results, scanned %d", results, n)
	}
	bw.WriteString("]")
	if len(warnings) > 0 {
		// Fields no stored event has: the page is right, the filter likely not.
		b, _ := json.Marshal(warnings)
		bw.WriteString(`,"warnings":`)
		bw.Write(b)
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

type triageBody struct {
	State *string `json:"state"`
	Note  *string `json:"note"`
}

// triageActivity sets the triage state of one event and answers the event
// as GET /activities shows it.
func (h *handler) triageActivity(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	id := r.PathValue("id")
	var b triageBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	// What the body leaves out the event keeps: a note alone keeps the
	// state, a state alone keeps the note.
	if b.State == nil && b.Note == nil {
		return errorf(http.StatusBadRequest, "request body: state or note is required (state: new, reviewed, escalated or dismissed)")
	}
	var state core.TriageState
	if b.State != nil {
		st, err := core.ParseTriageState(*b.State)
		if err != nil {
			return errorf(http.StatusBadRequest, "request body: state: %v", err)
		}
		state = st
	}
	note := ""
	if b.Note != nil {
		note = *b.Note
	}
	if len(note) > core.MaxNoteBytes || !utf8.ValidString(note) {
		return errorf(http.StatusBadRequest, "request body: note must be valid UTF-8 of at most %d bytes", core.MaxNoteBytes)
	}
	res, err := h.eng.Triage(r.Context(), core.TriageRequest{Actor: p.User, From: p.From, State: state, Note: note, NoteSet: b.Note != nil}, []string{id})
	if err != nil {
		return fmt.Errorf("triage %s: %w", id, err)
	}
	if len(res.Unknown) > 0 {
		return errorf(http.StatusNotFound, "activity %q: not found", truncate(id, 200))
	}
	acts, err := h.eng.Get(r.Context(), []string{id}, true)
	if err != nil {
		return fmt.Errorf("read activity %s: %w", id, err)
	}
	if len(acts) != 1 {
		return errorf(http.StatusNotFound, "activity %q: not found", truncate(id, 200))
	}
	line := core.NDJSONLine(nil, &acts[0])
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(line)
	return err
}
