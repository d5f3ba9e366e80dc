package query

import (
	"errors"
	"net/url"
	"testing"
)

func mustQuery(t *testing.T, q string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", q, err)
	}
	return v
}

func TestParseCloudlockParams(t *testing.T) {
	tests := []struct{ q, want string }{
		{"", ""},
		{"limit=3&offset=0", ""},
		{"event_type=user_settings", "event_type.eq(user_settings)"},
		{"event_type=login,user_settings", "event_type.in(login,user_settings)"},
		{"event_type=login&event_type=other", "event_type.in(login,other)"},
		{"event_type=", ""},
		{"event_type=login,,", "event_type.eq(login)"},
		{"ids=google:auth:-1595373817266362937%230,aws:CloudTrail:d891a0e2-4aaa-4cea-b237-da3d103ccbef",
			"event_id.in(google:auth:-1595373817266362937#0,aws:CloudTrail:d891a0e2-4aaa-4cea-b237-da3d103ccbef)"},
		{"ids=-6285966971996490902%230", "event_id.in(-6285966971996490902#0)"},
		{"created_after=2016-01-01", "created_at.gt(2016-01-01)"},
		{"created_after=2016-01-01T10:00:00Z", "created_at.gt(2016-01-01T10:00:00Z)"},
		{"created_after=2016-01-01T10:00:00%2B02:00", "created_at.gt(2016-01-01T10:00:00+02:00)"},
		{"filter=vendor.name.eq(google)&created_after=2016-01-01&event_type=login&limit=10",
			"event_type.eq(login),created_at.gt(2016-01-01),vendor.name.eq(google)"},
		{"filter=" + url.QueryEscape("raw.actor.email.icontains(a%2Cb), !operation_successful"),
			"raw.actor.email.icontains(a%2Cb),!operation_successful"},
	}
	for _, tt := range tests {
		f, err := ParseCloudlockParams(mustQuery(t, tt.q))
		if err != nil {
			t.Errorf("ParseCloudlockParams(%s): %v", tt.q, err)
			continue
		}
		if got := f.String(); got != tt.want {
			t.Errorf("ParseCloudlockParams(%s) = %s, want %s", tt.q, got, tt.want)
		}
		if _, err := Compile(f, ActivitySchema, testNow); err != nil {
			t.Errorf("ParseCloudlockParams(%s) does not compile: %v", tt.q, err)
		}
	}
}

func TestParseCloudlockParamsInvalid(t *testing.T) {
	tests := []struct{ q, param, msg string }{
		{"created_after=yesterday", "created_after", `expected a date (2006-01-02) or an RFC 3339 time, years 0000 to 9999, found "yesterday"`},
		{"created_after=2016-01-01T10:00:00", "created_after", `expected a date (2006-01-02) or an RFC 3339 time, years 0000 to 9999, found "2016-01-01T10:00:00"`},
		{"created_after=2016-02-30", "created_after", `expected a date (2006-01-02) or an RFC 3339 time, years 0000 to 9999, found "2016-02-30"`},
		{"filter=a.eq(", "filter", `at position 5: expected an argument, found end of input`},
		{"event_type=login&filter=" + url.QueryEscape("event_type.eq(x),,"), "filter", `at position 17: expected a term, found ","`},
	}
	for _, tt := range tests {
		_, err := ParseCloudlockParams(mustQuery(t, tt.q))
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != tt.param || pe.Msg != tt.msg {
			t.Errorf("ParseCloudlockParams(%s) = %v, want parameter %q: %s", tt.q, err, tt.param, tt.msg)
		}
	}
	_, err := ParseCloudlockParams(mustQuery(t, "filter=a.eq("))
	if want := `parameter "filter": at position 5: expected an argument, found end of input`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	var se *SyntaxError
	if !errors.As(err, &se) || se.Pos != 5 {
		t.Errorf("the filter's SyntaxError should be reachable with errors.As, got %v", se)
	}
}

func TestParseHSSParams(t *testing.T) {
	tests := []struct{ q, want string }{
		{"", ""},
		{"severity=high&limit=10&offset=0&host_name=web1&enterprise_project_id=all_granted_eps", ""},
		{"last_days=7", "created_at.ge(-7d)"},
		{"begin_time=1700000000000&end_time=1700086400000", "created_at.ge(2023-11-14T22:13:20Z),created_at.le(2023-11-15T22:13:20Z)"},
		{"begin_time=1700000000123", "created_at.ge(2023-11-14T22:13:20.123Z)"},
		{"end_time=0", "created_at.le(1970-01-01T00:00:00Z)"},
		{"begin_time=5&end_time=5", "created_at.ge(1970-01-01T00:00:00.005Z),created_at.le(1970-01-01T00:00:00.005Z)"},
		{"private_ip=10.0.0.1&public_ip=1.2.3.4", "client_ip.eq(10.0.0.1),client_ip.eq(1.2.3.4)"},
		{"event_name=login&category=auth", "event_type.eq(login),event_category.eq(auth)"},
		{"event_id_list=a%231,b&event_id_list=c", "event_id.in(a#1,b,c)"},
		{"handle_status=unhandled", "triage.state.eq(new)"},
		{"handle_status=handled", "triage.state.in(reviewed,dismissed,escalated)"},
		{"last_days=", ""},
		{"last_days=30&category=auth&last_days=30", "created_at.ge(-30d),event_category.eq(auth)"},
		{"handle_status=unhandled&last_days=1&event_name=x%20y", "created_at.ge(-1d),event_type.eq(x%20y),triage.state.eq(new)"},
	}
	for _, tt := range tests {
		f, err := ParseHSSParams(mustQuery(t, tt.q))
		if err != nil {
			t.Errorf("ParseHSSParams(%s): %v", tt.q, err)
			continue
		}
		if got := f.String(); got != tt.want {
			t.Errorf("ParseHSSParams(%s) = %s, want %s", tt.q, got, tt.want)
		}
		if _, err := Compile(f, ActivitySchema, testNow); err != nil {
			t.Errorf("ParseHSSParams(%s) does not compile: %v", tt.q, err)
		}
	}
}

func TestParseHSSParamsInvalid(t *testing.T) {
	tests := []struct{ q, param, msg string }{
		{"last_days=7&begin_time=1700000000000", "last_days", "last_days is mutually exclusive with begin_time/end_time"},
		{"end_time=1700000000000&last_days=7", "last_days", "last_days is mutually exclusive with begin_time/end_time"},
		{"last_days=0", "last_days", `expected a whole number of days, at least 1, found "0"`},
		{"last_days=-3", "last_days", `expected a whole number of days, at least 1, found "-3"`},
		{"last_days=week", "last_days", `expected a whole number of days, at least 1, found "week"`},
		{"last_days=1&last_days=2", "last_days", "given more than once with different values"},
		{"begin_time=abc", "begin_time", `expected a whole number of milliseconds since 1970-01-01T00:00:00Z, found "abc"`},
		{"end_time=1.5", "end_time", `expected a whole number of milliseconds since 1970-01-01T00:00:00Z, found "1.5"`},
		{"begin_time=1700086400000&end_time=1700000000000", "begin_time", "begin_time is after end_time"},
		{"handle_status=open", "handle_status", `expected "unhandled" or "handled", found "open"`},
	}
	for _, tt := range tests {
		_, err := ParseHSSParams(mustQuery(t, tt.q))
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != tt.param || pe.Msg != tt.msg {
			t.Errorf("ParseHSSParams(%s) = %v, want parameter %q: %s", tt.q, err, tt.param, tt.msg)
		}
	}
	_, err := ParseHSSParams(mustQuery(t, "last_days=7&begin_time=1"))
	if want := `parameter "last_days": last_days is mutually exclusive with begin_time/end_time`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}
