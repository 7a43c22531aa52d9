package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/internal/count"
	"github.com/warden-ml/warden/internal/safetext"
	"github.com/warden-ml/warden/internal/textfmt"
	"github.com/warden-ml/warden/monitor"
	"github.com/warden-ml/warden/outlier"
)

func newProfileCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Build and inspect reference profiles",
	}
	cmd.AddCommand(newProfileBuildCmd(), newProfileShowCmd())
	return cmd
}

func newProfileBuildCmd() *cobra.Command {
	var (
		data, out  string
		rf         readFlags
		exclude    []string
		fpr        float64
		noOutliers bool
	)
	build := &cobra.Command{
		Use:   "build --data REF --out PROFILE",
		Short: "Summarise reference data into a profile file that drift checks and the service can use instead of the data",
		Long: `Summarise reference data into a profile file that drift checks and the service
can use instead of the data. The profile also holds the outlier detector fitted
on the same rows (package outlier), so that a service given the profile screens
inputs too; --exclude-columns names columns that are not model inputs (the
model's score, prediction and label never are).

A profile goes wherever reference data does: warden drift --reference, warden
outliers --detector (its outlier detector), a model's reference in the
configuration. warden profile show prints what it holds.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if data == "" || out == "" {
				return usageErrf("profile build needs --data and --out")
			}
			m := config.DefaultModel()
			m.Name = "profile"
			m.Outliers.Enabled = !noOutliers
			m.Outliers.FPR = fpr
			m.Outliers.Exclude = exclude
			if err := m.Outliers.Validate(); err != nil {
				return usageErr(err)
			}
			p, t, err := buildProfile("--data", data, &rf)
			if err != nil {
				return err
			}
			detector := "no outlier detector"
			if !noOutliers {
				d, err := outlier.Fit(t, monitor.OutlierOptions(&m, t))
				if err != nil {
					return usageErr(err)
				}
				if p.Outlier, err = d.MarshalBinary(); err != nil {
					return err
				}
				detector = "outlier detector over " + count.Plural(len(d.Features()), "input", "inputs")
				for _, w := range d.Warnings() {
					fmt.Fprintf(cmd.ErrOrStderr(), "warden: warning: %s\n", safetext.Escape(w))
				}
			}
			p.WrittenBy = "warden " + versionString()
			if err := drift.SaveProfile(p, out); err != nil {
				return usageErr(err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "profile of %s (%s, %s; %s) written to %s\n", data,
				count.Plural(p.Rows, "row", "rows"), count.Plural(len(p.Columns), "column", "columns"), detector, out)
			return nil
		},
	}
	build.Flags().StringVar(&data, "data", "", "reference data file (CSV or JSON lines, optionally gzipped)")
	build.Flags().StringVar(&out, "out", "", "profile file to write")
	build.Flags().StringSliceVar(&exclude, "exclude-columns", nil, "columns that are not model inputs, left out of the outlier detector (comma-separated)")
	build.Flags().Float64Var(&fpr, "fpr", config.DefaultModel().Outliers.FPR, "share of reference-like inputs the outlier detector flags")
	build.Flags().BoolVar(&noOutliers, "no-outliers", false, "profile only; fit no outlier detector")
	rf.register(build)
	return build
}

// buildProfile reads the reference data given to flag and profiles it.
func buildProfile(flag, path string, rf *readFlags) (*drift.Profile, *dataset.Table, error) {
	types, err := rf.typeOverrides()
	if err != nil {
		return nil, nil, err
	}
	units, err := rf.unitMap()
	if err != nil {
		return nil, nil, err
	}
	t, err := rf.readTable(flag, path, dataset.Options{Types: types})
	if err != nil {
		return nil, nil, err
	}
	if t.Rows == 0 {
		return nil, nil, usageErrf("%s: no data rows", path)
	}
	p, err := drift.NewProfile(t, drift.ProfileOptions{Units: units})
	return p, t, err
}

func newProfileShowCmd() *cobra.Command {
	var format string
	show := &cobra.Command{
		Use:   "show PROFILE",
		Short: "Print what a profile holds: its columns and its outlier detector's settings",
		Long: `Print what a profile written by warden profile build holds: the format version,
the rows it summarises, each column (type, rows, missing values; minimum,
median and maximum of numeric and datetime columns, the categories of
categorical ones, the share of true of booleans) and, when it has one, its
outlier detector's settings (features, detectors, false-positive rate,
contamination, the held-out rows it is calibrated on). --format json gives the
same for programs, each column with the summary drift reports give the
reference (datetime values in Unix seconds). Exit status: 0 shown, 2 not a
profile or unreadable.`,
		Example: `  warden profile build --data demo/reference.csv --out demo/reference.wprof
  warden profile show demo/reference.wprof`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrf("profile show needs one profile file: warden profile show PROFILE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageErrf("--format %q: want text or json", format)
			}
			path := args[0]
			info, err := sniff(path)
			if err != nil {
				return err
			}
			switch info.kind {
			case kindData:
				return usageErrf("%s is %s, not a Warden profile: build one with warden profile build --data %s --out PROFILE", path, info.what, path)
			case kindDetector:
				return usageErrf("%s is %s, not a Warden profile: warden outliers --detector %s --score FILE scores with it", path, info.what, path)
			case kindOther:
				return usageErrf("%s is %s, not a Warden profile (expected a file written by warden profile build)", path, info.what)
			}
			p, err := drift.LoadProfile(path)
			if err != nil {
				return usageErr(err)
			}
			ref, err := monitor.DecodeReference(p)
			if err != nil {
				return usageErrf("%s: %w", path, err)
			}
			desc := describeProfile(path, p, ref.Outlier)
			out := cmd.OutOrStdout()
			if format == "json" {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(desc)
			}
			return desc.writeText(out, isTerminal(out))
		},
	}
	show.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return show
}

// profileDesc is what warden profile show prints; its JSON form is the
// contract of --format json.
type profileDesc struct {
	File          string         `json:"file"`
	FormatVersion int            `json:"format_version"`
	WrittenBy     string         `json:"written_by,omitempty"`
	Source        string         `json:"source,omitempty"`
	Rows          int            `json:"rows"`
	Columns       []columnDesc   `json:"columns"`
	Outlier       *detectorDesc  `json:"outlier_detector"` // null: none inside
	kinds         map[string]int // features per kind, for the text
}

type columnDesc struct {
	Name    string       `json:"name"`
	Type    dataset.Type `json:"type"`
	Unit    string       `json:"unit,omitempty"`
	Rows    int          `json:"rows"`
	Missing int          `json:"missing"`
	Inf     int          `json:"inf,omitempty"`
	// Categories counts a categorical column's distinct values.
	Categories int `json:"categories,omitempty"`
	// Summary is the column as drift reports show the reference side;
	// datetime values are Unix seconds.
	Summary drift.Summary `json:"summary"`
}

type detectorDesc struct {
	Features        []outlier.FeatureInfo   `json:"features"`
	Detectors       []string                `json:"detectors"`
	FPR             float64                 `json:"fpr"`
	Contamination   float64                 `json:"contamination"`
	Holdout         float64                 `json:"holdout"`
	Calibration     outlier.CalibrationInfo `json:"calibration"`
	Exclude         []string                `json:"exclude"`
	Seed            uint64                  `json:"seed"`
	Trees           int                     `json:"trees"`
	SampleSize      int                     `json:"sample_size"`
	Neighbours      int                     `json:"neighbours"`
	NeighbourSample int                     `json:"neighbour_sample"`
}

func describeProfile(path string, p *drift.Profile, d *outlier.Detector) *profileDesc {
	desc := &profileDesc{File: path, FormatVersion: p.FormatVersion, WrittenBy: p.WrittenBy, Source: p.Source, Rows: p.Rows, Columns: []columnDesc{}}
	for _, c := range p.Columns {
		desc.Columns = append(desc.Columns, columnDesc{
			Name: c.Name, Type: c.Type, Unit: c.Unit, Rows: c.Rows, Missing: c.Missing, Inf: c.Inf,
			Categories: len(c.Categories), Summary: c.Summary(),
		})
	}
	if d == nil {
		return desc
	}
	o := d.Options()
	desc.Outlier = &detectorDesc{
		Features: d.Features(), Detectors: d.Detectors(), FPR: o.FPR, Contamination: o.Contamination,
		Holdout: o.Holdout, Calibration: d.Calibration(), Exclude: o.Exclude, Seed: o.Seed,
		Trees: o.Forest.Trees, SampleSize: o.Forest.SampleSize, Neighbours: o.Neighbours, NeighbourSample: o.NeighbourSample,
	}
	if desc.Outlier.Exclude == nil {
		desc.Outlier.Exclude = []string{}
	}
	desc.kinds = map[string]int{}
	for _, f := range desc.Outlier.Features {
		desc.kinds[f.Kind]++
	}
	return desc
}

// writeText prints the profile for people. Everything but the numbers was
// read from the file, which may have come from anywhere, so every string is
// escaped for the terminal; a tab, which would shift the table, too.
func (p *profileDesc) writeText(out io.Writer, terminal bool) error {
	esc := safetext.Escape
	w := bufio.NewWriter(out)
	textfmt.Heading(w, "PROFILE", terminal)
	fmt.Fprintf(w, "File:    %s (Warden profile, format version %d)\n", esc(p.File), p.FormatVersion)
	if p.WrittenBy != "" {
		fmt.Fprintf(w, "Written: by %s\n", esc(p.WrittenBy))
	}
	if p.Source != "" {
		fmt.Fprintf(w, "Source:  %s\n", esc(p.Source))
	}
	fmt.Fprintf(w, "Rows:    %d\nColumns: %d\n\n", p.Rows, len(p.Columns))
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COLUMN\tTYPE\tROWS\tMISSING\tMIN\tMEDIAN\tMAX\tCATEGORIES")
	for _, c := range p.Columns {
		typ := c.Type.String()
		if c.Unit != "" {
			typ += " (" + esc(c.Unit) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", esc(c.Name), typ, c.Rows, c.Missing, c.values())
	}
	tw.Flush()
	// Every line has all the cells, so that the columns line up; the last
	// is often empty, and its padding is trimmed.
	for line := range bytes.Lines(table.Bytes()) {
		w.Write(bytes.TrimRight(line, " \n"))
		w.WriteByte('\n')
	}
	fmt.Fprintln(w)
	textfmt.Heading(w, "OUTLIER DETECTOR", terminal)
	d := p.Outlier
	if d == nil {
		fmt.Fprintln(w, "None: warden outliers cannot use this profile (it was built with --no-outliers,")
		fmt.Fprintln(w, "or by an older warden); warden profile build without --no-outliers fits one.")
		return w.Flush()
	}
	names := make([]string, len(d.Features))
	for i, f := range d.Features {
		names[i] = esc(f.Name)
	}
	var kinds []string
	for _, k := range []string{"numeric", "boolean", "categorical"} {
		if n := p.kinds[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%d %s", n, k))
		}
	}
	exclude := "none"
	if len(d.Exclude) > 0 {
		exclude = esc(strings.Join(d.Exclude, ", "))
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Features:\t%d (%s): %s\n", len(names), strings.Join(kinds, ", "), strings.Join(names, ", "))
	fmt.Fprintf(tw, "Excluded columns:\t%s\n", exclude)
	fmt.Fprintf(tw, "Detectors:\t%s\n", strings.Join(d.Detectors, ", "))
	fmt.Fprintf(tw, "False-positive rate:\t%s\n", strconv.FormatFloat(d.FPR, 'g', -1, 64))
	fmt.Fprintf(tw, "Contamination:\t%s\n", strconv.FormatFloat(d.Contamination, 'g', -1, 64))
	fmt.Fprintf(tw, "Calibration:\t%s (holdout share %s); ordinary inputs flagged: at most %s%% (95%% bound)\n",
		count.Plural(d.Calibration.HeldOut, "held-out row", "held-out rows"), strconv.FormatFloat(d.Holdout, 'g', -1, 64),
		strconv.FormatFloat(100*d.Calibration.UpperFPR, 'f', 2, 64))
	fmt.Fprintf(tw, "Isolation forest:\t%d trees of %d rows\n", d.Trees, d.SampleSize)
	fmt.Fprintf(tw, "Nearest neighbours:\t%d among %d rows\n", d.Neighbours, d.NeighbourSample)
	fmt.Fprintf(tw, "Seed:\t%d\n", d.Seed)
	tw.Flush()
	if d.Calibration.Warning != "" {
		fmt.Fprintf(w, "Warning: %s\n", esc(d.Calibration.Warning))
	}
	return w.Flush()
}

// values is the MIN, MEDIAN, MAX and CATEGORIES cells of a column's line:
// numbers and dates for numeric and datetime columns, the categories of
// categorical ones, the share of true of booleans.
func (c *columnDesc) values() string {
	const none = "-\t-\t-\t"
	switch s := c.Summary.(type) {
	case *drift.CategoricalSummary:
		if c.Type == dataset.Boolean {
			for _, sh := range s.Top {
				if sh.Value == "true" {
					return none + fmt.Sprintf("true %.1f%%", 100*sh.Share)
				}
			}
			return none + "no values"
		}
		parts := make([]string, len(s.Top))
		for i, sh := range s.Top {
			parts[i] = fmt.Sprintf("%s %.1f%%", safetext.Escape(sh.Value), 100*sh.Share)
		}
		text := fmt.Sprintf("%d categories", c.Categories)
		if c.Categories == 1 {
			text = "1 category"
		}
		if len(parts) > 0 {
			text += ": " + strings.Join(parts, ", ")
		}
		if c.Categories > len(parts) {
			text += ", ..."
		}
		return none + text
	case *drift.NumericSummary:
		if s.Count == 0 {
			return none
		}
		f := formatValue
		if c.Type == dataset.Datetime {
			f = formatTime
		}
		return f(float64(s.Min)) + "\t" + f(float64(s.P50)) + "\t" + f(float64(s.Max)) + "\t"
	}
	return none
}

func formatValue(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// formatTime writes Unix seconds as a date, with the time of day when
// there is one.
func formatTime(v float64) string {
	t := time.Unix(int64(math.Floor(v)), 0).UTC()
	if v == math.Floor(v/86400)*86400 {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.DateTime)
}
