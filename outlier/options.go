package outlier

import (
	"fmt"
	"math"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/outlier/iforest"
)

// Options control Fit. Zero fields take the defaults of DefaultOptions.
type Options struct {
	// FPR is the share of reference-like inputs the detector may flag:
	// an input is an anomaly when its combined p-value is below FPR.
	FPR float64
	// Contamination is the share of the reference believed to be outliers
	// (0 to 0.25). The calibration then ignores that share of held-out rows
	// with the highest combined statistic, so that FPR is a rate on the
	// normal-ish rest. 0 trusts the whole reference as normal.
	Contamination float64
	// Exclude names reference columns that are not model inputs (the label,
	// the model's own score, identifiers).
	Exclude []string
	// Seed makes the calibration split, the samples and the forest
	// reproducible.
	Seed uint64
	// Holdout is the share of reference rows kept out of fitting and used to
	// calibrate the scores.
	Holdout float64
	// Forest configures the isolation forest; its Seed is derived from Seed.
	Forest iforest.Options
	// Neighbours is k of the k-nearest-neighbour distance.
	Neighbours int
	// NeighbourSample is the number of reference rows (a deterministic,
	// uniform sample of the fitting rows) the neighbour distance is measured
	// against. It is small on purpose, as the isolation forest's subsample
	// is: against a small sample the k nearest rows span a fixed share of the
	// reference (Neighbours/NeighbourSample, 1/16 by default) whatever its
	// size, so the score measures density at a scale where the outliers of a
	// contaminated reference, which often come in small groups, cannot be
	// one another's neighbours and hide one another (Zimek, Gaudet, Campello
	// and Sander, 2013, on subsampling for outlier detection). It also bounds
	// the cost of one score: with more than 32 features the sample is lowered
	// further, to about 8192 values (rows × features) and at least 128 rows,
	// so that a search stays within the latency budget even when it has to
	// visit every row.
	NeighbourSample int
	// Shrinkage pulls the robust covariance towards the identity of the
	// robustly scaled features, which keeps it invertible with few rows or
	// discrete features. 0 chooses it from the shape of the data:
	// dim/(dim + rows used), at least 0.05, so that the estimate leans on the
	// identity when there are many features for the rows.
	Shrinkage float64
	// RangeMargin widens each numeric feature's [q0.5%, q99.5%] range by this
	// many interquartile ranges on both sides.
	RangeMargin float64
	// MinCategoryShare is the reference share below which a category is
	// reported as rare.
	MinCategoryShare float64
	// Severity grades flagged inputs by their isolation score.
	Severity alert.Thresholds
}

// DefaultOptions returns the defaults: flag 0.5% of normal traffic.
func DefaultOptions() Options {
	return Options{
		FPR:              0.005,
		Holdout:          0.25,
		Forest:           iforest.Options{Trees: 100, SampleSize: 256},
		Neighbours:       16,
		NeighbourSample:  256,
		RangeMargin:      1.5,
		MinCategoryShare: 0.001,
		Severity:         alert.Thresholds{Warning: 0.5, Critical: 0.8},
	}
}

// withDefaults fills zero fields from DefaultOptions.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.FPR == 0 {
		o.FPR = d.FPR
	}
	if o.Holdout == 0 {
		o.Holdout = d.Holdout
	}
	if o.Forest.Trees == 0 {
		o.Forest.Trees = d.Forest.Trees
	}
	if o.Forest.SampleSize == 0 {
		o.Forest.SampleSize = d.Forest.SampleSize
	}
	if o.Neighbours == 0 {
		o.Neighbours = d.Neighbours
	}
	if o.NeighbourSample == 0 {
		o.NeighbourSample = d.NeighbourSample
	}
	if o.RangeMargin == 0 {
		o.RangeMargin = d.RangeMargin
	}
	if o.MinCategoryShare == 0 {
		o.MinCategoryShare = d.MinCategoryShare
	}
	if o.Severity == (alert.Thresholds{}) {
		o.Severity = d.Severity
	}
	return o
}

// Validate reports the first setting that is out of range. Zero values are
// valid: they select the defaults.
func (o Options) Validate() error {
	o = o.withDefaults()
	switch {
	case !(o.FPR > 0 && o.FPR < 0.5):
		return fmt.Errorf("outlier options: FPR %v: want 0 < FPR < 0.5", o.FPR)
	case !(o.Contamination >= 0 && o.Contamination <= 0.25):
		return fmt.Errorf("outlier options: Contamination %v: want 0 <= Contamination <= 0.25", o.Contamination)
	case !(o.Holdout >= 0.05 && o.Holdout <= 0.5):
		return fmt.Errorf("outlier options: Holdout %v: want 0.05 <= Holdout <= 0.5", o.Holdout)
	case o.Forest.Trees < 1 || o.Forest.Trees > 10000:
		return fmt.Errorf("outlier options: Forest.Trees %d: want 1..10000", o.Forest.Trees)
	case o.Forest.SampleSize < 2 || o.Forest.SampleSize > 1<<20:
		return fmt.Errorf("outlier options: Forest.SampleSize %d: want 2..%d", o.Forest.SampleSize, 1<<20)
	case o.Forest.Workers < 0:
		return fmt.Errorf("outlier options: Forest.Workers %d: want >= 0", o.Forest.Workers)
	case o.Forest.ExtensionLevel < 0:
		return fmt.Errorf("outlier options: Forest.ExtensionLevel %d: want >= 0", o.Forest.ExtensionLevel)
	case o.Neighbours < 1 || o.Neighbours > 100:
		return fmt.Errorf("outlier options: Neighbours %d: want 1..100", o.Neighbours)
	case o.NeighbourSample < o.Neighbours || o.NeighbourSample > 1<<20:
		return fmt.Errorf("outlier options: NeighbourSample %d: want Neighbours (%d)..%d", o.NeighbourSample, o.Neighbours, 1<<20)
	case !(o.Shrinkage >= 0 && o.Shrinkage <= 1):
		return fmt.Errorf("outlier options: Shrinkage %v: want 0 (automatic) to 1", o.Shrinkage)
	case !(o.RangeMargin > 0) || math.IsInf(o.RangeMargin, 0):
		return fmt.Errorf("outlier options: RangeMargin %v: want a positive number", o.RangeMargin)
	case !(o.MinCategoryShare > 0 && o.MinCategoryShare < 1):
		return fmt.Errorf("outlier options: MinCategoryShare %v: want 0 < share < 1", o.MinCategoryShare)
	}
	if err := o.Severity.Validate(); err != nil {
		return fmt.Errorf("outlier options: severity %w", err)
	}
	for i, name := range o.Exclude {
		if name == "" {
			return fmt.Errorf("outlier options: Exclude[%d] is empty", i)
		}
	}
	return nil
}
