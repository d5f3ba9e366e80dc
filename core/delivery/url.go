package delivery

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// MaxURLLength is the longest webhook URL ValidateURL accepts.
const MaxURLLength = 2048

// ErrInvalidURL is wrapped by every error ValidateURL returns.
var ErrInvalidURL = errors.New("delivery: invalid webhook URL")

// ValidateURL checks a webhook URL given by a subscription: it must be an
// absolute http or https URL of at most MaxURLLength bytes with a host, an
// optional numeric port in 1..65535, and no userinfo (credentials in a URL
// end up in logs; receivers authenticate requests through the signature).
//
// Loopback, link-local and private addresses (127.0.0.1, localhost, ::1,
// 10.x, 192.168.x, ...) are deliberately allowed: operators commonly run
// the receiver on the same host or network as auditdeck. Subscriptions are
// created by operators, not by anonymous users, so no SSRF filtering is
// done here; deployments that need it should restrict egress or wrap the
// http.Client's dialer.
func ValidateURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("%w: empty", ErrInvalidURL)
	}
	if len(raw) > MaxURLLength {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidURL, MaxURLLength)
	}
	if strings.TrimSpace(raw) != raw {
		return fmt.Errorf("%w: leading or trailing space", ErrInvalidURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	switch u.Scheme { // url.Parse lower-cases the scheme
	case "http", "https":
	case "":
		return fmt.Errorf("%w: not absolute (scheme http or https required)", ErrInvalidURL)
	default:
		return fmt.Errorf("%w: scheme %q not allowed (http or https only)", ErrInvalidURL, u.Scheme)
	}
	if u.Opaque != "" {
		return fmt.Errorf("%w: opaque URL (want %s://host/...)", ErrInvalidURL, u.Scheme)
	}
	if u.User != nil {
		return fmt.Errorf("%w: userinfo not allowed", ErrInvalidURL)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%w: host required", ErrInvalidURL)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%w: bad port %q", ErrInvalidURL, p)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return fmt.Errorf("%w: empty port", ErrInvalidURL)
	}
	return nil
}
