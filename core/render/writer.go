package render

import (
	"time"
)

// Bucket is one bar of a report's histogram: events from Start until the
// next bucket's Start (or the window end).
type Bucket struct {
	Start time.Time
	Count int64
}

// SummaryItem is one labelled figure of a report's summary block.
type SummaryItem struct {
	Label string
	Value string
}

// ReportMeta is what a report file says about itself before its rows.
type ReportMeta struct {
	Title       string
	Filter      string    // the filter in the DSL, as the user wrote it
	WindowStart time.Time // resolved absolute window; zero when unbounded
	WindowEnd   time.Time
	GeneratedAt time.Time
	Columns     []Column
	Total       int64 // rows that will follow (record_total_num)
	// RowLimit > 0 when the user capped the rows and the cap cut the result;
	// writers state it so a cut is never silent.
	RowLimit  int64
	Histogram []Bucket
	Summary   []SummaryItem
}

// Row is one output row: its cells in column order and, for activity
// exports, the stored item (with triage) that the JSON formats write whole.
type Row struct {
	Cells []string
	JSON  []byte // nil for grouped rows: JSON formats then write an object of the cells by column label
}

// Writer streams one report file: Begin, then Row for each row, then End.
// Writers never hold the rows; End flushes, the caller closes the file.
type Writer interface {
	Begin(meta ReportMeta) error
	Row(r Row) error
	End() error
}

// Formats lists the output formats NewWriter knows, in the order shown to users.
var Formats = []string{"csv", "ndjson", "json", "html", "pdf", "xlsx"}
