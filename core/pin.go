package core

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Pin names one state of an event store (ActivityStore.Pin), so a later
// read can see exactly that state (SnapshotAt). It is opaque to everything
// but the store that made it: the store encodes its own notion of a commit
// (Badger's: a commit sequence) as text. The zero Pin names no state in
// particular: SnapshotAt(Pin{}) reads the current one. Pins are comparable
// and encode in JSON as a string.
type Pin struct{ s string }

// MakePin is how a store wraps its name for a state into a Pin.
func MakePin(s string) Pin { return Pin{s: s} }

// String returns the store's text for the pin ("" for the zero Pin).
func (p Pin) String() string { return p.s }

// IsZero reports whether the pin names no state.
func (p Pin) IsZero() bool { return p.s == "" }

// MarshalJSON writes the pin as a JSON string.
func (p Pin) MarshalJSON() ([]byte, error) { return json.Marshal(p.s) }

// UnmarshalJSON reads a JSON string, or a JSON number: documents written
// before pins were opaque hold Badger's commit sequence as a number, and
// its decimal text is the pin the Badger store makes for that sequence.
func (p *Pin) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*p = Pin{}
		return nil
	case len(b) > 0 && b[0] == '"':
		return json.Unmarshal(b, &p.s)
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("pin: want a string or a number, got %s", b)
	}
	if n == "0" {
		*p = Pin{} // a zero sequence meant no pin
		return nil
	}
	p.s = n.String()
	return nil
}
