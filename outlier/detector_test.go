package outlier

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/simulate"
)

// fitted caches one detector on simulated reference data for the tests that
// only read it.
var fitted = sync.OnceValues(fitted0)

func fitted0() (*Detector, error) {
	ref, err := readTxs(simulate.Reference(1, 20000))
	if err != nil {
		return nil, err
	}
	return Fit(ref, Options{Exclude: simExclude, Seed: 7})
}

func simDetector(t testing.TB) *Detector {
	t.Helper()
	d, err := fitted()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// normalRow is an unremarkable simulated transaction as features.
func normalRow() []event.Feature {
	return []event.Feature{
		{Name: "transaction_amount", Value: event.NumberValue(85.20)},
		{Name: "merchant_category", Value: event.StringValue("grocery")},
		{Name: "hour", Value: event.NumberValue(14)},
		{Name: "distance_from_home_km", Value: event.NumberValue(4.1)},
		{Name: "card_present", Value: event.BoolValue(true)},
		{Name: "account_age_days", Value: event.NumberValue(900)},
		{Name: "num_tx_last_24h", Value: event.NumberValue(2)},
	}
}

// with returns normalRow with one feature replaced (or removed when v is
// nil).
func with(name string, v *event.Value) []event.Feature {
	row := normalRow()
	for i := range row {
		if row[i].Name == name {
			if v == nil {
				return slices.Delete(row, i, i+1)
			}
			row[i].Value = *v
			return row
		}
	}
	if v != nil {
		row = append(row, event.Feature{Name: name, Value: *v})
	}
	return row
}

func num(f float64) *event.Value  { v := event.NumberValue(f); return &v }
func str(s string) *event.Value   { v := event.StringValue(s); return &v }
func boolean(b bool) *event.Value { v := event.BoolValue(b); return &v }

func TestFalsePositiveRateOnCleanRows(t *testing.T) {
	d := simDetector(t)
	// Fresh rows from the reference distribution, never seen by Fit.
	test := simTable(t, 99, 40000)
	vs, err := d.ScoreTable(test, nil)
	if err != nil {
		t.Fatal(err)
	}
	flagged := 0
	for _, v := range vs {
		if v.Anomaly {
			flagged++
		}
	}
	rate := float64(flagged) / float64(len(vs))
	// Two sampling errors add up: the threshold is estimated from the
	// held-out rows (binomial error of FPR over their number), and the
	// rate is measured on the test rows.
	fpr := d.Options().FPR
	held := float64(len(d.final.sorted))
	sd := math.Sqrt(fpr*(1-fpr)/held + fpr*(1-fpr)/float64(len(vs)))
	t.Logf("flagged %d of %d clean rows: %.3f%% (FPR %.2f%%, sampling error %.3f%%)", flagged, len(vs), 100*rate, 100*fpr, 100*sd)
	if math.Abs(rate-fpr) > 3*sd {
		t.Errorf("false-positive rate %.4f, want %.4f ± %.4f", rate, fpr, 3*sd)
	}
}

func TestObviousOutliers(t *testing.T) {
	d := simDetector(t)
	cases := []struct {
		name       string
		row        []event.Feature
		anomaly    bool
		reason     string // kind expected among the reasons
		feature    string
		topFeature string // expected among Top, when flagged
	}{
		{name: "normal", row: normalRow()},
		{name: "huge amount", row: with("transaction_amount", num(250000)), anomaly: true, reason: ReasonAboveRange, feature: "transaction_amount", topFeature: "transaction_amount"},
		{name: "negative amount", row: with("transaction_amount", num(-5000)), anomaly: true, reason: ReasonBelowRange, feature: "transaction_amount", topFeature: "transaction_amount"},
		{name: "infinite distance", row: with("distance_from_home_km", num(math.Inf(1))), anomaly: true, reason: ReasonAboveRange, feature: "distance_from_home_km"},
		{name: "hour 40", row: with("hour", num(400)), anomaly: true, reason: ReasonAboveRange, feature: "hour", topFeature: "hour"},
		{name: "unseen merchant", row: with("merchant_category", str("crypto_exchange")), anomaly: true, reason: ReasonUnseenCategory, feature: "merchant_category"},
		{name: "missing hour", row: with("hour", nil), reason: ReasonMissing, feature: "hour"},
		{name: "null merchant", row: with("merchant_category", &event.Value{}), reason: ReasonMissing, feature: "merchant_category"},
		{name: "NaN amount", row: with("transaction_amount", num(math.NaN())), reason: ReasonMissing, feature: "transaction_amount"},
		{name: "many transactions from far away on a new account", row: func() []event.Feature {
			row := with("num_tx_last_24h", num(60))
			row[3].Value = event.NumberValue(3000)
			row[5].Value = event.NumberValue(1)
			return row
		}(), anomaly: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := d.Score(c.row)
			if err != nil {
				t.Fatal(err)
			}
			if v.Anomaly != c.anomaly {
				t.Errorf("Anomaly = %v (score %.6f), want %v; reasons %+v", v.Anomaly, v.Score, c.anomaly, v.Reasons)
			}
			if c.reason != "" && !slices.ContainsFunc(v.Reasons, func(r Reason) bool { return r.Kind == c.reason && r.Feature == c.feature }) {
				t.Errorf("no %s reason for %s in %+v", c.reason, c.feature, v.Reasons)
			}
			if c.topFeature != "" && !slices.ContainsFunc(v.Top, func(x Contribution) bool { return x.Feature == c.topFeature }) {
				t.Errorf("Top %+v lacks %s", v.Top, c.topFeature)
			}
			if !v.Anomaly && (v.Severity != alert.None || len(v.Top) > 0) {
				t.Errorf("unflagged input has severity %v and top %v", v.Severity, v.Top)
			}
			if v.Anomaly && v.Severity == alert.None {
				t.Error("flagged input without severity")
			}
			if v.Score < 0 || v.Score > 1 || math.IsNaN(v.Score) {
				t.Errorf("Score %v outside [0, 1]", v.Score)
			}
			for _, r := range v.Reasons {
				if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) || r.Message == "" {
					t.Errorf("reason %+v: want a finite value and a message", r)
				}
			}
		})
	}
}

func TestSeverityFollowsIsolation(t *testing.T) {
	d := simDetector(t)
	v, err := d.Score(with("transaction_amount", num(1e7)))
	if err != nil {
		t.Fatal(err)
	}
	want := alert.Thresholds{Warning: 0.5, Critical: 0.8}.Severity(v.Isolation, alert.Medium)
	if !v.Anomaly || v.Severity != want || v.Severity < alert.High {
		t.Errorf("isolation %.3f: severity %v, want %v (at least high)", v.Isolation, v.Severity, want)
	}
}

func TestBadInput(t *testing.T) {
	d := simDetector(t)
	cases := []struct {
		name   string
		row    []event.Feature
		strict bool
		want   string // error substring; "" means no error
	}{
		{name: "string for number", row: with("hour", str("noon")), want: `feature "hour": want number, got string`},
		{name: "bool for number", row: with("hour", boolean(true)), want: `want number, got boolean`},
		{name: "number for category", row: with("merchant_category", num(3)), want: `feature "merchant_category": want string, got number`},
		{name: "string for boolean", row: with("card_present", str("yes")), want: `want boolean or number, got string`},
		{name: "duplicate", row: append(normalRow(), event.Feature{Name: "hour", Value: event.NumberValue(3)}), want: `feature "hour" given twice`},
		{name: "unknown ignored", row: with("ip_country", str("NZ"))},
		{name: "excluded ignored", row: with("label", num(1))},
		{name: "empty row", row: nil},
		{name: "strict unknown", row: with("ip_country", str("NZ")), strict: true, want: `feature "ip_country" is not in the reference`},
		{name: "strict missing", row: with("hour", nil), strict: true, want: `feature "hour" is missing`},
		{name: "strict null", row: with("hour", &event.Value{}), strict: true, want: `feature "hour" is null`},
		{name: "strict NaN", row: with("hour", num(math.NaN())), strict: true, want: `feature "hour": NaN is not a finite number`},
		{name: "strict Inf", row: with("hour", num(math.Inf(-1))), strict: true, want: `-Inf is not a finite number`},
		{name: "strict normal", row: normalRow(), strict: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v Verdict
			var err error
			if c.strict {
				v, err = d.ScoreStrict(c.row)
			} else {
				v, err = d.Score(c.row)
			}
			if c.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if len(v.Scores) != numDetectors {
					t.Errorf("scores %v", v.Scores)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	v, err := d.Score(with("ip_country", str("NZ")))
	if err != nil || !slices.Equal(v.Unknown, []string{"ip_country"}) {
		t.Errorf("unknown feature: %v %v", v.Unknown, err)
	}
	v, err = d.Score(nil)
	if err != nil || len(v.Reasons) != len(d.features) {
		t.Errorf("empty row: want one missing_feature reason per feature, got %+v, %v", v.Reasons, err)
	}
}

func TestScoreTableMatchesScore(t *testing.T) {
	d := simDetector(t)
	test := simTable(t, 5, 300)
	vs, err := d.ScoreTable(test, nil)
	if err != nil {
		t.Fatal(err)
	}
	var row []event.Feature
	for i := range test.Rows {
		row, err = TableRow(test, i, row[:0])
		if err != nil {
			t.Fatal(err)
		}
		v, err := d.Score(row)
		if err != nil {
			t.Fatal(err)
		}
		if v.Score != vs[i].Score || v.Anomaly != vs[i].Anomaly || len(v.Reasons) != len(vs[i].Reasons) {
			t.Fatalf("row %d: Score %+v, ScoreTable %+v", i, v, vs[i])
		}
	}
}

func TestScoreTableWrongColumnType(t *testing.T) {
	d := simDetector(t)
	tab, err := dataset.Read(strings.NewReader("hour,merchant_category\nnoon,grocery\n"), "bad.csv", dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.ScoreTable(tab, nil)
	if err == nil || !strings.Contains(err.Error(), `bad.csv column "hour": want numeric values, got categorical`) {
		t.Errorf("error %v", err)
	}
}

func TestFitErrors(t *testing.T) {
	ref := simTable(t, 1, 500)
	small := simTable(t, 1, 30)
	textOnly, err := dataset.Read(strings.NewReader("when\n"+strings.Repeat("2024-01-01\n", 200)), "dates.csv", dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		ref  *dataset.Table
		opts Options
		want string
	}{
		{"nil", nil, Options{}, "no reference table"},
		{"too few rows", small, Options{}, "has 30 rows; an outlier detector needs at least 40"},
		{"unknown exclude", ref, Options{Exclude: []string{"nope"}}, `excluded column "nope"`},
		{"bad FPR", ref, Options{FPR: 0.7}, "FPR 0.7"},
		{"bad holdout", ref, Options{Holdout: 0.9}, "Holdout 0.9"},
		{"bad neighbours", ref, Options{Neighbours: -1}, "Neighbours -1"},
		{"bad shrinkage", ref, Options{Shrinkage: 2}, "Shrinkage 2"},
		{"no usable column", textOnly, Options{}, "no numeric, boolean or categorical column"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Fit(c.ref, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	ref := simTable(t, 3, 3000)
	encode := func(seed uint64) []byte {
		d, err := Fit(ref, Options{Exclude: simExclude, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		b, err := d.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := encode(1), encode(1), encode(2)
	if !bytes.Equal(a, b) {
		t.Error("two fits with one seed differ")
	}
	if bytes.Equal(a, c) {
		t.Error("fits with different seeds are identical")
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	d := simDetector(t)
	data, err := d.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Detector
	if err := back.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	again, err := back.MarshalBinary()
	if err != nil || !bytes.Equal(data, again) {
		t.Fatalf("re-encoding differs (%v)", err)
	}
	test := simTable(t, 11, 500)
	want, err := d.ScoreTable(test, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := back.ScoreTable(test, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if want[i].Score != got[i].Score || want[i].Anomaly != got[i].Anomaly {
			t.Fatalf("row %d: %+v after round trip, %+v before", i, got[i], want[i])
		}
	}
	for _, cut := range []int{0, 3, 6, len(data) / 2, len(data) - 1} {
		if err := new(Detector).UnmarshalBinary(data[:cut]); err == nil {
			t.Errorf("truncated to %d bytes: no error", cut)
		}
	}
	flipped := slices.Clone(data)
	flipped[len(flipped)/3] ^= 1
	if err := new(Detector).UnmarshalBinary(flipped); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("flipped bit: %v", err)
	}
	t.Logf("encoded detector: %d bytes", len(data))
}

func TestScoreIntoDoesNotAllocate(t *testing.T) {
	d := simDetector(t)
	rows := [][]event.Feature{normalRow(), with("hour", num(3)), with("num_tx_last_24h", num(7))}
	var v Verdict
	for _, r := range rows {
		if err := d.ScoreInto(r, &v); err != nil {
			t.Fatal(err)
		}
	}
	i := 0
	allocs := testing.AllocsPerRun(200, func() {
		_ = d.ScoreInto(rows[i%len(rows)], &v)
		i++
	})
	if allocs != 0 {
		t.Errorf("ScoreInto allocates %.1f times per call", allocs)
	}
}

func TestConcurrentScoring(t *testing.T) {
	d := simDetector(t)
	want, err := d.Score(with("transaction_amount", num(9000)))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			var v Verdict
			for range 200 {
				if err := d.ScoreInto(with("transaction_amount", num(9000)), &v); err != nil || v.Score != want.Score {
					t.Errorf("concurrent score %v (%v), want %v", v.Score, err, want.Score)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestApart(t *testing.T) {
	cases := []struct {
		value, limit float64
		format       byte
		prec         int
		wantV, wantL string
	}{
		{-3.25, -3.25468, 'g', 6, "-3.25", "-3.25468"},
		{-3.2546812, -3.2546801, 'g', 6, "-3.254681", "-3.25468"},
		{math.Nextafter(1, 2), 1, 'g', 6, "1.0000000000000002", "1"},
		{1e6 + 1, 1e6, 'g', 6, "1000001", "1000000"},
		{math.Inf(1), 5200, 'g', 6, "+Inf", "5200"},
		{2, 2, 'g', 6, "2", "2"},
		{0.71234, 0.71201, 'f', 3, "0.7123", "0.7120"},
		{0.8, 0.7, 'f', 3, "0.800", "0.700"},
		{1e-30, 2e-30, 'f', 3, "1e-30", "2e-30"},
	}
	for _, c := range cases {
		v, l := apart(c.value, c.limit, c.format, c.prec)
		if v != c.wantV || l != c.wantL {
			t.Errorf("apart(%v, %v, %c, %d) = %q, %q; want %q, %q", c.value, c.limit, c.format, c.prec, v, l, c.wantV, c.wantL)
		}
	}
}

// TestRangeReasonJustBeyondTheLimit checks that a value a hair beyond a
// range bound is not printed as the bound itself.
func TestRangeReasonJustBeyondTheLimit(t *testing.T) {
	d := simDetector(t)
	m := d.numeric[d.features[d.index["account_age_days"]].slot]
	cases := []struct {
		x    float64
		kind string
	}{
		{math.Nextafter(m.hi, math.Inf(1)), ReasonAboveRange},
		{m.hi * (1 + 1e-9), ReasonAboveRange},
		{math.Nextafter(m.lo, math.Inf(-1)), ReasonBelowRange},
	}
	for _, c := range cases {
		v, err := d.Score(with("account_age_days", num(c.x)))
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(v.Reasons, func(r Reason) bool { return r.Kind == c.kind })
		if i < 0 {
			t.Fatalf("x = %v: no %s reason in %+v", c.x, c.kind, v.Reasons)
		}
		var value, limit string
		msg := v.Reasons[i].Message
		if _, err := fmt.Sscanf(msg[strings.Index(msg, "= ")+2:], "%s", &value); err != nil {
			t.Fatalf("message %q: %v", msg, err)
		}
		limit = msg[strings.LastIndex(msg, "limit ")+len("limit ") : len(msg)-1]
		if value == limit {
			t.Errorf("message %q prints the value as the limit", msg)
		}
		if got, err := strconv.ParseFloat(value, 64); err != nil || (c.kind == ReasonAboveRange) != (got > m.hi) {
			t.Errorf("message %q: value %q does not read back beyond the limit", msg, value)
		}
	}
}
