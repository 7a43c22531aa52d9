package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/internal/safetext"
)

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check and show the configuration file of warden serve and warden replay",
	}
	check := &cobra.Command{
		Use:   "check FILE",
		Short: "Load and validate a configuration file",
		Long: `Load a configuration file as warden serve would: apply the defaults, resolve
relative paths, validate every section and check that each model's reference
file exists. Every problem is printed on its own line with its path in the
file and its line. Exit status: 0 valid, 2 invalid or unreadable.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			c, err := config.Load(path)
			if err != nil {
				return configErr(cmd.ErrOrStderr(), err)
			}
			models := "models"
			if len(c.Models) == 1 {
				models = "model"
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: ok (%d %s)\n", path, len(c.Models), models)
			return nil
		},
	}
	show := &cobra.Command{
		Use:   "show [FILE]",
		Short: "Print the effective configuration, every default included",
		Long: `Print the configuration warden serve would run with, as YAML on stdout: the
file's settings over the defaults, or the defaults alone without FILE. Model
references appear resolved against the file's directory; inline webhook
secrets are redacted.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			c, err := config.Load(path)
			if err != nil {
				return configErr(cmd.ErrOrStderr(), err)
			}
			out, err := c.YAML()
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	cmd.AddCommand(check, show)
	return cmd
}

// configErr prints the problems of a file that does not parse or validate,
// one per line, and makes every load failure a usage error.
func configErr(stderr io.Writer, err error) error {
	var (
		ve *config.ValidationError
		se *config.SyntaxError
	)
	if errors.As(err, &ve) || errors.As(err, &se) {
		fmt.Fprintln(stderr, safetext.EscapeLines(err.Error()))
		return &exitError{code: exitUsage}
	}
	return usageErr(err)
}
