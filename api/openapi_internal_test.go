package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
	"github.com/auditdeck/auditdeck/store"
)

type openAPIOps struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

func newTestHandler(t *testing.T) *handler {
	t.Helper()
	s, err := store.Open(store.Options{Dir: filepath.Join(t.TempDir(), "store")})
	if err != nil {
		t.Fatal(err)
	}
	eng := core.NewEngine(s, s)
	t.Cleanup(func() { eng.Close() })
	return New(Options{Engine: eng, Tokens: access.NewTokens(eng), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).(*handler)
}

// The document lists exactly the routes the mux serves: each route is
// documented with its method, each documented operation is a route, and
// each documented operation reaches a handler on a live server (neither
// "no route" nor 405).
func TestOpenAPIMatchesRoutes(t *testing.T) {
	h := newTestHandler(t)
	var doc openAPIOps
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, rt := range h.routes {
		served[rt.method+" "+rt.pattern] = true
	}
	var missing, extra []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("routes not documented: %v\ndocumented but not served: %v", missing, extra)
	}

	srv := httptest.NewServer(h)
	defer srv.Close()
	wild := regexp.MustCompile(`\{[^}]+\}`)
	for k := range documented {
		method, path, _ := strings.Cut(k, " ")
		path = wild.ReplaceAllString(path, "x1")
		rq, err := http.NewRequest(method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := srv.Client().Do(rq)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusMethodNotAllowed || strings.Contains(string(body), "no route for") {
			t.Errorf("%s: documented but the server answers %d %s", k, res.StatusCode, body)
		}
	}
}

// Every $ref of the document resolves, and every operation answers errors
// with the Error schema.
func TestOpenAPIRefsResolve(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	comps := doc["components"].(map[string]any)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
				if len(parts) != 2 {
					t.Errorf("odd $ref %q", ref)
					return
				}
				sect, _ := comps[parts[0]].(map[string]any)
				if _, ok := sect[parts[1]]; !ok {
					t.Errorf("$ref %q does not resolve", ref)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
	for path, ops := range doc["paths"].(map[string]any) {
		for m, op := range ops.(map[string]any) {
			resp := op.(map[string]any)["responses"].(map[string]any)
			if path != "/openapi.json" && path != "/readyz" { // public routes
				if _, ok := resp["401"]; !ok {
					t.Errorf("%s %s documents no 401", m, path)
				}
			}
		}
	}
}

func TestAttachmentName(t *testing.T) {
	for in, want := range map[string]string{
		"report 1.csv":                    "report 1.csv",
		`a"b.csv`:                         "a_b.csv",
		"a\r\nSet-Cookie: x=1.csv":        "a_Set-Cookie_ x_1.csv",
		"../../etc/passwd":                "passwd",
		`..\..\secret.pdf`:                "secret.pdf",
		".hidden.html":                    "hidden.html",
		"":                                "report.csv",
		"日本語.csv":                         "_.csv",
		strings.Repeat("x", 300) + ".csv": strings.Repeat("x", 116) + ".csv",
	} {
		got := attachmentName(in, "csv")
		if got != want {
			t.Errorf("attachmentName(%q) = %q, want %q", in, got, want)
		}
		if strings.ContainsAny(got, "\"\r\n/\\") || strings.HasPrefix(got, ".") {
			t.Errorf("attachmentName(%q) = %q is unsafe", in, got)
		}
	}
}

func TestNewServerLimits(t *testing.T) {
	s := NewServer("127.0.0.1:0", http.NotFoundHandler())
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 || s.MaxHeaderBytes <= 0 || s.MaxHeaderBytes > 1<<20 {
		t.Fatalf("server limits %+v", s)
	}
	if !slices.Contains([]string{"127.0.0.1:0"}, s.Addr) {
		t.Fatalf("addr %q", s.Addr)
	}
}
