package main

import (
	"fmt"
	"strings"
	"time"
)

// summary is the loadgen's report, as JSON and as markdown.
type summary struct {
	Events       int64   `json:"events"`
	Batch        int     `json:"batch"`
	Conns        int     `json:"conns"`
	Distinct     int     `json:"distinct_batches"`
	Users        int     `json:"users"`
	Seconds      float64 `json:"seconds"`
	EventsPerSec float64 `json:"events_per_sec"`
	LatencyMS    struct {
		P50 float64 `json:"p50"`
		P90 float64 `json:"p90"`
		P99 float64 `json:"p99"`
		Max float64 `json:"max"`
	} `json:"batch_latency_ms"`
	Throttled int64 `json:"throttled_429"`
	// Requests that broke off (the server closed the connection), and the
	// longest in seconds.
	Broken        int64   `json:"broken_requests"`
	BrokenMaxSecs float64 `json:"broken_max_seconds"`
	// CPU in cores: CPU seconds over wall seconds; the server's include
	// the settling after the load, when it still works through its queue.
	ServerCores  float64 `json:"server_cpu_cores"` // -1: no -pid
	LoadgenCores float64 `json:"loadgen_cpu_cores"`
	// CPU per event, which other work on the cores moves less than
	// events/s.
	ServerUSPerEvent  float64 `json:"server_cpu_us_per_event"` // -1: no -pid
	LoadgenUSPerEvent float64 `json:"loadgen_cpu_us_per_event"`
	// Server RSS: the first sample, the first after a tenth of the events
	// (warm), the last, and the largest after warm-up.
	RSS struct {
		StartMiB float64 `json:"start_mib"`
		WarmMiB  float64 `json:"warm_mib"`
		EndMiB   float64 `json:"end_mib"`
		MaxMiB   float64 `json:"max_mib"`
		// Deciles[i] is the RSS when (i+1)/10 of the events were in.
		Deciles []float64 `json:"deciles_mib"`
	} `json:"server_rss"`
	Windows       int64   `json:"drift_windows"`
	SettleSeconds float64 `json:"settle_seconds"` // after the last 202, until the last window was evaluated
	// Events over the load and the settling: what detection kept up with.
	EndToEndPerSec float64     `json:"end_to_end_events_per_sec"`
	DriftStart     *time.Time  `json:"drift_start,omitempty"`
	Alerts         driftAlerts `json:"drift_alerts"`
	Samples        []sample    `json:"rss_samples,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mib(kib int64) float64 { return float64(kib) / 1024 }

// summarize the load; serverCPU (-1: unknown) is the server's CPU time
// over the load and the settle time after it.
func summarize(c *settings, r *loadResult, serverCPU, settle time.Duration) *summary {
	s := &summary{
		Events: r.Events, Batch: c.Batch, Conns: c.Conns, Distinct: c.Distinct, Users: c.Users,
		Seconds: r.Elapsed.Seconds(), SettleSeconds: settle.Seconds(), Throttled: r.Throttled,
		Broken: r.Broken, BrokenMaxSecs: r.BrokenMax.Seconds(), Samples: r.Samples, ServerCores: -1, ServerUSPerEvent: -1,
	}
	if r.Events > 0 {
		s.LoadgenUSPerEvent = float64(r.SelfCPU.Microseconds()) / float64(r.Events)
		if serverCPU >= 0 {
			s.ServerUSPerEvent = float64(serverCPU.Microseconds()) / float64(r.Events)
		}
	}
	if r.Elapsed > 0 {
		s.EventsPerSec = float64(r.Events) / r.Elapsed.Seconds()
		s.LoadgenCores = r.SelfCPU.Seconds() / r.Elapsed.Seconds()
		s.EndToEndPerSec = float64(r.Events) / (r.Elapsed + settle).Seconds()
		if serverCPU >= 0 {
			s.ServerCores = serverCPU.Seconds() / (r.Elapsed + settle).Seconds()
		}
	}
	s.LatencyMS.P50 = ms(percentile(r.Latencies, 50))
	s.LatencyMS.P90 = ms(percentile(r.Latencies, 90))
	s.LatencyMS.P99 = ms(percentile(r.Latencies, 99))
	s.LatencyMS.Max = ms(percentile(r.Latencies, 100))
	if n := len(r.Samples); n > 0 && r.Events > 0 {
		s.RSS.StartMiB = mib(r.Samples[0].RSSKiB)
		s.RSS.EndMiB = mib(r.Samples[n-1].RSSKiB)
		warm := -1
		decile := int64(1)
		for i, x := range r.Samples {
			if warm < 0 && x.Events >= r.Events/10 {
				warm = i
				s.RSS.WarmMiB = mib(x.RSSKiB)
			}
			if warm >= 0 {
				s.RSS.MaxMiB = max(s.RSS.MaxMiB, mib(x.RSSKiB))
			}
			for decile <= 10 && x.Events >= decile*r.Events/10 {
				s.RSS.Deciles = append(s.RSS.Deciles, mib(x.RSSKiB))
				decile++
			}
		}
	}
	return s
}

// markdown is a table of the headline figures, one row.
func (s *summary) markdown() string {
	var b strings.Builder
	b.WriteString("| events | batch x conns | events/s accepted (end to end) | batch p50 / p90 / p99 / max (ms) | 429s, broken | server CPU: cores, µs/event | loadgen CPU: cores, µs/event | server RSS warm → end, max (MiB) | drift alerts (false) |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	server := "n/a"
	if s.ServerCores >= 0 {
		server = fmt.Sprintf("%.2f, %.1f", s.ServerCores, s.ServerUSPerEvent)
	}
	fmt.Fprintf(&b, "| %d | %d x %d | %.0f (%.0f) | %.1f / %.1f / %.1f / %.1f | %d, %d | %s | %.2f, %.2f | %.0f → %.0f, %.0f | %d (%d) |\n",
		s.Events, s.Batch, s.Conns, s.EventsPerSec, s.EndToEndPerSec,
		s.LatencyMS.P50, s.LatencyMS.P90, s.LatencyMS.P99, s.LatencyMS.Max,
		s.Throttled, s.Broken, server, s.LoadgenCores, s.LoadgenUSPerEvent,
		s.RSS.WarmMiB, s.RSS.EndMiB, s.RSS.MaxMiB, s.Alerts.Total, s.Alerts.FalseAlarms)
	return b.String()
}
