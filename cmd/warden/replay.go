package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/warden-ml/warden/internal/count"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/internal/safetext"
	"github.com/warden-ml/warden/monitor"
	"github.com/warden-ml/warden/pipeline"
)

func newReplayCmd() *cobra.Command {
	var configPath, eventsPath, format string
	cmd := &cobra.Command{
		Use:   "replay --config FILE --events EVENTS.jsonl",
		Short: "Run the monitoring pipeline over a file of events, with event time as the clock",
		Long: `Run the same pipeline as 'warden serve' over a file of events (NDJSON or a JSON
array, optionally gzipped), in file order, with event time as the clock. With
--format jsonl, stdout carries only the alerts, one JSON object per line; the
summary goes to stderr. Identical input gives identical output. Exit status:
0 no alerts, 1 alerts, 2 input error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if configPath == "" || eventsPath == "" {
				return usageErrf("replay needs --config and --events")
			}
			if format != "jsonl" && format != "text" {
				return usageErrf("--format %q: want jsonl or text", format)
			}
			cfg, err := config.Load(configPath)
			if err != nil {
				return usageErr(err)
			}
			if len(cfg.Models) == 0 {
				return usageErrf("%s: no models configured", configPath)
			}
			sink := monitor.NewCollector(alert.NewManager(monitor.Policy(cfg)))
			windows := 0 // counted on the merger goroutine, read after Close
			p, err := buildPipeline(cfg, sink, func(string, *drift.WindowResult) { windows++ }, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			events, err := readReplayEvents(eventsPath, p)
			if err != nil {
				p.Close(false)
				return err
			}
			const batch = 4096
			for start := 0; start < len(events); start += batch {
				chunk := events[start:min(start+batch, len(events))]
				for {
					err := p.Submit(context.Background(), chunk)
					if err == nil {
						break
					}
					if !errors.Is(err, pipeline.ErrBusy) {
						p.Close(false)
						return err
					}
					// The queues are full: wait for the workers.
					waitForRoom()
				}
			}
			p.Close(true)
			if err := sink.Err(); err != nil {
				return err
			}
			alerts := sink.Alerts()
			// Alerts come from one ordered merger; sorting by event time
			// also fixes the order of detectors that run per shard.
			slices.SortStableFunc(alerts, func(a, b alert.Alert) int {
				if c := a.Time.Compare(b.Time); c != 0 {
					return c
				}
				return strings.Compare(a.ID, b.ID)
			})
			if err := writeAlerts(cmd.OutOrStdout(), alerts, format); err != nil {
				return err
			}
			counts := map[alert.Severity]int{}
			for _, a := range alerts {
				counts[a.Severity]++
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "replay: %s, %s evaluated, %s (critical %d, high %d, medium %d, low %d)\n",
				count.Plural(len(events), "event", "events"), count.Plural(windows, "window", "windows"), count.Plural(len(alerts), "alert", "alerts"),
				counts[alert.Critical], counts[alert.High], counts[alert.Medium], counts[alert.Low])
			if n := p.Dropped(); n > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "replay: %s ignored: dated far ahead of the rest of their model's traffic\n",
					count.Plural(int(n), "event", "events"))
			}
			if len(alerts) > 0 {
				return errFound
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (YAML)")
	cmd.Flags().StringVar(&eventsPath, "events", "", "events file: NDJSON or a JSON array, optionally gzipped")
	cmd.Flags().StringVar(&format, "format", "jsonl", "output: jsonl (alerts only, one per line) or text")
	return cmd
}

// buildPipeline loads every model's reference and starts a pipeline for them.
func buildPipeline(cfg *config.Config, sink pipeline.Sink, onWindow func(string, *drift.WindowResult), warn io.Writer) (*pipeline.Pipeline, error) {
	shards := cfg.Pipeline.Shards
	if shards <= 0 {
		shards = defaultShards()
	}
	var models []pipeline.Model
	for i := range cfg.Models {
		m := &cfg.Models[i]
		if m.Reference == "" {
			return nil, usageErrf("models[%d] (%s): replay needs a reference", i, m.Name)
		}
		ref, err := monitor.LoadReference(m.Reference, m)
		if err != nil {
			return nil, usageErrf("models[%d] (%s): %v", i, m.Name, err)
		}
		for _, w := range ref.Warnings {
			fmt.Fprintln(warn, "warden: "+safetext.Escape(w))
		}
		pm, err := monitor.NewModel(m, ref, shards, monitor.ModelThresholds(cfg, m), monitor.Hooks{OnWindow: onWindow})
		if err != nil {
			return nil, usageErr(err)
		}
		// Without a clock of its own, replay finds feed gaps by event time.
		monitor.WatchFeed(&pm, m)
		models = append(models, pm)
	}
	return pipeline.New(pipeline.Options{Shards: shards, QueueSize: cfg.Pipeline.QueueSize, Sink: sink}, models)
}

// readReplayEvents decodes the whole file; any bad item is an input error,
// reported with its place, before anything is processed. Replay takes time
// from the events, so an event without one is a bad item too.
func readReplayEvents(path string, p *pipeline.Pipeline) ([]event.Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErr(err)
	}
	defer f.Close()
	limits := event.DefaultLimits()
	limits.MaxItems = 1 << 30
	limits.MaxValues = 1 << 40
	limits.MaxBodyBytes = 1 << 40 // a file, not one request
	dec := event.NewDecoder(limits)
	dec.Check = func(ev *event.Event) string {
		switch {
		case ev.Time.IsZero():
			return "no time; replay takes time from the events"
		case !p.Known(ev.Model):
			return fmt.Sprintf("unknown model %q", ev.Model)
		}
		return ""
	}
	events, rejected, err := dec.Decode(bufio.NewReaderSize(f, 1<<20), nil)
	const shown = 20
	var problems []string
	for _, r := range rejected[:min(len(rejected), shown)] {
		problems = append(problems, fmt.Sprintf("%s: %v", path, r))
	}
	if len(rejected) > shown {
		problems = append(problems, fmt.Sprintf("... and %d more", len(rejected)-shown))
	}
	if err != nil {
		problems = append(problems, fmt.Sprintf("%s: %v", path, err))
	}
	if len(problems) > 0 {
		return nil, usageErr(errors.New(strings.Join(problems, "\n")))
	}
	return events, nil
}

func writeAlerts(w io.Writer, alerts []alert.Alert, format string) error {
	bw := bufio.NewWriter(w)
	if format == "jsonl" {
		enc := json.NewEncoder(bw)
		for _, a := range alerts {
			if err := enc.Encode(a); err != nil {
				return err
			}
		}
		return bw.Flush()
	}
	// Model names, users and features in the summaries come from the
	// events: escaped for the terminal, exact in the JSON lines.
	for _, a := range alerts {
		fmt.Fprintf(bw, "%s  %-8s  %s  %s: %s\n", a.Time.UTC().Format("2006-01-02T15:04:05.000Z"),
			strings.ToUpper(a.Severity.String()), safetext.Escape(a.Model), a.Type, safetext.Escape(a.Summary))
	}
	return bw.Flush()
}
