package query

// AuditSchema is the document an audit entry is filtered as: created_at is
// the time of the action, so the JSON filter's time aliases work here too.
var AuditSchema = NewSchema([]FieldSpec{
	{Path: "created_at", Type: TypeTime, Words: "time"},
	{Path: "user", Type: TypeString},
	{Path: "action", Type: TypeString},
	{Path: "from", Type: TypeString},
	{Path: "target", Type: TypeString},
	{Path: "filter", Type: TypeString},
	{Path: "rows", Type: TypeNumber},
}, "detail")

// ConsumptionSchema is one day of ingest counters for one vendor service;
// created_at is the start of the day (UTC).
var ConsumptionSchema = NewSchema([]FieldSpec{
	{Path: "created_at", Type: TypeTime, Words: "time"},
	{Path: "day", Type: TypeString},
	{Path: "vendor", Type: TypeString},
	{Path: "service", Type: TypeString},
	{Path: "events", Type: TypeNumber},
	{Path: "bytes", Type: TypeNumber},
})
