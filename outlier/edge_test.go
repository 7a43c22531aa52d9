package outlier

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/event"
)

// edgeTable writes n rows of CSV with the given column generators and reads
// them back.
func edgeTable(t *testing.T, n int, cols map[string]func(i int, r *rand.Rand) string) *dataset.Table {
	t.Helper()
	names := make([]string, 0, len(cols))
	for name := range cols {
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString(strings.Join(names, ",") + "\n")
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		for j, name := range names {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(cols[name](i, r))
		}
		b.WriteByte('\n')
	}
	tab, err := dataset.Read(strings.NewReader(b.String()), "edge.csv", dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestEdgeReferences(t *testing.T) {
	normal := func(_ int, r *rand.Rand) string { return fmt.Sprintf("%.3f", r.NormFloat64()) }
	colour := func(_ int, r *rand.Rand) string { return []string{"red", "green", "blue"}[r.IntN(3)] }
	cases := []struct {
		name    string
		cols    map[string]func(int, *rand.Rand) string
		input   []event.Feature
		anomaly bool
		reason  string
	}{
		{
			name:    "categorical only, unseen level",
			cols:    map[string]func(int, *rand.Rand) string{"colour": colour},
			input:   []event.Feature{{Name: "colour", Value: event.StringValue("mauve")}},
			anomaly: true, reason: ReasonUnseenCategory,
		},
		{
			name:  "categorical only, usual level",
			cols:  map[string]func(int, *rand.Rand) string{"colour": colour},
			input: []event.Feature{{Name: "colour", Value: event.StringValue("red")}},
		},
		{
			name:    "constant column changes",
			cols:    map[string]func(int, *rand.Rand) string{"x": normal, "version": func(int, *rand.Rand) string { return "3" }},
			input:   []event.Feature{{Name: "x", Value: event.NumberValue(0.1)}, {Name: "version", Value: event.NumberValue(4)}},
			anomaly: true, reason: ReasonAboveRange,
		},
		{
			name: "half missing column",
			cols: map[string]func(int, *rand.Rand) string{"x": normal, "y": func(i int, r *rand.Rand) string {
				if i%2 == 0 {
					return ""
				}
				return normal(i, r)
			}},
			input: []event.Feature{{Name: "x", Value: event.NumberValue(0.3)}, {Name: "y", Value: event.NumberValue(-0.2)}},
		},
		{
			name: "infinities in the reference",
			cols: map[string]func(int, *rand.Rand) string{"x": func(i int, r *rand.Rand) string {
				if i%97 == 0 {
					return "inf"
				}
				return normal(i, r)
			}, "y": normal},
			input:   []event.Feature{{Name: "x", Value: event.NumberValue(40)}, {Name: "y", Value: event.NumberValue(0)}},
			anomaly: true, reason: ReasonAboveRange,
		},
		{
			name: "sparse feature",
			cols: map[string]func(int, *rand.Rand) string{"x": normal, "events": func(_ int, r *rand.Rand) string {
				if r.IntN(50) == 0 {
					return fmt.Sprint(1 + r.IntN(3))
				}
				return "0"
			}},
			input: []event.Feature{{Name: "x", Value: event.NumberValue(0)}, {Name: "events", Value: event.NumberValue(2)}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Fit(edgeTable(t, 3000, c.cols), Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			v, err := d.Score(c.input)
			if err != nil {
				t.Fatal(err)
			}
			if v.Anomaly != c.anomaly || math.IsNaN(v.Score) {
				t.Errorf("Anomaly %v (score %v), want %v; reasons %+v", v.Anomaly, v.Score, c.anomaly, v.Reasons)
			}
			if c.reason != "" && !slices.ContainsFunc(v.Reasons, func(r Reason) bool { return r.Kind == c.reason }) {
				t.Errorf("no %s reason in %+v", c.reason, v.Reasons)
			}
			data, err := d.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var back Detector
			if err := back.UnmarshalBinary(data); err != nil {
				t.Fatal(err)
			}
			if w, err := back.Score(c.input); err != nil || w.Score != v.Score {
				t.Errorf("after a round trip: %v, %v", w.Score, err)
			}
		})
	}
}
