package core

import (
	"cmp"
	"slices"
	"time"
)

// Batch is one atomic write of events (ActivityStore.WriteBatch).
type Batch struct {
	Records []IngestRecord
	// Usage, when set, is called once before the batch commits, with the
	// records the store is about to write (the last version of each event
	// id in Records; records identical to the stored event left out) and,
	// for each, whether its event id is new to the store. The counters it
	// returns are added to the stored ones (Consumption) in the same
	// atomic write as the events. Ingest passes CountConsumption.
	Usage func(written []IngestRecord, isNew []bool) []ConsumptionRow
}

// CountConsumption is the rule for the ingest counters: each event id
// counts once, when it first arrives (a replayed or updated event was
// counted then), on the UTC day of its created_at, under its vendor and
// service, with the bytes of the version stored.
func CountConsumption(written []IngestRecord, isNew []bool) []ConsumptionRow {
	type key struct {
		day             int64
		vendor, service string
	}
	byDay := map[key]*ConsumptionRow{}
	const dayNs = int64(24 * time.Hour)
	for i := range written {
		if !isNew[i] {
			continue
		}
		f := &written[i].Fields
		d := f.CreatedAt / dayNs
		if f.CreatedAt < 0 && f.CreatedAt%dayNs != 0 {
			d-- // floor for times before 1970
		}
		k := key{day: d, vendor: f.VendorName, service: f.VendorService}
		r := byDay[k]
		if r == nil {
			r = &ConsumptionRow{Day: time.Unix(0, d*dayNs).UTC().Format(time.DateOnly), Vendor: k.vendor, Service: k.service}
			byDay[k] = r
		}
		r.Events++
		r.Bytes += int64(len(written[i].Raw))
	}
	out := make([]ConsumptionRow, 0, len(byDay))
	for _, r := range byDay {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b ConsumptionRow) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Vendor, b.Vendor), cmp.Compare(a.Service, b.Service))
	})
	return out
}
