package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// health is what keeps a started server from being ready: a write that
// failed (the disk full, an I/O error). While it lasts, /readyz says why
// and ingest is refused with 507 or 503; the server checks every second
// whether the disk takes writes again and then recovers by itself.
type health struct {
	mu       sync.Mutex
	reason   string // "" while healthy
	diskFull bool
	since    time.Time

	// unsaved counts derived results (windows, findings, alerts,
	// notifications) that failed to save since the pipeline was last
	// built. Checkpoints wait while it is not 0, and recovery redoes them
	// by rebuilding the pipeline from the last checkpoint and replaying the
	// log after it, which gives exactly what an uninterrupted run gives.
	unsaved atomic.Int64

	failures   *prometheus.CounterVec
	recoveries prometheus.Counter
}

// recoverEvery is how often a degraded server checks whether it can write
// again.
const recoverEvery = time.Second

// writeFailed marks the server degraded by a failed write. derived says
// that a result of the detectors was lost with it, to be redone.
func (s *Server) writeFailed(what string, err error, derived bool) {
	if derived {
		s.health.unsaved.Add(1)
	}
	s.health.failures.WithLabelValues(what).Inc()
	h := &s.health
	h.mu.Lock()
	first := h.reason == ""
	if first {
		h.since = s.opts.Now().UTC()
	}
	h.reason = fmt.Sprintf("%s: %v", what, err)
	h.diskFull = h.diskFull || diskFull(err)
	h.mu.Unlock()
	if first {
		s.log.Error("write failed; not ready until writes succeed again", "what", what, "err", err)
	}
}

// holding says whether derived results are being held back: once one has
// failed to save, the rest are not saved either but counted, since saving
// them could store what an uninterrupted run would not (an alert that the
// unsaved one would have held back). Recovery redoes them all from the
// last checkpoint, which is before the first that failed.
func (s *Server) holding() bool {
	if s.health.unsaved.Load() == 0 {
		return false
	}
	s.health.unsaved.Add(1)
	return true
}

// diskFull says whether err is the disk (or the quota) being full.
func diskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) ||
		strings.Contains(err.Error(), "database or disk is full")
}

// degraded is why the server is not ready after a failed write, "" when
// it is fine.
func (s *Server) degraded() (reason string, full bool) {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	return s.health.reason, s.health.diskFull
}

// refuseDegraded answers a write while the server cannot write: 507 when
// the disk is full, 503 otherwise, both with Retry-After. It reports
// whether it did.
func (s *Server) refuseDegraded(w http.ResponseWriter) bool {
	reason, full := s.degraded()
	if reason == "" {
		return false
	}
	w.Header().Set("Retry-After", "5")
	code := http.StatusServiceUnavailable
	if full {
		code = http.StatusInsufficientStorage
	}
	writeError(w, code, "not accepting events until writes succeed again (%s); nothing of this request was kept, retry later", reason)
	return true
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	if !s.ready.Load() {
		writeError(w, http.StatusServiceUnavailable, "replaying the event log")
		return
	}
	if reason, full := s.degraded(); reason != "" {
		s.health.mu.Lock()
		since := s.health.since
		s.health.mu.Unlock()
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "degraded", "error": reason, "disk_full": full,
			"since": since, "unsaved": s.health.unsaved.Load()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) registerHealthMetrics() {
	s.health.failures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "warden_write_failures_total", Help: "Writes that failed (disk full, I/O error), by what was being written.",
	}, []string{"what"})
	s.health.recoveries = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "warden_recoveries_total", Help: "Times the server recovered by itself from failed writes, redoing what had not been saved.",
	})
	s.metrics.registry.MustRegister(s.health.failures, s.health.recoveries,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "warden_degraded", Help: "1 while a failed write keeps the server from being ready.",
		}, func() float64 {
			if r, _ := s.degraded(); r != "" {
				return 1
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "warden_log_torn_tail_bytes", Help: "Bytes of a torn final event log record dropped at start: written when the process died, never acknowledged.",
		}, func() float64 { return float64(s.events.Recovered()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "warden_log_rewinds_total", Help: "Failed event log writes cut back to the log's durable end.",
		}, func() float64 { return float64(s.events.Rewound()) }))
}

// watchHealth recovers from failed writes once the disk takes writes
// again.
func (s *Server) watchHealth(ctx context.Context) {
	t := time.NewTicker(recoverEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if reason, _ := s.degraded(); reason == "" {
			continue
		}
		if err := s.Recover(ctx); err != nil && ctx.Err() == nil {
			s.log.Debug("not recovered yet", "err", err)
		}
	}
}

// probeBytes is what Recover writes to see that the disk takes writes.
const probeBytes = 1 << 20

// Recover brings a degraded server back: once a probe file can be written
// and synced, it rewinds the event log past a failed write, redoes the
// results that failed to save, and clears the failure. It does nothing
// when the server is fine.
func (s *Server) Recover(ctx context.Context) error {
	if reason, _ := s.degraded(); reason == "" {
		return nil
	}
	if err := probeWrite(s.cfg.Storage.Dir); err != nil {
		return err
	}
	if err := s.events.Recover(); err != nil {
		return err
	}
	if s.health.unsaved.Load() > 0 {
		if err := s.rebuild(ctx); err != nil {
			return err
		}
	}
	h := &s.health
	h.mu.Lock()
	h.reason, h.diskFull = "", false
	since := h.since
	h.mu.Unlock()
	s.health.recoveries.Inc()
	s.log.Info("writes succeed again; recovered", "degraded_for", s.opts.Now().Sub(since).Round(time.Millisecond))
	return nil
}

// rebuild redoes what failed to save: with ingest held off, it closes the
// pipeline, builds a new one from the last checkpoint and replays the log
// after it. Stored results are recognised; the missing ones are saved.
func (s *Server) rebuild(ctx context.Context) error {
	// In the order model changes take them: the registry, then the gate.
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.gate.Lock()
	defer s.gate.Unlock()
	s.pipeline().Close(false)
	s.saver.flush()
	lost := s.health.unsaved.Swap(0)
	s.log.Info("redoing results that failed to save", "results", lost)
	if err := s.buildPipeline(ctx); err != nil {
		s.health.unsaved.Add(1)
		return fmt.Errorf("redoing unsaved results: %w", err)
	}
	if n := s.health.unsaved.Load(); n > 0 {
		return fmt.Errorf("redoing unsaved results: %d failed again", n)
	}
	return nil
}

// probeWrite writes and syncs a file of probeBytes in dir and removes it.
func probeWrite(dir string) error {
	path := filepath.Join(dir, ".write-probe")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(path)
	_, err = f.Write(make([]byte, probeBytes))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
