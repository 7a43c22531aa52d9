package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/warden-ml/warden/simulate"
)

type simulateFlags struct {
	seed          uint64
	referenceRows int
	rows          int
	start         string
	duration      time.Duration
	users         int
	drifts        []string
	bursts        []string
	dir           string
	reference     string
	current       string
	format        string
}

func newSimulateCmd() *cobra.Command {
	var f simulateFlags
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Write seeded reference and production traffic for the fraud model",
		Long: `Simulate writes reference (training) data and production traffic of the fraud
model ` + simulate.ModelName + `, optionally with injected drift. The same flags
always write the same bytes; the reference never depends on the production
flags, so it can be kept while the drift changes.

With --dir it writes DIR/reference.csv and DIR/production.csv (.jsonl for the
jsonl and events formats; the reference stays CSV for events). Alternatively,
--reference and --current name the two files; "-" is stdout.

A drift is FEATURE:KEY=VALUE,... with keys scale, shift (numeric features),
new and share (merchant_category, or card_present with new=true|false), nulls,
and from, until, ramp (offsets from --start). A burst is one user's run of
crafted probes, each further outside normal traffic: USER:count=N,from=OFFSET,
until=OFFSET (until defaults to half an hour after from).`,
		Example: `  warden simulate --dir demo
  warden simulate --dir demo --drift transaction_amount:scale=2.1,from=12h
  warden simulate --dir demo --drift merchant_category:new=crypto_exchange,share=0.2,from=6h \
      --drift distance_from_home_km:nulls=0.4,from=3h,until=4h
  warden simulate --current - --format events --rows 1000 --duration 1h
  warden simulate --dir demo --format events --burst api_user_312:count=60,from=9h,until=9h30m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSimulate(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.Uint64Var(&f.seed, "seed", 1, "random seed; the same seed and flags give the same output")
	fl.IntVar(&f.referenceRows, "reference-rows", 10000, "reference (training) rows")
	fl.IntVar(&f.rows, "rows", 10000, "production rows, spread over --duration")
	fl.StringVar(&f.start, "start", simulate.DefaultStart().Format(time.RFC3339), "event time of the first production row (RFC 3339)")
	fl.DurationVar(&f.duration, "duration", 24*time.Hour, "time the production rows span on average")
	fl.IntVar(&f.users, "users", simulate.DefaultUsers, "distinct users sending production traffic")
	fl.StringArrayVar(&f.drifts, "drift", nil, "drift to inject, FEATURE:KEY=VALUE,... (repeatable)")
	fl.StringArrayVar(&f.bursts, "burst", nil, "crafted probes from one user, USER:count=N,from=OFFSET,until=OFFSET (repeatable)")
	fl.StringVar(&f.dir, "dir", "", "directory for reference and production files (created if missing)")
	fl.StringVar(&f.reference, "reference", "", `reference output file ("-" for stdout)`)
	fl.StringVar(&f.current, "current", "", `production output file ("-" for stdout)`)
	fl.StringVar(&f.format, "format", "csv", "production format: csv, jsonl or events")
	return cmd
}

// simulatePlan is the validated form of the flags.
type simulatePlan struct {
	opts                    simulate.Options
	productionFormat        simulate.Format
	referenceFormat         simulate.Format
	referencePath, prodPath string // "" = not written
}

func planSimulation(f *simulateFlags) (simulatePlan, error) {
	var p simulatePlan
	p.productionFormat = simulate.Format(f.format)
	switch p.productionFormat {
	case simulate.FormatCSV, simulate.FormatEvents:
		p.referenceFormat = simulate.FormatCSV
	case simulate.FormatJSONL:
		p.referenceFormat = simulate.FormatJSONL
	default:
		return p, usageErrf("--format %q: want csv, jsonl or events", f.format)
	}
	switch {
	case f.rows < 0:
		return p, usageErrf("--rows %d: want 0 or more", f.rows)
	case f.referenceRows < 0:
		return p, usageErrf("--reference-rows %d: want 0 or more", f.referenceRows)
	case f.duration <= 0:
		return p, usageErrf("--duration %v: want a positive duration such as 24h", f.duration)
	case f.users < 1 || f.users > simulate.MaxUsers:
		return p, usageErrf("--users %d: want 1 to %d", f.users, simulate.MaxUsers)
	}
	start, err := time.Parse(time.RFC3339, f.start)
	if err != nil {
		return p, usageErrf("--start %q: want an RFC 3339 time such as 2026-01-01T00:00:00Z", f.start)
	}
	p.opts = simulate.Options{Seed: f.seed, Start: start, Users: f.users, Rate: simulate.DefaultRate}
	if f.rows > 0 {
		p.opts.Rate = float64(f.rows) / f.duration.Seconds()
	}
	for _, spec := range f.drifts {
		d, err := simulate.ParseDrift(spec)
		if err != nil {
			return p, usageErrf("--drift: %w", err)
		}
		if d.From >= f.duration {
			return p, usageErrf("--drift %q starts at %v, after the end of --duration %v", spec, d.From, f.duration)
		}
		p.opts.Drifts = append(p.opts.Drifts, d)
	}
	for _, spec := range f.bursts {
		b, err := simulate.ParseBurst(spec)
		if err != nil {
			return p, usageErrf("--burst: %w", err)
		}
		if b.From >= f.duration {
			return p, usageErrf("--burst %q starts at %v, after the end of --duration %v", spec, b.From, f.duration)
		}
		p.opts.Bursts = append(p.opts.Bursts, b)
	}
	if err := p.opts.Validate(); err != nil {
		return p, usageErr(err)
	}

	switch {
	case f.dir != "" && (f.reference != "" || f.current != ""):
		return p, usageErrf("--dir cannot be combined with --reference or --current")
	case f.dir != "":
		p.referencePath = filepath.Join(f.dir, "reference."+extension(p.referenceFormat))
		p.prodPath = filepath.Join(f.dir, "production."+extension(p.productionFormat))
	case f.reference == "" && f.current == "":
		return p, usageErrf("no output: give --dir DIR, or --reference FILE and/or --current FILE")
	case f.reference == "-" && f.current == "-":
		return p, usageErrf(`--reference and --current cannot both be "-": the files would mix on stdout`)
	case f.reference != "" && f.reference == f.current:
		return p, usageErrf("--reference and --current are the same file %q", f.reference)
	default:
		p.referencePath, p.prodPath = f.reference, f.current
	}
	return p, nil
}

func extension(f simulate.Format) string {
	if f == simulate.FormatCSV {
		return "csv"
	}
	return "jsonl"
}

func runSimulate(cmd *cobra.Command, f *simulateFlags) error {
	p, err := planSimulation(f)
	if err != nil {
		return err
	}
	if f.dir != "" {
		if err := os.MkdirAll(f.dir, 0o755); err != nil {
			return usageErrf("--dir: %w", err)
		}
	}
	var summary []string
	if p.referencePath != "" {
		g := simulate.NewReferenceGenerator(f.seed)
		if _, err := writeSimulated(cmd, p.referencePath, p.referenceFormat, g, f.referenceRows); err != nil {
			return err
		}
		summary = append(summary, fmt.Sprintf("%d reference rows to %s", f.referenceRows, displayPath(p.referencePath)))
	}
	if p.prodPath != "" {
		g, err := simulate.NewGenerator(p.opts)
		if err != nil {
			return usageErr(err)
		}
		last, err := writeSimulated(cmd, p.prodPath, p.productionFormat, g, f.rows)
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%d production rows to %s", f.rows, displayPath(p.prodPath))
		if f.rows > 0 {
			line += fmt.Sprintf(" (%s to %s", p.opts.Start.UTC().Format(time.RFC3339), last.Time.UTC().Format(time.RFC3339))
			if n := len(p.opts.Drifts); n > 0 {
				line += fmt.Sprintf(", %d drift%s", n, plural(n))
			}
			if n := len(p.opts.Bursts); n > 0 {
				line += fmt.Sprintf(", %d burst%s", n, plural(n))
			}
			line += ")"
		}
		summary = append(summary, line)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "simulate: seed %d: wrote %s\n", f.seed, strings.Join(summary, " and "))
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func displayPath(path string) string {
	if path == "-" {
		return "stdout"
	}
	return path
}

// simulateBatch bounds memory however many rows are asked for.
const simulateBatch = 4096

// writeSimulated writes n rows from g to path ("-" for the command's
// stdout) and returns the last row written.
func writeSimulated(cmd *cobra.Command, path string, format simulate.Format, g *simulate.Generator, n int) (simulate.Transaction, error) {
	var last simulate.Transaction
	var out io.Writer = cmd.OutOrStdout()
	var file *os.File
	if path != "-" {
		var err error
		file, err = os.Create(path)
		if err != nil {
			return last, usageErr(err)
		}
		defer file.Close()
		out = file
	}
	w, err := simulate.NewWriter(out, format)
	if err != nil {
		return last, err
	}
	batch := make([]simulate.Transaction, 0, simulateBatch)
	for written := 0; written < n; written += len(batch) {
		batch = batch[:min(simulateBatch, n-written)]
		for i := range batch {
			batch[i] = g.Next()
		}
		if err := w.Write(batch...); err != nil {
			return last, fmt.Errorf("writing %s: %w", displayPath(path), err)
		}
		last = batch[len(batch)-1]
	}
	if err := w.Flush(); err != nil {
		return last, fmt.Errorf("writing %s: %w", displayPath(path), err)
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return last, fmt.Errorf("writing %s: %w", path, err)
		}
	}
	return last, nil
}
