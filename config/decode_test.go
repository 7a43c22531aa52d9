package config_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/config"
)

func TestUnknownKeys(t *testing.T) {
	tests := []struct {
		doc  string
		want string // the whole problem, as printed
	}{
		{"sever:\n  addr: x:1\n", `sever: unknown field, did you mean server? (line 1)`},
		{"server:\n  port: 8080\n", `server.port: unknown field (line 2)`},
		{"server:\n  read_timout: 1s\n", `server.read_timout: unknown field, did you mean read_timeout? (line 2)`},
		{"storage:\n  retention:\n    event: 1h\n", `storage.retention.event: unknown field, did you mean events? (line 3)`},
		{"models:\n  - name: a\n    reference: r.csv\n\n    # watch these\n    columns: [x]\n    drfit:\n      window: 10\n", `models[0].drfit: unknown field, did you mean drift? (line 7)`},
		{"models:\n  - name: a\n  - name: b\n    drift: {windw: 10}\n", `models[1].drift.windw: unknown field, did you mean window? (line 4)`},
		{"alerting:\n  thresholds:\n    drift: {warn: 0.1}\n", `alerting.thresholds.drift.warn: unknown field (line 3)`},
		{"alerting:\n  thresholds:\n    drift: {warning: 0.1, high: 0.2}\n", `alerting.thresholds.drift.warning: warning and high are the same setting; give one (line 3)`},
		{"alerting:\n  receivers:\n    - name: r\n      type: webhook\n      uri: https://x\n", `alerting.receivers[0].uri: unknown field, did you mean url? (line 5)`},
		{"models:\n  - name: a\n    drift:\n      time_windows:\n        - {type: sliding, size: 1h, stp: 1m}\n", `models[0].drift.time_windows[0].stp: unknown field, did you mean step? (line 5)`},
		{"'odd key': 1\n", `["odd key"]: unknown field (line 1)`},
		{"Dir: /etc\n", `Dir: unknown field (line 1)`},
	}
	for _, tc := range tests {
		_, err := parse(t, tc.doc)
		ps := problemsOf(t, err)
		found := false
		for _, p := range ps {
			found = found || p.String() == tc.want
		}
		if !found {
			t.Errorf("%s\ngot  %v\nwant %s", tc.doc, ps, tc.want)
		}
	}
}

func TestTypeErrors(t *testing.T) {
	tests := []struct {
		doc, path, msg string
	}{
		{"server: {read_timeout: ten}", "server.read_timeout", `want a duration like 10s, got "ten"`},
		{"server: {read_timeout: 10}", "server.read_timeout", `want a duration like 10s, got "10"`},
		{"server: {read_timeout: [1]}", "server.read_timeout", "want a duration like 10s, got a list"},
		{"server: {addr: {host: x}}", "server.addr", "want a string, got a mapping"},
		{"server: {max_body_bytes: 32 megs}", "server.max_body_bytes", `want a size like 32MiB, got "32 megs"`},
		{"server: {max_body_bytes: 1.5}", "server.max_body_bytes", `want a size like 32MiB, got "1.5"`},
		{"server: {max_body_bytes: true}", "server.max_body_bytes", `want a size like 32MiB, got "true"`},
		{"server: {max_body_bytes: 99999999999TiB}", "server.max_body_bytes", `size too large, got "99999999999TiB"`},
		{"server: 8080", "server", `want a mapping, got "8080"`},
		{"pipeline: {shards: '4'}", "pipeline.shards", `want an integer, got "4"`},
		{"pipeline: {shards: 1.5}", "pipeline.shards", `want an integer, got "1.5"`},
		{"pipeline: {shards: 99999999999999999999}", "pipeline.shards", `want an integer, got "99999999999999999999"`},
		{"pipeline: {queue_size: {a: 1}}", "pipeline.queue_size", "want an integer, got a mapping"},
		{"alerting: {thresholds: [drift]}", "alerting.thresholds", "want a mapping, got a list"},
		{"alerting: {thresholds: {drift: 0.1}}", "alerting.thresholds.drift", `want a mapping, got "0.1"`},
		{"alerting: {thresholds: {drift: {warning: high}}}", "alerting.thresholds.drift.warning", `want a number, got "high"`},
		{"alerting: {thresholds: {drift: {warning: '0.1'}}}", "alerting.thresholds.drift.warning", `want a number, got "0.1"`},
		{"alerting: {receivers: {name: x}}", "alerting.receivers", "want a list, got a mapping"},
		{"alerting: {receivers: [{name: x, type: stdout, min_severity: urgent}]}", "alerting.receivers[0].min_severity", `want low, medium, high or critical, got "urgent"`},
		{"alerting: {receivers: [{name: x, type: stdout, min_severity: HIGH}]}", "alerting.receivers[0].min_severity", `want low, medium, high or critical, got "HIGH"`},
		{"models: {name: x}", "models", "want a list, got a mapping"},
		{"models: [fraud]", "models[0]", `want a mapping, got "fraud"`},
		{"models: [{name: [a]}]", "models[0].name", "want a string, got a list"},
		{"models: [{name: a, columns: amount}]", "models[0].columns", `want a list, got "amount"`},
		{"models: [{name: a, columns: [[x]]}]", "models[0].columns[0]", "want a string, got a list"},
		{"models: [{name: a, drift: {enabled: 'yes'}}]", "models[0].drift.enabled", `want true or false, got "yes"`},
		{"models: [{name: a, drift: {enabled: 1}}]", "models[0].drift.enabled", `want true or false, got "1"`},
		{"models: [{name: a, drift: {threshold: '0.05'}}]", "models[0].drift.threshold", `want a number, got "0.05"`},
		{"models: [{name: a, drift: {time_windows: [{type: sliding, size: 1 hour, step: 10m}]}}]", "models[0].drift.time_windows[0].size", `want a duration like 10s, got "1 hour"`},
		{"models: [{name: " + strings.Repeat("x", 50) + ", drift: {window: " + strings.Repeat("y", 50) + "}}]", "models[0].drift.window", `want an integer, got "` + strings.Repeat("y", 40) + `..."`},
		{"- server\n- models\n", "", "want a mapping, got a list"},
		{"{[a]: 1}", "", "want a plain key, got a list"},
	}
	for _, tc := range tests {
		_, err := parse(t, tc.doc)
		ps := problemsOf(t, err)
		if len(ps) != 1 || ps[0].Path != tc.path || ps[0].Msg != tc.msg || ps[0].Line != 1 {
			t.Errorf("%s\ngot  %+v\nwant %s: %s (line 1)", tc.doc, ps, tc.path, tc.msg)
		}
	}
}

// Values decode in every YAML spelling of their type.
func TestScalarForms(t *testing.T) {
	c := mustParse(t, `
server:
  max_body_bytes: "64 KiB"
  read_timeout: 1m30s
  write_timeout: "2h"
pipeline:
  shards: 0x10
  queue_size: 1_000
models:
  - name: 2024
    columns: [1, true, x]
    drift:
      enabled: False
      threshold: 5e-2
      min_effect: 0
      lateness: 0
`)
	if c.Server.MaxBodyBytes != 64<<10 || c.Server.ReadTimeout != 90*time.Second || c.Server.WriteTimeout != 2*time.Hour {
		t.Errorf("server = %+v", c.Server)
	}
	if c.Pipeline.Shards != 16 || c.Pipeline.QueueSize != 1000 {
		t.Errorf("pipeline = %+v", c.Pipeline)
	}
	m := c.Models[0]
	if m.Name != "2024" || fmt.Sprint(m.Columns) != "[1 true x]" || m.Drift.Enabled || m.Drift.Threshold != 0.05 || m.Drift.MinEffect != 0 || m.Drift.Lateness != 0 {
		t.Errorf("model = %+v", m)
	}
}

func TestDuplicateKeys(t *testing.T) {
	_, err := parse(t, "server:\n  addr: a:1\n  read_timeout: 1s\n  addr: b:2\nmodels: []\nmodels: []\n")
	ps := problemsOf(t, err)
	wants := []string{
		"server.addr: duplicate key (first at line 2) (line 4)",
		"models: duplicate key (first at line 5) (line 6)",
	}
	if len(ps) != len(wants) {
		t.Fatalf("problems %v, want %v", ps, wants)
	}
	for i, w := range wants {
		if ps[i].String() != w {
			t.Errorf("problem %d = %q, want %q", i, ps[i], w)
		}
	}
}

func TestMergeErrors(t *testing.T) {
	tests := []struct{ doc, want string }{
		{"server: {<<: 5}", `server: merge (<<) wants a mapping or a list of mappings, got "5" (line 1)`},
		{"server: {<<: [5]}", `server: merge (<<) wants mappings, got "5" (line 1)`},
		{"server: {<<: {port: 1}}", `server.port: unknown field (line 1)`},
	}
	for _, tc := range tests {
		_, err := parse(t, tc.doc)
		ps := problemsOf(t, err)
		if len(ps) != 1 || ps[0].String() != tc.want {
			t.Errorf("%s: %v, want %s", tc.doc, ps, tc.want)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		doc          string
		line, column int
		msg          string
	}{
		{"a: b: c", 1, 5, "mapping values are not allowed in this context"},
		{"server:\n  addr: x\n   port: 1\n", 3, 8, "mapping values are not allowed in this context"},
		{"server:\n\taddr: x\n", 2, 1, "found character that cannot start any token"},
		{"models:\n  - name: a\n    reference: 'x\n  - name: b\n", 3, 16, "found unexpected end of stream"},
		{"models:\n  - name: a\n columns: [x]\n", 3, 2, "did not find expected key"},
		// An unclosed flow mapping is placed at its start, an unknown alias
		// at its end, where the parser first knows the name.
		{"server: {addr: x\nmodels: []\n", 1, 10, "did not find expected ',' or '}'"},
		{"server: *nowhere\n", 1, 16, "unknown anchor 'nowhere' referenced"},
		{"models:\n  - name: \"\\q\"\n", 2, 12, "found unknown escape character"},
		// Columns count characters, not bytes.
		{"# é\nserver:\n  addr: é: x\n", 3, 10, "mapping values are not allowed in this context"},
		{"server: {}\n---\nmodels: [\n", 3, 9, "did not find expected node content"},
	}
	for _, tc := range tests {
		_, err := config.Parse([]byte(tc.doc), "w.yaml", "")
		var se *config.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: error %v (%T), want *config.SyntaxError", tc.doc, err, err)
			continue
		}
		if se.Line != tc.line || se.Column != tc.column || se.Msg != tc.msg || se.File != "w.yaml" {
			t.Errorf("%q: %+v, want line %d column %d %q", tc.doc, se, tc.line, tc.column, tc.msg)
		}
		want := fmt.Sprintf("w.yaml: line %d, column %d: %s", tc.line, tc.column, tc.msg)
		if se.Error() != want {
			t.Errorf("%q: Error() = %q, want %q", tc.doc, se.Error(), want)
		}
	}
}

func TestOneDocument(t *testing.T) {
	_, err := parse(t, "server: {}\n---\nmodels: []\n")
	ps := problemsOf(t, err)
	if len(ps) != 1 || ps[0].String() != "want one YAML document, found another (line 2)" {
		t.Errorf("problems %v", ps)
	}
}

// A few lines of nested aliases must not expand into billions of values.
func TestAliasExpansionBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("models:\n  - &m0 {name: x}\n")
	for i := 1; i <= 9; i++ {
		refs := strings.Repeat(fmt.Sprintf("*m%d, ", i-1), 10)
		fmt.Fprintf(&b, "  - &m%d {<<: [%s]}\n", i, strings.TrimSuffix(refs, ", "))
	}
	start := time.Now()
	_, err := parse(t, b.String())
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %v", took)
	}
	if err == nil || !strings.Contains(err.Error(), "document too large") {
		t.Errorf("error %v, want document too large", err)
	}
}

// Problems come in the order of the file, whatever the order of its sections.
func TestDocumentOrder(t *testing.T) {
	doc := `models:
  - name: a
    drift:
      window: 0
  - name: a
alerting:
  receivers:
    - {name: r, type: carrier-pigeon}
server:
  read_timeout: soon
  write_timeout: 0s
storage: {dir: ''}
`
	_, err := parse(t, doc)
	want := `test.yaml: models[0].drift.window: must be > 0 (line 4)
test.yaml: models[1].name: duplicate name "a" (also models[0]) (line 5)
test.yaml: alerting.receivers[0].type: want stdout, file or webhook, got "carrier-pigeon" (line 8)
test.yaml: server.read_timeout: want a duration like 10s, got "soon" (line 10)
test.yaml: server.write_timeout: must be > 0, got 0s (line 11)
test.yaml: storage.dir: required (line 12)`
	if err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
}

// A value that does not decode is reported once, without the complaints its
// default would raise in its place.
func TestNoCascade(t *testing.T) {
	tests := []struct{ doc, want string }{
		{"models: [{name: a, drift: {window: many, every: 5000}}]", `models[0].drift.window: want an integer, got "many" (line 1)`},
		{"models: [{name: a, drift: {window: 200, every: lots}}]", `models[0].drift.every: want an integer, got "lots" (line 1)`},
		{"alerting: {thresholds: {drift: {warning: x, critical: 0.01}}}", `alerting.thresholds.drift.warning: want a number, got "x" (line 1)`},
		{"models: [{name: a, drift: {time_windows: [{type: sliding, size: huge, step: 1h}]}}]", `models[0].drift.time_windows[0].size: want a duration like 10s, got "huge" (line 1)`},
		{"models: [{name: a, drift: 3}]", `models[0].drift: want a mapping, got "3" (line 1)`},
	}
	for _, tc := range tests {
		_, err := parse(t, tc.doc)
		ps := problemsOf(t, err)
		if len(ps) != 1 || ps[0].String() != tc.want {
			t.Errorf("%s:\n%v\nwant %s", tc.doc, ps, tc.want)
		}
	}
}
