// Command loadgen measures Warden's HTTP ingest from a separate process: it
// pre-encodes distinct NDJSON batches (varied users and values, optionally
// drifted half-way), cycles them over a few keep-alive connections with
// fresh ids and rising event times, and reports events/s, batch latency,
// 429s, its own CPU, the server's CPU and the server's RSS sampled from
// /proc over the whole run.
//
//	loadgen -url http://127.0.0.1:8080 -pid 1234 -events 10000000
//	loadgen -write-reference ref.csv -rows 10000
//	loadgen -write-csv events.csv -rows 2000 -drift-at 0.5
//	loadgen -url http://127.0.0.1:8080 -register ref.csv
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"
)

// settings is everything the flags say.
type settings struct {
	URL, Model   string
	Events       int64
	Batch        int
	Conns        int
	Distinct     int
	Users        int
	Zipf         float64
	DriftAt      float64
	Step         time.Duration
	Start        string
	Seed         uint64
	PID          int
	Sample       time.Duration
	Settle       time.Duration
	MaxBroken    int
	Format       string
	JSONOut      string
	PerfOut      string
	WriteRef     string
	WriteCSV     string
	Register     string
	RegisterOff  bool
	Rows         int
	startTime    time.Time
	driftAtEvent int64
}

func parseFlags(args []string, stderr io.Writer) (*settings, error) {
	c := &settings{}
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080", "the service's base URL")
	fs.StringVar(&c.Model, "model", "bench", "model name in every event (registered, with a reference)")
	fs.Int64Var(&c.Events, "events", 2_000_000, "events to send, a multiple of -batch")
	fs.IntVar(&c.Batch, "batch", 1000, "events per NDJSON batch")
	fs.IntVar(&c.Conns, "conns", 4, "concurrent connections, one batch in flight on each")
	fs.IntVar(&c.Distinct, "distinct", 100, "distinct pre-encoded batches cycled (twice as many with drift)")
	fs.IntVar(&c.Users, "users", 10000, "distinct users, Zipf-distributed")
	fs.Float64Var(&c.Zipf, "zipf", 1.2, "Zipf exponent of user popularity (> 1)")
	fs.Float64Var(&c.DriftAt, "drift-at", 0.5, "fraction of the events after which f0, f1, f5 and f17 drift; negative: never")
	fs.DurationVar(&c.Step, "step", 10*time.Microsecond, "event time between consecutive events (10µs: 100,000 events/s)")
	fs.StringVar(&c.Start, "start", "", "event time of the first event (RFC 3339); default now, so that the server's\nwall-clock retention does not prune the run's windows and alerts as old")
	fs.Uint64Var(&c.Seed, "seed", 1, "random seed of values and users")
	fs.IntVar(&c.PID, "pid", 0, "server process to sample (RSS from /proc/PID/status, CPU from /proc/PID/stat)")
	fs.DurationVar(&c.Sample, "sample", time.Second, "RSS sampling period")
	fs.IntVar(&c.MaxBroken, "max-broken", 20, "requests that may break off (each retried) before the run stops")
	fs.DurationVar(&c.Settle, "settle", time.Minute, "longest wait after the load for the server to evaluate the last windows")
	fs.StringVar(&c.Format, "format", "md", "stdout: md (a markdown table) or json")
	fs.StringVar(&c.JSONOut, "json", "", "also write the JSON summary, with every RSS sample, to this file")
	fs.StringVar(&c.PerfOut, "perf", "", "record the server with perf record -g into this file during the load (needs -pid)")
	fs.StringVar(&c.WriteRef, "write-reference", "", "write a reference CSV of -rows rows and exit")
	fs.StringVar(&c.WriteCSV, "write-csv", "", "write -rows events as CSV (drifting at -drift-at) for the lab's baseline and exit")
	fs.StringVar(&c.Register, "register", "", "register -model on the server with this reference CSV and exit")
	fs.BoolVar(&c.RegisterOff, "register-drift-off", false, "with -register: turn the model's detection (drift and outliers) off, to measure the ingest path alone")
	fs.IntVar(&c.Rows, "rows", 10000, "rows for -write-reference and -write-csv")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return c, c.validate()
}

func (c *settings) validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Batch < 1 || c.Batch > 100000 {
		bad("-batch %d: want 1 to 100000 (the server's item limit)", c.Batch)
	}
	if c.Events < 1 || c.Batch > 0 && c.Events%int64(c.Batch) != 0 {
		bad("-events %d: want a positive multiple of -batch %d", c.Events, c.Batch)
	}
	if c.Events >= maxSeq {
		bad("-events %d: want fewer than %g (the width of event ids)", c.Events, float64(maxSeq))
	}
	if c.Conns < 1 || c.Conns > 256 {
		bad("-conns %d: want 1 to 256", c.Conns)
	}
	if c.Distinct < 1 || c.Distinct > 10000 {
		bad("-distinct %d: want 1 to 10000", c.Distinct)
	}
	if c.Users < 2 {
		bad("-users %d: want at least 2", c.Users)
	}
	if !(c.Zipf > 1) {
		bad("-zipf %g: want more than 1", c.Zipf)
	}
	if c.DriftAt >= 1 {
		bad("-drift-at %g: want a fraction below 1, or negative for no drift", c.DriftAt)
	}
	if c.Step <= 0 {
		bad("-step %s: want a positive duration", c.Step)
	}
	c.startTime = time.Now().UTC().Truncate(time.Second)
	if c.Start != "" {
		t, err := time.Parse(time.RFC3339Nano, c.Start)
		if err != nil || t.Year() < 1 || t.Year() > 9000 {
			bad("-start %q: want an RFC 3339 time in the years 1 to 9000", c.Start)
		}
		c.startTime = t.UTC()
	}
	// Keeps every event time within what the server accepts, and the
	// Duration arithmetic from overflowing.
	if span := float64(c.Events) * c.Step.Seconds(); span > 100*365.25*86400 {
		bad("-events %d x -step %s: more than 100 years of event time", c.Events, c.Step)
	}
	if c.MaxBroken < 0 {
		bad("-max-broken %d: want 0 or more", c.MaxBroken)
	}
	if c.Sample <= 0 {
		bad("-sample %s: want a positive duration", c.Sample)
	}
	if c.Format != "md" && c.Format != "json" {
		bad("-format %q: want md or json", c.Format)
	}
	if c.PerfOut != "" && c.PID <= 0 {
		bad("-perf needs -pid")
	}
	if c.Rows < 1 {
		bad("-rows %d: want at least 1", c.Rows)
	}
	if !strings.HasPrefix(c.URL, "http://") && !strings.HasPrefix(c.URL, "https://") {
		bad("-url %q: want http://HOST:PORT", c.URL)
	}
	c.URL = strings.TrimRight(c.URL, "/")
	c.driftAtEvent = -1
	if c.DriftAt >= 0 {
		// Drift starts on a batch boundary, so every batch is one kind.
		c.driftAtEvent = int64(c.DriftAt*float64(c.Events/int64(max(c.Batch, 1)))) * int64(c.Batch)
	}
	return errors.Join(errs...)
}

func main() {
	c, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := dispatch(ctx, c, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func dispatch(ctx context.Context, c *settings, stdout, stderr io.Writer) error {
	switch {
	case c.WriteRef != "":
		return writeFile(c.WriteRef, func(w io.Writer) error { return writeCSV(w, c.Seed, c.Rows, -1) })
	case c.WriteCSV != "":
		driftAt := -1
		if c.DriftAt >= 0 {
			driftAt = int(c.DriftAt * float64(c.Rows))
		}
		// Another seed than the reference's: the events are a new sample.
		return writeFile(c.WriteCSV, func(w io.Writer) error { return writeCSV(w, c.Seed+1, c.Rows, driftAt) })
	case c.Register != "":
		return register(ctx, &http.Client{Transport: withToken(http.DefaultTransport)}, c.URL, c.Model, c.Register, !c.RegisterOff)
	}
	s, err := bench(ctx, c, stderr)
	if err != nil {
		return err
	}
	if c.JSONOut != "" {
		if err := writeFile(c.JSONOut, func(w io.Writer) error { return writeJSON(w, s, true) }); err != nil {
			return err
		}
	}
	if c.Format == "json" {
		return writeJSON(stdout, s, false)
	}
	_, err = io.WriteString(stdout, s.markdown())
	return err
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

func writeJSON(w io.Writer, s *summary, withSamples bool) error {
	if !withSamples {
		cp := *s
		cp.Samples = nil
		s = &cp
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// bench runs the load and the checks after it.
func bench(ctx context.Context, c *settings, stderr io.Writer) (*summary, error) {
	gen := genOptions{Model: c.Model, Batch: c.Batch, Users: c.Users, Zipf: c.Zipf, Seed: c.Seed}
	t0 := time.Now()
	normal := templates(gen, c.Distinct, false)
	var drifted []template
	if c.driftAtEvent >= 0 {
		drifted = templates(gen, c.Distinct, true)
	}
	fmt.Fprintf(stderr, "loadgen: %d distinct batches of %d events (%.0f bytes/event) encoded in %s\n",
		len(normal)+len(drifted), c.Batch, float64(len(normal[0].body))/float64(c.Batch), time.Since(t0).Round(time.Millisecond))

	client := &http.Client{
		Timeout: 2 * time.Minute,
		Transport: withToken(&http.Transport{
			MaxIdleConnsPerHost: c.Conns,
			MaxConnsPerHost:     c.Conns,
			DisableCompression:  true,
		}),
	}
	if _, err := get(ctx, client, c.URL+"/readyz"); err != nil {
		return nil, fmt.Errorf("server not ready: %w", err)
	}
	var prof *perfRecorder
	if c.PerfOut != "" {
		var err error
		if prof, err = startPerf(c.PID, c.PerfOut, stderr); err != nil {
			return nil, err
		}
	}
	o := loadOptions{
		URL: c.URL, Events: c.Events, Conns: c.Conns, DriftAt: c.driftAtEvent,
		Base: c.startTime, Step: c.Step, PID: c.PID, Sample: c.Sample, Client: client, Sleep: sleep,
		MaxBroken: c.MaxBroken,
	}
	serverCPU0 := time.Duration(-1)
	if c.PID > 0 {
		var err error
		if serverCPU0, err = procCPU(c.PID); err != nil {
			return nil, fmt.Errorf("server process: %w", err)
		}
	}
	res, err := run(ctx, o, normal, drifted)
	if prof != nil {
		if perr := prof.stop(); perr != nil && err == nil {
			err = perr
		}
	}
	if err != nil {
		return nil, err
	}
	every, err := driftEvery(ctx, client, c.URL, c.Model)
	if err != nil {
		return nil, fmt.Errorf("after the load: %w", err)
	}
	// Time windows: no count to wait for, only for the count to stop.
	want := math.Inf(1)
	switch {
	case every == 0:
		want = 0
	case every > 0:
		want = float64(c.Events / int64(every))
	}
	windows, waited, err := settle(ctx, client, c.URL, c.Model, want, c.Settle)
	if err != nil {
		return nil, fmt.Errorf("after the load: %w", err)
	}
	serverCPU := time.Duration(-1)
	if serverCPU0 >= 0 {
		cpu, err := procCPU(c.PID)
		if err != nil {
			return nil, fmt.Errorf("server process after the load: %w", err)
		}
		serverCPU = cpu - serverCPU0
	}
	s := summarize(c, res, serverCPU, waited)
	s.Windows = int64(windows)
	// Without drift every drift alert is false. With it, a window is
	// stamped with the time of its last event in arrival order, and a batch
	// from just before the change can arrive after drifted ones that
	// overtook it on other connections: evidence counts as false only if
	// it ends further before the change than that.
	cutoff := c.startTime.Add(time.Duration(c.Events+1) * c.Step)
	if c.driftAtEvent >= 0 {
		driftStart := c.startTime.Add(time.Duration(c.driftAtEvent) * c.Step)
		s.DriftStart = &driftStart
		cutoff = driftStart.Add(-time.Duration(c.Conns*c.Batch) * c.Step)
	}
	if s.Alerts, err = checkAlerts(ctx, client, c.URL, c.Model, cutoff); err != nil {
		return nil, fmt.Errorf("after the load: %w", err)
	}
	return s, nil
}

// withToken sends $WARDEN_TOKEN, when set, as every request's bearer
// token, for a service with auth.tokens.
func withToken(rt http.RoundTripper) http.RoundTripper {
	token := os.Getenv("WARDEN_TOKEN")
	if token == "" {
		return rt
	}
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+token)
		return rt.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
