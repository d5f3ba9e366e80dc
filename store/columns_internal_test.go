package store

import (
	"slices"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/core"
)

// TestColumnLookupChecksTheRegistry: the store refuses to start when it and
// the registry disagree about which fields are columns, and of what kind.
func TestColumnLookupChecksTheRegistry(t *testing.T) {
	if _, err := newColumnLookup(core.BuiltinFields); err != nil {
		t.Fatalf("the registry as it is: %v", err)
	}
	edit := func(path string, change func(*core.BuiltinField)) []core.BuiltinField {
		r := slices.Clone(core.BuiltinFields)
		for i := range r {
			if r[i].Path == path {
				change(&r[i])
			}
		}
		return r
	}
	cases := []struct {
		name     string
		registry []core.BuiltinField
		want     string
	}{
		{"column field missing from the registry", slices.DeleteFunc(slices.Clone(core.BuiltinFields), func(f core.BuiltinField) bool { return f.Path == "vendor.service" }),
			`holds "vendor.service", which is not a built-in field`},
		{"column of another kind", edit("client_ip", func(f *core.BuiltinField) { f.Kept = core.KeptAsID }), `holds "client_ip", which the registry keeps as`},
		{"field kept by the store with no column", append(slices.Clone(core.BuiltinFields),
			core.BuiltinField{Path: "origin_host", Kept: core.KeptAsDict, String: func(*core.ActivityFields) string { return "" }}),
			`keeps "origin_host" as a store column, but no column holds it`},
	}
	for _, c := range cases {
		if _, err := newColumnLookup(c.registry); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// TestColumnValuesComeFromTheRegistry: the values a block encodes per
// column are the registry's reading of that column's field.
func TestColumnValuesComeFromTheRegistry(t *testing.T) {
	f := core.ActivityFields{EventType: "t", UserEmail: "u", ClientIP: "i", VendorName: "v", VendorService: "s", Country: "c",
		Successful: core.TriTrue, Suspicious: core.TriFalse}
	want := map[column]string{colEventType: "t", colUser: "u", colIP: "i", colVendor: "v", colService: "s", colCountry: "c"}
	for c := colEventType; c <= colCountry; c++ {
		if got := dictValue(&f, c); got != want[c] {
			t.Errorf("column %d: %q, want %q", c, got, want[c])
		}
	}
	if triValue(&f, colSuccessful) != core.TriTrue || triValue(&f, colSuspicious) != core.TriFalse {
		t.Error("tri-state columns read the wrong fields")
	}
}
