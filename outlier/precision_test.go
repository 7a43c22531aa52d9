package outlier

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// calibrated is a detector whose final calibration holds n held-out rows,
// all that Calibration reads.
func calibrated(n int, opts Options) *Detector {
	d := &Detector{opts: opts.withDefaults()}
	d.final.sorted = make([]float64, n)
	return d
}

func TestCalibrationInfo(t *testing.T) {
	cases := []struct {
		name       string
		n          int
		opts       Options
		warn       bool
		rowsNeeded int
		upper      float64 // 0: not checked
		says       []string
	}{
		// Below one row above the threshold the bound is that of the
		// highest held-out row's tail, Beta(1, n): 1 - 0.05^(1/n).
		{name: "ODDS arrhythmia", n: 68, opts: Options{FPR: 0.005}, warn: true, rowsNeeded: 3196,
			upper: 1 - math.Pow(0.05, 1.0/68), says: []string{"below 1/(n+1) = 1.45%", "68 held-out", "extrapolated tail", "raise the false-positive rate to 0.058", "about 3,200 reference rows"}},
		{name: "827 cardio rows", n: 207, opts: Options{FPR: 0.005}, warn: true, rowsNeeded: 3196,
			says: []string{"0.5% is calibrated on only 207 held-out", "(n+1)·rate = 1.04, fewer than 4", "may reach 1.47%", "rates from 1.93%", "to 0.0193"}},
		{name: "one row short", n: 798, opts: Options{FPR: 0.005}, warn: true, rowsNeeded: 3196},
		{name: "just enough", n: 799, opts: Options{FPR: 0.005}, rowsNeeded: 3196},
		{name: "large", n: 5000, opts: Options{FPR: 0.005}, rowsNeeded: 3196},
		{name: "the advised rate", n: 207, opts: Options{FPR: 0.0193}, rowsNeeded: 828},
		{name: "Holdout and Contamination", n: 207, opts: Options{FPR: 0.005, Holdout: 0.5, Contamination: 0.2}, warn: true, rowsNeeded: 1998,
			says: []string{"about 2,000 reference rows"}},
		{name: "beyond any reference", n: maxCalibrate, opts: Options{FPR: 0.0001}, warn: true,
			says: []string{"to 0.0002", "more reference rows cannot help"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := calibrated(c.n, c.opts).Calibration()
			fpr := got.FPR
			m := float64(c.n + 1)
			if got.HeldOut != c.n || got.Above != m*fpr || got.MinFPR != 1/m || got.AchievableFPR != minAbove/m {
				t.Errorf("%+v", got)
			}
			if (got.Warning != "") != c.warn {
				t.Errorf("warning %q, want one: %v", got.Warning, c.warn)
			}
			if got.RowsNeeded != c.rowsNeeded {
				t.Errorf("RowsNeeded %d, want %d", got.RowsNeeded, c.rowsNeeded)
			}
			if c.upper != 0 && math.Abs(got.UpperFPR-c.upper) > 1e-9 {
				t.Errorf("UpperFPR %v, want %v", got.UpperFPR, c.upper)
			}
			// The bound is about the order statistic's spread: above the
			// requested rate, and within twice it once no warning is due.
			if !(got.UpperFPR > fpr) || (!c.warn && got.UpperFPR > 2*fpr) {
				t.Errorf("UpperFPR %v at FPR %v", got.UpperFPR, fpr)
			}
			for _, s := range c.says {
				if !strings.Contains(got.Warning, s) {
					t.Errorf("warning %q lacks %q", got.Warning, s)
				}
			}
			if w := calibrated(c.n, c.opts).Warnings(); len(w) != map[bool]int{false: 0, true: 1}[c.warn] {
				t.Errorf("Warnings() = %q", w)
			}
		})
	}
	if got := new(Detector).Calibration(); got.Warning != "" || got.HeldOut != 0 {
		t.Errorf("unfitted detector: %+v", got)
	}
}

// TestSmallReferenceWarns fits on a few hundred rows at the default rate,
// too few to calibrate it, and follows the warning's advice.
func TestSmallReferenceWarns(t *testing.T) {
	ref := simTable(t, 3, 800)
	d, err := Fit(ref, Options{Exclude: simExclude, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := d.Calibration()
	warnings := d.Warnings()
	achievable := ceilDigits(c.AchievableFPR, 3)
	advised := strconv.FormatFloat(achievable, 'g', -1, 64)
	if len(warnings) != 1 || !strings.Contains(warnings[0], percent(achievable)) || !strings.Contains(warnings[0], "to "+advised) {
		t.Fatalf("%d held-out rows at FPR %v: warnings %q, want one naming %s", c.HeldOut, c.FPR, warnings, percent(achievable))
	}
	t.Logf("%s", warnings[0])
	data, err := d.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Detector
	if err := back.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if back.Calibration() != c {
		t.Errorf("after a round trip: %+v, before: %+v", back.Calibration(), c)
	}
	fpr, err := strconv.ParseFloat(advised, 64)
	if err != nil {
		t.Fatal(err)
	}
	if d, err = Fit(ref, Options{Exclude: simExclude, Seed: 1, FPR: fpr}); err != nil {
		t.Fatal(err)
	}
	if w := d.Warnings(); w != nil {
		t.Errorf("at the advised FPR %v: %q", fpr, w)
	}
	if w := simDetector(t).Warnings(); w != nil {
		t.Errorf("20,000 reference rows: %q", w)
	}
}

// TestSmallReferenceFalsePositiveRate fits on small clean references of
// generated rows and scores fresh ones: the share flagged, averaged over
// fits, must stay within sampling error of FPR or below. Held-out rows
// once took their p-values from calibrations that counted them, so that
// only new inputs could pass the highest held-out score of a detector, and
// at 827 rows and FPR 0.5% 1.1% were flagged.
func TestSmallReferenceFalsePositiveRate(t *testing.T) {
	cases := []struct {
		rows int
		fpr  float64
	}{
		{827, 0.005},  // about one held-out row above the threshold
		{3200, 0.005}, // about four
		{400, 0.02},
	}
	if testing.Short() {
		cases = cases[:1]
	}
	const fits, fresh = 20, 2000
	for _, c := range cases {
		var mean, held float64
		for seed := uint64(1); seed <= fits; seed++ {
			all := syntheticTable(t, c.rows+fresh, 8, 0, seed)
			rows := make([]int, all.Rows)
			for i := range rows {
				rows[i] = i
			}
			d, err := Fit(all.Select(rows[:c.rows]), Options{Exclude: []string{"label"}, Seed: seed, FPR: c.fpr})
			if err != nil {
				t.Fatal(err)
			}
			vs, err := d.ScoreTable(all.Select(rows[c.rows:]), nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				if v.Anomaly {
					mean += 1 / float64(fresh*fits)
				}
			}
			held += float64(d.Calibration().HeldOut) / fits
		}
		// Each fit's rate varies with its held-out rows, about
		// Beta((n+1)·FPR, ·) (variance near FPR/(n+1)), and with the fresh
		// rows (FPR/fresh).
		sd := math.Sqrt((c.fpr/(held+1) + c.fpr/fresh) / fits)
		t.Logf("%d rows (%.0f held out), FPR %v: %.3f%% flagged (sampling error %.3f%%)", c.rows, held, c.fpr, 100*mean, 100*sd)
		if mean > c.fpr+3*sd || mean < c.fpr/10 {
			t.Errorf("%d rows, FPR %v: %.4f flagged, want at most %.4f and at least %.4f", c.rows, c.fpr, mean, c.fpr+3*sd, c.fpr/10)
		}
	}
}
