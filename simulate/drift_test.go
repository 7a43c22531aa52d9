package simulate

import (
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseDrift(t *testing.T) {
	tests := []struct {
		spec string
		want Drift
	}{
		{"transaction_amount:scale=2.1,from=12h", Drift{Feature: ColTransactionAmount, Scale: 2.1, From: 12 * time.Hour}},
		{"merchant_category:new=crypto_exchange,share=0.2,from=6h", Drift{Feature: ColMerchantCategory, NewCategory: "crypto_exchange", NewShare: 0.2, From: 6 * time.Hour}},
		{"distance_from_home_km:nulls=0.4,from=3h,until=4h", Drift{Feature: ColDistanceFromHomeKm, NullRate: 0.4, From: 3 * time.Hour, Until: 4 * time.Hour}},
		{"hour:shift=3,ramp=2h", Drift{Feature: ColHour, Shift: 3, Ramp: 2 * time.Hour}},
		{"hour:shift=-7", Drift{Feature: ColHour, Shift: -7}},
		{"card_present:new=false,share=0.3", Drift{Feature: ColCardPresent, NewCategory: "false", NewShare: 0.3}},
		{"account_age_days:shift=-30,nulls=0.1", Drift{Feature: ColAccountAgeDays, Shift: -30, NullRate: 0.1}},
		{" num_tx_last_24h : scale = 3 , from = 90m ", Drift{Feature: ColNumTxLast24h, Scale: 3, From: 90 * time.Minute}},
		{"merchant_category:new=grocery,share=1", Drift{Feature: ColMerchantCategory, NewCategory: "grocery", NewShare: 1}},
		{"transaction_amount:shift=-20.5,from=1h,until=2h,ramp=30m", Drift{Feature: ColTransactionAmount, Shift: -20.5, From: time.Hour, Until: 2 * time.Hour, Ramp: 30 * time.Minute}},
		{"transaction_amount:scale=1,nulls=1", Drift{Feature: ColTransactionAmount, Scale: 1, NullRate: 1}},
		{"merchant_category:nulls=0.05", Drift{Feature: ColMerchantCategory, NullRate: 0.05}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseDrift(tt.spec)
			if err != nil {
				t.Fatalf("ParseDrift: %v", err)
			}
			if got != tt.want {
				t.Errorf("ParseDrift = %+v, want %+v", got, tt.want)
			}
			again, err := ParseDrift(got.String())
			if err != nil || again != got {
				t.Errorf("ParseDrift(%q) = %+v, %v; want the drift back", got.String(), again, err)
			}
		})
	}
}

func TestParseDriftErrors(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"", "want FEATURE:KEY=VALUE"},
		{"transaction_amount", "want FEATURE:KEY=VALUE"},
		{"amount:scale=2", `unknown feature "amount"`},
		{"score:shift=0.1", "score is computed from the features"},
		{"label:nulls=0.1", "label is computed from the features"},
		{"transaction_amount:", `setting 1 "": want KEY=VALUE`},
		{"transaction_amount:scale", `setting 1 "scale": want KEY=VALUE`},
		{"transaction_amount:scale=", `want KEY=VALUE`},
		{"transaction_amount:scale=2,,from=1h", `setting 2 "": want KEY=VALUE`},
		{"transaction_amount:scale=abc", "scale=abc: not a finite number"},
		{"transaction_amount:scale=NaN", "scale=NaN: not a finite number"},
		{"transaction_amount:shift=Inf", "shift=Inf: not a finite number"},
		{"transaction_amount:scale=0", "scale=0: must be greater than 0"},
		{"transaction_amount:scale=-2", "scale=-2: must be greater than 0"},
		{"transaction_amount:scale=1e9", "scale 1e+09 is not between 0 and 1e+06"},
		{"transaction_amount:shift=1e12", "shift 1e+12 is not between"},
		{"transaction_amount:scale=2,scale=3", "scale given twice"},
		{"transaction_amount:factor=2", `unknown key "factor"`},
		{"transaction_amount:new=x,share=0.1", "transaction_amount is numeric: new and share apply to categorical and boolean features"},
		{"merchant_category:scale=2", "merchant_category is categorical: scale and shift make no sense"},
		{"merchant_category:shift=1", "scale and shift make no sense"},
		{"merchant_category:new=crypto", "new=crypto needs share="},
		{"merchant_category:share=0.2", "share 0.2 needs new=VALUE"},
		{"merchant_category:new=bad name,share=0.2", `character ' ' at byte 3 is not allowed`},
		{"merchant_category:new=" + strings.Repeat("x", 65) + ",share=0.2", "longer than 64 characters"},
		{"merchant_category:new=x,share=1.5", "share=1.5: must be greater than 0 and at most 1"},
		{"card_present:new=maybe,share=0.2", `new="maybe": card_present is boolean, want true or false`},
		{"card_present:shift=1", "card_present is boolean: scale and shift make no sense"},
		{"hour:scale=2", "the hour is cyclic and cannot be scaled"},
		{"hour:shift=1.5", "shift 1.5 must be a whole number for hour"},
		{"num_tx_last_24h:shift=0.5", "must be a whole number for num_tx_last_24h"},
		{"transaction_amount:from=12h", "no effect"},
		{"transaction_amount:scale=1", "no effect"},
		{"transaction_amount:scale=2,from=-1h", "from=-1h: must not be negative"},
		{"transaction_amount:scale=2,from=3h,until=2h", "until 2h0m0s is not after from 3h0m0s"},
		{"transaction_amount:scale=2,until=0s", "until=0s: must be after the start"},
		{"transaction_amount:scale=2,from=1h,until=2h,ramp=2h", "ramp 2h0m0s is longer than the drift window"},
		{"transaction_amount:scale=2,from=tomorrow", "from=tomorrow: not a duration"},
		{"transaction_amount:nulls=0", "nulls=0: must be greater than 0"},
		{"transaction_amount:nulls=1.01", "nulls=1.01: must be greater than 0 and at most 1"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			d, err := ParseDrift(tt.spec)
			if err == nil {
				t.Fatalf("ParseDrift = %+v, want an error containing %q", d, tt.want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "drift "+strconv.Quote(tt.spec)+": ") {
				t.Errorf("error %q does not name the spec", msg)
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not contain %q", msg, tt.want)
			}
		})
	}
}

func TestDriftValidate(t *testing.T) {
	tests := []struct {
		name string
		d    Drift
		want string // "" for valid
	}{
		{"scale zero means unchanged", Drift{Feature: ColTransactionAmount, Scale: 0, Shift: 5}, ""},
		{"negative scale", Drift{Feature: ColTransactionAmount, Scale: -1}, "drift on transaction_amount: scale -1 is not between 0 and"},
		{"negative ramp", Drift{Feature: ColTransactionAmount, Shift: 1, Ramp: -time.Second}, "ramp -1s is negative"},
		{"negative until", Drift{Feature: ColTransactionAmount, Shift: 1, Until: -time.Second}, "until -1s is negative"},
		{"null rate above one", Drift{Feature: ColHour, NullRate: 2}, "null rate 2 is not between 0 and 1"},
		{"no feature", Drift{Shift: 1}, `drift: unknown feature ""`},
		{"long ramp in an open window", Drift{Feature: ColHour, Shift: 2, From: time.Hour, Ramp: 48 * time.Hour}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.d.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func FuzzParseDrift(f *testing.F) {
	for _, s := range []string{
		"transaction_amount:scale=2.1,from=12h",
		"merchant_category:new=crypto_exchange,share=0.2,from=6h",
		"distance_from_home_km:nulls=0.4,from=3h,until=4h",
		"hour:shift=3,ramp=2h",
		"card_present:new=true,share=1",
		"account_age_days:shift=-30,scale=0.5,nulls=0.01,from=1ns",
		"num_tx_last_24h:scale=1e6,until=1h,ramp=1h",
		"x:y=z,,=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		d, err := ParseDrift(spec)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("ParseDrift(%q) = %+v, which does not validate: %v", spec, d, err)
		}
		again, err := ParseDrift(d.String())
		if err != nil || again != d {
			t.Fatalf("ParseDrift(%q) = %+v, %v; want %+v back", d.String(), again, err, d)
		}
	})
}

// within reports whether a transaction's offset from the default start falls
// in [from, until), until 0 meaning no end.
func within(tx Transaction, from, until time.Duration) bool {
	off := tx.Time.Sub(DefaultStart())
	return off >= from && (until == 0 || off < until)
}

// withFeature returns tx with one feature (and the fields that follow from
// the features) copied from other, to compare everything else.
func withFeature(tx, other Transaction, f FeatureSet) Transaction {
	switch f {
	case FeatureTransactionAmount:
		tx.TransactionAmount = other.TransactionAmount
	case FeatureMerchantCategory:
		tx.MerchantCategory = other.MerchantCategory
	case FeatureHour:
		tx.Hour = other.Hour
	case FeatureDistanceFromHomeKm:
		tx.DistanceFromHomeKm = other.DistanceFromHomeKm
	case FeatureCardPresent:
		tx.CardPresent = other.CardPresent
	case FeatureAccountAgeDays:
		tx.AccountAgeDays = other.AccountAgeDays
	case FeatureNumTxLast24h:
		tx.NumTxLast24h = other.NumTxLast24h
	}
	tx.Score, tx.Missing = other.Score, other.Missing
	return tx
}

func TestDriftEffects(t *testing.T) {
	const from, until = time.Hour, 3 * time.Hour
	// expect checks one drifted transaction against its undrifted twin; share
	// checks the whole window: the share of changed transactions.
	tests := []struct {
		spec      string
		until     time.Duration
		expect    func(base, got Transaction) bool
		share     float64 // of window transactions whose feature changed, about
		scoreRise bool    // the drift can only raise the score
	}{
		{
			spec:      "transaction_amount:scale=2,from=1h,until=3h",
			until:     until,
			expect:    func(b, g Transaction) bool { return math.Abs(g.TransactionAmount-2*b.TransactionAmount) < 0.006 },
			share:     1,
			scoreRise: true,
		},
		{
			spec:  "transaction_amount:shift=-100,from=1h,until=3h",
			until: until,
			expect: func(b, g Transaction) bool {
				return math.Abs(g.TransactionAmount-max(0, b.TransactionAmount-100)) < 0.006
			},
			share: 1,
		},
		{
			spec:      "distance_from_home_km:scale=3,shift=1,from=1h,until=3h",
			until:     until,
			expect:    func(b, g Transaction) bool { return math.Abs(g.DistanceFromHomeKm-(3*b.DistanceFromHomeKm+1)) < 0.06 },
			share:     1,
			scoreRise: true,
		},
		{
			spec:   "account_age_days:shift=-300,from=1h,until=3h",
			until:  until,
			expect: func(b, g Transaction) bool { return g.AccountAgeDays == max(0, b.AccountAgeDays-300) },
			share:  1, // ages under 300 clamp to zero
		},
		{
			spec:      "num_tx_last_24h:scale=2,shift=1,from=1h,until=3h",
			until:     until,
			expect:    func(b, g Transaction) bool { return g.NumTxLast24h == 2*b.NumTxLast24h+1 },
			share:     1,
			scoreRise: true,
		},
		{
			spec:   "hour:shift=3,from=1h,until=3h",
			until:  until,
			expect: func(b, g Transaction) bool { return g.Hour == (b.Hour+3)%24 },
			share:  1,
		},
		{
			spec:   "hour:shift=-30,from=1h,until=3h",
			until:  until,
			expect: func(b, g Transaction) bool { return g.Hour == (b.Hour+18)%24 },
			share:  1,
		},
		{
			spec:  "merchant_category:new=crypto_exchange,share=0.2,from=1h,until=3h",
			until: until,
			expect: func(b, g Transaction) bool {
				return g.MerchantCategory == b.MerchantCategory || g.MerchantCategory == "crypto_exchange"
			},
			share: 0.2,
		},
		{
			spec:   "card_present:new=false,share=0.5,from=1h,until=3h",
			until:  until,
			expect: func(b, g Transaction) bool { return g.CardPresent == b.CardPresent || !g.CardPresent },
			share:  0.5 * 0.64, // only present cards can change; about 64% are
		},
		{
			spec:  "transaction_amount:nulls=0.4,from=1h",
			until: 0,
			expect: func(b, g Transaction) bool {
				if g.Missing == FeatureTransactionAmount {
					return g.TransactionAmount == 0
				}
				return g.Missing == 0 && g.TransactionAmount == b.TransactionAmount
			},
			share: 0.4,
		},
		{
			spec:  "merchant_category:nulls=1,from=1h,until=3h",
			until: until,
			expect: func(b, g Transaction) bool {
				return g.Missing == FeatureMerchantCategory && g.MerchantCategory == ""
			},
			share: 1,
		},
	}
	const n = 4 * 3600 // four hours at one event per second
	base := mustGenerator(t, Options{Seed: 21, Rate: 1}).Take(n)
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			d := mustDrift(t, tt.spec)
			feature, _ := FeatureByName(d.Feature)
			got := mustGenerator(t, Options{Seed: 21, Rate: 1, Drifts: []Drift{d}}).Take(n)
			var inWindow, changed, scoreChanged int
			for i := range got {
				b, g := base[i], got[i]
				if !within(b, from, tt.until) {
					if g != b {
						t.Fatalf("%s at %v outside the window changed:\n got %+v\nwant %+v", b.ID, b.Time, g, b)
					}
					continue
				}
				inWindow++
				if withFeature(g, b, feature) != b {
					t.Fatalf("%s: more than %s changed:\n got %+v\nbase %+v", b.ID, d.Feature, g, b)
				}
				if g.Missing&^feature != 0 {
					t.Fatalf("%s: missing %v, want only %s", b.ID, g.Missing, d.Feature)
				}
				if !tt.expect(b, g) {
					t.Fatalf("%s: drift did not have its effect:\n got %+v\nbase %+v", b.ID, g, b)
				}
				other := withFeature(b, g, feature)
				other.Score, other.Missing = b.Score, b.Missing
				if other != b || g.Missing != b.Missing {
					changed++
				}
				if g.Score != b.Score {
					scoreChanged++
				}
				if tt.scoreRise && g.Score < b.Score {
					t.Fatalf("%s: score fell from %v to %v", b.ID, b.Score, g.Score)
				}
			}
			if inWindow < 1000 {
				t.Fatalf("only %d transactions in the window", inWindow)
			}
			if share := float64(changed) / float64(inWindow); math.Abs(share-tt.share) > 0.05 {
				t.Errorf("%.3f of the window changed, want about %.3f", share, tt.share)
			}
			if scoreChanged == 0 {
				t.Error("the model's score never reacted to the drift")
			}
		})
	}
}

func TestDriftRamp(t *testing.T) {
	const n = 4 * 3600
	base := mustGenerator(t, Options{Seed: 8, Rate: 1}).Take(n)
	tests := []struct {
		spec string
		// want is the drifted value at a fraction f of the ramp.
		want func(b Transaction, f float64) float64
		got  func(Transaction) float64
		tol  float64
	}{
		{
			spec: "transaction_amount:scale=3,from=1h,ramp=2h",
			want: func(b Transaction, f float64) float64 { return b.TransactionAmount * (1 + 2*f) },
			got:  func(tx Transaction) float64 { return tx.TransactionAmount },
			tol:  0.006,
		},
		{
			spec: "hour:shift=6,from=1h,ramp=2h",
			want: func(b Transaction, f float64) float64 { return float64((b.Hour + int(math.Round(6*f))) % 24) },
			got:  func(tx Transaction) float64 { return float64(tx.Hour) },
			// f is only known to the millisecond: the step may fall either side.
			tol: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got := mustGenerator(t, Options{Seed: 8, Rate: 1, Drifts: []Drift{mustDrift(t, tt.spec)}}).Take(n)
			for i := range got {
				off := base[i].Time.Sub(DefaultStart())
				f := math.Min(1, math.Max(0, (off-time.Hour).Hours()/2))
				want := tt.want(base[i], f)
				if g := tt.got(got[i]); math.Abs(g-want) > tt.tol && math.Abs(g-want) < 24-tt.tol {
					t.Fatalf("%s at %v (ramp %.3f): %v, want %v", base[i].ID, off, f, g, want)
				}
			}
		})
	}
}

func TestDriftsCompose(t *testing.T) {
	drifts := []Drift{
		mustDrift(t, "transaction_amount:scale=2,from=1h"),
		mustDrift(t, "transaction_amount:shift=10,from=2h"),
		mustDrift(t, "hour:nulls=0.5,from=1h"),
	}
	base := mustGenerator(t, Options{Seed: 4, Rate: 1}).Take(3 * 3600)
	got := mustGenerator(t, Options{Seed: 4, Rate: 1, Drifts: drifts}).Take(3 * 3600)
	// The second drift also sees the first, and neither disturbs the null
	// burst's random stream: hour nulls fall on the same events with or
	// without the amount drifts.
	onlyNulls := mustGenerator(t, Options{Seed: 4, Rate: 1, Drifts: drifts[2:]}).Take(3 * 3600)
	for i := range got {
		want := base[i].TransactionAmount
		if within(base[i], time.Hour, 0) {
			want *= 2
		}
		if within(base[i], 2*time.Hour, 0) {
			want += 10
		}
		if math.Abs(got[i].TransactionAmount-want) > 0.006 {
			t.Fatalf("%s: amount %v, want %v", base[i].ID, got[i].TransactionAmount, want)
		}
		if got[i].Missing != onlyNulls[i].Missing {
			t.Fatalf("%s: missing %v with the amount drifts, %v without", base[i].ID, got[i].Missing, onlyNulls[i].Missing)
		}
	}
}

func TestNullBurstsPrintEmpty(t *testing.T) {
	g := mustGenerator(t, Options{Seed: 1, Rate: 1, Drifts: []Drift{
		{Feature: ColDistanceFromHomeKm, NullRate: 1, From: 0, Until: 2 * time.Second},
		{Feature: ColCardPresent, NullRate: 1, From: 0, Until: 2 * time.Second},
	}})
	var tx Transaction
	for tx = g.Next(); !tx.Missing.Has(FeatureDistanceFromHomeKm | FeatureCardPresent); tx = g.Next() {
	}
	var csvOut, jsonOut, events strings.Builder
	for _, write := range []struct {
		w  *strings.Builder
		fn func(io.Writer, []Transaction) error
	}{{&csvOut, WriteCSV}, {&jsonOut, WriteJSONL}, {&events, WriteEvents}} {
		if err := write.fn(write.w, []Transaction{tx}); err != nil {
			t.Fatal(err)
		}
	}
	row := strings.Split(strings.Split(csvOut.String(), "\n")[1], ",")
	if row[3] != "" || row[4] != "" || row[2] == "" {
		t.Errorf("CSV row %q: want empty distance and card_present only", row)
	}
	for _, out := range []string{jsonOut.String(), events.String()} {
		if !strings.Contains(out, `"distance_from_home_km":null,"card_present":null,`) {
			t.Errorf("JSON %s: want null distance and card_present", out)
		}
	}
}
