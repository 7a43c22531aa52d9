package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/auth"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/outlier"
	"github.com/warden-ml/warden/pipeline"
	"github.com/warden-ml/warden/store"
)

// screenResult is POST /v1/screen's answer. Risk is graded, never a bare
// allow/deny an attacker could binary-search: what to do with it is the
// caller's policy.
type screenResult struct {
	Model string `json:"model"`
	User  string `json:"user"`
	ID    string `json:"id,omitempty"`
	Risk  string `json:"risk"`
	// Outlier is a *screenVerdict, or the whole *outlier.Verdict for a
	// request with full detail.
	Outlier any `json:"outlier,omitempty"`
}

// screenVerdict is the detector's verdict as a caller sees it by default:
// whether the input was flagged, how severely and why, in words. Scores,
// per-detector scores and exact limits are left out: with them a caller
// probing the model could hill-climb an input to just under the threshold.
type screenVerdict struct {
	Anomaly  bool           `json:"anomaly"`
	Severity alert.Severity `json:"severity"`
	Reasons  []screenReason `json:"reasons,omitempty"`
	Unknown  []string       `json:"unknown,omitempty"`
}

// screenReason is an outlier.Reason without its value and limit, its
// message worded without numbers (outlier.Reason.Plain).
type screenReason struct {
	Feature  string `json:"feature,omitempty"`
	Kind     string `json:"kind"`
	Category string `json:"category,omitempty"`
	Message  string `json:"message"`
}

func newScreenVerdict(v *outlier.Verdict) *screenVerdict {
	sv := &screenVerdict{Anomaly: v.Anomaly, Severity: v.Severity, Unknown: v.Unknown}
	for _, r := range v.Reasons {
		sv.Reasons = append(sv.Reasons, screenReason{Feature: r.Feature, Kind: r.Kind, Category: r.Category, Message: r.Plain()})
	}
	return sv
}

// fullScreenDetail decides, in this one place, whether the answer to a
// screen request carries the detector's numbers (score, isolation, each
// detector's score, reasons with values and limits, top features): when
// server.screen_detail is full, or for a caller with the admin role.
func (s *Server) fullScreenDetail(r *http.Request) bool {
	if s.cfg.Server.ScreenDetail == config.ScreenDetailFull {
		return true
	}
	c := callerOf(r)
	return c.token != nil && c.token.Has(auth.RoleAdmin)
}

// postScreen checks one input synchronously and records it like an
// ingested event. The answer does not wait for the fsync: a gateway calls
// this on its request path, and the record is durable with the next group
// commit, about a millisecond later.
func (s *Server) postScreen(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if s.refuseDegraded(w) {
		return
	}
	dec := s.decoders.Get().(*event.Decoder)
	defer s.decoders.Put(dec)
	dec.Check = nil // an unknown model is a 404 here, not a bad item
	events, rejected, err := dec.Decode(http.MaxBytesReader(w, r.Body, maxSmallBody), nil)
	var tooBig *http.MaxBytesError
	var limit *event.LimitError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, "screen request larger than %d bytes", maxSmallBody)
		return
	case errors.As(err, &limit):
		writeError(w, http.StatusRequestEntityTooLarge, "screen request: %v (server.max_body_bytes, decompressed)", limit)
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "screen request: %v", err)
		return
	case len(rejected) > 0:
		writeError(w, http.StatusBadRequest, "screen request: %s", rejected[0].Reason)
		return
	case len(events) != 1:
		writeError(w, http.StatusBadRequest, "screen request: want one JSON object, got %d", len(events))
		return
	}
	ev := events[0]
	if s.forbidModel(w, r, ev.Model) {
		return
	}
	s.mu.RLock()
	reg := s.models[ev.Model]
	s.mu.RUnlock()
	if reg == nil || !s.pipeline().Known(ev.Model) {
		writeError(w, http.StatusNotFound, "unknown model %q", ev.Model)
		return
	}
	now := s.opts.Now()
	if reason := s.checkTime(ev.Model, ev.Time, now); reason != "" {
		writeError(w, http.StatusBadRequest, "screen request: %s", reason)
		return
	}
	s.fed(ev.Model, now)
	if ev.Time.IsZero() {
		ev.Time = now.UTC()
	}
	res := screenResult{Model: ev.Model, User: ev.User, ID: ev.ID, Risk: alert.Low.String()}
	if reg.Ref != nil && reg.Ref.Outlier != nil && reg.Config.Outliers.Enabled && len(ev.Features) > 0 {
		v, err := reg.Ref.Outlier.Score(ev.Features)
		if err != nil {
			writeError(w, http.StatusBadRequest, "screen request: %v", err)
			return
		}
		if v.Anomaly {
			t, ok := s.policy.Thresholds(ev.Model, alert.KindAdversarial)
			if !ok {
				t = alert.DefaultThresholds[alert.KindAdversarial]
			}
			v.Severity = t.Severity(v.Isolation, v.Severity)
			res.Risk = v.Severity.String()
		}
		if s.fullScreenDetail(r) {
			res.Outlier = &v
		} else {
			res.Outlier = newScreenVerdict(&v)
		}
	}
	s.gate.RLock()
	err = s.pipeline().Record([]event.Event{ev})
	s.gate.RUnlock()
	if err != nil {
		if errors.Is(err, pipeline.ErrBusy) {
			s.metrics.busy.Inc()
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusTooManyRequests, "ingest queues are full; retry later")
			return
		}
		writeError(w, http.StatusServiceUnavailable, "input not recorded: %v", err)
		return
	}
	s.metrics.received.WithLabelValues(ev.Model).Inc()
	s.metrics.screen.Observe(time.Since(start).Seconds())
	writeJSON(w, http.StatusOK, res)
}

// outlierSummaryView is one stored pane summary of screened inputs.
type outlierSummaryView struct {
	Start   time.Time       `json:"start"`
	End     time.Time       `json:"end"`
	Inputs  int             `json:"inputs"`
	Summary json.RawMessage `json:"summary"`
}

// getOutliers lists a model's newest summaries of screened inputs.
func (s *Server) getOutliers(w http.ResponseWriter, r *http.Request) {
	name, ws, ok := s.modelWindows(w, r, []string{store.WindowOutliers}, 60, 10000)
	if !ok {
		return
	}
	out := struct {
		Model     string               `json:"model"`
		Summaries []outlierSummaryView `json:"summaries"`
	}{Model: name, Summaries: []outlierSummaryView{}}
	for _, win := range ws {
		out.Summaries = append(out.Summaries, outlierSummaryView{win.Start, win.End, win.Events, win.Report})
	}
	writeJSON(w, http.StatusOK, out)
}

// driftKinds are the windows drift evaluates.
var driftKinds = []string{store.WindowCount, store.WindowTumbling, store.WindowSliding}
