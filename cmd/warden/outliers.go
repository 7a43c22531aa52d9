package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/internal/count"
	"github.com/warden-ml/warden/internal/jsonw"
	"github.com/warden-ml/warden/internal/safetext"
	"github.com/warden-ml/warden/internal/textfmt"
	"github.com/warden-ml/warden/monitor"
	"github.com/warden-ml/warden/outlier"
)

type outliersFlags struct {
	train, score, detector, save, format string
	exclude, types                       []string
	fpr, contamination                   float64
	seed                                 uint64
}

func newOutliersCmd() *cobra.Command {
	var f outliersFlags
	cmd := &cobra.Command{
		Use:   "outliers (--train TRAIN | --detector FILE) --score SCORE",
		Short: "Flag rows of a file that lie far from the training data (adversarial or out-of-distribution inputs)",
		Long: `Outliers fits a detector on TRAIN (an isolation forest, a robust Mahalanobis
distance, a nearest-neighbour distance, per-feature range checks and category
checks, calibrated on a held-out share of TRAIN) and scores every row of SCORE.

Every numeric, boolean and categorical column of TRAIN is a feature, except those
named in --exclude-columns (labels, the model's own score, identifiers); date-time
and free-text columns are not checked. SCORE must have every feature; its other
columns are ignored. A row is flagged when its combined p-value is below --fpr,
so about that share of rows drawn like TRAIN are flagged.

Missing cells (empty, NA, null, NaN) are scored with the training median
(categorical: as absent) and reported as missing_feature; +Inf and -Inf are
beyond every range, reported as above_range or below_range, and as far out as
the multivariate detectors measure, so such a row is flagged. A cell of the
wrong type (a word in a numeric column) is an error naming its line and
column; a TRAIN column holding only 0 and 1 is boolean, so give
--type COLUMN=numeric if it counts something that may exceed 1.

--format jsonl writes one JSON object per row of SCORE, in order:
  {"row": 0, "score": 0.42, "anomaly": false, "reasons": [...], "scores": {...}}
row is the 0-based data row; score (1 minus the combined p-value) grows with
outlyingness; scores holds each detector's calibrated score; flagged rows also
carry severity, isolation (the forest's score) and top (the features that
contribute most). The batch summary goes to stderr. --format text lists the
flagged rows and the summary on stdout.

--detector scores with a fitted detector instead of fitting one: a file written
by --save, or a profile written by warden profile build, whose outlier detector
it uses. Files are told apart by content; --train takes data only.

Exit status: 0 nothing flagged, 1 anomalies found, 2 usage or input error.`,
		Example: `  warden simulate --dir demo
  warden outliers --train demo/reference.csv --score demo/production.csv --exclude-columns score,label
  warden outliers --train demo/reference.csv --exclude-columns score,label --save demo/fraud.wdet
  warden outliers --detector demo/fraud.wdet --score demo/production.csv --format text
  warden profile build --data demo/reference.csv --out demo/reference.wprof
  warden outliers --detector demo/reference.wprof --score demo/production.csv --format text`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runOutliers(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.train, "train", "", "training (reference) data file (CSV or JSONL, optionally gzipped)")
	fl.StringVar(&f.score, "score", "", "data file whose rows are scored")
	fl.StringVar(&f.detector, "detector", "", "score with a detector saved by --save, or the one in a profile from 'warden profile build', instead of fitting on --train")
	fl.StringVar(&f.save, "save", "", "write the fitted detector to this file")
	fl.StringVar(&f.format, "format", "jsonl", "output format: jsonl or text")
	fl.StringSliceVar(&f.exclude, "exclude-columns", nil, "training columns that are not model inputs (comma-separated)")
	fl.StringArrayVar(&f.types, "type", nil, "force a training column's type, as `COLUMN=TYPE` (numeric, categorical, boolean, datetime, text); repeatable")
	def := outlier.DefaultOptions()
	fl.Float64Var(&f.fpr, "fpr", def.FPR, "share of rows like the training data that may be flagged (0 < FPR < 0.5)")
	fl.Float64Var(&f.contamination, "contamination", 0, "share of the training data believed to be outliers (0 to 0.25)")
	fl.Uint64Var(&f.seed, "seed", 0, "random seed of the fit; the same seed and data give the same detector")
	return cmd
}

func runOutliers(cmd *cobra.Command, f *outliersFlags) (runErr error) {
	if err := checkOutliersFlags(cmd, f); err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	var d *outlier.Detector
	var t *dataset.Table // SCORE, when read during the fit
	if f.detector != "" {
		var err error
		if d, err = loadDetector(f.detector); err != nil {
			return err
		}
	} else {
		var err error
		if d, t, err = fitOutliers(f, stderr); err != nil {
			return err
		}
	}
	// What the detector says of itself follows what a run that worked
	// gives.
	defer func() {
		if runErr != nil && runErr != errFound {
			return
		}
		for _, w := range d.Warnings() {
			fmt.Fprintf(stderr, "warden: warning: %s\n", safetext.Escape(w))
		}
	}()
	if f.save != "" {
		if err := saveDetector(d, f.save); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "detector of %s written to %s\n", count.Plural(len(d.Features()), "feature", "features"), f.save)
	}
	if f.score == "" {
		return nil
	}
	var err error
	if t == nil {
		if t, err = readScoreTable(f.score, d.Features()); err != nil {
			return err
		}
	}
	out := cmd.OutOrStdout()
	var flagged []flaggedRow
	if f.format == "text" {
		flagged, err = scoreRows(d, t, nil)
	} else {
		flagged, err = scoreRows(d, t, out)
	}
	if err != nil {
		return err
	}
	sum := summarize(flagged, t.Rows)
	if f.format == "text" {
		err = writeOutliersText(out, flagged, sum, isTerminal(out))
	} else {
		_, err = io.WriteString(stderr, sum.Text())
	}
	if err != nil {
		return err
	}
	if sum.Anomalies > 0 {
		return errFound
	}
	return nil
}

// loadDetector reads --detector: a detector saved by --save, or a profile
// with one inside.
func loadDetector(path string) (*outlier.Detector, error) {
	info, err := sniff(path)
	if err != nil {
		return nil, err
	}
	switch info.kind {
	case kindDetector:
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, usageErr(err)
		}
		d := new(outlier.Detector)
		if err := d.UnmarshalBinary(data); err != nil {
			return nil, usageErrf("--detector %s: %w", path, err)
		}
		return d, nil
	case kindProfile:
		p, err := drift.LoadProfile(path)
		if err != nil {
			return nil, usageErr(err)
		}
		if len(p.Outlier) == 0 {
			return nil, usageErrf("--detector %s is a Warden profile without an outlier detector (built with --no-outliers, or by an older warden): "+
				"rebuild it with warden profile build --data REF --out %s, without --no-outliers, or pass the data as --train", path, path)
		}
		ref, err := monitor.DecodeReference(p)
		if err != nil {
			return nil, usageErrf("--detector %s: %w", path, err)
		}
		return ref.Outlier, nil
	case kindData:
		return nil, wrongFile("--detector", path, info, "a detector",
			"pass it as --train, or build a profile with warden profile build (or save a detector with warden outliers --train ... --save FILE)")
	}
	return nil, wrongFile("--detector", path, info, "a Warden profile or detector",
		"expected a file written by warden profile build or warden outliers --save")
}

// checkOutliersFlags rejects contradictory or out-of-range flags before any
// file is read.
func checkOutliersFlags(cmd *cobra.Command, f *outliersFlags) error {
	if f.format != "jsonl" && f.format != "text" {
		return usageErrf("--format %q: want jsonl or text", f.format)
	}
	if (f.train == "") == (f.detector == "") {
		return usageErrf("outliers needs exactly one of --train and --detector")
	}
	if f.score == "" && f.save == "" {
		return usageErrf("outliers needs --score (or --save to only fit)")
	}
	if f.detector != "" {
		// These shape the fit, which a saved detector has already had.
		for _, name := range []string{"exclude-columns", "type", "fpr", "contamination", "seed", "save"} {
			if cmd.Flags().Changed(name) {
				return usageErrf("--%s applies to fitting and cannot be combined with --detector", name)
			}
		}
		return nil
	}
	// The library checks these too; checking here names the flags.
	if !(f.fpr > 0 && f.fpr < 0.5) {
		return usageErrf("--fpr %v: want 0 < FPR < 0.5", f.fpr)
	}
	if !(f.contamination >= 0 && f.contamination <= 0.25) {
		return usageErrf("--contamination %v: want 0 to 0.25", f.contamination)
	}
	if err := outliersOptions(f).Validate(); err != nil {
		return usageErr(err)
	}
	return nil
}

func outliersOptions(f *outliersFlags) outlier.Options {
	return outlier.Options{FPR: f.fpr, Contamination: f.contamination, Exclude: f.exclude, Seed: f.seed}
}

// fitOutliers reads the training file and fits a detector on it, noting on
// stderr the columns that are not checked. With --score it also returns the
// SCORE table, read while the detector was fitted, or nil when that read
// failed: SCORE is then read again with the detector's own features, whose
// error is the one to report.
func fitOutliers(f *outliersFlags, stderr io.Writer) (*outlier.Detector, *dataset.Table, error) {
	rf := &readFlags{types: f.types}
	types, err := rf.typeOverrides()
	if err != nil {
		return nil, nil, err
	}
	t, err := rf.readTable("--train", f.train, dataset.Options{Types: types})
	if err != nil {
		return nil, nil, err
	}
	if t.Rows == 0 {
		return nil, nil, usageErrf("%s: no data rows", f.train)
	}
	// The fit spends most of its time on one core; reading SCORE meanwhile,
	// with every column the fit can keep, takes it off the critical path.
	var score *dataset.Table
	var scoreErr error
	done := make(chan struct{})
	if f.score != "" {
		go func() {
			defer close(done)
			score, scoreErr = readScoreTable(f.score, outlier.Candidates(t, f.exclude))
		}()
	} else {
		close(done)
	}
	// Fit only fails on what the data or the flags make impossible (too few
	// rows, nothing to learn from, an excluded column that is not there).
	d, err := outlier.Fit(t, outliersOptions(f))
	<-done
	if err != nil {
		return nil, nil, usageErr(err)
	}
	if scoreErr != nil {
		score = nil
	}
	checked := map[string]bool{}
	for _, fi := range d.Features() {
		checked[fi.Name] = true
	}
	for _, name := range f.exclude {
		checked[name] = true
	}
	var skipped []string
	for _, c := range t.Columns {
		if !checked[c.Name] {
			why := strings.ToLower(c.Type.String())
			switch {
			case c.Type == dataset.Unknown || c.Missing == t.Rows:
				why = "no values"
			case c.Missing+c.Inf == t.Rows:
				why = "no finite values"
			}
			skipped = append(skipped, fmt.Sprintf("%s (%s)", safetext.Escape(c.Name), why))
		}
	}
	if len(skipped) > 0 {
		fmt.Fprintf(stderr, "%s: not checked: %s\n", f.train, strings.Join(skipped, ", "))
	}
	return d, score, nil
}

// saveDetector writes the detector through a temporary file, so that a
// failed write never leaves a truncated detector under the final name.
func saveDetector(d *outlier.Detector, path string) error {
	data, err := d.MarshalBinary()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return saveErr(path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return saveErr(path, err)
	}
	if err := tmp.Close(); err != nil {
		return saveErr(path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return saveErr(path, err)
	}
	return nil
}

// saveErr names the file the user gave rather than the temporary one.
func saveErr(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return usageErrf("--save %s: %w", path, err)
}

// readScoreTable reads only the detector's features from path, each forced
// to the type the detector expects, so that a cell of the wrong type is
// reported with its line and column, and a missing feature by name.
func readScoreTable(path string, features []outlier.FeatureInfo) (*dataset.Table, error) {
	if err := checkData("--score", path); err != nil {
		return nil, err
	}
	opts := dataset.Options{Types: map[string]dataset.Type{}}
	for _, fi := range features {
		opts.Columns = append(opts.Columns, fi.Name)
		switch fi.Kind {
		case "numeric":
			opts.Types[fi.Name] = dataset.Numeric
		case "boolean":
			opts.Types[fi.Name] = dataset.Boolean
		default:
			opts.Types[fi.Name] = dataset.Categorical
		}
	}
	t, err := dataset.ReadFile(path, opts)
	if err != nil {
		var mc *dataset.MissingColumnError
		if errors.As(err, &mc) {
			return nil, usageErrf("%v; the detector was trained on this feature, so every scored row needs it", err)
		}
		return nil, usageErr(err)
	}
	if t.Rows == 0 {
		return nil, usageErrf("%s: no data rows", path)
	}
	return t, nil
}

// chunkRows is how many rows one goroutine scores and encodes at a time:
// large enough to outweigh the hand-over, small enough that memory does not
// grow with the file.
const chunkRows = 4096

// flaggedRow is a flagged verdict kept for the summary and the text report.
type flaggedRow struct {
	row int
	v   outlier.Verdict
}

// chunk is one goroutine's working memory, reused from round to round.
type chunk struct {
	verdicts []outlier.Verdict
	jsonl    []byte
	flagged  []flaggedRow
	err      error
}

// scoreRows scores every row of t and, when jsonl is not nil, writes one JSON
// line per row to it in row order. Rows are scored and encoded in rounds of
// one chunk per core (the detector is safe for concurrent use); only the
// flagged verdicts are kept, so memory does not grow with the number of
// rows.
func scoreRows(d *outlier.Detector, t *dataset.Table, jsonl io.Writer) ([]flaggedRow, error) {
	var w *bufio.Writer
	if jsonl != nil {
		w = bufio.NewWriterSize(jsonl, 256<<10)
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), (t.Rows+chunkRows-1)/chunkRows))
	chunks := make([]chunk, workers)
	var flagged []flaggedRow
	for base := 0; base < t.Rows; base += workers * chunkRows {
		var wg sync.WaitGroup
		for k := range chunks {
			lo := base + k*chunkRows
			if lo >= t.Rows {
				break
			}
			hi := min(lo+chunkRows, t.Rows)
			wg.Go(func() { chunks[k].score(d, t.Slice(lo, hi), lo, w != nil) })
		}
		wg.Wait()
		for k := range chunks {
			c := &chunks[k]
			if c.err != nil {
				return nil, c.err
			}
			flagged = append(flagged, c.flagged...)
			if w != nil {
				if _, err := w.Write(c.jsonl); err != nil {
					return nil, err
				}
			}
			c.flagged, c.jsonl = c.flagged[:0], c.jsonl[:0]
		}
	}
	if w != nil {
		if err := w.Flush(); err != nil {
			return nil, err
		}
	}
	return flagged, nil
}

// score scores the rows of t, which start at row first of the file.
func (c *chunk) score(d *outlier.Detector, t *dataset.Table, first int, encode bool) {
	c.verdicts, c.err = d.ScoreTable(t, c.verdicts)
	if c.err != nil {
		return
	}
	for i := range c.verdicts {
		v := &c.verdicts[i]
		if encode {
			c.jsonl = appendVerdictJSON(c.jsonl, first+i, v)
			c.jsonl = append(c.jsonl, '\n')
		}
		if v.Anomaly {
			// The chunk's verdicts are reused: keep a copy.
			kept := *v
			kept.Scores = maps.Clone(v.Scores)
			kept.Reasons = slices.Clone(v.Reasons)
			kept.Top = slices.Clone(v.Top)
			kept.Unknown = slices.Clone(v.Unknown)
			c.flagged = append(c.flagged, flaggedRow{row: first + i, v: kept})
		}
	}
}

// summarize counts a batch of n rows of which flagged are the anomalies.
func summarize(flagged []flaggedRow, n int) outlier.Summary {
	vs := make([]outlier.Verdict, len(flagged))
	for i := range flagged {
		vs[i] = flagged[i].v
	}
	s := outlier.Summarize(vs)
	s.Inputs = n
	if n > 0 {
		s.Rate = float64(s.Anomalies) / float64(n)
	}
	return s
}

// scoreOrder lists Verdict.Scores keys in the order the detectors are
// described, so that output does not depend on map iteration.
var scoreOrder = []string{"isolation", "mahalanobis", "knn", "range", "category"}

// appendVerdictJSON appends row i's verdict as one JSON object. It is written
// by hand because encoding/json's reflection and map sorting would cost more
// than scoring the row.
func appendVerdictJSON(b []byte, i int, v *outlier.Verdict) []byte {
	b = append(b, `{"row":`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `,"score":`...)
	b = jsonw.AppendFloat(b, v.Score)
	b = append(b, `,"anomaly":`...)
	b = strconv.AppendBool(b, v.Anomaly)
	if v.Anomaly {
		b = append(b, `,"severity":`...)
		b = jsonw.AppendString(b, v.Severity.String())
		b = append(b, `,"isolation":`...)
		b = jsonw.AppendFloat(b, v.Isolation)
	}
	b = append(b, `,"reasons":[`...)
	for k := range v.Reasons {
		r := &v.Reasons[k]
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if r.Feature != "" {
			b = append(b, `"feature":`...)
			b = jsonw.AppendString(b, r.Feature)
			b = append(b, ',')
		}
		b = append(b, `"kind":`...)
		b = jsonw.AppendString(b, r.Kind)
		b = append(b, `,"value":`...)
		b = jsonw.AppendFloat(b, r.Value)
		b = append(b, `,"limit":`...)
		b = jsonw.AppendFloat(b, r.Limit)
		if r.Category != "" {
			b = append(b, `,"category":`...)
			b = jsonw.AppendString(b, r.Category)
		}
		b = append(b, `,"message":`...)
		b = jsonw.AppendString(b, r.Message)
		b = append(b, '}')
	}
	b = append(b, `],"scores":{`...)
	first := true
	for _, name := range scoreOrder {
		s, ok := v.Scores[name]
		if !ok {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = jsonw.AppendString(b, name)
		b = append(b, ':')
		b = jsonw.AppendFloat(b, s)
	}
	b = append(b, '}')
	if v.Anomaly && len(v.Top) > 0 {
		b = append(b, `,"top":[`...)
		for k, c := range v.Top {
			if k > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"feature":`...)
			b = jsonw.AppendString(b, c.Feature)
			b = append(b, `,"share":`...)
			b = jsonw.AppendFloat(b, c.Share)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// writeOutliersText lists the flagged rows, most severe first and then in row
// order, and the batch summary. Feature names and categories come from the
// files, so they are escaped for the terminal.
func writeOutliersText(out io.Writer, flagged []flaggedRow, sum outlier.Summary, terminal bool) error {
	w := bufio.NewWriter(out)
	textfmt.Heading(w, "OUTLIER DETECTION", terminal)
	for _, sev := range []alert.Severity{alert.Critical, alert.High, alert.Medium, alert.Low} {
		for _, f := range flagged {
			v := &f.v
			if v.Severity != sev {
				continue
			}
			fmt.Fprintf(w, "%s: row %d (score %.6f, isolation %.3f)\n", textfmt.SeverityLabel(sev, terminal), f.row, v.Score, v.Isolation)
			for _, r := range v.Reasons {
				fmt.Fprintf(w, "  - %s\n", safetext.Escape(r.Message))
			}
			if len(v.Top) > 0 {
				parts := make([]string, len(v.Top))
				for k, c := range v.Top {
					parts[k] = fmt.Sprintf("%s %.0f%%", safetext.Escape(c.Feature), 100*c.Share)
				}
				fmt.Fprintf(w, "  most unusual: %s\n", strings.Join(parts, ", "))
			}
		}
	}
	if sum.Anomalies > 0 {
		fmt.Fprintln(w)
	}
	w.WriteString(sum.Text())
	return w.Flush()
}
