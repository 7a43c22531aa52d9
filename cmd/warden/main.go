// Command warden watches machine-learning models in production for security
// problems: data drift, adversarial inputs, model extraction and prompt
// injection.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes shared by every command (DESIGN.md).
const (
	exitClean    = 0 // ran and found nothing
	exitFound    = 1 // ran and found something
	exitUsage    = 2 // usage or input error
	exitInternal = 3 // internal error
)

// exitError carries the exit code a command wants; errors without one are
// internal errors.
type exitError struct {
	code int
	err  error // nil: exit with code silently
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr marks err as the user's to fix (bad flag, unreadable input): exit 2.
func usageErr(err error) error { return &exitError{code: exitUsage, err: err} }

// usageErrf is usageErr with formatting.
func usageErrf(format string, a ...any) error { return usageErr(fmt.Errorf(format, a...)) }

// errFound is returned by commands that ran and found something: exit 1.
var errFound = &exitError{code: exitFound}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "warden",
		Short:         "Watch machine-learning models in production for security problems",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	root.AddCommand(
		newSimulateCmd(),
		newProfileCmd(),
		newDriftCmd(),
		newOutliersCmd(),
		newConfigCmd(),
		newReplayCmd(),
		newServeCmd(),
		newReportCmd(),
		newDemoCmd(),
	)
	return root
}

func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitClean
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "warden:", ee.err)
		}
		return ee.code
	}
	// cobra reports unknown commands and bad arguments as plain errors.
	if isCobraUsageError(err) {
		fmt.Fprintln(stderr, "warden:", err)
		return exitUsage
	}
	fmt.Fprintln(stderr, "warden: internal error:", err)
	return exitInternal
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
