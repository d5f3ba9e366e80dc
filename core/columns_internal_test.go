package core

import (
	"testing"
	"time"
)

func TestTimestampCellMatchesTimeFormat(t *testing.T) {
	get := cellGetter("created_at")
	for _, ns := range []int64{0, 1, 1782000000123456789, 1782000000123999999, -86400e9 + 5e6, 9223372036000000000} {
		a := &Activity{ActivityFields: ActivityFields{CreatedAt: ns}}
		want := time.Unix(0, ns).UTC().Format("2006-01-02T15:04:05.000Z07:00")
		if got := get.read(a, nil); got != want {
			t.Errorf("%d: %q, want %q", ns, got, want)
		}
	}
}
