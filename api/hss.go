package api

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
	"github.com/auditdeck/auditdeck/core/query"
)

// hssUnsupported are HSS filters with no counterpart in activity events
// (hosts, containers, severities, ATT&CK tags). Ignoring one would export
// more than the caller asked for, so a non-empty one is a 400.
var hssUnsupported = []string{"host_name", "host_id", "container_name", "event_type", "event_types", "severity", "event_class_ids",
	"severity_list", "attack_tag", "asset_value", "tag_list", "att_ck", "auto_block", "cluster_id"}

var projectID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

type hssAccepted struct {
	RecordTotalNum int64  `json:"record_total_num"`
	TaskID         string `json:"task_id"`
}

// hssColumns reads the body: [[field, label], ...]. The seed's own example
// wraps that list in one more array ([[[field, label], ...]]), which is
// accepted too.
func hssColumns(b []byte) ([][]string, error) {
	var cols [][]string
	flat := decodeStrict(b, &cols)
	if flat != nil {
		var wrapped [][][]string
		if decodeStrict(b, &wrapped) != nil || len(wrapped) != 1 {
			return nil, flat
		}
		cols = wrapped[0]
	}
	if len(cols) == 0 {
		return nil, errorf(http.StatusBadRequest, "request body: expected at least one column as [[field, display name], ...]")
	}
	for i, c := range cols {
		if len(c) != 2 {
			return nil, errorf(http.StatusBadRequest, "request body: column %d: expected [field, display name], found %d strings", i+1, len(c))
		}
	}
	return cols, nil
}

// hssExport is HSS's POST /v5/{project_id}/event/export: a CSV export of
// the events the query parameters select, with the body's columns. It
// answers 200 with the task id and the row count taken before writing.
func (h *handler) hssExport(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	project := r.PathValue("project_id")
	if !projectID.MatchString(project) {
		return errorf(http.StatusBadRequest, "project_id: expected 1 to 256 letters, digits, '_' or '-'")
	}
	q := r.URL.Query()
	for _, name := range hssUnsupported {
		for _, v := range q[name] {
			if strings.TrimSpace(v) != "" {
				return &query.ParamError{Param: name, Msg: "activity events have no such field; leave it out"}
			}
		}
	}
	for _, name := range []string{"offset", "limit"} {
		// List paging in HSS; an export writes every matching row, so they
		// are checked for shape only.
		if _, err := intParam(q, name, 0, 0, maxOffset); err != nil {
			return err
		}
	}
	rowLimit, err := intParam(q, "export_size", 0, 1, 100_000_000)
	if err != nil {
		return err
	}
	f, err := query.ParseHSSParams(q)
	if err != nil {
		return err
	}
	eventID, err := singleValue(q["event_id"], "event_id")
	if err != nil {
		return err
	}
	if eventID != "" {
		f.Terms = append(f.Terms, query.Term{Field: "event_id", Op: query.OpEq, Args: []string{eventID}, Pos: -1})
	}
	if _, err := h.eng.Compile(f); err != nil {
		return err
	}
	body, err := readJSON(r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errorf(http.StatusBadRequest, "request body is empty: expected the columns as [[field, display name], ...]")
	}
	cols, err := hssColumns(body)
	if err != nil {
		return err
	}
	tr, err := h.runner()
	if err != nil {
		return err
	}
	id := core.NewID(h.eng.Now())
	t, err := tr.Submit(r.Context(), p.Actor(), core.ExportRequest{Type: core.TypeActivity, Title: "HSS event export, project " + project,
		Filter: f.String(), Columns: cols, Formats: []string{"csv"}, FileName: "event-export " + id, RowLimit: int64(rowLimit)})
	if err != nil {
		return fmt.Errorf("event export: %w", err)
	}
	writeJSON(w, http.StatusOK, hssAccepted{RecordTotalNum: t.Total, TaskID: t.ID})
	return nil
}

func singleValue(vals []string, name string) (string, error) {
	out := ""
	for _, v := range vals {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if out != "" && v != out {
			return "", &query.ParamError{Param: name, Msg: "given more than once with different values"}
		}
		out = v
	}
	if len(out) > 128 {
		return "", &query.ParamError{Param: name, Msg: "is longer than 128 characters"}
	}
	return out, nil
}
