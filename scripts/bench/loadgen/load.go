package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// loadOptions say what to send where.
type loadOptions struct {
	URL     string // the service, e.g. http://127.0.0.1:8080
	Events  int64  // a multiple of the batch size
	Conns   int
	DriftAt int64 // first drifted event; < 0: none
	Base    time.Time
	Step    time.Duration // event time between consecutive events
	PID     int           // the server's process, sampled when > 0
	Sample  time.Duration // RSS sampling period
	Client  *http.Client
	// MaxBroken is how many requests may break off (connection closed or
	// reset, as when a server's write timeout fires) before the run stops;
	// each is retried after a second.
	MaxBroken int
	// Sleep waits between retries of a throttled batch; tests make it
	// instant.
	Sleep func(context.Context, time.Duration) error
}

// sample is the server's memory at one moment of the run.
type sample struct {
	Seconds float64 `json:"seconds"`
	Events  int64   `json:"events"` // accepted so far
	RSSKiB  int64   `json:"rss_kib"`
}

// loadResult is what a run measured.
type loadResult struct {
	Events    int64           // accepted
	Batches   int64           // accepted
	Throttled int64           // 429 answers, each retried
	Broken    int64           // requests that broke off, each retried
	BrokenMax time.Duration   // the longest of them
	Elapsed   time.Duration   // first request to last answer
	Latencies []time.Duration // of accepted batches, sorted
	Samples   []sample
	SelfCPU   time.Duration
}

// counters are shared by the workers.
type counters struct {
	throttled, broken atomic.Int64
	brokenMax         atomic.Int64 // nanoseconds
}

func (c *counters) breakOff(d time.Duration) int64 {
	for {
		old := c.brokenMax.Load()
		if int64(d) <= old || c.brokenMax.CompareAndSwap(old, int64(d)) {
			break
		}
	}
	return c.broken.Add(1)
}

// ingestAnswer is the part of a 202 answer that is checked.
type ingestAnswer struct {
	Accepted int `json:"accepted"`
	Rejected int `json:"rejected"`
}

// run sends the batches over o.Conns connections, each worker taking the
// next batch number, so event ids and times rise in send order and the
// server sees at most o.Conns batches out of order.
func run(ctx context.Context, o loadOptions, normal, drifted []template) (*loadResult, error) {
	if len(normal) == 0 {
		return nil, errors.New("no batches to send")
	}
	batch := int64(len(normal[0].ids))
	batches := o.Events / batch
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	res := &loadResult{}
	var next, accepted atomic.Int64
	var count counters
	lat := make([][]time.Duration, o.Conns)
	self0 := selfCPU()
	start := time.Now()

	samplerDone := make(chan []sample)
	stopSampler := make(chan struct{})
	go func() { samplerDone <- sampleRSS(o.PID, o.Sample, start, &accepted, stopSampler) }()

	var wg sync.WaitGroup
	for w := range o.Conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for ctx.Err() == nil {
				k := next.Add(1) - 1
				if k >= batches {
					return
				}
				first := k * batch
				set := normal
				if o.DriftAt >= 0 && first >= o.DriftAt && len(drifted) > 0 {
					set = drifted
				}
				buf = stamp(buf, &set[k%int64(len(set))], first, o.Base, o.Step)
				d, n, err := send(ctx, o, buf, &count)
				if err != nil {
					cancel(fmt.Errorf("batch %d (events %d..%d): %w", k, first, first+batch-1, err))
					return
				}
				if int64(n) != batch {
					cancel(fmt.Errorf("batch %d: %d of %d events accepted", k, n, batch))
					return
				}
				lat[w] = append(lat[w], d)
				accepted.Add(batch)
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.SelfCPU = selfCPU() - self0
	close(stopSampler)
	res.Samples = <-samplerDone
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	res.Events, res.Throttled = accepted.Load(), count.throttled.Load()
	res.Broken, res.BrokenMax = count.broken.Load(), time.Duration(count.brokenMax.Load())
	res.Batches = res.Events / batch
	res.Latencies = slices.Concat(lat...)
	slices.Sort(res.Latencies)
	return res, nil
}

// send posts one batch until it is accepted, waiting as long as each 429's
// Retry-After asks, and a second after a request that broke off. The
// latency is that of the accepted attempt. A request that broke off may
// have been logged by the server all the same, so its retry can count a
// batch twice there; the summary says how many broke off.
func send(ctx context.Context, o loadOptions, body []byte, count *counters) (time.Duration, int, error) {
	url := o.URL + "/v1/events"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return 0, 0, err
		}
		req.Header.Set("Content-Type", "application/x-ndjson")
		t0 := time.Now()
		resp, err := o.Client.Do(req)
		var answer []byte
		if err == nil {
			answer, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
		}
		d := time.Since(t0)
		if err != nil {
			if ctx.Err() != nil {
				return 0, 0, context.Cause(ctx)
			}
			if n := count.breakOff(d); n > int64(o.MaxBroken) {
				return 0, 0, fmt.Errorf("%d requests broke off, this one after %s: %w", n, d.Round(time.Millisecond), err)
			}
			if err := o.Sleep(ctx, time.Second); err != nil {
				return 0, 0, err
			}
			continue
		}
		switch resp.StatusCode {
		case http.StatusAccepted:
			var a ingestAnswer
			if err := json.Unmarshal(answer, &a); err != nil {
				return 0, 0, fmt.Errorf("202 answer %.200q: %w", answer, err)
			}
			if a.Rejected > 0 {
				return 0, 0, fmt.Errorf("%d events rejected: %.300s", a.Rejected, answer)
			}
			return d, a.Accepted, nil
		case http.StatusTooManyRequests:
			count.throttled.Add(1)
			if err := o.Sleep(ctx, retryAfter(resp.Header.Get("Retry-After"))); err != nil {
				return 0, 0, err
			}
		default:
			return 0, 0, fmt.Errorf("%s: %.300s", resp.Status, answer)
		}
	}
}

// retryAfter reads a Retry-After in seconds; the server only sends
// seconds, and anything else waits one second.
func retryAfter(v string) time.Duration {
	if s, err := strconv.Atoi(v); err == nil && s >= 0 && s < 3600 {
		return time.Duration(s) * time.Second
	}
	return time.Second
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// sampleRSS reads the server's RSS every period until stop, and once more
// at the end; without a PID it samples nothing.
func sampleRSS(pid int, period time.Duration, start time.Time, accepted *atomic.Int64, stop <-chan struct{}) []sample {
	if pid <= 0 {
		<-stop
		return nil
	}
	var out []sample
	take := func() {
		if kb, err := procRSS(pid); err == nil {
			out = append(out, sample{Seconds: time.Since(start).Seconds(), Events: accepted.Load(), RSSKiB: kb})
		}
	}
	tick := time.NewTicker(period)
	defer tick.Stop()
	take()
	for {
		select {
		case <-tick.C:
			take()
		case <-stop:
			take()
			return out
		}
	}
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}
