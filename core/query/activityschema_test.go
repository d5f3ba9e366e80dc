package query

import (
	"encoding/json"
	"fmt"
	"os"
)

// ActivitySchema is, for this package's tests, the schema of activities
// that package core builds from its field registry (core.ActivitySchema).
// It is read from the file core's tests keep equal to that schema, so the
// two cannot drift apart.
var ActivitySchema = loadSchemaFile("../testdata/activity_schema.json")

// Describe is DescribeWith over activities, as reports use it.
func Describe(f Filter) string { return DescribeWith(f, ActivitySchema) }

func loadSchemaFile(path string) *Schema {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	var doc struct {
		Fields []struct {
			Path    string   `json:"path"`
			Type    string   `json:"type"`
			Enum    []string `json:"enum"`
			Default *string  `json:"default"`
			Words   string   `json:"words"`
			True    string   `json:"true_words"`
			False   string   `json:"false_words"`
		} `json:"fields"`
		Open []string `json:"open_objects"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		panic(fmt.Sprintf("%s: %v", path, err))
	}
	types := map[string]FieldType{}
	for _, t := range []FieldType{TypeString, TypeBool, TypeNumber, TypeTime} {
		types[t.String()] = t
	}
	specs := make([]FieldSpec, len(doc.Fields))
	for i, f := range doc.Fields {
		t, ok := types[f.Type]
		if !ok {
			panic(fmt.Sprintf("%s: field %q: unknown type %q", path, f.Path, f.Type))
		}
		specs[i] = FieldSpec{Path: f.Path, Type: t, Enum: f.Enum, Words: f.Words, TrueWords: f.True, FalseWords: f.False}
		if f.Default != nil {
			specs[i].Default, specs[i].HasDefault = *f.Default, true
		}
	}
	return NewSchema(specs, doc.Open...)
}
