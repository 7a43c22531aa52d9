package main

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/drift"
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

// readTable reads the data file given to flag; every failure is the user's
// to fix.
func (f *readFlags) readTable(flag, path string, opts dataset.Options) (*dataset.Table, error) {
	if err := checkData(flag, path); err != nil {
		return nil, err
	}
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

func newDriftCmd() *cobra.Command {
	var (
		reference, profile, current, format, method, correction string
		columns                                                 []string
		threshold, minEffect                                    float64
		rf                                                      readFlags
	)
	cmd := &cobra.Command{
		Use:   "drift --reference REF|PROFILE --current CUR",
		Short: "Compare current data with reference data, column by column",
		Long: `Compare current (production) data with reference data column by column:
Kolmogorov-Smirnov for numeric columns, chi-square for categorical ones and a
two-proportion z-test for booleans, with Benjamini-Hochberg correction across
columns. A column drifts when its adjusted p-value is below --threshold and its
effect size is at least --min-effect.

The reference is a data file or a profile written by warden profile build
(told apart by content), which gives exactly the same answer; --profile is
the same as --reference but takes a profile only.

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
				return optionErr(err)
			}

			flag, path := "--reference", reference
			if profile != "" {
				flag, path = "--profile", profile
			}
			ref, err := loadReference(flag, path, &rf)
			if err != nil {
				return err
			}
			overrides, err := rf.typeOverrides()
			if err != nil {
				return err
			}
			// The reference's types are hints: a column the current data
			// lacks, or whose values are no longer of its type, is a
			// finding of the comparison, not a reason to stop.
			curTable, err := rf.readTable("--current", current, dataset.Options{Types: overrides, Hints: ref.Types()})
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
				return optionErr(err)
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
	f.StringVar(&reference, "reference", "", "reference data file (CSV or JSONL, optionally gzipped) or profile written by 'warden profile build'")
	f.StringVar(&profile, "profile", "", "reference profile written by 'warden profile build' (--reference takes one too)")
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

// loadReference reads the reference given to flag: a profile as it is,
// data profiled on the spot (for --reference only).
func loadReference(flag, path string, rf *readFlags) (*drift.Profile, error) {
	info, err := sniff(path)
	if err != nil {
		return nil, err
	}
	switch {
	case info.kind == kindDetector && flag == "--profile":
		return nil, wrongFile(flag, path, info, "a Warden profile", "give a profile from warden profile build")
	case info.kind == kindDetector:
		return nil, wrongFile(flag, path, info, "reference data or a profile",
			"give the data it was fitted on, or a profile from warden profile build")
	case info.kind == kindData && flag == "--profile":
		return nil, wrongFile(flag, path, info, "a Warden profile", "pass data as --reference")
	case info.kind == kindData || info.kind == kindOther && flag == "--reference":
		p, _, err := buildProfile(flag, path, rf)
		return p, err
	case info.kind == kindOther:
		return nil, wrongFile(flag, path, info, "a Warden profile", "expected a file written by warden profile build")
	}
	if len(rf.units) > 0 {
		return nil, usageErrf("--unit applies to reference data; %s is a profile, whose units were set when it was built", path)
	}
	p, err := drift.LoadProfile(path)
	if err != nil {
		return nil, usageErr(err)
	}
	return p, nil
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

// optionErr words a drift option error as the flag that set it:
// "--threshold \"2\": want a p-value level between 0 and 1"; other errors
// pass through.
func optionErr(err error) error {
	var oe *drift.OptionError
	if errors.As(err, &oe) {
		return usageErrf("--%s %s: %s", oe.Option, oe.Value, oe.Problem)
	}
	return err
}
