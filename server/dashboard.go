package server

import (
	"github.com/warden-ml/warden/internal/count"
	"github.com/warden-ml/warden/internal/safetext"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/warden-ml/warden/report"
	"github.com/warden-ml/warden/store"
)

// dashboardPage is the service's front page: the security report, the
// newest alerts and each model's latest window, refreshed every ten
// seconds. Plain server-rendered HTML: it works wherever the API does.
var dashboardPage = template.Must(template.New("dashboard").Funcs(template.FuncMap{
	"upper":     strings.ToUpper,
	"when":      func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") },
	"thousands": count.Thousands,
	// html/template escapes markup, not the invisible and bidirectional
	// characters that make one id look like another.
	"safe":   safetext.Escape,
	"plural": count.Plural,
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10">
<title>Warden</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222}
h1{font-size:1.4em;margin-bottom:0}h2{font-size:1.1em;border-bottom:2px solid #333;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25em .5em;border-bottom:1px solid #ddd;vertical-align:top}
.sev{font-weight:bold;white-space:nowrap}.critical{color:#b00020}.high{color:#d35400}.medium{color:#9a7d0a}.low{color:#555}
.muted{color:#777}.warn{background:#fff3cd;padding:.5em;border:1px solid #e0c36a}.who{float:right}ul{margin:.3em 0}code{background:#f3f3f3;padding:0 .2em}
</style></head><body>
{{if .Open}}<p class="warn">No tokens are configured: anyone who can reach this address can use every route, admin ones included. Add <code>auth.tokens</code> (<code>warden token new</code>).</p>{{end}}
{{if .Session}}<form class="who" method="post" action="/logout">Signed in as {{.Session.Name}} <input type="hidden" name="csrf" value="{{.Session.CSRF}}"><button type="submit">Sign out</button></form>{{end}}
<h1>{{.Report.Title}}</h1>
<p class="muted">{{.Report.Period}}{{if not .Report.To.IsZero}} ({{when .Report.From}} to {{when .Report.To}} UTC){{end}} &middot;
models: {{range $i, $m := .Report.Models}}{{if $i}}, {{end}}{{safe $m}}{{else}}none registered{{end}} &middot; events monitored: {{thousands .Report.Events}}</p>
{{range .Report.Sections}}
<h2>{{.Title}}</h2>
{{if eq .Status "not monitored"}}<p class="muted">Not monitored</p>
{{else}}{{if .Summary}}<p>{{.Summary}}</p>{{end}}{{if .Lines}}<ul>{{range .Lines}}<li>{{safe .}}</li>{{end}}</ul>{{end}}
{{if eq .Status "no findings"}}<p>{{or .Clean "No findings"}}</p>{{else}}
<table>{{range .Items}}<tr><td class="sev {{.Severity}}">{{upper .Severity.String}}</td>
<td><b>{{safe .Headline}}</b> <span class="muted">[{{safe .Model}}, {{plural .Alerts "alert" "alerts"}}]</span><ul>{{range .Lines}}<li>{{safe .}}</li>{{end}}</ul></td></tr>{{end}}</table>
{{end}}{{end}}{{end}}
<h2>RECOMMENDATIONS</h2>
<ol>{{range .Report.Recommendations}}<li>{{safe .Action}}{{if .Severity}} <span class="sev {{.Severity}}">({{upper .Severity.String}})</span>{{end}}</li>{{end}}</ol>
<h2>Newest alerts</h2>
{{if .Alerts}}<table><tr><th>event time</th><th>severity</th><th>model</th><th>type</th><th>subject</th><th>summary</th><th>state</th></tr>
{{range .Alerts}}<tr><td>{{when .Time}}</td><td class="sev {{.Severity}}">{{upper .Severity.String}}</td><td>{{safe .Model}}</td><td>{{.Type}}</td><td>{{safe .Subject}}</td><td>{{safe .Summary}}</td><td>{{.State}}</td></tr>
{{end}}</table>{{else}}<p>No alerts</p>{{end}}
<h2>Models</h2>
<table><tr><th>model</th><th>reference rows</th><th>latest window</th><th>events</th><th>dataset drift</th><th>input screening</th></tr>
{{range .Models}}<tr><td>{{safe .Name}}</td><td>{{if .Reference}}{{thousands .Reference.Rows}}{{else}}<span class="muted">no reference yet</span>{{end}}</td>
<td>{{if .Window}}{{.Window.Kind}} to {{when .Window.End}}{{else}}<span class="muted">none yet</span>{{end}}</td>
<td>{{if .Window}}{{thousands .Window.Events}}{{end}}</td><td>{{if .Window}}{{if .Window.Drift}}<b class="critical">yes</b>{{else}}no{{end}}{{end}}</td>
<td>{{if .Outliers.Screening}}on, {{len .Outliers.Features}} features, {{.Outliers.FPR}} false-positive rate{{else}}<span class="muted">off</span>{{end}}</td></tr>
{{else}}<tr><td colspan="6" class="muted">No model registered: <code>POST /v1/models</code></td></tr>{{end}}</table>
<p class="muted">API: <a href="/v1/report?format=text">/v1/report</a> &middot; <a href="/v1/alerts">/v1/alerts</a> &middot;
<a href="/v1/models">/v1/models</a> &middot; <a href="/metrics">/metrics</a></p>
</body></html>
`))

type dashboardModel struct {
	modelView
	Window *store.Window
}

func (s *Server) getDashboard(w http.ResponseWriter, r *http.Request) {
	if s.forbidModel(w, r, "") {
		return
	}
	ctx := r.Context()
	rep, err := s.Report(ctx, report.Options{})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	alerts, err := s.db.Alerts(ctx, store.AlertFilter{Limit: 20})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	data := struct {
		Report  *report.Report
		Alerts  []store.AlertRecord
		Models  []dashboardModel
		Open    bool
		Session *session
	}{Report: rep, Alerts: alerts, Open: s.tokens.Load().Len() == 0, Session: callerOf(r).session}
	s.mu.RLock()
	for _, name := range rep.Models {
		if reg := s.models[name]; reg != nil {
			data.Models = append(data.Models, dashboardModel{modelView: view(name, reg)})
		}
	}
	s.mu.RUnlock()
	for i := range data.Models {
		ws, err := s.db.Windows(ctx, store.WindowFilter{Model: data.Models[i].Name, Kinds: driftKinds, Limit: 1})
		if err == nil && len(ws) > 0 {
			data.Models[i].Window = &ws[0]
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if err := dashboardPage.Execute(w, data); err != nil {
		s.log.Error("dashboard", "err", err)
	}
}
