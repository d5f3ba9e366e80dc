package query

import (
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"
)

// storedFields is a FieldSource of fixed paths; bools lists the boolean ones.
type storedFields struct{ paths, bools []string }

func (s storedFields) HasField(p string) (bool, bool) {
	for _, x := range s.paths {
		if x == p {
			for _, b := range s.bools {
				if b == p {
					return true, true
				}
			}
			return true, false
		}
	}
	return false, false
}

func (s storedFields) FieldNames() []string { return s.paths }

// TestSchemaWithFields: paths of the stored documents are fields too
// (dynamic), without changing the schema they extend; unknown ones get a
// suggestion among them; a bare word names a stored field only when it is
// boolean, else it searches the text.
func TestSchemaWithFields(t *testing.T) {
	s := ActivitySchema.WithFields(storedFields{paths: []string{"custom.tenant", "flagged", "admin"}, bools: []string{"flagged"}})
	if typ, err := s.Lookup("custom.tenant"); err != nil || typ != TypeDynamic {
		t.Errorf("stored field: %v %v", typ, err)
	}
	if typ, err := s.Lookup("event_type"); err != nil || typ != TypeString {
		t.Errorf("declared field: %v %v", typ, err)
	}
	if _, err := ActivitySchema.Lookup("custom.tenant"); err == nil {
		t.Error("the extended schema changed ActivitySchema")
	}
	_, err := s.Lookup("custom.tenat")
	if err == nil || !strings.Contains(err.Error(), `did you mean "custom.tenant"?`) {
		t.Errorf("typo: %v", err)
	}
	now := time.Now()
	for dsl, textSearch := range map[string]bool{"flagged": false, "!flagged": false, "admin": true, "mimikatz": true, "operation_successful": false} {
		f, err := ParseDSL(dsl)
		if err != nil {
			t.Fatal(err)
		}
		if got := IsTextSearch(f.Terms[0], s); got != textSearch {
			t.Errorf("IsTextSearch(%s) = %v", dsl, got)
		}
		if _, err := Compile(f, s, now); err != nil {
			t.Errorf("compile %s: %v", dsl, err)
		}
	}
	f, _ := ParseDSL("custom.tenant.eq(acme),flagged.eq(true)")
	c, err := Compile(f, s, now)
	if err != nil || !c.MatchJSON(fastjson.MustParse(`{"custom":{"tenant":"acme"},"flagged":true}`)) {
		t.Errorf("compile and match on stored fields: %v", err)
	}
}
