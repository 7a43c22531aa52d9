// Command odds measures the outlier detector on the labelled ODDS sets
// (../shared/data/outlier beside the repository; see its SOURCES.md) and
// prints the markdown tables of docs/detection.md.
//
// For each CSV in the directory (a label column, 1 for an outlier) and each
// seed, the rows are shuffled with the seed and split 60/40. outlier.Fit
// learns from the 60% with the label excluded and the outliers left in, a
// reference contaminated as it comes; the 40% are scored. The tables give,
// as means over the seeds:
//
//   - ROC-AUC and recall at 1% FPR of the isolation forest alone (its own
//     isolation score), of each other detector (its calibrated score,
//     Verdict.Scores) and of the combined score (Verdict.Score);
//   - the true- and false-positive rates of the verdict's own flag at the
//     default FPR, and with Options.Contamination set to the training
//     split's share of outliers, as an operator who knew it would.
//
// -small SIZES measures instead how well the false-positive rate holds on
// small clean references: for each set, size and seed, outlier.Fit learns
// from that many of the set's inliers (shuffled with the seed; label
// excluded) and the remaining inliers are scored. The table gives the share
// of them flagged, the realised false-positive rate, beside what
// Detector.Calibration says of the held-out rows. -fpr sets Options.FPR.
//
// -write DIR writes every split as DIR/<set>-<seed>-train.csv and
// DIR/<set>-<seed>-score.csv, features only, the input of the lab's
// baseline (../shared/baselines/iforest.py), and exits. -baseline DIR reads
// that baseline's output on those files, DIR/<set>-<seed>-baseline.jsonl
// (score: higher is more anomalous; anomaly: its flag), and adds its
// figures beside Warden's, computed by the same code (package
// outlier/metric). scripts/eval/odds.sh runs both steps.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/internal/shared"
	"github.com/warden-ml/warden/outlier"
	"github.com/warden-ml/warden/outlier/metric"
)

const (
	labelColumn = "label"
	recallFPR   = 0.01 // the false-positive rate recall is measured at
	// shuffleStream is the second word of the PCG seed of the shuffle; the
	// package's own TestODDS shuffles the same way.
	shuffleStream = 0x0dd5
)

// detectors are the score columns, in table order; "forest" is the
// isolation forest alone and "combined" the verdict's score.
var detectors = []string{"forest", "mahalanobis", "knn", "range", "category", "combined"}

func main() {
	dataDir, _ := shared.Dir("outlier")
	dir := flag.String("data", dataDir, "directory of labelled CSV files")
	seedList := flag.String("seeds", "1,2,3", "comma-separated shuffle seeds")
	write := flag.String("write", "", "write each split's train and score CSVs to this directory and exit")
	baseline := flag.String("baseline", "", "directory of the baseline's JSON lines, one file per split")
	small := flag.String("small", "", "comma-separated reference sizes: report the false-positive rate on clean references of these sizes instead")
	fpr := flag.Float64("fpr", 0, "Options.FPR for -small (0: the default)")
	flag.Parse()
	seeds, err := parseSeeds(*seedList)
	if err != nil {
		fmt.Fprintln(os.Stderr, "odds:", err)
		os.Exit(2)
	}
	if *small != "" {
		sizes, err := parseSizes(*small)
		if err != nil {
			fmt.Fprintln(os.Stderr, "odds:", err)
			os.Exit(2)
		}
		err = runSmall(os.Stdout, *dir, sizes, seeds, *fpr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "odds:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(os.Stdout, *dir, seeds, *write, *baseline); err != nil {
		fmt.Fprintln(os.Stderr, "odds:", err)
		os.Exit(1)
	}
}

func parseSeeds(s string) ([]uint64, error) {
	var seeds []uint64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("-seeds %q: %v", s, err)
		}
		seeds = append(seeds, v)
	}
	return seeds, nil
}

// setResult holds one set's figures, means over the seeds.
type setResult struct {
	name               string
	rows, features     int
	outliers           int
	auc, recall        map[string]float64
	tpr, fpr           float64 // verdict at the default FPR
	tprKnown, fprKnown float64 // verdict with Contamination set to the outlier share
	base               *baseResult
}

type baseResult struct {
	auc, recall, tpr, fpr float64
}

// labelledSet is one ODDS file: its name, path and table with a label
// column.
type labelledSet struct {
	name, path string
	t          *dataset.Table
}

// readSets reads every CSV file of dir, in name order, each with a label
// column.
func readSets(dir string) ([]labelledSet, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no CSV files in %s", dir)
	}
	slices.Sort(files)
	var sets []labelledSet
	for _, path := range files {
		t, err := dataset.ReadFile(path, dataset.Options{})
		if err != nil {
			return nil, err
		}
		if t.Column(labelColumn) == nil {
			return nil, fmt.Errorf("%s has no %q column", path, labelColumn)
		}
		sets = append(sets, labelledSet{strings.TrimSuffix(filepath.Base(path), ".csv"), path, t})
	}
	return sets, nil
}

func run(w io.Writer, dir string, seeds []uint64, write, baseline string) error {
	sets, err := readSets(dir)
	if err != nil {
		return err
	}
	var results []*setResult
	for _, set := range sets {
		name, path, t := set.name, set.path, set.t
		if write != "" {
			for _, seed := range seeds {
				if err := writeSplit(write, name, seed, t); err != nil {
					return err
				}
			}
			continue
		}
		r, err := evaluate(t, name, seeds, baseline)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		results = append(results, r)
	}
	if write != "" {
		return nil
	}
	printTables(w, results, seeds, baseline != "")
	return nil
}

// split shuffles t's rows with the seed and returns the first 60% and the
// rest.
func split(t *dataset.Table, seed uint64) (train, test []int) {
	perm := rand.New(rand.NewPCG(seed, shuffleStream)).Perm(t.Rows)
	cut := t.Rows * 6 / 10
	return perm[:cut], perm[cut:]
}

func labels(t *dataset.Table, rows []int) []bool {
	col := t.Column(labelColumn).Floats
	out := make([]bool, len(rows))
	for i, r := range rows {
		out[i] = col[r] == 1
	}
	return out
}

func count(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

func evaluate(t *dataset.Table, name string, seeds []uint64, baseline string) (*setResult, error) {
	r := &setResult{name: name, rows: t.Rows, features: len(t.Columns) - 1,
		outliers: count(labels(t, allRows(t.Rows))),
		auc:      map[string]float64{}, recall: map[string]float64{}}
	if baseline != "" {
		r.base = &baseResult{}
	}
	k := float64(len(seeds))
	for _, seed := range seeds {
		trainRows, testRows := split(t, seed)
		train, test := t.Select(trainRows), t.Select(testRows)
		positive := labels(t, testRows)
		opts := outlier.Options{Exclude: []string{labelColumn}, Seed: seed}
		d, err := outlier.Fit(train, opts)
		if err != nil {
			return nil, err
		}
		vs, err := d.ScoreTable(test, nil)
		if err != nil {
			return nil, err
		}
		scores := make([]float64, len(vs))
		for _, det := range detectors {
			if !fillScores(scores, vs, det) {
				continue // not active on this set
			}
			r.auc[det] += metric.ROCAUC(scores, positive) / k
			r.recall[det] += metric.RecallAtFPR(scores, positive, recallFPR) / k
		}
		tpr, fpr := rates(flags(vs), positive)
		r.tpr += tpr / k
		r.fpr += fpr / k

		opts.Contamination = min(0.25, float64(count(labels(t, trainRows)))/float64(len(trainRows)))
		if d, err = outlier.Fit(train, opts); err != nil {
			return nil, err
		}
		if vs, err = d.ScoreTable(test, vs); err != nil {
			return nil, err
		}
		tpr, fpr = rates(flags(vs), positive)
		r.tprKnown += tpr / k
		r.fprKnown += fpr / k

		if r.base != nil {
			path := filepath.Join(baseline, fmt.Sprintf("%s-%d-baseline.jsonl", name, seed))
			bs, bf, err := readBaseline(path, len(testRows))
			if err != nil {
				return nil, err
			}
			r.base.auc += metric.ROCAUC(bs, positive) / k
			r.base.recall += metric.RecallAtFPR(bs, positive, recallFPR) / k
			tpr, fpr := rates(bf, positive)
			r.base.tpr += tpr / k
			r.base.fpr += fpr / k
		}
	}
	return r, nil
}

// fillScores writes detector det's score of each verdict into scores and
// reports whether the detector was active. The forest alone is ranked by its
// isolation score, which orders rows as its calibrated score does but never
// rounds to a tie.
func fillScores(scores []float64, vs []outlier.Verdict, det string) bool {
	for i := range vs {
		switch det {
		case "combined":
			scores[i] = vs[i].Score
		case "forest":
			if _, ok := vs[i].Scores["isolation"]; !ok {
				return false
			}
			scores[i] = vs[i].Isolation
		default:
			s, ok := vs[i].Scores[det]
			if !ok {
				return false
			}
			scores[i] = s
		}
	}
	return len(vs) > 0
}

func flags(vs []outlier.Verdict) []bool {
	out := make([]bool, len(vs))
	for i := range vs {
		out[i] = vs[i].Anomaly
	}
	return out
}

// rates are the shares of positives and of negatives flagged.
func rates(flagged, positive []bool) (tpr, fpr float64) {
	var tp, fp, pos int
	for i, f := range flagged {
		if positive[i] {
			pos++
		}
		switch {
		case f && positive[i]:
			tp++
		case f:
			fp++
		}
	}
	return float64(tp) / float64(max(pos, 1)), float64(fp) / float64(max(len(flagged)-pos, 1))
}

func readBaseline(path string, rows int) (scores []float64, flagged []bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<24)
	line := 0
	for sc.Scan() {
		line++
		var rec struct {
			Row     *int     `json:"row"`
			Score   *float64 `json:"score"`
			Anomaly bool     `json:"anomaly"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, nil, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		if rec.Row == nil || rec.Score == nil || *rec.Row != len(scores) {
			return nil, nil, fmt.Errorf("%s line %d: want row %d with a score", path, line, len(scores))
		}
		scores = append(scores, *rec.Score)
		flagged = append(flagged, rec.Anomaly)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(scores) != rows {
		return nil, nil, fmt.Errorf("%s: %d rows, want %d", path, len(scores), rows)
	}
	return scores, flagged, nil
}

func allRows(n int) []int {
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
	}
	return rows
}

// writeSplit writes one split's training and scoring rows without the label.
func writeSplit(dir, name string, seed uint64, t *dataset.Table) error {
	trainRows, testRows := split(t, seed)
	for _, part := range []struct {
		suffix string
		rows   []int
	}{{"train", trainRows}, {"score", testRows}} {
		path := filepath.Join(dir, fmt.Sprintf("%s-%d-%s.csv", name, seed, part.suffix))
		if err := writeCSV(path, t, part.rows); err != nil {
			return err
		}
	}
	return nil
}

func writeCSV(path string, t *dataset.Table, rows []int) error {
	var cols []*dataset.Column
	for _, c := range t.Columns {
		if c.Name == labelColumn {
			continue
		}
		if c.Type != dataset.Numeric && c.Type != dataset.Boolean {
			return fmt.Errorf("%s: column %q is %v; the baseline reads numbers only", t.Source, c.Name, c.Type)
		}
		cols = append(cols, c)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	b := bufio.NewWriter(f)
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(c.Name)
	}
	b.WriteByte('\n')
	for _, r := range rows {
		for i, c := range cols {
			if i > 0 {
				b.WriteByte(',')
			}
			// The shortest representation reads back as the same float64.
			if v := c.Floats[r]; !math.IsNaN(v) {
				b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
			}
		}
		b.WriteByte('\n')
	}
	if err := b.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func printTables(w io.Writer, results []*setResult, seeds []uint64, withBase bool) {
	var active []string
	for _, det := range detectors {
		for _, r := range results {
			if _, ok := r.auc[det]; ok {
				active = append(active, det)
				break
			}
		}
	}
	seedText := make([]string, len(seeds))
	for i, s := range seeds {
		seedText[i] = strconv.FormatUint(s, 10)
	}
	fmt.Fprintf(w, "Means over seeds %s; 60/40 split, training rows unlabelled and contaminated as they come.\n", strings.Join(seedText, ", "))
	for _, table := range []struct {
		title  string
		warden func(*setResult) map[string]float64
		base   func(*baseResult) float64
	}{
		{"ROC-AUC", func(r *setResult) map[string]float64 { return r.auc }, func(b *baseResult) float64 { return b.auc }},
		{fmt.Sprintf("Recall at %g%% FPR", 100*recallFPR), func(r *setResult) map[string]float64 { return r.recall },
			func(b *baseResult) float64 { return b.recall }},
	} {
		fmt.Fprintf(w, "\n%s\n\n| set | rows × features | outliers |", table.title)
		for _, det := range active {
			fmt.Fprintf(w, " %s |", det)
		}
		if withBase {
			fmt.Fprint(w, " scikit-learn IsolationForest |")
		}
		fmt.Fprint(w, "\n|---|---|---|")
		for range active {
			fmt.Fprint(w, "---|")
		}
		if withBase {
			fmt.Fprint(w, "---|")
		}
		fmt.Fprintln(w)
		sums := map[string]float64{}
		counts := map[string]int{}
		var baseSum float64
		for _, r := range results {
			fmt.Fprintf(w, "| %s | %d × %d | %.1f%% |", r.name, r.rows, r.features, 100*float64(r.outliers)/float64(r.rows))
			for _, det := range active {
				v, ok := table.warden(r)[det]
				if !ok {
					fmt.Fprint(w, " – |")
					continue
				}
				fmt.Fprintf(w, " %.3f |", v)
				sums[det] += v
				counts[det]++
			}
			if withBase {
				v := table.base(r.base)
				baseSum += v
				fmt.Fprintf(w, " %.3f |", v)
			}
			fmt.Fprintln(w)
		}
		fmt.Fprint(w, "| **mean** | | |")
		for _, det := range active {
			if counts[det] == len(results) {
				fmt.Fprintf(w, " **%.3f** |", sums[det]/float64(counts[det]))
			} else {
				fmt.Fprint(w, " – |")
			}
		}
		if withBase {
			fmt.Fprintf(w, " **%.3f** |", baseSum/float64(len(results)))
		}
		fmt.Fprintln(w)
	}
	fpr := outlier.DefaultOptions().FPR
	fmt.Fprintf(w, "\nFlags: true- and false-positive rates\n\n| set | verdict TPR | verdict FPR | with Contamination = outlier share: TPR | FPR |")
	if withBase {
		fmt.Fprint(w, " scikit-learn flag TPR | FPR |")
	}
	fmt.Fprint(w, "\n|---|---|---|---|---|")
	if withBase {
		fmt.Fprint(w, "---|---|")
	}
	fmt.Fprintln(w)
	for _, r := range results {
		fmt.Fprintf(w, "| %s | %.3f | %.4f | %.3f | %.4f |", r.name, r.tpr, r.fpr, r.tprKnown, r.fprKnown)
		if withBase {
			fmt.Fprintf(w, " %.3f | %.4f |", r.base.tpr, r.base.fpr)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nThe verdict flags at Options.FPR = %g.", fpr)
	if withBase {
		fmt.Fprint(w, " The scikit-learn flag is the baseline's: contamination=0.01, or any feature outside the training min/max.")
	}
	fmt.Fprintln(w)
}
