package simulate

import (
	"strings"
	"testing"
	"time"
)

func TestParseBurst(t *testing.T) {
	tests := []struct {
		spec string
		want Burst
	}{
		{"api_user_312:count=60,from=9h,until=9h30m", Burst{User: "api_user_312", Count: 60, From: 9 * time.Hour, Until: 9*time.Hour + 30*time.Minute}},
		{"prober:count=5", Burst{User: "prober", Count: 5, Until: 30 * time.Minute}},
		{" p : from = 1h , count = 2 ", Burst{User: "p", Count: 2, From: time.Hour, Until: 90 * time.Minute}},
		{"p:count=1,from=2h,until=2h", Burst{User: "p", Count: 1, From: 2 * time.Hour, Until: 2 * time.Hour}},
	}
	for _, tc := range tests {
		got, err := ParseBurst(tc.spec)
		if err != nil || got != tc.want {
			t.Errorf("ParseBurst(%q) = %+v, %v; want %+v", tc.spec, got, err, tc.want)
		}
	}
	bad := []struct{ spec, want string }{
		{"", "want USER:count=N"},
		{":count=3", "want USER:count=N"},
		{"p", "want USER:count=N"},
		{"p:from=1h", "count is required"},
		{"p:count=0", "count=0: want a whole number"},
		{"p:count=x", "count=x: want a whole number"},
		{"p:count=3,count=4", "count given twice"},
		{"p:count=3,speed=2", `unknown key "speed"`},
		{"p:count=3,from=2h,until=1h", "want 0 <= from <= until"},
		{"p:count=3,from=-1h", "must not be negative"},
		{"p:count=3,,from=1h", `setting 2 "": want KEY=VALUE`},
	}
	for _, tc := range bad {
		if _, err := ParseBurst(tc.spec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseBurst(%q): %v, want an error containing %q", tc.spec, err, tc.want)
		}
	}
}

func FuzzParseBurst(f *testing.F) {
	for _, s := range []string{"api_user_312:count=60,from=9h,until=9h30m", "p:count=1", "x:y=z,,=", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		b, err := ParseBurst(spec)
		if err != nil {
			return
		}
		if err := b.Validate(); err != nil {
			t.Fatalf("ParseBurst(%q) = %+v, which does not validate: %v", spec, b, err)
		}
		if strings.ContainsAny(b.User, ":") {
			return // a user name with a colon does not survive the syntax
		}
		again, err := ParseBurst(b.String())
		if err != nil || again != b {
			t.Fatalf("ParseBurst(%q) = %+v, %v; want %+v back", b.String(), again, err, b)
		}
	})
}

// A burst adds its probes, from its user, spread over its span and each
// further out than the one before, to traffic that keeps its time order.
func TestBurstInTraffic(t *testing.T) {
	b := Burst{User: "prober", Count: 20, From: 2 * time.Hour, Until: 3 * time.Hour}
	gen, err := NewGenerator(Options{Seed: 3, Rate: 5000.0 / 86400, Bursts: []Burst{b}})
	if err != nil {
		t.Fatal(err)
	}
	txs := gen.Take(5000)
	var probes []Transaction
	for i, tx := range txs {
		if i > 0 && tx.Time.Before(txs[i-1].Time) {
			t.Fatalf("transaction %d goes back in time", i)
		}
		if tx.User == b.User {
			probes = append(probes, tx)
		}
	}
	if len(probes) != b.Count {
		t.Fatalf("%d probes, want %d", len(probes), b.Count)
	}
	start := DefaultStart()
	for i, p := range probes {
		if off := p.Time.Sub(start); off < b.From || off >= b.Until {
			t.Errorf("probe %d at %v, outside [%v, %v)", i, off, b.From, b.Until)
		}
		if p.CardPresent || p.Label != 1 {
			t.Errorf("probe %d: %+v", i, p)
		}
	}
	if first, last := probes[0], probes[len(probes)-1]; last.NumTxLast24h < first.NumTxLast24h+20 {
		t.Errorf("probes do not move further out: first %+v, last %+v", first, last)
	}
	if _, err := NewGenerator(Options{Bursts: []Burst{{User: "p"}}}); err == nil {
		t.Error("a burst without probes was accepted")
	}
}
