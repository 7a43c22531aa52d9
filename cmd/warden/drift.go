package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/monitor"
	"github.com/warden-ml/warden/outlier"
)

// readFlags are the flags every command that reads tabular files shares.
type readFlags struct {
	types []string // col=type overrides
	units []string // col=unit
}

func (f *readFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.types, "type", nil, "force a column's type, as `COLUMN=TYPE` (numeric, categorical, boolean, datetime, text); repeatable")
	cmd.Flags().StringArrayVar(&f.units, "unit", nil, "display unit of a numeric column, as `COLUMN=UNIT` (\"$\", \"km\", ...); repeatable")
}

func (f *readFlags) typeOverrides() (map[string]dataset.Type, error) {
	types := map[string]dataset.Type{}
	for _, kv := range f.types {
		col, name, ok := strings.Cut(kv, "=")
		if !ok || col == "" {
			return nil, usageErrf("--type %q: want COLUMN=TYPE", kv)
		}
		t, err := dataset.ParseType(name)
		if err != nil {
			return nil, usageErrf("--type %q: %v", kv, err)
		}
		types[col] = t
	}
	return types, nil
}

func (f *readFlags) unitMap() (map[string]string, error) {
	units := map[string]string{}
	for _, kv := range f.units {
		col, unit, ok := strings.Cut(kv, "=")
		if !ok || col == "" {
			return nil, usageErrf("--unit %q: want COLUMN=UNIT", kv)
		}
		units[col] = unit
	}
	return units, nil
}

// readTable reads a tabular file; every failure is the user's to fix.
func (f *readFlags) readTable(path string, opts dataset.Options) (*dataset.Table, error) {
	t, err := dataset.ReadFile(path, opts)
	if err != nil {
		return nil, f.explain(err)
	}
	return t, nil
}

// explain words a reading error in the command's terms: a column that
// --type names and the file lacks is the flag's mistake, not the file's.
func (f *readFlags) explain(err error) error {
	var mc *dataset.MissingColumnError
	if errors.As(err, &mc) && mc.Option == "Types" {
		for _, kv := range slices.Backward(f.types) {
			if col, _, _ := strings.Cut(kv, "="); col == mc.Column {
				return usageErrf("--type %s: %s has no column %q (it has %s)", kv, mc.File, mc.Column, mc.Listing())
			}
		}
	}
	return usageErr(err)
}

// buildProfile reads a reference file and profiles it.
func buildProfile(path string, rf *readFlags) (*drift.Profile, *dataset.Table, error) {
	types, err := rf.typeOverrides()
	if err != nil {
		return nil, nil, err
	}
	units, err := rf.unitMap()
	if err != nil {
		return nil, nil, err
	}
	t, err := rf.readTable(path, dataset.Options{Types: types})
	if err != nil {
		return nil, nil, err
	}
	if t.Rows == 0 {
		return nil, nil, usageErrf("%s: no data rows", path)
	}
	p, err := drift.NewProfile(t, drift.ProfileOptions{Units: units})
	return p, t, err
}

func newProfileCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Build and inspect reference profiles",
	}
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
model's score, prediction and label never are).`,
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
			p, t, err := buildProfile(data, &rf)
			if err != nil {
				return err
			}
			detector := "no outlier detector"
			if !noOutliers {
				d, err := outlier.Fit(t, monitor.OutlierOptions(&m, t))
				if err != nil {
					return usageErrf("%s: outlier detector: %v", data, err)
				}
				if p.Outlier, err = d.MarshalBinary(); err != nil {
					return err
				}
				detector = fmt.Sprintf("outlier detector over %d inputs", len(d.Features()))
			}
			if err := drift.SaveProfile(p, out); err != nil {
				return usageErr(err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "profile of %s (%d rows, %d columns; %s) written to %s\n", data, p.Rows, len(p.Columns), detector, out)
			return nil
		},
	}
	build.Flags().StringVar(&data, "data", "", "reference data file (CSV or JSONL, optionally gzipped)")
	build.Flags().StringVar(&out, "out", "", "profile file to write")
	build.Flags().StringSliceVar(&exclude, "exclude-columns", nil, "columns that are not model inputs, left out of the outlier detector (comma-separated)")
	build.Flags().Float64Var(&fpr, "fpr", config.DefaultModel().Outliers.FPR, "share of reference-like inputs the outlier detector flags")
	build.Flags().BoolVar(&noOutliers, "no-outliers", false, "profile only; fit no outlier detector")
	rf.register(build)
	cmd.AddCommand(build)
	return cmd
}

func newDriftCmd() *cobra.Command {
	var (
		reference, profile, current, format, method, correction string
		columns                                                 []string
		threshold, minEffect                                    float64
		rf                                                      readFlags
	)
	cmd := &cobra.Command{
		Use:   "drift (--reference REF | --profile PROFILE) --current CUR",
		Short: "Compare current data with reference data, column by column",
		Long: `Compare current (production) data with reference data column by column:
Kolmogorov-Smirnov for numeric columns, chi-square for categorical ones and a
two-proportion z-test for booleans, with Benjamini-Hochberg correction across
columns. A column drifts when its adjusted p-value is below --threshold and its
effect size is at least --min-effect.

The current data is read with the reference's column types where its values
allow. A reference column it lacks, a column whose values are no longer of the
reference's type (a word in a numeric column; the first such value is named)
and a column the reference lacks are data-quality findings, reported with the
others (missing values, infinities, values out of range, unseen categories);
the other columns are still tested. --type COLUMN=TYPE forces a type in both
files: a column it names must be there, and a value not of that type is an
error.

Exit status: 0 no dataset drift, 1 dataset drift, 2 usage or input error.
Data-quality findings alone do not change it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (reference == "") == (profile == "") {
				return usageErrf("drift needs exactly one of --reference and --profile")
			}
			if current == "" {
				return usageErrf("drift needs --current")
			}
			if format != "text" && format != "json" {
				return usageErrf("--format %q: want text or json", format)
			}
			opts := drift.DefaultOptions()
			opts.Method = drift.Method(method)
			opts.Alpha = threshold
			opts.MinEffect = minEffect
			opts.Columns = columns
			switch correction {
			case "bh", string(drift.CorrectionBH):
				opts.Correction = drift.CorrectionBH
			default:
				opts.Correction = drift.Correction(correction)
			}
			if err := opts.Validate(); err != nil {
				return usageErr(err)
			}

			var ref *drift.Profile
			var err error
			if profile != "" {
				if ref, err = drift.LoadProfile(profile); err != nil {
					return usageErr(err)
				}
			} else if ref, _, err = buildProfile(reference, &rf); err != nil {
				return err
			}
			overrides, err := rf.typeOverrides()
			if err != nil {
				return err
			}
			// The reference's types are hints: a column the current data
			// lacks, or whose values are no longer of its type, is a
			// finding of the comparison, not a reason to stop.
			curTable, err := rf.readTable(current, dataset.Options{Types: overrides, Hints: ref.Types()})
			if err != nil {
				return err
			}
			if curTable.Rows == 0 {
				return usageErrf("%s: no data rows", current)
			}
			cur, err := drift.NewProfile(curTable, drift.ProfileOptions{})
			if err != nil {
				return err
			}
			report, err := drift.Compare(ref, cur, opts)
			if err != nil {
				if errors.Is(err, drift.ErrInvalidOptions) {
					return usageErr(err)
				}
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				err = enc.Encode(report)
			} else {
				err = report.WriteText(out, drift.TextOptions{Terminal: isTerminal(out)})
			}
			if err != nil {
				return err
			}
			if report.DatasetDrift {
				return errFound
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&reference, "reference", "", "reference data file (CSV or JSONL, optionally gzipped)")
	f.StringVar(&profile, "profile", "", "reference profile written by 'warden profile build'")
	f.StringVar(&current, "current", "", "current (production) data file")
	f.StringVar(&format, "format", "text", "output format: text or json")
	f.StringVar(&method, "method", "auto", "test: auto, ks, chi2 or z")
	f.StringSliceVar(&columns, "columns", nil, "test only these columns (comma-separated)")
	f.Float64Var(&threshold, "threshold", 0.05, "p-value level of each test, after correction")
	f.Float64Var(&minEffect, "min-effect", drift.DefaultMinEffect, "smallest effect size (KS statistic or distance) that counts as drift")
	f.StringVar(&correction, "correction", "bh", "multiple-testing correction: bh, bonferroni or none")
	rf.register(cmd)
	return cmd
}

// isTerminal reports whether w is a terminal, where the lab's markers are
// shown; NO_COLOR turns them off.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
