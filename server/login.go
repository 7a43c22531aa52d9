package server

import (
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/warden-ml/warden/auth"
	"github.com/warden-ml/warden/store"
)

// A browser cannot send a bearer token, so the dashboard has a login: the
// token, posted once, opens a session in an HttpOnly, SameSite=Strict
// cookie that only reads (GET routes with the read role).
var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Warden: sign in</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:4em auto;max-width:28em;color:#222}
input{font:inherit;padding:.3em;width:100%;box-sizing:border-box;margin:.3em 0 1em}.err{color:#b00020}</style></head><body>
<h1>Warden</h1>
{{if .NoTokens}}<p>This service has no tokens configured: the dashboard is open. <a href="/">Go to it</a>.</p>
{{else}}{{if .Error}}<p class="err">{{.Error}}</p>{{end}}
<form method="post" action="/login"><label>Token (a token with the read role)<input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Sign in</button></form>{{end}}
</body></html>
`))

type loginData struct {
	NoTokens bool
	Error    string
}

func (s *Server) getLogin(w http.ResponseWriter, r *http.Request) {
	s.writeLogin(w, http.StatusOK, loginData{NoTokens: s.tokens.Load().Len() == 0})
}

func (s *Server) writeLogin(w http.ResponseWriter, code int, d loginData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	loginPage.Execute(w, d)
}

func (s *Server) postLogin(w http.ResponseWriter, r *http.Request) {
	tokens := s.tokens.Load()
	if tokens.Len() == 0 {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		s.writeLogin(w, http.StatusBadRequest, loginData{Error: "The form could not be read."})
		return
	}
	now := s.opts.Now()
	tok, err := tokens.Authenticate(r.PostForm.Get("token"), now)
	switch {
	case err != nil:
		s.metrics.authFailures.WithLabelValues(authReason(err)).Inc()
		s.refuse(r, "token", authReason(err))
		s.writeLogin(w, http.StatusUnauthorized, loginData{Error: "That token is not accepted."})
		return
	case !tok.Has(auth.RoleRead):
		s.metrics.authFailures.WithLabelValues("role").Inc()
		s.refuse(r, "role", string(auth.RoleRead))
		s.writeLogin(w, http.StatusForbidden, loginData{Error: "That token lacks the read role the dashboard needs."})
		return
	}
	id, sess := s.sessions.start(tok.Name, now)
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/", Expires: sess.expires, MaxAge: int(sessionLife / time.Second),
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
	s.auditAs(r, tok.Name, "session.login", "", nil)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// postLogout ends the session; the form carries the session's CSRF token,
// so another site cannot log an operator out.
func (s *Server) postLogout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	sess := s.sessions.get(r, s.opts.Now())
	if err := r.ParseForm(); err != nil || !sess.validCSRF(r.PostForm.Get("csrf")) {
		writeError(w, http.StatusForbidden, "not signed in, or the form's CSRF token does not match the session")
		return
	}
	s.sessions.end(r)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	s.auditAs(r, sess.name, "session.logout", "", nil)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// auditAs records an action by a caller the request's context does not
// carry yet (a login).
func (s *Server) auditAs(r *http.Request, actor, action, target string, detail map[string]any) {
	e := store.AuditEntry{Time: s.opts.Now().UTC(), Actor: actor, Remote: r.RemoteAddr, Action: action, Target: target, Detail: detail}
	if _, err := s.db.AddAudit(r.Context(), e); err != nil {
		s.log.Error("recording an audit entry", "action", action, "err", err)
	}
}

// auditView is an audit entry as GET /v1/audit shows it.
type auditView struct {
	ID     int64          `json:"id"`
	Time   time.Time      `json:"time"`
	Actor  string         `json:"actor"`
	Remote string         `json:"remote"`
	Action string         `json:"action"`
	Target string         `json:"target,omitempty"`
	Detail map[string]any `json:"detail,omitempty"`
}

// listAudit lists the audit log, newest first; a full page links to the
// next.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.AuditFilter{Action: q.Get("action")}
	since, err := timeParam(r, "since")
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	f.Since = since
	limit, err := intParam(r, "limit", 100, 1, 10000)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	f.Limit = limit
	if v := q.Get("before"); v != "" {
		if f.Before, err = strconv.ParseInt(v, 10, 64); err != nil || f.Before < 1 {
			writeError(w, http.StatusBadRequest, "before %q: want an entry id", v)
			return
		}
	}
	es, err := s.db.Audit(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	out := make([]auditView, len(es))
	for i, e := range es {
		out[i] = auditView(e)
	}
	if len(es) == limit {
		linkNext(w, r, "before", strconv.FormatInt(es[len(es)-1].ID, 10))
	}
	writeJSON(w, http.StatusOK, out)
}
