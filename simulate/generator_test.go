package simulate

import (
	"bytes"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

func mustGenerator(t testing.TB, o Options) *Generator {
	t.Helper()
	g, err := NewGenerator(o)
	if err != nil {
		t.Fatalf("NewGenerator: %v", err)
	}
	return g
}

func mustDrift(t testing.TB, spec string) Drift {
	t.Helper()
	d, err := ParseDrift(spec)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// allFormats renders transactions in every output format.
func allFormats(t *testing.T, txs []Transaction) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, write := range []func(*bytes.Buffer, []Transaction) error{
		func(b *bytes.Buffer, txs []Transaction) error { return WriteCSV(b, txs) },
		func(b *bytes.Buffer, txs []Transaction) error { return WriteJSONL(b, txs) },
		func(b *bytes.Buffer, txs []Transaction) error { return WriteEvents(b, txs) },
	} {
		if err := write(&b, txs); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func TestDeterminism(t *testing.T) {
	drifts := []Drift{mustDrift(t, "transaction_amount:scale=2,from=10m"), mustDrift(t, "merchant_category:new=crypto,share=0.3,nulls=0.1")}
	run := func(o Options) []byte { return allFormats(t, mustGenerator(t, o).Take(2000)) }
	base := Options{Seed: 3, Rate: 1, Users: 50, Drifts: drifts}
	first := run(base)
	tests := []struct {
		name string
		o    Options
		same bool
	}{
		{"same options", base, true},
		{"other seed", Options{Seed: 4, Rate: 1, Users: 50, Drifts: drifts}, false},
		{"other rate", Options{Seed: 3, Rate: 2, Users: 50, Drifts: drifts}, false},
		{"other users", Options{Seed: 3, Rate: 1, Users: 51, Drifts: drifts}, false},
		{"other drift", Options{Seed: 3, Rate: 1, Users: 50, Drifts: drifts[:1]}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(tt.o); bytes.Equal(got, first) != tt.same {
				t.Errorf("output equal to the base run: %v, want %v", !tt.same, tt.same)
			}
		})
	}
	ref := allFormats(t, Reference(3, 2000))
	if !bytes.Equal(ref, allFormats(t, Reference(3, 2000))) {
		t.Error("Reference(3, 2000) differs between calls")
	}
	if bytes.Equal(ref, allFormats(t, Reference(4, 2000))) {
		t.Error("Reference ignores the seed")
	}
	if !slices.Equal(Reference(3, 10), Reference(3, 2000)[:10]) {
		t.Error("Reference(3, 10) is not a prefix of Reference(3, 2000)")
	}
}

func TestReferenceIndependentOfProduction(t *testing.T) {
	// Reference takes no production options at all; what remains to check is
	// that its stream is not the production feature stream.
	ref := Reference(9, 100)
	prod := mustGenerator(t, Options{Seed: 9}).Take(100)
	same := 0
	for i := range ref {
		if ref[i].TransactionAmount == prod[i].TransactionAmount {
			same++
		}
	}
	if same > 2 {
		t.Errorf("%d of 100 reference amounts equal the production ones: shared random stream", same)
	}
	for _, tx := range ref {
		if tx.ID != "" || tx.User != "" || !tx.Time.IsZero() || tx.Missing != 0 {
			t.Fatalf("reference transaction has production fields: %+v", tx)
		}
	}
}

// referenceSample is large enough for tight tolerances and fast enough to
// share between tests.
var referenceSample = Reference(1, 200_000)

func TestReferenceDistribution(t *testing.T) {
	txs := referenceSample
	n := float64(len(txs))
	var amountSum, labels float64
	categories := map[string]float64{}
	for _, tx := range txs {
		amountSum += tx.TransactionAmount
		labels += float64(tx.Label)
		categories[tx.MerchantCategory]++
		switch {
		case tx.TransactionAmount <= 0, tx.DistanceFromHomeKm < 0, tx.AccountAgeDays < 0, tx.NumTxLast24h < 0,
			tx.Hour < 0, tx.Hour > 23, tx.Score < 0, tx.Score > 1, tx.Label != 0 && tx.Label != 1:
			t.Fatalf("value out of range: %+v", tx)
		}
	}
	if mean := amountSum / n; mean < 230 || mean > 260 {
		t.Errorf("mean amount $%.2f, want about $245", mean)
	}
	if median := medianOf(txs, func(tx Transaction) float64 { return tx.TransactionAmount }); median < 120 || median > 165 {
		t.Errorf("median amount $%.2f, want about $150", median)
	}
	if rate := labels / n; rate < 0.01 || rate > 0.02 {
		t.Errorf("fraud rate %.4f, want 1-2%%", rate)
	}
	shares := []struct {
		category string
		min, max float64
	}{
		{"grocery", 0.18, 0.26}, {"restaurant", 0.12, 0.20}, {"online_retail", 0.12, 0.20},
		{"other", 0.09, 0.17}, {"gas_station", 0.09, 0.15}, {"entertainment", 0.04, 0.08},
		{"health", 0.03, 0.07}, {"electronics", 0.02, 0.07}, {"utilities", 0.02, 0.06},
		{"travel", 0.015, 0.06},
	}
	if len(categories) != len(shares) {
		t.Errorf("%d categories, want %d", len(categories), len(shares))
	}
	for _, s := range shares {
		if got := categories[s.category] / n; got < s.min || got > s.max {
			t.Errorf("share of %s %.3f, want %.3f..%.3f", s.category, got, s.min, s.max)
		}
	}
}

func TestHourIsDiurnal(t *testing.T) {
	var counts [24]float64
	for _, tx := range referenceSample {
		counts[tx.Hour]++
	}
	peak := func(from, to int) int {
		best := from
		for h := from; h <= to; h++ {
			if counts[h] > counts[best] {
				best = h
			}
		}
		return best
	}
	if h := peak(0, 23); h != 12 && h != 18 {
		t.Errorf("busiest hour %d, want noon or early evening", h)
	}
	lunch, evening := peak(10, 14), peak(16, 20)
	if lunch == 10 || lunch == 14 || evening == 16 || evening == 20 {
		t.Errorf("no separate lunch (%d) and evening (%d) peaks: %v", lunch, evening, counts)
	}
	if counts[15] >= counts[lunch] || counts[15] >= counts[evening] {
		t.Errorf("no dip between the peaks: %v", counts)
	}
	night := counts[0] + counts[1] + counts[2] + counts[3] + counts[4] + counts[5]
	if share := night / float64(len(referenceSample)); share > 0.08 || share < 0.02 {
		t.Errorf("share of hours 0-5 %.3f, want low but not empty", share)
	}
	if quiet := peak(0, 23); counts[4] > counts[quiet]/10 {
		t.Errorf("04:00 has %v transactions, want under a tenth of the peak %v", counts[4], counts[quiet])
	}
}

func TestCardPresentByCategory(t *testing.T) {
	tests := []struct {
		category string
		min, max float64
	}{
		{"online_retail", 0, 0.03},
		{"grocery", 0.9, 1},
		{"gas_station", 0.9, 1},
		{"restaurant", 0.85, 1},
		{"travel", 0.25, 0.65},
		{"utilities", 0.1, 0.4},
	}
	for _, tt := range tests {
		var present, total float64
		for _, tx := range referenceSample {
			if tx.MerchantCategory == tt.category {
				total++
				if tx.CardPresent {
					present++
				}
			}
		}
		if share := present / total; share < tt.min || share > tt.max {
			t.Errorf("%s: card present in %.3f, want %.2f..%.2f", tt.category, share, tt.min, tt.max)
		}
	}
}

func TestFraudProfile(t *testing.T) {
	var fraud, legit []Transaction
	for _, tx := range referenceSample {
		if tx.Label == 1 {
			fraud = append(fraud, tx)
		} else {
			legit = append(legit, tx)
		}
	}
	tests := []struct {
		feature string
		value   func(Transaction) float64
		ratio   float64 // fraud median / legitimate median, at least (or at most, below 1)
	}{
		{ColTransactionAmount, func(tx Transaction) float64 { return tx.TransactionAmount }, 2},
		{ColDistanceFromHomeKm, func(tx Transaction) float64 { return tx.DistanceFromHomeKm }, 2},
		{ColNumTxLast24h, func(tx Transaction) float64 { return float64(tx.NumTxLast24h) }, 2},
		{ColAccountAgeDays, func(tx Transaction) float64 { return float64(tx.AccountAgeDays) }, 0.3},
	}
	for _, tt := range tests {
		f, l := medianOf(fraud, tt.value), medianOf(legit, tt.value)
		if ratio := f / l; (tt.ratio > 1 && ratio < tt.ratio) || (tt.ratio < 1 && ratio > tt.ratio) {
			t.Errorf("%s: median %.1f for fraud, %.1f for legitimate (ratio %.2f), want ratio beyond %.2f", tt.feature, f, l, ratio, tt.ratio)
		}
	}
}

func TestScoreIsInformativeButNotTheLabel(t *testing.T) {
	txs := referenceSample
	auc := rocAUC(txs)
	if auc < 0.85 || auc > 0.99 {
		t.Errorf("AUC of the score %.3f, want a good but imperfect model (0.85..0.99)", auc)
	}
	var scoreSum, labels, flagged, flaggedFraud float64
	for _, tx := range txs {
		scoreSum += tx.Score
		labels += float64(tx.Label)
		if tx.Score >= 0.5 {
			flagged++
			flaggedFraud += float64(tx.Label)
		}
	}
	if ratio := scoreSum / labels; ratio < 0.6 || ratio > 1.5 {
		t.Errorf("mean score / fraud rate = %.2f, want a roughly calibrated model", ratio)
	}
	if share := flagged / float64(len(txs)); share < 0.003 || share > 0.03 {
		t.Errorf("%.4f of transactions predicted fraudulent, want 0.3%%..3%%", share)
	}
	if precision := flaggedFraud / flagged; precision < 0.4 || precision > 0.95 {
		t.Errorf("precision at 0.5 %.2f, want neither useless nor perfect", precision)
	}
}

// rocAUC is the Mann-Whitney estimate of P(score of fraud > score of legit),
// counting ties as half.
func rocAUC(txs []Transaction) float64 {
	sorted := slices.Clone(txs)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Score < sorted[j].Score })
	var rankSum, positives float64
	for i := 0; i < len(sorted); {
		j := i
		for j < len(sorted) && sorted[j].Score == sorted[i].Score {
			j++
		}
		midRank := float64(i+j+1) / 2
		for k := i; k < j; k++ {
			if sorted[k].Label == 1 {
				rankSum += midRank
				positives++
			}
		}
		i = j
	}
	negatives := float64(len(sorted)) - positives
	return (rankSum - positives*(positives+1)/2) / (positives * negatives)
}

func TestImputedValuesAreReferenceMedians(t *testing.T) {
	tests := []struct {
		feature string
		value   func(Transaction) float64
		imputed float64
	}{
		{ColTransactionAmount, func(tx Transaction) float64 { return tx.TransactionAmount }, imputeAmount},
		{ColHour, func(tx Transaction) float64 { return float64(tx.Hour) }, imputeHour},
		{ColDistanceFromHomeKm, func(tx Transaction) float64 { return tx.DistanceFromHomeKm }, imputeDistance},
		{ColAccountAgeDays, func(tx Transaction) float64 { return float64(tx.AccountAgeDays) }, imputeAge},
		{ColNumTxLast24h, func(tx Transaction) float64 { return float64(tx.NumTxLast24h) }, imputeNumTx},
	}
	for _, tt := range tests {
		if m := medianOf(referenceSample, tt.value); math.Abs(m-tt.imputed) > 0.03*m {
			t.Errorf("%s: reference median %v, the model imputes %v", tt.feature, m, tt.imputed)
		}
	}
}

func medianOf(txs []Transaction, value func(Transaction) float64) float64 {
	v := make([]float64, len(txs))
	for i, tx := range txs {
		v[i] = value(tx)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// ksStatistic is the two-sample Kolmogorov-Smirnov distance.
func ksStatistic(a, b []float64) float64 {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	var i, j int
	var d float64
	for i < len(a) && j < len(b) {
		x := min(a[i], b[j])
		for i < len(a) && a[i] == x {
			i++
		}
		for j < len(b) && b[j] == x {
			j++
		}
		d = max(d, math.Abs(float64(i)/float64(len(a))-float64(j)/float64(len(b))))
	}
	return d
}

func TestProductionWithoutDriftLooksLikeReference(t *testing.T) {
	ref := Reference(5, 20_000)
	prod := mustGenerator(t, Options{Seed: 5, Rate: 1}).Take(30_000)
	// Any window will do: take three hours in the middle.
	var window []Transaction
	for _, tx := range prod {
		if off := tx.Time.Sub(DefaultStart()); off >= 2*time.Hour && off < 5*time.Hour {
			window = append(window, tx)
		}
	}
	values := map[string]func(Transaction) float64{
		ColTransactionAmount:  func(tx Transaction) float64 { return tx.TransactionAmount },
		ColHour:               func(tx Transaction) float64 { return float64(tx.Hour) },
		ColDistanceFromHomeKm: func(tx Transaction) float64 { return tx.DistanceFromHomeKm },
		ColAccountAgeDays:     func(tx Transaction) float64 { return float64(tx.AccountAgeDays) },
		ColNumTxLast24h:       func(tx Transaction) float64 { return float64(tx.NumTxLast24h) },
		ColScore:              func(tx Transaction) float64 { return tx.Score },
	}
	// The KS critical value at alpha = 0.001 is 1.95·sqrt((n+m)/(n·m)).
	critical := 1.95 * math.Sqrt(float64(len(ref)+len(window))/float64(len(ref)*len(window)))
	for name, value := range values {
		d := ksStatistic(column(ref, value), column(window, value))
		if d > critical {
			t.Errorf("%s: KS distance %.4f between reference and an undrifted window, above %.4f", name, d, critical)
		}
	}
}

func column(txs []Transaction, value func(Transaction) float64) []float64 {
	out := make([]float64, len(txs))
	for i, tx := range txs {
		out[i] = value(tx)
	}
	return out
}

func TestArrivals(t *testing.T) {
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	const rate, n = 2.0, 20_000
	txs := mustGenerator(t, Options{Seed: 11, Start: start, Rate: rate}).Take(n)
	if !txs[0].Time.Equal(start) {
		t.Errorf("first event at %v, want the start %v", txs[0].Time, start)
	}
	var shortGaps int
	for i := 1; i < n; i++ {
		gap := txs[i].Time.Sub(txs[i-1].Time)
		if gap < 0 {
			t.Fatalf("%s at %v is before %s at %v", txs[i].ID, txs[i].Time, txs[i-1].ID, txs[i-1].Time)
		}
		if txs[i].Time.Sub(start)%time.Millisecond != 0 {
			t.Fatalf("%s at %v is not on a millisecond", txs[i].ID, txs[i].Time)
		}
		if gap < time.Second/rate {
			shortGaps++
		}
	}
	span := txs[n-1].Time.Sub(start).Seconds()
	if want := n / rate; math.Abs(span-want) > 0.03*want {
		t.Errorf("%d events at %v/s span %.0fs, want about %.0fs", n, rate, span, want)
	}
	// Exponential gaps: P(gap < mean) = 1 - 1/e.
	if share := float64(shortGaps) / (n - 1); math.Abs(share-(1-1/math.E)) > 0.02 {
		t.Errorf("share of gaps below the mean %.3f, want %.3f for a Poisson process", share, 1-1/math.E)
	}
	for i, tx := range txs[:3] {
		if want := "tx-0000000" + string(rune('1'+i)); tx.ID != want {
			t.Errorf("ID %q, want %q", tx.ID, want)
		}
	}
	if g := mustGenerator(t, Options{}); g.Take(1)[0].Time != DefaultStart() {
		t.Error("zero Start does not default to 2026-01-01T00:00:00Z")
	}
}

func TestUsers(t *testing.T) {
	tests := []struct {
		users      int
		nameLength int
		minActive  int     // distinct users seen in 50 000 events, at least
		topShare   float64 // busiest user's share, at most
	}{
		{0, len("user_00000"), 950, 0.04},
		{1, len("user_00000"), 1, 1},
		{100, len("user_00000"), 100, 0.12},
		{250_000, len("user_000000"), 20_000, 0.015},
	}
	for _, tt := range tests {
		txs := mustGenerator(t, Options{Seed: 2, Users: tt.users}).Take(50_000)
		counts := map[string]int{}
		for _, tx := range txs {
			if len(tx.User) != tt.nameLength || !strings.HasPrefix(tx.User, "user_") {
				t.Fatalf("users=%d: user %q, want user_ and %d digits", tt.users, tx.User, tt.nameLength-5)
			}
			counts[tx.User]++
		}
		most := 0
		for _, c := range counts {
			most = max(most, c)
		}
		if len(counts) < tt.minActive {
			t.Errorf("users=%d: %d distinct users, want at least %d", tt.users, len(counts), tt.minActive)
		}
		if share := float64(most) / float64(len(txs)); share > tt.topShare {
			t.Errorf("users=%d: busiest user has %.3f of the traffic, want at most %.3f", tt.users, share, tt.topShare)
		}
		if tt.users == 0 && most < 5*len(txs)/1000 {
			t.Errorf("busiest of 1000 users makes %d of %d events: activity is not Zipf-like", most, len(txs))
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"zero options", Options{}, ""},
		{"negative rate", Options{Rate: -1}, "rate -1"},
		{"NaN rate", Options{Rate: math.NaN()}, "rate NaN"},
		{"infinite rate", Options{Rate: math.Inf(1)}, "rate +Inf"},
		{"negative users", Options{Users: -5}, "users -5"},
		{"too many users", Options{Users: MaxUsers + 1}, "users 1000000001"},
		{"bad second drift", Options{Drifts: []Drift{{Feature: ColHour, Shift: 1}, {Feature: ColHour, Scale: 2}}}, "drift 2: drift on hour: the hour is cyclic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate()
			if tt.want == "" {
				if err != nil {
					t.Errorf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate = %v, want an error containing %q", err, tt.want)
			}
			if _, err := NewGenerator(tt.o); err == nil {
				t.Error("NewGenerator accepted invalid options")
			}
		})
	}
}

func TestTinyRateSaturatesTime(t *testing.T) {
	txs := mustGenerator(t, Options{Rate: 1e-300}).Take(3)
	if !txs[2].Time.After(txs[0].Time) || txs[2].Time.Before(txs[1].Time) {
		t.Errorf("times %v, %v, %v: want them to advance and then stop", txs[0].Time, txs[1].Time, txs[2].Time)
	}
}

func TestReferenceGeneratorStreamsReference(t *testing.T) {
	g := NewReferenceGenerator(17)
	want := Reference(17, 500)
	for i := range want {
		if got := g.Next(); got != want[i] {
			t.Fatalf("row %d: %+v, want %+v", i, got, want[i])
		}
	}
}
