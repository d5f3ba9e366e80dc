package core_test

import (
	"encoding/json"
	"testing"

	"github.com/auditdeck/auditdeck/core"
)

func TestPinJSON(t *testing.T) {
	b, err := json.Marshal(core.MakePin("42"))
	if err != nil || string(b) != `"42"` {
		t.Fatalf("marshal = %s, %v; want a JSON string", b, err)
	}
	for in, want := range map[string]core.Pin{
		`"42"`: core.MakePin("42"), `"a/b"`: core.MakePin("a/b"), `7`: core.MakePin("7"),
		`0`: {}, `null`: {}, `""`: {},
	} {
		var p core.Pin
		if err := json.Unmarshal([]byte(in), &p); err != nil || p != want {
			t.Errorf("unmarshal %s = %q, %v; want %q", in, p, err, want)
		}
	}
	var p core.Pin
	if err := json.Unmarshal([]byte(`{}`), &p); err == nil {
		t.Errorf("an object decoded as a pin: %q", p)
	}
}

func TestExportRequestPinCompat(t *testing.T) {
	// A request stored before pins were opaque: "pin_seq", a number.
	var old core.ExportRequest
	if err := json.Unmarshal([]byte(`{"type":"activity","filter":"","formats":["csv"],"file_name":"f","pin_seq":12}`), &old); err != nil {
		t.Fatal(err)
	}
	if old.Pin != core.MakePin("12") || old.FileName != "f" || old.Type != core.TypeActivity {
		t.Fatalf("old request = %+v", old)
	}
	b, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil || back["pin"] != "12" || back["pin_seq"] != nil {
		t.Fatalf("re-encoded %s, %v", b, err)
	}
	var again core.ExportRequest
	if err := json.Unmarshal(b, &again); err != nil || again.Pin != old.Pin {
		t.Fatalf("round trip %+v, %v", again, err)
	}
	var none core.ExportRequest
	if err := json.Unmarshal([]byte(`{"file_name":"g"}`), &none); err != nil || !none.Pin.IsZero() {
		t.Fatalf("no pin: %+v, %v", none, err)
	}
	var fresh map[string]any
	if b, _ := json.Marshal(none); json.Unmarshal(b, &fresh) != nil || fresh["pin"] != nil {
		t.Errorf("a zero pin is written: %s", b)
	}
}
