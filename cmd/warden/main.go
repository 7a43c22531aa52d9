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

	"github.com/warden-ml/warden/internal/safetext"
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
	// placed: the message already names the command it is about, so it
	// is printed without the "warden: " prefix.
	placed bool
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
		Use:   "warden",
		Short: "Watch machine-learning models in production for security problems",
		Long: `Warden watches machine-learning models in production for security problems:
data drift, adversarial and out-of-distribution inputs, with alerts and the ML
security monitoring report. 'warden demo' tells the whole story in one command.

Every command exits 0 when it ran and found nothing, 1 when it found something,
2 on a usage or input error and 3 on an internal error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
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
		newTokenCmd(),
		newSilenceCmd(),
		newLogCmd(),
		newBackupCmd(),
		newRestoreCmd(),
	)
	root.Version = versionString()
	root.SetVersionTemplate("warden {{.Version}}\n")
	checkUsage(root)
	return root
}

func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitClean
	}
	// Messages quote column names, values and ids from the files read:
	// escaped, they cannot drive the terminal.
	var ee *exitError
	if errors.As(err, &ee) {
		switch {
		case ee.err != nil && ee.placed:
			fmt.Fprintln(stderr, safetext.EscapeLines(ee.err.Error()))
		case ee.err != nil:
			fmt.Fprintln(stderr, "warden:", safetext.EscapeLines(ee.err.Error()))
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "warden: internal error:", safetext.EscapeLines(err.Error()))
	return exitInternal
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
