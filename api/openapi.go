package api

import (
	_ "embed"
	"net/http"

	"github.com/auditdeck/auditdeck/core/access"
)

// openAPIDoc is the OpenAPI 3.0 description of exactly the routes of
// routeTable; TestOpenAPIMatchesRoutes keeps the two in step.
//
//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns the API's OpenAPI 3.0 document (JSON).
func OpenAPI() []byte { return append([]byte(nil), openAPIDoc...) }

func (h *handler) openAPI(w http.ResponseWriter, _ *http.Request, _ access.Principal) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openAPIDoc)
	return err
}
