package query

import "testing"

func TestDescribe(t *testing.T) {
	cases := []struct{ dsl, want string }{
		{"", "all events"},
		{"event_type.eq(login),!operation_successful", "event type is login and operation failed"},
		{"event_type.eq(login),operation_successful.eq(false)", "event type is login and operation failed"},
		{"operation_successful", "operation succeeded"},
		{"!operation_successful.eq(false)", "operation succeeded"},
		{"operation_successful.ne(true)", "operation failed"},
		{"extra.auth.is_suspicious", "authentication is suspicious"},
		{"!extra.auth.is_suspicious", "authentication is not suspicious"},
		{"client_location.country.code.in(NL,DE,FR)", "country is one of NL, DE or FR"},
		{"!client_location.country.code.eq(US)", "country is not US"},
		{"!event_type.in(login,logout)", "event type is not one of login or logout"},
		{"user.user_email.icontains(smith)", `user contains "smith" (ignoring case)`},
		{"!raw.actor.email.contains(a,b)", `raw field actor.email does not contain "a" or "b"`},
		{"created_at.ge(-7d)", "time is in the last 7 days"},
		{"created_at.lt(-1h)", "time is more than 1 hour ago"},
		{"created_at.ge(2026-11-01)", "time is at or after 2026-11-01"},
		{"created_at.gt(2026-11-01T00:00:00Z),created_at.le(now)", "time is after 2026-11-01T00:00:00Z and time is at or before now"},
		{"!created_at.lt(2026-11-01)", "time is not before 2026-11-01"},
		{"created_hour.in(0,1,22)", "hour of the day (UTC) is one of 0, 1 or 22"},
		{"client_location.lat.gt(50)", "latitude is greater than 50"},
		{"raw.RecordType.le(15)", "raw field RecordType is at most 15"},
		{"triage.state.iin(NEW,escalated)", "triage state is one of NEW or escalated (ignoring case)"},
		{"triage.note.isnull()", "triage note is empty"},
		{"!triage.note.isnull()", "triage note is set"},
		{"event_type.ne(other)", "event type is not other"},
		{"raw.flag", "raw field flag is true"},
		{"some_field.eq(x)", "some field is x"},
		{"event_type.eq(a%2Cb)", "event type is a,b"},
	}
	for _, c := range cases {
		f, err := ParseDSL(c.dsl)
		if err != nil {
			t.Fatalf("%s: %v", c.dsl, err)
		}
		if got := Describe(f); got != c.want {
			t.Errorf("Describe(%s) = %q, want %q", c.dsl, got, c.want)
		}
	}
}

// TestDescribeTextSearch: a bare word that searches the text of the events
// reads as that search, not as "smith is true"; a bare known boolean field
// keeps its meaning, and which words are fields depends on the schema.
func TestDescribeTextSearch(t *testing.T) {
	for _, c := range []struct {
		dsl  string
		s    *Schema
		want string
	}{
		{"smith", ActivitySchema, `the text contains "smith" (ignoring case)`},
		{"!mimikatz,event_type.eq(login)", ActivitySchema, `the text does not contain "mimikatz" (ignoring case) and event type is login`},
		{"contoso.com", ActivitySchema, `the text contains "contoso.com" (ignoring case)`},
		{"operation_successful", ActivitySchema, "operation succeeded"},
		{"raw.flag", ActivitySchema, "raw field flag is true"},
		{"operation_successful", AuditSchema, `the text contains "operation_successful" (ignoring case)`},
	} {
		f, err := ParseDSL(c.dsl)
		if err != nil {
			t.Fatal(err)
		}
		if got := DescribeWith(f, c.s); got != c.want {
			t.Errorf("DescribeWith(%s) = %q, want %q", c.dsl, got, c.want)
		}
	}
	if f, _ := ParseDSL("smith"); Describe(f) != `the text contains "smith" (ignoring case)` {
		t.Errorf("Describe(smith) = %q: activities are the default", Describe(f))
	}
}
