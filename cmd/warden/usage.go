package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// checkUsage makes every mistake in a command line a usage error (exit 2)
// with a hint: cobra's own argument and flag errors carry no type, so each
// command's argument check is wrapped, and commands that only group
// subcommands refuse unknown ones instead of printing help and exiting 0.
func checkUsage(c *cobra.Command) {
	c.SetFlagErrorFunc(flagError)
	switch {
	case c.HasSubCommands() && c.RunE == nil && c.Run == nil:
		c.Args = unknownSubcommand
		c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		c.DisableFlagsInUseLine = true
	case c.Args != nil:
		check := c.Args
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return commandErr(cmd, argsProblem(cmd, err))
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		checkUsage(sub)
	}
}

// argsProblem rewords cobra's "unknown command" for a command that takes
// no arguments, which is what a stray word is there.
func argsProblem(cmd *cobra.Command, err error) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "unknown command "); ok {
		word, _, _ := strings.Cut(rest, " for ")
		return "takes no arguments, got " + word
	}
	// "accepts 1 arg(s), received 0": show what the arguments are.
	return fmt.Sprintf("%s (usage: %s)", strings.Replace(msg, "arg(s)", "argument(s)", 1), strings.TrimSuffix(cmd.UseLine(), " [flags]"))
}

func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	var names []string
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	if s := closest(args[0], names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return commandErr(cmd, msg)
}

// flagError words pflag's complaints for people: the flag it does not
// know with the closest one it does, or what the value should look like.
func flagError(cmd *cobra.Command, err error) error {
	// "warden rport --since 7d": the mistake is the command, which left
	// its flags to a command that does not know them.
	if args := cmd.Flags().Args(); cmd.HasSubCommands() && len(args) > 0 {
		return unknownSubcommand(cmd, args)
	}
	var (
		unknown *pflag.NotExistError
		missing *pflag.ValueRequiredError
		invalid *pflag.InvalidValueError
		msg     string
	)
	switch {
	case errors.As(err, &unknown) && unknown.GetSpecifiedShortnames() == "":
		name := unknown.GetSpecifiedName()
		msg = fmt.Sprintf("unknown flag --%s", name)
		var names []string
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden {
				names = append(names, f.Name)
			}
		})
		if s := closest(name, names); s != "" {
			msg += fmt.Sprintf("; did you mean --%s?", s)
		}
	case errors.As(err, &unknown):
		msg = fmt.Sprintf("unknown flag -%s", unknown.GetSpecifiedName()[:1])
	case errors.As(err, &missing):
		msg = fmt.Sprintf("--%s needs a value", missing.GetFlag().Name)
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		msg = fmt.Sprintf("--%s %q: want %s", f.Name, invalid.GetValue(), valueKind(f.Value.Type()))
	default:
		msg = err.Error()
	}
	return commandErr(cmd, msg)
}

// valueKind names what a flag of a pflag value type takes.
func valueKind(typ string) string {
	switch typ {
	case "int", "int64", "int32":
		return "a whole number"
	case "uint", "uint64", "uint32":
		return "a whole number of at least 0"
	case "float64", "float32":
		return "a number"
	case "bool":
		return "true or false"
	case "duration":
		return "a duration such as 30s, 5m or 24h"
	}
	return "a " + typ
}

// commandErr is a usage error about cmd's command line, with where to
// read how to use it.
func commandErr(cmd *cobra.Command, msg string) error {
	return &exitError{code: exitUsage, placed: true,
		err: fmt.Errorf("%s: %s\nRun '%s --help' for usage.", cmd.CommandPath(), msg, cmd.CommandPath())}
}

// closest is the name nearest to typed: one it starts (at least two
// letters typed), or one within two edits, a swap of neighbours counting
// as one.
func closest(typed string, names []string) string {
	slices.Sort(names)
	best, bestDist := "", 3
	for _, n := range names {
		d := editDistance(typed, n)
		if len(typed) >= 2 && strings.HasPrefix(n, typed) {
			d = min(d, 1)
		}
		if d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance counts the insertions, deletions, substitutions and swaps
// of adjacent letters that turn a into b (optimal string alignment).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
