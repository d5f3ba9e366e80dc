package delivery

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSignFormat(t *testing.T) {
	secret := []byte("s3cr3t")
	body := []byte(`{"event":"report.generated"}`)
	at := time.Unix(1767225600, 999_000_000)
	got := Sign(secret, body, at)

	h := hmac.New(sha256.New, secret)
	h.Write([]byte("1767225600." + string(body)))
	want := "t=1767225600,v1=" + hex.EncodeToString(h.Sum(nil))
	if got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	if err := Verify(secret, body, got, at, time.Minute); err != nil {
		t.Fatalf("Verify(own signature): %v", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	secret := []byte("s3cr3t")
	body := []byte(`{"report_id":"r1","row_count":10}`)
	now := time.Unix(1767225600, 0)
	good := Sign(secret, body, now)
	sig := good[strings.Index(good, "v1=")+3:]
	ts := strconv.FormatInt(now.Unix(), 10)

	for _, tc := range []struct {
		name   string
		secret []byte
		body   []byte
		header string
		now    time.Time
		tol    time.Duration
		want   error // nil: must verify
	}{
		{"valid", secret, body, good, now, time.Minute, nil},
		{"valid within tolerance", secret, body, good, now.Add(59 * time.Second), time.Minute, nil},
		{"valid slightly in future", secret, body, good, now.Add(-30 * time.Second), time.Minute, nil},
		{"spaces around entries", secret, body, " t=" + ts + " , v1=" + sig + " ", now, time.Minute, nil},
		{"unknown keys ignored", secret, body, "t=" + ts + ",v0=abc,v1=" + sig, now, time.Minute, nil},
		{"rotation: second v1 matches", secret, body, "t=" + ts + ",v1=" + strings.Repeat("00", 32) + ",v1=" + sig, now, time.Minute, nil},
		{"tolerance 0 means default", secret, body, good, now.Add(4 * time.Minute), 0, nil},

		{"tampered body", secret, []byte(`{"report_id":"r1","row_count":11}`), good, now, time.Minute, ErrSignatureMismatch},
		{"appended body", secret, append(append([]byte(nil), body...), ' '), good, now, time.Minute, ErrSignatureMismatch},
		{"wrong secret", []byte("other"), body, good, now, time.Minute, ErrSignatureMismatch},
		{"empty secret", nil, body, good, now, time.Minute, ErrSignatureMismatch},
		{"old timestamp", secret, body, good, now.Add(10 * time.Minute), time.Minute, ErrSignatureTimestamp},
		{"old beyond default tolerance", secret, body, good, now.Add(6 * time.Minute), 0, ErrSignatureTimestamp},
		{"future timestamp", secret, body, good, now.Add(-2 * time.Minute), time.Minute, ErrSignatureTimestamp},
		{"re-stamped with valid old mac", secret, body, "t=" + strconv.FormatInt(now.Unix()+1, 10) + ",v1=" + sig, now, time.Minute, ErrSignatureMismatch},
		{"empty header", secret, body, "", now, time.Minute, ErrNoSignature},
		{"no v1", secret, body, "t=" + ts, now, time.Minute, ErrNoSignature},
		{"v1 not hex", secret, body, "t=" + ts + ",v1=zz", now, time.Minute, ErrNoSignature},
		{"v1 truncated", secret, body, "t=" + ts + ",v1=" + sig[:40], now, time.Minute, ErrNoSignature},
		{"no timestamp", secret, body, "v1=" + sig, now, time.Minute, ErrMalformedSignature},
		{"two timestamps", secret, body, "t=" + ts + ",t=" + ts + ",v1=" + sig, now, time.Minute, ErrMalformedSignature},
		{"non-numeric timestamp", secret, body, "t=abc,v1=" + sig, now, time.Minute, ErrMalformedSignature},
		{"non-canonical timestamp", secret, body, "t=+" + ts + ",v1=" + sig, now, time.Minute, ErrMalformedSignature},
		{"entry without =", secret, body, "t=" + ts + ",garbage,v1=" + sig, now, time.Minute, ErrMalformedSignature},
		{"bare signature", secret, body, sig, now, time.Minute, ErrMalformedSignature},
		{"huge header", secret, body, good + strings.Repeat(",x=y", 2000), now, time.Minute, ErrMalformedSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.secret, tc.body, tc.header, tc.now, tc.tol)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 64 || a == b {
		t.Fatalf("secrets %q %q", a, b)
	}
	if raw, err := hex.DecodeString(a); err != nil || len(raw) != 32 {
		t.Fatalf("secret %q is not 32 hex bytes: %v", a, err)
	}
	// The key is the hex text itself.
	body := []byte("x")
	now := time.Now()
	if err := Verify([]byte(a), body, Sign([]byte(a), body, now), now, time.Minute); err != nil {
		t.Fatal(err)
	}
}
