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
	var lim paramLimits
	add := func(param, field string, op Op, args ...string) error {
		f.Terms = append(f.Terms, Term{Field: field, Op: op, Args: args, Pos: -1})
		return lim.check(param, f, args)
	}
	var err error
	if types := listParam(v, "event_type"); len(types) == 1 {
		err = add("event_type", "event_type", OpEq, types...)
	} else if len(types) > 1 {
		err = add("event_type", "event_type", OpIn, types...)
	}
	if err != nil {
		return Filter{}, err
	}
	if ids := listParam(v, "ids"); len(ids) > 0 {
		if err := add("ids", "event_id", OpIn, ids...); err != nil {
			return Filter{}, err
		}
	}
	for _, ca := range v["created_after"] {
		ca = strings.TrimSpace(ca)
		if ca == "" {
			continue
		}
		if _, form, ok := parseTime(ca); !ok || form == formLocal {
			return Filter{}, &ParamError{Param: "created_after", Msg: "expected a date (2006-01-02) or an RFC 3339 time, years 0000 to 9999, found " + strconv.Quote(ca)}
		}
		if err := add("created_after", "created_at", OpGt, ca); err != nil {
			return Filter{}, err
		}
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
		for _, t := range g.Terms {
			if err := lim.check("filter", f, t.Args); err != nil {
				return Filter{}, err
			}
		}
	}
	return f, nil
}

// paramLimits applies the filter limits to URL parameters: every parameter
// adds terms to one filter, so the limits hold for the filter they build.
type paramLimits struct{ budget argBudget }

// check is called after each term is added to f, with that term's arguments.
func (l *paramLimits) check(param string, f Filter, args []string) error {
	if len(f.Terms) > MaxTerms {
		return &ParamError{Param: param, Msg: "the parameters make more than " + strconv.Itoa(MaxTerms) + " filter terms; " + limitTerms + " is allowed"}
	}
	if len(args) > MaxArgs {
		return &ParamError{Param: param, Msg: "has " + strconv.Itoa(len(args)) + " values; " + limitArgs + " is allowed"}
	}
	for _, a := range args {
		if !l.budget.add(a) {
			return &ParamError{Param: param, Msg: "the parameters have more than " + strconv.Itoa(MaxArgBytes) + " bytes of filter values; " + limitArgBytes + " is allowed"}
		}
	}
	return nil
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

// hssParamOf names the HSS parameter behind a term's field, for limit errors;
// only event_id_list takes a list, the others give one value each.
var hssParamOf = map[string]string{"event_id": "event_id_list", "client_ip": "private_ip", "event_type": "event_name", "event_category": "category", "created_at": "begin_time"}

// Millisecond timestamps are clamped to the years RFC 3339 can write (0000
// to 9999): no stored event lies outside int64 nanoseconds (1677 to 2262),
// so a bound beyond keeps or drops everything either way.
const (
	minMillis = -62167219200000 // 0000-01-01T00:00:00Z
	maxMillis = 253402300799999 // 9999-12-31T23:59:59.999Z
)

// maxLastDays is more days than int64 nanoseconds span; more change nothing.
const maxLastDays = 1_000_000

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
	var lim paramLimits
	var limErr error
	add := func(field string, op Op, args ...string) {
		f.Terms = append(f.Terms, Term{Field: field, Op: op, Args: args, Pos: -1})
		if err := lim.check(hssParamOf[field], f, args); err != nil && limErr == nil {
			limErr = err
		}
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
		if errors.Is(err, strconv.ErrRange) && lastDays[0] != '-' {
			n, err = maxLastDays, nil
		}
		if err != nil || n <= 0 {
			return Filter{}, &ParamError{Param: "last_days", Msg: "expected a whole number of days, at least 1, found " + strconv.Quote(lastDays)}
		}
		add("created_at", OpGe, "-"+strconv.FormatInt(min(n, maxLastDays), 10)+"d")
	}
	millis := func(name, s string) (int64, error) {
		ms, err := strconv.ParseInt(s, 10, 64)
		if errors.Is(err, strconv.ErrRange) {
			ms, err = maxMillis, nil
			if s[0] == '-' {
				ms = minMillis
			}
		}
		if err != nil {
			return 0, &ParamError{Param: name, Msg: "expected a whole number of milliseconds since 1970-01-01T00:00:00Z, found " + strconv.Quote(s)}
		}
		return min(max(ms, minMillis), maxMillis), nil
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
	if limErr != nil {
		return Filter{}, limErr
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
