package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/warden-ml/warden/component"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/report"
	"github.com/warden-ml/warden/server"
	"github.com/warden-ml/warden/simulate"
)

func newDemoCmd() *cobra.Command {
	var (
		serve, exit  bool
		addr, format string
		seed         uint64
		events       int
	)
	cmd := &cobra.Command{
		Use:   "demo [--serve]",
		Short: "Run the whole story: a service, a day of simulated traffic with threats, the report",
		Long: `Start the full service in-process on a store in a temporary directory, register
the simulator's fraud_detection_v2 model, send it 24 hours of simulated traffic
with the registered threats staged in it, and print the security report. With
--serve the service then stays up, with its dashboard and API, until Ctrl-C;
without it the demo stops after the report and removes its store.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return usageErrf("--format %q: want text or json", format)
			}
			if events < 1000 {
				return usageErrf("--events %d: want at least 1000", events)
			}
			if serve && exit {
				return usageErrf("--serve and --exit contradict each other")
			}
			return runDemo(cmd, demoOptions{serve: serve, addr: addr, format: format, seed: seed, events: events})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&serve, "serve", false, "keep the service, dashboard and API up after the report, until Ctrl-C")
	// Stopping after the report used to need --exit; it is the default now.
	f.BoolVar(&exit, "exit", false, "stop after the report (the default)")
	f.MarkHidden("exit")
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "listen address with --serve (a free port is taken if this one is busy)")
	f.StringVar(&format, "format", "text", "report format: text or json")
	f.Uint64Var(&seed, "seed", 1, "simulation seed")
	f.IntVar(&events, "events", 100000, "events in the simulated day")
	return cmd
}

type demoOptions struct {
	serve        bool
	addr, format string
	seed         uint64
	events       int
}

func runDemo(cmd *cobra.Command, o demoOptions) error {
	stderr := cmd.ErrOrStderr()
	dir, err := os.MkdirTemp("", "warden-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.Storage.Dir = dir
	// Without --serve nobody else will use the API: any free port will do.
	addr := o.addr
	if !o.serve {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return err
		}
	}
	srv, err := server.New(cfg, server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Sections: component.Sections(components)})
	if err != nil {
		l.Close()
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	serving, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(serving, l) }()
	base := "http://" + l.Addr().String()

	fmt.Fprintf(stderr, "Warden demo: service on %s, store in %s (removed when the demo ends)\n", base, dir)
	fmt.Fprintf(stderr, "Model %s, reference of 10,000 transactions; staged threats:\n", simulate.ModelName)
	opts := simulate.Options{Seed: o.seed, Rate: float64(o.events) / 86400}
	for _, t := range simulate.Threats() {
		fmt.Fprintf(stderr, "  - %s: %s\n", t.Name, t.Description)
		t.Apply(&opts, 24*time.Hour)
	}
	if err := demoTraffic(ctx, base, opts, o.events, stderr); err != nil {
		cancel()
		<-done
		return err
	}
	// Everything sent is processed once a checkpoint has been taken.
	if err := srv.Checkpoint(ctx); err != nil {
		cancel()
		<-done
		return err
	}
	rep, err := srv.Report(ctx, report.Options{})
	if err != nil {
		cancel()
		<-done
		return err
	}
	if err := writeReport(cmd.OutOrStdout(), rep, o.format); err != nil {
		cancel()
		<-done
		return err
	}
	if o.serve {
		fmt.Fprintf(stderr, "\nDashboard: %s/\nAPI: %s/v1/alerts  %s/v1/report?format=text  %s/v1/models/%s/drift  %s/metrics\n", base, base, base, base, simulate.ModelName, base)
		fmt.Fprintln(stderr, "Serving until Ctrl-C.")
		<-ctx.Done()
	} else {
		fmt.Fprintln(stderr, "\nDemo done. 'warden demo --serve' keeps the dashboard and API up after the report.")
	}
	cancel()
	return <-done
}

// demoTraffic registers the model over the API and posts the day's events
// in batches, with a progress bar.
func demoTraffic(ctx context.Context, base string, opts simulate.Options, n int, progress io.Writer) error {
	post := func(method, path, contentType string, body []byte, want int) error {
		req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			return errBusy
		}
		if resp.StatusCode != want {
			msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, msg)
		}
		return nil
	}
	if err := post("POST", "/v1/models", "application/json", []byte(`{"name":"`+simulate.ModelName+`"}`), http.StatusCreated); err != nil {
		return err
	}
	var ref bytes.Buffer
	if err := simulate.WriteCSV(&ref, simulate.Reference(opts.Seed, 10000)); err != nil {
		return err
	}
	if err := post("PUT", "/v1/models/"+simulate.ModelName+"/reference", "text/csv", ref.Bytes(), http.StatusOK); err != nil {
		return err
	}
	gen, err := simulate.NewGenerator(opts)
	if err != nil {
		return err
	}
	const batch = 2000
	for sent := 0; sent < n; {
		k := min(batch, n-sent)
		var body bytes.Buffer
		if err := simulate.WriteEvents(&body, gen.Take(k)); err != nil {
			return err
		}
		for {
			err := post("POST", "/v1/events", "application/x-ndjson", body.Bytes(), http.StatusAccepted)
			if errors.Is(err, errBusy) {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			if err != nil {
				return err
			}
			break
		}
		sent += k
		bar(progress, "24h of traffic", sent, n)
	}
	if isTerminal(progress) {
		fmt.Fprintln(progress)
	}
	return nil
}

var errBusy = errors.New("busy")

// bar draws a progress bar, redrawn in place on a terminal and as a line
// per quarter elsewhere (logs).
func bar(w io.Writer, label string, done, total int) {
	const width = 30
	filled := width * done / total
	line := fmt.Sprintf("%s [%s%s] %3d%%", label, strings.Repeat("#", filled), strings.Repeat(".", width-filled), 100*done/total)
	if isTerminal(w) {
		fmt.Fprint(w, "\r"+line)
		return
	}
	prev := 4 * (done - 1) / total
	if done == total || 4*done/total > prev {
		fmt.Fprintln(w, line)
	}
}
