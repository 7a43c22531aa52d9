package notify

import (
	"math/rand/v2"
	"sync"
	"time"
)

// ExponentialBackoff returns a backoff that doubles from lo with each
// failed attempt up to hi, with "equal jitter": the wait for attempt n is
// uniform in [d/2, d] with d = lo*2^(n-1) capped at hi, then raised to at
// least lo. Jitter keeps the retries of many items that failed together
// from hitting a recovering receiver at the same instant; the random
// source is seeded, so a given seed gives the same sequence.
//
// The returned function is safe for concurrent use. It returns lo for
// attempts below 1, and treats hi below lo as lo.
func ExponentialBackoff(lo, hi time.Duration, seed uint64) func(attempt int) time.Duration {
	lo = max(lo, 0)
	hi = max(hi, lo)
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return func(attempt int) time.Duration {
		d := lo
		for i := 1; i < attempt && d < hi; i++ {
			if d > hi/2 {
				d = hi
			} else {
				d *= 2
			}
		}
		if d <= 0 {
			return 0
		}
		mu.Lock()
		jitter := time.Duration(rng.Int64N(int64(d/2) + 1))
		mu.Unlock()
		return max(d-d/2+jitter, lo)
	}
}
