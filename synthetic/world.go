package synthetic

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// world is everything that is fixed for one Write call: users, their IPs and
// devices, locations, per-hour weights for timestamps and for picking users.
// It is read-only once built and shared by all generator goroutines.
type world struct {
	locs      []location // pre-rendered client_location objects
	users     []user
	doms      []domInfo
	normal    []int // indexes of non-unusual countries
	unusual   []int // indexes of unusual countries
	coarseLoc []int // per country: index of its country-only location
	cityLoc   []int // per country: index of its first city location

	// Time axis. The window (start, start+span] in unix seconds is cut into
	// hour bins; cum[i] is the total weight of bins before i (len = bins+1).
	start int64
	span  int64
	cum   []uint64
	slot  []uint8 // per bin: UTC weekday*24+hour of the bin's middle

	// User choice per slot: tz buckets of users, cumulative weights per slot.
	buckets  [][]int32     // users per tz bucket
	normCum  [168][]uint64 // cumulative bucket weights for ordinary events
	offCum   [168][]uint64 // cumulative bucket weights for suspicious logins (off-hours)
	bucketTZ []int         // tz (half hours) per bucket
	titles   []string      // escaped document titles / mail subjects
	folders  []string      // escaped mailbox folder paths
	files    []fileName    // escaped file names (title + extension)
	uaEsc    [4][]string   // escaped user agent tables: browser, ms client, aws tool, odd
	seed     [2]uint64     // PCG seed pair for chunk generators
	keys     [3]uint64     // per-vendor id keys
}

type fileName struct{ name, ext string }

type location struct {
	json string // ,"client_location":{"lat":..,"lng":..,"country":{..},"region":{..},"city":".."},"event_category":"
}

type ipAddr struct {
	ip  string
	loc int
}

type user struct {
	email     string // escaped
	local     string // escaped local part of the email (AWS user name)
	display   string // escaped "First Last"
	dom       int
	home      int // country index
	ips       []ipAddr
	ipCum     []uint32 // cumulative weights over ips
	uas       []int8   // indexes into browserUAs
	aws       bool
	profileID string // Google 21-digit profile id
	principal string // AWS principal id
	identity  string // pre-rendered CloudTrail userIdentity object
	objectID  string // Azure AD object id (GUID)
	puid      string // Exchange/SharePoint user key

	// pre-rendered fragments
	frag        [3]string // per vendor: ","user":{"vendor_id":"..","user_email":".."},"user_agent":"
	gActor      string    // Google raw up to the uniqueQualifier value
	gActorAdmin string    // the same for admin events (callerType first)
	awsPrefix   string    // CloudTrail record up to the eventTime value
}

type domInfo struct {
	domain
	customerID string    // Google customer id
	etagPrefix string    // Google etag prefix
	tenant     string    // M365 organization id (GUID)
	tenantName string    // contoso.onmicrosoft.com
	gApp       [3]string // ","applicationName":"<app>","customerId":"<id>","time":"
	gEtag      string    // "},"etag":"\"<prefix>/
	account    string    // AWS account id
	buckets    []string
	officeIPs  map[int][]ipAddr // country index -> egress IPs
	groups     []string
}

// Activity by local hour, weekday and weekend (relative weights).
var (
	actWeekday = [24]uint64{2, 2, 2, 2, 2, 3, 8, 25, 70, 100, 100, 95, 75, 90, 100, 100, 90, 60, 30, 18, 15, 12, 8, 4}
	actWeekend = [24]uint64{2, 2, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 12, 12, 12, 11, 10, 10, 9, 8, 7, 5, 4, 3}
	offWeekday = [24]uint64{100, 100, 100, 100, 100, 90, 60, 20, 4, 2, 2, 2, 2, 2, 2, 2, 3, 5, 20, 40, 60, 80, 90, 100}
	offWeekend = [24]uint64{100, 100, 100, 100, 100, 100, 90, 80, 60, 50, 50, 50, 50, 50, 50, 50, 50, 50, 60, 70, 80, 90, 100, 100}
)

// rng is a small helper around PCG used while building the world.
type rng struct{ p rand.PCG }

func (r *rng) u64() uint64 { return r.p.Uint64() }
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.p.Uint64(), uint64(n))
	return int(hi)
}

// below reports true with probability k/n.
func (r *rng) below(k, n uint64) bool {
	hi, _ := bits.Mul64(r.p.Uint64(), n)
	return hi < k
}

func pick[T any](r *rng, s []T) T { return s[r.intn(len(s))] }

func newWorld(o Options) *world {
	w := &world{}
	w.seed = [2]uint64{uint64(o.Seed), 0x9e3779b97f4a7c15 ^ uint64(o.Users)<<20 ^ uint64(o.Days)}
	r := &rng{p: *rand.NewPCG(uint64(o.Seed), 0x5eed0000c10ad10c^uint64(o.Users))}
	for i := range w.keys {
		w.keys[i] = r.u64()
	}

	// Locations: one per city plus one coarse (country-only) per country.
	w.coarseLoc = make([]int, len(countries))
	w.cityLoc = make([]int, len(countries))
	for ci, c := range countries {
		if c.unusual {
			w.unusual = append(w.unusual, ci)
		} else {
			w.normal = append(w.normal, ci)
		}
		w.coarseLoc[ci] = len(w.locs)
		w.locs = append(w.locs, location{renderLoc(c, city{lat: c.lat, lng: c.lng})})
		w.cityLoc[ci] = len(w.locs)
		for _, ct := range c.cities {
			w.locs = append(w.locs, location{renderLoc(c, ct)})
		}
	}

	// Escaped string tables.
	for i, tab := range [][]string{browserUAs, msClientUAs, awsToolUAs, oddUAs} {
		for _, s := range tab {
			w.uaEsc[i] = append(w.uaEsc[i], esc(s))
		}
	}
	w.titles, w.files = makeTitles(r)
	for _, f := range mailFolders {
		w.folders = append(w.folders, esc(f))
	}

	// Domains.
	for _, d := range domains {
		di := domInfo{domain: d, officeIPs: map[int][]ipAddr{}}
		di.customerID = "C0" + randString(r, lowerAlnum+"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 7)
		di.etagPrefix = randString(r, b64url, 27)
		di.tenant = string(appendUUID(nil, r.u64(), r.u64()))
		di.tenantName = d.short + ".onmicrosoft.com"
		for i, app := range []string{"login", "drive", "admin"} {
			di.gApp[i] = `","applicationName":"` + app + `","customerId":"` + di.customerID + `","time":"`
		}
		di.gEtag = `"},"etag":"\"` + di.etagPrefix + "/"
		di.account = string(appendDigits(nil, r.u64()%899999999999+100000000000, 12))
		for _, s := range []string{"finance-reports", "data-lake", "app-logs", "backups", "ml-artifacts", "web-assets"} {
			di.buckets = append(di.buckets, d.short+"-"+s)
		}
		for _, g := range []string{"engineering", "sales", "all-staff", "security", "finance"} {
			di.groups = append(di.groups, g+"@"+d.name)
		}
		for _, cc := range d.offices {
			ci := countryIndex(cc)
			n := 2 + r.intn(2)
			for k := 0; k < n; k++ {
				di.officeIPs[ci] = append(di.officeIPs[ci], ipAddr{randIPv4(r, countries[ci]), w.cityLoc[ci] + r.intn(len(countries[ci].cities))})
			}
		}
		w.doms = append(w.doms, di)
	}

	w.makeUsers(r, o.Users)
	w.makeTime(r, o)
	return w
}

func countryIndex(code string) int {
	for i, c := range countries {
		if c.code == code {
			return i
		}
	}
	panic("synthetic: unknown country " + code)
}

func renderLoc(c country, ct city) string {
	var b []byte
	b = append(b, `,"client_location":{"lat":`...)
	b = append(b, ct.lat...)
	b = append(b, `,"lng":`...)
	b = append(b, ct.lng...)
	b = append(b, `,"country":{"code":"`...)
	b = appendEscaped(b, c.code)
	b = append(b, `","name":"`...)
	b = appendEscaped(b, c.name)
	b = append(b, `"},"region":{"code":"`...)
	b = appendEscaped(b, ct.regionCode)
	b = append(b, `","name":"`...)
	b = appendEscaped(b, ct.regionName)
	b = append(b, `"},"city":"`...)
	b = appendEscaped(b, ct.name)
	b = append(b, `"},"event_category":"`...)
	return string(b)
}

func randString(r *rng, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.intn(len(alphabet))]
	}
	return string(b)
}

func randIPv4(r *rng, c country) string { return string(appendIPv4(nil, r, c)) }

func appendIPv4(b []byte, r *rng, c country) []byte {
	b = strconv.AppendInt(b, int64(pick(r, c.octets)), 10)
	for k := 0; k < 3; k++ {
		b = append(b, '.')
		v := r.intn(254)
		if k == 2 {
			v++ // last octet 1..254
		}
		b = strconv.AppendInt(b, int64(v), 10)
	}
	return b
}

func appendIPv6(b []byte, r *rng, c country) []byte {
	b = append(b, c.v6...)
	for k := 0; k < 6; k++ {
		if k > 0 {
			b = append(b, ':')
		}
		b = strconv.AppendUint(b, r.u64()&0xffff, 16)
	}
	return b
}

// appendIP appends a fresh address in country ci (one in eight IPv6).
func appendIP(b []byte, r *rng, ci int) []byte {
	if r.below(1, 8) {
		return appendIPv6(b, r, countries[ci])
	}
	return appendIPv4(b, r, countries[ci])
}

func randIP(r *rng, ci int) string { return string(appendIP(nil, r, ci)) }

func foldEmail(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'A' && c <= 'Z':
			b.WriteRune(c + 'a' - 'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '\'':
			b.WriteRune(c)
		case c == ' ':
		default:
			if f, ok := asciiFold[c]; ok {
				b.WriteString(f)
			}
		}
	}
	return b.String()
}

func (w *world) makeUsers(r *rng, n int) {
	// Home countries of remote workers, by weight.
	var homeCum []int
	var homeIdx []int
	tot := 0
	for ci, c := range countries {
		if c.home > 0 {
			tot += c.home
			homeCum = append(homeCum, tot)
			homeIdx = append(homeIdx, ci)
		}
	}
	domTot := 0
	for _, d := range domains {
		domTot += d.weight
	}
	seen := map[string]int{}
	w.users = make([]user, n)
	bucketOf := map[int]int{}
	for i := range w.users {
		u := &w.users[i]
		// domain
		x := r.intn(domTot)
		for di, d := range domains {
			if x < d.weight {
				u.dom = di
				break
			}
			x -= d.weight
		}
		d := &w.doms[u.dom]
		first, last := pick(r, firstNames), pick(r, lastNames)
		local := foldEmail(first) + "." + foldEmail(last)
		seen[d.name+local]++
		if k := seen[d.name+local]; k > 1 {
			local += strconv.Itoa(k)
		}
		u.local = esc(local)
		u.email = esc(local + "@" + d.name)
		u.display = esc(first + " " + last)

		// home country: an office country mostly (headquarters first), else remote
		var office bool
		if r.below(82, 100) {
			k := 0
			if r.below(45, 100) {
				k = r.intn(len(d.offices))
			}
			u.home = countryIndex(d.offices[k])
			office = true
		} else {
			x := r.intn(tot)
			k, _ := slices.BinarySearch(homeCum, x+1)
			u.home = homeIdx[k]
			_, office = d.officeIPs[u.home]
		}
		hc := countries[u.home]
		homeCity := r.intn(len(hc.cities))
		// IPs: office egress (shared), home ISP, mobile carrier (coarse location)
		var wts []uint32
		if office {
			ips := d.officeIPs[u.home]
			u.ips = append(u.ips, ips[r.intn(len(ips))])
			wts = append(wts, 60)
		}
		loc := w.cityLoc[u.home] + homeCity
		if r.below(2, 10) {
			loc = w.coarseLoc[u.home]
		}
		u.ips = append(u.ips, ipAddr{randIP(r, u.home), loc})
		wts = append(wts, 30)
		u.ips = append(u.ips, ipAddr{randIP(r, u.home), w.coarseLoc[u.home]})
		wts = append(wts, 10)
		var c uint32
		for _, wt := range wts {
			c += wt
			u.ipCum = append(u.ipCum, c)
		}
		// devices
		nd := 2 + r.intn(2)
		for k := 0; k < nd; k++ {
			u.uas = append(u.uas, int8(r.intn(len(browserUAs))))
		}
		// vendor ids
		u.profileID = "1" + string(appendDigits(nil, r.u64()%1e18, 18)) + string(appendDigits(nil, r.u64()%100, 2))
		u.objectID = string(appendUUID(nil, r.u64(), r.u64()))
		u.puid = "10032" + strings.ToUpper(string(appendHex(nil, r.u64(), 11)))
		u.aws = r.below(16, 100)
		u.principal = "AIDA" + string(appendBase32(nil, r.u64(), 12)) + string(appendBase32(nil, r.u64(), 5))
		u.identity = `{"type":"IAMUser","principalId":"` + u.principal + `","arn":"arn:aws:iam::` + d.account + `:user/` + u.local +
			`","accountId":"` + d.account + `","userName":"` + u.local + `"}`
		for v, id := range [3]string{u.profileID, u.principal, u.objectID} {
			u.frag[v] = `","user":{"vendor_id":"` + id + `","user_email":"` + u.email + `"},"user_agent":"`
		}
		u.gActor = `{"kind":"admin#reports#activity","actor":{"profileId":"` + u.profileID + `","email":"` + u.email + `"},"id":{"uniqueQualifier":"`
		u.gActorAdmin = `{"kind":"admin#reports#activity","actor":{"callerType":"USER","email":"` + u.email + `","profileId":"` + u.profileID + `"},"id":{"uniqueQualifier":"`
		u.awsPrefix = `{"eventVersion":"1.09","userIdentity":` + u.identity + `,"eventTime":"`

		// tz bucket (by the home city's offset)
		tz := hc.cities[homeCity].tz
		b, ok := bucketOf[tz]
		if !ok {
			b = len(w.bucketTZ)
			bucketOf[tz] = b
			w.bucketTZ = append(w.bucketTZ, tz)
			w.buckets = append(w.buckets, nil)
		}
		w.buckets[b] = append(w.buckets[b], int32(i))
	}
	// per slot bucket weights
	for s := 0; s < 168; s++ {
		wd, h := s/24, s%24
		var nc, oc uint64
		w.normCum[s] = make([]uint64, len(w.buckets))
		w.offCum[s] = make([]uint64, len(w.buckets))
		for b, tz := range w.bucketTZ {
			lwd, lh := localTime(wd, h, tz)
			pop := uint64(len(w.buckets[b]))
			weekend := lwd == 0 || lwd == 6
			act, off := actWeekday[lh], offWeekday[lh]
			if weekend {
				act, off = actWeekend[lh], offWeekend[lh]
			}
			nc += pop * act
			oc += pop * off
			w.normCum[s][b] = nc
			w.offCum[s][b] = oc
		}
	}
}

// localTime converts a UTC weekday (0=Sunday) and hour (taken at half past)
// to local weekday and hour for an offset of tz half hours.
func localTime(wd, h, tz int) (int, int) {
	hh := h*2 + 1 + tz // half hours since the UTC day's start
	day := wd
	for hh < 0 {
		hh += 48
		day--
	}
	for hh >= 48 {
		hh -= 48
		day++
	}
	return (day%7 + 7) % 7, hh / 2
}

func (w *world) makeTime(r *rng, o Options) {
	end := o.End.Unix()
	w.span = int64(o.Days) * 86400
	w.start = end - w.span
	nb := int((w.span + 3599) / 3600)
	dayFactor := make([]uint64, (nb+23)/24+1)
	for i := range dayFactor {
		dayFactor[i] = 85 + uint64(r.intn(31))
	}
	w.cum = make([]uint64, nb+1)
	w.slot = make([]uint8, nb)
	for b := 0; b < nb; b++ {
		lo := int64(b) * 3600
		ln := min(int64(3600), w.span-lo)
		mid := time.Unix(w.start+lo+ln/2, 0).UTC()
		s := int(mid.Weekday())*24 + mid.Hour()
		w.slot[b] = uint8(s)
		c := w.normCum[s]
		wt := c[len(c)-1] * dayFactor[b/24] * uint64(ln) / 3600
		if wt == 0 {
			wt = 1
		}
		w.cum[b+1] = w.cum[b] + wt
	}
}

// makeTitles builds document titles and file names with names, places and
// numbers filled in; all escaped.
func makeTitles(r *rng) (titles []string, files []fileName) {
	for i := 0; i < 400; i++ {
		t := pick(r, titleTemplates)
		var b strings.Builder
		for j := 0; j < len(t); j++ {
			if t[j] != '%' || j+1 == len(t) {
				b.WriteByte(t[j])
				continue
			}
			j++
			switch t[j] {
			case 'F':
				b.WriteString(pick(r, firstNames))
			case 'L':
				b.WriteString(pick(r, lastNames))
			case 'C':
				c := countries[r.intn(len(countries))]
				b.WriteString(c.cities[r.intn(len(c.cities))].name)
			case 'Y':
				b.WriteString(strconv.Itoa(2024 + r.intn(3)))
			case 'Q':
				b.WriteString(strconv.Itoa(1 + r.intn(4)))
			case 'H':
				b.WriteString(strconv.Itoa(1 + r.intn(2)))
			case 'N':
				b.WriteString(strconv.Itoa(1 + r.intn(9)))
			}
		}
		s := b.String()
		titles = append(titles, esc(s))
		f := strings.NewReplacer("/", "-", ":", "", "\\", "-", "\"", "").Replace(s)
		ext := "csv"
		if !strings.HasSuffix(f, ".csv") {
			ext = pick(r, titleExts)
			f += "." + ext
		}
		files = append(files, fileName{esc(f), ext})
	}
	return titles, files
}
