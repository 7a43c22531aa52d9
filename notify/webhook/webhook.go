// Package webhook is the receiver that POSTs each notification to an HTTP
// endpoint as JSON (notify.JSONLine): one request per evaluation of a
// model, listing the alerts it raised that reach the receiver's minimum
// severity.
//
// # Signature
//
// Every request carries X-Warden-Timestamp, the Unix time in seconds when
// it was made, and, when the webhook has a secret, X-Warden-Signature:
//
//	X-Warden-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
// To check a request, an endpoint recomputes the HMAC over the timestamp
// header, a full stop and the raw body, compares it in constant time with
// the signature, and refuses timestamps more than a few minutes from its
// own clock, so that a captured request cannot be replayed later. Verify
// does all of this for endpoints written in Go. Each attempt is signed
// afresh: a retried notification carries the same body with a newer
// timestamp, and its "id" field identifies duplicates.
//
// # Outcomes
//
// A 2xx status is delivered. 408, 429, 5xx, timeouts and network errors
// are retried; a 429 or 503 with Retry-After (seconds or an HTTP date,
// capped at an hour) holds all deliveries to the webhook until then.
// Redirects are not followed and, like every other status, are permanent
// failures: the configuration has to change before a retry could succeed.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/warden-ml/warden/notify"
)

// Config configures a webhook.
type Config struct {
	URL string // http or https
	// Secret is the HMAC key for X-Warden-Signature; empty sends requests
	// unsigned.
	Secret  []byte
	Timeout time.Duration // for one request, response included; 0 means 5s
	// Headers are added to every request, for example an Authorization
	// header; they cannot replace the headers the webhook sets itself.
	Headers map[string]string
}

// DefaultTimeout is the request timeout when Config.Timeout is 0.
const DefaultTimeout = 5 * time.Second

// reserved are the headers the sender sets itself (canonical form).
var reserved = []string{"Content-Type", "Content-Length", "Host", "Transfer-Encoding", "Connection", TimestampHeader, SignatureHeader}

// Validate checks the configuration.
func (c Config) Validate() error {
	if _, err := parseURL(c.URL); err != nil {
		return err
	}
	if c.Timeout < 0 {
		return fmt.Errorf("webhook: timeout %s is negative", c.Timeout)
	}
	for name, value := range c.Headers {
		if !validHeaderName(name) {
			return fmt.Errorf("webhook: header name %q is not a valid HTTP field name", name)
		}
		canonical := http.CanonicalHeaderKey(name)
		for _, r := range reserved {
			if canonical == r {
				return fmt.Errorf("webhook: header %s is set by the webhook itself", r)
			}
		}
		if i := strings.IndexFunc(value, func(r rune) bool { return r != '\t' && (r < ' ' || r == 0x7f) }); i >= 0 {
			return fmt.Errorf("webhook: header %s: value has a control character at byte %d", canonical, i)
		}
	}
	return nil
}

func parseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("webhook: url is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the URL, which may hold a token.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("webhook: url does not parse: %w", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("webhook: url scheme %q is not http or https", u.Scheme)
	case u.Opaque != "" || u.Host == "":
		return nil, fmt.Errorf("webhook: url has no host (want %s://host/path)", u.Scheme)
	}
	return u, nil
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r >= 0x80 || !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
			return false
		}
	}
	return true
}

// Sender posts payloads to one webhook. It is safe for concurrent use.
type Sender struct {
	url     *url.URL
	name    string
	secret  []byte
	timeout time.Duration
	headers http.Header
	client  *http.Client
	now     func() time.Time
}

var _ notify.Sender = (*Sender)(nil)

// Option changes how a Sender works, mostly for tests.
type Option func(*Sender)

// WithClock sets the clock for the timestamp header and for Retry-After
// dates (time.Now by default).
func WithClock(now func() time.Time) Option { return func(s *Sender) { s.now = now } }

// WithTransport sets the HTTP transport (by default a clone of
// http.DefaultTransport, which honours the proxy environment variables).
func WithTransport(rt http.RoundTripper) Option { return func(s *Sender) { s.client.Transport = rt } }

// New returns a sender for cfg.
func New(cfg Config, opts ...Option) (*Sender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	u, _ := parseURL(cfg.URL)
	s := &Sender{
		url:     u,
		name:    "webhook " + u.Scheme + "://" + u.Host, // the path and user info may be credentials
		secret:  bytes.Clone(cfg.Secret),
		timeout: cfg.Timeout,
		headers: make(http.Header, len(cfg.Headers)),
		client: &http.Client{
			Transport:     http.DefaultTransport.(*http.Transport).Clone(),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		now: time.Now,
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	for name, value := range cfg.Headers {
		s.headers.Set(name, value)
	}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Name implements notify.Sender: the scheme and host, without path or
// user info, which may carry credentials.
func (s *Sender) Name() string { return s.name }

const (
	snippetBytes = 512      // of an error response, quoted in the error
	drainBytes   = 64 << 10 // read past the snippet so the connection can be reused
)

// Send posts payload and classifies the outcome (see the package
// documentation).
func (s *Sender) Send(ctx context.Context, payload []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url.String(), bytes.NewReader(payload))
	if err != nil {
		return notify.Permanent(fmt.Errorf("%s: %w", s.name, err))
	}
	req.Header = s.headers.Clone()
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "warden-webhook")
	}
	req.Header.Set("Content-Type", "application/json")
	ts := s.now().Unix()
	req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
	if len(s.secret) > 0 {
		req.Header.Set(SignatureHeader, Sign(s.secret, ts, payload))
	}

	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL
		}
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return fmt.Errorf("%s: no response within %s: %w", s.name, s.timeout, err)
		}
		return fmt.Errorf("%s: %w", s.name, err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, snippetBytes))
	io.Copy(io.Discard, io.LimitReader(resp.Body, drainBytes))

	code := resp.StatusCode
	if code >= 200 && code <= 299 {
		return nil
	}
	err = fmt.Errorf("%s: %s%s", s.name, resp.Status, quote(snippet))
	switch {
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		if after, ok := parseRetryAfter(resp.Header.Get("Retry-After"), s.now()); ok {
			return notify.Throttled(err, after)
		}
		return err
	case code == http.StatusRequestTimeout || code >= 500:
		return err
	case code >= 300 && code <= 399:
		return notify.Permanent(fmt.Errorf("%w (redirects are not followed: configure the address it redirects to)", err))
	}
	return notify.Permanent(err)
}

// quote renders the start of a response body for an error message: valid
// UTF-8, control characters escaped, on one line.
func quote(body []byte) string {
	text := strings.TrimSpace(strings.ToValidUTF8(string(body), "\uFFFD"))
	if text == "" {
		return ""
	}
	q := strconv.Quote(text)
	if len(body) == snippetBytes {
		q += "..."
	}
	return ": " + q
}

// maxRetryAfter caps the wait a receiver may ask for, so that a wrong
// header cannot hold its notifications for days.
const maxRetryAfter = time.Hour

// parseRetryAfter reads a Retry-After value (RFC 9110 section 10.2.3):
// whole seconds, or an HTTP date taken relative to now (a past date means
// at once). ok is false when the value is neither.
func parseRetryAfter(value string, now time.Time) (wait time.Duration, ok bool) {
	value = strings.Trim(value, " \t")
	if value == "" {
		return 0, false
	}
	if strings.Trim(value, "0123456789") == "" {
		secs, err := strconv.ParseUint(value, 10, 64)
		if err != nil || secs > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true // only overflow fails here: digits alone
		}
		return time.Duration(secs) * time.Second, true
	}
	at, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	return min(max(at.Sub(now), 0), maxRetryAfter), true
}
