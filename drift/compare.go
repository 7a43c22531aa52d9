package drift

import (
	"errors"
	"fmt"
	"github.com/warden-ml/warden/internal/count"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/stats"
)

// Method selects the statistical test for a column.
type Method string

const (
	MethodAuto Method = "auto" // KS for numeric, chi-square for categorical, z for boolean
	MethodKS   Method = "ks"   // two-sample Kolmogorov-Smirnov (numeric and boolean columns)
	MethodChi2 Method = "chi2" // chi-square on the 2xK table (numeric columns binned at reference deciles)
	MethodZ    Method = "z"    // two-proportion z-test (boolean columns, categorical with two values)
)

// Correction is the multiple-testing correction applied across columns.
type Correction string

const (
	CorrectionBH         Correction = "benjamini-hochberg"
	CorrectionBonferroni Correction = "bonferroni"
	CorrectionNone       Correction = "none"
)

// DefaultMinEffect is the smallest effect size that counts as drift. With
// 10^5 or more rows every test finds the tiniest real change "significant";
// an effect of 0.05 (the CDFs, or the category shares, differ by five
// percentage points somewhere) is the smallest change worth a person's time.
// Below about 2,000 rows per side the p-value threshold is the stricter of
// the two, so the floor only matters for large samples.
const DefaultMinEffect = 0.05

// DefaultStreamAlpha is the p-value level for windows of a stream. A stream
// tests a window every 100 events, hundreds of times a day; at 1e-4 a
// stable model raises no false alarm in 50 simulated days (monitor's
// TestStableDaysRaiseNoDriftAlerts), while real drift is far beyond it.
// One-off comparisons keep the usual 0.05.
const DefaultStreamAlpha = 1e-4

// nullRateMinChange is the smallest change of a column's missing share that
// is reported, for the same reason as DefaultMinEffect.
const nullRateMinChange = 0.01

// Options control Compare.
type Options struct {
	Method     Method
	Alpha      float64 // p-value threshold for each test, after correction
	MinEffect  float64 // a column drifts only when its effect size is at least this
	Correction Correction
	Columns    []string // test only these columns (nil: all)
	Thresholds alert.Thresholds
	// KSAsymptotic takes KS p-values from the Kolmogorov distribution at
	// the effective sample size (scipy's method='asymp') instead of the
	// exact distribution up to 10,000 rows per side ('auto'): streams test
	// windows hundreds of times a second, and the exact p-value for unequal
	// sizes costs O(n1*n2).
	KSAsymptotic bool
}

// DefaultOptions are the documented defaults.
func DefaultOptions() Options {
	return Options{
		Method:     MethodAuto,
		Alpha:      0.05,
		MinEffect:  DefaultMinEffect,
		Correction: CorrectionBH,
		Thresholds: alert.DriftThresholds,
	}
}

// ErrInvalidOptions marks errors the caller can fix by changing Options;
// they are *OptionError values.
var ErrInvalidOptions = errors.New("invalid drift options")

// OptionError says which option is wrong, as given, and why. Options are
// named as warden drift's flags are (method, correction, threshold,
// min-effect, columns, thresholds).
type OptionError struct {
	Option, Value, Problem string
}

func (e *OptionError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Option, e.Value, e.Problem)
}

func (e *OptionError) Unwrap() error { return ErrInvalidOptions }

// Validate checks the options.
func (o Options) Validate() error {
	bad := func(option string, value any, problem string) error {
		return &OptionError{Option: option, Value: fmt.Sprintf("%q", fmt.Sprint(value)), Problem: problem}
	}
	switch o.Method {
	case MethodAuto, MethodKS, MethodChi2, MethodZ:
	default:
		return bad("method", o.Method, "want auto, ks, chi2 or z")
	}
	switch o.Correction {
	case CorrectionBH, CorrectionBonferroni, CorrectionNone:
	default:
		return bad("correction", o.Correction, "want bh (benjamini-hochberg), bonferroni or none")
	}
	if !(o.Alpha > 0 && o.Alpha < 1) {
		return bad("threshold", o.Alpha, "want a p-value level between 0 and 1")
	}
	if !(o.MinEffect >= 0 && o.MinEffect <= 1) {
		return bad("min-effect", o.MinEffect, "want an effect size between 0 and 1")
	}
	if err := o.Thresholds.Validate(); err != nil {
		return bad("thresholds", fmt.Sprintf("%v/%v", o.Thresholds.Warning, o.Thresholds.Critical), err.Error())
	}
	return nil
}

// Report is the outcome of a comparison; its JSON form is the contract of
// `warden drift --format json`.
type Report struct {
	DatasetDrift bool            `json:"dataset_drift"`
	DriftShare   float64         `json:"drift_share"`
	NReference   int             `json:"n_reference"`
	NCurrent     int             `json:"n_current"`
	Correction   Correction      `json:"correction"`
	Threshold    float64         `json:"threshold"`
	MinEffect    float64         `json:"min_effect"`
	Columns      []*ColumnResult `json:"columns"`
	Findings     []QualityIssue  `json:"findings"`
	Skipped      []Skip          `json:"skipped,omitempty"`
}

// ColumnResult is the test of one column.
type ColumnResult struct {
	Column        string         `json:"column"`
	Type          dataset.Type   `json:"type"`
	Unit          string         `json:"unit,omitempty"`
	Method        Method         `json:"method"`
	Statistic     float64        `json:"statistic"`
	PValue        float64        `json:"p_value"`
	PAdjusted     float64        `json:"p_adjusted"`
	EffectSize    float64        `json:"effect_size"`
	Threshold     float64        `json:"threshold"`
	DriftDetected bool           `json:"drift_detected"`
	Severity      alert.Severity `json:"severity"`
	Reference     Summary        `json:"reference"`
	Current       Summary        `json:"current"`
}

// QualityIssue is a data-quality finding: a schema change, a change in
// missing values, unseen categories or out-of-range values.
type QualityIssue struct {
	Column string     `json:"column"`
	Kind   alert.Kind `json:"kind"`
	Detail string     `json:"detail"`
}

// Skip names a column that was not tested and why.
type Skip struct {
	Column string       `json:"column"`
	Type   dataset.Type `json:"type"`
	Reason string       `json:"reason"`
}

// Compare tests every column of cur against the reference profile.
func Compare(ref, cur *Profile, opts Options) (*Report, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if ref == nil || cur == nil {
		return nil, errors.New("drift: missing profile")
	}
	if err := checkColumns(opts.Columns, ref, cur); err != nil {
		return nil, err
	}
	r := &Report{
		NReference: ref.Rows, NCurrent: cur.Rows, Correction: opts.Correction,
		Threshold: opts.Alpha, MinEffect: opts.MinEffect,
		Columns: []*ColumnResult{}, Findings: []QualityIssue{},
	}
	wanted := func(name string) bool { return opts.Columns == nil || slices.Contains(opts.Columns, name) }

	type job struct{ ref, cur *ColumnProfile }
	var jobs []job
	for _, rc := range ref.Columns {
		if !wanted(rc.Name) {
			continue
		}
		cc := cur.Column(rc.Name)
		if cc == nil {
			r.quality(rc.Name, "column is missing from the current data")
			continue
		}
		if reason, issue := untestable(rc, cc); reason != "" {
			r.Skipped = append(r.Skipped, Skip{Column: rc.Name, Type: rc.Type, Reason: reason})
			if issue != "" {
				r.quality(rc.Name, issue)
			}
			continue
		}
		jobs = append(jobs, job{rc, cc})
	}
	for _, cc := range cur.Columns {
		if wanted(cc.Name) && ref.Column(cc.Name) == nil {
			r.quality(cc.Name, "new column, not in the reference")
		}
	}

	results := make([]*ColumnResult, len(jobs))
	errs := make([]error, len(jobs))
	forEach(len(jobs), func(i int) {
		results[i], errs[i] = testColumn(jobs[i].ref, jobs[i].cur, opts)
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	r.Columns = results
	for _, j := range jobs {
		r.Findings = append(r.Findings, qualityIssues(j.ref, j.cur)...)
	}

	p := make([]float64, len(results))
	for i, c := range results {
		p[i] = c.PValue
	}
	var adjusted []float64
	switch opts.Correction {
	case CorrectionBH:
		adjusted = stats.BenjaminiHochberg(p)
	case CorrectionBonferroni:
		adjusted = stats.Bonferroni(p)
	default:
		adjusted = p
	}
	drifted := 0
	for i, c := range results {
		c.PAdjusted = adjusted[i]
		c.DriftDetected = c.PAdjusted < opts.Alpha && c.EffectSize >= opts.MinEffect
		if c.DriftDetected {
			drifted++
			own := alert.Low
			if c.EffectSize >= DefaultMinEffect {
				own = alert.Medium
			}
			c.Severity = opts.Thresholds.Severity(c.EffectSize, own)
		}
	}
	if len(results) > 0 {
		r.DriftShare = float64(drifted) / float64(len(results))
	}
	r.DatasetDrift = drifted > 0
	return r, nil
}

func (r *Report) quality(column, detail string) {
	r.Findings = append(r.Findings, QualityIssue{Column: column, Kind: alert.KindDataQuality, Detail: detail})
}

// checkColumns rejects requested columns that exist on neither side, which
// is almost always a typo.
func checkColumns(names []string, ref, cur *Profile) error {
	var unknown []string
	for _, n := range names {
		if ref.Column(n) == nil && cur.Column(n) == nil {
			unknown = append(unknown, fmt.Sprintf("%q", n))
		}
	}
	if len(unknown) > 0 {
		return &OptionError{Option: "columns", Value: strings.Join(unknown, ", "), Problem: "no such column in the reference or current data"}
	}
	return nil
}

// untestable says why a column pair cannot be tested ("" when it can) and
// the data-quality issue that is, if any.
func untestable(rc, cc *ColumnProfile) (reason, issue string) {
	switch {
	case rc.Type == dataset.Datetime:
		return "datetime columns move with time by nature; not tested", ""
	case rc.Type == dataset.Text:
		return "free text is not tested for drift", ""
	case rc.Missing == rc.Rows:
		return "no values in the reference", "all values are missing in the reference"
	case cc.Missing == cc.Rows:
		return "no values in the current data", "all values are missing in the current data"
	case cc.Type != rc.Type && cc.Type != dataset.Unknown:
		issue = fmt.Sprintf("type changed from %s in the reference to %s", rc.Type, cc.Type)
		if cc.Mismatch != "" {
			issue += " (" + cc.Mismatch + ")"
		}
		return fmt.Sprintf("type changed from %s to %s", rc.Type, cc.Type), issue
	case rc.Type != dataset.Categorical && len(rc.Values) == 0:
		return "no finite values in the reference", ""
	case rc.Type != dataset.Categorical && len(cc.Values) == 0:
		return "no finite values in the current data", "all values are infinite in the current data"
	}
	return "", ""
}

func testColumn(rc, cc *ColumnProfile, opts Options) (*ColumnResult, error) {
	res := &ColumnResult{
		Column: rc.Name, Type: rc.Type, Unit: rc.Unit, Threshold: opts.Alpha,
		Reference: rc.summary(), Current: summarize(cc),
	}
	method := opts.Method
	if method == MethodAuto {
		switch rc.Type {
		case dataset.Numeric:
			method = MethodKS
		case dataset.Boolean:
			method = MethodZ
		default:
			method = MethodChi2
		}
	}
	res.Method = method
	notFor := func() error {
		return &OptionError{Option: "method", Value: fmt.Sprintf("%q", method),
			Problem: fmt.Sprintf("cannot test %s column %q (choose the columns with --columns)", rc.Type, rc.Name)}
	}
	switch method {
	case MethodKS:
		if rc.Type == dataset.Categorical {
			return nil, notFor()
		}
		test := stats.KSTwoSampleSorted
		if opts.KSAsymptotic {
			test = stats.KSTwoSampleSortedAsymp
		}
		// A window much smaller than the reference: the reference's index
		// finds each window value instead of merging through the reference
		// (the same statistic and p-value).
		if idx := rc.ks(); idx != nil && len(rc.Values) >= 4*len(cc.Values) {
			test = func(_, x []float64) (stats.KSResult, error) { return idx.Test(x, opts.KSAsymptotic) }
		}
		ks, err := test(rc.Values, cc.Values)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", rc.Name, err)
		}
		res.Statistic, res.PValue, res.EffectSize = ks.Statistic, ks.PValue, ks.Statistic
	case MethodChi2:
		a, b := contingency(rc, cc)
		if len(a) < 2 {
			// One category on both sides: the distributions are identical.
			res.Statistic, res.PValue = 0, 1
			break
		}
		chi, err := stats.ChiSquareContingency(a, b)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", rc.Name, err)
		}
		res.Statistic, res.PValue, res.EffectSize = chi.Statistic, chi.PValue, totalVariation(a, b)
	case MethodZ:
		a, b := contingency(rc, cc)
		if rc.Type == dataset.Numeric || len(a) > 2 {
			return nil, notFor()
		}
		if len(a) < 2 {
			res.Statistic, res.PValue = 0, 1
			break
		}
		na, nb := int(a[0]+a[1]), int(b[0]+b[1])
		z, err := stats.TwoProportionZ(int(a[1]), na, int(b[1]), nb)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", rc.Name, err)
		}
		res.Statistic, res.PValue = z.Statistic, z.PValue
		res.EffectSize = math.Abs(a[1]/float64(na) - b[1]/float64(nb))
	}
	return res, nil
}

// contingency returns the two rows of the 2xK table for a column: category
// counts for categorical columns, 0/1 counts for booleans, and counts in bins
// cut at the reference deciles for numeric columns (bins come from the
// reference alone, so the same current data always falls the same way).
// Categories empty on both sides are left out.
func contingency(rc, cc *ColumnProfile) (a, b []float64) {
	switch rc.Type {
	case dataset.Categorical:
		idx := map[string]int{}
		for _, c := range rc.Categories {
			idx[c.Value] = len(a)
			a = append(a, float64(c.Count))
			b = append(b, 0)
		}
		for _, c := range cc.Categories {
			i, ok := idx[c.Value]
			if !ok {
				i = len(a)
				idx[c.Value] = i
				a = append(a, 0)
				b = append(b, 0)
			}
			b[i] = float64(c.Count)
		}
		return a, b
	case dataset.Boolean:
		a = binCounts(rc.Values, []float64{0})
		b = binCounts(cc.Values, []float64{0})
	default:
		edges := decileEdges(rc.Values)
		a = binCounts(rc.Values, edges)
		b = binCounts(cc.Values, edges)
	}
	// Drop bins empty on both sides.
	k := 0
	for i := range a {
		if a[i] != 0 || b[i] != 0 {
			a[k], b[k] = a[i], b[i]
			k++
		}
	}
	return a[:k], b[:k]
}

// decileEdges returns the distinct reference deciles 10%..90%.
func decileEdges(sorted []float64) []float64 {
	var edges []float64
	for q := 1; q <= 9; q++ {
		e := quantile(sorted, float64(q)/10)
		if len(edges) == 0 || e > edges[len(edges)-1] {
			edges = append(edges, e)
		}
	}
	return edges
}

// binCounts counts sorted values into the bins (-inf, e0], (e0, e1], ...,
// (e_last, +inf).
func binCounts(sorted, edges []float64) []float64 {
	counts := make([]float64, len(edges)+1)
	prev := 0
	for i, e := range edges {
		n := sort.Search(len(sorted), func(j int) bool { return sorted[j] > e })
		counts[i] = float64(n - prev)
		prev = n
	}
	counts[len(edges)] = float64(len(sorted) - prev)
	return counts
}

// totalVariation is half the L1 distance between the two rows' shares: the
// largest difference in probability the two distributions give any set of
// categories, on the same 0-1 scale as the KS statistic.
func totalVariation(a, b []float64) float64 {
	var na, nb float64
	for i := range a {
		na += a[i]
		nb += b[i]
	}
	if na == 0 || nb == 0 {
		return 0
	}
	var d float64
	for i := range a {
		d += math.Abs(a[i]/na - b[i]/nb)
	}
	return d / 2
}

// qualityAlpha is the level of the data-quality tests. They are not
// corrected for the many columns and windows checked, so they use a strict
// level of their own: real null bursts and range breaks are far beyond it.
const qualityAlpha = 1e-4

// poissonAtLeast is P(X >= k) for X ~ Poisson(lambda).
func poissonAtLeast(k int, lambda float64) float64 {
	if k <= 0 {
		return 1
	}
	// P(X <= k-1) is the upper regularized gamma Q(k, lambda).
	return 1 - stats.ChiSquareSF(2*lambda, 2*float64(k))
}

// qualityIssues finds data-quality changes in one column pair.
func qualityIssues(rc, cc *ColumnProfile) []QualityIssue {
	var out []QualityIssue
	add := func(format string, a ...any) {
		out = append(out, QualityIssue{Column: rc.Name, Kind: alert.KindDataQuality, Detail: fmt.Sprintf(format, a...)})
	}
	if rc.Rows > 0 && cc.Rows > 0 {
		refRate := float64(rc.Missing) / float64(rc.Rows)
		curRate := float64(cc.Missing) / float64(cc.Rows)
		if math.Abs(curRate-refRate) >= nullRateMinChange {
			if z, err := stats.TwoProportionZ(rc.Missing, rc.Rows, cc.Missing, cc.Rows); err == nil && z.PValue < qualityAlpha {
				add("missing values: %s of rows, %s in the reference", percent(curRate), percent(refRate))
			}
		}
	}
	if cc.Invalid > 0 {
		add("%s of the wrong type for a %s column (counted as missing)", count.Plural(cc.Invalid, "value", "values"), rc.Type)
	}
	if cc.Inf > 0 && rc.Inf == 0 {
		add("%s (none in the reference)", count.Plural(cc.Inf, "infinite value", "infinite values"))
	}
	switch rc.Type {
	case dataset.Numeric:
		if below, above := outOfRange(rc.Values, cc.Values); below+above > 0 {
			n, k := len(cc.Values), below+above
			share := float64(k) / float64(n)
			// Under no drift a current value falls outside the range of m
			// reference values with probability 2/(m+1): flag a count that
			// a Poisson law with that mean makes implausible.
			lambda := float64(n) * 2 / float64(len(rc.Values)+1)
			if share >= 0.001 && poissonAtLeast(k, lambda) < qualityAlpha {
				add("%s (%s) outside the reference range [%s, %s]: %s below, %s above",
					count.Plural(below+above, "value", "values"), percent(share), formatNumber(rc.Values[0]), formatNumber(rc.Values[len(rc.Values)-1]),
					count.Thousands(below), count.Thousands(above))
			}
		}
	case dataset.Categorical:
		seen := make(map[string]bool, len(rc.Categories))
		for _, c := range rc.Categories {
			seen[c.Value] = true
		}
		var unseen []string
		total, n := 0, 0
		for _, c := range cc.Categories {
			n += c.Count
			if !seen[c.Value] {
				total += c.Count
				if len(unseen) < 5 {
					unseen = append(unseen, fmt.Sprintf("%q", c.Value))
				}
			}
		}
		if total > 0 {
			more := ""
			if k := countUnseen(cc, seen); k > len(unseen) {
				more = fmt.Sprintf(" and %d more", k-len(unseen))
			}
			add("unseen categories %s%s: %s (%s)", strings.Join(unseen, ", "), more, count.Plural(total, "row", "rows"), percent(float64(total)/float64(n)))
		}
	}
	return out
}

func countUnseen(cc *ColumnProfile, seen map[string]bool) int {
	k := 0
	for _, c := range cc.Categories {
		if !seen[c.Value] {
			k++
		}
	}
	return k
}

// outOfRange counts current values below the reference minimum and above its
// maximum (both samples sorted).
func outOfRange(ref, cur []float64) (below, above int) {
	lo, hi := ref[0], ref[len(ref)-1]
	below = sort.Search(len(cur), func(i int) bool { return cur[i] >= lo })
	above = len(cur) - sort.Search(len(cur), func(i int) bool { return cur[i] > hi })
	return below, above
}
