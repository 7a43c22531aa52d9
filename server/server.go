// Package server is Warden's service: the HTTP API over the pipeline, the
// store and the alert manager. Events answered with 202 are in the durable
// event log first; on start the log is replayed, so a restart, even after
// kill -9, comes back with every acknowledged event processed.
package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/auth"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/monitor"
	"github.com/warden-ml/warden/notify"
	"github.com/warden-ml/warden/pipeline"
	"github.com/warden-ml/warden/report"
	"github.com/warden-ml/warden/silence"
	"github.com/warden-ml/warden/store"
	"github.com/warden-ml/warden/store/eventlog"
	"github.com/warden-ml/warden/store/sqlite"
)

// Options are what the configuration does not say.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time // the clock for events without a time; nil: time.Now
	// Sections are the detectors' sections of the security report, from
	// the wiring's list of components.
	Sections []report.Section
}

// Server is a running Warden service.
type Server struct {
	cfg    *config.Config
	opts   Options
	log    *slog.Logger
	db     *sqlite.DB
	events *eventlog.Log
	// pipe and manager are replaced whole when derived results that failed
	// to save are redone (health.go); gate keeps ingest, model changes and
	// checkpoints out meanwhile.
	pipe     atomic.Pointer[pipeline.Pipeline]
	manager  atomic.Pointer[alert.Manager]
	gate     sync.RWMutex
	handlers []alertHandler // in-process alert handlers, kept across rebuilds
	health   health
	saver    *saver        // writes windows and findings in batches
	ids      *recentIDs    // event ids of the latest events, to recognise a retry
	keys     *keyedAnswers // answers given to batches with an Idempotency-Key
	silences silence.Set   // the silencing stage, loaded from the store
	policy   alert.Policy
	notify   *notify.Dispatcher
	metrics  *metrics
	shards   int
	ready    atomic.Bool
	// replayed counts the logged events processed again at start.
	replayed int

	tokens   atomic.Pointer[auth.Set] // replaced whole by ReloadAuth
	sessions sessions
	refusals refusals
	cert     certificate
	tls      *tls.Config // nil: plain HTTP

	mu     sync.RWMutex
	models map[string]*registered

	decoders sync.Pool
	building chan struct{} // held while a reference upload is read and profiled
	saved    savedCheckpoint

	feeds   sync.Map   // model -> *feed
	feedsMu sync.Mutex // one CheckFeeds at a time
}

// feed is when a model's events last came, by the server's clock, and
// whether its current silence was reported.
type feed struct {
	last     atomic.Int64 // Unix nanoseconds; 0 until known
	reported bool         // under feedsMu
}

// registered is a model the service knows: its settings and, once a
// reference has been given, its profile and outlier detector.
type registered struct {
	Config config.Model
	Ref    *monitor.Reference // nil until a reference is given
}

// ConfigError is a failure of New that the configuration can fix: a
// storage directory that cannot be made, a receiver that cannot be built,
// a model reference that does not load.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// New opens the store and the event log under cfg.Storage.Dir, registers
// the configured and stored models and replays the event log.
func New(cfg *config.Config, opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(cfg.Storage.Dir, 0o700); err != nil {
		return nil, &ConfigError{fmt.Errorf("storage.dir: %w", err)}
	}
	s := &Server{cfg: cfg, opts: opts, log: opts.Logger, models: map[string]*registered{}, metrics: newMetrics(), building: make(chan struct{}, 1),
		ids: newRecentIDs(cfg.Pipeline.DedupeIDs), keys: newKeyedAnswers()}
	tokens, err := cfg.Auth.TokenSet()
	if err != nil {
		return nil, &ConfigError{err}
	}
	s.tokens.Store(tokens)
	if cfg.Server.TLS.Enabled() {
		if s.tls, err = s.tlsConfig(); err != nil {
			return nil, &ConfigError{err}
		}
	}
	if tokens.Len() == 0 {
		s.log.Warn("no auth.tokens configured: anyone who can reach the listener can use every route, including admin ones")
	}
	limits := event.DefaultLimits()
	limits.MaxFeatures, limits.MaxItems, limits.MaxValues = cfg.Server.MaxFeatures, cfg.Server.MaxEvents, cfg.Server.MaxValues
	limits.MaxBodyBytes = cfg.Server.MaxBodyBytes // decompressed, as MaxBytesReader bounds it sent
	s.decoders.New = func() any { return event.NewDecoder(limits) }
	s.shards = cfg.Pipeline.Shards
	if s.shards <= 0 {
		s.shards = defaultShards()
	}
	dbPath := filepath.Join(cfg.Storage.Dir, "warden.db")
	if s.db, err = sqlite.Open(dbPath); err != nil {
		if sqlite.IsCorrupt(err) {
			return nil, &DamageError{Dir: cfg.Storage.Dir, What: "store", Err: fmt.Errorf("%s: %w", dbPath, err)}
		}
		return nil, err
	}
	// Found now, not by the first query that reaches the damage while the
	// service says it is ready.
	if err := s.db.Check(context.Background()); err != nil {
		s.db.Close()
		if sqlite.IsCorrupt(err) {
			return nil, &DamageError{Dir: cfg.Storage.Dir, What: "store", Err: fmt.Errorf("%s: %w", dbPath, err)}
		}
		return nil, err
	}
	// The checkpoint says how far the log was durable at least: a log that
	// ends before it lost acknowledged events.
	durable, err := s.checkpointPosition(context.Background())
	if err != nil {
		s.db.Close()
		return nil, err
	}
	if s.events, err = eventlog.Open(eventlog.Options{Dir: filepath.Join(cfg.Storage.Dir, "events"), SegmentBytes: cfg.Storage.SegmentBytes, Durable: durable}); err != nil {
		s.db.Close()
		return nil, damaged(cfg.Storage.Dir, err)
	}
	if n := s.events.Recovered(); n > 0 {
		s.log.Info("event log: dropped a torn final record, which no request was answered for", "bytes", n)
	}
	recv, err := receivers(cfg.Alerting.Receivers)
	if err != nil {
		s.Close()
		return nil, &ConfigError{err}
	}
	s.notify = notify.NewDispatcher(s.db, recv, notify.DispatcherOptions{Logger: opts.Logger})
	s.policy = monitor.Policy(cfg)
	s.registerHealthMetrics()
	s.saver = newSaver(s)
	if err := s.start(context.Background()); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// newManager is the alert manager: grading by the configured thresholds,
// silencing by the stored silences, deduplication.
func (s *Server) newManager() *alert.Manager {
	m := alert.NewManager(s.policy)
	m.SetSilencer(&s.silences)
	m.Handle("", s.countAlert)
	for _, h := range s.handlers {
		m.Handle(h.kind, h.fn)
	}
	return m
}

type alertHandler struct {
	kind alert.Kind
	fn   func(alert.Alert)
}

// pipeline is the current pipeline.
func (s *Server) pipeline() *pipeline.Pipeline { return s.pipe.Load() }

// alerts is the current alert manager.
func (s *Server) alerts() *alert.Manager { return s.manager.Load() }

// start registers the models and replays the log into a new pipeline.
func (s *Server) start(ctx context.Context) error {
	stored, err := s.db.Models(ctx)
	if err != nil {
		return err
	}
	for _, m := range stored {
		var mc config.Model
		if err := json.Unmarshal(m.Config, &mc); err != nil {
			return fmt.Errorf("stored model %q: %w", m.Name, err)
		}
		r := &registered{Config: mc}
		if len(m.Profile) > 0 {
			p, err := drift.DecodeProfile(bytes.NewReader(m.Profile), m.Name)
			if err != nil {
				return fmt.Errorf("stored model %q: %w", m.Name, err)
			}
			if r.Ref, err = monitor.DecodeReference(p); err != nil {
				return fmt.Errorf("stored model %q: %w", m.Name, err)
			}
		}
		s.models[m.Name] = r
	}
	// The configuration file wins over what was registered over the API.
	for i := range s.cfg.Models {
		m := s.cfg.Models[i]
		r := &registered{Config: m}
		if prev := s.models[m.Name]; prev != nil {
			r.Ref = prev.Ref
		}
		if m.Reference != "" {
			if r.Ref, err = monitor.LoadReference(m.Reference, &m); err != nil {
				return &ConfigError{fmt.Errorf("models[%d] (%s): reference: %w", i, m.Name, err)}
			}
			for _, w := range r.Ref.Warnings {
				s.log.Warn(w, "model", m.Name)
			}
		}
		s.models[m.Name] = r
		if err := s.persist(ctx, m.Name, r); err != nil {
			return err
		}
	}
	if err := s.buildPipeline(ctx); err != nil {
		return err
	}
	s.metrics.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "warden_queue_depth", Help: "Events accepted and not yet processed by the detectors.",
	}, func() float64 { return float64(s.pipeline().InFlight()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "warden_events_held", Help: "Events held back because they are dated too far ahead of their model's traffic.",
		}, func() float64 { return float64(s.pipeline().Held()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "warden_events_dropped_total", Help: "Events never processed: held back beyond the limit, or dated after 2261.",
		}, func() float64 { return float64(s.pipeline().Dropped()) }))
	s.metrics.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "warden_checkpoint_bytes", Help: "Size of the last checkpoint in the store: the log position, the core state and every detector's part.",
	}, func() float64 { return float64(s.saved.bytes()) }))
	s.metrics.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "warden_checkpoint_written_bytes_total", Help: "Bytes checkpoints wrote to the store; detector state that did not change is not written again.",
	}, func() float64 { s.saved.mu.Lock(); defer s.saved.mu.Unlock(); return float64(s.saved.written) }))
	s.metrics.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "warden_queue_bytes", Help: "Memory taken of pipeline.queue_bytes, by estimate: events being decoded, and accepted and not yet processed.",
	}, func() float64 { return float64(s.pipeline().QueuedBytes()) }))
	s.ready.Store(true)
	return nil
}

// buildPipeline makes the pipeline and the alert manager from the last
// checkpoint and replays the event log after it: at start, and again when
// results that failed to save are redone.
func (s *Server) buildPipeline(ctx context.Context) error {
	// Silences first: the replay must be muted as the first run was.
	if err := s.loadSilences(ctx); err != nil {
		return err
	}
	var models []pipeline.Model
	for name, r := range s.models {
		pm, err := s.pipelineModel(name, r)
		if err != nil {
			return err
		}
		models = append(models, pm)
	}
	from, restore, err := s.loadCheckpoint(ctx)
	if err != nil {
		return err
	}
	popts := pipeline.Options{
		Shards: s.shards, QueueSize: s.cfg.Pipeline.QueueSize, QueueBytes: s.cfg.Pipeline.QueueBytes,
		MaxRecordBytes: eventlog.MaxRecordBytes, Log: logAdapter{s.events}, Sink: sink{s},
		Timed: func(d string, took time.Duration) { s.metrics.detector.WithLabelValues(d).Observe(took.Seconds()) },
	}
	manager := s.newManager()
	var pipe *pipeline.Pipeline
	if restore != nil {
		if !s.ready.Load() { // at start; a rebuild keeps what it has
			s.restoreIngestState(restore.parts)
		}
		parts := maps.Clone(restore.parts)
		delete(parts, partIDs)
		delete(parts, partKeys)
		popts.Restore = &pipeline.State{Core: restore.Pipeline, Parts: parts}
		pipe, err = pipeline.New(popts, models)
		if err != nil {
			// A checkpoint this version cannot use: start over from the
			// whole log, which gives the same result, only slower.
			s.log.Warn("checkpoint not usable; replaying the whole event log", "err", err)
			from, restore, popts.Restore = eventlog.Position{}, nil, nil
		} else if fresh := pipe.Fresh(); len(fresh) > 0 {
			s.log.Info("models changed since the checkpoint start afresh", "models", fresh)
		}
		if restore != nil {
			for _, seen := range restore.Manager {
				manager.Remember(seen)
			}
		}
	}
	if pipe == nil {
		if pipe, err = pipeline.New(popts, models); err != nil {
			return err
		}
	}
	s.manager.Store(manager)
	s.pipe.Store(pipe)
	n, err := s.replayLog(ctx, from)
	if err != nil {
		return damaged(s.cfg.Storage.Dir, fmt.Errorf("replaying the event log: %w", err))
	}
	s.replayed = n
	if n > 0 {
		s.log.Info("replayed the event log", "events", n, "from", from.String())
	}
	return nil
}

// Report builds the security report from the store.
func (s *Server) Report(ctx context.Context, opts report.Options) (*report.Report, error) {
	opts.Sections = s.opts.Sections
	return report.Build(ctx, s.db, opts)
}

// Replayed is how many logged events the start had to process again: those
// after the last checkpoint.
func (s *Server) Replayed() int { return s.replayed }

// checkpointState is what a checkpoint keeps besides the log position and
// the detectors' parts.
type checkpointState struct {
	Pipeline json.RawMessage `json:"pipeline"`
	Manager  []alert.Seen    `json:"manager"`

	parts map[string][]byte // the detectors' state, stored apart
}

// savedCheckpoint is what the store holds of the last checkpoint, to write
// only what changed: a part is rewritten only when its hash differs.
type savedCheckpoint struct {
	mu    sync.Mutex
	at    *eventlog.Position // the log position it covers; nil: not known
	parts map[string]savedPart
	core  int
	// written counts the bytes checkpoints wrote since the start.
	written int64
}

type savedPart struct {
	hash [sha256.Size]byte
	size int
}

// bytes is the checkpoint's size in the store, about.
func (c *savedCheckpoint) bytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.core
	for _, p := range c.parts {
		n += p.size
	}
	return n
}

func (c *savedCheckpoint) remember(at *eventlog.Position, core []byte, parts map[string][]byte) {
	saved := make(map[string]savedPart, len(parts))
	for name, p := range parts {
		saved[name] = savedPart{sha256.Sum256(p), len(p)}
	}
	c.mu.Lock()
	c.at, c.core, c.parts = at, len(core), saved
	c.mu.Unlock()
}

// changed returns the parts that differ from the store's, with nil for
// those to delete.
func (c *savedCheckpoint) changed(parts map[string][]byte) map[string][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string][]byte{}
	for name, p := range parts {
		if c.parts[name].hash != sha256.Sum256(p) {
			out[name] = p
		}
	}
	for name := range c.parts {
		if _, ok := parts[name]; !ok {
			out[name] = nil
		}
	}
	return out
}

// checkpointPosition is the log position of the stored checkpoint, zero
// when there is none or it cannot be read.
func (s *Server) checkpointPosition(ctx context.Context) (eventlog.Position, error) {
	cp, ok, err := s.db.LoadCheckpoint(ctx)
	if err != nil || !ok {
		return eventlog.Position{}, err
	}
	var pos eventlog.Position
	if json.Unmarshal(cp.Position, &pos) != nil {
		return eventlog.Position{}, nil
	}
	return pos, nil
}

// DamageError is a data directory that lost what it acknowledged: the
// service refuses to start rather than serve less than it holds, and says
// what to run.
type DamageError struct {
	Dir  string
	What string // "event log" or "store"
	Err  error
}

func (e *DamageError) Error() string {
	if e.What == "store" {
		return fmt.Sprintf("%v\nThe store is damaged; nothing was changed. Restore it from a backup, keeping the event log, which is replayed "+
			"from the backup's checkpoint: 'warden restore BACKUP --data %s --store-only'.", e.Err, e.Dir)
	}
	return fmt.Sprintf("%v\nThe event log is damaged; nothing was changed. 'warden log verify --data %s' says what it holds, "+
		"'warden log repair --data %s' moves the damaged records aside and says how many acknowledged events that gives up; "+
		"or restore a backup with 'warden restore'.", e.Err, e.Dir, e.Dir)
}

func (e *DamageError) Unwrap() error { return e.Err }

// damaged wraps an error that is damage to the event log.
func damaged(dir string, err error) error {
	if errors.As(err, new(*eventlog.CorruptError)) {
		return &DamageError{Dir: dir, What: "event log", Err: err}
	}
	return err
}

// loadCheckpoint returns where to start replaying the log and the state to
// restore (nil: none).
func (s *Server) loadCheckpoint(ctx context.Context) (eventlog.Position, *checkpointState, error) {
	cp, ok, err := s.db.LoadCheckpoint(ctx)
	if err != nil || !ok {
		return eventlog.Position{}, nil, err
	}
	s.saved.remember(nil, cp.State, cp.Parts)
	var pos eventlog.Position
	var st checkpointState
	if json.Unmarshal(cp.Position, &pos) != nil || json.Unmarshal(cp.State, &st) != nil {
		s.log.Warn("checkpoint damaged; replaying the whole event log")
		return eventlog.Position{}, nil, nil
	}
	st.parts = cp.Parts
	return pos, &st, nil
}

// Checkpoint saves the pipeline's state and how far the log is processed,
// so that a restart replays only what came after. Of the detectors' state,
// only the parts that changed since the last checkpoint are written.
func (s *Server) Checkpoint(ctx context.Context) error {
	s.gate.RLock()
	defer s.gate.RUnlock()
	return s.pipeline().Checkpoint(ctx, func(state pipeline.State) error {
		// Never past a result that failed to save: the next checkpoint
		// comes after it is redone.
		s.saver.flush()
		if n := s.health.unsaved.Load(); n > 0 {
			return fmt.Errorf("%d results failed to save since the last checkpoint; they are redone first", n)
		}
		if state.Parts == nil {
			state.Parts = map[string][]byte{}
		}
		if err := s.ingestParts(state.Parts); err != nil {
			return err
		}
		end := s.events.End()
		pos, err := json.Marshal(end)
		if err != nil {
			return err
		}
		st, err := json.Marshal(checkpointState{Pipeline: state.Core, Manager: s.alerts().Remembered()})
		if err != nil {
			return err
		}
		changed := s.saved.changed(state.Parts)
		err = s.db.SaveCheckpoint(ctx, store.Checkpoint{Position: pos, State: st, Parts: changed, At: s.opts.Now().UTC()})
		if err != nil {
			s.writeFailed("saving a checkpoint", err, false)
			return err
		}
		written := len(pos) + len(st)
		for _, p := range changed {
			written += len(p)
		}
		s.saved.remember(&end, st, state.Parts)
		s.saved.mu.Lock()
		s.saved.written += int64(written)
		s.saved.mu.Unlock()
		return nil
	})
}

// checkpointIfMoved checkpoints unless nothing was logged since the last
// checkpoint: detector state changes only with events, and a model change
// checkpoints at once. It reports whether it did.
func (s *Server) checkpointIfMoved(ctx context.Context) (bool, error) {
	s.saved.mu.Lock()
	at := s.saved.at
	s.saved.mu.Unlock()
	if at != nil && s.events.End() == *at {
		return false, nil
	}
	return true, s.Checkpoint(ctx)
}

func (s *Server) countAlert(a alert.Alert) {
	s.metrics.alerts.WithLabelValues(string(a.Type), a.Severity.String()).Inc()
}

// replayLog runs every logged event through the pipeline again. Alerts and
// windows are stored idempotently, so what was done before a crash is not
// done twice, and what was not is done now.
func (s *Server) replayLog(ctx context.Context, from eventlog.Position) (int, error) {
	r, err := s.events.Reader(from)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	dec := event.NewDecoder(logLimits)
	total := 0
	for {
		rec, pos, _, err := r.Next()
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			return total, err
		}
		evs, rejected, err := dec.Decode(bytes.NewReader(rec), nil)
		if err != nil || len(rejected) > 0 {
			return total, fmt.Errorf("record at %s: %v %v", pos, err, rejected)
		}
		s.ids.addEvents(evs)
		// Models deleted since are skipped; the rest are replayed in order.
		kept := evs[:0]
		for _, e := range evs {
			if s.pipeline().Known(e.Model) {
				kept = append(kept, e)
			}
		}
		for {
			err := s.pipeline().Replay(ctx, kept)
			if !errors.Is(err, pipeline.ErrBusy) {
				if err != nil {
					return total, err
				}
				break
			}
			time.Sleep(time.Millisecond)
		}
		total += len(kept)
	}
}

// logLimits decode the event log. Its records passed the limits of their
// day, which may have been higher than today's, and were re-encoded, which
// can lengthen an item (a number written out in full, a time added).
var logLimits = event.Limits{
	MaxItemBytes: 1 << 20,
	MaxFeatures:  1 << 20,
	MaxItems:     math.MaxInt32,
	MaxValues:    math.MaxInt,
	MaxBodyBytes: eventlog.MaxRecordBytes,
}

// pipelineModel is a registered model's pipeline model; one without a
// reference is known, logged and counted, with nothing to compare with yet.
func (s *Server) pipelineModel(name string, r *registered) (pipeline.Model, error) {
	return monitor.NewModel(&r.Config, r.Ref, s.shards, monitor.ModelThresholds(s.cfg, &r.Config),
		monitor.Hooks{OnWindow: s.onWindow, OnOutlier: s.onOutlier, OnTraffic: s.onTraffic, OnUsers: s.onUsers})
}

func (s *Server) persist(ctx context.Context, name string, r *registered) error {
	cfgJSON, err := json.Marshal(r.Config)
	if err != nil {
		return err
	}
	m := store.Model{Name: name, Config: cfgJSON, UpdatedAt: s.opts.Now().UTC()}
	if prev, err := s.db.Model(ctx, name); err == nil {
		m.CreatedAt = prev.CreatedAt
	} else {
		m.CreatedAt = m.UpdatedAt
	}
	if r.Ref != nil {
		var buf bytes.Buffer
		if err := r.Ref.Profile.Encode(&buf); err != nil {
			return err
		}
		m.Profile = buf.Bytes()
	}
	return s.db.PutModel(ctx, m)
}

// onWindow stores an evaluated window (from the pipeline's merger).
func (s *Server) onWindow(model string, w *drift.WindowResult) {
	if s.holding() {
		return
	}
	rep, err := json.Marshal(w.Report)
	if err != nil {
		s.log.Error("encoding a window", "model", model, "err", err)
		return
	}
	s.saver.window(store.Window{
		Model: model, Kind: string(w.Kind), Start: w.Start, End: w.End, FirstSeq: w.FirstSeq, LastSeq: w.LastSeq,
		Events: w.Events, Late: w.Late, Drift: w.Report.DatasetDrift, Report: rep,
	})
	s.metrics.windows.WithLabelValues(model).Inc()
}

// onOutlier stores a pane's summary of screened inputs.
func (s *Server) onOutlier(model string, sum *monitor.OutlierSummary) {
	if s.holding() {
		return
	}
	rep, err := json.Marshal(sum)
	if err != nil {
		s.log.Error("encoding an outlier summary", "model", model, "err", err)
		return
	}
	s.saver.window(store.Window{
		Model: model, Kind: store.WindowOutliers, Start: sum.Start, End: sum.End, FirstSeq: sum.FirstSeq,
		LastSeq: sum.LastSeq, Events: sum.Inputs + sum.Unscored, Report: rep,
	})
	s.metrics.screened.WithLabelValues(model).Add(float64(sum.Inputs))
	s.metrics.anomalies.WithLabelValues(model).Add(float64(sum.Anomalies))
}

// eventCheck refuses, as items of their batch, events of a model the
// service does not know and events whose time checkTime refuses at now.
func (s *Server) eventCheck(now time.Time) func(*event.Event) string {
	return func(ev *event.Event) string {
		if !s.pipeline().Known(ev.Model) {
			return fmt.Sprintf("unknown model %q", ev.Model)
		}
		if reason := s.checkTime(ev.Model, ev.Time, now); reason != "" {
			return reason
		}
		s.fed(ev.Model, now)
		return ""
	}
}

// fed notes that events of the model came at now. A batch refused as a
// whole later (queues full) counts too: its sender is there.
func (s *Server) fed(model string, now time.Time) {
	last, ns := &s.feed(model).last, now.UnixNano()
	for {
		if old := last.Load(); old >= ns || last.CompareAndSwap(old, ns) {
			return
		}
	}
}

func (s *Server) feed(model string) *feed {
	f, ok := s.feeds.Load(model)
	if !ok {
		f, _ = s.feeds.LoadOrStore(model, &feed{})
	}
	return f.(*feed)
}

// feedCheckEvery is how often Serve runs CheckFeeds.
const feedCheckEvery = 30 * time.Second

// CheckFeeds raises a feed finding for each model with an expect_every
// whose events have not come for longer by the server's clock, once per
// silence: when events come again the model is watched afresh. A model
// that never sent any is silent from the first check that saw it. Serve
// runs it every 30 seconds.
func (s *Server) CheckFeeds() {
	s.feedsMu.Lock()
	defer s.feedsMu.Unlock()
	now := s.opts.Now()
	s.mu.RLock()
	every := map[string]time.Duration{}
	for name, r := range s.models {
		if r.Config.ExpectEvery > 0 {
			every[name] = r.Config.ExpectEvery
		}
	}
	s.mu.RUnlock()
	for _, name := range slices.Sorted(maps.Keys(every)) {
		f := s.feed(name)
		f.last.CompareAndSwap(0, now.UnixNano())
		last := time.Unix(0, f.last.Load()).UTC()
		switch {
		case now.Sub(last) <= every[name]:
			if f.reported {
				s.log.Info("events came again", "model", name, "at", last)
			}
			f.reported = false
		case !f.reported:
			f.reported = true
			sink{s}.Findings([]alert.Finding{monitor.FeedFinding(name, last, now.UTC(), every[name], false)})
		}
	}
}

func (s *Server) watchFeeds(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.CheckFeeds()
		}
	}
}

// checkTime refuses an event time more than pipeline.max_future ahead of
// the server's clock, which would otherwise be the only thing a client
// needs to push a model's clock into the future, and one outside the
// years the store keeps. A zero time is fine: it gets the server's clock.
func (s *Server) checkTime(model string, t, now time.Time) string {
	switch {
	case t.IsZero():
		return ""
	case t.Sub(now) > s.cfg.Pipeline.MaxFuture:
		s.metrics.timeRejected.WithLabelValues(model, "future").Inc()
		return fmt.Sprintf("time %s is ahead of the server's clock (%s) by more than pipeline.max_future (%s)",
			t.Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339), config.FormatDuration(s.cfg.Pipeline.MaxFuture))
	case t.Before(pipeline.MinTime) || !t.Before(pipeline.MaxTime):
		s.metrics.timeRejected.WithLabelValues(model, "out_of_range").Inc()
		return fmt.Sprintf("time %s is outside the years %d to %d that Warden keeps",
			t.Format(time.RFC3339Nano), pipeline.MinTime.Year(), pipeline.MaxTime.Year()-1)

	}
	return ""
}

// onUsers counts what the burst test keeps of a model's users.
func (s *Server) onUsers(model string, u monitor.UserStats) {
	s.metrics.users.WithLabelValues(model).Set(float64(u.Tracked))
	s.metrics.forgotten.WithLabelValues(model).Add(float64(u.Forgotten))
	s.metrics.untracked.WithLabelValues(model).Add(float64(u.Untracked))
}

// onTraffic stores a pane's event count.
func (s *Server) onTraffic(model string, c monitor.TrafficCount) {
	if s.holding() {
		return
	}
	s.saver.window(store.Window{
		Model: model, Kind: store.WindowTraffic, Start: c.Start, End: c.End, FirstSeq: c.FirstSeq,
		LastSeq: c.LastSeq, Events: c.Events, Late: c.Late,
	})
}

// sink stores findings and the alerts they raise, and tells the receivers
// of the alerts of each call in one notification per model.
type sink struct{ s *Server }

func (k sink) Findings(fs []alert.Finding) {
	ctx := context.Background()
	var raised []alert.Alert
	for _, f := range fs {
		if k.s.holding() {
			return
		}
		k.s.saver.finding(f)
		manager := k.s.alerts()
		a, d := manager.Decide(f)
		if d != alert.Alerted {
			continue
		}
		rec, created, err := k.s.db.UpsertAlert(ctx, a)
		if err != nil {
			k.s.writeFailed("storing an alert", err, true)
			continue
		}
		manager.Commit(a)
		// Stored already with the same severity, the alert is this call
		// replayed after a crash: notify it again, since enqueueing is
		// idempotent. With another severity, another call (a window of
		// another length ending at the same time, graded higher) stored
		// and notified it; here it could lead the notification and give it
		// that call's outbox key, and the outbox would drop it.
		if !created && rec.Severity != a.Severity {
			continue
		}
		raised = append(raised, rec.Alert)
	}
	// One call reports one evaluation: a closed pane or an event.
	for _, n := range notify.Group(raised) {
		if err := k.s.notify.Enqueue(ctx, n); err != nil {
			k.s.writeFailed("queueing a notification for its receivers", err, true)
		}
	}
}

func (k sink) Error(err error) {
	var nl *pipeline.NotLoggedError
	if errors.As(err, &nl) {
		k.s.metrics.unlogged.Add(float64(nl.Events))
		k.s.writeFailed("appending screened inputs to the event log", nl.Err, false)
		return
	}
	k.s.log.Error("pipeline", "err", err)
}

// logAdapter gives the pipeline the durable log.
type logAdapter struct{ l *eventlog.Log }

func (a logAdapter) Append(records ...[]byte) error {
	_, _, err := a.l.Append(records...)
	return err
}

// Serve answers HTTP on l until ctx is done, then shuts down gracefully:
// requests in flight finish, the queues drain, the store closes.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	if s.tls != nil {
		l = tls.NewListener(l, s.tls)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       s.cfg.Server.ReadTimeout,
		WriteTimeout:      s.cfg.Server.WriteTimeout,
		IdleTimeout:       2 * time.Minute,
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	go s.pruneEvery(ctx, 10*time.Minute)
	go s.watchFeeds(ctx, feedCheckEvery)
	every := s.cfg.Storage.CheckpointEvery
	if every <= 0 {
		every = defaultCheckpointEvery
	}
	go s.checkpointEvery(ctx, every)
	go s.watchHealth(ctx)
	notified := make(chan error, 1)
	go func() { notified <- s.notify.Run(ctx) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), s.cfg.Server.ShutdownTimeout)
		defer cancel()
		err = srv.Shutdown(sctx)
	}
	// Stop delivering before the store closes; what is left in the outbox
	// goes out after the restart.
	stop()
	<-notified
	if cerr := s.Checkpoint(context.Background()); cerr != nil {
		s.log.Error("checkpoint at shutdown", "err", cerr)
	}
	return errors.Join(err, s.Close())
}

// defaultCheckpointEvery is storage.checkpoint_every when it is 0.
const defaultCheckpointEvery = 30 * time.Second

// A checkpoint waits until everything admitted is processed and holds up
// ingest meanwhile: under full load that backlog is seconds of detector
// work. So a due checkpoint waits for a moment with at most quietInFlight
// events in flight, for up to maxCheckpointDelay.
const (
	quietInFlight      = 4096
	maxCheckpointDelay = 5 * time.Minute
	checkpointPoll     = time.Second
)

// checkpointDue says whether to checkpoint, since the last one and with
// inFlight events admitted but not yet processed.
func checkpointDue(since, every time.Duration, inFlight int64) bool {
	return since >= every && (inFlight <= quietInFlight || since >= every+maxCheckpointDelay)
}

func (s *Server) checkpointEvery(ctx context.Context, every time.Duration) {
	t := time.NewTicker(min(every, checkpointPoll))
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !checkpointDue(time.Since(last), every, s.pipeline().InFlight()) {
			continue
		}
		last = time.Now()
		did, err := s.checkpointIfMoved(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("checkpoint", "err", err)
			}
			continue
		}
		if !did {
			continue
		}
		if err := s.truncateLog(ctx); err != nil {
			s.log.Error("event log retention", "err", err)
		}
	}
}

// truncateLog deletes the event log's segments that are older than
// storage.retention.events and entirely before the checkpoint: a restart
// never needs what precedes the checkpoint.
func (s *Server) truncateLog(ctx context.Context) error {
	keepFor := s.cfg.Storage.Retention.Events
	if keepFor <= 0 {
		return nil
	}
	cp, ok, err := s.db.LoadCheckpoint(ctx)
	if err != nil || !ok {
		return err
	}
	var at eventlog.Position
	if err := json.Unmarshal(cp.Position, &at); err != nil {
		return err
	}
	segs, err := s.events.Segments()
	if err != nil {
		return err
	}
	keep := firstKept(segs, at, s.opts.Now().Add(-keepFor))
	return s.events.TruncateBefore(eventlog.Position{Segment: keep})
}

// firstKept is the oldest segment to keep: the first written at or after
// cutoff, and never one the checkpoint still needs.
func firstKept(segs []eventlog.Segment, checkpoint eventlog.Position, cutoff time.Time) uint64 {
	for _, seg := range segs {
		if !seg.ModTime.Before(cutoff) {
			return min(checkpoint.Segment, seg.Number)
		}
	}
	return checkpoint.Segment
}

// pruneEvery applies the retention settings now and then, by the wall
// clock: retention is about disk space, not about event time.
func (s *Server) pruneEvery(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.Prune(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("applying retention", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Prune deletes windows, alerts and findings older than the retention
// settings allow. They are stamped with event time, so their age counts
// back from the newest event time the store has seen (never later than the
// server's clock): counting back from the wall clock would delete a
// replayed or delayed day as soon as it was processed. The audit log is
// stamped with the server's clock and ages by it.
func (s *Server) Prune(ctx context.Context) (store.PruneStats, error) {
	wall := s.opts.Now().UTC()
	newest, err := s.db.Windows(ctx, store.WindowFilter{Limit: 1})
	if err != nil {
		return store.PruneStats{}, err
	}
	var events time.Time // zero: nothing seen, nothing event-stamped to age
	if len(newest) > 0 {
		events = newest[0].End
		if events.After(wall) {
			events = wall
		}
	}
	cut := func(now time.Time, d time.Duration) time.Time {
		if d <= 0 || now.IsZero() {
			return time.Time{}
		}
		return now.Add(-d)
	}
	r := s.cfg.Storage.Retention
	return s.db.Prune(ctx, store.Retention{Windows: cut(events, r.Windows), Alerts: cut(events, r.Alerts),
		Findings: cut(events, r.Findings), Silences: cut(events, r.Alerts), Audit: cut(wall, r.Audit)})
}

// ReloadAuth replaces the accepted tokens, as SIGHUP does: a token removed
// from the configuration or its variable stops working at once, and the
// dashboard sessions it opened with it.
func (s *Server) ReloadAuth(a config.Auth) error {
	tokens, err := a.TokenSet()
	if err != nil {
		return err
	}
	if tokens.Len() == 0 && s.tokens.Load().Len() > 0 {
		return errors.New("the configuration now lists no tokens, which would open every route; restart to serve without tokens")
	}
	s.tokens.Store(tokens)
	s.log.Info("tokens reloaded", "tokens", tokens.Len())
	return nil
}

// audit records what a caller did (an admin action) or was refused. A
// failure to record is logged, not returned: the action has happened.
func (s *Server) audit(r *http.Request, action, target string, detail map[string]any) {
	e := store.AuditEntry{Time: s.opts.Now().UTC(), Actor: callerOf(r).name(), Remote: r.RemoteAddr, Action: action, Target: target, Detail: detail}
	if _, err := s.db.AddAudit(context.WithoutCancel(r.Context()), e); err != nil {
		s.log.Error("recording an audit entry", "action", action, "err", err)
	}
}

// Handle registers an in-process handler for alerts of a kind ("" for
// all), as the lab's register_handler does; it runs synchronously, so it
// must be quick.
func (s *Server) Handle(kind alert.Kind, fn func(alert.Alert)) {
	s.gate.Lock()
	defer s.gate.Unlock()
	s.handlers = append(s.handlers, alertHandler{kind, fn})
	s.alerts().Handle(kind, fn)
}

// Close drains the pipeline and closes the log and the store.
func (s *Server) Close() error {
	if p := s.pipeline(); p != nil {
		p.Close(false)
	}
	if s.saver != nil {
		s.saver.close()
	}
	var errs []error
	if s.events != nil {
		errs = append(errs, s.events.Close())
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	return errors.Join(errs...)
}
