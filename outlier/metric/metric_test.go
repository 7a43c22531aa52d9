package metric

import (
	"math"
	"testing"
)

func TestROCAUC(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name     string
		scores   []float64
		positive []bool
		want     float64
	}{
		{"perfect", []float64{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}, 1},
		{"reversed", []float64{0.9, 0.8, 0.2, 0.1}, []bool{false, false, true, true}, 0},
		// Pairs (p, n): (0.5, 0.1) win, (0.5, 0.5) tie, (0.9, 0.1) win,
		// (0.9, 0.5) win: 3.5 of 4.
		{"one tie", []float64{0.1, 0.5, 0.5, 0.9}, []bool{false, false, true, true}, 3.5 / 4},
		{"all tied", []float64{1, 1, 1, 1}, []bool{true, false, true, false}, 0.5},
		// NaN ranks lowest: the NaN positive loses to both negatives.
		{"NaN positive", []float64{nan, 0.2, 0.3, 0.9}, []bool{true, false, false, true}, 2.0 / 4},
		{"NaN negative", []float64{nan, nan, 0.3, 0.9}, []bool{false, false, true, true}, 1},
		{"no positives", []float64{0.1, 0.2}, []bool{false, false}, 0.5},
		{"lengths differ", []float64{0.1, 0.2}, []bool{true}, 0.5},
		{"empty", nil, nil, 0.5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ROCAUC(c.scores, c.positive); math.Abs(got-c.want) > 1e-12 {
				t.Errorf("ROCAUC = %v, want %v", got, c.want)
			}
		})
	}
}

func TestRecallAtFPR(t *testing.T) {
	// 100 negatives scoring 0..99; the 0.99 quantile is the score at rank
	// 99 of 100 (ascending, from 0), that is 99, so only scores above 99
	// count, and at FPR 0.05 the limit is 95.
	neg := make([]float64, 100)
	for i := range neg {
		neg[i] = float64(i)
	}
	with := func(pos ...float64) ([]float64, []bool) {
		scores := append(append([]float64{}, neg...), pos...)
		positive := make([]bool, len(scores))
		for i := len(neg); i < len(scores); i++ {
			positive[i] = true
		}
		return scores, positive
	}
	cases := []struct {
		name string
		pos  []float64
		fpr  float64
		want float64
	}{
		{"above all", []float64{100, 200}, 0.01, 1},
		{"at the limit does not count", []float64{99, 150}, 0.01, 0.5},
		{"wider rate", []float64{96, 95, 50}, 0.05, 1.0 / 3},
		{"NaN never counts", []float64{math.NaN(), 120}, 0.01, 0.5},
		{"none", []float64{1, 2}, 0.01, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			scores, positive := with(c.pos...)
			if got := RecallAtFPR(scores, positive, c.fpr); math.Abs(got-c.want) > 1e-12 {
				t.Errorf("RecallAtFPR = %v, want %v", got, c.want)
			}
		})
	}
	if got := RecallAtFPR([]float64{1, 2}, []bool{true, true}, 0.01); got != 0 {
		t.Errorf("without negatives: %v, want 0", got)
	}
}
