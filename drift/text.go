package drift

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/internal/count"
	"github.com/warden-ml/warden/internal/safetext"
	"github.com/warden-ml/warden/internal/textfmt"
)

// TextOptions control the text rendering of a report.
type TextOptions struct {
	// Terminal selects the lab's terminal markers (a ━ rule, coloured
	// severity dots); plain words are used otherwise.
	Terminal bool
}

// WriteText writes the report in the lab's style: a DRIFT DETECTION section
// with one entry per drifted column, most severe first, then data quality.
// Column names, categories and units come from the files compared, so they
// are escaped (package safetext) on their way to what may be a terminal.
func (r *Report) WriteText(out io.Writer, opts TextOptions) error {
	w := bufio.NewWriter(out)
	esc := safetext.Escape
	textfmt.Heading(w, "DRIFT DETECTION", opts.Terminal)
	var calm []string
	for _, sev := range []alert.Severity{alert.Critical, alert.High, alert.Medium, alert.Low} {
		for _, c := range r.Columns {
			if c.DriftDetected && c.Severity == sev {
				writeDrifted(w, c, opts)
			}
		}
	}
	for _, c := range r.Columns {
		if !c.DriftDetected {
			calm = append(calm, esc(c.Column))
		}
	}
	if len(calm) > 0 {
		fmt.Fprintf(w, "No drift: %s\n", strings.Join(calm, ", "))
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "Not tested: %s (%s)\n", esc(s.Column), esc(s.Reason))
	}
	if len(r.Findings) > 0 {
		fmt.Fprintln(w)
		textfmt.Heading(w, "DATA QUALITY", opts.Terminal)
		for _, f := range r.Findings {
			fmt.Fprintf(w, "%s: %s\n", esc(f.Column), esc(f.Detail))
		}
	}
	fmt.Fprintln(w)
	drifted := int(math.Round(r.DriftShare * float64(len(r.Columns))))
	verdict := "no dataset drift"
	if r.DatasetDrift {
		verdict = "DATASET DRIFT"
	}
	fmt.Fprintf(w, "Summary: %s: %d of %s drifted (%s), %s at p < %s, minimum effect size %s\n",
		verdict, drifted, count.Plural(len(r.Columns), "column", "columns"), percent(r.DriftShare), correctionName(r.Correction),
		strconv.FormatFloat(r.Threshold, 'g', -1, 64), strconv.FormatFloat(r.MinEffect, 'g', -1, 64))
	fmt.Fprintf(w, "Reference: %s   Production: %s\n", count.Plural(r.NReference, "row", "rows"), count.Plural(r.NCurrent, "row", "rows"))
	return w.Flush()
}

func correctionName(c Correction) string {
	switch c {
	case CorrectionBH:
		return "Benjamini-Hochberg"
	case CorrectionBonferroni:
		return "Bonferroni"
	}
	return "no correction"
}

// IsOutput says whether a column is the model's output (its score or
// predicted class), whose drift is prediction drift rather than drift of
// its inputs.
func IsOutput(column string) bool {
	switch column {
	case "score", "prediction.score", "prediction", "prediction.label":
		return true
	}
	return false
}

// ColumnNoun says what a column is to the model: the columns a stream
// matches to the event's prediction and true label are its outputs, not
// features.
func ColumnNoun(column string) string {
	switch column {
	case "score", "prediction.score":
		return "Model score"
	case "prediction", "prediction.label":
		return "Prediction"
	case "label":
		return "Label"
	}
	return "Feature"
}

func writeDrifted(w io.Writer, c *ColumnResult, opts TextOptions) {
	esc := safetext.Escape
	fmt.Fprintf(w, "%s: %s '%s' drift detected\n", textfmt.SeverityLabel(c.Severity, opts.Terminal), ColumnNoun(c.Column), esc(c.Column))
	threshold := strconv.FormatFloat(c.Threshold, 'g', -1, 64)
	switch c.Method {
	case MethodKS:
		fmt.Fprintf(w, "  KS statistic %.2f, %s (threshold p < %s)\n", c.Statistic, textfmt.P(c.PAdjusted), threshold)
	case MethodChi2:
		fmt.Fprintf(w, "  Chi-square %s, %s (threshold p < %s), distance %.2f\n", formatNumber(c.Statistic), textfmt.P(c.PAdjusted), threshold, c.EffectSize)
	case MethodZ:
		fmt.Fprintf(w, "  z %.2f, %s (threshold p < %s), difference %.2f\n", c.Statistic, textfmt.P(c.PAdjusted), threshold, c.EffectSize)
	}
	switch ref := c.Reference.(type) {
	case *NumericSummary:
		cur := c.Current.(*NumericSummary)
		fmt.Fprintf(w, "  Production mean: %s vs Reference: %s\n", esc(FormatValue(float64(cur.Mean), c.Unit)), esc(FormatValue(float64(ref.Mean), c.Unit)))
	case *CategoricalSummary:
		cur := c.Current.(*CategoricalSummary)
		if v, rs, cs, ok := largestChange(ref, cur, c.Type); ok {
			fmt.Fprintf(w, "  Production share of %s: %s vs Reference: %s\n", esc(v), percent(cs), percent(rs))
		}
	}
}

// largestChange picks, among the values both summaries list, the one whose
// share moved most.
func largestChange(ref, cur *CategoricalSummary, t dataset.Type) (value string, refShare, curShare float64, ok bool) {
	shares := map[string][2]float64{}
	for _, s := range ref.Top {
		v := shares[s.Value]
		v[0] = s.Share
		shares[s.Value] = v
	}
	for _, s := range cur.Top {
		v := shares[s.Value]
		v[1] = s.Share
		shares[s.Value] = v
	}
	best := -1.0
	for val, s := range shares {
		d := math.Abs(s[1] - s[0])
		if d > best || (d == best && val < value) {
			best, value, refShare, curShare = d, val, s[0], s[1]
		}
	}
	if t == dataset.Boolean {
		return value, refShare, curShare, best >= 0
	}
	return "'" + value + "'", refShare, curShare, best >= 0
}

// FormatValue writes a statistic with its unit: "$1,234.56", "12.30 km".
func FormatValue(x float64, unit string) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	switch unit {
	case "":
		return formatNumber(x)
	case "$":
		s := "$" + money(math.Abs(x))
		if x < 0 {
			s = "-" + s
		}
		return s
	}
	return formatNumber(x) + " " + unit
}

// money is x with two decimals and thousands separators.
func money(x float64) string {
	s := strconv.FormatFloat(x, 'f', 2, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, ch := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return b.String() + "." + frac
}

// formatNumber prints a statistic readably: two decimals in the everyday
// range, scientific notation outside it.
func formatNumber(x float64) string {
	ax := math.Abs(x)
	if x == 0 || (ax >= 0.01 && ax < 1e7) {
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
	return strconv.FormatFloat(x, 'g', 4, 64)
}

func percent(share float64) string {
	return strconv.FormatFloat(100*share, 'f', 1, 64) + "%"
}
