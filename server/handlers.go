package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/monitor"
	"github.com/warden-ml/warden/pipeline"
	"github.com/warden-ml/warden/report"
	"github.com/warden-ml/warden/silence"
	"github.com/warden-ml/warden/store"
)

// Handler routes the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/events", s.postEvents)
	mux.HandleFunc("GET /v1/models", s.listModels)
	mux.HandleFunc("POST /v1/models", s.postModel)
	mux.HandleFunc("GET /v1/models/{name}", s.getModel)
	mux.HandleFunc("PUT /v1/models/{name}/reference", s.putReference)
	mux.HandleFunc("GET /v1/models/{name}/drift", s.getDrift)
	mux.HandleFunc("GET /v1/models/{name}/outliers", s.getOutliers)
	mux.HandleFunc("POST /v1/screen", s.postScreen)
	mux.HandleFunc("GET /v1/alerts", s.listAlerts)
	mux.HandleFunc("POST /v1/alerts/{id}/ack", s.ackAlert)
	mux.HandleFunc("POST /v1/silences", s.postSilence)
	mux.HandleFunc("GET /v1/silences", s.getSilences)
	mux.HandleFunc("DELETE /v1/silences/{id}", s.deleteSilence)
	mux.HandleFunc("GET /v1/report", s.getReport)
	mux.HandleFunc("GET /{$}", s.getDashboard)
	mux.HandleFunc("GET /metrics", s.getMetrics)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /v1/audit", s.listAudit)
	mux.HandleFunc("GET /login", s.getLogin)
	mux.HandleFunc("POST /login", s.postLogin)
	mux.HandleFunc("POST /logout", s.postLogout)
	return s.guard(mux)
}

// maxSmallBody bounds the bodies of every route but events and references.
const maxSmallBody = 1 << 20

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, format string, a ...any) {
	writeJSON(w, code, map[string]string{"error": fmt.Sprintf(format, a...)})
}

// writeStoreError answers a store failure: the caller's mistake (invalid,
// not found, conflict) or the server's.
func writeStoreError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusBadRequest, "%v", err)
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "%v", err)
	default:
		writeError(w, http.StatusInternalServerError, "%v", err)
	}
}

// itemError is one rejected event in a 202 or 400 answer.
type itemError struct {
	Index  int    `json:"index"`
	Line   int    `json:"line,omitempty"`
	Reason string `json:"reason"`
}

type ingestResult struct {
	Accepted int `json:"accepted"` // stored now or before
	// Duplicates of Accepted were stored before: their ids came in the
	// last pipeline.dedupe_ids events.
	Duplicates int         `json:"duplicates"`
	Rejected   int         `json:"rejected"`
	Errors     []itemError `json:"errors"`
}

// keyedWriter keeps the answer to a request with an Idempotency-Key: a
// final one (2xx, 4xx other than 409 and 429) is given again to a retry.
type keyedWriter struct {
	http.ResponseWriter
	answer *keyedAnswer
	body   bytes.Buffer
}

func (k *keyedWriter) WriteHeader(code int) {
	k.answer.Status = code
	k.ResponseWriter.WriteHeader(code)
}

func (k *keyedWriter) Write(b []byte) (int, error) {
	k.body.Write(b)
	k.answer.Answer = k.body.Bytes()
	return k.ResponseWriter.Write(b)
}

// maxReportedErrors keeps a batch of a million bad items from answering
// with a million errors.
const maxReportedErrors = 100

func (s *Server) postEvents(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if s.refuseDegraded(w) {
		return
	}
	// A rebuild (health.go) swaps the pipeline: this batch goes to the one
	// it reserved its memory from, or is refused.
	s.gate.RLock()
	defer s.gate.RUnlock()
	pipe := s.pipeline()
	var body io.Reader = http.MaxBytesReader(w, r.Body, s.cfg.Server.MaxBodyBytes)
	key := r.Header.Get("Idempotency-Key")
	bodyHash := sha256.New()
	if key != "" {
		if len(key) > 255 {
			writeError(w, http.StatusBadRequest, "Idempotency-Key is longer than 255 characters")
			return
		}
		body = io.TeeReader(body, bodyHash)
	}
	dec := s.decoders.Get().(*event.Decoder)
	defer s.decoders.Put(dec)
	dec.Check = s.eventCheck(s.opts.Now())
	if c := callerOf(r); c.restricted() {
		check := dec.Check
		dec.Check = func(ev *event.Event) string {
			if !c.mayTouch(ev.Model) {
				return fmt.Sprintf("token %s may not send events of model %q", c.name(), ev.Model)
			}
			return check(ev)
		}
	}
	// Decoding reserves the events' memory from the queue's budget as it
	// goes, so that many large batches at once get 429, not the memory.
	dec.Reserve = pipe.Reserve
	events, rejected, err := dec.Decode(body, nil)
	dec.Reserve = nil
	reserved := dec.Reserved()
	defer func() { pipe.Release(reserved) }()
	if s.refuseBatch(w, err) {
		return
	}
	if key != "" {
		// The same key and body got an answer before: give it again.
		var sum [sha256.Size]byte
		bodyHash.Sum(sum[:0])
		prev, busy := s.keys.begin(key, sum, time.Now())
		switch {
		case busy:
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusConflict, "a request with Idempotency-Key %q is being answered now; retry shortly", key)
			return
		case prev != nil && prev.Body != sum:
			writeError(w, http.StatusUnprocessableEntity, "Idempotency-Key %q was used for another body; use a new key for a new batch", key)
			return
		case prev != nil:
			s.metrics.idempotent.Inc()
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(prev.Status)
			w.Write(prev.Answer)
			return
		}
		answered := &keyedAnswer{Body: sum, At: time.Now()}
		defer func() {
			switch st := answered.Status; {
			case st == 0, st == http.StatusConflict, st == http.StatusTooManyRequests, st >= 500:
				s.keys.end(key, nil) // not final: the retry is answered afresh
			default:
				s.keys.end(key, answered)
			}
		}()
		w = &keyedWriter{ResponseWriter: w, answer: answered}
	}
	res := ingestResult{Errors: []itemError{}}
	for _, e := range rejected {
		res.Errors = append(res.Errors, itemError{Index: e.Index, Line: e.Line, Reason: e.Reason})
	}
	now := s.opts.Now().UTC()
	kept := events
	for i := range kept {
		if kept[i].Time.IsZero() {
			kept[i].Time = now
		}
	}
	res.Accepted, res.Rejected = len(kept), len(res.Errors)
	if len(res.Errors) > maxReportedErrors {
		res.Errors = res.Errors[:maxReportedErrors]
	}
	if res.Rejected > 0 {
		s.metrics.rejected.WithLabelValues("invalid").Add(float64(res.Rejected))
	}
	if err != nil {
		// The body broke off: keep what came before, say where it broke.
		res.Errors = append(res.Errors, itemError{Index: len(events) + len(rejected), Reason: err.Error()})
		if len(kept) == 0 {
			s.metrics.rejected.WithLabelValues("malformed").Inc()
			writeJSON(w, http.StatusBadRequest, res)
			return
		}
	}
	if len(kept) == 0 {
		if res.Rejected == 0 {
			res.Errors = append(res.Errors, itemError{Index: 0, Reason: "the body holds no events"})
		}
		writeJSON(w, http.StatusBadRequest, res)
		return
	}
	// Events sent before (a retry after a lost answer) are recognised by
	// their ids and not processed again.
	dups, release, err := s.ids.claim(kept)
	if err != nil {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusConflict, "%v", err)
		return
	}
	if len(dups) > 0 {
		res.Duplicates = len(dups)
		s.metrics.duplicates.Add(float64(len(dups)))
		fresh := make([]event.Event, 0, len(kept)-len(dups))
		for i, d := 0, 0; i < len(kept); i++ {
			if d < len(dups) && dups[d] == i {
				d++
				continue
			}
			fresh = append(fresh, kept[i])
		}
		kept = fresh
	}
	// The batch carries the reservation from here on, taken or not.
	// Once handed over, the batch is logged or not whatever becomes of the
	// connection, so the answer waits for it.
	err = pipe.SubmitReserved(context.WithoutCancel(r.Context()), kept, reserved)
	reserved = 0
	release(err == nil)
	if s.refuseBatch(w, err) {
		return
	}
	if err != nil {
		s.writeFailed("appending to the event log", err, false)
		code := http.StatusServiceUnavailable
		if diskFull(err) {
			code = http.StatusInsufficientStorage
		}
		w.Header().Set("Retry-After", "5")
		writeError(w, code, "events not acknowledged: writing them to the event log failed (%v); part of the batch may have reached the disk, so send it again: events with an id are recognised and not counted twice", err)
		return
	}
	// One counter update per model and batch, not per event.
	perModel := map[string]int{}
	for i := range kept {
		perModel[kept[i].Model]++
	}
	for m, n := range perModel {
		s.metrics.received.WithLabelValues(m).Add(float64(n))
	}
	s.metrics.batch.Observe(time.Since(start).Seconds())
	writeJSON(w, http.StatusAccepted, res)
}

// refuseBatch answers a batch over a limit (413) or one the queues have no
// room for (429), and reports whether it did. Nothing of such a batch is
// kept: taking part of it would leave the client guessing which part.
func (s *Server) refuseBatch(w http.ResponseWriter, err error) bool {
	var tooBig *http.MaxBytesError
	var limit *event.LimitError
	var why string
	switch {
	case err == nil:
		return false
	case errors.Is(err, pipeline.ErrBusy):
		s.metrics.busy.Inc()
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "ingest queues are full; retry later")
		return true
	case errors.As(err, &tooBig):
		why = fmt.Sprintf("body larger than %d bytes (server.max_body_bytes)", s.cfg.Server.MaxBodyBytes)
	case errors.As(err, &limit):
		setting := map[string]string{"bytes": "server.max_body_bytes, decompressed", "items": "server.max_events", "values": "server.max_values"}[limit.Limit]
		why = fmt.Sprintf("%s (%s)", limit, setting)
	case errors.Is(err, pipeline.ErrTooLarge):
		why = strings.TrimPrefix(err.Error(), pipeline.ErrTooLarge.Error()+": ")
	default:
		return false
	}
	s.metrics.rejected.WithLabelValues("too_large").Inc()
	writeError(w, http.StatusRequestEntityTooLarge, "batch refused whole, nothing was kept: %s; send smaller batches", why)
	return true
}

// modelView is a model as the API shows it.
type modelView struct {
	Name        string          `json:"name"`
	Columns     []string        `json:"columns,omitempty"`
	Drift       driftView       `json:"drift"`
	Outliers    outliersView    `json:"outliers"`
	ExpectEvery string          `json:"expect_every,omitempty"`
	Reference   *referenceShape `json:"reference,omitempty"`
}

// outliersView is a model's outlier settings and whether its inputs are
// screened (a detector was fitted on the reference).
type outliersView struct {
	Enabled       bool     `json:"enabled"`
	FPR           float64  `json:"fpr"`
	Contamination float64  `json:"contamination"`
	Exclude       []string `json:"exclude,omitempty"`
	Screening     bool     `json:"screening"`
	Features      []string `json:"features,omitempty"` // the inputs the detector knows
	Warnings      []string `json:"warnings,omitempty"`
}

// driftView is a model's drift settings with the configuration file's names.
type driftView struct {
	Enabled   bool    `json:"enabled"`
	Method    string  `json:"method"`
	Threshold float64 `json:"threshold"`
	MinEffect float64 `json:"min_effect"`
	Window    int     `json:"window"`
	Every     int     `json:"every"`
	MinEvents int     `json:"min_events"`
	Lateness  string  `json:"lateness"`
}

type referenceShape struct {
	Rows    int            `json:"rows"`
	Columns []columnSketch `json:"columns"`
}

type columnSketch struct {
	Name string       `json:"name"`
	Type dataset.Type `json:"type"`
}

func view(name string, r *registered) modelView {
	d := r.Config.Drift
	v := modelView{Name: name, Columns: r.Config.Columns, Drift: driftView{
		Enabled: d.Enabled, Method: d.Method, Threshold: d.Threshold, MinEffect: d.MinEffect,
		Window: d.Window, Every: d.Every, MinEvents: d.MinEvents, Lateness: d.Lateness.String(),
	}}
	o := r.Config.Outliers
	v.Outliers = outliersView{Enabled: o.Enabled, FPR: o.FPR, Contamination: o.Contamination, Exclude: o.Exclude}
	if r.Config.ExpectEvery > 0 {
		v.ExpectEvery = config.FormatDuration(r.Config.ExpectEvery)
	}
	if r.Ref != nil {
		v.Outliers.Warnings = r.Ref.Warnings
		if r.Ref.Outlier != nil {
			v.Outliers.Screening = o.Enabled
			for _, f := range r.Ref.Outlier.Features() {
				v.Outliers.Features = append(v.Outliers.Features, f.Name)
			}
		}
		v.Reference = &referenceShape{Rows: r.Ref.Profile.Rows}
		for _, c := range r.Ref.Profile.Columns {
			v.Reference.Columns = append(v.Reference.Columns, columnSketch{c.Name, c.Type})
		}
	}
	return v
}

func (s *Server) listModels(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	s.mu.RLock()
	out := []modelView{}
	for name, reg := range s.models {
		if c.mayTouch(name) {
			out = append(out, view(name, reg))
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b modelView) int { return strings.Compare(a.Name, b.Name) })
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getModel(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if s.forbidModel(w, r, name) {
		return
	}
	s.mu.RLock()
	m := s.models[name]
	s.mu.RUnlock()
	if m == nil {
		writeError(w, http.StatusNotFound, "no model %q", name)
		return
	}
	writeJSON(w, http.StatusOK, view(name, m))
}

var modelName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,64}$`)

// postModel registers a model (or changes its settings): the body is the
// model's section of the configuration file, as JSON.
func (s *Server) postModel(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name    string   `json:"name"`
		Columns []string `json:"columns"`
		Drift   *struct {
			Enabled   *bool    `json:"enabled"`
			Method    string   `json:"method"`
			Threshold *float64 `json:"threshold"`
			MinEffect *float64 `json:"min_effect"`
			Window    int      `json:"window"`
			Every     int      `json:"every"`
			MinEvents int      `json:"min_events"`
		} `json:"drift"`
		Outliers *struct {
			Enabled       *bool    `json:"enabled"`
			FPR           *float64 `json:"fpr"`
			Contamination *float64 `json:"contamination"`
			Exclude       []string `json:"exclude"`
			BurstMin      int      `json:"burst_min"`
			BurstAlpha    *float64 `json:"burst_alpha"`
			MaxUsers      int      `json:"max_users"`
		} `json:"outliers"`
		ExpectEvery string `json:"expect_every"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSmallBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "model: %v", err)
		return
	}
	if !modelName.MatchString(req.Name) {
		writeError(w, http.StatusBadRequest, "name %q: want 1 to 64 letters, digits, '_', '.' or '-'", req.Name)
		return
	}
	if s.forbidModel(w, r, req.Name) {
		return
	}
	m := config.DefaultModel()
	m.Name, m.Columns = req.Name, req.Columns
	if d := req.Drift; d != nil {
		if d.Enabled != nil {
			m.Drift.Enabled = *d.Enabled
		}
		if d.Method != "" {
			m.Drift.Method = d.Method
		}
		if d.Threshold != nil {
			m.Drift.Threshold = *d.Threshold
		}
		if d.MinEffect != nil {
			m.Drift.MinEffect = *d.MinEffect
		}
		if d.Window != 0 {
			m.Drift.Window = d.Window
		}
		if d.Every != 0 {
			m.Drift.Every = d.Every
		}
		if d.MinEvents != 0 {
			m.Drift.MinEvents = d.MinEvents
		}
	}
	if o := req.Outliers; o != nil {
		if o.Enabled != nil {
			m.Outliers.Enabled = *o.Enabled
		}
		if o.FPR != nil {
			m.Outliers.FPR = *o.FPR
		}
		if o.Contamination != nil {
			m.Outliers.Contamination = *o.Contamination
		}
		m.Outliers.Exclude = o.Exclude
		if o.BurstMin != 0 {
			m.Outliers.BurstMin = o.BurstMin
		}
		if o.BurstAlpha != nil {
			m.Outliers.BurstAlpha = *o.BurstAlpha
		}
		if o.MaxUsers != 0 {
			m.Outliers.MaxUsers = o.MaxUsers
		}
	}
	if req.ExpectEvery != "" {
		d, err := time.ParseDuration(req.ExpectEvery)
		if err != nil {
			writeError(w, http.StatusBadRequest, "expect_every %q: want a duration like 10m", req.ExpectEvery)
			return
		}
		m.ExpectEvery = d
	}
	if err := m.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.mu.Lock()
	prev := s.models[m.Name]
	if prev == nil && len(s.models) >= s.cfg.Server.MaxModels {
		n := len(s.models)
		s.mu.Unlock()
		writeError(w, http.StatusConflict, "%d models are registered, as many as server.max_models allows; change an existing one or raise the limit", n)
		return
	}
	reg := &registered{Config: m}
	if prev != nil {
		reg.Ref = prev.Ref
	}
	err := s.register(r.Context(), m.Name, reg)
	s.mu.Unlock()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	s.checkpointAfterChange(r.Context(), m.Name)
	code, action := http.StatusCreated, "model.register"
	if prev != nil {
		code, action = http.StatusOK, "model.update"
	}
	s.audit(r, action, m.Name, map[string]any{"settings": req})
	writeJSON(w, code, view(m.Name, reg))
}

// register stores a model and hands it to the pipeline; s.mu is held.
func (s *Server) register(ctx context.Context, name string, r *registered) error {
	pm, err := s.pipelineModel(name, r)
	if err != nil {
		return err
	}
	if err := s.persist(ctx, name, r); err != nil {
		return err
	}
	s.gate.RLock()
	err = s.pipeline().SetModel(pm)
	s.gate.RUnlock()
	if err != nil {
		return err
	}
	s.models[name] = r
	return nil
}

// checkpointAfterChange checkpoints after a model change, outside the
// registry's lock, so that screening and reads go on meanwhile: the log
// does not record model changes, and a checkpoint right after one keeps a
// restart from resuming the old model's state. The change stands if it
// fails; the next checkpoint covers it.
func (s *Server) checkpointAfterChange(ctx context.Context, model string) {
	if err := s.Checkpoint(context.WithoutCancel(ctx)); err != nil {
		s.log.Error("checkpoint after a model change", "model", model, "err", err)
	}
}

// putReference takes the model's reference data (CSV or JSON lines) and
// builds its profile.
func (s *Server) putReference(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if s.forbidModel(w, r, name) {
		return
	}
	s.mu.RLock()
	prev := s.models[name]
	s.mu.RUnlock()
	if prev == nil {
		writeError(w, http.StatusNotFound, "no model %q; register it with POST /v1/models first", name)
		return
	}
	opts := dataset.Options{}
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.Contains(ct, "csv"):
		opts.Format = dataset.FormatCSV
	case strings.Contains(ct, "json"):
		opts.Format = dataset.FormatJSONL
	}
	// One reference at a time: profiling holds several copies of the data.
	select {
	case s.building <- struct{}{}:
		defer func() { <-s.building }()
	case <-r.Context().Done():
		return // the client is gone
	}
	body, err := s.readReference(w, r, opts.Format)
	if err != nil {
		return
	}
	t, err := dataset.Read(bytes.NewReader(body), "reference", opts)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if t.Rows == 0 {
		writeError(w, http.StatusBadRequest, "reference: no data rows")
		return
	}
	cfg := prev.Config
	ref, err := monitor.BuildReference(t, &cfg)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	for _, warning := range ref.Warnings {
		s.log.Warn(warning, "model", name)
	}
	s.mu.Lock()
	reg := &registered{Config: s.models[name].Config, Ref: ref}
	err = s.register(r.Context(), name, reg)
	s.mu.Unlock()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	s.checkpointAfterChange(r.Context(), name)
	s.audit(r, "reference.upload", name, map[string]any{"rows": t.Rows, "columns": len(t.Columns), "bytes": len(body),
		"screening": ref.Outlier != nil, "warnings": ref.Warnings})
	writeJSON(w, http.StatusOK, view(name, reg))
}

// readReference reads a reference upload within server.max_reference_bytes
// (as sent and once decompressed) and server.max_reference_rows, before it
// is parsed; on failure it answers and returns the error.
func (s *Server) readReference(w http.ResponseWriter, r *http.Request, format dataset.Format) ([]byte, error) {
	limit := s.cfg.Server.MaxReferenceBytes
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, "reference larger than %d bytes (server.max_reference_bytes)", limit)
		return nil, err
	case err != nil:
		writeError(w, http.StatusBadRequest, "reference: %v", err)
		return nil, err
	}
	if len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err == nil {
			body, err = io.ReadAll(io.LimitReader(zr, limit+1))
		}
		switch {
		case err != nil:
			writeError(w, http.StatusBadRequest, "reference: gzip: %v", err)
			return nil, err
		case int64(len(body)) > limit:
			writeError(w, http.StatusRequestEntityTooLarge, "reference larger than %d bytes once decompressed (server.max_reference_bytes)", limit)
			return nil, errReferenceTooLarge
		}
	}
	// Lines bound rows (a quoted CSV cell may span lines), and counting
	// them costs far less than parsing.
	lines := bytes.Count(body, []byte{'\n'})
	if len(body) > 0 && body[len(body)-1] != '\n' {
		lines++
	}
	rows := lines
	if format == dataset.FormatCSV || format == dataset.FormatAuto && !bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n\ufeff"), []byte("{")) {
		rows-- // the header
	}
	if max := s.cfg.Server.MaxReferenceRows; rows > max {
		writeError(w, http.StatusRequestEntityTooLarge, "reference has %d rows (counted as lines), more than server.max_reference_rows (%d)", rows, max)
		return nil, errReferenceTooLarge
	}
	return body, nil
}

var errReferenceTooLarge = errors.New("reference too large")

// windowView is a stored drift window.
type windowView struct {
	Kind     string          `json:"kind"`
	Start    time.Time       `json:"start"`
	End      time.Time       `json:"end"`
	FirstSeq int64           `json:"first_seq"`
	LastSeq  int64           `json:"last_seq"`
	Events   int             `json:"events"`
	Late     int             `json:"late"`
	Drift    bool            `json:"dataset_drift"`
	Report   json.RawMessage `json:"report"`
}

// modelWindows reads the newest windows of the kinds for the model the path
// names, as many as the query's limit says; on failure it answers and
// returns false.
func (s *Server) modelWindows(w http.ResponseWriter, r *http.Request, kinds []string, defaultLimit, maxLimit int) (string, []store.Window, bool) {
	name := r.PathValue("name")
	if s.forbidModel(w, r, name) {
		return name, nil, false
	}
	s.mu.RLock()
	known := s.models[name] != nil
	s.mu.RUnlock()
	if !known {
		writeError(w, http.StatusNotFound, "no model %q", name)
		return name, nil, false
	}
	limit, err := intParam(r, "limit", defaultLimit, 1, maxLimit)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return name, nil, false
	}
	ws, err := s.db.Windows(r.Context(), store.WindowFilter{Model: name, Kinds: kinds, Limit: limit})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "%v", err)
		return name, nil, false
	}
	return name, ws, true
}

func (s *Server) getDrift(w http.ResponseWriter, r *http.Request) {
	name, ws, ok := s.modelWindows(w, r, driftKinds, 10, 1000)
	if !ok {
		return
	}
	out := struct {
		Model   string       `json:"model"`
		Current *windowView  `json:"current"`
		Windows []windowView `json:"windows"`
	}{Model: name, Windows: []windowView{}}
	for _, win := range ws {
		out.Windows = append(out.Windows, windowView{win.Kind, win.Start, win.End, win.FirstSeq, win.LastSeq, win.Events, win.Late, win.Drift, win.Report})
	}
	if len(out.Windows) > 0 {
		out.Current = &out.Windows[0]
	}
	writeJSON(w, http.StatusOK, out)
}

// alertView is an alert with its state.
type alertView struct {
	alert.Alert
	State   store.AlertState `json:"state"`
	AckedBy string           `json:"acked_by,omitempty"`
	AckedAt *time.Time       `json:"acked_at,omitempty"`
}

func alertOf(rec store.AlertRecord) alertView {
	v := alertView{Alert: rec.Alert, State: rec.State, AckedBy: rec.AckedBy}
	if !rec.AckedAt.IsZero() {
		t := rec.AckedAt
		v.AckedAt = &t
	}
	return v
}

func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.AlertFilter{Model: q.Get("model"), Type: alert.Kind(q.Get("type")), State: store.AlertState(q.Get("state"))}
	if s.forbidModel(w, r, f.Model) {
		return
	}
	if v := q.Get("severity"); v != "" {
		sev, err := alert.ParseSeverity(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "severity: %v", err)
			return
		}
		f.MinSeverity = sev
	}
	since, err := timeParam(r, "since")
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	f.Since = since
	if f.Type != "" && !slices.Contains(alert.Kinds, f.Type) {
		writeError(w, http.StatusBadRequest, "type %q: not a finding kind", f.Type)
		return
	}
	switch f.State {
	case "", store.StateFiring, store.StateAcknowledged:
	default:
		writeError(w, http.StatusBadRequest, "state %q: want firing or acknowledged", f.State)
		return
	}
	limit, err := intParam(r, "limit", 100, 1, 10000)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	f.Limit = limit
	if v := q.Get("cursor"); v != "" {
		if f.After, err = parseCursor(v); err != nil {
			writeError(w, http.StatusBadRequest, "cursor %q: %v", v, err)
			return
		}
	}
	recs, err := s.db.Alerts(r.Context(), f)
	switch {
	case errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	out := make([]alertView, len(recs))
	for i, rec := range recs {
		out[i] = alertOf(rec)
	}
	// A full page may have more behind it: say where the next one starts
	// (RFC 8288), with the same filters.
	if len(recs) == limit {
		last := recs[len(recs)-1]
		linkNext(w, r, "cursor", formatCursor(store.AlertCursor{Time: last.Time, ID: last.ID}))
	}
	writeJSON(w, http.StatusOK, out)
}

// formatCursor writes a place in the alert listing as an opaque token.
func formatCursor(c store.AlertCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.Time.UnixNano(), 10) + ":" + c.ID))
}

func parseCursor(token string) (*store.AlertCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, errors.New("not a cursor from a Link header")
	}
	ns, id, ok := strings.Cut(string(raw), ":")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || id == "" {
		return nil, errors.New("not a cursor from a Link header")
	}
	return &store.AlertCursor{Time: time.Unix(0, n).UTC(), ID: id}, nil
}

func (s *Server) ackAlert(w http.ResponseWriter, r *http.Request) {
	var req struct {
		By string `json:"by"`
	}
	if r.ContentLength != 0 {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSmallBody)).Decode(&req); err != nil && !errors.Is(err, io.EOF) {
			writeError(w, http.StatusBadRequest, "ack: %v", err)
			return
		}
	}
	if req.By == "" {
		req.By = callerOf(r).name()
	}
	if c := callerOf(r); c.restricted() {
		a, err := s.db.Alert(r.Context(), r.PathValue("id"))
		if err == nil && s.forbidModel(w, r, a.Model) {
			return
		}
	}
	rec, err := s.db.AckAlert(r.Context(), r.PathValue("id"), req.By, s.opts.Now().UTC())
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no alert %q", r.PathValue("id"))
		return
	case errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	s.audit(r, "alert.ack", rec.ID, map[string]any{"by": req.By, "model": rec.Model})
	writeJSON(w, http.StatusOK, alertOf(rec))
}

func (s *Server) postSilence(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID            string            `json:"id"`
		Matchers      map[string]string `json:"matchers"`
		MatchersRegex map[string]string `json:"matchers_regex"`
		MatchersNot   map[string]string `json:"matchers_not"`
		StartsAt      time.Time         `json:"starts_at"`
		EndsAt        time.Time         `json:"ends_at"`
		CreatedBy     string            `json:"created_by"`
		Comment       string            `json:"comment"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSmallBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "silence: %v", err)
		return
	}
	sil := silence.Silence{ID: req.ID, Matchers: req.Matchers, MatchersRegex: req.MatchersRegex, MatchersNot: req.MatchersNot,
		StartsAt: req.StartsAt, EndsAt: req.EndsAt, CreatedBy: req.CreatedBy, Comment: req.Comment}
	if err := sil.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, "silence: %v", err)
		return
	}
	if c := callerOf(r); c.restricted() && (req.Matchers["model"] == "" || !c.mayTouch(req.Matchers["model"])) {
		writeError(w, http.StatusForbidden, "token %s may silence only its own models: give matchers.model", c.name())
		return
	}
	now := s.opts.Now().UTC()
	if sil.StartsAt.IsZero() {
		sil.StartsAt = now
	}
	if sil.CreatedBy == "" {
		sil.CreatedBy = callerOf(r).name()
	}
	if sil.ID == "" {
		sil.ID = alert.Fingerprint(fmt.Sprint(sil.Matchers, sil.MatchersRegex, sil.MatchersNot), "silence", sil.StartsAt.String())
	}
	stored := storedSilence(sil)
	if err := stored.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if err := s.db.AddSilence(r.Context(), stored); err != nil {
		writeStoreError(w, err)
		return
	}
	if err := s.loadSilences(r.Context()); err != nil {
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	s.audit(r, "silence.create", sil.ID, map[string]any{"matchers": sil.Matchers, "matchers_regex": sil.MatchersRegex, "matchers_not": sil.MatchersNot,
		"starts_at": sil.StartsAt, "ends_at": sil.EndsAt, "created_by": sil.CreatedBy, "comment": sil.Comment})
	writeJSON(w, http.StatusCreated, sil.ViewAt(now))
}

// getSilences lists the stored silences, those in effect, yet to come and
// ended (until retention prunes them), with their state by the server's
// clock; ?state= keeps one state.
func (s *Server) getSilences(w http.ResponseWriter, r *http.Request) {
	var want silence.State
	if v := r.URL.Query().Get("state"); v != "" {
		want = silence.State(v)
		if !slices.Contains(silence.States, want) {
			writeError(w, http.StatusBadRequest, "state %q: want pending, active or expired", v)
			return
		}
	}
	all, err := s.db.Silences(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	now := s.opts.Now().UTC()
	c := callerOf(r)
	out := []silence.View{}
	for _, st := range all {
		sil := silenceOf(st)
		if c.restricted() && !c.mayTouch(sil.Matchers["model"]) {
			continue
		}
		if v := sil.ViewAt(now); want == "" || v.State == want {
			out = append(out, v)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"silences": out})
}

// deleteSilence expires a silence now, by the server's clock: from then
// on, by event time, it mutes nothing. The silence stays listed, expired,
// until retention prunes it.
func (s *Server) deleteSilence(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	all, err := s.db.Silences(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	i := slices.IndexFunc(all, func(st store.Silence) bool { return st.ID == id })
	if i < 0 {
		writeError(w, http.StatusNotFound, "no silence %q", id)
		return
	}
	if c := callerOf(r); c.restricted() && !c.mayTouch(all[i].Matchers["model"]) {
		writeError(w, http.StatusForbidden, "token %s may expire only silences of its own models", c.name())
		return
	}
	now := s.opts.Now().UTC()
	st, err := s.db.ExpireSilence(r.Context(), id, now)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	if err := s.loadSilences(r.Context()); err != nil {
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	s.audit(r, "silence.expire", id, map[string]any{"matchers": st.Matchers, "ends_at": st.EndsAt, "was_ending": all[i].EndsAt})
	writeJSON(w, http.StatusOK, silenceOf(st).ViewAt(now))
}

func silenceOf(s store.Silence) silence.Silence {
	return silence.Silence{ID: s.ID, Matchers: s.Matchers, MatchersRegex: s.MatchersRegex, MatchersNot: s.MatchersNot,
		StartsAt: s.StartsAt, EndsAt: s.EndsAt, CreatedBy: s.CreatedBy, Comment: s.Comment}
}

func storedSilence(s silence.Silence) store.Silence {
	return store.Silence{ID: s.ID, Matchers: s.Matchers, MatchersRegex: s.MatchersRegex, MatchersNot: s.MatchersNot,
		StartsAt: s.StartsAt, EndsAt: s.EndsAt, CreatedBy: s.CreatedBy, Comment: s.Comment}
}

// loadSilences hands the silencing stage every stored silence: they match
// on the event time of each finding, so one for yesterday or tomorrow
// counts as much as one for now.
func (s *Server) loadSilences(ctx context.Context) error {
	all, err := s.db.Silences(ctx)
	if err != nil {
		return err
	}
	out := make([]silence.Silence, len(all))
	for i, st := range all {
		out[i] = silenceOf(st)
	}
	s.silences.Replace(out)
	return nil
}

func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s %q: want a whole number from %d to %d", name, v, lo, hi)
	}
	return n, nil
}

// timeParam reads an optional RFC 3339 time from the query.
func timeParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want an RFC 3339 time", name, v)
	}
	return t, nil
}

// linkNext points a full page at the next one (RFC 8288), keeping the
// request's filters and setting key to where the next page starts.
func linkNext(w http.ResponseWriter, r *http.Request, key, value string) {
	next := r.URL.Query()
	next.Set(key, value)
	w.Header().Set("Link", "<"+r.URL.Path+"?"+next.Encode()+`>; rel="next"`)
}

// getReport answers the security report: JSON, or the lab's text layout
// with format=text.
func (s *Server) getReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	opts := report.Options{Model: q.Get("model")}
	if s.forbidModel(w, r, opts.Model) {
		return
	}
	if v := q.Get("since"); v != "" {
		d, err := report.ParsePeriod(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "since: %v", err)
			return
		}
		opts.Period = d
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "text" {
		writeError(w, http.StatusBadRequest, "format %q: want json or text", format)
		return
	}
	rep, err := s.Report(r.Context(), opts)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "%v", err)
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	if format == "text" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rep.WriteText(w, report.TextOptions{})
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// forbidModel answers 403 when the caller's token may not touch the model;
// model "" (every model) is forbidden to a token restricted to some.
func (s *Server) forbidModel(w http.ResponseWriter, r *http.Request, model string) bool {
	c := callerOf(r)
	if !c.restricted() || (model != "" && c.mayTouch(model)) {
		return false
	}
	if model == "" {
		writeError(w, http.StatusForbidden, "token %s may touch only %s: name one with ?model=", c.name(), strings.Join(c.token.Models, ", "))
	} else {
		writeError(w, http.StatusForbidden, "token %s may not touch model %q", c.name(), model)
	}
	return true
}

// getMetrics serves the Prometheus metrics, which cover every model.
func (s *Server) getMetrics(w http.ResponseWriter, r *http.Request) {
	if s.forbidModel(w, r, "") {
		return
	}
	promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}
