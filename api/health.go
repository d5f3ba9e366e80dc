package api

import (
	"net/http"

	"github.com/auditdeck/auditdeck/core/access"
)

// ready answers the readiness check: a store that cannot take writes (a
// full disk, its directory gone) makes the daemon not ready, while reads
// still work.
func (h *handler) ready(w http.ResponseWriter, r *http.Request, _ access.Principal) error {
	if err := h.eng.Health(); err != nil {
		return errorf(http.StatusServiceUnavailable, "not ready: %v", err)
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ready": true})
	return nil
}
