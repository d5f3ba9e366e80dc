package query

import (
	"strings"
	"testing"
)

// TestBareWordSearchesText: a bare word that is not a field searches all the
// text of the document, case-insensitively; a bare known boolean field keeps
// testing the boolean; a bare non-boolean field stays an error.
func TestBareWordSearchesText(t *testing.T) {
	doc := parseDoc(t, sampleDoc)
	for _, tt := range []struct {
		dsl  string
		want bool
		text bool // IsTextSearch of the first term
	}{
		{"GOOGLE_PASSWORD", true, true},            // beneath raw
		{"harpenden", true, true},                  // client_location.city, outside raw
		{"86.176.87.160", true, true},              // client_ip: dotted words are words too
		{"alice@example.com", true, true},          // user.user_email is Alice@Example.com
		{"-6285966971996490902", true, true},       // event_id
		{"mimikatz", false, true},                  // nowhere
		{"!mimikatz", true, true},                  // negated
		{"!harpenden", false, true},                //
		{"admin,harpenden,login", true, true},      // AND of words
		{"admin,mimikatz", false, true},            //
		{"operation_successful", true, false},      // a known boolean field
		{"!operation_successful", false, false},    //
		{"extra.auth.is_suspicious", false, false}, // null
		{"raw.flag", true, false},                  // beneath an open object: a boolean path
		{"raw.mimikatz", false, false},             //
	} {
		f := mustParseDSL(t, tt.dsl)
		if got := IsTextSearch(f.Terms[0], ActivitySchema); got != tt.text {
			t.Errorf("IsTextSearch(%s) = %v, want %v", tt.dsl, got, tt.text)
		}
		c := mustCompile(t, tt.dsl)
		if got := c.MatchJSON(doc); got != tt.want {
			t.Errorf("%s: match %v, want %v", tt.dsl, got, tt.want)
		}
		if s := f.String(); s != tt.dsl {
			t.Errorf("%s prints as %s", tt.dsl, s)
		}
		if g := mustParseDSL(t, f.String()); !g.Equal(f) {
			t.Errorf("%s does not round-trip", tt.dsl)
		}
	}
	// The store's raw-bytes prefilter gets the word, lowercased.
	p := mustCompile(t, "Mimikatz").Preds[0]
	if words, fold, ok := p.Needles(); !ok || !fold || len(words) != 1 || words[0] != "mimikatz" {
		t.Errorf("Needles = %q %v %v", words, fold, ok)
	}
	// Known fields that are not booleans keep their error, and so do the
	// open objects themselves (a bare "user" matched nothing, silently).
	for _, in := range []string{"event_type", "created_at", "client_location.country.code", "user", "!vendor", "raw", "extra", "client_location"} {
		_, err := Compile(mustParseDSL(t, in), ActivitySchema, testNow)
		if err == nil || !strings.Contains(err.Error(), "a bare field tests a boolean") {
			t.Errorf("Compile(%s): %v, want the bare-field error", in, err)
		}
	}
}
