package pipeline

import (
	"bytes"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/warden-ml/warden/event"
)

// Watermark says how each model's event-time clock advances. The clock
// decides when time panes close (at the clock minus the model's Lateness)
// and so which events are late. With the newest event time as the clock,
// one event dated next year would close every pane and make the rest of
// the day late; so the clock follows what several users' traffic agrees
// on, and an event far ahead of it waits until the traffic catches up.
//
// The clock is the Users-th latest among the latest event times of the
// users who sent at least one of the model's last Recent events (each user
// counts once, however many events it sent), and it never goes back. When
// fewer users sent the last Recent events, it is the earliest of their
// latest times: a model whose events name one user, or none, follows that
// traffic, and only serve's max_future bounds how far it may jump. An event
// more than MaxAhead ahead of the clock, or any event while the clock is
// unset, is held back, and processed once the clock comes within MaxAhead
// of it; at most MaxHeld events per model are held, the furthest ahead
// dropped first. At the end of a replay (Close with flush) the clock takes
// the latest time all recent users have reached (when fewer than Users),
// what it then still holds is dropped. Events dated at or after MaxTime are
// dropped at once and those before MinTime are late. Dropped events are
// counted (Dropped), never processed.
type Watermark struct {
	Users    int           // 0: DefaultWatermarkUsers
	Recent   int           // 0: DefaultWatermarkRecent
	MaxAhead time.Duration // 0: DefaultMaxAhead
	MaxHeld  int           // 0: DefaultMaxHeld
}

// Watermark defaults.
const (
	DefaultWatermarkUsers  = 3
	DefaultWatermarkRecent = 1000
	DefaultMaxAhead        = time.Hour
	DefaultMaxHeld         = 10000
)

func (w Watermark) withDefaults() Watermark {
	if w.Users <= 0 {
		w.Users = DefaultWatermarkUsers
	}
	if w.Recent <= 0 {
		w.Recent = DefaultWatermarkRecent
	}
	if w.MaxAhead <= 0 {
		w.MaxAhead = DefaultMaxAhead
	}
	if w.MaxHeld <= 0 {
		w.MaxHeld = DefaultMaxHeld
	}
	return w
}

// MinTime and MaxTime bound the event times the pipeline places in panes:
// whole years well inside what Unix nanoseconds represent (1677-09-21 to
// 2262-04-11), so that a pane of up to MaxStep around any of them has
// bounds a store can keep. An event before MinTime is late in every time
// pane; one at or after MaxTime is dropped.
var (
	MinTime = time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)
)

// MaxStep is the longest step of a time pane.
const MaxStep = 90 * 24 * time.Hour

// clock is one model's event-time clock; the sequencer owns it.
type clock struct {
	w    Watermark
	now  time.Time // zero until the traffic sets it
	ring []string  // the users of the model's last w.Recent events
	next int       // once the ring is full, the oldest entry
	full bool
	// users are those in the ring, with their latest event times; top the
	// w.Users of them with the latest times (all of them when fewer).
	users  map[string]*recentUser
	top    []*recentUser
	held   []*event.Event // by time, then arrival
	nHeld  atomic.Int64   // len(held), for other goroutines
	onDrop func(n int)
}

type recentUser struct {
	latest time.Time
	count  int // entries in the ring
	inTop  bool
}

func newClock(w Watermark, onDrop func(int)) *clock {
	return &clock{w: w, users: map[string]*recentUser{}, onDrop: onDrop}
}

// observe counts an event of user at t and reports whether the clock moved.
func (c *clock) observe(user string, t time.Time) bool {
	rebuild := false
	if c.full {
		old := c.users[c.ring[c.next]]
		if old.count--; old.count == 0 {
			delete(c.users, c.ring[c.next])
			rebuild = old.inTop
		}
		c.ring[c.next] = user
		c.next = (c.next + 1) % len(c.ring)
	} else {
		c.ring = append(c.ring, user)
		c.full = len(c.ring) == c.w.Recent
	}
	u := c.users[user]
	if u == nil {
		u = &recentUser{latest: t}
		c.users[user] = u
	} else if t.After(u.latest) {
		u.latest = t
	}
	u.count++
	if rebuild {
		c.rebuildTop()
	} else {
		c.offer(u)
	}
	return c.advance(false)
}

// offer puts u among the top users if its time is late enough. Users
// outside the top never have later times than its earliest.
func (c *clock) offer(u *recentUser) {
	if u.inTop {
		return
	}
	if len(c.top) < c.w.Users {
		u.inTop = true
		c.top = append(c.top, u)
		return
	}
	i := c.earliestTop()
	if u.latest.After(c.top[i].latest) {
		c.top[i].inTop = false
		c.top[i], u.inTop = u, true
	}
}

// rebuildTop picks the top users again after one of them left the ring.
func (c *clock) rebuildTop() {
	for _, u := range c.top {
		u.inTop = false
	}
	c.top = c.top[:0]
	for _, u := range c.users {
		c.offer(u)
	}
}

func (c *clock) earliestTop() int {
	i := 0
	for j, u := range c.top {
		if u.latest.Before(c.top[i].latest) {
			i = j
		}
	}
	return i
}

// advance moves the clock to what the recent users support and reports
// whether it moved. final is the end of the stream: the users there are
// all there will be.
func (c *clock) advance(final bool) bool {
	// With fewer recent users than Users, all of them: a model whose
	// events carry no user, or one, must not wait for users who never
	// come. Serve bounds how far ahead any event may be (max_future).
	k := min(c.w.Users, len(c.users))
	// The top holds min(Users, recent users), so with k of them it is the
	// k latest and its earliest is the k-th latest.
	if k == 0 || len(c.top) < k {
		return false
	}
	t := c.top[c.earliestTop()].latest
	if !t.After(c.now) {
		return false
	}
	c.now = t
	return true
}

// ahead reports whether an event at t must wait for the clock.
func (c *clock) ahead(t time.Time) bool {
	return c.now.IsZero() || t.Sub(c.now) > c.w.MaxAhead
}

// hold keeps a copy of ev until the clock comes near it. The copy has
// slices of its own: events of a batch share backing arrays, which a held
// event must not keep alive.
func (c *clock) hold(ev *event.Event) {
	cp := *ev
	cp.Features = slices.Clone(ev.Features)
	cp.Prediction.Probabilities = slices.Clone(ev.Prediction.Probabilities)
	i, _ := slices.BinarySearchFunc(c.held, cp.Time, func(h *event.Event, t time.Time) int {
		if h.Time.After(t) {
			return 1
		}
		return -1 // equal times stay in arrival order
	})
	c.held = slices.Insert(c.held, i, &cp)
	if len(c.held) > c.w.MaxHeld {
		c.held = c.held[:c.w.MaxHeld]
		c.onDrop(1)
	}
	c.nHeld.Store(int64(len(c.held)))
}

// release hands over, in time order, the held events the clock has come
// near.
func (c *clock) release(place func(*event.Event)) {
	n := 0
	for n < len(c.held) && !c.ahead(c.held[n].Time) {
		place(c.held[n])
		n++
	}
	if n > 0 {
		c.held = slices.Delete(c.held, 0, n)
		c.nHeld.Store(int64(len(c.held)))
	}
}

// flush ends the stream: what the last clock supports is released, the
// rest dropped.
func (c *clock) flush(place func(*event.Event)) {
	c.advance(true)
	c.release(place)
	if len(c.held) > 0 {
		c.onDrop(len(c.held))
		c.held = nil
		c.nHeld.Store(0)
	}
}

// clockSnapshot is a clock in a checkpoint.
type clockSnapshot struct {
	Now    time.Time            `json:"now"`
	Recent []string             `json:"recent"` // oldest first
	Latest map[string]time.Time `json:"latest"`
	Held   string               `json:"held,omitempty"` // JSON lines
}

func (c *clock) snapshot() clockSnapshot {
	s := clockSnapshot{Now: c.now, Recent: slices.Concat(c.ring[c.next:], c.ring[:c.next]), Latest: map[string]time.Time{}}
	if !c.full {
		s.Recent = slices.Clone(c.ring)
	}
	for name, u := range c.users {
		s.Latest[name] = u.latest
	}
	var b []byte
	for _, ev := range c.held {
		b = append(event.AppendJSON(b, ev), '\n')
	}
	s.Held = string(b)
	return s
}

func (c *clock) restore(s clockSnapshot) error {
	held, rejected, err := event.NewDecoder(event.DefaultLimits()).Decode(bytes.NewReader([]byte(s.Held)), nil)
	if err != nil || len(rejected) > 0 {
		return fmt.Errorf("held events: %v %v", err, rejected)
	}
	c.now = s.Now
	for _, user := range s.Recent[max(0, len(s.Recent)-c.w.Recent):] {
		latest, ok := s.Latest[user]
		if !ok {
			return fmt.Errorf("recent user %q has no time", user)
		}
		c.observe(user, latest)
	}
	// Observing the recent users again cannot move the clock past what
	// it was, but it may set one that was not: keep the saved one.
	c.now = s.Now
	for i := range held {
		c.hold(&held[i])
	}
	return nil
}
