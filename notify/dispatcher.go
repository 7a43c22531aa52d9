package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warden-ml/warden/store"
)

// DispatcherOptions tune a Dispatcher; zero fields take the defaults given
// beside them.
type DispatcherOptions struct {
	PollInterval time.Duration // how often Run looks for due items: 200ms
	MaxAttempts  int           // attempts before an item is dead-lettered: 8
	// Backoff is the wait after an item's attempt-th failure (1 after the
	// first): ExponentialBackoff(1s, 5m, 1). A Retry-After longer than it
	// wins.
	Backoff     func(attempt int) time.Duration
	Now         func() time.Time // the clock that schedules retries: time.Now
	Logger      *slog.Logger     // failed attempts (warn) and dead letters (error): none by default
	Concurrency int              // sends in flight per receiver unless the receiver says: 4
	// SendTimeout bounds one Send, so that a receiver that hangs holds a
	// worker only that long before the attempt counts as failed: 30s.
	SendTimeout time.Duration
	// BatchSize is how many due items one poll reads: 256. The outbox
	// lists due items oldest first for all receivers together, so when a
	// full batch holds items that cannot be sent yet (in flight, throttled
	// or waiting for a busy receiver), polls read up to 16 times as many
	// to reach the other receivers' items behind them. A hung receiver
	// with a larger backlog than that still delays the others until its
	// sends time out and their retries move its items back in the line.
	BatchSize int
}

const (
	defaultPollInterval = 200 * time.Millisecond
	defaultMaxAttempts  = 8
	defaultConcurrency  = 4
	defaultSendTimeout  = 30 * time.Second
	defaultBatchSize    = 256
	maxScanFactor       = 16
	maxConcurrency      = 1024
	// outboxTimeout bounds recording an outcome; it is not tied to Run's
	// context, so that a send that succeeded during shutdown is still
	// recorded and not repeated.
	outboxTimeout = 10 * time.Second
)

// Dispatcher delivers the outbox: it polls for due items and hands each to
// its receiver's workers. Every receiver has its own bounded queue and
// workers, so a slow, failing or throttled receiver delays only itself.
//
// One Dispatcher should own an outbox at a time: items are claimed in
// memory, not in the store, so two dispatchers on one outbox would both
// send them.
type Dispatcher struct {
	out    Outbox
	opts   DispatcherOptions
	routes []*route
	byName map[string]*route
	err    error // a configuration problem, returned by Enqueue and Run

	wake    chan struct{}
	running atomic.Bool

	mu sync.Mutex
	// epoch counts polls. An item finished during poll e may still look due
	// in that poll's outbox listing, read before the outcome was recorded,
	// so finished keeps it out of polls up to e.
	epoch    uint64
	inflight map[int64]bool
	finished map[int64]uint64
}

// route is a receiver, its defaults resolved, with its queue and state.
type route struct {
	Receiver
	queue     chan store.Delivery
	saturated atomic.Bool // a poll found the queue full: wake the poller when a slot frees

	mu          sync.Mutex
	pausedUntil time.Time // set by a Throttled error
}

func (r *route) pause(until time.Time) {
	r.mu.Lock()
	if until.After(r.pausedUntil) {
		r.pausedUntil = until
	}
	r.mu.Unlock()
}

func (r *route) paused(now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return now.Before(r.pausedUntil)
}

// NewDispatcher returns a dispatcher for receivers over out. A
// configuration problem (a receiver without a name or sender, a repeated
// name, a negative option) is returned by Enqueue and Run.
func NewDispatcher(out Outbox, receivers []Receiver, opts DispatcherOptions) *Dispatcher {
	d := &Dispatcher{
		out:      out,
		byName:   make(map[string]*route, len(receivers)),
		wake:     make(chan struct{}, 1),
		inflight: make(map[int64]bool),
		finished: make(map[int64]uint64),
	}
	d.opts, d.err = withDefaults(opts)
	if out == nil {
		d.err = errors.Join(d.err, errors.New("notify: dispatcher: outbox is nil"))
	}
	for i, r := range receivers {
		if err := d.addRoute(r); err != nil {
			d.err = errors.Join(d.err, fmt.Errorf("notify: receivers[%d]: %w", i, err))
		}
	}
	return d
}

func withDefaults(o DispatcherOptions) (DispatcherOptions, error) {
	var errs []error
	for _, f := range []struct {
		name  string
		value int64
	}{
		{"poll interval", int64(o.PollInterval)},
		{"max attempts", int64(o.MaxAttempts)},
		{"concurrency", int64(o.Concurrency)},
		{"send timeout", int64(o.SendTimeout)},
		{"batch size", int64(o.BatchSize)},
	} {
		if f.value < 0 {
			errs = append(errs, fmt.Errorf("notify: dispatcher: %s is negative (%d)", f.name, f.value))
		}
	}
	if o.Concurrency > maxConcurrency {
		errs = append(errs, fmt.Errorf("notify: dispatcher: concurrency %d is above %d", o.Concurrency, maxConcurrency))
	}
	if o.PollInterval <= 0 {
		o.PollInterval = defaultPollInterval
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = defaultMaxAttempts
	}
	if o.Backoff == nil {
		o.Backoff = ExponentialBackoff(time.Second, 5*time.Minute, 1)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = defaultConcurrency
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = defaultSendTimeout
	}
	if o.BatchSize <= 0 {
		o.BatchSize = defaultBatchSize
	}
	return o, errors.Join(errs...)
}

func (d *Dispatcher) addRoute(r Receiver) error {
	switch {
	case r.Name == "":
		return errors.New("name is empty")
	case d.byName[r.Name] != nil:
		return fmt.Errorf("receiver %q: name used twice", r.Name)
	case r.Sender == nil:
		return fmt.Errorf("receiver %q: sender is nil", r.Name)
	case r.MaxAttempts < 0:
		return fmt.Errorf("receiver %q: max attempts is negative (%d)", r.Name, r.MaxAttempts)
	case r.Concurrency < 0 || r.Concurrency > maxConcurrency:
		return fmt.Errorf("receiver %q: concurrency %d is not between 0 and %d", r.Name, r.Concurrency, maxConcurrency)
	}
	if r.Format == nil {
		r.Format = JSONLine
	}
	if r.MaxAttempts == 0 {
		r.MaxAttempts = d.opts.MaxAttempts
	}
	if r.Concurrency == 0 {
		r.Concurrency = d.opts.Concurrency
	}
	// As many waiting as in flight: enough to keep the workers busy
	// between polls, few enough that the backlog stays in the outbox.
	rt := &route{Receiver: r, queue: make(chan store.Delivery, r.Concurrency)}
	d.routes = append(d.routes, rt)
	d.byName[r.Name] = rt
	return nil
}

// Enqueue formats n for every receiver whose MinSeverity one of its
// alerts reaches, with just those alerts, and adds one outbox item per
// receiver, all in one Outbox.Enqueue call. Each item is keyed by the
// receiver and n.ID(), and the outbox ignores items it already holds, so
// enqueueing the same alerts again, in any order, is harmless: a replay
// after a crash adds what was missed and nothing twice. With a
// store.Store as the outbox, the alerts must have been stored
// (UpsertAlert) first.
//
// A receiver whose formatter fails gets no item; the others still do, and
// the error names the receiver.
func (d *Dispatcher) Enqueue(ctx context.Context, n Notification) error {
	if d.err != nil {
		return d.err
	}
	n, err := n.normalized()
	if err != nil {
		return fmt.Errorf("notify: enqueue: %w", err)
	}
	var (
		items []store.Delivery
		errs  []error
	)
	for _, r := range d.routes {
		share := n.atLeast(r.MinSeverity)
		if len(share.Alerts) == 0 {
			continue
		}
		payload, err := r.Format(share)
		if err != nil {
			errs = append(errs, fmt.Errorf("notify: receiver %s: %w", r.Name, err))
			continue
		}
		items = append(items, store.Delivery{Receiver: r.Name, AlertID: n.ID(), Payload: payload})
	}
	if len(items) > 0 {
		if err := d.out.Enqueue(ctx, items...); err != nil {
			return errors.Join(append(errs, fmt.Errorf("notify: enqueue notification %s: %w", n.ID(), err))...)
		}
		d.Kick()
	}
	return errors.Join(errs...)
}

// Kick makes Run look for due items now rather than at its next poll.
// Enqueue kicks by itself; tests that move a fake clock kick after it.
func (d *Dispatcher) Kick() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers due items until ctx is done, then waits for the sends in
// flight to return and returns nil. Sends interrupted by ctx are not
// counted as attempts: their items stay due for the next Run. Run returns
// an error at once if the configuration is invalid or Run is already
// running.
func (d *Dispatcher) Run(ctx context.Context) error {
	if d.err != nil {
		return d.err
	}
	if !d.running.CompareAndSwap(false, true) {
		return errors.New("notify: dispatcher is already running")
	}
	defer d.running.Store(false)

	var workers sync.WaitGroup
	for _, r := range d.routes {
		for range r.Concurrency {
			workers.Go(func() { d.work(ctx, r) })
		}
	}
	ticker := time.NewTicker(d.opts.PollInterval)
	defer ticker.Stop()
	scan := d.opts.BatchSize
	for {
		scan = d.poll(ctx, scan)
		select {
		case <-ctx.Done():
			workers.Wait()
			d.reset()
			return nil
		case <-ticker.C:
		case <-d.wake:
		}
	}
}

// poll reads up to scan due items, queues those whose receiver has room
// and returns how many to read next time.
func (d *Dispatcher) poll(ctx context.Context, scan int) int {
	d.mu.Lock()
	d.epoch++
	epoch := d.epoch
	d.mu.Unlock()

	now := d.opts.Now()
	due, err := d.out.Due(ctx, now, scan)
	if err != nil {
		if ctx.Err() == nil {
			d.opts.Logger.Error("notify: reading the outbox", "error", err)
		}
		return scan
	}
	var orphans []store.Delivery
	queued := 0
	d.mu.Lock()
	for _, item := range due {
		if d.inflight[item.ID] || d.finished[item.ID] >= epoch {
			continue
		}
		r := d.byName[item.Receiver]
		switch {
		case r == nil:
			orphans = append(orphans, item)
		case r.paused(now):
		default:
			select {
			case r.queue <- item:
				d.inflight[item.ID] = true
				queued++
			default:
				r.saturated.Store(true)
			}
		}
	}
	for id, e := range d.finished {
		if e <= epoch {
			delete(d.finished, id)
		}
	}
	d.mu.Unlock()
	d.deadLetter(ctx, orphans)

	// Items in flight, throttled or waiting for a busy receiver stay due
	// in the outbox. When they fill a whole batch, read more next time, at
	// once, or other receivers' items behind them would wait too.
	switch {
	case len(due) <= scan/2:
		return max(scan/2, d.opts.BatchSize)
	case len(due) < scan || queued == len(due):
		return scan
	}
	if grown := min(scan*2, d.opts.BatchSize*maxScanFactor); grown > scan {
		d.Kick()
		return grown
	}
	return scan
}

// deadLetter gives up items for receivers that are no longer configured:
// nothing could ever deliver them, and left pending they would clog every
// poll.
func (d *Dispatcher) deadLetter(ctx context.Context, orphans []store.Delivery) {
	if len(orphans) == 0 {
		return
	}
	octx, cancel := outboxContext(ctx)
	defer cancel()
	for _, item := range orphans {
		msg := fmt.Sprintf("receiver %q is not configured", item.Receiver)
		d.opts.Logger.Error("notify: dead-lettering a delivery", "receiver", item.Receiver, "delivery", item.ID, "notification", item.AlertID, "error", msg)
		if err := d.out.GiveUp(octx, item.ID, msg); err != nil {
			d.opts.Logger.Error("notify: recording a dead letter", "delivery", item.ID, "error", err)
		}
	}
}

// outboxContext is for recording outcomes (see outboxTimeout).
func outboxContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), outboxTimeout)
}

func (d *Dispatcher) work(ctx context.Context, r *route) {
	for {
		select {
		case <-ctx.Done():
			return
		case item := <-r.queue:
			d.deliver(ctx, r, item)
			d.finish(r, item.ID)
		}
	}
}

// finish releases a queued item once its outcome is recorded.
func (d *Dispatcher) finish(r *route, id int64) {
	d.mu.Lock()
	delete(d.inflight, id)
	d.finished[id] = d.epoch
	d.mu.Unlock()
	if r.saturated.CompareAndSwap(true, false) {
		d.Kick()
	}
}

// reset forgets what the stopped workers left queued: those items are
// still pending in the outbox.
func (d *Dispatcher) reset() {
	for _, r := range d.routes {
		for len(r.queue) > 0 {
			<-r.queue
		}
		r.saturated.Store(false)
	}
	d.mu.Lock()
	clear(d.inflight)
	clear(d.finished)
	d.mu.Unlock()
}

// deliver makes one attempt and records its outcome.
func (d *Dispatcher) deliver(ctx context.Context, r *route, item store.Delivery) {
	if r.paused(d.opts.Now()) {
		return // throttled since it was queued; it stays due
	}
	sendCtx, cancel := context.WithTimeout(ctx, d.opts.SendTimeout)
	err := r.Sender.Send(sendCtx, item.Payload)
	cancel()
	if err != nil && ctx.Err() != nil {
		return // shutting down: not the receiver's failure
	}
	log := d.opts.Logger.With("receiver", r.Name, "sender", r.Sender.Name(), "delivery", item.ID, "notification", item.AlertID)
	octx, cancelRecord := outboxContext(ctx)
	defer cancelRecord()
	if err == nil {
		log.Debug("notify: delivered", "attempt", item.Attempts+1)
		if err := d.out.Delivered(octx, item.ID); err != nil {
			log.Error("notify: recording a delivery (it will be sent again)", "error", err)
		}
		return
	}
	if errors.Is(err, context.DeadlineExceeded) && sendCtx.Err() != nil {
		err = fmt.Errorf("no answer within %s: %w", d.opts.SendTimeout, err)
	}
	attempt := item.Attempts + 1
	if IsPermanent(err) || attempt >= r.MaxAttempts {
		msg := err.Error()
		if !IsPermanent(err) {
			msg = fmt.Sprintf("gave up after %d attempts: %s", attempt, msg)
		}
		log.Error("notify: dead-lettering a delivery", "attempt", attempt, "error", msg)
		if err := d.out.GiveUp(octx, item.ID, msg); err != nil {
			log.Error("notify: recording a dead letter", "error", err)
		}
		return
	}
	now := d.opts.Now()
	wait := max(d.opts.Backoff(attempt), 0)
	if after, ok := RetryAfter(err); ok {
		r.pause(now.Add(after))
		wait = max(wait, after)
	}
	next := now.Add(wait)
	log.Warn("notify: delivery failed, will retry", "attempt", attempt, "next", next, "error", err)
	if err := d.out.Retry(octx, item.ID, next, err.Error()); err != nil {
		log.Error("notify: recording a retry", "error", err)
	}
}
