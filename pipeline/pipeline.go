// Package pipeline carries accepted events to the detectors: it makes them
// durable, gives them an order, shards them by (model, user) across workers,
// cuts the stream into panes that windowed detectors summarise per shard and
// merge when a pane closes, and hands what the detectors find to a sink.
//
// One goroutine, the sequencer, owns the order: it appends batches to the
// event log (one fsync for every batch waiting), numbers each model's events,
// decides pane boundaries from event time and counts, and sends events and
// pane markers to the shard queues in that order. Time panes close by each
// model's event-time clock, which follows the traffic rather than any one
// event (see Watermark). Workers observe events and, at a marker, cut their
// partial summaries; the merger closes a pane once every shard has cut it, in
// marker order, so identical input gives identical output however the workers
// interleave.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/event"
)

// ErrBusy means the queues are full; the caller should retry later. A batch
// holding more events for one shard than Options.QueueSize is refused with
// ErrBusy however long it waits: split it (by user) or raise the queue size.
var ErrBusy = errors.New("pipeline: queues are full")

// NotLoggedError reports, to the Sink, events passed to Record whose log
// write failed: they were answered for and are not processed.
type NotLoggedError struct {
	Events int
	Err    error
}

func (e *NotLoggedError) Error() string {
	return fmt.Sprintf("pipeline: %d recorded events not logged: %v", e.Events, e.Err)
}

func (e *NotLoggedError) Unwrap() error { return e.Err }

// ErrClosed means the pipeline no longer accepts events.
var ErrClosed = errors.New("pipeline: closed")

// ErrTooLarge means a batch can never be taken: more events for one shard
// than its queue holds, or larger, as the log stores it, than
// Options.MaxRecordBytes allows; it was not logged.
var ErrTooLarge = errors.New("pipeline: batch too large")

// Detector sees every event of the models it is attached to.
type Detector interface {
	Name() string
	// Observe handles one event on its shard's worker. Events of one
	// (model, user) always reach the same shard, in log order.
	Observe(shard int, ev *Sequenced) []alert.Finding
}

// Windowed is a Detector that summarises panes of the stream per shard.
type Windowed interface {
	Detector
	// Cut returns the shard's partial summary of the pane m closes and
	// forgets it.
	Cut(shard int, m *Marker) any
	// Close merges every shard's partial of the pane and evaluates it.
	Close(m *Marker, parts []any) ([]alert.Finding, error)
}

// Sequenced is an event with its place in its model's stream.
type Sequenced struct {
	*event.Event
	Seq   int64   // 0-based position among the model's events
	Panes []int64 // the pane of each of the model's pane specs (Late: in no pane)

	ms    *modelState // the model as it was when the event was sequenced
	batch *batchCost  // what the event's batch holds of the queue
}

// batchCost is a batch's share of the queue's byte budget, given back
// when the last of its events is processed: the events share the batch's
// backing arrays, so its memory lives that long.
type batchCost struct {
	bytes int64
	left  atomic.Int64 // events not yet processed
}

// Late marks, in Sequenced.Panes, an event that came after its time pane
// closed. Time panes before 1970 have negative indices, so the mark is
// none of them.
const Late int64 = math.MinInt64

// PaneSpec cuts a model's stream into panes: every Events events (count
// panes) or every Step of event time (time panes).
type PaneSpec struct {
	Events int
	Step   time.Duration
}

// Marker closes a pane of one of a model's pane specs.
type Marker struct {
	Model    string
	Spec     int // index into the model's pane specs
	Index    int64
	Start    time.Time // time panes: the pane's bounds; count panes: earliest and latest event times
	End      time.Time
	FirstSeq int64
	LastSeq  int64
	Events   int
	Late     int // events that arrived after the pane closed
	order    int64
	ms       *modelState
}

// Model is a monitored model as the pipeline sees it.
type Model struct {
	Name      string
	Specs     []PaneSpec
	Lateness  time.Duration // time panes close at the model's event-time clock minus this
	Detectors []Detector
}

// Sink receives what the detectors find. Its methods are called from
// several goroutines.
type Sink interface {
	Findings(fs []alert.Finding)
	Error(err error)
}

// Log makes batches durable before they are processed.
type Log interface {
	Append(records ...[]byte) error
}

// Options configure a pipeline.
type Options struct {
	Shards int // workers; 0 = 1
	// QueueSize bounds the events in flight on each shard: a batch that
	// would take a shard past it is refused whole with ErrBusy. An event's
	// shard is that of its (model, user), so one heavy user fills its
	// shard while the others have room. Each shard's queue holds QueueSize
	// events and some markers, so memory grows with Shards, not its square.
	QueueSize int
	// QueueBytes bounds the memory of the events in flight, by estimate
	// (event.Event.Footprint, or what Reserve took for them), together with
	// what is reserved for batches being decoded; past it Submit and
	// Reserve answer ErrBusy. A batch costing more than QueueBytes is
	// charged QueueBytes, so that it gets in once the queue is empty.
	// 0: no bound.
	QueueBytes int64
	// MaxRecordBytes bounds a batch as the log stores it: a larger one is
	// refused with ErrTooLarge. 0: no bound.
	MaxRecordBytes int
	Log            Log // nil: no durability (replay)
	Sink           Sink
	// Timed, when set, receives how long each windowed detector took to
	// close a pane (metrics).
	Timed func(detector string, d time.Duration)
	// Restore is a state saved by Checkpoint to resume from. Models whose
	// pane specs changed since start afresh (see Fresh).
	Restore *State
	// Watermark says how the models' event-time clocks advance.
	Watermark Watermark
}

// Pipeline is the running machinery; create it with New.
type Pipeline struct {
	opts    Options
	models  atomic.Pointer[map[string]*modelState] // replaced whole, by the sequencer
	seed    maphash.Seed
	submit  chan *request
	shards  []chan item
	partsCh chan part
	permits []shardPermits // per shard: events that may still be admitted to it
	bytes   atomic.Int64   // of Options.QueueBytes, what is free
	wg      sync.WaitGroup
	mergeWG sync.WaitGroup
	closed  atomic.Bool
	mu      sync.Mutex // guards closing the submit channel

	flushOnClose bool         // set before the submit channel closes
	fresh        []string     // models not restored from Options.Restore
	order        int64        // markers emitted (sequencer only)
	merged       atomic.Int64 // markers closed by the merger
	dropped      atomic.Int64 // events never processed (see Watermark)
}

// shardPermits counts what one shard may still admit, on a cache line of its
// own: every worker and submitter updates some.
type shardPermits struct {
	n atomic.Int64
	_ [56]byte
}

// shardSlack is what a shard's queue holds beyond Options.QueueSize: pane
// markers, and held events placed again (see release), which are admitted
// without a permit check.
const shardSlack = 4096

type request struct {
	records []byte // the batch as the log stores it
	events  []event.Event
	cost    *batchCost
	model   *modelState // instead of events: add or replace a model
	// checkpoint, instead of events, receives the pipeline's state once
	// everything before it is processed.
	checkpoint func(State) error
	log        bool // append records to the log before processing
	// async: nobody waits for done; a failure goes to the sink.
	async bool
	done  chan error
}

type item struct {
	ev      *Sequenced
	marker  *Marker
	barrier *sync.WaitGroup
}

type part struct {
	marker *Marker
	shard  int
	parts  []any // one per windowed detector of the model
}

type modelState struct {
	Model
	windowed []Windowed
	seq      int64
	specs    []specState
	clock    *clock
}

type specState struct {
	open      map[int64]*openPane // time panes with events, by index
	closed    int64               // time panes with index < closed are closed
	count     *openPane           // count panes: the pane being filled
	countNext int64

	pendingLate int // late events not yet attributed to a pane
}

type openPane struct {
	index          int64
	start, end     time.Time
	firstSeq, last int64
	events, late   int
}

// New starts a pipeline for the given models.
func New(opts Options, models []Model) (*Pipeline, error) {
	if opts.Shards <= 0 {
		opts.Shards = 1
	}
	if opts.QueueSize <= 0 {
		return nil, errors.New("pipeline: queue size must be positive")
	}
	if opts.Sink == nil {
		return nil, errors.New("pipeline: no sink")
	}
	opts.Watermark = opts.Watermark.withDefaults()
	p := &Pipeline{
		opts:    opts,
		seed:    maphash.MakeSeed(),
		submit:  make(chan *request, 64),
		partsCh: make(chan part, 1024),
	}
	initial := map[string]*modelState{}
	for _, m := range models {
		if _, dup := initial[m.Name]; dup {
			return nil, fmt.Errorf("pipeline: model %q twice", m.Name)
		}
		ms, err := p.newModelState(m)
		if err != nil {
			return nil, err
		}
		initial[m.Name] = ms
	}
	p.models.Store(&initial)
	if opts.Restore != nil {
		fresh, err := p.restore(opts.Restore)
		if err != nil {
			return nil, err
		}
		p.fresh = fresh
	}
	p.bytes.Store(opts.QueueBytes)
	p.permits = make([]shardPermits, opts.Shards)
	p.shards = make([]chan item, opts.Shards)
	for i := range p.shards {
		p.permits[i].n.Store(int64(opts.QueueSize))
		// Room for every event admitted to the shard plus markers: the
		// sequencer must not wait on one busy shard while requests queue
		// behind it. Backpressure comes from the shard's permits instead,
		// which a stalled worker stops returning.
		p.shards[i] = make(chan item, opts.QueueSize+shardSlack)
		p.wg.Add(1)
		go p.work(i)
	}
	p.mergeWG.Add(2)
	go p.sequence()
	go p.merge()
	return p, nil
}

func (p *Pipeline) newModelState(m Model) (*modelState, error) {
	ms := &modelState{Model: m, specs: make([]specState, len(m.Specs)), clock: newClock(p.opts.Watermark, p.drop)}
	for i, s := range m.Specs {
		if (s.Events > 0) == (s.Step > 0) {
			return nil, fmt.Errorf("pipeline: model %q pane spec %d: want either events or a time step", m.Name, i)
		}
		if s.Step > MaxStep {
			return nil, fmt.Errorf("pipeline: model %q pane spec %d: step %v is over %v", m.Name, i, s.Step, MaxStep)
		}
		ms.specs[i].open = map[int64]*openPane{}
		ms.specs[i].closed = math.MinInt64
	}
	for _, d := range m.Detectors {
		if w, ok := d.(Windowed); ok {
			ms.windowed = append(ms.windowed, w)
		}
	}
	return ms, nil
}

// Fresh names the models that Options.Restore did not cover or whose pane
// specs had changed: they started from nothing.
func (p *Pipeline) Fresh() []string { return p.fresh }

// Known reports whether the pipeline watches the model.
func (p *Pipeline) Known(model string) bool { _, ok := (*p.models.Load())[model]; return ok }

// SetModel adds a model, or replaces the one with its name (a new reference,
// new settings): events submitted after SetModel returns go to it, with
// fresh detector state; those before it finish with the old one.
func (p *Pipeline) SetModel(m Model) error {
	ms, err := p.newModelState(m)
	if err != nil {
		return err
	}
	return p.send(context.Background(), &request{model: ms})
}

// send hands a request to the sequencer and, unless it is async, waits for
// its outcome; a cancelled ctx stops the wait, not the request.
func (p *Pipeline) send(ctx context.Context, req *request) error {
	req.done = make(chan error, 1)
	p.mu.Lock()
	if p.closed.Load() {
		p.mu.Unlock()
		return ErrClosed
	}
	p.submit <- req
	p.mu.Unlock()
	if req.async {
		return nil
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Submit makes a batch durable and queues it for processing, in order. It
// returns once the batch is in the log (or ErrBusy without logging it when
// the queues are full). Events must name known models and carry a time.
func (p *Pipeline) Submit(ctx context.Context, events []event.Event) error {
	return p.submitBatch(ctx, events, p.opts.Log != nil)
}

// Reserve takes n bytes of Options.QueueBytes for a batch being decoded,
// so that decoding is bounded with the queue; ErrBusy when they are not
// free. Release gives them back, or SubmitReserved hands them to the batch.
func (p *Pipeline) Reserve(n int64) error {
	if p.opts.QueueBytes <= 0 {
		return nil
	}
	if p.bytes.Add(-n) < 0 {
		p.bytes.Add(n)
		return ErrBusy
	}
	return nil
}

// Release gives back bytes Reserve took.
func (p *Pipeline) Release(n int64) {
	if p.opts.QueueBytes > 0 {
		p.bytes.Add(n)
	}
}

// SubmitReserved is Submit for a batch whose memory Reserve took: the
// reservation becomes the batch's cost in the queue, given back once its
// events are processed, or at once if the batch is not taken.
func (p *Pipeline) SubmitReserved(ctx context.Context, events []event.Event, reserved int64) error {
	return p.enqueue(ctx, events, &batchCost{bytes: reserved}, p.opts.Log != nil, false)
}

// QueuedBytes is how much of Options.QueueBytes is taken: by events in
// flight and by batches being decoded.
func (p *Pipeline) QueuedBytes() int64 {
	if p.opts.QueueBytes <= 0 {
		return 0
	}
	return p.opts.QueueBytes - p.bytes.Load()
}

// Record queues a batch like Submit but returns once the sequencer has it,
// before the log append: the batch is made durable with the next group
// commit and processed in order. It is for answers that cannot wait for an
// fsync (POST /v1/screen); a failure to log goes to the sink's Error.
func (p *Pipeline) Record(events []event.Event) error {
	return p.enqueue(context.Background(), events, nil, p.opts.Log != nil, true)
}

// Replay queues a batch that is already in the log (recovery after a
// restart): it is processed exactly as Submit would, without logging it
// again.
func (p *Pipeline) Replay(ctx context.Context, events []event.Event) error {
	return p.submitBatch(ctx, events, false)
}

func (p *Pipeline) submitBatch(ctx context.Context, events []event.Event, log bool) error {
	return p.enqueue(ctx, events, nil, log, false)
}

// enqueue admits a batch and hands it to the sequencer. cost is what the
// batch holds of the byte budget, nil to estimate it here; from the call on
// it is the pipeline's to give back.
func (p *Pipeline) enqueue(ctx context.Context, events []event.Event, cost *batchCost, log, async bool) error {
	reserved := cost != nil
	if cost == nil {
		cost = &batchCost{}
	}
	refuse := func(err error) error {
		if reserved {
			p.Release(cost.bytes)
		}
		return err
	}
	if p.closed.Load() {
		return refuse(ErrClosed)
	}
	for i := range events {
		if !p.Known(events[i].Model) {
			return refuse(fmt.Errorf("pipeline: event %d: unknown model %q", i, events[i].Model))
		}
		if events[i].Time.IsZero() {
			return refuse(fmt.Errorf("pipeline: event %d: no time", i))
		}
		if !reserved && p.opts.QueueBytes > 0 {
			cost.bytes += events[i].Footprint()
		}
	}
	if !reserved {
		cost.bytes = min(cost.bytes, p.opts.QueueBytes)
		if err := p.Reserve(cost.bytes); err != nil {
			return err
		}
		reserved = true
	}
	n := int64(len(events))
	counts, over := p.admit(events)
	if over >= 0 {
		return refuse(fmt.Errorf("%w: %d of its events go to one shard (one model and user, or users hashed together), more than a shard's queue holds (%d, pipeline.queue_size)",
			ErrTooLarge, over, p.opts.QueueSize))
	}
	if counts == nil {
		return refuse(ErrBusy)
	}
	giveBack := func(err error) error {
		p.giveBack(counts)
		return refuse(err)
	}
	if n == 0 {
		p.Release(cost.bytes)
		cost.bytes = 0
	}
	cost.left.Store(n)
	req := &request{events: events, cost: cost, log: log, async: async}
	if log {
		for i := range events {
			req.records = event.AppendJSON(req.records, &events[i])
			req.records = append(req.records, '\n')
			if max := p.opts.MaxRecordBytes; max > 0 && len(req.records) > max {
				return giveBack(fmt.Errorf("%w: more than the event log takes in one record (%d bytes) by event %d of %d", ErrTooLarge, max, i, n))
			}
		}
	}
	err := p.send(ctx, req)
	if errors.Is(err, ErrClosed) {
		return giveBack(err)
	}
	return err
}

// admit takes, on every shard, a permit for each of the batch's events
// that goes to it, or none at all: nil when some shard has not that many
// left. It returns what it took, per shard.
func (p *Pipeline) admit(events []event.Event) (counts []int64, over int64) {
	counts = make([]int64, len(p.shards))
	for i := range events {
		counts[p.shardOf(events[i].Model, events[i].User)]++
	}
	for _, k := range counts {
		if k > int64(p.opts.QueueSize) {
			return nil, k // never fits, however long it waits
		}
	}
	for s, k := range counts {
		if k > 0 && p.permits[s].n.Add(-k) < 0 {
			p.permits[s].n.Add(k)
			p.giveBack(counts[:s])
			return nil, -1
		}
	}
	return counts, -1
}

// giveBack returns permits admit took, per shard.
func (p *Pipeline) giveBack(counts []int64) {
	for s, k := range counts {
		if k > 0 {
			p.permits[s].n.Add(k)
		}
	}
}

// InFlight is the number of admitted events not yet processed, apart from
// those held back (Held).
func (p *Pipeline) InFlight() int64 {
	var n int64
	for s := range p.permits {
		n += int64(p.opts.QueueSize) - p.permits[s].n.Load()
	}
	return n
}

// Held is the number of events held back, over every model, because they
// are too far ahead of their model's event-time clock (see Watermark).
func (p *Pipeline) Held() int64 {
	var n int64
	for _, ms := range *p.models.Load() {
		n += ms.clock.nHeld.Load()
	}
	return n
}

// Dropped is the number of events never processed: dated at or after
// MaxTime, held beyond Watermark.MaxHeld, or still held at the end of a
// replay.
func (p *Pipeline) Dropped() int64 { return p.dropped.Load() }

func (p *Pipeline) drop(n int) { p.dropped.Add(int64(n)) }

// Close stops accepting events and drains the queues. With flush, every open
// pane is closed and evaluated (the end of a replay); without, open panes
// are left as they are (a service shutting down keeps them for its restart).
func (p *Pipeline) Close(flush bool) {
	p.mu.Lock()
	if p.closed.Swap(true) {
		p.mu.Unlock()
		return
	}
	p.flushOnClose = flush
	close(p.submit)
	p.mu.Unlock()
	p.mergeWG.Wait()
}

// sequence is the single goroutine that orders everything.
func (p *Pipeline) sequence() {
	defer p.mergeWG.Done()
	emit := func(ms *modelState, spec int, op *openPane) {
		m := &Marker{Model: ms.Name, Spec: spec, Index: op.index, Start: op.start, End: op.end,
			FirstSeq: op.firstSeq, LastSeq: op.last, Events: op.events, Late: op.late, order: p.order, ms: ms}
		p.order++
		for _, sh := range p.shards {
			sh <- item{marker: m}
		}
	}
	batch := make([]*request, 0, 64)
	var held *request // a control request read while collecting a batch
	for open := true; open; {
		req := held
		held = nil
		if req == nil {
			var ok bool
			if req, ok = <-p.submit; !ok {
				break
			}
		}
		if req.control() {
			p.control(req)
			continue
		}
		// Group every batch already waiting behind this one: one append,
		// one fsync. A control request ends the group, so that a checkpoint
		// sees exactly the batches before it logged and processed.
		batch = append(batch[:0], req)
	collect:
		for {
			select {
			case r, ok := <-p.submit:
				if !ok {
					open = false
					break collect
				}
				if r.control() {
					held = r
					break collect
				}
				batch = append(batch, r)
			default:
				break collect
			}
		}
		var err error
		if p.opts.Log != nil {
			recs := make([][]byte, 0, len(batch))
			for _, r := range batch {
				if r.log {
					recs = append(recs, r.records)
				}
			}
			if len(recs) > 0 {
				err = p.opts.Log.Append(recs...)
			}
		}
		for _, r := range batch {
			if err != nil {
				for i := range r.events {
					p.permits[p.shardOf(r.events[i].Model, r.events[i].User)].n.Add(1)
				}
				p.Release(r.cost.bytes)
				if r.async {
					p.opts.Sink.Error(&NotLoggedError{Events: len(r.events), Err: err})
				}
				r.done <- err
				continue
			}
			for i := range r.events {
				p.dispatch(&r.events[i], r.cost, emit)
			}
			r.done <- nil
		}
	}
	if held != nil {
		p.control(held)
	}
	if p.flushOnClose {
		for _, ms := range p.sortedModels() {
			ms.clock.flush(func(ev *event.Event) { p.release(ms, ev, emit) })
			for si := range ms.specs {
				st := &ms.specs[si]
				if st.count != nil {
					emit(ms, si, st.count)
					st.count = nil
				}
				for _, idx := range sortedKeys(st.open) {
					emit(ms, si, st.open[idx])
					delete(st.open, idx)
				}
			}
		}
	}
	for _, sh := range p.shards {
		close(sh)
	}
	p.wg.Wait()
	close(p.partsCh)
}

func (r *request) control() bool { return r.model != nil || r.checkpoint != nil }

// control applies a model change or takes a checkpoint, in stream order.
func (p *Pipeline) control(r *request) {
	if r.model != nil {
		next := maps.Clone(*p.models.Load())
		if old := next[r.model.Name]; old != nil {
			// The clock, and the events it holds, are the traffic's,
			// whatever the model's settings.
			r.model.clock = old.clock
		}
		next[r.model.Name] = r.model
		p.models.Store(&next)
		r.done <- nil
		return
	}
	p.quiesce()
	state, err := p.snapshot()
	if err == nil {
		err = r.checkpoint(state)
	}
	r.done <- err
}

// quiesce waits until every event and marker sent so far is processed:
// each worker has passed a barrier behind its queue and the merger has
// closed every pane marked. Nothing new arrives meanwhile: the sequencer,
// the only producer, is the one waiting.
func (p *Pipeline) quiesce() {
	var wg sync.WaitGroup
	wg.Add(len(p.shards))
	for _, sh := range p.shards {
		sh <- item{barrier: &wg}
	}
	wg.Wait()
	for p.merged.Load() < p.order {
		time.Sleep(50 * time.Microsecond)
	}
}

type emitFunc func(ms *modelState, spec int, op *openPane)

// dispatch takes one event in log order. The model's clock counts it; the
// event is placed in the stream at once unless it is too far ahead of the
// clock, in which case it waits, and the panes that end before the clock,
// less the lateness, close. cost is the event's batch's share of the queue.
func (p *Pipeline) dispatch(ev *event.Event, cost *batchCost, emit emitFunc) {
	ms := (*p.models.Load())[ev.Model]
	c := ms.clock
	switch {
	case !ev.Time.Before(MaxTime):
		p.settle(p.shardOf(ev.Model, ev.User), cost, 1)
		p.drop(1)
		return
	case ev.Time.Before(MinTime):
		p.place(ms, ev, cost, emit) // late in every time pane; the clock never goes there
		return
	}
	moved := c.observe(ev.User, ev.Time)
	if moved {
		c.release(func(held *event.Event) { p.release(ms, held, emit) })
	}
	if c.ahead(ev.Time) {
		// The held copy has arrays of its own: the batch's memory and
		// the event's permit are not held up while it waits.
		c.hold(ev)
		p.settle(p.shardOf(ev.Model, ev.User), cost, 1)
	} else {
		p.place(ms, ev, cost, emit)
	}
	if moved {
		p.closePanes(ms, emit)
	}
}

// settle gives back what n processed (or set aside) events of a batch held:
// their permits on their shard, and the batch's bytes once none of its
// events is left.
func (p *Pipeline) settle(shard int, cost *batchCost, n int) {
	p.permits[shard].n.Add(int64(n))
	if cost.left.Add(int64(-n)) == 0 && cost.bytes > 0 {
		p.Release(cost.bytes)
	}
}

// release places a held event, in flight again: a batch of its own.
func (p *Pipeline) release(ms *modelState, ev *event.Event, emit emitFunc) {
	cost := &batchCost{}
	cost.left.Store(1)
	p.permits[p.shardOf(ev.Model, ev.User)].n.Add(-1)
	p.place(ms, ev, cost, emit)
}

// place numbers one event, sends it to its shard and closes the count
// panes it fills.
func (p *Pipeline) place(ms *modelState, ev *event.Event, cost *batchCost, emit emitFunc) {
	s := &Sequenced{Event: ev, Seq: ms.seq, Panes: make([]int64, len(ms.specs)), ms: ms, batch: cost}
	ms.seq++
	var filled []int
	for si, spec := range ms.Specs {
		st := &ms.specs[si]
		if spec.Events > 0 {
			if st.count == nil {
				st.count = &openPane{index: st.countNext, start: ev.Time, firstSeq: s.Seq}
				st.countNext++
			}
			op := st.count
			// Batches from several clients overtake one another, so event
			// times in log order are not monotone: a count pane spans the
			// earliest to the latest of its events.
			if ev.Time.Before(op.start) {
				op.start = ev.Time
			}
			if ev.Time.After(op.end) {
				op.end = ev.Time
			}
			op.last = s.Seq
			op.events++
			s.Panes[si] = op.index
			if op.events == spec.Events {
				filled = append(filled, si)
			}
			continue
		}
		var idx int64
		late := ev.Time.Before(MinTime)
		if !late {
			idx = floorDiv(ev.Time.UnixNano(), int64(spec.Step))
			late = idx < st.closed
		}
		if late {
			s.Panes[si] = Late
			// Late: counted against the newest closed pane's successor.
			if op := st.open[st.closed]; op != nil {
				op.late++
			} else {
				st.pendingLate++
			}
			continue
		}
		op := st.open[idx]
		if op == nil {
			start := time.Unix(0, idx*int64(spec.Step)).UTC()
			op = &openPane{index: idx, start: start, end: start.Add(spec.Step), firstSeq: s.Seq, late: st.pendingLate}
			st.pendingLate = 0
			st.open[idx] = op
		}
		op.last = s.Seq
		op.events++
		s.Panes[si] = idx
	}
	shard := p.shardOf(ev.Model, ev.User)
	p.shards[shard] <- item{ev: s}
	for _, si := range filled {
		st := &ms.specs[si]
		op := st.count
		st.count = nil
		emit(ms, si, op)
	}
}

// closePanes closes the time panes that end at or before the model's clock
// less its lateness.
func (p *Pipeline) closePanes(ms *modelState, emit emitFunc) {
	watermark := ms.clock.now.Add(-ms.Lateness)
	if watermark.Before(MinTime) {
		return // no pane ends there
	}
	for si, spec := range ms.Specs {
		if spec.Events > 0 {
			continue
		}
		st := &ms.specs[si]
		limit := floorDiv(watermark.UnixNano(), int64(spec.Step)) // panes with index < limit have ended
		if limit <= st.closed {
			continue
		}
		for _, k := range sortedKeys(st.open) {
			if k < limit {
				op := st.open[k]
				delete(st.open, k)
				emit(ms, si, op)
			}
		}
		st.closed = limit
	}
}

func (p *Pipeline) shardOf(model, user string) int {
	var h maphash.Hash
	h.SetSeed(p.seed)
	h.WriteString(model)
	h.WriteByte(0)
	h.WriteString(user)
	return int(h.Sum64() % uint64(len(p.shards)))
}

// releaseEvery bounds how many processed events a worker holds before it
// gives their permits back.
const releaseEvery = 256

func (p *Pipeline) work(shard int) {
	defer p.wg.Done()
	queue := p.shards[shard]
	// Permits and bytes go back once per run of one batch's events, not
	// per event: the counters are shared by every worker and submitter.
	var run *batchCost
	done := 0
	release := func() {
		if done > 0 {
			p.settle(shard, run, done)
			done = 0
		}
	}
	for it := range queue {
		if it.ev != nil {
			for _, d := range it.ev.ms.Detectors {
				if fs := d.Observe(shard, it.ev); len(fs) > 0 {
					p.opts.Sink.Findings(fs)
				}
			}
			if it.ev.batch != run {
				release()
				run = it.ev.batch
			}
			if done++; done == releaseEvery || len(queue) == 0 {
				release()
			}
			continue
		}
		release()
		if it.barrier != nil {
			it.barrier.Done()
			continue
		}
		ms := it.marker.ms
		parts := make([]any, len(ms.windowed))
		for i, w := range ms.windowed {
			parts[i] = w.Cut(shard, it.marker)
		}
		p.partsCh <- part{marker: it.marker, shard: shard, parts: parts}
	}
}

// merge closes panes in marker order once every shard has cut them.
func (p *Pipeline) merge() {
	defer p.mergeWG.Done()
	pending := map[int64][][]any{}
	markers := map[int64]*Marker{}
	var next int64
	for pt := range p.partsCh {
		o := pt.marker.order
		if pending[o] == nil {
			pending[o] = make([][]any, len(p.shards))
			markers[o] = pt.marker
		}
		pending[o][pt.shard] = pt.parts
		for {
			parts, ok := pending[next]
			if !ok || !complete(parts) {
				break
			}
			m := markers[next]
			delete(pending, next)
			delete(markers, next)
			next++
			for i, w := range m.ms.windowed {
				perShard := make([]any, len(parts))
				for s := range parts {
					perShard[s] = parts[s][i]
				}
				began := time.Now()
				fs, err := w.Close(m, perShard)
				if p.opts.Timed != nil {
					p.opts.Timed(w.Name(), time.Since(began))
				}
				if err != nil {
					p.opts.Sink.Error(fmt.Errorf("%s: %s: %w", m.Model, w.Name(), err))
				}
				if len(fs) > 0 {
					p.opts.Sink.Findings(fs)
				}
			}
			p.merged.Store(next)
		}
	}
}

func complete(parts [][]any) bool {
	for _, p := range parts {
		if p == nil {
			return false
		}
	}
	return true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func (p *Pipeline) sortedModels() []*modelState {
	models := *p.models.Load()
	names := slices.Sorted(maps.Keys(models))
	out := make([]*modelState, len(names))
	for i, n := range names {
		out[i] = models[n]
	}
	return out
}

func sortedKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
