package monitor

import (
	"errors"
	"slices"
	"sync"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/pipeline"
)

// Collector is a pipeline sink that keeps, in memory, the alerts its
// manager raises and the errors the pipeline reports: for replays of a
// file and for tests.
type Collector struct {
	manager *alert.Manager
	mu      sync.Mutex
	alerts  []alert.Alert
	errs    []error
}

var _ pipeline.Sink = (*Collector)(nil)

// NewCollector returns a collector deciding with m.
func NewCollector(m *alert.Manager) *Collector { return &Collector{manager: m} }

// Findings implements pipeline.Sink.
func (c *Collector) Findings(fs []alert.Finding) {
	for _, f := range fs {
		if a, d := c.manager.Process(f); d == alert.Alerted {
			c.mu.Lock()
			c.alerts = append(c.alerts, a)
			c.mu.Unlock()
		}
	}
}

// Error implements pipeline.Sink.
func (c *Collector) Error(err error) {
	c.mu.Lock()
	c.errs = append(c.errs, err)
	c.mu.Unlock()
}

// Alerts returns the alerts raised so far, in the order they were raised.
func (c *Collector) Alerts() []alert.Alert {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.alerts)
}

// Err joins the errors reported so far.
func (c *Collector) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return errors.Join(c.errs...)
}
