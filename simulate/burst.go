package simulate

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Burst is one user's run of crafted transactions: an attacker probing the
// model with inputs pushed to, and past, the edges of normal traffic (huge
// amounts far from home on brand-new accounts, at night, card not present),
// each probe a little further out than the one before.
type Burst struct {
	User  string
	From  time.Duration // offsets from Options.Start
	Until time.Duration
	Count int
}

// Validate reports what is wrong with the burst.
func (b Burst) Validate() error {
	switch {
	case b.User == "":
		return fmt.Errorf("burst: no user")
	case b.Count < 1:
		return fmt.Errorf("burst of %s: count %d, want at least 1", b.User, b.Count)
	case b.From < 0 || b.Until < b.From:
		return fmt.Errorf("burst of %s: want 0 <= from <= until, got from %v until %v", b.User, b.From, b.Until)
	}
	return nil
}

// streamBurst draws the crafted features, apart from ordinary traffic.
const streamBurst uint64 = 4

// pendingBurst is a burst being emitted.
type pendingBurst struct {
	Burst
	sent int
	rng  *rand.Rand
}

// next is the offset of the burst's next transaction, or false when done.
func (p *pendingBurst) next() (float64, bool) {
	if p.sent >= p.Count {
		return 0, false
	}
	step := (p.Until - p.From).Seconds() / float64(p.Count)
	return p.From.Seconds() + step*float64(p.sent), true
}

// craft fills tx with the burst's next probe.
func (p *pendingBurst) craft(tx *Transaction) {
	r := p.rng
	// How far out this probe goes: from the fringe of normal traffic to
	// well past it.
	push := 1 + 9*float64(p.sent)/float64(max(p.Count-1, 1))
	m := &merchants[[]int{3, 6}[r.IntN(2)]] // online retail or electronics
	tx.MerchantCategory = m.name
	tx.TransactionAmount = round(m.amountMedian*(6+4*push)*(0.9+0.2*r.Float64()), 100)
	tx.Hour = 2 + r.IntN(3)
	tx.DistanceFromHomeKm = round(m.distanceMedian*(20+30*push)*(0.9+0.2*r.Float64()), 10)
	tx.CardPresent = false
	tx.AccountAgeDays = r.IntN(3)
	tx.NumTxLast24h = 20 + int(math.Round(4*push)) + r.IntN(5)
	tx.Label = 1
	p.sent++
}

// ParseBurst reads a burst as USER:count=N,from=OFFSET,until=OFFSET, for
// example api_user_312:count=60,from=9h,until=9h30m. until defaults to from
// plus half an hour.
func ParseBurst(spec string) (Burst, error) {
	b, err := parseBurst(spec)
	if err != nil {
		return Burst{}, fmt.Errorf("burst %q: %w", spec, err)
	}
	return b, nil
}

func parseBurst(spec string) (Burst, error) {
	user, settings, ok := strings.Cut(spec, ":")
	if !ok || strings.TrimSpace(user) == "" {
		return Burst{}, errors.New("want USER:count=N[,from=OFFSET][,until=OFFSET], e.g. api_user_312:count=60,from=9h")
	}
	b := Burst{User: strings.TrimSpace(user)}
	until := time.Duration(-1)
	seen, err := parseSettings(settings, "count, from or until", func(key, value string) (bool, error) {
		var err error
		switch key {
		case "count":
			b.Count, err = strconv.Atoi(value)
			if err != nil || b.Count < 1 {
				err = errors.New("want a whole number of at least 1")
			}
		case "from":
			b.From, err = parseOffset(value)
		case "until":
			until, err = parseOffset(value)
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return Burst{}, err
	}
	if !seen["count"] {
		return Burst{}, errors.New("count is required")
	}
	b.Until = until
	if until < 0 {
		b.Until = b.From + 30*time.Minute
	}
	return b, b.Validate()
}

// String returns b in the syntax ParseBurst reads.
func (b Burst) String() string {
	return fmt.Sprintf("%s:count=%d,from=%s,until=%s", b.User, b.Count, b.From, b.Until)
}
