// Package delivery sends signed webhook notices when a report has been
// generated.
//
// A subscription may name a webhook URL. After each generated report,
// Deliver POSTs a JSON Notice to that URL, signed with HMAC-SHA256 over
// "<unix seconds>.<body>" (the Stripe scheme), retrying with backoff and
// reporting every attempt through Options.OnAttempt so the caller can
// record it.
//
// Receivers verify a notice with Verify (or an equivalent in their own
// language): read the raw body, take the X-Auditdeck-Signature header,
// recompute HMAC-SHA256 with the shared secret over "<t>.<body>", compare in
// constant time and reject timestamps outside a tolerance window so a
// captured request cannot be replayed later. The Idempotency-Key header
// carries the report id so a receiver can drop duplicates caused by retries.
package delivery

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader is the HTTP header that carries the signature produced by
// Sign.
const SignatureHeader = "X-Auditdeck-Signature"

// DefaultTolerance is the replay window Verify uses when it is given a
// tolerance <= 0.
const DefaultTolerance = 5 * time.Minute

// maxSignatureHeader bounds the header Verify is willing to parse.
const maxSignatureHeader = 4096

// Errors returned by Verify. They can be tested with errors.Is.
var (
	// ErrNoSignature: the header is empty or has no v1 entry.
	ErrNoSignature = errors.New("delivery: no signature")
	// ErrMalformedSignature: the header cannot be parsed.
	ErrMalformedSignature = errors.New("delivery: malformed signature header")
	// ErrSignatureTimestamp: the signed timestamp is outside the tolerance
	// window (too old, or too far in the future).
	ErrSignatureTimestamp = errors.New("delivery: signature timestamp outside tolerance")
	// ErrSignatureMismatch: no v1 value matches the body and secret.
	ErrSignatureMismatch = errors.New("delivery: signature mismatch")
)

// NewSecret returns a new webhook signing secret: 32 random bytes, hex
// encoded (64 characters).
//
// The secret is used as the HMAC key exactly as the string is written, i.e.
// Sign([]byte(secret), ...): receivers configure the 64-character text they
// were shown and never need to hex-decode it.
func NewSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("delivery: generating secret: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Sign returns the signature header value for body signed at time t:
//
//	t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//
// Including the timestamp in the signed payload lets receivers reject
// replays of an old request (see Verify).
func Sign(secret []byte, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a signature header (as produced by Sign) against the raw
// request body and the shared secret.
//
// The header must hold exactly one t=<unix seconds> entry and at least one
// v1=<hex> entry; several v1 entries are accepted (any match succeeds) so a
// sender can sign with an old and a new secret while rotating. Unknown keys
// are ignored. Signatures are compared with hmac.Equal (constant time).
//
// The timestamp must lie within tolerance of now in either direction, which
// rejects replays and grossly skewed clocks. A tolerance <= 0 means
// DefaultTolerance; replay protection cannot be switched off.
func Verify(secret []byte, body []byte, header string, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return ErrNoSignature
	}
	if len(header) > maxSignatureHeader {
		return fmt.Errorf("%w: header too long", ErrMalformedSignature)
	}
	var (
		ts     string
		haveTS bool
		sigs   [][]byte
	)
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: entry %q has no '='", ErrMalformedSignature, part)
		}
		switch k {
		case "t":
			if haveTS {
				return fmt.Errorf("%w: more than one timestamp", ErrMalformedSignature)
			}
			ts, haveTS = v, true
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil || len(sig) != sha256.Size {
				// A garbled candidate can never match; keep looking
				// at the others rather than leaking which one failed.
				continue
			}
			sigs = append(sigs, sig)
		}
	}
	if !haveTS {
		return fmt.Errorf("%w: no timestamp", ErrMalformedSignature)
	}
	if len(sigs) == 0 {
		return ErrNoSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || ts != strconv.FormatInt(sec, 10) {
		// Require the canonical form ("+5", "05" would otherwise be
		// signed under a different string than the one we check).
		return fmt.Errorf("%w: bad timestamp %q", ErrMalformedSignature, ts)
	}
	skew := now.Sub(time.Unix(sec, 0))
	if skew < 0 {
		skew = -skew
	}
	if skew > tolerance {
		return fmt.Errorf("%w: signed at %s, now %s, tolerance %s",
			ErrSignatureTimestamp, time.Unix(sec, 0).UTC().Format(time.RFC3339),
			now.UTC().Format(time.RFC3339), tolerance)
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		// Evaluate every candidate so timing does not depend on which
		// one matched.
		if hmac.Equal(want, s) {
			ok = true
		}
	}
	if !ok {
		return ErrSignatureMismatch
	}
	return nil
}
