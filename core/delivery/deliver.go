package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// EventReportGenerated is the Notice.Event of a generated-report notice.
const EventReportGenerated = "report.generated"

// Defaults used when the corresponding Options field is zero.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 6
	// MaxBackoff caps every wait between attempts, whether it comes from
	// Options.Backoff or from a Retry-After header.
	MaxBackoff = 5 * time.Minute
)

// UserAgent is sent with every delivery.
const UserAgent = "auditdeck-webhook/1"

// Extra, unsigned, informational headers sent with every delivery.
const (
	EventHeader   = "X-Auditdeck-Event"
	AttemptHeader = "X-Auditdeck-Delivery-Attempt"
)

// maxResponseRead bounds how much of a receiver's response body is read
// (and discarded) so the connection can be reused.
const maxResponseRead = 64 << 10

// maxSnippet bounds the part of a failed response body quoted in errors.
const maxSnippet = 200

// Notice is the JSON body of a webhook delivery.
type Notice struct {
	Event           string    `json:"event"` // EventReportGenerated
	ReportID        string    `json:"report_id"`
	SubscriptionID  string    `json:"subscription_id"`
	DefinedReportID string    `json:"defined_report_id"`
	WindowStart     time.Time `json:"window_start"`
	WindowEnd       time.Time `json:"window_end"`
	Rows            int64     `json:"row_count"`
	Formats         []string  `json:"formats"`
	DownloadPath    string    `json:"download_path"` // e.g. /api/v2/report/<id>/csv
	GeneratedAt     time.Time `json:"generated_at"`
}

// DownloadPath returns the API path of a stored report in one format,
// /api/v2/report/<id>/<format>, with both segments path-escaped.
func DownloadPath(reportID, format string) string {
	return "/api/v2/report/" + url.PathEscape(reportID) + "/" + url.PathEscape(format)
}

// Attempt records one POST of a notice.
type Attempt struct {
	N        int           // 1-based attempt number
	At       time.Time     // when the attempt started (Options.Clock)
	Status   int           // HTTP status; 0 when no response was received
	Error    string        // "" on success
	Duration time.Duration // wall time of the request (monotonic clock)
}

// Options tunes Deliver. The zero value is usable.
type Options struct {
	// Client sends the requests. Default: timeout DefaultTimeout.
	// Redirects are never followed, whichever client is given: Deliver
	// uses a shallow copy whose CheckRedirect stops at the first
	// response, so a signed notice is never replayed to another URL; a
	// 3xx counts as a failure. A given client with Timeout 0 gets
	// DefaultTimeout.
	Client *http.Client
	// MaxAttempts is the most POSTs made, first one included.
	// Default DefaultMaxAttempts.
	MaxAttempts int
	// Backoff returns the wait after failed attempt number attempt
	// (1-based) before the next one. Default DefaultBackoff. Results
	// are clamped to [0, MaxBackoff].
	Backoff func(attempt int) time.Duration
	// Sleep waits d or until ctx ends, reporting whether the full wait
	// elapsed (false: ctx ended, stop). Default: a timer and ctx.Done.
	Sleep func(ctx context.Context, d time.Duration) bool
	// Clock supplies Attempt.At, the signature timestamp and "now" for
	// HTTP-date Retry-After values. Default time.Now.
	Clock func() time.Time
	// OnAttempt, if set, is called synchronously after every attempt,
	// in order, before any wait.
	OnAttempt func(Attempt)
}

// StatusError is the error of an attempt that got a non-2xx response.
type StatusError struct {
	StatusCode int
	Location   string // Location header of a 3xx (not followed)
	RetryAfter string // Retry-After header, if any
	Body       string // start of the response body, sanitised
}

func (e *StatusError) Error() string {
	var b strings.Builder
	b.WriteString("HTTP ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" ")
		b.WriteString(t)
	}
	if e.StatusCode >= 300 && e.StatusCode < 400 {
		b.WriteString(": redirect not followed")
		if e.Location != "" {
			b.WriteString(" (Location: ")
			b.WriteString(e.Location)
			b.WriteString(")")
		}
	}
	if e.Body != "" {
		b.WriteString(": ")
		b.WriteString(e.Body)
	}
	return b.String()
}

// Retryable reports whether a delivery that got this status should be
// tried again: 408, 425, 429 and every 5xx are; 3xx (redirects, never
// followed) and other 4xx are permanent.
func (e *StatusError) Retryable() bool { return RetryableStatus(e.StatusCode) }

// RetryableStatus reports whether an HTTP status is worth retrying: 408
// Request Timeout, 425 Too Early, 429 Too Many Requests and 5xx. 2xx is
// success; 3xx and other 4xx (and anything else below 500) are permanent.
func RetryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	}
	return code >= 500
}

// ErrNotRetried is wrapped by Deliver's error when it stopped because the
// receiver answered with a permanent (non-retryable) status.
var ErrNotRetried = errors.New("permanent failure, not retried")

// ErrAttemptsExhausted is wrapped by Deliver's error when every one of
// MaxAttempts attempts failed.
var ErrAttemptsExhausted = errors.New("attempts exhausted")

// DefaultBackoff is the default Options.Backoff: 1s, 2s, 4s, ... doubling
// per failed attempt, each scaled by a random factor in [0.8, 1.2), capped
// at MaxBackoff.
func DefaultBackoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := MaxBackoff
	if attempt <= 20 { // 2^19 s is far past the cap
		d = min(time.Second<<(attempt-1), MaxBackoff)
	}
	j := 0.8 + 0.4*rand.Float64()
	return min(time.Duration(float64(d)*j), MaxBackoff)
}

func defaultSleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Deliver POSTs the notice as JSON to webhookURL until a 2xx response, a
// permanent failure, MaxAttempts attempts, or the end of ctx.
//
// Every request carries Content-Type application/json, User-Agent
// UserAgent, SignatureHeader (Sign over the exact body, with a fresh
// timestamp per attempt so retries hours later still verify), and
// Idempotency-Key set to the report id (the same on every retry, so
// receivers can drop duplicates), plus the informational EventHeader and
// AttemptHeader. The body is identical on every attempt. An empty
// n.Event is sent as EventReportGenerated.
//
// Transport errors (including client timeouts) and statuses for which
// RetryableStatus holds are retried after Options.Backoff; on 429 and 503 a
// Retry-After header (seconds or HTTP date) replaces the backoff, bounded
// by MaxBackoff. A 3xx is never followed and is permanent, as are 4xx
// other than 408/425/429.
//
// It returns every attempt made (also passed to OnAttempt) and nil on
// success, otherwise an error wrapping the last attempt's error (a
// *StatusError for a response) and ErrNotRetried, ErrAttemptsExhausted or
// ctx.Err(). An invalid URL, empty secret or empty report id fails before
// any attempt.
func Deliver(ctx context.Context, webhookURL string, secret []byte, n Notice, o Options) ([]Attempt, error) {
	if err := ValidateURL(webhookURL); err != nil {
		return nil, err
	}
	if len(secret) == 0 {
		return nil, errors.New("delivery: empty signing secret")
	}
	if n.ReportID == "" {
		return nil, errors.New("delivery: notice has no report id")
	}
	if n.Event == "" {
		n.Event = EventReportGenerated
	}
	body, err := json.Marshal(n)
	if err != nil {
		return nil, fmt.Errorf("delivery: encoding notice: %w", err)
	}

	client := &http.Client{Timeout: DefaultTimeout}
	if o.Client != nil {
		c := *o.Client
		client = &c
		if client.Timeout <= 0 {
			client.Timeout = DefaultTimeout
		}
	}
	client.CheckRedirect = noRedirect
	maxAttempts := o.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	backoff := o.Backoff
	if backoff == nil {
		backoff = DefaultBackoff
	}
	sleep := o.Sleep
	if sleep == nil {
		sleep = defaultSleep
	}
	clock := o.Clock
	if clock == nil {
		clock = time.Now
	}

	var attempts []Attempt
	var last error
	for i := 1; i <= maxAttempts; i++ {
		if err := ctx.Err(); err != nil {
			return attempts, stopped(len(attempts), err, last)
		}
		at := clock()
		start := time.Now()
		status, retryAfter, err := post(ctx, client, webhookURL, body, secret, n, at, i)
		a := Attempt{N: i, At: at, Status: status, Duration: time.Since(start)}
		if err != nil {
			a.Error = err.Error()
		}
		attempts = append(attempts, a)
		if o.OnAttempt != nil {
			o.OnAttempt(a)
		}
		if err == nil {
			return attempts, nil
		}
		last = err
		if cerr := ctx.Err(); cerr != nil {
			return attempts, stopped(len(attempts), cerr, last)
		}
		var se *StatusError
		if errors.As(err, &se) && !se.Retryable() {
			return attempts, fmt.Errorf("delivery: webhook %s: %w after %d attempt(s): %w",
				redact(webhookURL), ErrNotRetried, len(attempts), err)
		}
		if i == maxAttempts {
			break
		}
		wait := backoff(i)
		if retryAfter >= 0 {
			wait = retryAfter
		}
		wait = min(max(wait, 0), MaxBackoff)
		if !sleep(ctx, wait) {
			cerr := ctx.Err()
			if cerr == nil {
				cerr = context.Canceled // Sleep gave up without ctx ending
			}
			return attempts, stopped(len(attempts), cerr, last)
		}
	}
	return attempts, fmt.Errorf("delivery: webhook %s: %w (%d): %w",
		redact(webhookURL), ErrAttemptsExhausted, len(attempts), last)
}

func stopped(n int, ctxErr, last error) error {
	if last == nil {
		return fmt.Errorf("delivery: stopped after %d attempt(s): %w", n, ctxErr)
	}
	return fmt.Errorf("delivery: stopped after %d attempt(s): %w (last error: %w)", n, ctxErr, last)
}

// post makes one attempt. retryAfter is the parsed Retry-After of a 429 or
// 503 response, or -1.
func post(ctx context.Context, client *http.Client, webhookURL string, body, secret []byte, n Notice, at time.Time, attempt int) (status int, retryAfter time.Duration, err error) {
	retryAfter = -1
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhookURL, bytes.NewReader(body))
	if err != nil {
		return 0, retryAfter, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(SignatureHeader, Sign(secret, body, at))
	req.Header.Set("Idempotency-Key", n.ReportID)
	req.Header.Set(EventHeader, n.Event)
	req.Header.Set(AttemptHeader, strconv.Itoa(attempt))
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = redact(ue.URL) // the query may carry a token
		}
		return 0, retryAfter, err
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxSnippet))
	// Drain a bounded amount more so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseRead))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, retryAfter, nil
	}
	se := &StatusError{
		StatusCode: resp.StatusCode,
		RetryAfter: resp.Header.Get("Retry-After"),
		Body:       sanitize(head),
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		se.Location = sanitize([]byte(resp.Header.Get("Location")))
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if d, ok := parseRetryAfter(se.RetryAfter, at); ok {
			retryAfter = d
		}
	}
	return resp.StatusCode, retryAfter, se
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date
// (relative to now). Results are >= 0; callers cap them.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		if s > int64(MaxBackoff/time.Second) {
			return MaxBackoff, true
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// sanitize makes receiver-controlled text safe to record: control
// characters become spaces, invalid UTF-8 is replaced, length is bounded.
func sanitize(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > maxSnippet {
		s = strings.ToValidUTF8(s[:maxSnippet], "") + "…"
	}
	return s
}

// redact drops the query string from a URL for error messages (it may
// carry a token).
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	u.Fragment = ""
	return u.String()
}
