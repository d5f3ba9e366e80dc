package synthetic

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// appendEscaped appends s as the content of a JSON string (no surrounding
// quotes): quote, backslash and control characters are escaped, U+2028 and
// U+2029 too (so the output is also safe to embed in JavaScript), invalid
// UTF-8 becomes U+FFFD. Used when tables are rendered, never in the hot loop.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"':
				b = append(b, '\\', '"')
			case c == '\\':
				b = append(b, '\\', '\\')
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029' || (r >= 0x80 && r < 0xa0):
			b = append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// esc returns s escaped as JSON string content.
func esc(s string) string { return string(appendEscaped(nil, s)) }

// Timestamp styles.
const (
	tsCloudlock  = iota // 2006-01-02T15:04:05.000Z (created_at, Google)
	tsCloudTrail        // 2006-01-02T15:04:05Z
	tsO365              // 2006-01-02T15:04:05
)

// appendTime appends the UTC time of unix seconds t in one of the styles.
// It avoids time.Time and fmt: days-to-civil after Howard Hinnant.
func appendTime(b []byte, t int64, style int) []byte {
	days := t / 86400
	secs := t % 86400
	if secs < 0 {
		secs += 86400
		days--
	}
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	hh, mm, ss := secs/3600, secs/60%60, secs%60
	b = append(b,
		byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+hh/10), byte('0'+hh%10), ':', byte('0'+mm/10), byte('0'+mm%10), ':',
		byte('0'+ss/10), byte('0'+ss%10))
	switch style {
	case tsCloudlock:
		b = append(b, ".000Z"...)
	case tsCloudTrail:
		b = append(b, 'Z')
	}
	return b
}

// mix64 is the splitmix64 finalizer: a bijection on uint64, so distinct
// inputs give distinct outputs (used to make event ids unique by
// construction).
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// appendUUID appends a version-4 shaped UUID whose 64 bits of u are all kept
// (so distinct u give distinct UUIDs) and whose remaining bits come from r.
func appendUUID(b []byte, u, r uint64) []byte {
	// time_low(32) time_mid(16) ver+12 var+2+4+8 node(48)
	tl := u >> 32
	tm := (u >> 16) & 0xffff
	th := 0x4000 | ((u >> 4) & 0x0fff)
	cs := 0x8000 | ((u & 0xf) << 10) | (r >> 54)
	node := r & 0xffffffffffff
	b = appendHex(b, tl, 8)
	b = append(b, '-')
	b = appendHex(b, tm, 4)
	b = append(b, '-')
	b = appendHex(b, th, 4)
	b = append(b, '-')
	b = appendHex(b, cs, 4)
	b = append(b, '-')
	return appendHex(b, node, 12)
}

// appendHex appends the low n hex digits of v, zero padded.
func appendHex(b []byte, v uint64, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		b = append(b, hexDigits[(v>>(uint(i)*4))&0xf])
	}
	return b
}

const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" // 32 symbols, base32-ish like AWS ids
const b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
const lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"

// appendBase32 appends n (<= 12) symbols of upperAlnum taken from v.
func appendBase32(b []byte, v uint64, n int) []byte {
	for i := 0; i < n; i++ {
		b = append(b, upperAlnum[v&31])
		v >>= 5
	}
	return b
}

// appendB64 appends n (<= 10) base64url symbols taken from v.
func appendB64(b []byte, v uint64, n int) []byte {
	for i := 0; i < n; i++ {
		b = append(b, b64url[v&63])
		v >>= 6
	}
	return b
}

// appendDigits appends exactly n decimal digits of v (n <= 19).
func appendDigits(b []byte, v uint64, n int) []byte {
	var tmp [20]byte
	for i := n - 1; i >= 0; i-- {
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[:n]...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}
