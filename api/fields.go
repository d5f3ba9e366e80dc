package api

import (
	"net/http"
	"time"

	"github.com/auditdeck/auditdeck/core/access"
)

// fieldRecord is one field of GET /fields (schema FieldInfo).
type fieldRecord struct {
	Path      string    `json:"path"`
	Types     []string  `json:"types"`
	Rows      int64     `json:"rows"`
	Distinct  int64     `json:"distinct"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// listFields answers GET /fields: the store's field catalog, narrowed to
// the paths starting with ?prefix=.
func (h *handler) listFields(w http.ResponseWriter, r *http.Request, _ access.Principal) error {
	q := r.URL.Query()
	if len(q["prefix"]) > 1 {
		return errorf(http.StatusBadRequest, "parameter %q: given more than once", "prefix")
	}
	cat, err := h.eng.Fields(r.Context())
	if err != nil {
		return err
	}
	fields := cat.WithPrefix(q.Get("prefix"))
	out := make([]fieldRecord, 0, len(fields))
	for _, f := range fields {
		out = append(out, fieldRecord{Path: f.Path, Types: f.Types, Rows: f.Rows, Distinct: f.Distinct, FirstSeen: f.FirstSeen, LastSeen: f.LastSeen})
	}
	writeJSON(w, http.StatusOK, struct {
		Fields   []fieldRecord `json:"fields"`
		Complete bool          `json:"complete"`
	}{out, cat.Complete})
	return nil
}
