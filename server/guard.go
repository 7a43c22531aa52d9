package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/warden-ml/warden/auth"
)

// policy is what the guard requires of a route: the role a caller needs
// ("" for none: health checks and the login page) and, for a route that
// changes state, the media types its body may have. Form and plain-text
// bodies, which any web page can send across sites, are never among them.
type policy struct {
	role  auth.Role
	types []string
}

var (
	jsonBody   = []string{"application/json"}
	eventsBody = []string{"application/x-ndjson", "application/json"}
	tableBody  = []string{"text/csv", "application/x-ndjson"}
	formBody   = []string{"application/x-www-form-urlencoded"}
)

// policies lists every route of Handler, by its mux pattern. A route
// missing here is refused (fail closed); the OpenAPI test checks that each
// documented operation declares the same role (x-warden-role) and body
// types.
var policies = map[string]policy{
	"POST /v1/events":                 {auth.RoleIngest, eventsBody},
	"POST /v1/screen":                 {auth.RoleIngest, jsonBody},
	"GET /v1/models":                  {auth.RoleRead, nil},
	"GET /v1/models/{name}":           {auth.RoleRead, nil},
	"GET /v1/models/{name}/drift":     {auth.RoleRead, nil},
	"GET /v1/models/{name}/outliers":  {auth.RoleRead, nil},
	"GET /v1/alerts":                  {auth.RoleRead, nil},
	"GET /v1/report":                  {auth.RoleRead, nil},
	"GET /{$}":                        {auth.RoleRead, nil},
	"GET /metrics":                    {auth.RoleRead, nil},
	"POST /v1/models":                 {auth.RoleAdmin, jsonBody},
	"PUT /v1/models/{name}/reference": {auth.RoleAdmin, tableBody},
	"POST /v1/alerts/{id}/ack":        {auth.RoleAdmin, jsonBody},
	"POST /v1/silences":               {auth.RoleAdmin, jsonBody},
	"GET /v1/silences":                {auth.RoleRead, nil},
	"DELETE /v1/silences/{id}":        {auth.RoleAdmin, nil},
	"GET /v1/audit":                   {auth.RoleAdmin, nil},
	"GET /healthz":                    {},
	"GET /readyz":                     {},
	"GET /login":                      {},
	"POST /login":                     {"", formBody},
	"POST /logout":                    {"", formBody},
}

// caller is who made a request: the token's holder, or nobody when the
// service has no tokens.
type caller struct {
	token   *auth.Token // nil: no tokens configured
	session *session    // set when the dashboard's cookie authenticated
}

type callerKey struct{}

// callerOf is the request's authenticated caller.
func callerOf(r *http.Request) caller {
	c, _ := r.Context().Value(callerKey{}).(caller)
	return c
}

// name is how the audit log shows the caller.
func (c caller) name() string {
	if c.token == nil {
		return "anonymous"
	}
	return c.token.Name
}

// mayTouch reports whether the caller may act on the model.
func (c caller) mayTouch(model string) bool { return c.token == nil || c.token.MayTouch(model) }

// restricted reports whether the caller's token names the models it may
// touch.
func (c caller) restricted() bool { return c.token != nil && len(c.token.Models) > 0 }

// guard wraps the routes with what every request must pass, in order: the
// security headers; the Host check (DNS rebinding); the Origin check
// (cross-site requests, with CORS only for configured origins); the body's
// media type; and authentication and role.
func (s *Server) guard(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("Cache-Control", "no-store")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}

		if host, ok := s.knownHost(r.Host); !ok {
			s.refuse(r, "host", host)
			writeError(w, http.StatusMisdirectedRequest, "host %q is not a name of this server; add it to server.hosts", host)
			return
		}
		origin := r.Header.Get("Origin")
		if origin != "" && !sameOrigin(origin, r) {
			if !slices.Contains(s.cfg.Server.CORSOrigins, origin) {
				s.refuse(r, "origin", origin)
				writeError(w, http.StatusForbidden, "cross-origin request from %s refused", origin)
				return
			}
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			if r.Method == http.MethodOptions {
				h.Set("Access-Control-Allow-Methods", "GET, POST, PUT")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Content-Encoding")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}

		_, pattern := mux.Handler(r)
		if pattern == "" {
			mux.ServeHTTP(w, r) // the mux's own 404 or 405
			return
		}
		p, known := policies[pattern]
		if !known {
			writeError(w, http.StatusForbidden, "route %s has no access policy", pattern)
			return
		}
		if p.types != nil {
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || !slices.Contains(p.types, mt) {
				writeError(w, http.StatusUnsupportedMediaType, "Content-Type %q: want %s", r.Header.Get("Content-Type"), strings.Join(p.types, " or "))
				return
			}
		}
		c, ok := s.authenticate(w, r, p)
		if !ok {
			return
		}
		mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
	})
}

// authenticate finds the caller and checks its role; it answers the
// request itself when the caller may not go on.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, p policy) (caller, bool) {
	tokens := s.tokens.Load()
	if p.role == "" || tokens.Len() == 0 {
		return caller{}, true
	}
	now := s.opts.Now()
	var c caller
	secret, hasBearer := bearer(r)
	switch {
	case hasBearer:
		tok, err := tokens.Authenticate(secret, now)
		if err != nil {
			s.metrics.authFailures.WithLabelValues(authReason(err)).Inc()
			s.refuse(r, "token", authReason(err))
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="warden", error="invalid_token", error_description=%q`, err.Error()))
			writeError(w, http.StatusUnauthorized, "%v", err)
			return c, false
		}
		c.token = tok
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		// The dashboard's cookie only reads, so a cross-site request
		// riding on it can change nothing. A token revoked or expired
		// since the login ends its sessions.
		if sess := s.sessions.get(r, now); sess != nil {
			if tok := tokens.Named(sess.name); tok != nil && (tok.Expires.IsZero() || now.Before(tok.Expires)) {
				c.token, c.session = tok, sess
			}
		}
	}
	if c.token == nil {
		s.metrics.authFailures.WithLabelValues("missing").Inc()
		if r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html") {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return c, false
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="warden"`)
		writeError(w, http.StatusUnauthorized, "this service needs a token: Authorization: Bearer TOKEN")
		return c, false
	}
	if !c.token.Has(p.role) {
		s.metrics.authFailures.WithLabelValues("role").Inc()
		s.refuse(r, "role", string(p.role))
		writeError(w, http.StatusForbidden, "token %s lacks the %s role", c.token.Name, p.role)
		return c, false
	}
	return c, true
}

func authReason(err error) string {
	if errors.Is(err, auth.ErrExpired) {
		return "expired"
	}
	return "unknown"
}

// bearer reads "Authorization: Bearer TOKEN".
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// knownHost reports whether a request's Host names this server: an IP
// address (which DNS cannot rebind), localhost, the machine's own name or
// one of server.hosts. It returns the host without its port.
func (s *Server) knownHost(hostport string) (string, bool) {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	switch {
	case host == "":
		return host, false
	case net.ParseIP(strings.Trim(host, "[]")) != nil, host == "localhost", strings.HasSuffix(host, ".localhost"):
		return host, true
	case slices.ContainsFunc(s.cfg.Server.Hosts, func(h string) bool { return strings.EqualFold(h, host) }):
		return host, true
	}
	if name, err := os.Hostname(); err == nil && strings.EqualFold(name, host) {
		return host, true
	}
	return host, false
}

// sameOrigin reports whether a browser's Origin is the server the request
// came to.
func sameOrigin(origin string, r *http.Request) bool {
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return u.Scheme == scheme && strings.EqualFold(u.Host, r.Host)
}

// refuse records a refused request in the audit log. A flood of them must
// not fill the disk, so of each kind from each address one entry a minute
// is written, and it counts the refusals of that kind and address not
// written since ("since_last"); the metrics count every one at once.
func (s *Server) refuse(r *http.Request, what, detail string) {
	ip := r.RemoteAddr
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	skipped, ok := s.refusals.allow(ip+" "+what, s.opts.Now())
	if !ok {
		return
	}
	d := map[string]any{"detail": detail, "route": r.Method + " " + r.URL.Path}
	if skipped > 0 {
		d["since_last"] = skipped
	}
	s.audit(r, "refused."+what, "", d)
}

// refusals remembers, per (address, kind), when a refusal was last written
// and how many have come since.
type refusals struct {
	mu   sync.Mutex
	last map[string]*refusal
}

type refusal struct {
	at      time.Time
	skipped int
}

const (
	refusalEvery = time.Minute
	refusalsKept = 10000
)

// allow says whether to write this refusal, and how many of its kind from
// its address were not written since the last one that was.
func (rf *refusals) allow(key string, now time.Time) (skipped int, ok bool) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.last == nil || len(rf.last) >= refusalsKept {
		rf.last = map[string]*refusal{}
	}
	r := rf.last[key]
	if r != nil && now.Sub(r.at) < refusalEvery {
		r.skipped++
		return 0, false
	}
	if r == nil {
		r = &refusal{}
		rf.last[key] = r
	}
	skipped, r.at, r.skipped = r.skipped, now, 0
	return skipped, true
}

// sessions are the dashboard's logins: a random id in an HttpOnly,
// SameSite=Strict cookie, kept in memory (a restart logs everyone out).
type sessions struct {
	mu   sync.Mutex
	byID map[string]*session
}

type session struct {
	name    string // of the token that logged in
	csrf    string
	expires time.Time
}

const (
	sessionCookie = "warden_session"
	sessionLife   = 8 * time.Hour
)

func randomID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (ss *sessions) start(token string, now time.Time) (id string, sess *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.byID == nil {
		ss.byID = map[string]*session{}
	}
	for id, s := range ss.byID {
		if !now.Before(s.expires) {
			delete(ss.byID, id)
		}
	}
	id = randomID()
	sess = &session{name: token, csrf: randomID(), expires: now.Add(sessionLife)}
	ss.byID[id] = sess
	return id, sess
}

func (ss *sessions) get(r *http.Request, now time.Time) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.byID[c.Value]
	if s == nil || !now.Before(s.expires) {
		return nil
	}
	return s
}

func (ss *sessions) end(r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		ss.mu.Lock()
		delete(ss.byID, c.Value)
		ss.mu.Unlock()
	}
}

// Name and CSRF are for the dashboard's template.
func (sess *session) Name() string { return sess.name }
func (sess *session) CSRF() string { return sess.csrf }

// validCSRF compares a form's CSRF token with the session's.
func (sess *session) validCSRF(got string) bool {
	return sess != nil && subtle.ConstantTimeCompare([]byte(got), []byte(sess.csrf)) == 1
}
