// Command outliersbench times the outlier detector in process on a TRAIN and
// a SCORE file (as written by scripts/bench/gen_outliers.py) and prints one
// JSON object of figures for scripts/bench/outliers.sh:
//
//   - read: reading both files;
//   - forest fit, one core and all cores: the isolation forest alone (100
//     trees of 256 rows) on TRAIN's numeric columns;
//   - detector fit, one core and all cores: outlier.Fit, the whole calibrated
//     detector;
//   - forest batch scoring and detector batch scoring on one core, rows/s;
//   - one input through the whole verdict (Detector.ScoreInto on the features
//     an event carries): p50, p99 and p99.9 of single calls on one core.
//
// Each figure is the best of -reps runs, except the latency percentiles,
// which come from one histogram of -latency single calls.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/outlier"
	"github.com/warden-ml/warden/outlier/iforest"
)

type figures struct {
	TrainRows, ScoreRows, Features int
	Cores                          int
	ReadSeconds                    float64 `json:"read_s"`
	ForestFit1                     float64 `json:"forest_fit_1core_s"`
	ForestFitAll                   float64 `json:"forest_fit_allcores_s"`
	DetectorFit1                   float64 `json:"detector_fit_1core_s"`
	DetectorFitAll                 float64 `json:"detector_fit_allcores_s"`
	ForestRowsPerSec               float64 `json:"forest_score_rows_per_s_1core"`
	DetectorRowsPerSec             float64 `json:"detector_score_rows_per_s_1core"`
	VerdictP50                     float64 `json:"verdict_p50_us"`
	VerdictP99                     float64 `json:"verdict_p99_us"`
	VerdictP999                    float64 `json:"verdict_p999_us"`
}

func main() {
	trainPath := flag.String("train", "", "training CSV")
	scorePath := flag.String("score", "", "CSV to score")
	reps := flag.Int("reps", 5, "runs per figure; the best is kept")
	latency := flag.Int("latency", 100_000, "single-input calls in the latency histogram")
	flag.Parse()
	if *trainPath == "" || *scorePath == "" {
		fmt.Fprintln(os.Stderr, "usage: outliersbench -train TRAIN.csv -score SCORE.csv [-reps N] [-latency N]")
		os.Exit(2)
	}
	if err := run(*trainPath, *scorePath, *reps, *latency); err != nil {
		fmt.Fprintln(os.Stderr, "outliersbench:", err)
		os.Exit(1)
	}
}

func run(trainPath, scorePath string, reps, latency int) error {
	cores := runtime.GOMAXPROCS(0)
	var fig figures
	fig.Cores = cores
	var train, score *dataset.Table
	var err error
	fig.ReadSeconds = best(reps, func() {
		if train, err = dataset.ReadFile(trainPath, dataset.Options{}); err != nil {
			return
		}
		score, err = dataset.ReadFile(scorePath, dataset.Options{})
	})
	if err != nil {
		return err
	}
	X := matrix(train, train)
	S := matrix(score, train)
	fig.TrainRows, fig.ScoreRows, fig.Features = X.Rows, S.Rows, X.Cols

	var forest *iforest.Forest
	for _, workers := range []int{1, 0} {
		t := best(reps, func() { forest, err = iforest.Fit(X, iforest.Options{Seed: 1, Workers: workers}) })
		if err != nil {
			return err
		}
		if workers == 1 {
			fig.ForestFit1 = t
		} else {
			fig.ForestFitAll = t
		}
	}

	var d *outlier.Detector
	for _, procs := range []int{1, cores} {
		runtime.GOMAXPROCS(procs)
		t := best(reps, func() { d, err = outlier.Fit(train, outlier.Options{Seed: 1}) })
		if err != nil {
			return err
		}
		if procs == 1 {
			fig.DetectorFit1 = t
		} else {
			fig.DetectorFitAll = t
		}
	}

	// Per-core figures from here on.
	runtime.GOMAXPROCS(1)
	forest.SetWorkers(1)
	out := make([]float64, S.Rows)
	fig.ForestRowsPerSec = float64(S.Rows) / best(reps, func() { forest.ScoreBatch(S, out) })

	verdicts, err := d.ScoreTable(score, nil)
	if err != nil {
		return err
	}
	fig.DetectorRowsPerSec = float64(score.Rows) / best(reps, func() { verdicts, err = d.ScoreTable(score, verdicts) })
	if err != nil {
		return err
	}

	rows := make([][]event.Feature, score.Rows)
	for i := range rows {
		if rows[i], err = outlier.TableRow(score, i, nil); err != nil {
			return err
		}
	}
	var v outlier.Verdict
	for _, r := range rows[:min(len(rows), 1000)] { // warm the scratch and the verdict
		if err := d.ScoreInto(r, &v); err != nil {
			return err
		}
	}
	lat := make([]time.Duration, latency)
	for i := range lat {
		r := rows[i%len(rows)]
		start := time.Now()
		err := d.ScoreInto(r, &v)
		lat[i] = time.Since(start)
		if err != nil {
			return err
		}
	}
	slices.Sort(lat)
	pct := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Nanoseconds()) / 1e3 }
	fig.VerdictP50, fig.VerdictP99, fig.VerdictP999 = pct(0.50), pct(0.99), pct(0.999)

	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(fig)
}

// matrix returns the columns of t that are numeric in ref, row-major, as the
// forest takes them.
func matrix(t, ref *dataset.Table) iforest.Matrix {
	var cols []*dataset.Column
	for _, c := range ref.Columns {
		if c.Type == dataset.Numeric {
			cols = append(cols, t.Column(c.Name))
		}
	}
	m := iforest.Matrix{Rows: t.Rows, Cols: len(cols), Data: make([]float64, t.Rows*len(cols))}
	for j, c := range cols {
		for i, v := range c.Floats {
			m.Data[i*m.Cols+j] = v
		}
	}
	return m
}

// best returns the shortest of reps runs of f, in seconds.
func best(reps int, f func()) float64 {
	b := time.Duration(1<<63 - 1)
	for range max(reps, 1) {
		runtime.GC()
		start := time.Now()
		f()
		b = min(b, time.Since(start))
	}
	return b.Seconds()
}
