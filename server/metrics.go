package server

import (
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the service's Prometheus metrics, on a registry of its own so
// that several servers (tests) can live in one process.
type metrics struct {
	registry *prometheus.Registry
	received *prometheus.CounterVec
	rejected *prometheus.CounterVec
	// timeRejected breaks down the rejected events whose time is refused.
	timeRejected *prometheus.CounterVec
	busy         prometheus.Counter
	batch        prometheus.Histogram
	windows      *prometheus.CounterVec
	// screened and anomalies count inputs in closed outlier summaries.
	screened  *prometheus.CounterVec
	anomalies *prometheus.CounterVec
	screen    prometheus.Histogram
	alerts    *prometheus.CounterVec
	detector  *prometheus.HistogramVec
	// authFailures counts requests refused for want of a valid token or
	// role, by reason: missing, unknown, expired, role.
	authFailures *prometheus.CounterVec
	// users, forgotten and untracked follow the burst test's users within
	// models[].outliers.max_users.
	users     *prometheus.GaugeVec
	forgotten *prometheus.CounterVec
	untracked *prometheus.CounterVec
	// duplicates counts events recognised by their ids as sent before;
	// idempotent counts batches answered again for their Idempotency-Key.
	duplicates prometheus.Counter
	idempotent prometheus.Counter
	// unlogged counts screened inputs whose log write failed after they
	// were answered.
	unlogged prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "warden_events_duplicate_total", Help: "Events recognised by their id as sent before (within pipeline.dedupe_ids) and not processed again.",
		}),
		unlogged: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "warden_screen_unlogged_total", Help: "Screened inputs answered whose write to the event log then failed: not in the record, not processed.",
		}),
		idempotent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "warden_ingest_idempotent_replays_total", Help: "Batches answered with the answer given before to the same Idempotency-Key.",
		}),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_events_received_total", Help: "Events accepted, by model.",
		}, []string{"model"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_events_rejected_total", Help: "Events rejected, by reason class.",
		}, []string{"reason"}),
		timeRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_events_time_rejected_total",
			Help: "Events and screen requests refused for their time, by model and reason: future (more than pipeline.max_future ahead of the server's clock) or out_of_range (outside the years 1678 to 2261).",
		}, []string{"model", "reason"}),
		busy: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "warden_ingest_throttled_total", Help: "Batches answered 429 because the queues were full.",
		}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "warden_ingest_batch_seconds", Help: "Time to decode, log durably and queue one batch.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		windows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_drift_windows_total", Help: "Drift windows evaluated, by model.",
		}, []string{"model"}),
		screened: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_inputs_screened_total", Help: "Inputs scored by the outlier detector, by model (counted when their summary closes).",
		}, []string{"model"}),
		anomalies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_inputs_anomalous_total", Help: "Inputs the outlier detector flagged, by model (counted when their summary closes).",
		}, []string{"model"}),
		screen: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "warden_screen_seconds", Help: "Time to answer POST /v1/screen, recording included.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 14),
		}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_alerts_total", Help: "Alerts raised, by type and severity.",
		}, []string{"type", "severity"}),
		detector: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "warden_detector_seconds", Help: "Time a detector takes to evaluate a closed pane (a drift window).",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 14),
		}, []string{"detector"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_auth_failures_total", Help: "Requests refused for want of a valid token or role, by reason (missing, unknown, expired, role).",
		}, []string{"reason"}),
		users: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "warden_outlier_users", Help: "Users whose last hour the burst test keeps, by model (at most models[].outliers.max_users).",
		}, []string{"model"}),
		forgotten: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_outlier_users_forgotten_total", Help: "Users the burst test forgot to stay within models[].outliers.max_users, by model.",
		}, []string{"model"}),
		untracked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_outlier_inputs_untracked_total", Help: "Inputs counted for no user because their minute had more users than max_users, by model.",
		}, []string{"model"}),
	}
	m.registry.MustRegister(m.authFailures, m.received, m.rejected, m.timeRejected, m.busy, m.batch, m.windows, m.screened, m.anomalies, m.screen, m.alerts, m.detector,
		m.users, m.forgotten, m.untracked, m.duplicates, m.idempotent, m.unlogged,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// defaultShards is one pipeline worker per CPU.
func defaultShards() int { return runtime.GOMAXPROCS(0) }
