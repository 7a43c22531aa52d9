package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/monitor"
	"github.com/warden-ml/warden/outlier"
)

func newProfileCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Build and inspect reference profiles",
		// Suggest build for biuld, as cobra does for the root's commands.
		SuggestionsMinimumDistance: 2,
		// Without this a mistyped subcommand would print the help and
		// exit 0, as if it had run.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			msg := fmt.Sprintf("unknown command %q for \"warden profile\" (want build)", args[0])
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return usageErrf("%s", msg)
		},
	}
	cmd.AddCommand(newProfileBuildCmd())
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
configuration.`,
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
