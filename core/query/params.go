package query

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ParseCloudlockParams maps the filters of Cloudlock's GET /activities (seed
// 003) to a Filter:
//
//	parameter      term
//	event_type     event_type.eq(v), or event_type.in(v1,v2,...) for a comma list
//	ids            event_id.in(id1,id2,...)  (ids contain "#" and ":")
//	created_after  created_at.gt(v); v is a date (2006-01-02) or RFC 3339
//	filter         the DSL, ANDed after the terms above
//
// Terms come out in the order of the table. Comma lists skip empty items and
// an empty parameter is ignored; a repeated parameter adds its values. Other
// parameters (limit, offset, ...) are ignored. Errors are *ParamError; a
// syntax error in filter keeps its position in Msg and is reachable with
// errors.As.
func ParseCloudlockParams(v url.Values) (Filter, error) {
	var f Filter
	add := func(field string, op Op, args ...string) {
		f.Terms = append(f.Terms, Term{Field: field, Op: op, Args: args, Pos: -1})
	}
	if types := listParam(v, "event_type"); len(types) == 1 {
		add("event_type", OpEq, types...)
	} else if len(types) > 1 {
		add("event_type", OpIn, types...)
	}
	if ids := listParam(v, "ids"); len(ids) > 0 {
		add("event_id", OpIn, ids...)
	}
	for _, ca := range v["created_after"] {
		ca = strings.TrimSpace(ca)
		if ca == "" {
			continue
		}
		if _, form, ok := parseTime(ca); !ok || form == formLocal {
			return Filter{}, &ParamError{Param: "created_after", Msg: "expected a date (2006-01-02) or an RFC 3339 time, found " + strconv.Quote(ca)}
		}
		add("created_at", OpGt, ca)
	}
	for _, dsl := range v["filter"] {
		g, err := ParseDSL(dsl)
		if err != nil {
			msg := err.Error()
			var se *SyntaxError
			if errors.As(err, &se) {
				msg = se.detail()
			}
			return Filter{}, &ParamError{Param: "filter", Msg: msg, err: err}
		}
		f = f.And(g)
	}
	return f, nil
}

// listParam splits every value of a parameter on commas, trims the items and
// drops empty ones.
func listParam(v url.Values, name string) []string {
	var out []string
	for _, s := range v[name] {
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// singleParam returns the one trimmed value of a parameter ("" when absent
// or empty); a parameter given twice with different values is an error.
func singleParam(v url.Values, name string) (string, error) {
	val := ""
	for _, s := range v[name] {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if val != "" && s != val {
			return "", &ParamError{Param: name, Msg: "given more than once with different values"}
		}
		val = s
	}
	return val, nil
}

// maxMillis keeps a millisecond timestamp within int64 Unix nanoseconds.
const maxMillis = 9223372036854

// ParseHSSParams maps the filters of Huawei HSS POST /v5/{project_id}/event/export
// (seed 002) to a Filter:
//
//	parameter        term
//	last_days        created_at.ge(-Nd); N a positive integer; mutually
//	                 exclusive with begin_time and end_time
//	begin_time       created_at.ge(<RFC 3339>); milliseconds since the epoch
//	end_time         created_at.le(<RFC 3339>); milliseconds since the epoch,
//	                 not before begin_time
//	private_ip       client_ip.eq(v)
//	public_ip        client_ip.eq(v)
//	event_name       event_type.eq(v)
//	category         event_category.eq(v)
//	event_id_list    event_id.in(id1,id2,...)  (comma list or repeated)
//	handle_status    unhandled -> triage.state.eq(new);
//	                 handled   -> triage.state.in(reviewed,dismissed,escalated)
//
// Terms come out in the order of the table; empty parameters are ignored and
// other parameters (limit, offset, severity, host_name, ...) are ignored.
// Errors are *ParamError.
func ParseHSSParams(v url.Values) (Filter, error) {
	var f Filter
	add := func(field string, op Op, args ...string) {
		f.Terms = append(f.Terms, Term{Field: field, Op: op, Args: args, Pos: -1})
	}
	var vals [5]string
	for i, name := range [...]string{"last_days", "begin_time", "end_time", "event_name", "category"} {
		s, err := singleParam(v, name)
		if err != nil {
			return Filter{}, err
		}
		vals[i] = s
	}
	lastDays, begin, end, eventName, category := vals[0], vals[1], vals[2], vals[3], vals[4]

	if lastDays != "" && (begin != "" || end != "") {
		return Filter{}, &ParamError{Param: "last_days", Msg: "last_days is mutually exclusive with begin_time/end_time"}
	}
	if lastDays != "" {
		n, err := strconv.ParseInt(lastDays, 10, 64)
		if err != nil || n <= 0 || n > maxMillis/86400000 {
			return Filter{}, &ParamError{Param: "last_days", Msg: "expected a positive number of days, found " + strconv.Quote(lastDays)}
		}
		add("created_at", OpGe, "-"+strconv.FormatInt(n, 10)+"d")
	}
	millis := func(name, s string) (int64, error) {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil || ms < 0 || ms > maxMillis {
			return 0, &ParamError{Param: name, Msg: "expected milliseconds since the epoch, found " + strconv.Quote(s)}
		}
		return ms, nil
	}
	var beginMs, endMs int64
	var err error
	if begin != "" {
		if beginMs, err = millis("begin_time", begin); err != nil {
			return Filter{}, err
		}
	}
	if end != "" {
		if endMs, err = millis("end_time", end); err != nil {
			return Filter{}, err
		}
	}
	if begin != "" && end != "" && beginMs > endMs {
		return Filter{}, &ParamError{Param: "begin_time", Msg: "begin_time is after end_time"}
	}
	if begin != "" {
		add("created_at", OpGe, time.UnixMilli(beginMs).UTC().Format(time.RFC3339Nano))
	}
	if end != "" {
		add("created_at", OpLe, time.UnixMilli(endMs).UTC().Format(time.RFC3339Nano))
	}
	for _, name := range [...]string{"private_ip", "public_ip"} {
		ip, err := singleParam(v, name)
		if err != nil {
			return Filter{}, err
		}
		if ip != "" {
			add("client_ip", OpEq, ip)
		}
	}
	if eventName != "" {
		add("event_type", OpEq, eventName)
	}
	if category != "" {
		add("event_category", OpEq, category)
	}
	if ids := listParam(v, "event_id_list"); len(ids) > 0 {
		add("event_id", OpIn, ids...)
	}
	hs, err := singleParam(v, "handle_status")
	if err != nil {
		return Filter{}, err
	}
	switch hs {
	case "":
	case "unhandled":
		add("triage.state", OpEq, "new")
	case "handled":
		add("triage.state", OpIn, "reviewed", "dismissed", "escalated")
	default:
		return Filter{}, &ParamError{Param: "handle_status", Msg: `expected "unhandled" or "handled", found ` + strconv.Quote(hs)}
	}
	return f, nil
}
