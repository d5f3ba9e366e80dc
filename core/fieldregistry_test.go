package core

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core/query"
	"github.com/valyala/fastjson"
)

var updateSchema = flag.Bool("update-schema", false, "rewrite testdata/activity_schema.json from the field registry")

// schemaDoc is the activity schema as data, as the registry hands it to
// query.NewSchema: the file package query's tests build their copy from.
func schemaDoc(specs []query.FieldSpec, open []string) []byte {
	type field struct {
		Path       string   `json:"path"`
		Type       string   `json:"type"`
		Enum       []string `json:"enum,omitempty"`
		Default    *string  `json:"default,omitempty"`
		Words      string   `json:"words,omitempty"`
		TrueWords  string   `json:"true_words,omitempty"`
		FalseWords string   `json:"false_words,omitempty"`
	}
	var doc struct {
		Fields []field  `json:"fields"`
		Open   []string `json:"open_objects"`
	}
	for _, s := range specs {
		f := field{Path: s.Path, Type: s.Type.String(), Enum: s.Enum, Words: s.Words, TrueWords: s.TrueWords, FalseWords: s.FalseWords}
		if s.HasDefault {
			f.Default = &s.Default
		}
		doc.Fields = append(doc.Fields, f)
	}
	doc.Open = open
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// TestSchemaFileIsTheRegistry keeps the schema file package query tests
// with equal to the schema the registry builds.
func TestSchemaFileIsTheRegistry(t *testing.T) {
	const path = "testdata/activity_schema.json"
	got := schemaDoc(schemaFields(BuiltinFields), activityOpenObjects)
	if *updateSchema {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the registry's schema; run go test ./core -run TestSchemaFileIsTheRegistry -update-schema\ngot:\n%s", path, got)
	}
}

// registryEvent has a value for every built-in field the store keeps, so
// each accessor can be checked against the member its path names.
const registryEvent = `{"event_id":"e-1","created_at":"2026-10-02T03:04:05.678Z","event_type":"login","client_ip":"10.1.2.3",` +
	`"operation_successful":false,"event_category":"auth","user":{"user_email":"Ann@Example.com","vendor_id":"u7"},` +
	`"vendor":{"name":"google","service":"gmail"},"client_location":{"lat":1.5,"lng":-2,"country":{"code":"DE","name":"Germany"},` +
	`"region":{"code":"BE","name":"Berlin"},"city":"Berlin"},"extra":{"auth":{"auth_type":"sso","is_suspicious":true}}}`

// TestRegistryConsumersAgree checks every consumer of the registry against
// each entry: the field compiles in a filter with the registry's type, a
// field read from the Activity renders the value its path names in the raw
// event (so an accessor wired to the wrong member fails), its cell needs no
// raw JSON, and a filter on that value matches the activity.
func TestRegistryConsumersAgree(t *testing.T) {
	var x FieldExtractor
	fields, err := x.Extract([]byte(registryEvent))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 10, 3, 1, 2, 3, 4000000, time.UTC)
	a := &Activity{ActivityFields: fields, Raw: []byte(registryEvent), Triage: &Triage{State: StateEscalated, Note: "n", By: "bob", At: at}}
	var p fastjson.Parser
	doc, err := p.Parse(registryEvent)
	if err != nil {
		t.Fatal(err)
	}
	noDoc := func() *fastjson.Value { t.Fatal("a column field read the raw JSON"); return nil }
	want := map[string]string{ // fields that are in no event
		"created_hour": "3", "triage.state": "escalated", "triage.note": "n", "triage.by": "bob", "triage.at": at.Format(time.RFC3339Nano),
	}
	for _, f := range BuiltinFields {
		t.Run(f.Path, func(t *testing.T) {
			if typ, err := ActivitySchema.Lookup(f.Path); err != nil || typ != f.Type {
				t.Fatalf("schema: %v %v, registry says %v", typ, err, f.Type)
			}
			if !f.FromColumns() {
				if _, ok := ColumnValue(a, f.Path); ok {
					t.Fatal("a raw-JSON field reads as a column")
				}
				return
			}
			w, ok := want[f.Path]
			if !ok {
				v := doc.Get(splitPath(f.Path)...)
				if v == nil {
					t.Fatal("the test event lacks the field")
				}
				switch v.Type() {
				case fastjson.TypeString:
					w = string(v.GetStringBytes())
				default:
					w = v.String()
				}
				if f.Type == query.TypeTime {
					w = "2026-10-02T03:04:05.678Z"
				}
			}
			if got, ok := ColumnValue(a, f.Path); !ok || got != w {
				t.Fatalf("ColumnValue = %q %v, want %q", got, ok, w)
			}
			cell := make([]string, 1)
			if readCells(cell, []cellFunc{cellGetter(f.Path)}, a, noDoc); cell[0] != w {
				t.Fatalf("cell = %q, want %q", cell[0], w)
			}
		})
	}
	for _, c := range DefaultActivityColumns {
		if f, ok := Builtin(c.Field); !ok || f.Label != c.Label || !f.FromColumns() {
			t.Errorf("default column %+v: not a labelled column field of the registry", c)
		}
	}
}

func compile(t *testing.T, dsl string) *query.Compiled {
	t.Helper()
	f, err := query.ParseDSL(dsl)
	if err != nil {
		t.Fatalf("%s: %v", dsl, err)
	}
	c, err := query.Compile(f, ActivitySchema, time.Now())
	if err != nil {
		t.Fatalf("%s: %v", dsl, err)
	}
	return c
}

func splitPath(p string) []string {
	var out []string
	for len(p) > 0 {
		i := 0
		for i < len(p) && p[i] != '.' {
			i++
		}
		out = append(out, p[:i])
		if i < len(p) {
			i++
		}
		p = p[i:]
	}
	return out
}

// TestRegistryRejectsMisfits: an entry whose accessors do not fit how it
// is kept stops the program at start-up instead of reading as empty.
func TestRegistryRejectsMisfits(t *testing.T) {
	bad := []BuiltinField{
		{Path: "a", Type: query.TypeString, Kept: KeptAsDict},                                                   // no accessor
		{Path: "b", Type: query.TypeBool, Kept: KeptAsDict, String: func(*ActivityFields) string { return "" }}, // wrong type
		{Path: "c", Type: query.TypeString, String: func(*ActivityFields) string { return "" }},                 // raw with accessor
		{Path: "d", Type: query.TypeTime, Kept: KeptBeside, Text: func(*Activity) string { return "" }},         // time without Time
		{Path: "e", Type: query.TypeString, Kept: KeptAsTri, Tri: func(*ActivityFields) Tri { return TriNull }}, // tri not bool
		{Path: "f", Type: query.TypeString, Kept: KeptAsID, String: func(*ActivityFields) string { return "" }}, // fine
		{Path: "f", Type: query.TypeString, Kept: KeptAsID, String: func(*ActivityFields) string { return "" }}, // twice
	}
	for i := range bad[:5] {
		if err := bad[i].check(); err == nil {
			t.Errorf("%s: accepted", bad[i].Path)
		}
	}
	if err := bad[5].check(); err != nil {
		t.Errorf("f: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("a path listed twice was accepted")
		}
	}()
	indexBuiltins(bad[5:])
}
