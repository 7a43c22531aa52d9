package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/outlier"
)

// minScored is the fewest inliers left to score for a size to be measured.
const minScored = 150

func parseSizes(s string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("-small %q: want positive row counts", s)
		}
		sizes = append(sizes, v)
	}
	return sizes, nil
}

// smallResult is one set and reference size over the seeds.
type smallResult struct {
	set            string
	rows           int
	fits, warned   int
	heldOut, above float64 // means over the fits
	// means of CalibrationInfo.UpperFPR and AchievableFPR
	upper, achievable float64
	rates             []float64 // realised rate of each fit
}

// runSmall fits on clean references of each size and measures the share of
// the other inliers flagged.
func runSmall(w io.Writer, dir string, sizes []int, seeds []uint64, fpr float64) error {
	sets, err := readSets(dir)
	if err != nil {
		return err
	}
	var results []*smallResult
	for _, set := range sets {
		path, t := set.path, set.t
		var inliers []int
		for i, l := range t.Column(labelColumn).Floats {
			if l == 0 {
				inliers = append(inliers, i)
			}
		}
		name := set.name
		for _, size := range sizes {
			if len(inliers)-size < minScored {
				continue
			}
			r, err := measureSmall(t, name, inliers, size, seeds, fpr)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			results = append(results, r)
		}
	}
	printSmall(w, results, seeds, fpr)
	return nil
}

func measureSmall(t *dataset.Table, name string, inliers []int, size int, seeds []uint64, fpr float64) (*smallResult, error) {
	r := &smallResult{set: name, rows: size}
	var vs []outlier.Verdict
	for _, seed := range seeds {
		perm := rand.New(rand.NewPCG(seed, shuffleStream)).Perm(len(inliers))
		rows := make([]int, len(perm))
		for i, p := range perm {
			rows[i] = inliers[p]
		}
		d, err := outlier.Fit(t.Select(rows[:size]), outlier.Options{Exclude: []string{labelColumn}, Seed: seed, FPR: fpr})
		if err != nil {
			return nil, err
		}
		if vs, err = d.ScoreTable(t.Select(rows[size:]), vs); err != nil {
			return nil, err
		}
		flagged := 0
		for i := range vs {
			if vs[i].Anomaly {
				flagged++
			}
		}
		c := d.Calibration()
		k := float64(len(seeds))
		r.fits++
		if c.Warning != "" {
			r.warned++
		}
		r.heldOut += float64(c.HeldOut) / k
		r.above += c.Above / k
		r.upper += c.UpperFPR / k
		r.achievable += c.AchievableFPR / k
		r.rates = append(r.rates, float64(flagged)/float64(len(vs)))
	}
	return r, nil
}

// meanSE is the mean of x and its standard error.
func meanSE(x []float64) (mean, se float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	if len(x) < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(x)-1) / float64(len(x)))
}

func printSmall(w io.Writer, results []*smallResult, seeds []uint64, fpr float64) {
	if fpr == 0 {
		fpr = outlier.DefaultOptions().FPR
	}
	fmt.Fprintf(w, "Clean references of inliers, the other inliers scored; FPR %g; %d seeds (%d to %d).\n\n", fpr, len(seeds), seeds[0], seeds[len(seeds)-1])
	fmt.Fprintln(w, "| set | reference rows | held out | (n+1)·FPR | warned | flagged inliers, mean ± s.e. | 95% bound | achievable FPR |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		mean, se := meanSE(r.rates)
		fmt.Fprintf(w, "| %s | %d | %.0f | %.2f | %d of %d | %.2f%% ± %.2f%% | %.2f%% | %.2f%% |\n", r.set, r.rows, r.heldOut, r.above,
			r.warned, r.fits, 100*mean, 100*se, 100*r.upper, 100*r.achievable)
	}
}
