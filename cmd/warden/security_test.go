package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/warden-ml/warden/auth"
	"github.com/warden-ml/warden/simulate"
)

// The secrets of the test's tokens; the configuration holds their hashes.
var testSecrets = map[string]string{
	"admin":   "wdn_admin-secret-0123456789",
	"reader":  "wdn_reader-secret-012345678",
	"ingest":  "wdn_ingest-secret-012345678",
	"expired": "wdn_expired-secret-01234567",
	"scoped":  "wdn_scoped-secret-012345678",
}

func securityConfig(t *testing.T, dir string, without ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("auth:\n  tokens:\n")
	add := func(name, roles, extra string) {
		if !slices.Contains(without, name) {
			b.WriteString("    - {name: " + name + ", sha256: " + auth.HashHex(testSecrets[name]) + ", roles: [" + roles + "]" + extra + "}\n")
		}
	}
	add("admin", "admin", "")
	add("reader", "read", "")
	add("ingest", "ingest", "")
	add("expired", "read", ", expires: '2001-01-01T00:00:00Z'")
	add("scoped", "read, ingest, admin", ", models: [m1]")
	return writeFile(t, dir, "warden.yaml", b.String())
}

// operation is one route as api/openapi.yaml documents it.
type operation struct {
	method, path, role string
	bodyTypes          []string
}

func documentedOperations(t *testing.T) []operation {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "api", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var ops []operation
	for path, methods := range doc.Paths {
		for method, node := range methods {
			if method == "parameters" {
				continue
			}
			var spec struct {
				Role        string `yaml:"x-warden-role"`
				RequestBody struct {
					Content map[string]any `yaml:"content"`
				} `yaml:"requestBody"`
			}
			if err := node.Decode(&spec); err != nil {
				t.Fatal(err)
			}
			var types []string
			for ct := range spec.RequestBody.Content {
				types = append(types, ct)
			}
			slices.Sort(types)
			ops = append(ops, operation{strings.ToUpper(method), path, spec.Role, types})
		}
	}
	slices.SortFunc(ops, func(a, b operation) int { return strings.Compare(a.method+a.path, b.method+b.path) })
	return ops
}

// call sends a request to the service with a token ("" for none) and
// headers, and returns the status and body.
func (s *service) call(t *testing.T, method, path, token, contentType string, body []byte, headers ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.base+path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	return resp.StatusCode, out.String()
}

// Every documented route, against no token, a wrong one, an expired one
// and each role: refused exactly where the route's declared role says.
func TestEveryRouteNeedsItsRole(t *testing.T) {
	dir := t.TempDir()
	svc := startService(t, filepath.Join(dir, "data"), "--config", securityConfig(t, dir))
	ops := documentedOperations(t)
	if len(ops) < 15 {
		t.Fatalf("only %d operations documented", len(ops))
	}
	roleOf := map[string]string{"admin": "admin", "reader": "read", "ingest": "ingest"}
	for _, op := range ops {
		path := strings.NewReplacer("{name}", "m1", "{id}", "x").Replace(op.path)
		ct := ""
		var body []byte
		if len(op.bodyTypes) > 0 {
			ct, body = op.bodyTypes[0], []byte("{}")
		}
		try := func(token string) int {
			code, _ := svc.call(t, op.method, path, token, ct, body)
			return code
		}
		if op.role == "none" {
			// Open routes answer for themselves (a login form refuses a
			// wrong token), never with the guard's demand for one.
			if code, body := svc.call(t, op.method, path, "", ct, body); strings.Contains(body, "needs a token") || strings.Contains(body, "lacks the") {
				t.Errorf("%s %s is open, yet the guard refused it: %d %s", op.method, op.path, code, body)
			}
			continue
		}
		for _, bad := range []string{"", "wdn_not-a-token-0123456789", testSecrets["expired"]} {
			if code := try(bad); code != http.StatusUnauthorized {
				t.Errorf("%s %s with token %q: %d, want 401", op.method, op.path, bad, code)
			}
		}
		for name, role := range roleOf {
			code := try(testSecrets[name])
			if role == op.role && (code == 401 || code == 403) {
				t.Errorf("%s %s (%s) refused the %s token: %d", op.method, op.path, op.role, role, code)
			}
			if role != op.role && code != http.StatusForbidden {
				t.Errorf("%s %s (%s) with the %s token: %d, want 403", op.method, op.path, op.role, role, code)
			}
		}
	}
}

// Requests another web page could make are refused, with a token or not.
func TestCrossSiteRequestsRefused(t *testing.T) {
	dir := t.TempDir()
	svc := startService(t, filepath.Join(dir, "data"), "--config", securityConfig(t, dir))
	admin := testSecrets["admin"]
	silence := []byte(`{"matchers":{"model":"m1"},"ends_at":"2126-01-01T00:00:00Z"}`)
	tests := []struct {
		name, token, contentType string
		headers                  []string
		want                     int
	}{
		{"text/plain silence", admin, "text/plain", nil, http.StatusUnsupportedMediaType},
		{"form post", admin, "application/x-www-form-urlencoded", nil, http.StatusUnsupportedMediaType},
		{"multipart", admin, "multipart/form-data; boundary=x", nil, http.StatusUnsupportedMediaType},
		{"no content type", admin, "", nil, http.StatusUnsupportedMediaType},
		{"foreign origin", admin, "application/json", []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"foreign origin, no token", "", "text/plain", []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"foreign host (DNS rebinding)", admin, "application/json", []string{"Host", "evil.example"}, http.StatusMisdirectedRequest},
		{"foreign host and origin, text/plain", "", "text/plain", []string{"Origin", "http://evil.example", "Host", "evil.example"}, http.StatusMisdirectedRequest},
		{"same origin", admin, "application/json", []string{"Origin", svc.base}, http.StatusCreated},
	}
	for _, tc := range tests {
		code, body := svc.call(t, "POST", "/v1/silences", tc.token, tc.contentType, silence, tc.headers...)
		if code != tc.want {
			t.Errorf("%s: %d, want %d: %s", tc.name, code, tc.want, body)
		}
	}
	// No CORS headers for an origin nobody listed.
	req, _ := http.NewRequest("OPTIONS", svc.base+"/v1/alerts", nil)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.StatusCode != http.StatusForbidden {
		t.Errorf("preflight from a foreign origin: %d, %v", resp.StatusCode, resp.Header)
	}
	// Pages carry the security headers.
	resp, err = http.Get(svc.base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("the login page lacks %s", h)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
}

// Every admin action is in the audit log with its actor; a token limited
// to models touches only those; a token removed from the configuration
// stops working on SIGHUP.
func TestAuditScopesAndRevocation(t *testing.T) {
	dir := t.TempDir()
	cfg := securityConfig(t, dir)
	svc := startService(t, filepath.Join(dir, "data"), "--config", cfg)
	admin, scoped := testSecrets["admin"], testSecrets["scoped"]
	var ref bytes.Buffer
	simulate.WriteCSV(&ref, simulate.Reference(1, 3000))
	steps := []struct {
		method, path, token, ct, body string
		want                          int
	}{
		{"POST", "/v1/models", admin, "application/json", `{"name":"m1"}`, 201},
		{"POST", "/v1/models", admin, "application/json", `{"name":"m2"}`, 201},
		{"PUT", "/v1/models/m1/reference", scoped, "text/csv", ref.String(), 200},
		{"PUT", "/v1/models/m2/reference", scoped, "text/csv", ref.String(), 403},
		{"POST", "/v1/models", scoped, "application/json", `{"name":"m2","drift":{"enabled":false}}`, 403},
		{"POST", "/v1/silences", scoped, "application/json", `{"matchers":{"type":"drift"},"ends_at":"2126-01-01T00:00:00Z"}`, 403},
		{"POST", "/v1/silences", scoped, "application/json", `{"id":"s1","matchers":{"model":"m1"},"ends_at":"2126-01-01T00:00:00Z"}`, 201},
		{"POST", "/v1/silences", admin, "application/json", `{"id":"s2","matchers":{"model":"m2"},"ends_at":"2126-01-01T00:00:00Z"}`, 201},
		{"DELETE", "/v1/silences/s2", scoped, "", "", 403},
		{"DELETE", "/v1/silences/s1", scoped, "", "", 200},
		{"GET", "/v1/alerts", scoped, "", "", 403},
		{"GET", "/v1/alerts?model=m1", scoped, "", "", 200},
		{"GET", "/v1/models/m2", scoped, "", "", 403},
		{"POST", "/v1/events", scoped, "application/x-ndjson", `{"model":"m1","time":"2026-01-01T00:00:00Z"}` + "\n" + `{"model":"m2","time":"2026-01-01T00:00:00Z"}` + "\n", 202},
	}
	for _, s := range steps {
		if code, body := svc.call(t, s.method, s.path, s.token, s.ct, []byte(s.body)); code != s.want {
			t.Errorf("%s %s: %d, want %d: %s", s.method, s.path, code, s.want, body)
		}
	}
	_, body := svc.call(t, "POST", "/v1/events", scoped, "application/x-ndjson", []byte(`{"model":"m2","time":"2026-01-01T00:00:00Z"}`))
	if !strings.Contains(body, `token scoped may not send events of model \"m2\"`) {
		t.Errorf("an event of another model: %s", body)
	}
	code, body := svc.call(t, "GET", "/v1/audit", admin, "", nil)
	var entries []struct{ Actor, Action, Target string }
	if code != 200 || json.Unmarshal([]byte(body), &entries) != nil {
		t.Fatalf("audit: %d %s", code, body)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Actor+" "+e.Action+" "+e.Target)
	}
	for _, want := range []string{"admin model.register m1", "admin model.register m2", "scoped reference.upload m1", "scoped silence.create s1", "scoped silence.expire s1"} {
		if !slices.Contains(got, want) {
			t.Errorf("the audit log lacks %q: %q", want, got)
		}
	}
	if code, _ := svc.call(t, "GET", "/v1/audit", testSecrets["reader"], "", nil); code != 403 {
		t.Errorf("audit with the read role: %d, want 403", code)
	}

	// The reader's token leaves the configuration: refused after SIGHUP.
	if code, _ := svc.call(t, "GET", "/v1/models", testSecrets["reader"], "", nil); code != 200 {
		t.Fatalf("reader before the reload: %d", code)
	}
	securityConfig(t, dir, "reader")
	svc.cmd.Process.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, _ := svc.call(t, "GET", "/v1/models", testSecrets["reader"], "", nil)
		if code == http.StatusUnauthorized {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the removed token still works after SIGHUP: %d", code)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, _ := svc.call(t, "GET", "/v1/models", admin, "", nil); code != 403 {
		t.Errorf("admin (no read role) after the reload: %d, want 403", code)
	}

	// warden report reads the service with a token from WARDEN_TOKEN.
	if r := warden(t, "report", "--server", svc.base); r.code != exitUsage || !strings.Contains(r.stderr, "needs a token") {
		t.Errorf("report without a token: exit %d: %s", r.code, r.stderr)
	}
	if r := warden(t, "report", "--server", svc.base, "--token", testSecrets["scoped"], "--model", "m1"); r.code > 1 {
		t.Errorf("report with a token: exit %d: %s", r.code, r.stderr)
	}
}

// A service that anyone on the network could reach does not start without
// tokens, unless told to; a token from 'warden token new' is accepted.
func TestServeSecureByDefault(t *testing.T) {
	dir := t.TempDir()
	r := warden(t, "serve", "--addr", "0.0.0.0:0", "--data", filepath.Join(dir, "a"))
	if r.code != exitUsage || !strings.Contains(r.stderr, "0.0.0.0:0 is not a loopback address and no tokens are configured") ||
		!strings.Contains(r.stderr, "warden token new") {
		t.Errorf("serve on 0.0.0.0 without tokens: exit %d: %s", r.code, r.stderr)
	}
	tok := warden(t, "token", "new", "--name", "ops", "--roles", "read")
	secret := strings.TrimSpace(tok.stdout[strings.Index(tok.stdout, "shown once: ")+len("shown once: ") : strings.Index(tok.stdout, "\n")])
	cfg := writeFile(t, dir, "warden.yaml", tok.stdout[strings.Index(tok.stdout, "\n")+1:])
	svc := startService(t, filepath.Join(dir, "b"), "--config", cfg, "--addr", "0.0.0.0:0")
	// Listening on every interface, it is reached here over loopback.
	svc.base = "http://127.0.0.1:" + svc.base[strings.LastIndex(svc.base, ":")+1:]
	if code, body := svc.call(t, "GET", "/v1/models", secret, "", nil); code != 200 {
		t.Errorf("the new token on 0.0.0.0: %d %s", code, body)
	}
	if code, _ := svc.call(t, "GET", "/v1/models", "", "", nil); code != 401 {
		t.Errorf("no token on 0.0.0.0: %d", code)
	}
}

// The dashboard signs in with a token into a cookie that only reads; it
// signs out with the session's CSRF token, not without.
func TestDashboardLogin(t *testing.T) {
	dir := t.TempDir()
	svc := startService(t, filepath.Join(dir, "data"), "--config", securityConfig(t, dir))
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string, http.Header) {
		req, _ := http.NewRequest("GET", svc.base+path, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String(), resp.Header
	}
	post := func(path, contentType, body string) (int, http.Header) {
		resp, err := browser.Post(svc.base+path, contentType, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	if code, _, h := get("/"); code != http.StatusSeeOther || h.Get("Location") != "/login" {
		t.Fatalf("the dashboard without a session: %d %s", code, h.Get("Location"))
	}
	if code, _ := post("/login", "application/x-www-form-urlencoded", "token=wdn_wrong-token-000000000"); code != http.StatusUnauthorized {
		t.Errorf("login with a wrong token: %d", code)
	}
	if code, _ := post("/login", "application/x-www-form-urlencoded", "token="+testSecrets["ingest"]); code != http.StatusForbidden {
		t.Errorf("login with a token without the read role: %d", code)
	}
	code, h := post("/login", "application/x-www-form-urlencoded", "token="+testSecrets["reader"])
	cookie := h.Get("Set-Cookie")
	if code != http.StatusSeeOther || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
		t.Fatalf("login: %d, cookie %q", code, cookie)
	}
	code, page, _ := get("/")
	if code != 200 || !strings.Contains(page, "Signed in as reader") {
		t.Fatalf("the dashboard after login: %d", code)
	}
	// The cookie reads, nothing more.
	if code, _ := post("/v1/silences", "application/json", `{"matchers":{"model":"m1"},"ends_at":"2126-01-01T00:00:00Z"}`); code != http.StatusUnauthorized {
		t.Errorf("a silence with the session cookie alone: %d, want 401", code)
	}
	if code, _ := post("/logout", "application/x-www-form-urlencoded", "csrf=guess"); code != http.StatusForbidden {
		t.Errorf("logout without the CSRF token: %d", code)
	}
	csrf := page[strings.Index(page, `name="csrf" value="`)+len(`name="csrf" value="`):]
	csrf = csrf[:strings.Index(csrf, `"`)]
	if code, _ := post("/logout", "application/x-www-form-urlencoded", "csrf="+csrf); code != http.StatusSeeOther {
		t.Errorf("logout: %d", code)
	}
	if code, _, _ := get("/"); code != http.StatusSeeOther {
		t.Errorf("the dashboard after logout: %d", code)
	}
}
