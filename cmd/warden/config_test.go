package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warden-ml/warden/config"
)

// runConfig runs `warden config ARGS...` in process, as main would.
func runConfig(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"config"}, args...), &out, &errb)
	return result{code, out.String(), errb.String()}
}

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ref.csv"), []byte("a\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := writeFile(t, dir, "good.yaml", "models:\n  - name: fraud_detection_v2\n    reference: ref.csv\n")
	two := writeFile(t, dir, "two.yaml", "models: [{name: a}, {name: b}]\n")
	empty := writeFile(t, dir, "empty.yaml", "")
	bad := writeFile(t, dir, "bad.yaml", `server:
  read_timeout: ten
models:
  - name: a
    reference: missing.csv
    drfit: {window: 10}
  - name: a
`)
	broken := writeFile(t, dir, "broken.yaml", "server:\n  addr: a: b\n")

	tests := []struct {
		name       string
		args       []string
		code       int
		wantStderr []string // each must appear, in this order, one per line
	}{
		{"ok", []string{"check", good}, 0, []string{good + ": ok (1 model)"}},
		{"two models", []string{"check", two}, 0, []string{two + ": ok (2 models)"}},
		{"empty file", []string{"check", empty}, 0, []string{empty + ": ok (0 models)"}},
		{"every problem", []string{"check", bad}, 2, []string{
			bad + `: server.read_timeout: want a duration like 10s, got "ten" (line 2)`,
			bad + ": models[0].reference: file not found: " + filepath.Join(dir, "missing.csv") + " (line 5)",
			bad + ": models[0].drfit: unknown field, did you mean drift? (line 6)",
			bad + `: models[1].name: duplicate name "a" (also models[0]) (line 7)`,
		}},
		{"syntax", []string{"check", broken}, 2, []string{broken + ": line 2, column 10: mapping values are not allowed in this context"}},
		{"missing file", []string{"check", filepath.Join(dir, "nope.yaml")}, 2, []string{"no such file"}},
		{"no file", []string{"check"}, 2, nil},
		{"two files", []string{"check", good, good}, 2, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runConfig(t, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tc.code, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			if len(tc.wantStderr) > 1 && len(lines) != len(tc.wantStderr) {
				t.Errorf("stderr has %d lines, want %d:\n%s", len(lines), len(tc.wantStderr), r.stderr)
			}
			for i, w := range tc.wantStderr {
				if i >= len(lines) || !strings.Contains(lines[i], w) {
					t.Errorf("stderr line %d: want %q in:\n%s", i+1, w, r.stderr)
				}
			}
		})
	}
}

func TestConfigShow(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "w.yaml", "server: {addr: ':9000'}\nmodels: [{name: m}]\n")

	r := runConfig(t, "show", file)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	c, err := config.Parse([]byte(r.stdout), "shown.yaml", dir)
	if err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, r.stdout)
	}
	if c.Server.Addr != ":9000" || len(c.Models) != 1 || c.Models[0].Drift.Window != 1000 || c.Server.ReadTimeout == 0 {
		t.Errorf("shown configuration %+v", c)
	}

	// Without a file: the defaults.
	r = runConfig(t, "show")
	want, err := config.Default().YAML()
	if err != nil {
		t.Fatal(err)
	}
	if r.code != 0 || r.stdout != string(want) {
		t.Errorf("show without a file: exit %d\n%s\nwant\n%s", r.code, r.stdout, want)
	}

	bad := writeFile(t, dir, "bad.yaml", "models: [{name: 'a b'}]\n")
	if r := runConfig(t, "show", bad); r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "models[0].name") {
		t.Errorf("show of an invalid file: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
