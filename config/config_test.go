package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/pipeline"
)

// testDir is the configuration directory tests parse against.
const testDir = "/etc/warden"

func parse(t *testing.T, doc string) (*config.Config, error) {
	t.Helper()
	return config.Parse([]byte(doc), "test.yaml", testDir)
}

func mustParse(t *testing.T, doc string) *config.Config {
	t.Helper()
	c, err := parse(t, doc)
	if err != nil {
		t.Fatalf("Parse:\n%s\nerror:\n%v", doc, err)
	}
	return c
}

func problemsOf(t *testing.T, err error) []config.Problem {
	t.Helper()
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T), want *config.ValidationError", err, err)
	}
	return ve.Problems
}

// The documented defaults, read from the specification rather than from
// Default itself, so that changing one is a deliberate act.
func TestDefault(t *testing.T) {
	c := config.Default()
	tests := []struct {
		name      string
		got, want any
	}{
		{"server.addr", c.Server.Addr, "127.0.0.1:8080"},
		{"server.read_timeout", c.Server.ReadTimeout, 10 * time.Second},
		{"server.write_timeout", c.Server.WriteTimeout, 30 * time.Second},
		{"server.shutdown_timeout", c.Server.ShutdownTimeout, 30 * time.Second},
		{"server.max_body_bytes", c.Server.MaxBodyBytes, int64(32 << 20)},
		{"server.max_events", c.Server.MaxEvents, 100000},
		{"server.max_values", c.Server.MaxValues, 1000000},
		{"server.max_features", c.Server.MaxFeatures, 1024},
		{"server.max_models", c.Server.MaxModels, 100},
		{"server.max_reference_bytes", c.Server.MaxReferenceBytes, int64(32 << 20)},
		{"server.max_reference_rows", c.Server.MaxReferenceRows, 1000000},
		{"storage.dir", c.Storage.Dir, "./warden-data"},
		{"storage.retention.events", c.Storage.Retention.Events, 168 * time.Hour},
		{"storage.retention.windows", c.Storage.Retention.Windows, 720 * time.Hour},
		{"storage.retention.alerts", c.Storage.Retention.Alerts, 2160 * time.Hour},
		{"pipeline.shards", c.Pipeline.Shards, 0},
		{"pipeline.queue_size", c.Pipeline.QueueSize, 65536},
		{"pipeline.queue_bytes", c.Pipeline.QueueBytes, int64(256 << 20)},
		{"alerting.repeat_interval", c.Alerting.RepeatInterval, 4 * time.Hour},
		{"alerting.thresholds.drift", c.Alerting.Thresholds["drift"], config.Thresholds{Warning: 0.1, Critical: 0.3}},
		{"alerting.thresholds.adversarial", c.Alerting.Thresholds["adversarial"], config.Thresholds{Warning: 0.5, Critical: 0.8}},
		{"alerting.thresholds.extraction", c.Alerting.Thresholds["extraction"], config.Thresholds{Warning: 100, Critical: 1000}},
		{"alerting.thresholds.prompt_injection", c.Alerting.Thresholds["prompt_injection"], config.Thresholds{Warning: 50, Critical: 80}},
		{"len(alerting.thresholds)", len(c.Alerting.Thresholds), 5},
		{"len(alerting.receivers)", len(c.Alerting.Receivers), 0},
		{"len(models)", len(c.Models), 0},
		{"dir", c.Dir, ""},
	}
	for _, tc := range tests {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
	// Each call is independent: changing one default changes no other config.
	c.Alerting.Thresholds["drift"] = config.Thresholds{}
	if config.Default().Alerting.Thresholds["drift"].Critical != 0.3 {
		t.Error("Default shares its thresholds map between calls")
	}
}

func TestDefaultModelAndReceiver(t *testing.T) {
	m := config.DefaultModel()
	want := config.Drift{Enabled: true, Method: "auto", Threshold: 1e-4, MinEffect: 0.05, Window: 1000, Every: 100, MinEvents: 100, Lateness: time.Minute}
	if !reflect.DeepEqual(m.Drift, want) {
		t.Errorf("DefaultModel().Drift = %+v, want %+v", m.Drift, want)
	}
	r := config.DefaultReceiver()
	if r.MinSeverity != alert.Low || r.Timeout != 5*time.Second || r.MaxRetries != 8 {
		t.Errorf("DefaultReceiver() = %+v", r)
	}
}

// Warden's batch drift check and the service must agree on what drift is.
func TestDefaultsMatchDetectors(t *testing.T) {
	opts := drift.DefaultOptions()
	d := config.DefaultModel().Drift
	if string(opts.Method) != d.Method || d.Threshold != drift.DefaultStreamAlpha || opts.MinEffect != d.MinEffect {
		t.Errorf("drift defaults: config %s/%v/%v, drift package %s/%v/%v", d.Method, d.Threshold, d.MinEffect, opts.Method, drift.DefaultStreamAlpha, opts.MinEffect)
	}
	if got := config.Default().Alerting.Thresholds[string(alert.KindDrift)]; alert.Thresholds(got) != alert.DriftThresholds {
		t.Errorf("drift thresholds: config %+v, alert package %+v", got, alert.DriftThresholds)
	}
	if config.MaxStep != pipeline.MaxStep {
		t.Errorf("longest window: config %v, pipeline %v", config.MaxStep, pipeline.MaxStep)
	}
}

func TestSmallestFile(t *testing.T) {
	data, err := os.ReadFile("testdata/smallest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.Parse(data, "smallest.yaml", testDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Models) != 1 {
		t.Fatalf("%d models, want 1", len(c.Models))
	}
	want := config.DefaultModel()
	want.Name = "fraud_detection_v2"
	want.Reference = filepath.Join(testDir, "data", "reference.csv")
	if !reflect.DeepEqual(c.Models[0], want) {
		t.Errorf("model = %+v\nwant %+v", c.Models[0], want)
	}
	// Everything else is the defaults.
	c.Models, c.Dir = nil, ""
	if !reflect.DeepEqual(c, config.Default()) {
		t.Errorf("smallest file changes more than its model:\n%+v", c)
	}
}

func TestEmptyDocuments(t *testing.T) {
	for _, doc := range []string{"", "\n\n", "# only a comment\n", "---\n", "~\n", "null", "{}", "server:\nmodels:\n"} {
		c, err := parse(t, doc)
		if err != nil {
			t.Errorf("Parse(%q): %v", doc, err)
			continue
		}
		c.Dir = ""
		if !reflect.DeepEqual(c, config.Default()) {
			t.Errorf("Parse(%q) = %+v, want the defaults", doc, c)
		}
	}
}

func TestNullKeepsDefaults(t *testing.T) {
	c := mustParse(t, `
server:
  addr:
  read_timeout: ~
alerting:
  thresholds:
    drift:
models:
  - name: a
    drift:
      window: null
`)
	d := config.Default()
	if !reflect.DeepEqual(c.Server, d.Server) || c.Alerting.Thresholds["drift"] != d.Alerting.Thresholds["drift"] || c.Models[0].Drift.Window != 1000 {
		t.Errorf("null values changed defaults: %+v", c)
	}
	// A null list item is an item with every default, so it has no name.
	_, err := parse(t, "models:\n  - ~\n")
	if ps := problemsOf(t, err); len(ps) != 1 || ps[0].Path != "models[0].name" || ps[0].Msg != "required" {
		t.Errorf("null model: %v", ps)
	}
}

func TestModelLookup(t *testing.T) {
	c := mustParse(t, "models:\n  - name: a\n  - name: b\n    drift: {window: 50, every: 10, min_events: 10}\n")
	if m := c.Model("b"); m == nil || m.Drift.Window != 50 {
		t.Errorf("Model(b) = %+v", m)
	}
	if m := c.Model("c"); m != nil {
		t.Errorf("Model(c) = %+v, want nil", m)
	}
	// The pointer is into the configuration, not a copy.
	c.Model("a").Drift.Enabled = false
	if c.Models[0].Drift.Enabled {
		t.Error("Model returned a copy")
	}
}

func TestThresholds(t *testing.T) {
	c := mustParse(t, `
alerting:
  thresholds:
    adversarial: {critical: 0.9}
    usage: {warning: 10, critical: 20}
models:
  - name: own
    thresholds:
      drift: {warning: 0.15, critical: 0.35}
      extraction: {warning: 50}
      prompt_injection: {critical: 95}
  - name: global
`)
	global := c.Alerting.Thresholds
	own, plain := c.Model("own"), c.Model("global")
	tests := []struct {
		model *config.Model
		kind  string
		want  config.Thresholds
	}{
		{own, "drift", config.Thresholds{Warning: 0.15, Critical: 0.35}},
		{own, "extraction", config.Thresholds{Warning: 50, Critical: 1000}},        // critical from the defaults
		{own, "prompt_injection", config.Thresholds{Warning: 50, Critical: 95}},    // warning from the defaults
		{own, "adversarial", config.Thresholds{Warning: 0.5, Critical: 0.9}},       // global, itself partly overridden
		{own, "usage", config.Thresholds{Warning: 10, Critical: 20}},               // a kind with no default
		{plain, "drift", config.Thresholds{Warning: 0.1, Critical: 0.3}},           // global default
		{plain, "adversarial", config.Thresholds{Warning: 0.5, Critical: 0.9}},     // global override
		{plain, "prompt_leak", config.Thresholds{}},                                // nowhere
		{&config.Model{}, "drift", config.Thresholds{Warning: 0.1, Critical: 0.3}}, // nil overrides
	}
	for _, tc := range tests {
		if got := tc.model.Thresholds(tc.kind, global); got != tc.want {
			t.Errorf("%s.Thresholds(%q) = %+v, want %+v", tc.model.Name, tc.kind, got, tc.want)
		}
	}
	// The global override of one kind leaves the others at their defaults.
	if got := global["drift"]; got != (config.Thresholds{Warning: 0.1, Critical: 0.3}) {
		t.Errorf("global drift = %+v", got)
	}
}

func TestThresholdsPartialOverrideFollowsGlobal(t *testing.T) {
	// The per-model override takes its missing level from the file's global
	// thresholds, wherever in the file they are.
	c := mustParse(t, `
models:
  - name: m
    thresholds:
      drift: {warning: 0.2}
alerting:
  thresholds:
    drift: {warning: 0.1, critical: 0.6}
`)
	if got := c.Model("m").Thresholds("drift", c.Alerting.Thresholds); got != (config.Thresholds{Warning: 0.2, Critical: 0.6}) {
		t.Errorf("drift = %+v, want warning 0.2, critical 0.6", got)
	}
}

// Alerts say high and critical; a file may name the lower threshold after
// the severity it gives, "high", as well as "warning".
func TestThresholdsHighIsWarning(t *testing.T) {
	c := mustParse(t, `
alerting:
  thresholds:
    drift: {high: 0.2, critical: 0.4}
models:
  - name: m
    thresholds:
      adversarial: {high: 0.6}
`)
	if got := c.Alerting.Thresholds["drift"]; got != (config.Thresholds{Warning: 0.2, Critical: 0.4}) {
		t.Errorf("drift = %+v, want warning (high) 0.2, critical 0.4", got)
	}
	if got := c.Model("m").Thresholds("adversarial", c.Alerting.Thresholds); got != (config.Thresholds{Warning: 0.6, Critical: 0.8}) {
		t.Errorf("model adversarial = %+v, want warning (high) 0.6 and the global critical 0.8", got)
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	c := mustParse(t, `
models:
  - name: a
    drift: &common
      window: 500
      every: 50
      time_windows: [{type: tumbling, size: 1h}]
  - name: b
    drift:
      <<: *common
      every: 25
  - name: c
    drift: *common
  - name: d
    drift:
      <<: [{every: 10, min_events: 10}, *common]
alerting:
  receivers:
    - &hook {name: soc, type: webhook, url: "https://siem.example.com/hook", timeout: 2s}
    - {<<: *hook, name: soc2}
`)
	tests := []struct {
		model                    string
		window, every, minEvents int
	}{
		{"a", 500, 50, 100},
		{"b", 500, 25, 100},
		{"c", 500, 50, 100},
		{"d", 500, 10, 10}, // earlier mappings in a merge list win
	}
	for _, tc := range tests {
		d := c.Model(tc.model).Drift
		if d.Window != tc.window || d.Every != tc.every || d.MinEvents != tc.minEvents || len(d.TimeWindows) != 1 || !d.Enabled {
			t.Errorf("model %s drift = %+v, want window %d every %d min_events %d", tc.model, d, tc.window, tc.every, tc.minEvents)
		}
	}
	r := c.Alerting.Receivers
	if len(r) != 2 || r[1].Name != "soc2" || r[1].URL != r[0].URL || r[1].Timeout != 2*time.Second || r[1].MaxRetries != 8 {
		t.Errorf("receivers = %+v", r)
	}
}

func TestPathResolution(t *testing.T) {
	tests := []struct {
		name       string
		dir        string
		doc        string
		reference  string // of models[0]
		receiver   string // path of receivers[0]
		storageDir string
	}{
		{"relative reference", "/etc/warden", "models: [{name: m, reference: data/ref.csv}]", "/etc/warden/data/ref.csv", "", "./warden-data"},
		{"reference up a level", "/etc/warden", "models: [{name: m, reference: ../shared/ref.wprof}]", "/etc/shared/ref.wprof", "", "./warden-data"},
		{"absolute reference", "/etc/warden", "models: [{name: m, reference: /srv/ref.csv}]", "/srv/ref.csv", "", "./warden-data"},
		{"no reference", "/etc/warden", "models: [{name: m}]", "", "", "./warden-data"},
		{"no directory", "", "models: [{name: m, reference: ./data/ref.csv}]", "data/ref.csv", "", "./warden-data"},
		{"relative directory", "conf", "models: [{name: m, reference: ref.csv}]", "conf/ref.csv", "", "./warden-data"},
		{"receiver in default store", "/etc/warden", "models: [{name: m}]\nalerting: {receivers: [{name: f, type: file, path: alerts.jsonl}]}", "", "warden-data/alerts.jsonl", "./warden-data"},
		{"receiver in absolute store", "/etc/warden", "storage: {dir: /var/lib/warden}\nalerting: {receivers: [{name: f, type: file, path: log/alerts.jsonl}]}\nmodels: [{name: m}]", "", "/var/lib/warden/log/alerts.jsonl", "/var/lib/warden"},
		{"absolute receiver", "/etc/warden", "storage: {dir: /var/lib/warden}\nalerting: {receivers: [{name: f, type: file, path: /var/log/alerts.jsonl}]}\nmodels: [{name: m}]", "", "/var/log/alerts.jsonl", "/var/lib/warden"},
		// storage.dir is relative to the process, never to the file.
		{"relative store", "/etc/warden", "storage: {dir: data}\nalerting: {receivers: [{name: f, type: file, path: a.jsonl}]}\nmodels: [{name: m}]", "", "data/a.jsonl", "data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Parse([]byte(tc.doc), "test.yaml", tc.dir)
			if err != nil {
				t.Fatal(err)
			}
			if c.Dir != tc.dir {
				t.Errorf("Dir = %q, want %q", c.Dir, tc.dir)
			}
			if got := c.Models[0].Reference; got != filepath.FromSlash(tc.reference) {
				t.Errorf("reference = %q, want %q", got, tc.reference)
			}
			if len(c.Alerting.Receivers) > 0 {
				if got := c.Alerting.Receivers[0].Path; got != filepath.FromSlash(tc.receiver) {
					t.Errorf("receiver path = %q, want %q", got, tc.receiver)
				}
			}
			if c.Storage.Dir != tc.storageDir {
				t.Errorf("storage.dir = %q, want %q", c.Storage.Dir, tc.storageDir)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("data/ref.csv", "a,b\n1,2\n")
	good := write("good.yaml", "models:\n  - name: m\n    reference: data/ref.csv\nalerting:\n  receivers: [{name: f, type: file, path: alerts.jsonl}]\n")

	c, err := config.Load(good)
	if err != nil {
		t.Fatal(err)
	}
	if c.Dir != dir || c.Models[0].Reference != filepath.Join(dir, "data", "ref.csv") {
		t.Errorf("Dir %q, reference %q", c.Dir, c.Models[0].Reference)
	}
	if c.Alerting.Receivers[0].Path != filepath.Join("warden-data", "alerts.jsonl") {
		t.Errorf("receiver path %q", c.Alerting.Receivers[0].Path)
	}

	// A relative file name still gives an absolute directory.
	t.Chdir(dir)
	if c, err := config.Load("good.yaml"); err != nil || c.Dir != dir {
		t.Errorf("Load(good.yaml): Dir %q, %v", c.Dir, err)
	}

	// Overrides come before resolution, so the receiver follows the store.
	c, err = config.LoadWith(good, config.Overrides{Addr: "0.0.0.0:9090", DataDir: "/var/lib/w"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Addr != "0.0.0.0:9090" || c.Storage.Dir != "/var/lib/w" || c.Alerting.Receivers[0].Path != "/var/lib/w/alerts.jsonl" {
		t.Errorf("overrides: addr %q, dir %q, receiver %q", c.Server.Addr, c.Storage.Dir, c.Alerting.Receivers[0].Path)
	}

	// No file at all: the defaults.
	c, err = config.Load("")
	if err != nil || !reflect.DeepEqual(c, config.Default()) {
		t.Errorf("Load(\"\") = %+v, %v; want the defaults", c, err)
	}
	if _, err := config.LoadWith("", config.Overrides{Addr: "nowhere"}); err == nil {
		t.Error("a bad --addr override passed validation")
	} else if ps := problemsOf(t, err); len(ps) != 1 || ps[0].Path != "server.addr" || ps[0].Line != 0 {
		t.Errorf("bad override: %v", ps)
	}

	if _, err := config.Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want os.ErrNotExist", err)
	}

	// Load, unlike Parse, checks the references are there.
	bad := write("bad.yaml", "models:\n  - name: m\n    reference: data/nope.csv\n  - name: n\n    reference: data\n  - name: o\n")
	if _, err := config.Parse([]byte("models: [{name: m, reference: data/nope.csv}]"), "x.yaml", dir); err != nil {
		t.Errorf("Parse looked at the file system: %v", err)
	}
	_, err = config.Load(bad)
	ps := problemsOf(t, err)
	if len(ps) != 2 {
		t.Fatalf("problems %v, want 2", ps)
	}
	if ps[0].Path != "models[0].reference" || ps[0].Line != 3 || !strings.Contains(ps[0].Msg, "file not found") {
		t.Errorf("missing reference: %+v", ps[0])
	}
	if ps[1].Path != "models[1].reference" || ps[1].Line != 5 || !strings.Contains(ps[1].Msg, "directory") {
		t.Errorf("directory reference: %+v", ps[1])
	}
	if !strings.HasPrefix(err.Error(), bad+": models[0].reference: file not found") {
		t.Errorf("error text %q does not start with the file and path", err)
	}
}
