package core_test

import (
	"slices"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
)

func TestCountConsumption(t *testing.T) {
	at := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixNano()
	}
	rec := func(created, vendor, service, raw string) core.IngestRecord {
		return core.IngestRecord{Fields: core.ActivityFields{CreatedAt: at(created), VendorName: vendor, VendorService: service}, Raw: []byte(raw)}
	}
	written := []core.IngestRecord{
		rec("2026-10-02T23:59:59.999Z", "google", "drive", "12345"),
		rec("2026-10-02T00:00:00Z", "google", "drive", "123"),
		rec("2026-10-02T10:00:00Z", "google", "gmail", "1"),
		rec("2026-10-03T00:00:00Z", "google", "drive", "1234567"), // updated: not counted
		rec("1969-12-31T23:00:00Z", "box", "", "12"),              // before 1970: the day before
		rec("2026-10-01T00:00:00Z", "box", "", "xx"),
	}
	isNew := []bool{true, true, true, false, true, true}
	got := core.CountConsumption(written, isNew)
	want := []core.ConsumptionRow{
		{Day: "1969-12-31", Vendor: "box", Events: 1, Bytes: 2},
		{Day: "2026-10-01", Vendor: "box", Events: 1, Bytes: 2},
		{Day: "2026-10-02", Vendor: "google", Service: "drive", Events: 2, Bytes: 8},
		{Day: "2026-10-02", Vendor: "google", Service: "gmail", Events: 1, Bytes: 1},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("CountConsumption\n got  %+v\n want %+v", got, want)
	}
	if got := core.CountConsumption(written[3:4], isNew[3:4]); len(got) != 0 {
		t.Fatalf("an updated event counted: %+v", got)
	}
}
