package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/config"
)

// want is one expected problem: its exact path and part of its message.
type want struct{ path, msg string }

func checkProblems(t *testing.T, doc string, err error, wants []want) {
	t.Helper()
	if len(wants) == 0 {
		if err != nil {
			t.Errorf("%s\nunexpected error:\n%v", doc, err)
		}
		return
	}
	if err == nil {
		t.Errorf("%s\npassed, want %v", doc, wants)
		return
	}
	ps := problemsOf(t, err)
	if len(ps) != len(wants) {
		t.Errorf("%s\ngot %d problems, want %d:\n%v", doc, len(ps), len(wants), err)
		return
	}
	for i, w := range wants {
		if ps[i].Path != w.path || !strings.Contains(ps[i].Msg, w.msg) {
			t.Errorf("%s\nproblem %d = %q: %q, want %q: ...%q...", doc, i, ps[i].Path, ps[i].Msg, w.path, w.msg)
		}
	}
}

// Each rule of the schema, passing and failing, one section at a time. A
// valid model is added where a case has none, since most sections need
// nothing else.
func TestValidationRules(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		wants []want
	}{
		// server
		{"addr ok", "server: {addr: 127.0.0.1:8080}", nil},
		{"addr all interfaces", "server: {addr: ':8080'}", nil},
		{"addr ipv6 any port", "server: {addr: '[::1]:0'}", nil},
		{"addr empty", "server: {addr: ''}", []want{{"server.addr", "required"}}},
		{"addr no port", "server: {addr: localhost}", []want{{"server.addr", "want HOST:PORT"}}},
		{"addr port range", "server: {addr: 'localhost:65536'}", []want{{"server.addr", "want a port number"}}},
		{"addr named port", "server: {addr: 'localhost:http'}", []want{{"server.addr", "want a port number"}}},
		{"addr port sign", "server: {addr: 'localhost:+80'}", []want{{"server.addr", "want a port number"}}},
		{"read_timeout zero", "server: {read_timeout: 0s}", []want{{"server.read_timeout", "must be > 0, got 0s"}}},
		{"write_timeout negative", "server: {write_timeout: -1s}", []want{{"server.write_timeout", "must be > 0, got -1s"}}},
		{"shutdown_timeout zero", "server: {shutdown_timeout: 0}", []want{{"server.shutdown_timeout", "must be > 0"}}},
		{"timeouts ok", "server: {read_timeout: 1ms, write_timeout: 1h, shutdown_timeout: 90s}", nil},
		{"body zero", "server: {max_body_bytes: 0}", []want{{"server.max_body_bytes", "must be > 0"}}},
		{"body negative", "server: {max_body_bytes: -1}", []want{{"server.max_body_bytes", "must be > 0"}}},
		{"body 1GiB", "server: {max_body_bytes: 1GiB}\npipeline: {queue_bytes: 2GiB}", nil},
		{"body 1GiB in bytes", "server: {max_body_bytes: 1073741824}\npipeline: {queue_bytes: 2147483648}", nil},
		{"body over 1GiB", "server: {max_body_bytes: 1073741825}", []want{{"server.max_body_bytes", "must be <= 1GiB, got 1073741825"}}},
		{"body 2GB", "server: {max_body_bytes: 2GB}", []want{{"server.max_body_bytes", "must be <= 1GiB, got 2GB"}}},
		{"body 64KiB", "server: {max_body_bytes: 64KiB}", nil},
		{"screen detail full", "server: {screen_detail: full}", nil},
		{"screen detail reasons", "server: {screen_detail: reasons}", nil},
		{"screen detail unknown", "server: {screen_detail: scores}", []want{{"server.screen_detail", `want reasons or full, got "scores"`}}},
		{"batch limits ok", "server: {max_events: 1, max_values: 1, max_features: 1}", nil},
		{"batch limits zero", "server: {max_events: 0, max_values: 0, max_features: 0}", []want{
			{"server.max_events", "must be 1 to 10000000, got 0"},
			{"server.max_values", "must be 1 to 100000000, got 0"},
			{"server.max_features", "must be 1 to 65536, got 0"},
		}},
		{"features over", "server: {max_features: 65537}", []want{{"server.max_features", "must be 1 to 65536, got 65537"}}},
		{"models zero", "server: {max_models: 0}", []want{{"server.max_models", "must be 1 to 100000, got 0"}}},
		{"models over the limit", "server: {max_models: 1}\nmodels: [{name: a}, {name: b}]", []want{{"models", "2 models, more than server.max_models (1)"}}},
		{"reference limits", "server: {max_reference_bytes: 0, max_reference_rows: 0}", []want{
			{"server.max_reference_bytes", "must be > 0"},
			{"server.max_reference_rows", "must be 1 to 100000000, got 0"},
		}},
		{"reference too large", "server: {max_reference_bytes: 2GiB}", []want{{"server.max_reference_bytes", "must be <= 1GiB, got 2GiB"}}},
		{"queue holds no batch", "server: {max_body_bytes: 512MiB}", []want{
			{"pipeline.queue_bytes", "must hold one batch within the server's limits, at least 607MiB (server.max_body_bytes, 512 B per event of server.max_events, 48 B per value of server.max_values), got 256MiB"},
		}},
		{"queue holds a small batch", "server: {max_body_bytes: 1MiB, max_events: 1000, max_values: 10000}\npipeline: {queue_bytes: 2MiB}", nil},

		// storage
		{"dir empty", "storage: {dir: ''}", []want{{"storage.dir", "required"}}},
		{"dir blank", "storage: {dir: '  '}", []want{{"storage.dir", "required"}}},
		{"retention forever", "storage: {retention: {events: 0s, windows: 0, alerts: 0s}}", nil},
		{"retention negative", "storage: {retention: {events: -1h, windows: -1m, alerts: -1s}}", []want{
			{"storage.retention.events", "must be >= 0"},
			{"storage.retention.windows", "must be >= 0"},
			{"storage.retention.alerts", "must be >= 0"},
		}},

		// pipeline
		{"shards cpus", "pipeline: {shards: 0}", nil},
		{"queue bytes zero", "pipeline: {queue_bytes: 0}", []want{{"pipeline.queue_bytes", "must be > 0"}}},
		{"shards max", "pipeline: {shards: 1024}", nil},
		{"shards over", "pipeline: {shards: 1025}", []want{{"pipeline.shards", "must be 0 (one per CPU) to 1024, got 1025"}}},
		{"shards negative", "pipeline: {shards: -1}", []want{{"pipeline.shards", "got -1"}}},
		{"queue zero", "pipeline: {queue_size: 0}", []want{{"pipeline.queue_size", "must be > 0"}}},
		{"queue one", "pipeline: {queue_size: 1}", nil},

		// alerting
		{"repeat zero", "alerting: {repeat_interval: 0s}", nil},
		{"repeat negative", "alerting: {repeat_interval: -5m}", []want{{"alerting.repeat_interval", "must be >= 0, got -5m"}}},
		{"threshold kinds", "alerting: {thresholds: {usage: {warning: 1, critical: 2}, prompt_leak: {warning: 0, critical: 0}}}", nil},
		{"threshold unknown kind", "alerting: {thresholds: {drfit: {warning: 1, critical: 2}}}", []want{{"alerting.thresholds.drfit", "unknown finding kind"}}},
		{"threshold odd kind", "alerting: {thresholds: {'a.b': {warning: 1, critical: 2}}}", []want{{`alerting.thresholds["a.b"]`, "unknown finding kind"}}},
		{"threshold negative", "alerting: {thresholds: {drift: {warning: -0.1}}}", []want{{"alerting.thresholds.drift.warning", "must be a finite number >= 0"}}},
		{"threshold order", "alerting: {thresholds: {drift: {warning: 0.5, critical: 0.4}}}", []want{{"alerting.thresholds.drift.critical", "must be >= warning (0.5), got 0.4"}}},
		{"threshold partial over default", "alerting: {thresholds: {drift: {warning: 0.5}}}", []want{{"alerting.thresholds.drift.critical", "must be >= warning (0.5), got 0.3"}}},
		{"threshold equal", "alerting: {thresholds: {drift: {warning: 0.2, critical: 0.2}}}", nil},
		{"threshold nan", "alerting: {thresholds: {extraction: {critical: .nan}}}", []want{{"alerting.thresholds.extraction.critical", "finite"}}},
		{"threshold inf", "alerting: {thresholds: {extraction: {warning: .inf, critical: .inf}}}", []want{
			{"alerting.thresholds.extraction.warning", "finite"},
			{"alerting.thresholds.extraction.critical", "finite"},
		}},

		// receivers
		{"receivers ok", `alerting: {receivers: [
  {name: out, type: stdout, min_severity: high},
  {name: log, type: file, path: a.jsonl},
  {name: soc, type: webhook, url: "https://siem.example.com/hook", secret_env: WARDEN_SECRET_1},
  {name: soc2, type: webhook, url: "http://10.0.0.1:8080/x", secret: s3cr3t, timeout: 1s, max_retries: 0}]}`, nil},
		{"receiver name missing", "alerting: {receivers: [{type: stdout}]}", []want{{"alerting.receivers[0].name", "required"}}},
		{"receiver name chars", "alerting: {receivers: [{name: 'ops log', type: stdout}]}", []want{{"alerting.receivers[0].name", "only letters, digits"}}},
		{"receiver names unique", "alerting: {receivers: [{name: a, type: stdout}, {name: b, type: stdout}, {name: a, type: stdout}]}", []want{{"alerting.receivers[2].name", `duplicate name "a" (also receivers[0])`}}},
		{"receiver type missing", "alerting: {receivers: [{name: a}]}", []want{{"alerting.receivers[0].type", "required"}}},
		{"receiver type unknown", "alerting: {receivers: [{name: a, type: slack}]}", []want{{"alerting.receivers[0].type", `want stdout, file or webhook, got "slack"`}}},
		{"file path missing", "alerting: {receivers: [{name: a, type: file}]}", []want{{"alerting.receivers[0].path", "required for a file receiver"}}},
		{"path on stdout", "alerting: {receivers: [{name: a, type: stdout, path: x}]}", []want{{"alerting.receivers[0].path", "only for file receivers"}}},
		{"webhook url missing", "alerting: {receivers: [{name: a, type: webhook}]}", []want{{"alerting.receivers[0].url", "required for a webhook receiver"}}},
		{"webhook url scheme", "alerting: {receivers: [{name: a, type: webhook, url: 'ftp://x/y'}]}", []want{{"alerting.receivers[0].url", "want an absolute http or https URL"}}},
		{"webhook url relative", "alerting: {receivers: [{name: a, type: webhook, url: /hook}]}", []want{{"alerting.receivers[0].url", "want an absolute http or https URL"}}},
		{"webhook url no host", "alerting: {receivers: [{name: a, type: webhook, url: 'https:///hook'}]}", []want{{"alerting.receivers[0].url", "want an absolute"}}},
		{"webhook both secrets", "alerting: {receivers: [{name: a, type: webhook, url: 'https://x', secret: s, secret_env: S}]}", []want{{"alerting.receivers[0].secret_env", "either secret or secret_env"}}},
		{"webhook secret_env name", "alerting: {receivers: [{name: a, type: webhook, url: 'https://x', secret_env: 9LIVES}]}", []want{{"alerting.receivers[0].secret_env", "want the name of an environment variable"}}},
		{"webhook fields on file", "alerting: {receivers: [{name: a, type: file, path: p, url: 'https://x', secret: s, secret_env: S}]}", []want{
			{"alerting.receivers[0].url", "only for webhook receivers"},
			{"alerting.receivers[0].secret", "only for webhook receivers"},
			{"alerting.receivers[0].secret_env", "only for webhook receivers"},
		}},
		{"min_severity none", "alerting: {receivers: [{name: a, type: stdout, min_severity: none}]}", []want{{"alerting.receivers[0].min_severity", `want low, medium, high or critical, got "none"`}}},
		{"timeout zero", "alerting: {receivers: [{name: a, type: webhook, url: 'https://x', timeout: 0s}]}", []want{{"alerting.receivers[0].timeout", "must be > 0"}}},
		{"retries negative", "alerting: {receivers: [{name: a, type: stdout, max_retries: -1}]}", []want{{"alerting.receivers[0].max_retries", "must be 0 to 100"}}},
		{"retries many", "alerting: {receivers: [{name: a, type: stdout, max_retries: 101}]}", []want{{"alerting.receivers[0].max_retries", "must be 0 to 100, got 101"}}},

		// models
		{"model ok", "models: [{name: fraud_detection_v2.1-b}]", nil},
		{"model name missing", "models: [{reference: r.csv}]", []want{{"models[0].name", "required"}}},
		{"model name 64", "models: [{name: " + strings.Repeat("m", 64) + "}]", nil},
		{"model name 65", "models: [{name: " + strings.Repeat("m", 65) + "}]", []want{{"models[0].name", "at most 64 characters, got 65"}}},
		{"model name space", "models: [{name: 'fraud detection'}]", []want{{"models[0].name", "only letters, digits"}}},
		{"model name slash", "models: [{name: 'a/b'}]", []want{{"models[0].name", "only letters, digits"}}},
		{"model name unicode", "models: [{name: 'modèle'}]", []want{{"models[0].name", "only letters, digits"}}},
		{"model names unique", "models: [{name: a}, {name: a}]", []want{{"models[1].name", `duplicate name "a" (also models[0])`}}},
		{"token ok", "auth: {tokens: [{name: ops, sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, roles: [admin, read], expires: '2027-01-01T00:00:00Z', models: [fraud]}]}", nil},
		{"token from env ok", "auth: {tokens: [{name: gw, env: WARDEN_GW, roles: [ingest]}]}", nil},
		{"token without secret", "auth: {tokens: [{name: ops, roles: [read]}]}", []want{{"auth.tokens[0].sha256", "required"}}},
		{"token with both", "auth: {tokens: [{name: ops, sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, env: X, roles: [read]}]}", []want{{"auth.tokens[0].env", "either sha256 or env"}}},
		{"token hash short", "auth: {tokens: [{name: ops, sha256: abc, roles: [read]}]}", []want{{"auth.tokens[0].sha256", "64 hex digits"}}},
		{"token role unknown", "auth: {tokens: [{name: ops, sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, roles: [root]}]}", []want{{"auth.tokens[0].roles[0]", `unknown role "root"`}}},
		{"token without roles", "auth: {tokens: [{name: ops, sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08}]}", []want{{"auth.tokens[0].roles", "required"}}},
		{"token names unique", "auth: {tokens: [{name: a, sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, roles: [read]}, {name: a, env: B, roles: [read]}]}", []want{{"auth.tokens[1].name", "duplicate name"}}},
		{"token expiry not a time", "auth: {tokens: [{name: a, sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, roles: [read], expires: soon}]}", []want{{"auth.tokens[0].expires", "RFC 3339"}}},
		{"hosts", "server: {hosts: [warden.internal, 'x:80']}", []want{{"server.hosts[1]", "without port"}}},
		{"cors origins", "server: {cors_origins: ['https://ok.example', 'ftp://no.example', 'https://x.example/path']}", []want{{"server.cors_origins[1]", "want an origin"}, {"server.cors_origins[2]", "want an origin"}}},
		{"tls half", "server: {tls: {cert_file: a.crt}}", []want{{"server.tls", "go together"}}},
		{"client ca without tls", "server: {tls: {client_ca_file: ca.pem}}", []want{{"server.tls.client_ca_file", "needs cert_file"}}},
		{"columns ok", "models: [{name: a, columns: [x, y]}]", nil},
		{"column empty", "models: [{name: a, columns: [x, '']}]", []want{{"models[0].columns[1]", "empty column name"}}},
		{"column duplicate", "models: [{name: a, columns: [x, y, x]}]", []want{{"models[0].columns[2]", `duplicate column "x" (also columns[0])`}}},
		{"methods", "models: [{name: a, drift: {method: ks}}, {name: b, drift: {method: chi2}}, {name: c, drift: {method: z}}, {name: d, drift: {method: auto}}]", nil},
		{"method unknown", "models: [{name: a, drift: {method: psi}}]", []want{{"models[0].drift.method", `want auto, ks, chi2 or z, got "psi"`}}},
		{"threshold zero", "models: [{name: a, drift: {threshold: 0}}]", []want{{"models[0].drift.threshold", "between 0 and 1"}}},
		{"threshold one", "models: [{name: a, drift: {threshold: 1}}]", []want{{"models[0].drift.threshold", "between 0 and 1"}}},
		{"threshold inside", "models: [{name: a, drift: {threshold: 0.001}}]", nil},
		{"min_effect bounds ok", "models: [{name: a, drift: {min_effect: 0}}, {name: b, drift: {min_effect: 1}}]", nil},
		{"min_effect negative", "models: [{name: a, drift: {min_effect: -0.1}}]", []want{{"models[0].drift.min_effect", "must be 0 to 1"}}},
		{"min_effect over", "models: [{name: a, drift: {min_effect: 1.5}}]", []want{{"models[0].drift.min_effect", "must be 0 to 1"}}},
		{"window zero", "models: [{name: a, drift: {window: 0}}]", []want{{"models[0].drift.window", "must be > 0"}}},
		{"outlier fpr too high", "models: [{name: a, outliers: {fpr: 0.7}}]", []want{{"models[0].outliers.fpr", "between 0 and 0.5"}}},
		{"outlier contamination", "models: [{name: a, outliers: {contamination: 0.3}}]", []want{{"models[0].outliers.contamination", "0 to 0.25"}}},
		{"outlier exclude empty", "models: [{name: a, outliers: {exclude: [label, '']}}]", []want{{"models[0].outliers.exclude[1]", "empty column name"}}},
		{"outlier burst", "models: [{name: a, outliers: {burst_min: 0, burst_alpha: 2, summary_every: 0s}}]", []want{{"models[0].outliers.burst_min", ">= 1"}, {"models[0].outliers.burst_alpha", "between 0 and 1"}, {"models[0].outliers.summary_every", "> 0"}}},
		{"outlier users", "models: [{name: a, outliers: {max_users: 0}}]", []want{{"models[0].outliers.max_users", "must be 1 to 10000000, got 0"}}},
		{"every zero", "models: [{name: a, drift: {every: 0}}]", []want{{"models[0].drift.every", "must be > 0"}}},
		{"every over window", "models: [{name: a, drift: {window: 50, min_events: 50}}]", []want{{"models[0].drift.every", "must be <= window (50), got 100"}}},
		{"every equal window", "models: [{name: a, drift: {window: 100, every: 100, min_events: 100}}]", nil},
		{"min_events zero", "models: [{name: a, drift: {min_events: 0}}]", []want{{"models[0].drift.min_events", "must be > 0"}}},
		{"min_events over window", "models: [{name: a, drift: {window: 200, min_events: 201}}]", []want{{"models[0].drift.min_events", "must be <= window (200), got 201"}}},
		{"disabled drift still checked", "models: [{name: a, drift: {enabled: false, window: 0}}]", []want{{"models[0].drift.window", "must be > 0"}}},
		{"time windows ok", "models: [{name: a, drift: {time_windows: [{type: tumbling, size: 1h}, {type: sliding, size: 1h, step: 10m}, {type: sliding, size: 1h, step: 1h}]}}]", nil},
		{"time window type missing", "models: [{name: a, drift: {time_windows: [{size: 1h}]}}]", []want{{"models[0].drift.time_windows[0].type", "required"}}},
		{"time window type unknown", "models: [{name: a, drift: {time_windows: [{type: session, size: 1h}]}}]", []want{{"models[0].drift.time_windows[0].type", `want tumbling or sliding, got "session"`}}},
		{"time window size", "models: [{name: a, drift: {time_windows: [{type: tumbling, size: 0s}]}}]", []want{{"models[0].drift.time_windows[0].size", "must be > 0"}}},
		{"sliding without step", "models: [{name: a, drift: {time_windows: [{type: sliding, size: 1h}]}}]", []want{{"models[0].drift.time_windows[0].step", "must be > 0 for a sliding window"}}},
		{"sliding step over size", "models: [{name: a, drift: {time_windows: [{type: sliding, size: 10m, step: 1h}]}}]", []want{{"models[0].drift.time_windows[0].step", "must be <= size (10m), got 1h"}}},
		{"tumbling with step", "models: [{name: a, drift: {time_windows: [{type: tumbling, size: 1h, step: 1m}]}}]", []want{{"models[0].drift.time_windows[0].step", "only for sliding windows"}}},
		{"lateness zero", "models: [{name: a, drift: {lateness: 0s}}]", nil},
		{"lateness negative", "models: [{name: a, drift: {lateness: -1m}}]", []want{{"models[0].drift.lateness", "must be >= 0, got -1m"}}},
		{"model thresholds ok", "models: [{name: a, thresholds: {drift: {warning: 0.15, critical: 0.35}}}]", nil},
		{"model thresholds order", "models: [{name: a, thresholds: {drift: {warning: 0.5}}}]", []want{{"models[0].thresholds.drift.critical", "must be >= warning (0.5), got 0.3"}}},
		{"model thresholds kind", "models: [{name: a, thresholds: {drfit: {warning: 0.1, critical: 0.2}}}]", []want{{"models[0].thresholds.drfit", "unknown finding kind"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.doc)
			checkProblems(t, tc.doc, err, tc.wants)
		})
	}
}

// Validate on a configuration built in code finds every problem at once, in
// the order of the documentation.
func TestValidateAll(t *testing.T) {
	c := config.Default()
	c.Server.ReadTimeout = 0
	c.Storage.Dir = ""
	c.Pipeline.QueueSize = -1
	c.Alerting.Receivers = []config.Receiver{{Name: "r", Type: config.ReceiverWebhook, MinSeverity: alert.Low, Timeout: time.Second}}
	m := config.DefaultModel()
	m.Drift.Every = 0
	c.Models = []config.Model{m}
	err := c.Validate()
	var wants = []want{
		{"server.read_timeout", "must be > 0"},
		{"storage.dir", "required"},
		{"pipeline.queue_size", "must be > 0"},
		{"alerting.receivers[0].url", "required"},
		{"models[0].name", "required"},
		{"models[0].drift.every", "must be > 0"},
	}
	checkProblems(t, "Default() with six faults", err, wants)
	if ps := problemsOf(t, err); ps[0].Line != 0 {
		t.Errorf("a configuration built in code has lines: %+v", ps[0])
	}
	if got := strings.Count(err.Error(), "\n") + 1; got != len(wants) {
		t.Errorf("Error() has %d lines, want one per problem:\n%s", got, err)
	}
}

// Each section validates on its own, with paths relative to it.
func TestSectionValidate(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string // "" for valid
	}{
		{"server", (&config.Server{Addr: "x:1", ReadTimeout: 1, WriteTimeout: 1, ShutdownTimeout: 1, MaxBodyBytes: 1,
			MaxEvents: 1, MaxValues: 1, MaxFeatures: 1, MaxModels: 1, MaxReferenceBytes: 1, MaxReferenceRows: 1}).Validate(), ""},
		{"server bad", (&config.Server{Addr: "x:1", WriteTimeout: 1, ShutdownTimeout: 1, MaxBodyBytes: 1,
			MaxEvents: 1, MaxValues: 1, MaxFeatures: 1, MaxModels: 1, MaxReferenceBytes: 1, MaxReferenceRows: 1}).Validate(), "read_timeout: must be > 0, got 0s"},
		{"storage", (&config.Storage{Dir: "d"}).Validate(), ""},
		{"storage bad", (&config.Storage{}).Validate(), "dir: required"},
		{"pipeline", (&config.Pipeline{QueueSize: 1, QueueBytes: 1, MaxFuture: time.Minute}).Validate(), ""},
		{"pipeline bad", (&config.Pipeline{QueueBytes: 1, MaxFuture: time.Minute}).Validate(), "queue_size: must be > 0"},
		{"pipeline without max_future", (&config.Pipeline{QueueSize: 1, QueueBytes: 1}).Validate(), "max_future: must be > 0, got 0s"},
		{"alerting", (&config.Alerting{}).Validate(), ""},
		{"alerting bad", (&config.Alerting{Thresholds: map[string]config.Thresholds{"drift": {Warning: 2, Critical: 1}}}).Validate(), "thresholds.drift.critical: must be >= warning (2), got 1"},
		{"receiver bad", (&config.Receiver{Name: "r", Type: "stdout", MinSeverity: alert.Low}).Validate(), "timeout: must be > 0, got 0s"},
		{"model bad", (&config.Model{Name: "m", Drift: config.DefaultModel().Drift, Outliers: config.DefaultModel().Outliers, Columns: []string{""}}).Validate(), "columns[0]: empty column name"},
		{"expect_every", (&config.Model{Name: "m", Drift: config.DefaultModel().Drift, Outliers: config.DefaultModel().Outliers, ExpectEvery: time.Minute}).Validate(), ""},
		{"expect_every too short", (&config.Model{Name: "m", Drift: config.DefaultModel().Drift, Outliers: config.DefaultModel().Outliers, ExpectEvery: 59 * time.Second}).Validate(), "expect_every: must be 0 (off) or at least 1m, got 59s"},
		{"summaries too long", (&config.Outliers{FPR: 0.1, BurstMin: 1, BurstAlpha: 0.01, SummaryEvery: 91 * 24 * time.Hour, MaxUsers: 1}).Validate(), "summary_every: must be at most 2160h (90 days), got 2184h"},
		{"time window too long", config.TimeWindow{Type: "tumbling", Size: config.MaxStep + 1}.Validate(), "size: must be at most 2160h (90 days), got 2160h0m0.000000001s"},
		{"drift bad", (&config.Drift{Method: "auto", Threshold: 0.5, Window: 1, Every: 1, MinEvents: 2}).Validate(), "min_events: must be <= window (1), got 2"},
		{"outliers bad", (&config.Outliers{FPR: 0.5, BurstMin: 1, BurstAlpha: 0.01, SummaryEvery: time.Minute, MaxUsers: 1}).Validate(), "fpr: must be a share between 0 and 0.5 (exclusive), got 0.5"},
		{"time window bad", config.TimeWindow{Type: "sliding", Size: time.Hour}.Validate(), "step: must be > 0 for a sliding window"},
		{"thresholds bad", config.Thresholds{Warning: -1, Critical: 1}.Validate(), "warning: must be a finite number >= 0, got -1"},
	}
	for _, tc := range tests {
		if tc.want == "" {
			if tc.err != nil {
				t.Errorf("%s: %v", tc.name, tc.err)
			}
			continue
		}
		if tc.err == nil || tc.err.Error() != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, tc.err, tc.want)
		}
	}
}
