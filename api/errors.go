package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/core/render"
)

// apiError is an error with the status it answers with; its message is
// safe to show the client.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

// taskRetryAfterSeconds is the Retry-After of a refused task (429).
const taskRetryAfterSeconds = 30

func errorf(status int, format string, a ...any) error {
	return &apiError{status: status, msg: fmt.Sprintf(format, a...)}
}

// errorItem and errorBody are the Clumio error shape every route answers with.
type errorItem struct {
	ErrorCode    int    `json:"error_code"`
	ErrorMessage string `json:"error_message"`
}

type errorBody struct {
	Errors []errorItem `json:"errors"`
}

// statusOf maps an error to its status and client message: the one place
// where core's errors become HTTP. Anything unrecognised is a 500 whose
// detail stays in the log.
func statusOf(err error) (int, string) {
	var (
		ae  *apiError
		mbe *http.MaxBytesError
		se  *query.SyntaxError
		qfe *query.FieldError
		pe  *query.ParamError
		cfe *core.FieldError
		de  *deadlineError
	)
	switch {
	case errors.As(err, &ae):
		return ae.status, ae.msg
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", mbe.Limit)
	case errors.Is(err, access.ErrUnauthorized):
		return http.StatusUnauthorized, err.Error()
	case errors.Is(err, core.ErrTooManyTasks):
		return http.StatusTooManyRequests, err.Error()
	case errors.Is(err, core.ErrLowDisk):
		return http.StatusInsufficientStorage, err.Error()
	case errors.Is(err, core.ErrReadOnly), errors.Is(err, core.ErrConflict):
		return http.StatusConflict, err.Error()
	case errors.Is(err, core.ErrForbidden):
		return http.StatusForbidden, err.Error()
	case errors.Is(err, core.ErrNotFound):
		return http.StatusNotFound, err.Error()
	case errors.As(err, &de):
		return http.StatusServiceUnavailable, de.Error()
	case errors.Is(err, syscall.ENOSPC):
		return http.StatusServiceUnavailable, "the store's disk is full: nothing of this request was stored; free space and retry"
	case errors.Is(err, core.ErrDamaged):
		return http.StatusInternalServerError, err.Error() + " (logged on the server; other data stays readable)"
	case errors.Is(err, core.ErrBadCursor),
		errors.As(err, &se), errors.As(err, &qfe), errors.As(err, &pe), errors.As(err, &cfe):
		return http.StatusBadRequest, err.Error()
	}
	return http.StatusInternalServerError, "internal error (logged on the server)"
}

// deadlineError is the cause of a request's context when its deadline
// passes; it says which limit.
type deadlineError struct{ limit time.Duration }

func (e *deadlineError) Error() string {
	return fmt.Sprintf("the request took longer than the server's %s limit and was stopped: narrow the filter or the time range", e.limit)
}

func (e *deadlineError) Unwrap() error { return context.DeadlineExceeded }

// recoverRequest answers a panic in a handler with a 500 (or aborts a
// response already started) instead of a dropped connection, and logs it.
func (h *handler) recoverRequest(w *statusWriter, r *http.Request) {
	v := recover()
	if v == nil || v == http.ErrAbortHandler {
		if v != nil {
			panic(v)
		}
		return
	}
	h.log.Error("api handler panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	if w.started() {
		panic(http.ErrAbortHandler)
	}
	h.writeError(w, r, errors.New("handler panic"))
}

// fail answers err, or aborts the connection when the response has already
// started: a client must see a broken transfer rather than a truncated body
// that parses.
func (h *handler) fail(w *statusWriter, r *http.Request, err error) {
	if w.started() {
		if !errors.Is(err, context.Canceled) {
			h.log.Error("api response aborted", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		panic(http.ErrAbortHandler)
	}
	h.writeError(w, r, err)
}

// hssErrorBody is the error shape plus the top-level pair Huawei's APIs
// answer with, which the HSS SDKs read into their exceptions.
type hssErrorBody struct {
	Errors    []errorItem `json:"errors"`
	ErrorCode string      `json:"error_code"`
	ErrorMsg  string      `json:"error_msg"`
}

// hssPath reports whether a path is under the HSS base, so that its errors
// (404 and 405 included) speak HSS too.
func hssPath(p string) bool { return strings.HasPrefix(p, "/v5/") }

func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := statusOf(err)
	if status == http.StatusInternalServerError {
		h.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr, "request_id", w.Header().Get(requestIDHeader), "err", err)
	}
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="auditdeck"`)
	case http.StatusTooManyRequests:
		// A task slot frees when one of the user's tasks ends; exports of
		// a few million rows take tens of seconds.
		w.Header().Set("Retry-After", strconv.Itoa(taskRetryAfterSeconds))
	}
	items := []errorItem{{ErrorCode: status, ErrorMessage: msg}}
	if hssPath(r.URL.Path) {
		writeJSON(w, status, hssErrorBody{Errors: items, ErrorCode: fmt.Sprintf("HSS.%04d", status), ErrorMsg: msg})
		return
	}
	writeJSON(w, status, errorBody{Errors: items})
}

// writeJSON writes one JSON value; values are small (pages stream elsewhere).
func writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONAs(w, status, "application/json", v)
}

func writeJSONAs(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"error_code":500,"error_message":"internal error: response not encodable"}]}`)
		contentType = "application/json"
	}
	// As the activity items: what users typed (filters, names) reaches
	// curl on a terminal with bidi overrides and C1 controls escaped.
	b = render.SafeJSON(nil, b)
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// authenticate reads the token from any of the three header forms the seeds
// use and asks the token store who it belongs to.
func (h *handler) authenticate(r *http.Request) (access.Principal, error) {
	tok, err := tokenFrom(r.Header)
	if err != nil {
		return access.Principal{}, err
	}
	p, err := h.tokens.Authenticate(r.Context(), h.users, tok, "api "+r.RemoteAddr)
	if err != nil {
		if errors.Is(err, access.ErrUnauthorized) {
			return p, errorf(http.StatusUnauthorized, "%v", err)
		}
		return p, fmt.Errorf("authenticate: %w", err)
	}
	return p, nil
}

// tokenFrom accepts "Authorization: Bearer T" (Clumio), "Authorization: T"
// (Fudo) and "X-Auth-Token: T" (HSS). Two different tokens in one request
// are refused rather than guessing which one counts. An Authorization
// header with another scheme beside an X-Auth-Token is the AK/SK signature
// Huawei's SDKs add: auditdeck cannot check it, so the token decides.
func tokenFrom(hdr http.Header) (string, error) {
	auth, xat := hdr.Values("Authorization"), hdr.Values("X-Auth-Token")
	if len(auth) > 1 || len(xat) > 1 {
		return "", errorf(http.StatusUnauthorized, "send one token in one header")
	}
	hasXAT := len(xat) == 1 && strings.TrimSpace(xat[0]) != ""
	var tok string
	if len(auth) == 1 {
		a := strings.TrimSpace(auth[0])
		scheme, rest, hasScheme := strings.Cut(a, " ")
		switch {
		case !hasScheme && strings.EqualFold(a, "Bearer"):
			// "Bearer " with its space trimmed in transit: a scheme, no token.
		case !hasScheme:
			tok = a
		case strings.EqualFold(scheme, "Bearer"):
			tok = strings.TrimSpace(rest)
		case hasXAT:
			// A signature next to a token: the token wins.
		default:
			return "", errorf(http.StatusUnauthorized, "authorization scheme %q is not supported: use Bearer", truncate(scheme, 20))
		}
	}
	if len(xat) == 1 {
		x := strings.TrimSpace(xat[0])
		if tok != "" && x != tok {
			return "", errorf(http.StatusUnauthorized, "Authorization and X-Auth-Token carry different tokens")
		}
		tok = x
	}
	if tok == "" {
		return "", errorf(http.StatusUnauthorized, "missing token: send Authorization: Bearer TOKEN, Authorization: TOKEN or X-Auth-Token: TOKEN")
	}
	return tok, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// checkParams refuses query parameters a route does not know, so a typo
// (limt=10) is an error instead of a silently different result.
func checkParams(r *http.Request, known []string) error {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return errorf(http.StatusBadRequest, "query string: %v", err)
	}
	for name := range q {
		if !slices.Contains(known, name) {
			if len(known) == 0 {
				return errorf(http.StatusBadRequest, "unknown query parameter %q: this route takes none", truncate(name, 64))
			}
			return errorf(http.StatusBadRequest, "unknown query parameter %q (known: %s)", truncate(name, 64), strings.Join(known, ", "))
		}
	}
	return nil
}

// jsonMediaType matches a type/subtype pair; '=' is allowed in the subtype
// because Clumio's vendor types carry their version that way
// (application/api.clumio.report-downloads=v1+json), which mime's parser
// refuses.
var jsonMediaType = regexp.MustCompile(`^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+=-]+$`)

// requireJSON checks that a body may be read as JSON in UTF-8. Besides
// application/json it takes any application/*+json (vendor types),
// text/plain (the Clumio Go SDK sends its JSON bodies as strings, which
// its HTTP library declares text/plain) and no Content-Type at all; such a
// body must still parse as JSON, which decoding checks. A type that says
// the body is something else (a form, XML, CSV, multipart) is a 415.
func requireJSON(r *http.Request) error {
	cts := r.Header.Values("Content-Type")
	if len(cts) > 1 {
		return errorf(http.StatusUnsupportedMediaType, "send one Content-Type header")
	}
	if len(cts) == 0 || strings.TrimSpace(cts[0]) == "" {
		return nil
	}
	ct := cts[0]
	base, rest, hasParams := strings.Cut(ct, ";")
	mt := strings.ToLower(strings.TrimSpace(base))
	if !jsonMediaType.MatchString(mt) {
		return errorf(http.StatusUnsupportedMediaType, "Content-Type %q: not a media type", truncate(ct, 100))
	}
	if mt != "application/json" && mt != "text/plain" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return errorf(http.StatusUnsupportedMediaType, "Content-Type %q: the body must be JSON, sent as application/json (text/plain and application/*+json are read as JSON too)", truncate(mt, 100))
	}
	if !hasParams {
		return nil
	}
	_, params, err := mime.ParseMediaType("application/json;" + rest)
	if err != nil {
		return errorf(http.StatusUnsupportedMediaType, "Content-Type %q: %v", truncate(ct, 100), err)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return errorf(http.StatusUnsupportedMediaType, "charset %q: expected utf-8", truncate(cs, 40))
	}
	return nil
}

// readJSON reads the whole (size-limited) body after checking its type.
func readJSON(r *http.Request) ([]byte, error) {
	if err := requireJSON(r); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, errorf(http.StatusBadRequest, "read request body: %v", err)
	}
	return b, nil
}

// decodeBody decodes a JSON body into v strictly: unknown fields, wrong
// types and data after the value are errors that name what is wrong.
func decodeBody(r *http.Request, v any) error {
	b, err := readJSON(r)
	if err != nil {
		return err
	}
	return decodeStrict(b, v)
}

func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errorf(http.StatusBadRequest, "request body: unexpected data after the JSON value at byte %d", dec.InputOffset())
	}
	return nil
}

func jsonError(err error) error {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
	)
	switch {
	case errors.Is(err, io.EOF):
		return errorf(http.StatusBadRequest, "request body is empty: expected a JSON value")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(http.StatusBadRequest, "request body: malformed JSON: it ends early")
	case errors.As(err, &se):
		return errorf(http.StatusBadRequest, "request body: malformed JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(the body)"
		}
		return errorf(http.StatusBadRequest, "request body: field %s: expected %s, found a JSON %s", field, jsonKind(te.Type.Kind().String()), te.Value)
	}
	// DisallowUnknownFields reports `json: unknown field "x"`, which names the field.
	return errorf(http.StatusBadRequest, "request body: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "bool":
		return "a boolean"
	case "ptr", "pointer":
		return "a value"
	}
	return "a number"
}
