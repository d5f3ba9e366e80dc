package conformance

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
)

// catalogOracle is what the brute force knows of one leaf path.
type catalogOracle struct {
	rows       int            // live events having it
	values     map[string]int // distinct values (by their JSON text)
	minT, maxT time.Time
}

// checkCatalog compares the store's field catalog with the leaf paths of
// lines (every version ingested; a later line with the same event_id
// replaces the earlier one).
func checkCatalog(t *testing.T, s core.Store, lines [][]byte) {
	t.Helper()
	live := map[string][]byte{}
	for _, l := range lines {
		var m struct {
			EventID string `json:"event_id"`
		}
		json.Unmarshal(l, &m)
		live[m.EventID] = l
	}
	want := map[string]*catalogOracle{}
	replaced := len(lines) - len(live)
	for _, l := range lines {
		var doc map[string]any
		if err := json.Unmarshal(l, &doc); err != nil {
			t.Fatal(err)
		}
		at, err := time.Parse(time.RFC3339Nano, doc["created_at"].(string))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			EventID string `json:"event_id"`
		}
		json.Unmarshal(l, &m)
		isLive := string(live[m.EventID]) == string(l)
		seen := map[string]bool{}
		var walk func(path string, v any)
		walk = func(path string, v any) {
			switch x := v.(type) {
			case map[string]any:
				for k, c := range x {
					p := k
					if path != "" {
						p = path + "." + k
					}
					walk(p, c)
				}
				return
			case []any:
				for _, c := range x {
					walk(path, c)
				}
				return
			}
			if !query.ValidField(path) {
				return
			}
			o := want[path]
			if o == nil {
				o = &catalogOracle{values: map[string]int{}, minT: at, maxT: at}
				want[path] = o
			}
			if at.Before(o.minT) {
				o.minT = at
			}
			if at.After(o.maxT) {
				o.maxT = at
			}
			if v != nil {
				b, _ := json.Marshal(v)
				o.values[string(b)]++
			}
			if isLive && !seen[path] {
				seen[path] = true
				o.rows++
			}
		}
		walk("", doc)
	}
	cat, err := s.Fields(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for p := range want {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	if got := cat.Paths(); !slices.Equal(got, paths) || !cat.Complete {
		t.Fatalf("catalog paths (complete %v):\n got  %q\n want %q", cat.Complete, got, paths)
	}
	for _, p := range paths {
		w := want[p]
		f, _ := cat.Lookup(p)
		exact := len(w.values)
		if f.Rows < int64(w.rows) || f.Rows > int64(w.rows+replaced) || len(f.Types) == 0 ||
			!f.FirstSeen.Equal(w.minT) || !f.LastSeen.Equal(w.maxT) ||
			f.Distinct >= 0 && math.Abs(float64(f.Distinct-int64(exact))) > max(2, 0.1*float64(exact)) {
			t.Errorf("%s: %+v; want rows %d (+%d replaced), distinct about %d, seen %s .. %s", p, f, w.rows, replaced, exact, w.minT, w.maxT)
		}
	}
}
