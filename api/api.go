package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
)

// DefaultMaxBodyBytes bounds a request body when Options.MaxBodyBytes is 0.
// The largest legitimate body is a defined report with a long filter and a
// column list: a few kilobytes.
const DefaultMaxBodyBytes = 1 << 20

// Options are what the API needs from the process that serves it.
type Options struct {
	Engine       *core.Engine      // required; its task runner (Engine.Tasks) runs exports
	Users        *access.Directory // the users file; nil: tokens carry their own role
	Tokens       *access.Tokens    // required
	Logger       *slog.Logger      // nil: slog.Default()
	MaxBodyBytes int64             // 0: DefaultMaxBodyBytes
	// QueryTimeout bounds the time one request may spend in the engine
	// (a costly filter over raw fields); past it the answer is a 503.
	// 0: DefaultQueryTimeout; negative: no limit.
	QueryTimeout time.Duration
}

// DefaultQueryTimeout is the per-request deadline when Options.QueryTimeout is 0.
const DefaultQueryTimeout = 30 * time.Second

// route is one method and path pattern of the API with what it requires.
type route struct {
	method  string
	pattern string
	perm    access.Permission
	public  bool     // no token needed
	params  []string // accepted query parameters; any other is a 400
	handle  func(w http.ResponseWriter, r *http.Request, p access.Principal) error
}

type handler struct {
	eng     *core.Engine
	users   *access.Directory
	tokens  *access.Tokens
	log     *slog.Logger
	maxBody int64
	timeout time.Duration // per-request deadline; 0: none
	mux     *http.ServeMux
	routes  []route
	methods []string // every method some route uses, sorted
}

// New returns the HTTP API over an engine. Engine and Tokens are required:
// a nil one is a wiring mistake and panics at start-up, not on a request.
func New(o Options) http.Handler {
	if o.Engine == nil || o.Tokens == nil {
		panic("api.New: Options.Engine and Options.Tokens are required")
	}
	h := &handler{eng: o.Engine, users: o.Users, tokens: o.Tokens, log: o.Logger, maxBody: o.MaxBodyBytes, mux: http.NewServeMux()}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	switch {
	case o.QueryTimeout == 0:
		h.timeout = DefaultQueryTimeout
	case o.QueryTimeout > 0:
		h.timeout = o.QueryTimeout
	}
	h.routes = h.routeTable()
	seen := map[string]bool{}
	for _, rt := range h.routes {
		h.mux.Handle(rt.method+" "+rt.pattern, h.wrap(rt))
		if !seen[rt.method] {
			seen[rt.method] = true
			h.methods = append(h.methods, rt.method)
		}
	}
	sort.Strings(h.methods)
	return h
}

var (
	cloudlockParams  = []string{"event_type", "ids", "created_after", "limit", "offset", "filter", "order"}
	clumioListParams = []string{"limit", "start", "filter"}
)

var hssParams = []string{"enterprise_project_id", "last_days", "host_name", "host_id", "private_ip", "container_name", "offset", "limit",
	"export_size", "event_type", "event_types", "handle_status", "severity", "category", "begin_time", "end_time", "event_class_ids",
	"severity_list", "attack_tag", "asset_value", "tag_list", "att_ck", "event_name", "event_id_list", "auto_block", "cluster_id",
	"event_id", "public_ip"}

// routeTable is the API: every route, the permission it needs and its
// handler. The OpenAPI document lists exactly these (a test checks).
func (h *handler) routeTable() []route {
	return []route{
		{method: "GET", pattern: "/openapi.json", public: true, handle: h.openAPI},
		{method: "GET", pattern: "/readyz", public: true, handle: h.ready},

		// Cloudlock (seed 003)
		{method: "GET", pattern: "/activities", perm: access.Read, params: cloudlockParams, handle: h.listActivities},
		// Cisco's Postman collection and Rapid7's plugin call the /api/v2 base.
		{method: "GET", pattern: "/api/v2/activities", perm: access.Read, params: cloudlockParams, handle: h.listActivities},
		{method: "PATCH", pattern: "/activities/{id}/triage", perm: access.Triage, handle: h.triageActivity},
		{method: "GET", pattern: "/activities/stats", perm: access.Read, params: statsParams, handle: h.activityStats},
		{method: "GET", pattern: "/fields", perm: access.Read, params: []string{"prefix"}, handle: h.listFields},

		// Clumio (seed 000; the list and update routes as the Clumio Go SDK calls them)
		{method: "POST", pattern: "/reports/downloads", perm: access.Export, handle: h.createDownload},
		{method: "GET", pattern: "/reports/downloads", perm: access.Read, params: clumioListParams, handle: h.listDownloads},
		{method: "GET", pattern: "/tasks", perm: access.Read, params: clumioListParams, handle: h.listTasks},
		{method: "GET", pattern: "/tasks/{task_id}", perm: access.Read, handle: h.getTask},
		{method: "PATCH", pattern: "/tasks/{task_id}", perm: access.Export, handle: h.updateTask},
		{method: "DELETE", pattern: "/tasks/{task_id}", perm: access.Export, handle: h.cancelTask},

		// Fudo (seed 001)
		{method: "GET", pattern: "/api/v2/report", perm: access.Read, handle: h.listReports},
		{method: "POST", pattern: "/api/v2/report", perm: access.Export, handle: h.generateReport},
		{method: "DELETE", pattern: "/api/v2/report/{id}", perm: access.Export, handle: h.deleteReport},
		{method: "GET", pattern: "/api/v2/report/{id}/{format}", perm: access.Read, handle: h.downloadReport},
		{method: "GET", pattern: "/api/v2/report/defined", perm: access.Read, handle: h.listDefined},
		{method: "POST", pattern: "/api/v2/report/defined", perm: access.Manage, handle: h.createDefined},
		{method: "PATCH", pattern: "/api/v2/report/defined/{id}", perm: access.Manage, handle: h.updateDefined},
		{method: "DELETE", pattern: "/api/v2/report/defined/{id}", perm: access.Manage, params: []string{"force"}, handle: h.deleteDefined},
		{method: "GET", pattern: "/api/v2/report/subscription", perm: access.Read, handle: h.listSubscriptions},
		{method: "POST", pattern: "/api/v2/report/subscription", perm: access.Manage, handle: h.createSubscription},
		{method: "DELETE", pattern: "/api/v2/report/subscription/{id}", perm: access.Manage, handle: h.deleteSubscription},

		// Huawei HSS (seed 002)
		{method: "POST", pattern: "/v5/{project_id}/event/export", perm: access.Export, params: hssParams, handle: h.hssExport},
	}
}

// reservedSegments are literal path segments under /api/v2/report that a
// wildcard route must not swallow: DELETE /api/v2/report/defined is not a
// generated report called "defined" but a wrong method on the definitions.
var reservedSegments = []string{"/api/v2/report/defined", "/api/v2/report/subscription"}

// match returns the pattern serving r, or "" when none does.
func (h *handler) match(r *http.Request) string {
	_, pat := h.mux.Handler(r)
	if pat == "" {
		return ""
	}
	for _, pre := range reservedSegments {
		if (r.URL.Path == pre || strings.HasPrefix(r.URL.Path, pre+"/")) && !strings.Contains(pat, pre) {
			return ""
		}
	}
	return pat
}

// allowed lists the methods some route accepts for r's path.
func (h *handler) allowed(r *http.Request) []string {
	var out []string
	for _, m := range h.methods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if h.match(probe) != "" {
			out = append(out, m)
			if m == http.MethodGet {
				out = append(out, http.MethodHead)
			}
		}
	}
	slices.Sort(out)
	return out
}

// ServeHTTP answers unknown paths and wrong methods with the API's error
// body (the stock mux answers them in plain text) and hands the rest to
// the mux.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set(requestIDHeader, newRequestID())
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-store")
	if h.match(r) != "" {
		h.mux.ServeHTTP(w, r)
		return
	}
	if allow := h.allowed(r); len(allow) > 0 {
		hdr.Set("Allow", strings.Join(allow, ", "))
		h.writeError(w, r, errorf(http.StatusMethodNotAllowed, "method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(allow, ", ")))
		return
	}
	h.writeError(w, r, errorf(http.StatusNotFound, "no route for %s %s (GET /openapi.json lists the routes)", r.Method, r.URL.Path))
}

// wrap authenticates, authorises, checks query parameters and bounds the
// body before a route's handler runs, and maps its error to a response.
func (h *handler) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		if h.timeout > 0 {
			ctx, cancel := context.WithTimeoutCause(r.Context(), h.timeout, &deadlineError{limit: h.timeout})
			defer cancel()
			r = r.WithContext(ctx)
		}
		defer h.recoverRequest(sw, r)
		err := h.serveRoute(sw, r, rt)
		if cause := context.Cause(r.Context()); err != nil && errors.Is(err, context.DeadlineExceeded) && cause != nil {
			err = cause // names the limit
		}
		if err != nil {
			h.fail(sw, r, err)
		}
		h.log.Debug("api request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "remote", r.RemoteAddr, "request_id", w.Header().Get(requestIDHeader), "duration", time.Since(start))
	})
}

func (h *handler) serveRoute(w *statusWriter, r *http.Request, rt route) error {
	var p access.Principal
	if !rt.public {
		var err error
		if p, err = h.authenticate(r); err != nil {
			return err
		}
		if !p.Can(rt.perm) {
			return p.Forbidden(rt.perm)
		}
	}
	if err := checkParams(r, rt.params); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.maxBody)
	defer io.Copy(io.Discard, r.Body) // drain what the handler left, within the limit, so the connection can be reused
	return rt.handle(w, r, p)
}

// requestIDHeader names every response, errors included, for the log and
// for HSS clients, whose SDKs put it in their exceptions.
const requestIDHeader = "X-Request-Id"

// newRequestID is 128 random bits in hex. A client's own X-Request-Id is
// not echoed: the id must point at our log lines, not at what a client
// chose to write there.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// statusWriter remembers whether the response has started, so an error
// after the first byte aborts the connection instead of appending a second
// body.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (deadlines, flush).
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusWriter) started() bool { return s.status != 0 }
