package synthetic

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Event types and vendors.
const (
	typeLogin = iota
	typeUserSettings
	typeOther
)

const (
	vGoogle = iota
	vAWS
	vMS
)

// typeFrags are the event_type values with the keys around them.
var typeFrags = [3]string{
	`","event_type":"login","created_at":"`,
	`","event_type":"user_settings","created_at":"`,
	`","event_type":"other","created_at":"`,
}

// event_category values with the next key.
const (
	catAuth  = `auth","origin_id":"`
	catAdmin = `admin","origin_id":"`
	catFile  = `file","origin_id":"`
	catInfra = `infrastructure","origin_id":"`
	catEmail = `email","origin_id":"`
)

// Services (vendor.service) and their pre-rendered fragments.
const (
	svcGAuth = iota
	svcGDrive
	svcGAdmin
	svcAWSTrail
	svcAWSIAM
	svcAWSS3
	svcMSAAD
	svcMSExchange
	svcMSSharePoint
)

type serviceInfo struct {
	id         int
	idPrefix   string // {"event_id":"<vendor-specific prefix>
	vendorFrag string // ","vendor":{...},"extra":{"auth":{"auth_type":"
}

var svcTable = func() (t [9]serviceInfo) {
	for i, v := range []struct{ vendor, service, prefix string }{
		{"google", "auth", "google:auth:"}, {"google", "drive", "google:drive:"}, {"google", "admin", "google:admin:"},
		{"aws", "CloudTrail", "aws:CloudTrail:"}, {"aws", "iam", "aws:CloudTrail:"}, {"aws", "s3", "aws:CloudTrail:"},
		{"microsoft365", "AzureActiveDirectory", "microsoft365:"}, {"microsoft365", "Exchange", "microsoft365:"}, {"microsoft365", "SharePoint", "microsoft365:"},
	} {
		t[i] = serviceInfo{i, `{"event_id":"` + v.prefix, `","vendor":{"name":"` + v.vendor + `","service":"` + v.service + `"},"extra":{"auth":{"auth_type":"`}
	}
	return t
}()

// Google applicationName values.
const (
	appLogin = iota
	appDrive
	appAdmin
)

// Well-known Microsoft first-party ids (resource and client applications).
var (
	msResources = []string{"00000003-0000-0ff1-ce00-000000000000", "00000002-0000-0ff1-ce00-000000000000", "00000003-0000-0000-c000-000000000000"}
	msApps      = []string{"4765445b-32c6-49b0-83e6-1d93765276ca", "1fec8e78-bce4-4aaf-ab1b-5451cc387264", "d3590ed6-52b3-4102-aeff-aad2292ab01c", "00000006-0000-0ff1-ce00-000000000000"}
	msServers   = []string{"AM6PR04MB5411 (15.20.8158.011)", "BY5PR11MB3974 (15.20.8207.017)", "DB9PR02MB7276 (15.20.8158.011)", "SN7PR19MB4797 (15.20.8207.017)", "PH0PR12MB5646 (15.20.8180.014)"}
	gAppNames   = []string{"Drive and Docs", "Gmail", "Google Calendar", "Google Meet", "Google Chat"}
	gOAuthApps  = []string{"Slack", "Zoom", "Atlassian Cloud", "DocuSign", "Salesforce"}
	fwdTargets  = []string{"smtp:archive.box@gmail.com", "smtp:j.doe.personal@outlook.com", "smtp:finance-inbox@proton.me", "smtp:backup@yahoo.com"}
	phones      = []string{"+1 617 555 0142", "+44 20 7946 0958", "+49 30 901820", "+33 1 70 18 99 00", "+81 3-4550-1234", "+48 22 123 45 67"}
)

// gen builds the events of one chunk into buf. One gen per goroutine.
type gen struct {
	rng
	w   *world
	buf []byte
	qs  []uint64
	id  []byte // origin id of the current event
	ip  []byte // client ip of the current event
	ts  []byte // created_at of the current event (Cloudlock style)
}

// chunk appends events [a, b) of n to g.buf.
func (g *gen) chunk(c, a, b, n int) {
	w := g.w
	g.p = *rand.NewPCG(w.seed[0]^mix64(uint64(c)+0x51ed), w.seed[1]+uint64(c))
	total := w.cum[len(w.cum)-1]
	qlo := mulDiv(uint64(a), total, uint64(n))
	qhi := mulDiv(uint64(b), total, uint64(n))
	g.qs = g.qs[:0]
	for i := a; i < b; i++ {
		q := qlo
		if qhi > qlo {
			q += g.u64() % (qhi - qlo)
		}
		g.qs = append(g.qs, q)
	}
	slices.Sort(g.qs)
	bin, _ := slices.BinarySearch(w.cum, g.qs[0]+1)
	bin--
	for k, q := range g.qs {
		for w.cum[bin+1] <= q {
			bin++
		}
		lo := int64(bin) * 3600
		ln := min(int64(3600), w.span-lo)
		off := lo + int64((q-w.cum[bin])*uint64(ln)/(w.cum[bin+1]-w.cum[bin])) + 1
		g.event(uint64(a+k), w.start+off, bin)
	}
}

func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, _ := bits.Div64(hi, lo, c)
	return q
}

func (g *gen) pickUser(cum []uint64) *user {
	w := g.w
	x := g.u64() % cum[len(cum)-1]
	b := 0
	for cum[b] <= x {
		b++
	}
	us := w.buckets[b]
	var k int
	if g.below(3, 10) { // power users: density ~ 1/sqrt(rank)
		v := g.u64() >> 32
		k = int(((v * v) >> 32) * uint64(len(us)) >> 32)
	} else {
		k = g.intn(len(us))
	}
	return &w.users[us[k]]
}

func (g *gen) str(s string) { g.buf = append(g.buf, s...) }

// event appends one event line.
func (g *gen) event(idx uint64, t int64, bin int) {
	w := g.w
	slot := w.slot[bin]

	etype := typeOther
	switch x := g.intn(1000); {
	case x < 500:
		etype = typeLogin
	case x < 560:
		etype = typeUserSettings
	}
	susp := etype == typeLogin && g.below(15, 1000)
	var u *user
	if susp {
		u = g.pickUser(w.offCum[slot])
	} else {
		u = g.pickUser(w.normCum[slot])
	}
	d := &w.doms[u.dom]
	vendor := vGoogle
	if d.suite == "microsoft365" {
		vendor = vMS
	}
	if u.aws && g.below(30, 100) {
		vendor = vAWS
	}
	ok := true
	if etype == typeLogin {
		if susp {
			ok = !g.below(40, 100)
		} else {
			ok = !g.below(75, 1000)
		}
	} else {
		ok = !g.below(12, 1000)
	}

	// client ip and location
	g.ip = g.ip[:0]
	var loc int
	switch {
	case susp:
		ci := w.unusual[g.intn(len(w.unusual))]
		if g.below(2, 10) {
			ci = w.normal[g.intn(len(w.normal))]
		}
		g.ip = appendIP(g.ip, &g.rng, ci)
		loc = w.cityLoc[ci] + g.intn(len(countries[ci].cities))
		if g.below(1, 4) {
			loc = w.coarseLoc[ci]
		}
	case etype == typeLogin && g.below(1, 100): // travelling
		ci := w.normal[g.intn(len(w.normal))]
		g.ip = appendIP(g.ip, &g.rng, ci)
		loc = w.cityLoc[ci] + g.intn(len(countries[ci].cities))
	default:
		x := uint32(g.intn(int(u.ipCum[len(u.ipCum)-1])))
		k := 0
		for u.ipCum[k] <= x {
			k++
		}
		g.ip = append(g.ip, u.ips[k].ip...)
		loc = u.ips[k].loc
	}

	// user agent (escaped)
	ua := w.uaEsc[0][u.uas[g.intn(len(u.uas))]]
	if susp && g.below(1, 2) {
		ua = w.uaEsc[3][g.intn(len(w.uaEsc[3]))]
	}

	// service, category, ids
	var sv *serviceInfo
	var category string // pre-rendered: <category>","origin_id":"
	rawUA := ua
	sub := g.intn(100)
	switch vendor {
	case vGoogle:
		switch {
		case etype == typeLogin:
			sv, category = &svcTable[svcGAuth], catAuth
		case etype == typeUserSettings:
			sv, category = &svcTable[svcGAdmin], catAdmin
		case sub < 72:
			sv, category = &svcTable[svcGDrive], catFile
		case sub < 86:
			sv, category = &svcTable[svcGAdmin], catAdmin
		default:
			sv, category = &svcTable[svcGAuth], catAuth
		}
	case vAWS:
		switch {
		case etype == typeLogin:
			sv, category = &svcTable[svcAWSTrail], catAuth
		case etype == typeUserSettings:
			sv, category = &svcTable[svcAWSIAM], catAdmin
		case sub < 70:
			sv, category = &svcTable[svcAWSS3], catFile
		default:
			sv, category = &svcTable[svcAWSTrail], catInfra
		}
		if etype != typeLogin && g.below(6, 10) {
			ua = w.uaEsc[2][g.intn(len(w.uaEsc[2]))]
		}
		rawUA = ua
	case vMS:
		switch {
		case etype == typeLogin:
			sv, category = &svcTable[svcMSAAD], catAuth
		case etype == typeUserSettings && sub < 60:
			sv, category = &svcTable[svcMSAAD], catAdmin
		case etype == typeUserSettings:
			sv, category = &svcTable[svcMSExchange], catEmail
		case sub < 55:
			sv, category = &svcTable[svcMSSharePoint], catFile
		default:
			sv, category = &svcTable[svcMSExchange], catEmail
		}
		if sv.id != svcMSAAD && g.below(1, 3) {
			ua = w.uaEsc[1][g.intn(len(w.uaEsc[1]))]
		}
		rawUA = ua
	}
	m := mix64(idx + w.keys[vendor])
	g.id = g.id[:0]
	if vendor == vGoogle {
		g.id = strconv.AppendInt(g.id, int64(m), 10)
	} else {
		g.id = appendUUID(g.id, m, g.u64())
	}
	g.ts = appendTime(g.ts[:0], t, tsCloudlock)

	authType := ""
	var suspJSON string // "null", "true", "false"
	if etype == typeLogin {
		suspJSON = "false"
		if susp {
			suspJSON = "true"
		}
		switch vendor {
		case vGoogle:
			authType = googleLoginTypes[g.intn(len(googleLoginTypes))]
			if g.below(4, 10) {
				authType = ""
			}
			if !susp && g.below(80, 100) {
				suspJSON = "null"
			}
		case vAWS:
			authType = "password"
			if g.below(7, 10) {
				authType = "mfa"
			}
		case vMS:
			authType = [...]string{"password", "mfa", "mfa", "sso", "passwordless"}[g.intn(5)]
		}
	} else {
		suspJSON = "null"
	}
	// The top-level user_agent is kept for sign-ins only (the vendor records
	// keep theirs); Google's login audit often carries none (as in the seed).
	if etype != typeLogin || (vendor == vGoogle && g.below(75, 100)) {
		ua = ""
	}

	// header (fragments pre-rendered where possible: fewer, longer appends)
	g.str(sv.idPrefix)
	g.buf = append(g.buf, g.id...)
	if vendor == vGoogle {
		if g.below(3, 100) {
			g.str("#1")
		} else {
			g.str("#0")
		}
	}
	g.str(`","client_ip":"`)
	g.buf = append(g.buf, g.ip...)
	g.str(typeFrags[etype])
	g.buf = append(g.buf, g.ts...)
	if ok {
		g.str(`","operation_successful":true`)
	} else {
		g.str(`","operation_successful":false`)
	}
	g.str(w.locs[loc].json)
	g.str(category)
	g.buf = append(g.buf, g.id...)
	g.str(u.frag[vendor])
	g.str(ua)
	g.str(sv.vendorFrag)
	g.str(authType)
	switch suspJSON {
	case "null":
		g.str(`","is_suspicious":null}},"raw":`)
	case "true":
		g.str(`","is_suspicious":true}},"raw":`)
	default:
		g.str(`","is_suspicious":false}},"raw":`)
	}

	ev := evctx{u: u, d: d, etype: etype, ok: ok, susp: susp, t: t, ua: rawUA, svc: sv.id, authType: authType, suspJSON: suspJSON}
	switch vendor {
	case vGoogle:
		g.googleRaw(&ev)
	case vAWS:
		g.awsRaw(&ev)
	case vMS:
		g.msRaw(&ev)
	}
	g.str("}\n")
}

type evctx struct {
	u        *user
	d        *domInfo
	etype    int
	ok, susp bool
	t        int64
	ua       string
	svc      int // svc* constant
	authType string
	suspJSON string
}

func (g *gen) otherUser(d int) *user {
	w := g.w
	for try := 0; try < 4; try++ {
		v := &w.users[g.intn(len(w.users))]
		if v.dom == d {
			return v
		}
	}
	return &w.users[g.intn(len(w.users))]
}

// googleRaw writes an Admin SDK Reports API activity (as in the seed).
func (g *gen) googleRaw(e *evctx) {
	u, d := e.u, e.d
	app := appLogin
	switch e.svc {
	case svcGDrive:
		app = appDrive
	case svcGAdmin:
		app = appAdmin
	}
	if app == appAdmin {
		g.str(u.gActorAdmin)
	} else {
		g.str(u.gActor)
	}
	g.buf = append(g.buf, g.id...)
	g.str(d.gApp[app])
	g.buf = append(g.buf, g.ts...)
	g.str(d.gEtag)
	g.buf = appendB64(g.buf, g.u64(), 10)
	g.buf = appendB64(g.buf, g.u64(), 10)
	g.buf = appendB64(g.buf, g.u64(), 7)
	g.str(`\"","ipAddress":"`)
	g.buf = append(g.buf, g.ip...)
	g.str(`","events":[{"type":"`)
	switch {
	case e.etype == typeLogin:
		if e.ok {
			g.str(`login","name":"login_success","parameters":[`)
		} else {
			g.str(`login","name":"login_failure","parameters":[`)
		}
		g.str(`{"name":"login_type","value":"`)
		lt := e.authType
		if lt == "" {
			lt = "google_password"
		}
		g.str(lt)
		g.str(`"}`)
		if !e.ok {
			g.str(`,{"name":"login_failure_type","value":"`)
			g.str(googleLoginFailureTypes[g.intn(len(googleLoginFailureTypes))])
			g.str(`"}`)
		}
		if e.suspJSON != "null" {
			g.str(`,{"name":"is_suspicious","boolValue":`)
			g.str(e.suspJSON)
			g.str(`}`)
		}
		g.str(`]}]}`)
	case app == appLogin: // logout
		g.str(`logout","name":"logout","parameters":[{"name":"login_type","value":"google_password"}]}]}`)
	case app == appDrive:
		name := googleDriveEvents[g.intn(len(googleDriveEvents))]
		acl := name == "change_user_access" || name == "change_document_visibility"
		if acl {
			g.str(`acl_change","name":"`)
		} else {
			g.str(`access","name":"`)
		}
		g.str(name)
		g.str(`","parameters":[`)
		if g.below(4, 10) { // someone else's document
			g.str(`{"name":"owner","value":"`)
			g.str(g.otherUser(u.dom).email)
			g.str(`"},`)
		}
		g.str(`{"name":"doc_id","value":"1`)
		g.buf = appendB64(g.buf, g.u64(), 10)
		g.buf = appendB64(g.buf, g.u64(), 10)
		g.buf = appendB64(g.buf, g.u64(), 2)
		g.str(`"},{"name":"doc_title","value":"`)
		g.str(g.w.titles[g.intn(len(g.w.titles))])
		if acl {
			g.str(`"},{"name":"visibility","value":"`)
			g.str(driveVisibility[g.intn(len(driveVisibility))])
		}
		g.str(`"}]}]}`)
	default: // admin
		var ev gAdminEvent
		if e.etype == typeUserSettings {
			ev = googleUserSettings[g.intn(len(googleUserSettings))]
		} else {
			ev = googleAdminOther[g.intn(len(googleAdminOther))]
		}
		g.str(ev.typ)
		g.str(`","name":"`)
		g.str(ev.name)
		g.str(`","parameters":[{"name":"`)
		g.str(ev.param)
		g.str(`","value":"`)
		switch ev.param {
		case "USER_EMAIL":
			g.str(g.otherUser(u.dom).email)
		case "GROUP_EMAIL":
			g.str(d.groups[g.intn(len(d.groups))])
		case "APPLICATION_NAME":
			g.str(gAppNames[g.intn(len(gAppNames))])
		case "OAUTH2_APP_NAME":
			g.str(gOAuthApps[g.intn(len(gOAuthApps))])
		default:
			g.str(d.name)
		}
		g.str(`"}]}]}`)
	}
}

// awsRaw writes a CloudTrail record.
func (g *gen) awsRaw(e *evctx) {
	u, d := e.u, e.d
	g.str(u.awsPrefix)
	g.buf = appendTime(g.buf, e.t, tsCloudTrail)
	if e.etype == typeLogin {
		g.str(`","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"`)
		g.buf = append(g.buf, g.ip...)
		g.str(`","userAgent":"`)
		g.str(e.ua)
		if e.ok {
			g.str(`","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"`)
		} else {
			g.str(`","errorMessage":"Failed authentication","requestParameters":null,"responseElements":{"ConsoleLogin":"Failure"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"`)
		}
		if e.authType == "mfa" {
			g.str(`Yes`)
		} else {
			g.str(`No`)
		}
		g.str(`"},"eventID":"`)
		g.buf = append(g.buf, g.id...)
		g.str(`","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"`)
		g.str(d.account)
		g.str(`","eventCategory":"Management"}`)
		return
	}
	var c *awsCall
	switch e.svc {
	case svcAWSIAM:
		c = &awsIAMCalls[g.intn(len(awsIAMCalls))]
	case svcAWSS3:
		c = &awsS3Calls[g.intn(len(awsS3Calls))]
	default:
		c = &awsOtherCalls[g.intn(len(awsOtherCalls))]
	}
	region := d.region
	if c.source == "iam.amazonaws.com" || c.source == "sts.amazonaws.com" {
		region = "us-east-1"
	}
	g.str(`","eventSource":"`)
	g.str(c.source)
	g.str(`","eventName":"`)
	g.str(c.name)
	g.str(`","awsRegion":"`)
	g.str(region)
	g.str(`","sourceIPAddress":"`)
	g.buf = append(g.buf, g.ip...)
	g.str(`","userAgent":"`)
	g.str(e.ua)
	g.str(`",`)
	if !e.ok {
		g.str(`"errorCode":"AccessDenied","errorMessage":"Access Denied",`)
	}
	bucket := d.buckets[g.intn(len(d.buckets))]
	prefix := s3Prefixes[g.intn(len(s3Prefixes))]
	file := g.w.files[g.intn(len(g.w.files))].name
	inst := g.u64()
	g.str(`"requestParameters":`)
	g.template(c.req, e, bucket, prefix, file, region, inst)
	g.str(`,"responseElements":`)
	if e.ok {
		g.template(c.resp, e, bucket, prefix, file, region, inst)
	} else {
		g.str("null")
	}
	if c.source == "s3.amazonaws.com" && c.category == "Data" {
		g.str(`,"additionalEventData":{"bytesTransferredIn":0,"bytesTransferredOut":`)
		g.buf = strconv.AppendUint(g.buf, g.u64()%4_000_000, 10)
		g.str(`}`)
	}
	g.str(`,"requestID":"`)
	g.buf = appendBase32(g.buf, g.u64(), 12)
	g.buf = appendBase32(g.buf, g.u64(), 4)
	g.str(`","eventID":"`)
	g.buf = append(g.buf, g.id...)
	g.str(`","readOnly":`)
	g.buf = appendBool(g.buf, c.readOnly)
	g.str(`,"eventType":"`)
	g.str(c.eventType)
	g.str(`","managementEvent":`)
	g.buf = appendBool(g.buf, c.category == "Management")
	g.str(`,"recipientAccountId":"`)
	g.str(d.account)
	g.str(`","eventCategory":"`)
	g.str(c.category)
	g.str(`"}`)
}

// template expands a CloudTrail parameter template.
func (g *gen) template(t string, e *evctx, bucket, prefix, file, region string, inst uint64) {
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c != '%' || i+1 == len(t) {
			g.buf = append(g.buf, c)
			continue
		}
		i++
		switch t[i] {
		case 'B':
			g.str(bucket)
		case 'K':
			g.str(prefix)
			g.str(file)
		case 'P':
			g.str(prefix)
		case 'U':
			g.str(e.u.local)
		case 'A':
			g.str(e.d.account)
		case 'G':
			g.str(region)
		case 'I':
			g.str("i-0")
			g.buf = appendHex(g.buf, inst, 16)
		case 'R':
			g.buf = appendBase32(g.buf, g.u64(), 12)
			g.buf = appendBase32(g.buf, g.u64(), 4)
		}
	}
}

// msRaw writes an Office 365 Management Activity API record.
func (g *gen) msRaw(e *evctx) {
	u, d := e.u, e.d
	g.str(`{"CreationTime":"`)
	g.buf = appendTime(g.buf, e.t, tsO365)
	g.str(`","Id":"`)
	g.buf = append(g.buf, g.id...)
	g.str(`","Operation":"`)
	switch {
	case e.svc == svcMSAAD && e.etype == typeLogin:
		if e.ok {
			g.str(`UserLoggedIn","OrganizationId":"`)
		} else {
			g.str(`UserLoginFailed","OrganizationId":"`)
		}
		g.str(d.tenant)
		if e.ok {
			g.str(`","RecordType":15,"ResultStatus":"Success","UserKey":"`)
		} else {
			g.str(`","RecordType":15,"ResultStatus":"Failed","UserKey":"`)
		}
		g.str(u.objectID)
		g.str(`","UserType":0,"Version":1,"Workload":"AzureActiveDirectory","ClientIP":"`)
		g.buf = append(g.buf, g.ip...)
		g.str(`","ObjectId":"`)
		g.str(msResources[g.intn(len(msResources))])
		g.str(`","UserId":"`)
		g.str(u.email)
		g.str(`","AzureActiveDirectoryEventType":1,"ExtendedProperties":[{"Name":"ResultStatusDetail","Value":"`)
		if e.ok {
			g.str(`Redirect"}],"ApplicationId":"`)
		} else {
			g.str(`Invalid username or password"}],"ApplicationId":"`)
		}
		g.str(msApps[g.intn(len(msApps))])
		if e.ok {
			g.str(`","ErrorNumber":"0"}`)
		} else {
			g.str(`","LogonError":"InvalidUserNameOrPassword","ErrorNumber":"50126"}`)
		}
	case e.svc == svcMSAAD: // user settings
		op := [...]string{"Update user.", "Change user password.", "User registered security info.", "Update user."}[g.intn(4)]
		g.str(op)
		g.str(`","OrganizationId":"`)
		g.str(d.tenant)
		g.str(`","RecordType":8,"ResultStatus":"`)
		if e.ok {
			g.str(`Success`)
		} else {
			g.str(`Failure`)
		}
		g.str(`","UserKey":"`)
		g.str(u.puid)
		g.str(`","UserType":0,"Version":1,"Workload":"AzureActiveDirectory","ClientIP":"`)
		g.buf = append(g.buf, g.ip...)
		g.str(`","ObjectId":"`)
		g.str(u.email)
		g.str(`","UserId":"`)
		g.str(u.email)
		g.str(`","AzureActiveDirectoryEventType":1,"ExtendedProperties":[{"Name":"extendedAuditEventCategory","Value":"User"}],"ModifiedProperties":[`)
		if op == "Update user." {
			if g.below(1, 2) {
				g.str(`{"Name":"DisplayName","NewValue":"[\r\n  \"`)
				g.str(u.display)
				g.str(`\"\r\n]","OldValue":"[]"}`)
			} else {
				g.str(`{"Name":"TelephoneNumber","NewValue":"[\r\n  \"`)
				g.str(phones[g.intn(len(phones))])
				g.str(`\"\r\n]","OldValue":"[]"}`)
			}
		}
		g.str(`],"Target":[{"ID":"User_`)
		g.str(u.objectID)
		g.str(`","Type":2}]}`)
	case e.svc == svcMSExchange && e.etype == typeUserSettings:
		inbox := g.below(6, 10)
		if inbox {
			g.str(`New-InboxRule`)
		} else {
			g.str(`Set-Mailbox`)
		}
		g.str(`","OrganizationId":"`)
		g.str(d.tenant)
		g.str(`","RecordType":1,"ResultStatus":"`)
		if e.ok {
			g.str(`True`)
		} else {
			g.str(`False`)
		}
		g.str(`","UserKey":"`)
		g.str(u.puid)
		g.str(`","UserType":0,"Version":1,"Workload":"Exchange","ClientIP":"`)
		g.buf = append(g.buf, g.ip...)
		g.str(`","ObjectId":"`)
		g.str(d.tenantName)
		g.str(`\\`)
		g.str(u.display)
		rule := inboxRuleNames[g.intn(len(inboxRuleNames))]
		if inbox {
			g.str(`\\`)
			g.str(rule)
		}
		g.str(`","UserId":"`)
		g.str(u.email)
		g.str(`","AppId":"00000002-0000-0ff1-ce00-000000000000","ExternalAccess":false,"OrganizationName":"`)
		g.str(d.tenantName)
		g.str(`","OriginatingServer":"`)
		g.str(msServers[g.intn(len(msServers))])
		if inbox {
			g.str(`","Parameters":[{"Name":"Name","Value":"`)
			g.str(rule)
			g.str(`"},{"Name":"MoveToFolder","Value":"`)
			g.str(rule)
			g.str(`"},{"Name":"StopProcessingRules","Value":"True"}]`)
		} else {
			g.str(`","Parameters":[{"Name":"Identity","Value":"`)
			g.str(u.email)
			g.str(`"},{"Name":"ForwardingSmtpAddress","Value":"`)
			g.str(fwdTargets[g.intn(len(fwdTargets))])
			g.str(`"},{"Name":"DeliverToMailboxAndForward","Value":"True"}]`)
		}
		g.str(`,"SessionId":"`)
		g.buf = appendUUID(g.buf, g.u64(), g.u64())
		g.str(`"}`)
	case e.svc == svcMSExchange:
		op := &exchangeOther[g.intn(len(exchangeOther))]
		g.str(op.op)
		g.str(`","OrganizationId":"`)
		g.str(d.tenant)
		g.str(`","RecordType":`)
		g.buf = strconv.AppendInt(g.buf, int64(op.recordType), 10)
		g.str(`,"ResultStatus":"`)
		if e.ok {
			g.str(op.status)
		} else {
			g.str(`Failed`)
		}
		g.str(`","UserKey":"`)
		g.str(u.puid)
		g.str(`","UserType":0,"Version":1,"Workload":"Exchange","ClientIP":"`)
		g.buf = append(g.buf, g.ip...)
		g.str(`","UserId":"`)
		g.str(u.email)
		g.str(`","ClientInfoString":"Client=`)
		if !strings.HasPrefix(e.ua, "Mozilla/") {
			g.str(`REST;`)
		} else {
			g.str(`OWA;`)
		}
		g.str(e.ua)
		g.str(`","LogonType":0`)
		if op.op == "MailItemsAccessed" {
			g.str(`,"OperationCount":`)
			g.buf = strconv.AppendInt(g.buf, 1+int64(g.intn(40)), 10)
			g.str(`,"Folders":[{"Path":"`)
			g.str(g.w.folders[g.intn(len(g.w.folders))])
			g.str(`","FolderItems":[{"InternetMessageId":"<`)
			g.buf = appendBase32(g.buf, g.u64(), 12)
			g.str(`@`)
			g.str(msServers[g.intn(len(msServers))][:12])
			g.str(`.prod.outlook.com>"}]}]}`)
		} else {
			g.str(`,"Item":{"ParentFolder":{"Path":"`)
			g.str(g.w.folders[g.intn(len(g.w.folders))])
			g.str(`"},"Subject":"`)
			if g.below(1, 2) {
				g.str(`Re: `)
			}
			g.str(g.w.titles[g.intn(len(g.w.titles))])
			g.str(`","SizeInBytes":`)
			g.buf = strconv.AppendUint(g.buf, 2000+g.u64()%900_000, 10)
			g.str(`}}`)
		}
	default: // SharePoint
		op := sharePointOps[g.intn(len(sharePointOps))]
		site := g.intn(len(siteNames))
		f := &g.w.files[g.intn(len(g.w.files))]
		g.str(op)
		g.str(`","OrganizationId":"`)
		g.str(d.tenant)
		if op == "SharingSet" || op == "AnonymousLinkCreated" {
			g.str(`","RecordType":14,"UserKey":"i:0h.f|membership|`)
		} else {
			g.str(`","RecordType":6,"UserKey":"i:0h.f|membership|`)
		}
		g.str(u.puid)
		g.str(`@live.com","UserType":0,"Version":1,"Workload":"SharePoint","ClientIP":"`)
		g.buf = append(g.buf, g.ip...)
		g.str(`","ObjectId":"https://`)
		g.str(d.short)
		g.str(`.sharepoint.com/sites/`)
		g.str(siteNames[site])
		g.str(`/Shared Documents/`)
		g.str(f.name)
		g.str(`","UserId":"`)
		g.str(u.email)
		g.str(`","EventSource":"SharePoint","ItemType":"File","SiteUrl":"https://`)
		g.str(d.short)
		g.str(`.sharepoint.com/sites/`)
		g.str(siteNames[site])
		g.str(`/","SourceFileExtension":"`)
		g.str(f.ext)
		g.str(`","SourceFileName":"`)
		g.str(f.name)
		g.str(`"}`)
	}
}
