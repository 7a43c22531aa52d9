package simulate

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// Transaction is one scored card transaction. Reference transactions leave
// ID, Time and User empty.
type Transaction struct {
	ID   string
	Time time.Time
	User string

	TransactionAmount  float64
	MerchantCategory   string
	Hour               int
	DistanceFromHomeKm float64
	CardPresent        bool
	AccountAgeDays     int
	NumTxLast24h       int
	Score              float64
	Label              int
	Missing            FeatureSet // bit set of features whose value is missing (null bursts); writers print them as empty (CSV) or null (JSON)
}

// Defaults for zero Options fields.
const (
	// DefaultRate spreads 10 000 events over a day.
	DefaultRate  = 10000.0 / 86400
	DefaultUsers = 1000
	// MaxUsers keeps user names short and the user arithmetic in range.
	MaxUsers = 1_000_000_000
)

// DefaultStart returns the event time of the first production event when
// Options.Start is zero: 2026-01-01T00:00:00Z.
func DefaultStart() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

// Options configure a production Generator.
type Options struct {
	Seed   uint64
	Start  time.Time // event time of the first production event; zero => DefaultStart()
	Rate   float64   // mean production events per second (a Poisson process); 0 => DefaultRate
	Users  int       // distinct users; 0 => DefaultUsers
	Drifts []Drift   // applied in order; several may touch one feature
	Bursts []Burst   // crafted transactions interleaved with the traffic
}

// Validate reports the first option that is out of range.
func (o Options) Validate() error {
	if math.IsNaN(o.Rate) || math.IsInf(o.Rate, 0) || o.Rate < 0 {
		return fmt.Errorf("rate %v: want a positive number of events per second (0 for the default)", o.Rate)
	}
	if o.Users < 0 || o.Users > MaxUsers {
		return fmt.Errorf("users %d: want 1 to %d (0 for the default)", o.Users, MaxUsers)
	}
	for i, d := range o.Drifts {
		if err := d.Validate(); err != nil {
			return fmt.Errorf("drift %d: %w", i+1, err)
		}
	}
	for i, b := range o.Bursts {
		if err := b.Validate(); err != nil {
			return fmt.Errorf("burst %d: %w", i+1, err)
		}
	}
	return nil
}

// maxOffset is where event time stops advancing, well inside time.Duration.
const maxOffset = 200 * 365 * 24 * time.Hour

// Generator produces production transactions in event-time order, or
// reference transactions (see NewReferenceGenerator). It is not safe for
// concurrent use.
type Generator struct {
	reference bool // reference rows: no time, user, ID or drift
	start     time.Time
	rate      float64
	users     userPicker
	features  *rand.Rand // feature values and labels
	arrivals  *rand.Rand // inter-arrival gaps and users
	drifts    []activeDrift
	bursts    []*pendingBurst
	elapsed   float64 // seconds from start to the next event
	seq       int
}

// NewGenerator validates o and returns a generator positioned at its first
// event.
func NewGenerator(o Options) (*Generator, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	g := &Generator{
		start:    o.Start,
		rate:     o.Rate,
		features: newStream(o.Seed, streamFeatures),
		arrivals: newStream(o.Seed, streamArrivals),
	}
	if g.start.IsZero() {
		g.start = DefaultStart()
	}
	if g.rate == 0 {
		g.rate = DefaultRate
	}
	users := o.Users
	if users == 0 {
		users = DefaultUsers
	}
	g.users = newUserPicker(users, g.arrivals)
	// A drift's stream derives from the drift itself (and how many identical
	// drifts precede it), not from its position, so adding or removing one
	// drift leaves the draws of the others alone.
	seen := make(map[string]uint64)
	for _, d := range o.Drifts {
		spec := d.String()
		h := fnv.New64a()
		h.Write([]byte(spec))
		stream := streamDriftBase + h.Sum64() + seen[spec]
		seen[spec]++
		g.drifts = append(g.drifts, newActiveDrift(d, newStream(o.Seed, stream)))
	}
	if len(o.Bursts) > 0 {
		rng := newStream(o.Seed, streamBurst)
		for _, b := range o.Bursts {
			g.bursts = append(g.bursts, &pendingBurst{Burst: b, rng: rng})
		}
	}
	return g, nil
}

// Next returns the next transaction. Production event times never decrease
// and are whole milliseconds after Options.Start, the precision events carry.
func (g *Generator) Next() Transaction {
	if g.reference {
		var tx Transaction
		draw(g.features, &tx)
		tx.Score = model.score(&tx)
		return tx
	}
	g.seq++
	// The burst whose next probe is due first, if it is due before the
	// next ordinary transaction.
	var due *pendingBurst
	at := g.elapsed
	for _, b := range g.bursts {
		if t, ok := b.next(); ok && t <= at {
			due, at = b, t
		}
	}
	offset := maxOffset
	if ms := math.Floor(at * 1000); ms < float64(maxOffset/time.Millisecond) {
		offset = time.Duration(ms) * time.Millisecond
	}
	tx := Transaction{ID: transactionID(g.seq), Time: g.start.Add(offset)}
	if due != nil {
		tx.User = due.User
		due.craft(&tx)
		tx.Score = model.score(&tx)
		return tx
	}
	tx.User = g.users.pick(g.arrivals)
	draw(g.features, &tx)
	for i := range g.drifts {
		g.drifts[i].apply(&tx, offset)
	}
	tx.Score = model.score(&tx)
	g.elapsed += g.arrivals.ExpFloat64() / g.rate
	return tx
}

// Take returns the next n transactions.
func (g *Generator) Take(n int) []Transaction {
	if n <= 0 {
		return nil
	}
	txs := make([]Transaction, n)
	for i := range txs {
		txs[i] = g.Next()
	}
	return txs
}

// Reference returns n training transactions: the production distribution
// without drift, from a random stream of its own, so that nothing about the
// production options changes it. Reference(seed, n) is a prefix of
// Reference(seed, m) for m > n.
func Reference(seed uint64, n int) []Transaction {
	return NewReferenceGenerator(seed).Take(n)
}

// NewReferenceGenerator returns a generator whose Next yields the
// transactions of Reference(seed, n) one at a time, for reference sets too
// large to hold in memory.
func NewReferenceGenerator(seed uint64) *Generator {
	return &Generator{reference: true, features: newStream(seed, streamReference)}
}

func transactionID(seq int) string {
	return padded("tx-", seq, 8)
}

// padded formats prefix followed by n zero-padded to width digits.
func padded(prefix string, n, width int) string {
	digits := strconv.Itoa(n)
	b := make([]byte, 0, len(prefix)+max(width, len(digits)))
	b = append(b, prefix...)
	for range width - len(digits) {
		b = append(b, '0')
	}
	return string(append(b, digits...))
}

// userPicker draws users with Zipf-Mandelbrot activity: the user of rank k
// (from 0) is active in proportion to 1/(k+q). The offset q flattens the head
// so the busiest user makes about 2% of the traffic among a thousand, as in a
// card portfolio, rather than the 13% a pure Zipf law would give.
type userPicker struct {
	n        int
	logRange float64 // ln((n+q)/q)
	// Ranks are scattered over user numbers by k -> (k·stride + offset) mod n,
	// a bijection since gcd(stride, n) = 1, so user_00000 is not the busiest.
	stride, offset uint64
	width          int
}

const userZipfOffset = 10

func newUserPicker(n int, r *rand.Rand) userPicker {
	stride := uint64(float64(n)*0.618) | 1
	for gcd(stride, uint64(n)) != 1 {
		stride += 2
	}
	return userPicker{
		n:        n,
		logRange: math.Log((float64(n) + userZipfOffset) / userZipfOffset),
		stride:   stride % uint64(n),
		offset:   r.Uint64N(uint64(n)),
		width:    max(5, len(strconv.Itoa(n-1))),
	}
}

// pick inverts the continuous Zipf-Mandelbrot distribution function, which
// needs no table however many users there are.
func (p *userPicker) pick(r *rand.Rand) string {
	rank := uint64(userZipfOffset*math.Exp(r.Float64()*p.logRange) - userZipfOffset)
	rank = min(rank, uint64(p.n-1))
	return padded("user_", int((rank*p.stride+p.offset)%uint64(p.n)), p.width)
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
