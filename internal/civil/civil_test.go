package civil

import (
	"testing"
	"time"
)

// Every day from year -400 to 10000 against the standard library.
func TestAgainstTime(t *testing.T) {
	for y := -400; y <= 10000; y += 7 {
		for m := 1; m <= 12; m++ {
			first := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
			if got, want := DaysIn(y, m), first.AddDate(0, 1, -1).Day(); got != want {
				t.Fatalf("DaysIn(%d, %d) = %d, want %d", y, m, got, want)
			}
			for _, d := range []int{1, 15, DaysIn(y, m)} {
				want := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400
				if first.Unix() < 0 && time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix()%86400 != 0 {
					want--
				}
				if got := DaysFromEpoch(y, m, d); got != want {
					t.Fatalf("DaysFromEpoch(%d, %d, %d) = %d, want %d", y, m, d, got, want)
				}
			}
		}
	}
}
