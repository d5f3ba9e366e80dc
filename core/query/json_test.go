package query

import (
	"errors"
	"strings"
	"testing"
)

func TestParseJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, ``},
		{"  \n ", ``},
		{`{}`, ``},
		{` { } `, ``},
		// The seed's examples.
		{`{"activity_start_timestamp":{"$eq":86400}}`, `created_at.ge(-86400s)`},
		{`{"timestamp":{"$gte":"2022-07-27T14:35:33.735Z","$lte":"2022-08-03T14:35:33.735Z"}}`,
			`created_at.ge(2022-07-27T14:35:33.735Z),created_at.le(2022-08-03T14:35:33.735Z)`},
		{`{"organizational_unit_id":{"$in":["00000000-0000-0000-0000-000000000000"]}}`, `organizational_unit_id.in(00000000-0000-0000-0000-000000000000)`},
		{`{"entity_type":{"$in":["LocalProtectionGroup, DynamoDB"]}}`, `entity_type.in(LocalProtectionGroup%2C%20DynamoDB)`},
		{`{"task":{"$in":["ebs_incremental_backup"]}}`, `task.in(ebs_incremental_backup)`},
		{`{"status":{"$in":["success"]}}`, `operation_successful.eq(true)`},
		{`{"primary_entity.id":{"$in":["9c2934fc-ff4d-11e9-8e11-76706df7fe01"]}}`, `primary_entity.id.in(9c2934fc-ff4d-11e9-8e11-76706df7fe01)`},
		{`{"primary_entity.type":{"$in":["aws_ebs_volume"]}}`, `primary_entity.type.in(aws_ebs_volume)`},
		{`{"primary_entity.value":{"$in":["vol-0a"]}}`, `primary_entity.value.contains(vol-0a)`},
		{`{"parent_entity.value":{"$in":["891106093485/","us-west"]}}`, `parent_entity.value.contains(891106093485/,us-west)`},
		{`{"primary_entity.value":{"$eq":"vol-0a5f2e52d6decd664"}}`, `primary_entity.value.eq(vol-0a5f2e52d6decd664)`},
		// $eq on the time axis wins over the absolute bounds, in any order and across both aliases.
		{`{"activity_start_timestamp":{"$gte":"2022-07-27T14:35:33.735Z","$eq":86400,"$lt":"2022-08-03T00:00:00Z"}}`, `created_at.ge(-86400s)`},
		{`{"timestamp":{"$gte":"2022-07-27T14:35:33Z"},"event_type":"login","activity_start_timestamp":{"$eq":"3600"}}`, `event_type.eq(login),created_at.ge(-3600s)`},
		{`{"timestamp":3600}`, `created_at.ge(-3600s)`},
		{`{"timestamp":{"$eq":8.64e4}}`, `created_at.ge(-86400s)`},
		{`{"timestamp":{"$gt":"2022-07-27T14:35:33+02:00","$lt":"2022-07-28T00:00:00Z"}}`, `created_at.gt(2022-07-27T14:35:33+02:00),created_at.lt(2022-07-28T00:00:00Z)`},
		// status
		{`{"status":{"$in":["failed","aborted"]}}`, `operation_successful.eq(false)`},
		{`{"status":{"$in":["success","failed","aborted"]}}`, `operation_successful.in(true,false)`},
		{`{"status":"Failed"}`, `operation_successful.eq(false)`},
		{`{"status":{"$ne":"success"}}`, `operation_successful.ne(true)`},
		// scalars, operators, order of the text
		{`{"b":1.50,"a":-0.0,"c":1e3,"d":12345678901234567890,"e":true,"f":false}`, `b.eq(1.5),a.eq(-0),c.eq(1000),d.eq(12345678901234567890),e.eq(true),f.eq(false)`},
		{`{"f":null,"g":{"$ne":null},"h":{"$eq":null}}`, `f.isnull(),!g.isnull(),h.isnull()`},
		{`{"h":{"$gt":5,"$lte":10}}`, `h.gt(5),h.le(10)`},
		{`{"x":{"$lt":"b","$gte":"a","$ne":"c"}}`, `x.lt(b),x.ge(a),x.ne(c)`},
		{"  {\n \"x\" : { \"$eq\" : \"y\" } ,\t\"y.z\":{\"$in\":[1,\"x\",true]} }  ", `x.eq(y),y.z.in(1,x,true)`},
		{`{"a":"caf\u00e9 \"q\", (x)"}`, `a.eq(café%20"q"%2C%20%28x%29)`},
		{`{"a":"x","a":"y"}`, `a.eq(x),a.eq(y)`},
		{`{"raw.actor.email":{"$in":["a@b.c"]}}`, `raw.actor.email.in(a@b.c)`},
	}
	for _, tt := range tests {
		f, err := ParseJSON(tt.in)
		if err != nil {
			t.Errorf("ParseJSON(%s): %v", tt.in, err)
			continue
		}
		if got := f.String(); got != tt.want {
			t.Errorf("ParseJSON(%s) = %s, want %s", tt.in, got, tt.want)
		}
		for _, term := range f.Terms {
			if term.Pos != -1 {
				t.Errorf("ParseJSON(%s): term Pos %d, want -1", tt.in, term.Pos)
			}
		}
		g, err := ParseDSL(f.String())
		if err != nil || !g.Equal(f) {
			t.Errorf("ParseJSON(%s): DSL round trip failed: %v", tt.in, err)
		}
	}
}

func TestParseJSONInvalid(t *testing.T) {
	tests := []struct {
		in       string
		pos      int
		expected string
	}{
		{`[]`, 0, `"{"`},
		{`"x"`, 0, `"{"`},
		{`  1`, 2, `"{"`},
		{`{"a":{"$foo":1}}`, 6, "one of $eq, $ne, $gt, $gte, $lt, $lte, $in"},
		{`{"h":{"$gt":5,"$ge":0}}`, 14, "one of $eq"},
		{`{"a":{"$in":[]}}`, 13, "at least one value"},
		{`{"a":{"$in":"x"}}`, 12, "an array"},
		{`{"a":{"$in":[[1]]}}`, 13, "a string, number or boolean"},
		{`{"a":{"$in":[null]}}`, 13, "a string, number or boolean"},
		{`{"a":{"$in":[1 2]}}`, 15, `"," or "]"`},
		{`{"a":{}}`, 6, "an operator"},
		{`{"a":[1]}`, 5, "an object of operators or a value"},
		{`{"a":{"$eq":{}}}`, 12, "a string, number, boolean or null"},
		{`{"a":{"$gt":null}}`, 12, "a string, number or boolean"},
		{`{"timestamp":{"$gte":"2022-07-27"}}`, 21, "an RFC 3339 timestamp"},
		{`{"timestamp":{"$gte":"2022-07-27T14:35:33"}}`, 21, "an RFC 3339 timestamp"},
		{`{"timestamp":{"$gte":12}}`, 21, "an RFC 3339 timestamp"},
		{`{"timestamp":{"$eq":0}}`, 20, "a whole number of seconds, at least 1"},
		{`{"timestamp":{"$eq":-5}}`, 20, "a whole number of seconds, at least 1"},
		{`{"timestamp":{"$eq":1.5}}`, 20, "a whole number of seconds, at least 1"},
		{`{"timestamp":{"$eq":"soon"}}`, 20, "a whole number of seconds, at least 1"},
		{`{"activity_start_timestamp":{"$in":[1]}}`, 29, "one of $eq, $gt, $gte, $lt, $lte"},
		{`{"status":{"$in":["ok"]}}`, 18, `"success", "failed" or "aborted"`},
		{`{"status":{"$gt":"success"}}`, 11, "one of $eq, $ne, $in"},
		{`{"a b":1}`, 1, "a field name"},
		{`{"":1}`, 1, "a field name"},
		{`{"a.":1}`, 1, "a field name"},
		{`{"a":""}`, 5, "a non-empty string"},
		{`{"a":{"$in":["x",""]}}`, 17, "a non-empty string"},
		{`{"a":1,}`, 7, "a field name string"},
		{`{"a":1`, 6, `"," or "}"`},
		{`{"a"`, 4, `":"`},
		{`{"a" 1}`, 5, `":"`},
		{`{"a":1}x`, 7, "end of input"},
		{`{"a":1} {}`, 8, "end of input"},
		{`{"a":tru}`, 5, "a JSON value"},
		{`{"a":01}`, 6, `"," or "}"`},
		{`{"a":1.}`, 7, `a digit after "."`},
		{`{"a":1e}`, 7, "a digit in the exponent"},
		{`{"a":-}`, 6, "a digit"},
		{`{"a":"x`, 7, `a closing "\""`},
		{`{"a":"x\q"}`, 8, `one of " \ / b f n r t u`},
		{`{"a":"\u12G4"}`, 10, "four hex digits"},
		{"{\"a\":\"x\x01\"}", 7, "control characters"},
		{`{"a":1e999}`, 5, "a number in the float64 range"},
		{`{1:2}`, 1, "a field name string"},
	}
	for _, tt := range tests {
		_, err := ParseJSON(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseJSON(%s): error %v, want *SyntaxError", tt.in, err)
			continue
		}
		if se.Pos != tt.pos || !strings.Contains(se.Expected, tt.expected) {
			t.Errorf("ParseJSON(%s) = pos %d expected %s found %s; want pos %d expected ~%s", tt.in, se.Pos, se.Expected, se.Found, tt.pos, tt.expected)
		}
	}
}

func TestParseJSONCompiles(t *testing.T) {
	f, err := ParseJSON(`{"activity_start_timestamp":{"$eq":86400},"status":"success","event_type":{"$in":["login","logout"]},"raw.events.parameters.value":{"$in":["google_"]}}`)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compile(f, ActivitySchema, testNow)
	if err != nil {
		t.Fatalf("Compile(%s): %v", f, err)
	}
	if !c.MatchJSON(parseDoc(t, sampleDoc)) {
		t.Errorf("%s should match the sample document", f)
	}
}
