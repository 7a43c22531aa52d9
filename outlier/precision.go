package outlier

import (
	"fmt"
	"github.com/warden-ml/warden/internal/count"
	"math"
	"strconv"

	"gonum.org/v1/gonum/mathext"
)

// CalibrationInfo says how precisely the held-out reference rows calibrate
// the false-positive rate.
//
// The threshold is a held-out quantile: with n held-out rows and a rate α it
// lies near the (n+1)·α-th highest of their combined statistics. The share
// of ordinary inputs above it, the rate the detector actually flags, then
// depends on which rows happened to be held out: for exchangeable data it
// follows about a Beta((n+1)·α, (n+1)·(1-α)) distribution (that of an order
// statistic's upper tail), whose mean is α but whose relative spread is about
// 1/√((n+1)·α). With one row above the threshold the rate is below 3α only
// 95% of the time; with four, below 1.9α.
type CalibrationInfo struct {
	// HeldOut is the number of held-out rows the final p-value is
	// calibrated on (after Contamination's trim).
	HeldOut int `json:"held_out"`
	// FPR is the requested rate, Options.FPR.
	FPR float64 `json:"fpr"`
	// Above is (HeldOut+1)·FPR: of the held-out rows and one input drawn
	// like them, about how many lie above the threshold.
	Above float64 `json:"above"`
	// MinFPR is 1/(HeldOut+1), the smallest rate the held-out rows attest
	// at all: below it the threshold lies beyond every one of them, on the
	// extrapolated tail.
	MinFPR float64 `json:"min_fpr"`
	// UpperFPR is a 95% upper bound on the rate the threshold realises on
	// inputs drawn like the reference.
	UpperFPR float64 `json:"upper_fpr"`
	// AchievableFPR is the smallest rate the held-out rows calibrate
	// reliably, 4/(HeldOut+1): from there Above is at least 4.
	AchievableFPR float64 `json:"achievable_fpr"`
	// RowsNeeded is about how many reference rows (at the detector's
	// Holdout and Contamination) calibrate FPR reliably; 0 when none do,
	// because at most 20,000 rows are held out.
	RowsNeeded int `json:"rows_needed"`
	// Warning, when not empty, says that FPR is below AchievableFPR, what
	// that means and what to do.
	Warning string `json:"warning,omitempty"`
}

const (
	// minAbove is the least Above at which the rate is calibrated
	// reliably: from four on, the realised rate's 95% upper bound is
	// within twice the requested rate (1.94 times at four, 2.37 at two,
	// 3.0 at one; Gamma(k) quantiles over k).
	minAbove = 4
	// upperLevel is the confidence of CalibrationInfo.UpperFPR.
	upperLevel = 0.95
)

// Calibration describes how precisely the detector's held-out rows
// calibrate its false-positive rate.
func (d *Detector) Calibration() CalibrationInfo {
	n, fpr := len(d.final.sorted), d.opts.FPR
	c := CalibrationInfo{HeldOut: n, FPR: fpr}
	if n == 0 {
		return c // not fitted
	}
	m := float64(n + 1)
	c.Above = m * fpr
	c.MinFPR = 1 / m
	c.AchievableFPR = minAbove / m
	// Below one row the threshold is beyond the highest held-out statistic,
	// so the realised rate is at most that of the highest one.
	a := max(1, c.Above)
	c.UpperFPR = mathext.InvRegIncBeta(a, m-a, upperLevel)
	need := int(math.Ceil(minAbove/fpr)) - 1
	for float64(need+1)*fpr < minAbove {
		need++
	}
	keep := 1 - d.opts.Contamination
	if float64(need)/keep <= maxCalibrate {
		c.RowsNeeded = int(math.Ceil(float64(need) / (d.opts.Holdout * keep)))
	}
	if c.Above < minAbove {
		c.Warning = c.warning()
	}
	return c
}

// Warnings lists, in words, what the caller should know about the fitted
// detector: whether its reference is too small for its false-positive rate
// (CalibrationInfo.Warning). It is nil when there is nothing to say.
func (d *Detector) Warnings() []string {
	if w := d.Calibration().Warning; w != "" {
		return []string{w}
	}
	return nil
}

func (c CalibrationInfo) warning() string {
	what := fmt.Sprintf("the false-positive rate %s is calibrated on only %s held-out reference rows ((n+1)·rate = %.3g, fewer than %d)",
		percent(c.FPR), count.Thousands(c.HeldOut), c.Above, minAbove)
	if c.Above < 1 {
		what = fmt.Sprintf("the false-positive rate %s is below 1/(n+1) = %s for the %s held-out reference rows that calibrate it: "+
			"the threshold lies beyond all of them, on an extrapolated tail",
			percent(c.FPR), percent(c.MinFPR), count.Thousands(c.HeldOut))
	}
	// Rounded up, so that following the advice clears the warning.
	achievable := ceilDigits(c.AchievableFPR, 3)
	advice := fmt.Sprintf("These rows calibrate rates from %s: raise the false-positive rate to %s", percent(achievable),
		strconv.FormatFloat(achievable, 'g', -1, 64))
	if c.RowsNeeded > 0 {
		rows := int(ceilDigits(float64(c.RowsNeeded), 2))
		advice += fmt.Sprintf(", or fit on about %s reference rows or more", count.Thousands(rows))
	} else {
		advice += fmt.Sprintf(" (more reference rows cannot help: at most %s are held out)", count.Thousands(maxCalibrate))
	}
	return fmt.Sprintf("%s, so the share of ordinary inputs flagged varies with the sample and may reach %s (95%% bound). %s.",
		what, percent(c.UpperFPR), advice)
}

// percent writes a rate as a percentage with three significant digits.
func percent(r float64) string {
	return strconv.FormatFloat(100*r, 'g', 3, 64) + "%"
}

// ceilDigits rounds x > 0 up to the given number of significant digits.
func ceilDigits(x float64, digits int) float64 {
	scale := math.Pow(10, float64(digits)-math.Ceil(math.Log10(x)))
	up := math.Ceil(x*scale*(1-1e-12)) / scale
	// The shortest decimal of up may read back a hair below x.
	if up < x {
		up = math.Nextafter(up, math.Inf(1))
	}
	return up
}
