package synthetic

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

var testEnd = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func generate(t testing.TB, o Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, o); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func lines(b []byte) [][]byte {
	ls := bytes.Split(b, []byte{'\n'})
	if len(ls) > 0 && len(ls[len(ls)-1]) == 0 {
		ls = ls[:len(ls)-1]
	}
	return ls
}

func TestDeterministic(t *testing.T) {
	o := Options{Events: 30000, Seed: 42, End: testEnd, Days: 30, Users: 700}
	a := generate(t, o)
	b := generate(t, o)
	if !bytes.Equal(a, b) {
		t.Fatal("same options gave different output")
	}
	// Independent of the number of goroutines.
	prev := runtime.GOMAXPROCS(1)
	c := generate(t, o)
	runtime.GOMAXPROCS(prev)
	if !bytes.Equal(a, c) {
		t.Fatal("output depends on GOMAXPROCS")
	}
	// A prefix of the events is not a prefix of the output (the window is
	// spread over all events), but the count is exact.
	if n := len(lines(a)); n != o.Events {
		t.Fatalf("got %d lines, want %d", n, o.Events)
	}
	for _, o2 := range []Options{
		{Events: o.Events, Seed: 43, End: o.End, Days: o.Days, Users: o.Users},
		{Events: o.Events, Seed: o.Seed, End: o.End.Add(time.Hour), Days: o.Days, Users: o.Users},
		{Events: o.Events, Seed: o.Seed, End: o.End, Days: o.Days, Users: o.Users + 1},
	} {
		if bytes.Equal(a, generate(t, o2)) {
			t.Fatalf("options %+v gave the same output as %+v", o2, o)
		}
	}
}

func TestSmallAndEdgeOptions(t *testing.T) {
	if b := generate(t, Options{Events: 0, Seed: 1, End: testEnd}); len(b) != 0 {
		t.Fatalf("Events 0 wrote %d bytes", len(b))
	}
	for _, o := range []Options{
		{Events: 1, Seed: 1, End: testEnd},
		{Events: 5, Seed: 1, End: testEnd, Users: 1, Days: 1},
		{Events: 5000, Seed: -9, End: testEnd.Add(1234567 * time.Microsecond), Users: 3, Days: 2},
		{Events: chunkSize + 1, Seed: 3, End: testEnd, Users: 10, Days: 1},
	} {
		b := generate(t, o)
		ls := lines(b)
		if len(ls) != o.Events {
			t.Fatalf("%+v: %d lines", o, len(ls))
		}
		checkTimes(t, ls, o.withDefaults())
		for _, l := range ls {
			if !json.Valid(l) {
				t.Fatalf("%+v: invalid JSON: %s", o, l)
			}
		}
	}
	// Defaults.
	o := Options{Events: 10}.withDefaults()
	if o.Days != DefaultDays || o.Users != DefaultUsers || o.End.IsZero() || o.End.Second() != 0 {
		t.Fatalf("defaults: %+v", o)
	}
}

func checkTimes(t *testing.T, ls [][]byte, o Options) {
	t.Helper()
	start := o.End.Add(-time.Duration(o.Days) * 24 * time.Hour)
	var prev time.Time
	for i, l := range ls {
		var e struct {
			CreatedAt string `json:"created_at"`
		}
		if err := json.Unmarshal(l, &e); err != nil {
			t.Fatal(err)
		}
		ts, err := time.Parse("2006-01-02T15:04:05.000Z", e.CreatedAt)
		if err != nil {
			t.Fatalf("line %d: created_at %q: %v", i+1, e.CreatedAt, err)
		}
		if !ts.After(start) || ts.After(o.End) {
			t.Fatalf("line %d: created_at %s outside (%s, %s]", i+1, ts, start, o.End)
		}
		if ts.Before(prev) {
			t.Fatalf("line %d: created_at %s before previous %s", i+1, ts, prev)
		}
		prev = ts
	}
}

// The seed's key order, top level and nested.
var (
	topKeys      = []string{"event_id", "client_ip", "event_type", "created_at", "operation_successful", "client_location", "event_category", "origin_id", "user", "user_agent", "vendor", "extra", "raw"}
	locKeys      = []string{"lat", "lng", "country", "region", "city"}
	codeNameKeys = []string{"code", "name"}
	userKeys     = []string{"vendor_id", "user_email"}
	vendorKeys   = []string{"name", "service"}
	authKeys     = []string{"auth_type", "is_suspicious"}
)

// keysInOrder returns the keys of a JSON object in document order.
func keysInOrder(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(raw))
	tok, err := d.Token()
	if err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
	for d.More() {
		k, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// checkKeyOrder checks the seed's keys and their order, top level and nested.
func checkKeyOrder(t *testing.T, line int, l []byte) {
	t.Helper()
	if k := keysInOrder(t, l); !slices.Equal(k, topKeys) {
		t.Fatalf("line %d: keys %v, want %v", line, k, topKeys)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(l, &top); err != nil {
		t.Fatal(err)
	}
	var loc, extra map[string]json.RawMessage
	json.Unmarshal(top["client_location"], &loc)
	json.Unmarshal(top["extra"], &extra)
	for _, c := range []struct {
		raw  json.RawMessage
		want []string
	}{
		{top["client_location"], locKeys}, {loc["country"], codeNameKeys}, {loc["region"], codeNameKeys},
		{top["user"], userKeys}, {top["vendor"], vendorKeys}, {top["extra"], []string{"auth"}}, {extra["auth"], authKeys},
	} {
		if k := keysInOrder(t, c.raw); !slices.Equal(k, c.want) {
			t.Fatalf("line %d: keys %v, want %v in %s", line, k, c.want, c.raw)
		}
	}
}

type event struct {
	EventID             string  `json:"event_id"`
	ClientIP            string  `json:"client_ip"`
	EventType           string  `json:"event_type"`
	CreatedAt           string  `json:"created_at"`
	OperationSuccessful *bool   `json:"operation_successful"`
	EventCategory       string  `json:"event_category"`
	OriginID            string  `json:"origin_id"`
	UserAgent           *string `json:"user_agent"`
	ClientLocation      struct {
		Lat, Lng *float64
		Country  struct{ Code, Name string }
		Region   struct{ Code, Name *string }
		City     *string
	} `json:"client_location"`
	User struct {
		VendorID  string  `json:"vendor_id"`
		UserEmail *string `json:"user_email"`
	} `json:"user"`
	Vendor struct{ Name, Service string } `json:"vendor"`
	Extra  struct {
		Auth struct {
			AuthType     *string `json:"auth_type"`
			IsSuspicious *bool   `json:"is_suspicious"`
		} `json:"auth"`
	} `json:"extra"`
	Raw map[string]json.RawMessage `json:"raw"`
}

var (
	googleID = regexp.MustCompile(`^google:(auth|drive|admin):(-?[0-9]+)#[0-9]+$`)
	awsID    = regexp.MustCompile(`^aws:CloudTrail:([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$`)
	msID     = regexp.MustCompile(`^microsoft365:([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$`)
	emailRe  = regexp.MustCompile(`^[a-z0-9.'-]+@[a-z0-9.-]+\.[a-z]+$`)
)

var rawKeys = map[string][]string{
	"google":       {"kind", "actor", "id", "etag", "ipAddress", "events"},
	"aws":          {"eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent", "requestParameters", "responseElements", "eventID", "readOnly", "eventType", "managementEvent", "recipientAccountId", "eventCategory"},
	"microsoft365": {"CreationTime", "Id", "Operation", "OrganizationId", "RecordType", "UserKey", "UserType", "Version", "Workload", "ClientIP", "UserId"},
}

var services = map[string][]string{
	"google":       {"auth", "drive", "admin"},
	"aws":          {"CloudTrail", "iam", "s3"},
	"microsoft365": {"AzureActiveDirectory", "Exchange", "SharePoint"},
}

func TestEvents(t *testing.T) {
	o := Options{Events: 40000, Seed: 1, End: testEnd}
	out := generate(t, o)
	ls := lines(out)
	if len(ls) != o.Events {
		t.Fatalf("%d lines", len(ls))
	}
	checkTimes(t, ls, o.withDefaults())

	if avg := len(out) / len(ls); avg < 900 || avg > 1200 {
		t.Errorf("average event size %d bytes, want 900..1200", avg)
	} else {
		t.Logf("average event size %d bytes", avg)
	}
	// Escaping is exercised: non-ASCII letters, apostrophes, quotes, backslashes, \r\n.
	for _, want := range []string{"'", "ö", "é", `\"`, `\\`, `\r\n`, "ł"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output never contains %q", want)
		}
	}

	w := newWorld(o.withDefaults())
	tzOf := map[string]int{}
	for b, us := range w.buckets {
		for _, ui := range us {
			tzOf[w.users[ui].email] = w.bucketTZ[b]
		}
	}
	unusual := map[string]bool{}
	for _, ci := range w.unusual {
		unusual[countries[ci].code] = true
	}

	var (
		ids                                  = map[string]bool{}
		users                                = map[string]bool{}
		ccs                                  = map[string]bool{}
		uas                                  = map[string]bool{}
		svc                                  = map[string]int{}
		logins, failed, susp, suspUnusual    int
		suspOff, loginOff, workHours, events int
		nonLoginSuspicious                   int
		types                                = map[string]int{}
	)
	for i, l := range ls {
		if !json.Valid(l) {
			t.Fatalf("line %d: invalid JSON", i+1)
		}
		if i%8 == 0 {
			checkKeyOrder(t, i+1, l)
		}

		var e event
		if err := json.Unmarshal(l, &e); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if e.OperationSuccessful == nil || e.UserAgent == nil || e.User.UserEmail == nil || e.ClientLocation.Lat == nil ||
			e.ClientLocation.Lng == nil || e.ClientLocation.City == nil || e.ClientLocation.Region.Code == nil || e.Extra.Auth.AuthType == nil {
			t.Fatalf("line %d: missing field: %s", i+1, l)
		}
		if ids[e.EventID] {
			t.Fatalf("line %d: duplicate event_id %s", i+1, e.EventID)
		}
		ids[e.EventID] = true
		var origin string
		switch e.Vendor.Name {
		case "google":
			m := googleID.FindStringSubmatch(e.EventID)
			if m == nil || m[1] != e.Vendor.Service {
				t.Fatalf("line %d: bad google id %q", i+1, e.EventID)
			}
			origin = m[2]
		case "aws":
			m := awsID.FindStringSubmatch(e.EventID)
			if m == nil {
				t.Fatalf("line %d: bad aws id %q", i+1, e.EventID)
			}
			origin = m[1]
		case "microsoft365":
			m := msID.FindStringSubmatch(e.EventID)
			if m == nil {
				t.Fatalf("line %d: bad microsoft365 id %q", i+1, e.EventID)
			}
			origin = m[1]
		default:
			t.Fatalf("line %d: vendor %q", i+1, e.Vendor.Name)
		}
		if origin != e.OriginID {
			t.Fatalf("line %d: origin_id %q, event_id %q", i+1, e.OriginID, e.EventID)
		}
		if !slices.Contains(services[e.Vendor.Name], e.Vendor.Service) {
			t.Fatalf("line %d: service %q for %s", i+1, e.Vendor.Service, e.Vendor.Name)
		}
		for _, k := range rawKeys[e.Vendor.Name] {
			if _, ok := e.Raw[k]; !ok {
				t.Fatalf("line %d: raw lacks %q: %s", i+1, k, l)
			}
		}
		checkRawTime(t, i+1, &e)
		if !emailRe.MatchString(*e.User.UserEmail) {
			t.Fatalf("line %d: email %q", i+1, *e.User.UserEmail)
		}
		if e.ClientIP == "" || e.EventCategory == "" || e.User.VendorID == "" || len(e.ClientLocation.Country.Code) != 2 {
			t.Fatalf("line %d: empty field: %s", i+1, l)
		}
		svc[e.Vendor.Name+"/"+e.Vendor.Service]++
		types[e.EventType]++
		users[*e.User.UserEmail] = true
		ccs[e.ClientLocation.Country.Code] = true
		uas[*e.UserAgent] = true

		ts, _ := time.Parse("2006-01-02T15:04:05.000Z", e.CreatedAt)
		local := ts.Add(time.Duration(tzOf[*e.User.UserEmail]) * 30 * time.Minute)
		off := local.Weekday() == time.Saturday || local.Weekday() == time.Sunday || local.Hour() < 8 || local.Hour() >= 19
		events++
		if !off {
			workHours++
		}
		if e.EventType != "login" {
			if e.Extra.Auth.IsSuspicious != nil {
				nonLoginSuspicious++
			}
			continue
		}
		logins++
		if !*e.OperationSuccessful {
			failed++
		}
		if s := e.Extra.Auth.IsSuspicious; s != nil && *s {
			susp++
			if unusual[e.ClientLocation.Country.Code] {
				suspUnusual++
			}
			if off {
				suspOff++
			}
		} else if off {
			loginOff++
		}
	}
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(b) }
	t.Logf("types %v, logins failed %.2f%%, suspicious %.2f%% (unusual country %.0f%%, off-hours %.0f%% vs %.0f%% of other logins), working hours %.0f%%, users %d, countries %d, user agents %d",
		types, pct(failed, logins), pct(susp, logins), pct(suspUnusual, susp), pct(suspOff, susp), pct(loginOff, logins-susp), pct(workHours, events), len(users), len(ccs), len(uas))
	t.Logf("services %v", svc)

	check := func(name string, v, lo, hi float64) {
		t.Helper()
		if v < lo || v > hi {
			t.Errorf("%s = %.2f, want %.2f..%.2f", name, v, lo, hi)
		}
	}
	check("login %", pct(types["login"], events), 45, 55)
	check("user_settings %", pct(types["user_settings"], events), 3, 10)
	check("other %", pct(types["other"], events), 35, 50)
	check("failed logins %", pct(failed, logins), 6.5, 9.5)
	check("suspicious logins %", pct(susp, logins), 1.0, 2.0)
	check("suspicious from unusual countries %", pct(suspUnusual, susp), 60, 100)
	check("suspicious at off-hours %", pct(suspOff, susp), 70, 100)
	check("other logins at off-hours %", pct(loginOff, logins-susp), 0, 35)
	check("events in working hours %", pct(workHours, events), 65, 100)
	check("distinct users", float64(len(users)), 3000, 5000)
	check("distinct countries", float64(len(ccs)), 35, 45)
	check("distinct user agents", float64(len(uas)), 15, 100)
	if nonLoginSuspicious != 0 {
		t.Errorf("%d non-login events have is_suspicious set", nonLoginSuspicious)
	}
	for v, ss := range services {
		for _, s := range ss {
			if svc[v+"/"+s] < 100 {
				t.Errorf("service %s/%s: only %d events", v, s, svc[v+"/"+s])
			}
		}
	}
}

// checkRawTime checks that the vendor record's own time and ids agree with
// the Cloudlock fields.
func checkRawTime(t *testing.T, line int, e *event) {
	t.Helper()
	str := func(m json.RawMessage) string {
		var s string
		if err := json.Unmarshal(m, &s); err != nil {
			t.Fatalf("line %d: %s: %v", line, m, err)
		}
		return s
	}
	sec := strings.TrimSuffix(e.CreatedAt, ".000Z")
	switch e.Vendor.Name {
	case "google":
		var id struct{ UniqueQualifier, Time string }
		json.Unmarshal(e.Raw["id"], &id)
		if id.Time != e.CreatedAt || id.UniqueQualifier != e.OriginID {
			t.Fatalf("line %d: raw id %+v vs %s %s", line, id, e.CreatedAt, e.OriginID)
		}
		if ip := str(e.Raw["ipAddress"]); ip != e.ClientIP {
			t.Fatalf("line %d: ipAddress %s vs %s", line, ip, e.ClientIP)
		}
	case "aws":
		if str(e.Raw["eventTime"]) != sec+"Z" || str(e.Raw["eventID"]) != e.OriginID || str(e.Raw["sourceIPAddress"]) != e.ClientIP {
			t.Fatalf("line %d: CloudTrail record disagrees", line)
		}
	case "microsoft365":
		if str(e.Raw["CreationTime"]) != sec || str(e.Raw["Id"]) != e.OriginID || str(e.Raw["ClientIP"]) != e.ClientIP || str(e.Raw["UserId"]) != *e.User.UserEmail {
			t.Fatalf("line %d: O365 record disagrees", line)
		}
	}
}

type failWriter struct{ left int }

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.left {
		return 0, errors.New("disk full")
	}
	f.left -= len(p)
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	for _, procs := range []int{1, 4} {
		prev := runtime.GOMAXPROCS(procs)
		err := Write(&failWriter{left: 3 << 20}, Options{Events: 50 * chunkSize, Seed: 1, End: testEnd})
		runtime.GOMAXPROCS(prev)
		if err == nil || err.Error() != "disk full" {
			t.Fatalf("GOMAXPROCS %d: err %v", procs, err)
		}
	}
}

func TestLinesAreNewlineTerminated(t *testing.T) {
	b := generate(t, Options{Events: 100, Seed: 5, End: testEnd})
	if b[len(b)-1] != '\n' || bytes.Count(b, []byte{'\n'}) != 100 {
		t.Fatal("want exactly one '\\n' per event")
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if bytes.ContainsAny(sc.Bytes(), "\r\x00\x1b") {
			t.Fatalf("raw control byte in %s", sc.Bytes())
		}
	}
}

func TestAppendTime(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2000, 2, 29, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 12, 31, 12, 0, 1, 0, time.UTC), time.Date(2100, 3, 1, 7, 8, 9, 0, time.UTC),
	} {
		for style, layout := range []string{"2006-01-02T15:04:05.000Z", "2006-01-02T15:04:05Z", "2006-01-02T15:04:05"} {
			if got, want := string(appendTime(nil, tm.Unix(), style)), tm.Format(layout); got != want {
				t.Errorf("appendTime(%s, %d) = %s, want %s", tm, style, got, want)
			}
		}
	}
}

func TestAppendEscaped(t *testing.T) {
	in := "a\"b\\c\n\r\t\x01\x7f\u009b\u2028é😀\xff"
	got := `"` + esc(in) + `"`
	var back string
	if err := json.Unmarshal([]byte(got), &back); err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	if want := strings.ToValidUTF8(in, "\ufffd"); back != want {
		t.Fatalf("round trip %q, want %q", back, want)
	}
	if strings.ContainsAny(got, "\x01\x7f\u009b\u2028\r\n") {
		t.Fatalf("unescaped control in %q", got)
	}
}

// BenchmarkWrite generates 100,000 events per op; MB/s is output bytes.
func BenchmarkWrite(b *testing.B) {
	o := Options{Events: 100_000, Seed: 1, End: testEnd}
	var c countingWriter
	if err := Write(&c, o); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(c.n)
	b.ResetTimer()
	for b.Loop() {
		if err := Write(io.Discard, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(o.Events), "ns/event")
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
