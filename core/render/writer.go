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
	// FilterWords is Filter in plain English (query.Describe) for readers
	// who do not read the DSL; html, pdf and xlsx show both.
	FilterWords string
	// Location is the zone html, pdf and xlsx show times in (the
	// subscription's or the user's); nil keeps RFC 3339 UTC. CSV and the
	// JSON formats always write UTC.
	Location *time.Location
	// Tops are the summary's ranked lists (top users, top countries).
	Tops []TopList
	// GroupChart ranks the largest groups of a grouped report; html and pdf
	// draw it as a bar chart where an activity report has its histogram.
	GroupChart *TopList
}

// TopList is a ranked list of a report's summary, largest first.
type TopList struct {
	Title string    // "Top users"
	Unit  string    // what Count counts: "events"
	Items []TopItem // at most a handful
	// Approx: the counts are upper bounds, because more distinct values
	// were seen than the bounded counter keeps (each is at most Slack over).
	Approx bool
	Slack  int64
}

// TopItem is one entry of a TopList.
type TopItem struct {
	Label string
	Count int64
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
