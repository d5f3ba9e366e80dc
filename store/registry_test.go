package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// TestRegistryFieldsAreStoreColumns: every built-in field the registry says
// the store keeps is planned on its column (and every other one on the raw
// JSON), counts the same as the registry's reading of each event, and
// reads back from the columns alone as it reads from the event's JSON.
func TestRegistryFieldsAreStoreColumns(t *testing.T) {
	env := openEnv(t, t.TempDir())
	env.ingest(t, readFile(t, "activities.ndjson"), core.IngestOptions{})
	ctx := context.Background()
	var withRaw, columnsOnly []core.Activity
	for _, raw := range []bool{true, false} {
		_, err := env.eng.Scan(ctx, core.QuerySpec{WithRaw: raw}, func(a *core.Activity) error {
			if raw {
				withRaw = append(withRaw, *a)
			} else {
				columnsOnly = append(columnsOnly, *a)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(withRaw) < 100 || len(withRaw) != len(columnsOnly) {
		t.Fatalf("scanned %d and %d events", len(withRaw), len(columnsOnly))
	}
	var x core.FieldExtractor
	for _, f := range core.BuiltinFields {
		if !f.Kept.StoreColumn() {
			continue
		}
		t.Run(f.Path, func(t *testing.T) {
			values := map[string]int64{}
			for i := range withRaw {
				fromRaw, err := x.Extract(withRaw[i].Raw)
				if err != nil {
					t.Fatal(err)
				}
				want := f.CellText(&core.Activity{ActivityFields: fromRaw})
				if got := f.CellText(&columnsOnly[i]); got != want {
					t.Fatalf("event %s: %q from the columns, %q from the JSON", withRaw[i].EventID, got, want)
				}
				values[want]++
			}
			var value string
			for v, n := range values {
				if v != "" && (value == "" || n > values[value]) {
					value = v
				}
			}
			if value == "" {
				t.Fatal("no fixture event has the field")
			}
			f := filter(t, f.Path+".eq("+value+")")
			plan, err := env.eng.Explain(f, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, "raw JSON predicates: none") {
				t.Fatalf("planned on the raw JSON:\n%s", plan)
			}
			if n, err := env.eng.Count(ctx, f); err != nil || n != values[value] {
				t.Fatalf("count %s = %d %v, registry reads %d", f, n, err, values[value])
			}
		})
	}
	for _, f := range core.BuiltinFields {
		if f.Kept != core.KeptInRaw {
			continue
		}
		plan, err := env.eng.Explain(filter(t, f.Path+".isnull()"), nil)
		// Fields without a typed column are read from the blocks' field columns.
		if err != nil || !strings.Contains(plan, "field column predicates: "+f.Path) || !strings.Contains(plan, "raw JSON predicates: none") {
			t.Errorf("%s: %v\n%s", f.Path, err, plan)
		}
	}
}

func filter(t *testing.T, dsl string) query.Filter {
	t.Helper()
	f, err := query.ParseDSL(dsl)
	if err != nil {
		t.Fatalf("%s: %v", dsl, err)
	}
	return f
}
