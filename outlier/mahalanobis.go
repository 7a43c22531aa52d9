package outlier

import (
	"errors"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/warden-ml/warden/internal/fsort"
)

// mahalanobis scores the distance of a robustly scaled row from the bulk of
// the reference under a covariance frozen at fit time.
type mahalanobis struct {
	dim    int
	center []float64
	// whiten is L⁻¹ (row-major, lower triangular) where Σ = L·Lᵀ, so the
	// squared distance is |L⁻¹(x-μ)|².
	whiten []float64
}

const (
	mcdSubset   = 0.75 // share of rows the trimmed estimate keeps
	mcdMaxSteps = 30
)

// fitMahalanobis estimates a robust centre and covariance of the n×dim
// row-major matrix z in the spirit of the Minimum Regularized Covariance
// Determinant (Boudt, Rousseeuw, Vanduffel and Verdonck, 2020): concentration
// steps (Rousseeuw and Van Driessen's FAST-MCD C-steps) keep the 75% of rows
// closest under the current estimate, the covariance is shrunk towards the
// identity (the features are already robustly scaled, so the identity is their
// marginal robust variance) which keeps it invertible with discrete features
// or more features than rows, a median correction makes it consistent, and a
// reweighting step drops rows beyond the chi-square 97.5% quantile.
func fitMahalanobis(z []float64, n, dim int, shrink float64) (mahalanobis, error) {
	if n < 2 || dim < 1 {
		return mahalanobis{}, errors.New("too few rows for a covariance")
	}
	h := max(int(math.Ceil(mcdSubset*float64(n))), min(n, dim+1))
	d2 := make([]float64, n)
	// Start from the rows nearest the coordinate-wise median (the origin of
	// the scaled space), the deterministic start of DetMCD.
	for i := range n {
		var s float64
		for _, v := range z[i*dim : (i+1)*dim] {
			s += v * v
		}
		d2[i] = s
	}
	keep := make([]bool, n)
	selectSmallest(d2, h, keep)
	m := mahalanobis{dim: dim}
	var err error
	prevObjective := math.Inf(1)
	for range mcdMaxSteps {
		center, cov := weightedMoments(z, n, dim, keep)
		regularise(cov, shrink)
		if m, err = newMahalanobis(center, cov); err != nil {
			return mahalanobis{}, err
		}
		objective := 0.0
		for i := range n {
			d2[i] = m.distance2(z[i*dim : (i+1)*dim])
		}
		selectSmallest(d2, h, keep)
		for i, k := range keep {
			if k {
				objective += d2[i]
			}
		}
		// C-steps never increase the determinant; the trimmed sum of
		// distances stops changing when the subset does.
		if objective >= prevObjective*(1-1e-9) {
			break
		}
		prevObjective = objective
	}
	// Consistency: scale so that the median distance matches the
	// chi-square median, then reweight.
	center, cov := weightedMoments(z, n, dim, keep)
	regularise(cov, shrink)
	factor := medianDistanceFactor(z, n, dim, center, cov, d2)
	cutoff := chi2Quantile(dim, 0.975)
	for i := range n {
		keep[i] = d2[i]/factor <= cutoff
	}
	center, cov = weightedMoments(z, n, dim, keep)
	regularise(cov, shrink)
	factor = medianDistanceFactor(z, n, dim, center, cov, d2)
	cov.ScaleSym(factor, cov)
	if m, err = newMahalanobis(center, cov); err != nil {
		return mahalanobis{}, err
	}
	return m, nil
}

// selectSmallest marks the h rows with the smallest d2.
func selectSmallest(d2 []float64, h int, keep []bool) {
	sorted := slices.Clone(d2)
	fsort.Sort(sorted)
	limit := sorted[h-1]
	taken := 0
	for i, v := range d2 {
		keep[i] = v < limit
		if keep[i] {
			taken++
		}
	}
	// Ties at the limit fill the subset up to h exactly, in row order.
	for i, v := range d2 {
		if taken >= h {
			break
		}
		if v == limit {
			keep[i] = true
			taken++
		}
	}
}

// weightedMoments returns the mean and covariance of the kept rows.
func weightedMoments(z []float64, n, dim int, keep []bool) ([]float64, *mat.SymDense) {
	center := make([]float64, dim)
	count := 0
	for i := range n {
		if !keep[i] {
			continue
		}
		count++
		for j, v := range z[i*dim : (i+1)*dim] {
			center[j] += v
		}
	}
	for j := range center {
		center[j] /= float64(max(count, 1))
	}
	acc := make([]float64, dim*dim)
	dev := make([]float64, dim)
	for i := range n {
		if !keep[i] {
			continue
		}
		for j, v := range z[i*dim : (i+1)*dim] {
			dev[j] = v - center[j]
		}
		for a := range dim {
			da := dev[a]
			row := acc[a*dim : a*dim+a+1]
			for b := range row {
				row[b] += da * dev[b]
			}
		}
	}
	cov := mat.NewSymDense(dim, nil)
	denom := float64(max(count-1, 1))
	for a := range dim {
		for b := 0; b <= a; b++ {
			cov.SetSym(a, b, acc[a*dim+b]/denom)
		}
	}
	return center, cov
}

// regularise shrinks cov towards the identity: (1-α)Σ + αI.
func regularise(cov *mat.SymDense, alpha float64) {
	dim := cov.SymmetricDim()
	cov.ScaleSym(1-alpha, cov)
	for i := range dim {
		cov.SetSym(i, i, cov.At(i, i)+alpha)
	}
}

// medianDistanceFactor returns median(d²)/χ²_dim(0.5) under (center, cov),
// leaving the distances in d2.
func medianDistanceFactor(z []float64, n, dim int, center []float64, cov *mat.SymDense, d2 []float64) float64 {
	m, err := newMahalanobis(center, cov)
	if err != nil {
		return 1
	}
	for i := range n {
		d2[i] = m.distance2(z[i*dim : (i+1)*dim])
	}
	sorted := slices.Clone(d2)
	fsort.Sort(sorted)
	med := quantileSorted(sorted, 0.5)
	if !(med > 0) {
		return 1
	}
	return med / chi2Quantile(dim, 0.5)
}

func newMahalanobis(center []float64, cov *mat.SymDense) (mahalanobis, error) {
	dim := len(center)
	var chol mat.Cholesky
	if !chol.Factorize(cov) {
		return mahalanobis{}, errors.New("robust covariance is not positive definite")
	}
	var l, inv mat.TriDense
	chol.LTo(&l)
	if err := inv.InverseTri(&l); err != nil {
		return mahalanobis{}, errors.New("robust covariance is singular")
	}
	w := make([]float64, dim*dim)
	for i := range dim {
		for j := 0; j <= i; j++ {
			w[i*dim+j] = inv.At(i, j)
		}
	}
	return mahalanobis{dim: dim, center: slices.Clone(center), whiten: w}, nil
}

// distance2 is the squared Mahalanobis distance of row.
func (m *mahalanobis) distance2(row []float64) float64 {
	var total float64
	for i := range m.dim {
		w := m.whiten[i*m.dim : i*m.dim+i+1]
		var s float64
		for j, c := range w {
			s += c * (row[j] - m.center[j])
		}
		total += s * s
	}
	return total
}

// contributions writes each feature's part of the squared distance,
// (x-μ)ᵢ·(Σ⁻¹(x-μ))ᵢ, which sums to d²; negative parts (a feature that
// makes the row look more typical given the others) are reported as zero.
// white is scratch of length dim.
func (m *mahalanobis) contributions(row, white, out []float64) {
	dim := m.dim
	for i := range dim {
		w := m.whiten[i*dim : i*dim+i+1]
		var s float64
		for j, c := range w {
			s += c * (row[j] - m.center[j])
		}
		white[i] = s
	}
	for i := range dim {
		var s float64
		for j := i; j < dim; j++ {
			s += m.whiten[j*dim+i] * white[j]
		}
		out[i] = max(0, (row[i]-m.center[i])*s)
	}
}
