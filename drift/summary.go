package drift

import (
	"math"
	"strconv"

	"github.com/warden-ml/warden/dataset"
)

// Summary describes one side of a column: *NumericSummary or
// *CategoricalSummary.
type Summary interface{ isSummary() }

// NumericSummary describes the finite values of a numeric column. Count is
// the number of finite values; the statistics are null when there are none
// (and Std when there is only one).
type NumericSummary struct {
	Count   int    `json:"count"`
	Missing int    `json:"missing"`
	Inf     int    `json:"inf"`
	Mean    Number `json:"mean"`
	Std     Number `json:"std"`
	Min     Number `json:"min"`
	P05     Number `json:"p05"`
	P50     Number `json:"p50"`
	P95     Number `json:"p95"`
	Max     Number `json:"max"`
}

// CategoricalSummary describes a categorical or boolean column: how many
// values are present and the most frequent ones with their shares.
type CategoricalSummary struct {
	Count   int     `json:"count"`
	Missing int     `json:"missing"`
	Top     []Share `json:"top"`
}

// Share is a value's share of the non-missing values.
type Share struct {
	Value string  `json:"value"`
	Share float64 `json:"share"`
}

func (*NumericSummary) isSummary()     {}
func (*CategoricalSummary) isSummary() {}

// Number is a float64 that encodes NaN (no value) as JSON null.
type Number float64

func (n Number) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// topCategories is how many values a categorical summary lists.
const topCategories = 5

func summarize(c *ColumnProfile) Summary {
	switch c.Type {
	case dataset.Categorical:
		s := &CategoricalSummary{Missing: c.Missing, Top: []Share{}}
		for _, cat := range c.Categories {
			s.Count += cat.Count
		}
		for _, cat := range c.Categories[:min(topCategories, len(c.Categories))] {
			s.Top = append(s.Top, Share{Value: cat.Value, Share: float64(cat.Count) / float64(s.Count)})
		}
		return s
	case dataset.Boolean:
		n := len(c.Values)
		ones := n - countAtMost(c.Values, 0)
		s := &CategoricalSummary{Count: n, Missing: c.Missing, Top: []Share{}}
		if n > 0 {
			t, f := Share{"true", float64(ones) / float64(n)}, Share{"false", float64(n-ones) / float64(n)}
			if ones >= n-ones {
				s.Top = append(s.Top, t, f)
			} else {
				s.Top = append(s.Top, f, t)
			}
		}
		return s
	}
	return numericSummary(c)
}

func numericSummary(c *ColumnProfile) *NumericSummary {
	v := c.Values
	nan := Number(math.NaN())
	s := &NumericSummary{Count: len(v), Missing: c.Missing, Inf: c.Inf,
		Mean: nan, Std: nan, Min: nan, P05: nan, P50: nan, P95: nan, Max: nan}
	if len(v) == 0 {
		return s
	}
	mean, std := meanStd(v)
	s.Mean, s.Std = Number(mean), Number(std)
	s.Min, s.Max = Number(v[0]), Number(v[len(v)-1])
	s.P05, s.P50, s.P95 = Number(quantile(v, 0.05)), Number(quantile(v, 0.5)), Number(quantile(v, 0.95))
	return s
}

// meanStd returns the mean and the sample standard deviation (n-1, as
// pandas), computed in two passes for accuracy; std is NaN for one value.
func meanStd(v []float64) (mean, std float64) {
	var sum float64
	for _, x := range v {
		sum += x
	}
	mean = sum / float64(len(v))
	if len(v) < 2 {
		return mean, math.NaN()
	}
	var ss, comp float64
	for _, x := range v {
		d := x - mean
		ss += d * d
		comp += d
	}
	n := float64(len(v))
	return mean, math.Sqrt((ss - comp*comp/n) / (n - 1))
}

// quantile is the linearly interpolated q-quantile of sorted values, numpy's
// default method.
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	frac := pos - float64(i)
	return sorted[i] + frac*(sorted[i+1]-sorted[i])
}

// countAtMost counts sorted values <= x.
func countAtMost(sorted []float64, x float64) int {
	lo, hi := 0, len(sorted)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if sorted[m] <= x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
