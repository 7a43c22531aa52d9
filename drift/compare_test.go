package drift_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/drift"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func compare(t testing.TB, ref, cur *dataset.Table, opts drift.Options) *drift.Report {
	t.Helper()
	r, err := drift.Compare(profile(t, ref), profile(t, cur), opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCompareGradesDrift(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 2000
	cats := []string{"a", "b", "c", "d"}
	tests := []struct {
		name     string
		ref, cur *dataset.Column
		method   drift.Method
		severity alert.Severity // None: no drift expected
	}{
		{"numeric unchanged", col("x", normals(r, n, 0, 1)), col("x", normals(r, n, 0, 1)), drift.MethodKS, alert.None},
		{"numeric shifted one sd", col("x", normals(r, n, 0, 1)), col("x", normals(r, n, 1, 1)), drift.MethodKS, alert.Critical},
		{"numeric shifted 0.4 sd", col("x", normals(r, n, 0, 1)), col("x", normals(r, n, 0.4, 1)), drift.MethodKS, alert.High},
		{"numeric shifted 0.2 sd", col("x", normals(r, n, 0, 1)), col("x", normals(r, n, 0.2, 1)), drift.MethodKS, alert.Medium},
		{"categorical unchanged", col("c", categories(r, n, cats, []float64{4, 3, 2, 1})), col("c", categories(r, n, cats, []float64{4, 3, 2, 1})), drift.MethodChi2, alert.None},
		{"categorical reshuffled", col("c", categories(r, n, cats, []float64{4, 3, 2, 1})), col("c", categories(r, n, cats, []float64{1, 2, 3, 4})), drift.MethodChi2, alert.Critical},
		{"boolean unchanged", col("b", bools(r, n, 0.3)), col("b", bools(r, n, 0.3)), drift.MethodZ, alert.None},
		{"boolean flipped", col("b", bools(r, n, 0.2)), col("b", bools(r, n, 0.7)), drift.MethodZ, alert.Critical},
		{"boolean nudged", col("b", bools(r, n, 0.3)), col("b", bools(r, n, 0.45)), drift.MethodZ, alert.High},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := compare(t, table(tc.ref), table(tc.cur), drift.DefaultOptions())
			if len(rep.Columns) != 1 {
				t.Fatalf("got %d column results, want 1", len(rep.Columns))
			}
			c := rep.Columns[0]
			if c.Method != tc.method {
				t.Errorf("method %s, want %s", c.Method, tc.method)
			}
			if got, want := c.DriftDetected, tc.severity != alert.None; got != want {
				t.Errorf("drift_detected %v, want %v (statistic %v, p %v, effect %v)", got, want, c.Statistic, c.PValue, c.EffectSize)
			}
			if c.Severity != tc.severity {
				t.Errorf("severity %s, want %s (effect %v)", c.Severity, tc.severity, c.EffectSize)
			}
			if rep.DatasetDrift != c.DriftDetected {
				t.Errorf("dataset_drift %v with one column drift %v", rep.DatasetDrift, c.DriftDetected)
			}
		})
	}
}

// A million rows make a 0.5% change significant; the effect-size floor keeps
// it from counting as drift, and lowering the floor lets it through.
func TestLargeSamplesNeedAnEffect(t *testing.T) {
	if testing.Short() {
		t.Skip("a million rows")
	}
	r := rand.New(rand.NewPCG(3, 4))
	const n = 1_000_000
	ref := normals(r, n, 5, 1)
	cur := normals(r, n, 5, 1)
	for i := range cur {
		cur[i] *= 1.005
	}
	refT, curT := table(col("amount", ref)), table(col("amount", cur))
	rep := compare(t, refT, curT, drift.DefaultOptions())
	c := rep.Columns[0]
	if c.PValue >= 1e-6 {
		t.Fatalf("p-value %v: a 0.5%% shift at 10^6 rows should be significant", c.PValue)
	}
	if c.DriftDetected || rep.DatasetDrift {
		t.Errorf("0.5%% shift flagged as drift (effect %v, floor %v)", c.EffectSize, drift.DefaultMinEffect)
	}
	opts := drift.DefaultOptions()
	opts.MinEffect = 0
	if rep := compare(t, refT, curT, opts); !rep.Columns[0].DriftDetected {
		t.Errorf("with no effect floor the significant shift should count")
	}
}

func TestCompareQualityFindings(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const n = 1000
	nulls := normals(r, n, 0, 1)
	for i := range 300 {
		nulls[i] = math.NaN()
	}
	withInf := normals(r, n, 0, 1)
	withInf[7] = math.Inf(1)
	wide := normals(r, n, 0, 1)
	for i := range 50 {
		wide[i] = 100 + float64(i)
	}
	allMissing := make([]float64, n)
	for i := range allMissing {
		allMissing[i] = math.NaN()
	}
	newCats := categories(r, n, []string{"a", "b", "zz"}, []float64{5, 4, 1})
	tests := []struct {
		name     string
		ref, cur *dataset.Table
		column   string
		detail   string // substring of the finding
	}{
		{"null burst", table(col("x", normals(r, n, 0, 1))), table(col("x", nulls)), "x", "missing values: 30.0% of rows, 0.0% in the reference"},
		{"infinite values", table(col("x", normals(r, n, 0, 1))), table(col("x", withInf)), "x", "1 infinite value (none"},
		{"out of range", table(col("x", normals(r, n, 0, 1))), table(col("x", wide)), "x", "outside the reference range"},
		{"unseen category", table(col("c", categories(r, n, []string{"a", "b"}, []float64{5, 5}))), table(col("c", newCats)), "c", `unseen categories "zz"`},
		{"missing column", table(col("x", normals(r, n, 0, 1)), col("y", normals(r, n, 0, 1))), table(col("x", normals(r, n, 0, 1))), "y", "missing from the current data"},
		{"new column", table(col("x", normals(r, n, 0, 1))), table(col("x", normals(r, n, 0, 1)), col("y", normals(r, n, 0, 1))), "y", "new column"},
		{"type change", table(col("x", normals(r, n, 0, 1))), table(col("x", newCats)), "x", "type changed from numeric in the reference to categorical"},
		{"all missing in current", table(col("x", normals(r, n, 0, 1))), table(col("x", allMissing)), "x", "all values are missing in the current data"},
		{"all missing in reference", table(col("x", allMissing)), table(col("x", normals(r, n, 0, 1))), "x", "all values are missing in the reference"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := compare(t, tc.ref, tc.cur, drift.DefaultOptions())
			var got []string
			for _, f := range rep.Findings {
				if f.Kind != alert.KindDataQuality {
					t.Errorf("finding kind %q, want data_quality", f.Kind)
				}
				got = append(got, f.Column+": "+f.Detail)
				if f.Column == tc.column && strings.Contains(f.Detail, tc.detail) {
					return
				}
			}
			t.Errorf("no finding on %q containing %q; findings: %q", tc.column, tc.detail, got)
		})
	}
}

// Identically distributed data raise no quality findings.
func TestCompareNoFindingsWithoutChange(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const n = 5000
	cats := []string{"a", "b", "c"}
	ref := table(col("x", normals(r, n, 0, 1)), col("c", categories(r, n, cats, []float64{3, 2, 1})), col("b", bools(r, n, 0.4)))
	cur := table(col("x", normals(r, n, 0, 1)), col("c", categories(r, n, cats, []float64{3, 2, 1})), col("b", bools(r, n, 0.4)))
	rep := compare(t, ref, cur, drift.DefaultOptions())
	if len(rep.Findings) != 0 || rep.DatasetDrift {
		t.Errorf("findings %v, dataset drift %v on unchanged data", rep.Findings, rep.DatasetDrift)
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*drift.Options)
		ok     bool
	}{
		{"defaults", func(*drift.Options) {}, true},
		{"bad method", func(o *drift.Options) { o.Method = "t-test" }, false},
		{"alpha zero", func(o *drift.Options) { o.Alpha = 0 }, false},
		{"alpha one", func(o *drift.Options) { o.Alpha = 1 }, false},
		{"alpha NaN", func(o *drift.Options) { o.Alpha = math.NaN() }, false},
		{"negative effect", func(o *drift.Options) { o.MinEffect = -0.1 }, false},
		{"no effect floor", func(o *drift.Options) { o.MinEffect = 0 }, true},
		{"bad correction", func(o *drift.Options) { o.Correction = "holm" }, false},
		{"unordered thresholds", func(o *drift.Options) { o.Thresholds = alert.Thresholds{Warning: 0.5, Critical: 0.1} }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := drift.DefaultOptions()
			tc.change(&o)
			err := o.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, drift.ErrInvalidOptions) {
				t.Errorf("error %v does not wrap ErrInvalidOptions", err)
			}
		})
	}
}

func TestCompareRejectsInapplicableMethodAndUnknownColumns(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	tab := table(col("x", normals(r, 100, 0, 1)), col("c", categories(r, 100, []string{"a", "b", "c"}, []float64{1, 1, 1})))
	tests := []struct {
		name    string
		method  drift.Method
		columns []string
	}{
		{"z on numeric", drift.MethodZ, []string{"x"}},
		{"ks on categorical", drift.MethodKS, []string{"c"}},
		{"z on three categories", drift.MethodZ, []string{"c"}},
		{"unknown column", drift.MethodAuto, []string{"nope"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := drift.DefaultOptions()
			opts.Method, opts.Columns = tc.method, tc.columns
			_, err := drift.Compare(profile(t, tab), profile(t, tab), opts)
			if !errors.Is(err, drift.ErrInvalidOptions) {
				t.Fatalf("err = %v, want ErrInvalidOptions", err)
			}
		})
	}
	// chi2 bins numeric columns at the reference deciles.
	opts := drift.DefaultOptions()
	opts.Method = drift.MethodChi2
	rep, err := drift.Compare(profile(t, tab), profile(t, tab), opts)
	if err != nil || rep.Columns[0].Method != drift.MethodChi2 || rep.Columns[0].PValue != 1 {
		t.Fatalf("chi2 on identical numeric data: %+v, %v", rep.Columns, err)
	}
}

func TestProfileRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const n = 3000
	vals := normals(r, n, 10, 3)
	for i := range vals {
		vals[i] = math.Round(vals[i]*10) / 10 // ties, as real data have
	}
	vals[3], vals[4] = math.NaN(), math.Inf(-1)
	ref := table(col("x", vals), col("c", categories(r, n, []string{"a", "b"}, []float64{2, 1})), col("b", bools(r, n, 0.2)))
	cur := table(col("x", normals(r, n, 11, 3)), col("c", categories(r, n, []string{"a", "b", "q"}, []float64{1, 1, 1})), col("b", bools(r, n, 0.5)))
	p := profile(t, ref)
	var buf bytes.Buffer
	if err := p.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	loaded, err := drift.DecodeProfile(&buf, "p.wprof")
	if err != nil {
		t.Fatal(err)
	}
	direct, err := drift.Compare(p, profile(t, cur), drift.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	viaFile, err := drift.Compare(loaded, profile(t, cur), drift.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(direct)
	b, _ := json.Marshal(viaFile)
	if !bytes.Equal(a, b) {
		t.Errorf("report from a saved profile differs:\n%s\n%s", a, b)
	}
}

func TestDecodeProfileRejectsDamage(t *testing.T) {
	good := encodedProfile(t)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a Warden profile"},
		{"plain text", []byte("transaction_amount,hour\n1,2\n"), "not a Warden profile"},
		{"truncated", good.Bytes()[:good.Len()/2], "not a Warden profile"},
		{"other format", gz(`{"format":"other","version":1,"rows":0,"columns":[]}`), `format "other"`},
		{"future version", gz(`{"format":"warden-profile","version":99,"rows":0,"columns":[]}`), "version 99 is not supported"},
		{"unsorted values", gz(`{"format":"warden-profile","version":1,"rows":2,"columns":[{"name":"x","type":"numeric","rows":2,"missing":0,"values":{"distinct":"AAAAAAAACEAAAAAAAADwPw==","counts":"AQE="}}]}`), "unsorted"},
		{"bad counts", gz(`{"format":"warden-profile","version":1,"rows":1,"columns":[{"name":"x","type":"numeric","rows":1,"missing":5}]}`), "inconsistent counts"},
		{"duplicate column", gz(`{"format":"warden-profile","version":1,"rows":0,"columns":[{"name":"x","type":"numeric"},{"name":"x","type":"numeric"}]}`), "duplicate column"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := drift.DecodeProfile(bytes.NewReader(tc.data), "p.wprof")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "p.wprof") {
				t.Fatalf("err = %v, want it to name the file and say %q", err, tc.want)
			}
		})
	}
}

// Summaries follow numpy's linear quantiles and pandas' sample standard
// deviation.
func TestNumericSummary(t *testing.T) {
	x := []float64{3, 1, 2, 10, 9, 8, 7, 6, 5, 4, math.NaN(), math.Inf(1)}
	rep := compare(t, table(col("x", x)), table(col("x", x)), drift.DefaultOptions())
	s := rep.Columns[0].Reference.(*drift.NumericSummary)
	want := drift.NumericSummary{Count: 10, Missing: 1, Inf: 1, Mean: 5.5, Std: 3.0276503540974917,
		Min: 1, P05: 1.45, P50: 5.5, P95: 9.55, Max: 10}
	if math.Abs(float64(s.Std-want.Std)) < 1e-12 {
		s.Std = want.Std
	}
	if math.Abs(float64(s.P05-want.P05)) < 1e-12 && math.Abs(float64(s.P95-want.P95)) < 1e-12 {
		s.P05, s.P95 = want.P05, want.P95
	}
	if *s != want {
		t.Errorf("summary %+v, want %+v", *s, want)
	}
}

func TestReportGolden(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	const n = 1500
	cats := []string{"grocery", "online_retail", "travel"}
	ref := table(
		col("transaction_amount", normals(r, n, 245, 60)),
		col("hour", normals(r, n, 13, 4)),
		col("merchant_category", categories(r, n, cats, []float64{5, 3, 2})),
		col("card_present", bools(r, n, 0.7)),
	)
	cur := table(
		col("transaction_amount", normals(r, n, 520, 90)),
		col("hour", normals(r, n, 13, 4)),
		col("merchant_category", categories(r, n, append(cats, "crypto_exchange"), []float64{5, 3, 2, 2})),
		col("card_present", bools(r, n, 0.62)),
	)
	rep := compare(t, ref, cur, drift.DefaultOptions())
	for _, tc := range []struct {
		file string
		term bool
	}{{"report.txt", false}, {"report_terminal.txt", true}} {
		var buf bytes.Buffer
		if err := rep.WriteText(&buf, drift.TextOptions{Terminal: tc.term}); err != nil {
			t.Fatal(err)
		}
		golden(t, tc.file, buf.Bytes())
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report.json", append(js, '\n'))

	// The JSON contract: every documented field is present.
	var doc map[string]any
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"dataset_drift", "drift_share", "n_reference", "n_current", "correction", "columns", "findings"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("report JSON lacks %q", k)
		}
	}
	colKeys := []string{"column", "type", "method", "statistic", "p_value", "p_adjusted", "effect_size", "threshold", "drift_detected", "severity", "reference", "current"}
	for _, c := range doc["columns"].([]any) {
		m := c.(map[string]any)
		for _, k := range colKeys {
			if _, ok := m[k]; !ok {
				t.Errorf("column %v lacks %q", m["column"], k)
			}
		}
		summaryKeys := []string{"count", "missing", "top"}
		if m["type"] == "numeric" {
			summaryKeys = []string{"count", "missing", "inf", "mean", "std", "min", "p05", "p50", "p95", "max"}
		}
		for _, side := range []string{"reference", "current"} {
			s := m[side].(map[string]any)
			for _, k := range summaryKeys {
				if _, ok := s[k]; !ok {
					t.Errorf("column %v %s summary lacks %q", m["column"], side, k)
				}
			}
		}
	}
	drifted := []string{}
	for _, c := range rep.Columns {
		if c.DriftDetected {
			drifted = append(drifted, c.Column)
		}
	}
	if want := []string{"transaction_amount", "merchant_category", "card_present"}; !slices.Equal(drifted, want) {
		t.Errorf("drifted %v, want %v", drifted, want)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// Current data read with the reference's types as hints reaches Compare
// whatever its schema: a column it lacks, one whose values are now words,
// and one that is new are data-quality findings, the type change naming
// the first value that is not of the reference's type.
func TestCompareSchemaChangesReadWithHints(t *testing.T) {
	read := func(name, csv string, opts dataset.Options) *dataset.Table {
		t.Helper()
		tab, err := dataset.Read(strings.NewReader(csv), name, opts)
		if err != nil {
			t.Fatal(err)
		}
		return tab
	}
	ref := profile(t, read("ref.csv", "a,w,n\n1,1,0\n2,2,1\n3,1,2\n4,3,0\n", dataset.Options{}))
	tests := []struct {
		name, cur string
		findings  []string
		tested    []string
	}{
		{
			name: "nothing changed", cur: "a,w,n\n1,1,0\n2,2,1\n3,1,2\n4,3,0\n",
			tested: []string{"a", "w", "n"},
		},
		{
			name: "a column dropped", cur: "w,n\n1,0\n2,1\n1,2\n3,0\n",
			findings: []string{"a: column is missing from the current data"},
			tested:   []string{"w", "n"},
		},
		{
			name: "numbers become words", cur: "a,w,n\n1,1,0\n2,clear,1\n3,mist,2\n4,clear,0\n",
			findings: []string{`w: type changed from numeric in the reference to categorical (line 3: "clear" is not a number)`},
			tested:   []string{"a", "n"},
		},
		{
			name: "0s and 1s stay numeric", cur: "a,w,n\n1,1,0\n2,1,1\n3,1,0\n4,1,1\n",
			tested: []string{"a", "w", "n"},
		},
		{
			name: "dropped, retyped and new at once", cur: "w,n,extra\nyes,0,x\nno,1,y\n",
			findings: []string{
				"a: column is missing from the current data",
				`w: type changed from numeric in the reference to boolean (line 2: "yes" is not a number)`,
				"extra: new column, not in the reference",
			},
			tested: []string{"n"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cur := profile(t, read("cur.csv", tc.cur, dataset.Options{Hints: ref.Types()}))
			rep, err := drift.Compare(ref, cur, drift.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			var findings, tested []string
			for _, f := range rep.Findings {
				findings = append(findings, f.Column+": "+f.Detail)
			}
			for _, c := range rep.Columns {
				tested = append(tested, c.Column)
			}
			if !slices.Equal(findings, tc.findings) {
				t.Errorf("findings:\n%q\nwant:\n%q", findings, tc.findings)
			}
			if !slices.Equal(tested, tc.tested) {
				t.Errorf("tested %q, want %q", tested, tc.tested)
			}
		})
	}
}
