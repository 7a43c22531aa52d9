package config_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/warden-ml/warden/config"
)

// FuzzParse checks that no input panics, that every failure is one of the
// two documented error types with something to say, and that whatever
// parses survives being written out and read back.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"a: b: c",
		"models: [{name: a, drift: &d {window: 10, every: 5, min_events: 5}}, {name: b, drift: {<<: *d, every: 2}}]",
		"alerting: {receivers: [{name: s, type: webhook, url: 'https://x', secret: k}]}",
		"models: [{name: a, thresholds: {drift: {warning: 0.2}}}]\nalerting: {thresholds: {drift: {critical: 0.9}}}",
		"server: {max_body_bytes: 1000001, addr: '[::1]:0'}\n---\n",
		"models: [{name: a, columns: ['1e300', '.nan', '\\0']}]",
		"storage: {dir: ../../x}\nalerting: {receivers: [{name: f, type: file, path: ../../../y}]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := config.Parse(data, "fuzz.yaml", "/etc/warden")
		if err != nil {
			var (
				ve *config.ValidationError
				se *config.SyntaxError
			)
			switch {
			case errors.As(err, &ve):
				if len(ve.Problems) == 0 {
					t.Fatal("ValidationError without problems")
				}
				for _, p := range ve.Problems {
					if p.Msg == "" {
						t.Fatalf("problem without a message: %+v", p)
					}
				}
			case errors.As(err, &se):
				if se.Line < 1 || se.Msg == "" {
					t.Fatalf("syntax error without a place or message: %+v", se)
				}
			default:
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted what Validate rejects: %v", err)
		}
		out, err := c.YAML()
		if err != nil {
			t.Fatalf("YAML: %v", err)
		}
		back, err := config.Parse(out, "effective.yaml", c.Dir)
		if err != nil {
			t.Fatalf("YAML() output does not parse:\n%s\n%v", out, err)
		}
		for i := range c.Alerting.Receivers {
			if c.Alerting.Receivers[i].Secret != "" {
				c.Alerting.Receivers[i].Secret = "<redacted>"
			}
		}
		if !reflect.DeepEqual(back, c) {
			t.Fatalf("round trip changed the configuration:\n%s\n%+v\n%+v", out, c, back)
		}
		again, err := back.YAML()
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("YAML is not stable:\n%s\n%s", out, again)
		}
	})
}
