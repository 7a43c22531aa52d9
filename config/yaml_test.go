package config_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/warden-ml/warden/config"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s changed (run go test -update if intended):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// A changed default shows up as a diff of testdata/default.yaml.
func TestDefaultGolden(t *testing.T) {
	out, err := config.Default().YAML()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "default.yaml", out)
}

// The documented example with every setting, as the service sees it.
func TestEffectiveGolden(t *testing.T) {
	tests := []struct{ in, out string }{
		{"full.yaml", "full.effective.yaml"},
		{"smallest.yaml", "smallest.effective.yaml"},
	}
	for _, tc := range tests {
		data, err := os.ReadFile(filepath.Join("testdata", tc.in))
		if err != nil {
			t.Fatal(err)
		}
		c, err := config.Parse(data, tc.in, testDir)
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.YAML()
		if err != nil {
			t.Fatal(err)
		}
		golden(t, tc.out, out)
	}
}

// roundTrip writes c as YAML and parses it back against the same directory.
func roundTrip(t *testing.T, c *config.Config) *config.Config {
	t.Helper()
	out, err := c.YAML()
	if err != nil {
		t.Fatal(err)
	}
	back, err := config.Parse(out, "effective.yaml", c.Dir)
	if err != nil {
		t.Fatalf("parsing YAML() output:\n%s\nerror: %v", out, err)
	}
	return back
}

func TestYAMLRoundTrip(t *testing.T) {
	docs := map[string]string{
		"defaults": "",
		"relative store and receivers": `
storage: {dir: ../data}
alerting:
  receivers:
    - {name: a, type: file, path: alerts.jsonl}
    - {name: b, type: file, path: ../../elsewhere/b.jsonl}
    - {name: c, type: file, path: /var/log/c.jsonl}
    - {name: d, type: stdout, min_severity: critical}
models: [{name: m, reference: ../ref.csv}, {name: n, reference: /srv/ref.csv}]
`,
		"odd values": `
server: {max_body_bytes: 1000001, read_timeout: 1.5s, addr: "[::]:0"}
pipeline: {shards: 1024}
alerting:
  repeat_interval: 0s
  thresholds: {usage: {warning: 0.000001, critical: 1e20}}
models:
  - name: "007"
    columns: ["true", " x", "1.5", "null", "a: b", "#x", "- y"]
    drift: {enabled: false, method: z, threshold: 0.3333333333333333, min_effect: 1, window: 1, every: 1, min_events: 1, lateness: 1h0m0.5s}
    thresholds: {drift: {warning: 0, critical: 0}}
`,
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			for _, dir := range []string{"", "/etc/warden", "conf"} {
				c, err := config.Parse([]byte(doc), "test.yaml", dir)
				if err != nil {
					t.Fatal(err)
				}
				if back := roundTrip(t, c); !reflect.DeepEqual(back, c) {
					t.Errorf("dir %q: round trip changed the configuration:\n%+v\n%+v", dir, c, back)
				}
			}
		})
	}
}

func TestYAMLRoundTripInCode(t *testing.T) {
	c := config.Default()
	m := config.DefaultModel()
	m.Name = "m"
	m.Columns = []string{"yes", "no", "~"}
	m.Drift.TimeWindows = []config.TimeWindow{{Type: config.WindowTumbling, Size: 3600e9}, {Type: config.WindowSliding, Size: 3600e9, Step: 60e9}}
	m.ThresholdOverrides = map[string]config.Thresholds{"drift": {Warning: 0.2, Critical: 0.4}}
	c.Models = []config.Model{m}
	c.Server.MaxBodyBytes = 500e6
	c.Pipeline.QueueBytes = 1e9
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if back := roundTrip(t, c); !reflect.DeepEqual(back, c) {
		t.Errorf("round trip changed the configuration:\n%+v\n%+v", c, back)
	}
}

func TestYAMLRedactsSecrets(t *testing.T) {
	c := mustParse(t, "alerting: {receivers: [{name: s, type: webhook, url: 'https://x', secret: hunter2}, {name: e, type: webhook, url: 'https://y', secret_env: HOOK_KEY}]}")
	out, err := c.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "hunter2") {
		t.Errorf("secret in output:\n%s", out)
	}
	back := roundTrip(t, c)
	if back.Alerting.Receivers[0].Secret != "<redacted>" || back.Alerting.Receivers[1].SecretEnv != "HOOK_KEY" {
		t.Errorf("receivers after round trip: %+v", back.Alerting.Receivers)
	}
}
