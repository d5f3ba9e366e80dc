package query

import (
	"fmt"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

func BenchmarkParseDSL(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDSL(seedFilter); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	f, _ := ParseDSL("event_type.in(login,logout),created_at.ge(-24h),operation_successful,user.user_email.icontains(example)")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(f, ActivitySchema, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

func benchMatchJSON(b *testing.B, dsl string) {
	c := mustCompile(b, dsl)
	var p fastjson.Parser
	doc, err := p.Parse(sampleDoc)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.MatchJSON(doc)
	}
}

func BenchmarkMatchJSON(b *testing.B) {
	b.Run("typical", func(b *testing.B) {
		benchMatchJSON(b, "event_type.in(login,logout),created_at.ge(-24h),operation_successful,client_location.country.code.eq(GB),triage.state.eq(new)")
	})
	b.Run("raw-array", func(b *testing.B) { benchMatchJSON(b, "raw.events.parameters.value.eq(google_password)") })
	b.Run("raw-contains-object", func(b *testing.B) { benchMatchJSON(b, "raw.icontains(GOOGLE_PASSWORD)") })
	b.Run("number-text", func(b *testing.B) { benchMatchJSON(b, "raw.count.contains(5)") })
}

func BenchmarkMatchString(b *testing.B) {
	c := mustCompile(b, "event_type.in(login,logout),created_at.ge(-24h),user.user_email.icontains(EXAMPLE)")
	eq, tm, ic := c.Preds[0], c.Preds[1], c.Preds[2]
	b.Run("eq", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			eq.MatchString("logout")
		}
	})
	b.Run("time", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tm.MatchString("2018-06-23T15:18:09.000Z")
		}
	})
	b.Run("icontains", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ic.MatchString("alice.liddell@example.com")
		}
	})
}

// manyNeedles is a filter of n arguments none of which occurs in sampleDoc,
// the worst case for contains and icontains: every argument is searched for
// in every leaf.
func manyNeedles(op string, n int) string {
	var b strings.Builder
	b.WriteString("raw." + op + "(")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "Needle%04dx", i)
	}
	b.WriteString(")")
	return b.String()
}

func BenchmarkMatchManyNeedles(b *testing.B) {
	for _, op := range []string{"contains", "icontains"} {
		for _, n := range []int{3, 16, 256} {
			b.Run(fmt.Sprintf("%s-%d", op, n), func(b *testing.B) { benchMatchJSON(b, manyNeedles(op, n)) })
		}
	}
}
