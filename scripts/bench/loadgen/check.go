package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"time"
)

// parseCounter finds the value of one Prometheus text-format sample, for
// example warden_drift_windows_total{model="bench"}; absent is 0.
func parseCounter(text []byte, series string) (float64, error) {
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for line := 0; sc.Scan(); {
		line++
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte(series))
		if !ok || len(rest) == 0 || rest[0] != ' ' {
			continue
		}
		fields := bytes.Fields(rest)
		if len(fields) == 0 {
			return 0, fmt.Errorf("metrics line %d: %s: no value", line, series)
		}
		v, err := strconv.ParseFloat(string(fields[0]), 64)
		if err != nil {
			return 0, fmt.Errorf("metrics line %d: %s: want a number, got %q", line, series, fields[0])
		}
		return v, nil
	}
	return 0, sc.Err()
}

// register creates the model and gives it its reference, as a user would
// with two requests.
func register(ctx context.Context, c *http.Client, base, model, referenceCSV string, drift bool) error {
	ref, err := os.ReadFile(referenceCSV)
	if err != nil {
		return err
	}
	type detection struct {
		Enabled bool `json:"enabled"`
	}
	name, err := json.Marshal(struct {
		Name     string    `json:"name"`
		Drift    detection `json:"drift"`
		Outliers detection `json:"outliers"`
	}{model, detection{drift}, detection{drift}})
	if err != nil {
		return err
	}
	if err := send1(ctx, c, http.MethodPost, base+"/v1/models", "application/json", name); err != nil {
		return err
	}
	return send1(ctx, c, http.MethodPut, base+"/v1/models/"+url.PathEscape(model)+"/reference", "text/csv", ref)
}

// send1 makes one request that must succeed.
func send1(ctx context.Context, c *http.Client, method, u, contentType string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %.300s", method, u, resp.Status, answer)
	}
	return nil
}

func get(ctx context.Context, c *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %.200s", u, resp.Status, b)
	}
	return b, nil
}

// settle waits until the server has evaluated every window the accepted
// events make (a 202 only means logged and queued), or until its window
// count stops moving for a few polls, and says how long that took.
func settle(ctx context.Context, c *http.Client, base, model string, want float64, limit time.Duration) (windows float64, waited time.Duration, err error) {
	series := fmt.Sprintf("warden_drift_windows_total{model=%q}", model)
	start := time.Now()
	still := 0
	for {
		b, err := get(ctx, c, base+"/metrics")
		if err != nil {
			return 0, 0, err
		}
		n, err := parseCounter(b, series)
		if err != nil {
			return 0, 0, err
		}
		if n == windows && n > 0 {
			still++
		} else {
			still = 0
		}
		windows = n
		if n >= want || still >= 5 || time.Since(start) > limit {
			return n, time.Since(start), nil
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return 0, 0, err
		}
	}
}

// driftEvery is how many events apart the model's drift windows are
// evaluated: 0 when its detection is off, -1 for time windows.
func driftEvery(ctx context.Context, c *http.Client, base, model string) (int, error) {
	b, err := get(ctx, c, base+"/v1/models/"+url.PathEscape(model))
	if err != nil {
		return 0, err
	}
	var m struct {
		Drift struct {
			Enabled bool `json:"enabled"`
			Every   int  `json:"every"`
		} `json:"drift"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return 0, fmt.Errorf("model %q: %w", model, err)
	}
	if !m.Drift.Enabled {
		return 0, nil
	}
	if m.Drift.Every <= 0 {
		return -1, nil
	}
	return m.Drift.Every, nil
}

// driftAlerts is what the server raised about drift.
type driftAlerts struct {
	Total       int      `json:"total"`
	FalseAlarms int      `json:"false_alarms"` // evidence ending before the cut-off
	Subjects    []string `json:"subjects"`
}

// checkAlerts counts the model's drift alerts; those whose evidence ends
// before cutoff are false alarms.
func checkAlerts(ctx context.Context, c *http.Client, base, model string, cutoff time.Time) (driftAlerts, error) {
	q := url.Values{"model": {model}, "type": {"drift"}, "limit": {"10000"}}
	b, err := get(ctx, c, base+"/v1/alerts?"+q.Encode())
	if err != nil {
		return driftAlerts{}, err
	}
	var alerts []struct {
		Time    time.Time `json:"time"`
		Subject string    `json:"subject"`
	}
	if err := json.Unmarshal(b, &alerts); err != nil {
		return driftAlerts{}, fmt.Errorf("alerts: %w", err)
	}
	out := driftAlerts{Total: len(alerts), Subjects: []string{}}
	for _, a := range alerts {
		if a.Time.Before(cutoff) {
			out.FalseAlarms++
		}
		if !slices.Contains(out.Subjects, a.Subject) {
			out.Subjects = append(out.Subjects, a.Subject)
		}
	}
	slices.Sort(out.Subjects)
	return out, nil
}
