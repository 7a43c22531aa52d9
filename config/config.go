// Package config reads Warden's YAML configuration: the service's listener,
// its store, the pipeline, alerting and the models to watch.
//
// Default gives a working single-node service with no file at all. Load and
// Parse start from those defaults, overlay the file, resolve relative paths
// and validate the result; every problem is reported at once, with its path
// in the document ("models[1].drift.window") and its line.
package config

import (
	"time"

	"github.com/warden-ml/warden/alert"
)

// Config is the whole configuration of one Warden process.
type Config struct {
	Server   Server   `yaml:"server"`
	Auth     Auth     `yaml:"auth"`
	Storage  Storage  `yaml:"storage"`
	Pipeline Pipeline `yaml:"pipeline"`
	Alerting Alerting `yaml:"alerting"`
	Models   []Model  `yaml:"models"`

	// Dir is the directory of the configuration file, against which model
	// references were resolved; "" when the configuration is defaults only.
	Dir string `yaml:"-"`
}

// Server is the HTTP listener and what one request may cost.
type Server struct {
	Addr            string        `yaml:"addr"`
	ReadTimeout     time.Duration `yaml:"read_timeout"`
	WriteTimeout    time.Duration `yaml:"write_timeout"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// MaxBodyBytes bounds a batch of events as sent and once decompressed.
	MaxBodyBytes int64 `yaml:"max_body_bytes" config:"bytes"`
	// A batch may hold at most MaxEvents events and MaxValues values
	// (features and class probabilities, all events together), and an
	// event at most MaxFeatures features (and as many classes). A batch
	// over a limit is refused whole.
	MaxEvents   int `yaml:"max_events"`
	MaxValues   int `yaml:"max_values"`
	MaxFeatures int `yaml:"max_features"`
	// MaxModels bounds the models registered, in the file and over the API.
	MaxModels int `yaml:"max_models"`
	// A reference upload may be at most MaxReferenceBytes, as sent and once
	// decompressed, with at most MaxReferenceRows rows.
	MaxReferenceBytes int64 `yaml:"max_reference_bytes" config:"bytes"`
	MaxReferenceRows  int   `yaml:"max_reference_rows"`
	// ScreenDetail is how much POST /v1/screen tells a caller about the
	// detector: ScreenDetailReasons (the default; "" means it too) or
	// ScreenDetailFull.
	ScreenDetail string `yaml:"screen_detail"`
	// Hosts are the names a request's Host may carry besides the listen
	// address, localhost and loopback addresses; others are refused, which
	// stops DNS rebinding.
	Hosts []string `yaml:"hosts,omitempty"`
	// CORSOrigins are the web origins whose pages may call the API; none
	// by default, so the API sends no CORS headers.
	CORSOrigins []string `yaml:"cors_origins,omitempty"`
	TLS         TLS      `yaml:"tls"`
}

// TLS serves HTTPS: the certificate and key (PEM, reloaded on SIGHUP) and,
// with ClientCAFile, client certificates signed by those CAs are required.
type TLS struct {
	CertFile     string `yaml:"cert_file,omitempty"`
	KeyFile      string `yaml:"key_file,omitempty"`
	ClientCAFile string `yaml:"client_ca_file,omitempty"`
}

// Enabled reports whether the listener serves TLS.
func (t TLS) Enabled() bool { return t.CertFile != "" }

// Auth lists the bearer tokens the service accepts. With none, every route
// is open, which serve allows on loopback addresses only.
type Auth struct {
	Tokens []Token `yaml:"tokens"`
}

// Token is one accepted bearer token, kept as its SHA-256 (SHA256, hex) or
// read from an environment variable (Env) at start and on SIGHUP; the
// token itself is never in the file.
type Token struct {
	Name    string    `yaml:"name"` // who holds it, as the audit log shows
	SHA256  string    `yaml:"sha256,omitempty"`
	Env     string    `yaml:"env,omitempty"`
	Roles   []string  `yaml:"roles"`             // ingest, read, admin
	Expires time.Time `yaml:"expires,omitempty"` // RFC 3339; zero: never
	Models  []string  `yaml:"models,omitempty"`  // the models it may touch; none: all
}

// POST /v1/screen answers with a risk level and reasons worded without
// numbers unless ScreenDetail is full: scores and exact limits would let
// whoever calls it hill-climb an input to just under the threshold.
const (
	ScreenDetailReasons = "reasons"
	ScreenDetailFull    = "full"
)

// Storage is the embedded store.
type Storage struct {
	// Dir is relative to the working directory of the process, not to the
	// configuration file, so that `--data` and `storage.dir` mean the same.
	Dir       string    `yaml:"dir"`
	Retention Retention `yaml:"retention"`
	// SegmentBytes is the size at which the event log starts a new
	// segment file; retention deletes whole segments.
	SegmentBytes int64 `yaml:"segment_bytes" config:"bytes"`
	// CheckpointEvery bounds the work a restart repeats: the events logged
	// since the last checkpoint.
	CheckpointEvery time.Duration `yaml:"checkpoint_every"`
}

// Retention says how long each kind of record is kept; 0 keeps it forever.
type Retention struct {
	Events   time.Duration `yaml:"events"`
	Windows  time.Duration `yaml:"windows"`
	Alerts   time.Duration `yaml:"alerts"`   // alerts, their deliveries, and silences that ended
	Findings time.Duration `yaml:"findings"` // every finding, alerted or not
	Audit    time.Duration `yaml:"audit"`
}

// Pipeline sizes the in-process pipeline.
type Pipeline struct {
	Shards    int `yaml:"shards"`     // 0: one per CPU
	QueueSize int `yaml:"queue_size"` // events buffered per shard
	// MaxFuture is how far ahead of the server's clock an event's time may
	// be; warden serve refuses an event further ahead, so that no client
	// can move a model's event-time clock into the future.
	MaxFuture time.Duration `yaml:"max_future"`
	// QueueBytes bounds the memory of the events being decoded and those
	// admitted and not yet processed, by estimate; past it a batch is
	// answered 429.
	QueueBytes int64 `yaml:"queue_bytes" config:"bytes"`
	// DedupeIDs is how many of the latest event ids are remembered to
	// recognise an event sent again; 0 recognises none.
	DedupeIDs int `yaml:"dedupe_ids"`
}

// Alerting turns findings into alerts and sends them.
type Alerting struct {
	// RepeatInterval keeps an alert with the same fingerprint from being
	// sent again sooner than this.
	RepeatInterval time.Duration `yaml:"repeat_interval"`
	// Thresholds grade each finding kind's score; keys are alert kinds.
	Thresholds map[string]Thresholds `yaml:"thresholds"`
	Receivers  []Receiver            `yaml:"receivers"`
}

// Thresholds grade a finding's score: at least Critical is critical, at
// least Warning is high. It converts directly to alert.Thresholds. A file
// may call Warning "high", the severity it gives.
type Thresholds struct {
	Warning  float64 `yaml:"warning" alias:"high"`
	Critical float64 `yaml:"critical"`
}

// Receiver types.
const (
	ReceiverStdout  = "stdout"
	ReceiverFile    = "file"
	ReceiverWebhook = "webhook"
)

// Receiver is one destination for alerts.
type Receiver struct {
	Name        string         `yaml:"name"`
	Type        string         `yaml:"type"`         // ReceiverStdout, ReceiverFile or ReceiverWebhook
	MinSeverity alert.Severity `yaml:"min_severity"` // alerts below this are not sent here
	// Path is the file a file receiver appends to. After Load it is
	// absolute or relative to the working directory (the file gives it
	// relative to storage.dir).
	Path string `yaml:"path,omitempty"`
	URL  string `yaml:"url,omitempty"`
	// Secret is the HMAC key of a webhook, inline; SecretEnv names the
	// environment variable that holds it instead.
	Secret     string        `yaml:"secret,omitempty" config:"secret"`
	SecretEnv  string        `yaml:"secret_env,omitempty"`
	Timeout    time.Duration `yaml:"timeout"`
	MaxRetries int           `yaml:"max_retries"`
}

// Model is one model to watch.
type Model struct {
	Name string `yaml:"name"`
	// Reference is the reference data (CSV, JSON lines or a saved profile).
	// After Load it is absolute or relative to the working directory (the
	// file gives it relative to its own directory); "" when the reference
	// will be uploaded later.
	Reference string   `yaml:"reference,omitempty"`
	Columns   []string `yaml:"columns,omitempty"` // features to watch; none means all in the reference
	Drift     Drift    `yaml:"drift"`
	Outliers  Outliers `yaml:"outliers"`
	// ExpectEvery, when set, is the longest the model's events may stop
	// for: a longer silence is a feed finding (someone may be cutting
	// Warden off). 0 turns the check off.
	ExpectEvery time.Duration `yaml:"expect_every"`
	// ThresholdOverrides replace alerting.thresholds for this model, kind by
	// kind; a kind given with only one of its levels takes the other from
	// alerting.thresholds.
	ThresholdOverrides map[string]Thresholds `yaml:"thresholds,omitempty"`
}

// Drift methods.
const (
	MethodAuto = "auto"
	MethodKS   = "ks"
	MethodChi2 = "chi2"
	MethodZ    = "z"
)

// Drift configures a model's streaming drift monitor.
type Drift struct {
	Enabled   bool    `yaml:"enabled"`
	Method    string  `yaml:"method"`     // MethodAuto, MethodKS, MethodChi2 or MethodZ
	Threshold float64 `yaml:"threshold"`  // p-value below which a column may drift
	MinEffect float64 `yaml:"min_effect"` // effect size a drifting column must reach
	Window    int     `yaml:"window"`     // events in the count window
	Every     int     `yaml:"every"`      // events between evaluations
	MinEvents int     `yaml:"min_events"` // events needed before the first evaluation
	// TimeWindows add windows over event time to the count window.
	TimeWindows []TimeWindow `yaml:"time_windows,omitempty"`
	// Lateness is how long after a time window closes late events are
	// still counted in it.
	Lateness time.Duration `yaml:"lateness"`
}

// Outliers configures the screening of every input against the reference
// (package outlier): the detector is fitted when the reference is loaded.
type Outliers struct {
	Enabled bool `yaml:"enabled"`
	// FPR is the share of reference-like inputs flagged.
	FPR float64 `yaml:"fpr"`
	// Contamination is the share of the reference believed to be outliers
	// (0 to 0.25); see outlier.Options.
	Contamination float64 `yaml:"contamination"`
	// Exclude names reference columns that are not model inputs. The
	// columns events carry outside their features (score, prediction,
	// label) are never inputs.
	Exclude []string `yaml:"exclude,omitempty"`
	// A user's flagged input raises a finding when the user has at least
	// BurstMin flagged inputs in the hour and that many are improbable for
	// normal traffic (binomial tail at FPR below BurstAlpha); an input
	// graded critical on its own always does. The test runs for every
	// flagged user every minute, hundreds of times a day, hence the strict
	// level.
	BurstMin   int     `yaml:"burst_min"`
	BurstAlpha float64 `yaml:"burst_alpha"`
	// SummaryEvery is the event time one stored summary (inputs, anomalies,
	// reasons) covers.
	SummaryEvery time.Duration `yaml:"summary_every"`
	// MaxUsers bounds the users whose last hour is kept for the burst
	// test. Past it the users with no flagged input in the hour go first,
	// least recently seen first (see monitor.Outliers).
	MaxUsers int `yaml:"max_users"`
}

// Time window types.
const (
	WindowTumbling = "tumbling"
	WindowSliding  = "sliding"
)

// TimeWindow is a window over event time.
type TimeWindow struct {
	Type string        `yaml:"type"` // WindowTumbling or WindowSliding
	Size time.Duration `yaml:"size"`
	Step time.Duration `yaml:"step,omitempty"` // sliding windows only
}

// MaxStep is the longest time window (and outlier summary) a model may
// have: pipeline.MaxStep, which keeps every window's bounds within what the
// store keeps.
const MaxStep = 90 * 24 * time.Hour

// MinExpectEvery is the shortest expect_every: feed gaps are judged from
// minutes of traffic.
const MinExpectEvery = time.Minute

// Byte sizes.
const (
	KiB int64 = 1 << 10
	MiB int64 = 1 << 20
	GiB int64 = 1 << 30
)

// Default returns every default filled in and no models: a service on
// 127.0.0.1:8080 with its store in ./warden-data.
func Default() *Config {
	return &Config{
		Server: Server{
			Addr:            "127.0.0.1:8080",
			ReadTimeout:     10 * time.Second,
			WriteTimeout:    30 * time.Second,
			ShutdownTimeout: 30 * time.Second,
			MaxBodyBytes:    32 * MiB,
			ScreenDetail:    ScreenDetailReasons,
			MaxEvents:       100000,
			MaxValues:       1000000,
			MaxFeatures:     1024,
			MaxModels:       100,
			// A profile keeps every numeric value of its reference.
			MaxReferenceBytes: 32 * MiB,
			MaxReferenceRows:  1000000,
		},
		Storage: Storage{
			Dir:             "./warden-data",
			SegmentBytes:    64 * MiB,
			CheckpointEvery: 30 * time.Second,
			Retention: Retention{
				Events:   7 * 24 * time.Hour,
				Windows:  30 * 24 * time.Hour,
				Alerts:   90 * 24 * time.Hour,
				Findings: 30 * 24 * time.Hour,
				Audit:    365 * 24 * time.Hour,
			},
		},
		Pipeline: Pipeline{QueueSize: 65536, QueueBytes: 256 * MiB, MaxFuture: 5 * time.Minute, DedupeIDs: 1_000_000},
		Alerting: Alerting{
			RepeatInterval: 4 * time.Hour,
			// The lab's thresholds (DESIGN.md).
			Thresholds: map[string]Thresholds{
				string(alert.KindDrift):           {Warning: 0.1, Critical: 0.3},
				string(alert.KindPredictionDrift): {Warning: 0.1, Critical: 0.3},
				string(alert.KindAdversarial):     {Warning: 0.5, Critical: 0.8},
				string(alert.KindExtraction):      {Warning: 100, Critical: 1000},
				string(alert.KindPromptInjection): {Warning: 50, Critical: 80},
			},
		},
	}
}

// DefaultModel returns a model with every default but its name filled in.
//
// Its drift threshold is drift.DefaultStreamAlpha, written as a number so
// that reading a configuration does not pull in the statistics: a stream
// tests hundreds of windows a day, so it needs a far stricter level than a
// one-off comparison. TestDefaultsMatchDetectors keeps the two equal.
func DefaultModel() Model {
	return Model{Drift: Drift{
		Enabled:   true,
		Method:    MethodAuto,
		Threshold: 1e-4,
		MinEffect: 0.05,
		Window:    1000,
		Every:     100,
		MinEvents: 100,
		Lateness:  time.Minute,
	}, Outliers: Outliers{
		Enabled:      true,
		FPR:          0.005,
		BurstMin:     3,
		BurstAlpha:   1e-5,
		SummaryEvery: time.Minute,
		MaxUsers:     100000,
	}}
}

// DefaultReceiver returns a receiver with every default but its name, type
// and destination filled in.
func DefaultReceiver() Receiver {
	return Receiver{MinSeverity: alert.Low, Timeout: 5 * time.Second, MaxRetries: 8}
}

// setDefaults lets the decoder start each new list item from its defaults.
func (m *Model) setDefaults()    { *m = DefaultModel() }
func (r *Receiver) setDefaults() { *r = DefaultReceiver() }

// Model returns the model called name, or nil.
func (c *Config) Model(name string) *Model {
	for i := range c.Models {
		if c.Models[i].Name == name {
			return &c.Models[i]
		}
	}
	return nil
}

// Thresholds returns the model's own thresholds for kind, or else global's;
// the zero Thresholds when neither has the kind.
func (m *Model) Thresholds(kind string, global map[string]Thresholds) Thresholds {
	if t, ok := m.ThresholdOverrides[kind]; ok {
		return t
	}
	return global[kind]
}
