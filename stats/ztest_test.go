package stats

import (
	"math"
	"strings"
	"testing"
)

func TestTwoProportionZ(t *testing.T) {
	tests := []struct {
		name           string
		x1, n1, x2, n2 int
		z, p           float64
		wantErr        string
	}{
		// Pooled 75/200 = 0.375; SE = sqrt(0.375*0.625*(2/100)); z = 0.15/SE.
		{name: "textbook", x1: 45, n1: 100, x2: 30, n2: 100,
			z: 0.15 / math.Sqrt(0.375*0.625*0.02), p: math.Erfc(0.15 / math.Sqrt(0.375*0.625*0.02) / math.Sqrt2)},
		{name: "equal proportions", x1: 10, n1: 50, x2: 20, n2: 100, z: 0, p: 1},
		{name: "all failures", x1: 0, n1: 10, x2: 0, n2: 20, z: 0, p: 1},
		{name: "all successes", x1: 10, n1: 10, x2: 20, n2: 20, z: 0, p: 1},
		{name: "n1 zero", x1: 0, n1: 0, x2: 1, n2: 2, wantErr: "group sizes must be positive"},
		{name: "n2 negative", x1: 0, n1: 1, x2: 0, n2: -2, wantErr: "group sizes must be positive"},
		{name: "x1 above n1", x1: 4, n1: 3, x2: 1, n2: 2, wantErr: "x1=4 outside [0, n1=3]"},
		{name: "x2 negative", x1: 1, n1: 3, x2: -1, n2: 2, wantErr: "x2=-1 outside [0, n2=2]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := TwoProportionZ(tc.x1, tc.n1, tc.x2, tc.n2)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.Statistic-tc.z) > 1e-12 || math.Abs(got.PValue-tc.p) > 1e-12 {
				t.Fatalf("got %+v, want z=%v p=%v", got, tc.z, tc.p)
			}
			// Swapping the groups flips the sign of z only.
			back, err := TwoProportionZ(tc.x2, tc.n2, tc.x1, tc.n1)
			if err != nil || back.Statistic != -got.Statistic || back.PValue != got.PValue {
				t.Fatalf("swapped: %+v, %v", back, err)
			}
		})
	}
}

func TestNormalSF(t *testing.T) {
	tests := []struct{ x, want float64 }{
		{0, 0.5},
		{math.Inf(1), 0},
		{math.Inf(-1), 1},
		{1.959963984540054, 0.025},
		{-1.959963984540054, 0.975},
		{37.5, 4.605353009581954e-308}, // scipy's value, just inside the normal float64 range
		{37.7, 0},                      // where cephes' erfc gives up: x^2/2 > MAXLOG
		{40, 0},
	}
	for _, tc := range tests {
		if got := NormalSF(tc.x); math.Abs(got-tc.want) > 1e-12*tc.want {
			t.Errorf("NormalSF(%v) = %.17g, want %v", tc.x, got, tc.want)
		}
	}
	if !math.IsNaN(NormalSF(math.NaN())) {
		t.Error("NormalSF(NaN) is not NaN")
	}
	for _, x := range []float64{0.1, 0.5, 0.7071, 0.75, 1, 3} {
		if s := NormalSF(x) + NormalSF(-x); math.Abs(s-1) > 2e-16 {
			t.Errorf("NormalSF(%v) + NormalSF(-%v) = %.17g", x, x, s)
		}
	}
}
