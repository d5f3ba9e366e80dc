package core

import "encoding/json"

// UnmarshalJSON reads an ExportRequest, taking the pin from "pin_seq" (a
// Badger commit sequence, as task and report documents stored before pins
// were opaque hold it) when "pin" is absent.
func (r *ExportRequest) UnmarshalJSON(b []byte) error {
	type plain ExportRequest // without this method
	var v struct {
		plain
		PinSeq Pin `json:"pin_seq"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = ExportRequest(v.plain)
	if r.Pin.IsZero() {
		r.Pin = v.PinSeq
	}
	return nil
}
