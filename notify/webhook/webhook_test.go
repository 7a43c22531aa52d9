package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warden-ml/warden/notify"
	"github.com/warden-ml/warden/notify/webhook"
)

var now = time.Date(2024, 11, 5, 14, 3, 27, 0, time.UTC)

const secretPath = "/services/T000/B000/s3cr3t-token"

func newSender(t *testing.T, srv *httptest.Server, cfg webhook.Config) *webhook.Sender {
	t.Helper()
	if cfg.URL == "" {
		cfg.URL = srv.URL + secretPath
	}
	s, err := webhook.New(cfg, webhook.WithClock(func() time.Time { return now }), webhook.WithTransport(srv.Client().Transport))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type received struct {
	method, path string
	header       http.Header
	body         string
}

func TestRequestIsSignedAndVerifiable(t *testing.T) {
	for _, tlsServer := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", tlsServer), func(t *testing.T) {
			got := make(chan received, 1)
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				got <- received{r.Method, r.URL.Path, r.Header.Clone(), string(body)}
				w.WriteHeader(http.StatusNoContent)
			})
			srv := httptest.NewUnstartedServer(h)
			if tlsServer {
				srv.StartTLS()
			} else {
				srv.Start()
			}
			defer srv.Close()
			secret := "whsec_3b9f"
			s := newSender(t, srv, webhook.Config{Secret: []byte(secret), Headers: map[string]string{"Authorization": "Bearer abc", "x-tenant": "acme"}})
			payload := `{"id":"a1","severity":"high"}` + "\n"
			if err := s.Send(context.Background(), []byte(payload)); err != nil {
				t.Fatal(err)
			}
			r := <-got
			checks := []struct{ what, got, want string }{
				{"method", r.method, http.MethodPost},
				{"path", r.path, secretPath},
				{"body", r.body, payload},
				{"Content-Type", r.header.Get("Content-Type"), "application/json"},
				{"Authorization", r.header.Get("Authorization"), "Bearer abc"},
				{"X-Tenant", r.header.Get("X-Tenant"), "acme"},
				{"User-Agent", r.header.Get("User-Agent"), "warden-webhook"},
				{"timestamp", r.header.Get(webhook.TimestampHeader), "1730815407"},
				// Computed independently: python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec_3b9f",
				// b"1730815407.{\"id\":\"a1\",\"severity\":\"high\"}\n", hashlib.sha256).hexdigest())'
				{"signature", r.header.Get(webhook.SignatureHeader), "sha256=40002f84f75b815464c9a633d94062d1cd80b0c78692e6099da77f60e32a09c1"},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
			if err := webhook.Verify(secret, r.header.Get(webhook.TimestampHeader), r.body, r.header.Get(webhook.SignatureHeader), now.Add(time.Minute), 5*time.Minute); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

func TestUnsignedWithoutSecret(t *testing.T) {
	got := make(chan http.Header, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.Header.Clone() }))
	defer srv.Close()
	if err := newSender(t, srv, webhook.Config{Headers: map[string]string{"User-Agent": "custom"}}).Send(context.Background(), []byte("{}")); err != nil {
		t.Fatal(err)
	}
	h := <-got
	if _, ok := h[webhook.SignatureHeader]; ok {
		t.Errorf("signature header without a secret: %q", h.Get(webhook.SignatureHeader))
	}
	if h.Get(webhook.TimestampHeader) == "" || h.Get("User-Agent") != "custom" {
		t.Errorf("headers %v", h)
	}
}

func TestStatusClassification(t *testing.T) {
	httpDate := now.Add(90 * time.Second).Format(http.TimeFormat)
	tests := []struct {
		status     int
		retryAfter string
		body       string
		want       string // "ok", "retry", "throttled" or "permanent"
		after      time.Duration
		message    string
	}{
		{200, "", "", "ok", 0, ""},
		{201, "", "", "ok", 0, ""},
		{202, "", "", "ok", 0, ""},
		{204, "", "", "ok", 0, ""},
		{299, "", "", "ok", 0, ""},
		{301, "", "", "permanent", 0, "301 Moved Permanently (redirects are not followed"},
		{302, "", "", "permanent", 0, "302 Found"},
		{307, "", "", "permanent", 0, "307 Temporary Redirect"},
		{400, "", `{"error":"unknown field \"x\""}`, "permanent", 0, `400 Bad Request: "{\"error\":\"unknown field \\\"x\\\"\"}"`},
		{401, "", "", "permanent", 0, "401 Unauthorized"},
		{403, "", "", "permanent", 0, "403 Forbidden"},
		{404, "", "", "permanent", 0, "404 Not Found"},
		{410, "", "", "permanent", 0, "410 Gone"},
		{413, "", "", "permanent", 0, "413 Request Entity Too Large"},
		{422, "", "", "permanent", 0, "422 Unprocessable Entity"},
		{408, "", "", "retry", 0, "408 Request Timeout"},
		{429, "", "", "retry", 0, "429 Too Many Requests"},
		{429, "soon", "", "retry", 0, "429 Too Many Requests"},
		{429, "120", "", "throttled", 2 * time.Minute, "429 Too Many Requests"},
		{429, " 0 ", "", "throttled", 0, "429 Too Many Requests"},
		{429, httpDate, "", "throttled", 90 * time.Second, "429 Too Many Requests"},
		{429, "999999999999999999999999", "", "throttled", time.Hour, "429 Too Many Requests"},
		{500, "", "boom\x00\nline 2", "retry", 0, `500 Internal Server Error: "boom\x00\nline 2"`},
		{502, "", "", "retry", 0, "502 Bad Gateway"},
		{503, "", "", "retry", 0, "503 Service Unavailable"},
		{503, "30", "", "throttled", 30 * time.Second, "503 Service Unavailable"},
		{504, "", "", "retry", 0, "504 Gateway Timeout"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d %s", tc.status, tc.retryAfter), func(t *testing.T) {
			var redirected atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/elsewhere" {
					redirected.Add(1)
					return
				}
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				if tc.status >= 300 && tc.status < 400 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			err := newSender(t, srv, webhook.Config{}).Send(context.Background(), []byte("{}"))
			after, throttled := notify.RetryAfter(err)
			var got string
			switch {
			case err == nil:
				got = "ok"
			case notify.IsPermanent(err):
				got = "permanent"
			case throttled:
				got = "throttled"
			default:
				got = "retry"
			}
			if got != tc.want || after != tc.after {
				t.Fatalf("%v: classified %s (retry after %s), want %s (%s)", err, got, after, tc.want, tc.after)
			}
			if err != nil {
				msg := err.Error()
				if !strings.Contains(msg, tc.message) || !strings.HasPrefix(msg, "webhook http://127.0.0.1:") {
					t.Errorf("message %q, want it to start with the sender's name and contain %q", msg, tc.message)
				}
				if strings.Contains(msg, "s3cr3t") {
					t.Errorf("message %q reveals the URL path", msg)
				}
			}
			if redirected.Load() != 0 {
				t.Error("followed a redirect")
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	err := newSender(t, srv, webhook.Config{Timeout: 50 * time.Millisecond}).Send(context.Background(), []byte("{}"))
	if err == nil || notify.IsPermanent(err) || !strings.Contains(err.Error(), "no response within 50ms") || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send to a server that does not answer: %v, want a retryable timeout", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("took %s", elapsed)
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("message %q reveals the URL path", err)
	}
}

func TestCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := newSender(t, srv, webhook.Config{}).Send(ctx, []byte("{}"))
	if !errors.Is(err, context.Canceled) || notify.IsPermanent(err) {
		t.Errorf("Send with a cancelled context: %v", err)
	}
}

func TestNetworkErrorIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	url := srv.URL + secretPath
	srv.Close()
	s, err := webhook.New(webhook.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), []byte("{}"))
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("Send to a closed port: %v, want a retryable error", err)
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("message %q reveals the URL path", err)
	}
}

// A huge error body is read only in part: Send returns without waiting for
// all of it, and the message quotes a bounded snippet.
func TestLargeResponseBody(t *testing.T) {
	var written atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		chunk := []byte(strings.Repeat("x", 32<<10))
		for range 1 << 12 { // 128 MiB
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	err := newSender(t, srv, webhook.Config{}).Send(context.Background(), []byte("{}"))
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("Send: %v, want retryable", err)
	}
	if n := len(err.Error()); n > 700 {
		t.Errorf("message of %d bytes", n)
	}
	if !strings.HasSuffix(err.Error(), `"...`) {
		t.Errorf("message %.100q... does not mark the snippet as cut", err)
	}
	srv.CloseClientConnections()
	if w := written.Load(); w >= 128<<20 {
		t.Errorf("the whole body (%d bytes) was read", w)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  webhook.Config
		want string
	}{
		{"ok", webhook.Config{URL: "https://hooks.example.com/warden", Secret: []byte("k"), Timeout: time.Second, Headers: map[string]string{"Authorization": "Bearer x\ty"}}, ""},
		{"ok with port and user", webhook.Config{URL: "http://u:p@10.0.0.1:8080/x?token=1"}, ""},
		{"empty url", webhook.Config{}, "url is empty"},
		{"no scheme", webhook.Config{URL: "hooks.example.com/warden"}, `scheme "" is not http or https`},
		{"ftp", webhook.Config{URL: "ftp://hooks.example.com/"}, `scheme "ftp" is not http or https`},
		{"no host", webhook.Config{URL: "https:///path"}, "url has no host"},
		{"opaque", webhook.Config{URL: "http:hooks.example.com"}, "url has no host"},
		{"bad escape", webhook.Config{URL: "https://hooks.example.com/%zz"}, "url does not parse"},
		{"negative timeout", webhook.Config{URL: "https://h/", Timeout: -time.Second}, "timeout -1s is negative"},
		{"space in header name", webhook.Config{URL: "https://h/", Headers: map[string]string{"X Bad": "1"}}, `header name "X Bad"`},
		{"empty header name", webhook.Config{URL: "https://h/", Headers: map[string]string{"": "1"}}, `header name ""`},
		{"non-ASCII header name", webhook.Config{URL: "https://h/", Headers: map[string]string{"X-Ünï": "1"}}, "not a valid HTTP field name"},
		{"header injection", webhook.Config{URL: "https://h/", Headers: map[string]string{"X-A": "1\r\nX-B: 2"}}, "header X-A: value has a control character at byte 1"},
		{"reserved content type", webhook.Config{URL: "https://h/", Headers: map[string]string{"content-type": "text/plain"}}, "header Content-Type is set by the webhook itself"},
		{"reserved signature", webhook.Config{URL: "https://h/", Headers: map[string]string{"X-WARDEN-SIGNATURE": "x"}}, "header X-Warden-Signature is set"},
		{"reserved host", webhook.Config{URL: "https://h/", Headers: map[string]string{"Host": "x"}}, "header Host is set"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate: %v, want an error containing %q", err, tc.want)
			}
			if _, err2 := webhook.New(tc.cfg); (err == nil) != (err2 == nil) {
				t.Errorf("New: %v, Validate: %v", err2, err)
			}
		})
	}
}

func TestNameHidesCredentials(t *testing.T) {
	s, err := webhook.New(webhook.Config{URL: "https://user:pass@hooks.example.com:8443/services/T0/B0/token?key=k"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Name(), "webhook https://hooks.example.com:8443"; got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
}
