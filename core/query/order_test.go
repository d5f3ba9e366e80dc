package query

import (
	"errors"
	"strings"
	"testing"
)

func TestParseOrder(t *testing.T) {
	tests := []struct {
		in   string
		want Order
	}{
		{"", DefaultOrder},
		{"  ", DefaultOrder},
		{"!finished_at", Order{{Field: "finished_at", Desc: true}}},
		{"created_at", Order{{Field: "created_at"}}},
		{" !created_at , event_id ,client_location.country.code", Order{{"created_at", true}, {"event_id", false}, {"client_location.country.code", false}}},
	}
	for _, tt := range tests {
		got, err := ParseOrder(tt.in)
		if err != nil {
			t.Errorf("ParseOrder(%q): %v", tt.in, err)
			continue
		}
		if got.String() != tt.want.String() || len(got) != len(tt.want) {
			t.Errorf("ParseOrder(%q) = %v, want %v", tt.in, got, tt.want)
		}
		again, err := ParseOrder(got.String())
		if err != nil || again.String() != got.String() {
			t.Errorf("round trip of %q: %v %v", tt.in, again, err)
		}
	}
	if DefaultOrder.String() != "!created_at" {
		t.Errorf("DefaultOrder = %s", DefaultOrder)
	}
	o, _ := ParseOrder("")
	o[0].Field = "mutated"
	if DefaultOrder[0].Field != "created_at" {
		t.Error("ParseOrder returned DefaultOrder itself")
	}
}

func TestParseOrderInvalid(t *testing.T) {
	tests := []struct {
		in       string
		pos      int
		expected string
	}{
		{"a,", 2, "a field"},
		{",a", 0, "a field"},
		{"!!a", 1, "a field"},
		{"a b", 2, `"," or end of input`},
		{"a#", 1, `".", "," or end of input`},
		{"a..b", 2, "a field segment"},
		{"a,,b", 2, "a field"},
		{"created_at desc", 11, `"," or end of input`},
	}
	for _, tt := range tests {
		_, err := ParseOrder(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) || se.Pos != tt.pos || !strings.Contains(se.Expected, tt.expected) {
			t.Errorf("ParseOrder(%q) error = %v, want pos %d expected ~%s", tt.in, err, tt.pos, tt.expected)
		}
	}
}

func TestCompileOrder(t *testing.T) {
	for _, s := range []string{"!created_at", "event_type,!client_location.lat", "raw.id.time", "triage.state"} {
		o, err := ParseOrder(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := CompileOrder(o, ActivitySchema); err != nil {
			t.Errorf("CompileOrder(%s): %v", s, err)
		}
	}
	o, _ := ParseOrder("!finished_at")
	err := CompileOrder(o, ActivitySchema)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "finished_at" || fe.Pos != -1 {
		t.Fatalf("CompileOrder(!finished_at) = %v", err)
	}
	if want := `filter: unknown field "finished_at"`; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want prefix %q", err, want)
	}
	if err := CompileOrder(o, nil); err != nil {
		t.Errorf("CompileOrder with a nil schema: %v", err)
	}
}

func TestParseOrderLimit(t *testing.T) {
	keys := strings.Repeat("a,", MaxOrderKeys) + "b"
	_, err := ParseOrder(keys)
	var se *SyntaxError
	if !errors.As(err, &se) || se.Pos != 2*MaxOrderKeys || !strings.Contains(se.Expected, "at most 16 keys") {
		t.Fatalf("ParseOrder(%d keys) = %v", MaxOrderKeys+1, err)
	}
	if _, err := ParseOrder(strings.TrimSuffix(strings.Repeat("a,", MaxOrderKeys), ",")); err != nil {
		t.Fatalf("ParseOrder(%d keys): %v", MaxOrderKeys, err)
	}
	if err := CompileOrder(make(Order, MaxOrderKeys+1), ActivitySchema); err == nil || !strings.Contains(err.Error(), "at most 16 keys") {
		t.Fatalf("CompileOrder of %d keys: %v", MaxOrderKeys+1, err)
	}
}
