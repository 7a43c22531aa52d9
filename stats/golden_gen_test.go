package stats

import (
	"fmt"
	"math"
)

// The golden KS cases record how to regenerate their samples rather than the samples
// themselves. sampleSpec and generate are the Go half of a generator written identically in
// scripts/golden/stats_golden.py: SplitMix64 (Steele, Lea & Flood, "Fast splittable
// pseudorandom number generators", OOPSLA 2014), uniforms k/2^53 from the top 53 bits, and
// only exactly rounded operations (+ - * / floor) to shape them, so both languages produce
// bit-identical samples. Products are wrapped in float64() so the compiler may not fuse them
// into a multiply-add, which Python never does.

// sampleSpec describes one generated sample.
type sampleSpec struct {
	Seed  uint64  `json:"seed"`
	N     int     `json:"n"`
	Dist  string  `json:"dist"`  // uniform, normal, square, pareto or seq
	Scale float64 `json:"scale"` // value = t*scale + shift
	Shift float64 `json:"shift"`
	Grid  float64 `json:"grid"` // > 0: round to the nearest multiple of grid, making ties
}

func (s sampleSpec) String() string {
	return fmt.Sprintf("{seed=%d n=%d dist=%s scale=%v shift=%v grid=%v}", s.Seed, s.N, s.Dist, s.Scale, s.Shift, s.Grid)
}

type splitMix64 struct{ state uint64 }

func (r *splitMix64) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// uniform returns k/2^53 for a uniformly random 53-bit k: in [0, 1), exactly representable.
func (r *splitMix64) uniform() float64 {
	return float64(r.next()>>11) * 0x1p-53
}

// generate returns the sample described by s.
func generate(s sampleSpec) ([]float64, error) {
	if s.N < 0 {
		return nil, fmt.Errorf("sample %v: negative size", s)
	}
	r := splitMix64{s.Seed}
	out := make([]float64, s.N)
	for i := range out {
		var t float64
		switch s.Dist {
		case "uniform":
			t = r.uniform()
		case "normal":
			// Irwin-Hall: the sum of 12 uniforms minus 6 has mean 0, variance 1.
			t = r.uniform()
			for k := 1; k < 12; k++ {
				t += r.uniform()
			}
			t -= 6
		case "square":
			u := r.uniform()
			t = float64(u * u)
		case "pareto":
			t = 1 / (1 - r.uniform())
		case "seq":
			t = float64(i)
		default:
			return nil, fmt.Errorf("sample %v: unknown distribution %q", s, s.Dist)
		}
		v := float64(t*s.Scale) + s.Shift
		if s.Grid > 0 {
			v = float64(math.Floor(v/s.Grid+0.5) * s.Grid)
		}
		out[i] = v
	}
	return out, nil
}
