package drift_test

import (
	"bytes"
	"compress/gzip"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/drift"
)

// col builds a column: []float64 gives a numeric column (NaN = missing),
// []bool a boolean one, []string a categorical one ("" = missing).
func col(name string, values any) *dataset.Column {
	c := &dataset.Column{Name: name}
	switch v := values.(type) {
	case []float64:
		c.Type = dataset.Numeric
		c.Floats = v
		for _, x := range v {
			switch {
			case math.IsNaN(x):
				c.Missing++
			case math.IsInf(x, 0):
				c.Inf++
			}
		}
		if c.Missing == len(v) {
			c.Type = dataset.Unknown
		}
	case []bool:
		c.Type = dataset.Boolean
		for _, b := range v {
			f := 0.0
			if b {
				f = 1
			}
			c.Floats = append(c.Floats, f)
		}
	case []string:
		c.Type = dataset.Categorical
		idx := map[string]int32{}
		for _, s := range v {
			if s == "" {
				c.Codes = append(c.Codes, -1)
				c.Missing++
				continue
			}
			code, ok := idx[s]
			if !ok {
				code = int32(len(c.Levels))
				idx[s] = code
				c.Levels = append(c.Levels, s)
			}
			c.Codes = append(c.Codes, code)
		}
	default:
		panic("col: unsupported values")
	}
	return c
}

func table(cols ...*dataset.Column) *dataset.Table {
	t := &dataset.Table{Source: "test", Columns: cols}
	if len(cols) > 0 {
		t.Rows = cols[0].Len()
	}
	return t
}

func profile(t testing.TB, tab *dataset.Table) *drift.Profile {
	t.Helper()
	p, err := drift.NewProfile(tab, drift.ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func normals(r *rand.Rand, n int, mean, sd float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = mean + sd*r.NormFloat64()
	}
	return out
}

func categories(r *rand.Rand, n int, values []string, weights []float64) []string {
	var total float64
	for _, w := range weights {
		total += w
	}
	out := make([]string, n)
	for i := range out {
		u := r.Float64() * total
		for j, w := range weights {
			if u < w || j == len(weights)-1 {
				out[i] = values[j]
				break
			}
			u -= w
		}
	}
	return out
}

func bools(r *rand.Rand, n int, p float64) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = r.Float64() < p
	}
	return out
}

// subset keeps the rows for which keep is true.
func subset(t *dataset.Table, keep func(row int) bool) *dataset.Table {
	var rows []int
	for i := range t.Rows {
		if keep(i) {
			rows = append(rows, i)
		}
	}
	out := &dataset.Table{Source: t.Source, Rows: len(rows)}
	for _, c := range t.Columns {
		nc := &dataset.Column{Name: c.Name, Type: c.Type, Levels: c.Levels}
		for _, i := range rows {
			if c.Floats != nil {
				v := c.Floats[i]
				nc.Floats = append(nc.Floats, v)
				if math.IsNaN(v) {
					nc.Missing++
				} else if math.IsInf(v, 0) {
					nc.Inf++
				}
			} else {
				code := c.Codes[i]
				nc.Codes = append(nc.Codes, code)
				if code < 0 {
					nc.Missing++
				}
			}
		}
		out.Columns = append(out.Columns, nc)
	}
	return out
}

// encodedProfile is a small profile as Encode writes it.
func encodedProfile(t *testing.T) *bytes.Buffer {
	t.Helper()
	var good bytes.Buffer
	if err := profile(t, table(col("x", []float64{1, 2, 2, 3}))).Encode(&good); err != nil {
		t.Fatal(err)
	}
	return &good
}

// gz compresses s.
func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}
