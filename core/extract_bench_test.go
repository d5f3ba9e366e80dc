package core

import (
	"testing"

	"github.com/valyala/fastjson"
)

func benchLines(b *testing.B) ([][]byte, int64) {
	lines := ndjsonLines(b)
	var n int64
	for _, l := range lines {
		n += int64(len(l))
	}
	return lines, n
}

// BenchmarkExtract validates every line of testdata/activities.ndjson and
// pulls out its column fields, as ingest does.
func BenchmarkExtract(b *testing.B) {
	lines, n := benchLines(b)
	var x FieldExtractor
	for _, l := range lines {
		if _, err := x.Extract(l); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			if _, err := x.Extract(l); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkFastjsonParse is the comparison point: fastjson parsing the same
// lines into its tree ("parse", which checks structure but not the contents
// of strings), also reading the same fields from it ("fields"), and its
// full RFC 8259 validator ("validate", the work Extract also does).
func BenchmarkFastjsonParse(b *testing.B) {
	lines, n := benchLines(b)
	b.Run("validate", func(b *testing.B) {
		b.SetBytes(n)
		b.ReportAllocs()
		for b.Loop() {
			for _, l := range lines {
				if err := fastjson.ValidateBytes(l); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("parse", func(b *testing.B) {
		var p fastjson.Parser
		b.SetBytes(n)
		b.ReportAllocs()
		for b.Loop() {
			for _, l := range lines {
				if _, err := p.ParseBytes(l); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("fields", func(b *testing.B) {
		var p fastjson.Parser
		var f ActivityFields
		b.SetBytes(n)
		b.ReportAllocs()
		for b.Loop() {
			for _, l := range lines {
				v, err := p.ParseBytes(l)
				if err != nil {
					b.Fatal(err)
				}
				f.EventID = string(v.GetStringBytes("event_id"))
				if f.CreatedAt, _ = ParseTimestamp(v.GetStringBytes("created_at")); f.CreatedAt == 0 {
					b.Fatal("no created_at")
				}
				f.EventType = string(v.GetStringBytes("event_type"))
				f.ClientIP = string(v.GetStringBytes("client_ip"))
				f.UserEmail = string(v.GetStringBytes("user", "user_email"))
				f.VendorName = string(v.GetStringBytes("vendor", "name"))
				f.VendorService = string(v.GetStringBytes("vendor", "service"))
				f.Country = string(v.GetStringBytes("client_location", "country", "code"))
				f.Successful = fastTri(v.Get("operation_successful"))
				f.Suspicious = fastTri(v.Get("extra", "auth", "is_suspicious"))
			}
		}
	})
}

func fastTri(v *fastjson.Value) Tri {
	if v == nil {
		return TriNull
	}
	switch v.Type() {
	case fastjson.TypeTrue:
		return TriTrue
	case fastjson.TypeFalse:
		return TriFalse
	}
	return TriNull
}

// BenchmarkExtractNew is Extract with the checks of new events: duplicate
// member names refused and field paths collected.
func BenchmarkExtractNew(b *testing.B) {
	lines, n := benchLines(b)
	var x FieldExtractor
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			if _, err := x.ExtractNew(l); err != nil {
				b.Fatal(err)
			}
		}
	}
}
