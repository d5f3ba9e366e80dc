package core

import (
	"testing"
	"time"
)

func TestTimestampCellMatchesTimeFormat(t *testing.T) {
	getters := []cellFunc{cellGetter("created_at")}
	cell := make([]string, 1)
	for _, ns := range []int64{0, 1, 1782000000123456789, 1782000000123999999, -86400e9 + 5e6, 9223372036000000000} {
		a := &Activity{ActivityFields: ActivityFields{CreatedAt: ns}}
		want := time.Unix(0, ns).UTC().Format("2006-01-02T15:04:05.000Z07:00")
		if readCells(cell, getters, a, nil); cell[0] != want {
			t.Errorf("%d: %q, want %q", ns, cell[0], want)
		}
	}
}
