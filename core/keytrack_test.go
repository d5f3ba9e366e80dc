package core

import (
	"strings"
	"testing"
)

// TestExtractNewRefusesDuplicateNames: a member name twice in one object, at
// any depth and however it is spelled (escapes), is refused with its path;
// the same name in different objects is fine.
func TestExtractNewRefusesDuplicateNames(t *testing.T) {
	const head = `{"event_id":"a","created_at":"2020-01-01T00:00:00Z"`
	refused := map[string]string{
		head + `,"event_type":"login","event_type":"logout"}`:                    "event_type",
		head + `,"event_id":"b"}`:                                                "event_id",
		head + `,"raw":{"x":1,"y":{"z":1,"z":2}}}`:                               "raw.y.z",
		head + `,"raw":{"events":[{"a":1},{"b":1,"b":2}]}}`:                      "raw.events.1.b",
		head + `,"raw":{"x":1,"\u0078":2}}`:                                      "raw.x",
		head + `,"user":{"user_email":"a@x","user_email":"b@x"}}`:                "user.user_email",
		head + `,"extra":{"auth":{"is_suspicious":false,"is_suspicious":true}}}`: "extra.auth.is_suspicious",
		head + `,"raw":[[{"k":1,"k":1}]]}`:                                       "raw.0.0.k",
		head + `,"raw":{` + manyMembers(100) + `,"m7":0}}`:                       "raw.m7",
	}
	var x FieldExtractor
	for in, path := range refused {
		_, err := x.ExtractNew([]byte(in))
		want := `member name "` + path + `" appears twice in one object`
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ExtractNew(%.80s): %v, want %q", in, err, want)
		}
		// Stored events are read as they are.
		if _, err := x.Extract([]byte(in)); err != nil {
			t.Errorf("Extract(%.80s): %v", in, err)
		}
	}
	for _, in := range []string{
		head + `,"raw":{"x":1,"y":{"x":1}},"x":{"x":[{"x":1},{"x":2}]}}`,
		head + `,"raw":{` + manyMembers(100) + `}}`,
		head + `,"a":{},"b":[],"c":[{},{}]}`,
	} {
		if _, err := x.ExtractNew([]byte(in)); err != nil {
			t.Errorf("ExtractNew(%.80s): %v", in, err)
		}
	}
}

func manyMembers(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"m` + string(rune('0'+i/10%10)) + string(rune('0'+i%10)) + `":0`)
	}
	return strings.ReplaceAll(b.String(), `"m0`, `"m`)
}
