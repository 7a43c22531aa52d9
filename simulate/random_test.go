package simulate

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSamplers checks each sampler's mean and variance against the
// distribution's, within five standard errors of the estimates.
func TestSamplers(t *testing.T) {
	const n = 200_000
	tests := []struct {
		name           string
		draw           func(*rand.Rand) float64
		mean, variance float64
	}{
		{"poisson 0.3", func(r *rand.Rand) float64 { return float64(poisson(r, 0.3)) }, 0.3, 0.3},
		{"poisson 4 (inversion)", func(r *rand.Rand) float64 { return float64(poisson(r, 4)) }, 4, 4},
		{"poisson 10 (rejection)", func(r *rand.Rand) float64 { return float64(poisson(r, 10)) }, 10, 10},
		{"poisson 250", func(r *rand.Rand) float64 { return float64(poisson(r, 250)) }, 250, 250},
		{"gamma 0.7", func(r *rand.Rand) float64 { return gamma(r, 0.7, 200) }, 0.7 * 200, 0.7 * 200 * 200},
		{"gamma 1.3", func(r *rand.Rand) float64 { return gamma(r, 1.3, 850) }, 1.3 * 850, 1.3 * 850 * 850},
		{"gamma 9", func(r *rand.Rand) float64 { return gamma(r, 9, 0.5) }, 4.5, 9 * 0.25},
		{"negative binomial", func(r *rand.Rand) float64 { return float64(negBinomial(r, 3, 2)) }, 3, 3 + 9.0/2},
		{"log-normal", func(r *rand.Rand) float64 { return logNormal(r, 100, 0.5) }, 100 * math.Exp(0.125), 100 * 100 * (math.Exp(0.25) - 1) * math.Exp(0.25)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newStream(1, 99)
			var sum, sumSq float64
			for range n {
				x := tt.draw(r)
				if x < 0 || math.IsNaN(x) {
					t.Fatalf("drew %v", x)
				}
				sum += x
				sumSq += x * x
			}
			mean := sum / n
			variance := sumSq/n - mean*mean
			if se := math.Sqrt(tt.variance / n); math.Abs(mean-tt.mean) > 5*se {
				t.Errorf("mean %.4f, want %.4f ± %.4f", mean, tt.mean, 5*se)
			}
			// The variance estimate is noisier, more so for skewed laws: 10%.
			if math.Abs(variance-tt.variance) > 0.1*tt.variance {
				t.Errorf("variance %.4f, want %.4f", variance, tt.variance)
			}
		})
	}
}

func TestStreamsDiffer(t *testing.T) {
	first := map[uint64]string{}
	for _, seed := range []uint64{0, 1, 2} {
		for _, stream := range []uint64{streamReference, streamFeatures, streamArrivals, streamDriftBase} {
			v := newStream(seed, stream).Uint64()
			if _, dup := first[v]; dup {
				t.Fatalf("seed %d stream %d starts like another stream", seed, stream)
			}
			first[v] = ""
		}
	}
}

func TestColumnsAndFeatureSet(t *testing.T) {
	cols := Columns()
	cols[0].Name = "changed"
	if Columns()[0].Name != ColTransactionAmount {
		t.Error("Columns shares its slice with callers")
	}
	var all FeatureSet
	for i, c := range Columns() {
		f, ok := FeatureByName(c.Name)
		if isFeature := i < numFeatures; ok != isFeature {
			t.Errorf("FeatureByName(%q) ok = %v, want %v", c.Name, ok, isFeature)
		}
		if ok {
			if all.Has(f) || f.String() != c.Name {
				t.Errorf("feature %q: bit %b, String %q", c.Name, f, f.String())
			}
			all |= f
		}
	}
	if got := (FeatureHour | FeatureCardPresent).String(); got != "hour|card_present" {
		t.Errorf("String = %q", got)
	}
	if !all.Has(FeatureHour|FeatureNumTxLast24h) || FeatureHour.Has(FeatureHour|FeatureCardPresent) {
		t.Error("Has does not test for every feature of its argument")
	}
}
