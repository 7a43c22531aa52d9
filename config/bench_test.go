package config_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/warden-ml/warden/config"
)

// Parsing is on the start-up path only, but a large deployment lists many
// models; this measures the documented example and a file of 500 models.
func BenchmarkParse(b *testing.B) {
	full, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		b.Fatal(err)
	}
	var many strings.Builder
	many.WriteString("models:\n")
	for i := range 500 {
		fmt.Fprintf(&many, "  - name: model_%d\n    reference: data/m%d.csv\n    columns: [a, b, c]\n    drift: {window: 500, every: 50, min_events: 50}\n", i, i)
	}
	for _, bc := range []struct {
		name string
		data []byte
	}{{"full", full}, {"500models", []byte(many.String())}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.data)))
			for b.Loop() {
				if _, err := config.Parse(bc.data, "bench.yaml", "/etc/warden"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Thresholds is looked up for every finding the alert manager grades.
func BenchmarkModelThresholds(b *testing.B) {
	c := config.Default()
	m := config.DefaultModel()
	m.ThresholdOverrides = map[string]config.Thresholds{"drift": {Warning: 0.2, Critical: 0.4}}
	var sink config.Thresholds
	for b.Loop() {
		sink = m.Thresholds("drift", c.Alerting.Thresholds)
		sink = m.Thresholds("adversarial", c.Alerting.Thresholds)
	}
	_ = sink
}
