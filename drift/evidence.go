package drift

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/internal/count"
	"github.com/warden-ml/warden/internal/textfmt"
)

// Evidence is what a drift or prediction-drift finding carries: its JSON
// form is the finding's evidence and the alert's details, and Lines reads
// it back as the report shows it.
type Evidence struct {
	Method     Method   `json:"method"`
	Statistic  float64  `json:"statistic"`
	PValue     float64  `json:"p_value"`
	PAdjusted  *float64 `json:"p_adjusted,omitempty"`
	EffectSize float64  `json:"effect_size"`
	Threshold  float64  `json:"threshold"`
	Window     Window   `json:"window"`
	// Reference and Current are the column's summaries (numeric or
	// categorical) as the profile writes them.
	Reference json.RawMessage `json:"reference"`
	Current   json.RawMessage `json:"current"`
	Unit      string          `json:"unit,omitempty"`
	Summary   string          `json:"summary"`
}

// QualityEvidence is what a data-quality finding carries.
type QualityEvidence struct {
	Detail  string `json:"detail"`
	Window  Window `json:"window"`
	Summary string `json:"summary"`
}

// Window says which window of the stream a finding comes from.
type Window struct {
	Kind     string `json:"kind"`
	Start    string `json:"start"`
	End      string `json:"end"`
	Events   int    `json:"events"`
	FirstSeq int64  `json:"first_seq"`
	LastSeq  int64  `json:"last_seq"`
}

// ColumnEvidence is the evidence of a drifted column in a window.
func ColumnEvidence(c *ColumnResult, w Window, summary string) Evidence {
	ref, _ := json.Marshal(c.Reference)
	cur, _ := json.Marshal(c.Current)
	p := c.PAdjusted
	return Evidence{Method: c.Method, Statistic: c.Statistic, PValue: c.PValue, PAdjusted: &p, EffectSize: c.EffectSize,
		Threshold: c.Threshold, Window: w, Reference: ref, Current: cur, Unit: c.Unit, Summary: summary}
}

// Lines are the evidence as the report writes it: the statistic and
// p-value against the threshold, production against reference, the window.
func (e Evidence) Lines() []string {
	var lines []string
	pText := ""
	if e.PAdjusted != nil {
		pText = fmt.Sprintf(", %s (threshold p < %g)", textfmt.P(*e.PAdjusted), e.Threshold)
	}
	switch e.Method {
	case MethodKS:
		lines = append(lines, fmt.Sprintf("KS statistic %.2f%s", e.Statistic, pText))
	case MethodChi2:
		lines = append(lines, fmt.Sprintf("Chi-square %.2f%s, distance %.2f", e.Statistic, pText, e.EffectSize))
	case MethodZ:
		lines = append(lines, fmt.Sprintf("z %.2f%s, difference %.2f", e.Statistic, pText, e.EffectSize))
	}
	var ref, cur struct {
		Mean *float64 `json:"mean"`
		Top  []Share  `json:"top"`
	}
	json.Unmarshal(e.Reference, &ref)
	json.Unmarshal(e.Current, &cur)
	switch {
	case ref.Mean != nil && cur.Mean != nil:
		lines = append(lines, fmt.Sprintf("Production mean: %s vs Reference: %s", FormatValue(*cur.Mean, e.Unit), FormatValue(*ref.Mean, e.Unit)))
	case len(cur.Top) > 0:
		lines = append(lines, fmt.Sprintf("Production top: %s vs Reference top: %s", topShare(cur.Top), topShare(ref.Top)))
	}
	if e.Window.Events > 0 {
		lines = append(lines, fmt.Sprintf("Window: last %s to %s", count.Plural(e.Window.Events, "event", "events"), e.Window.End))
	}
	return lines
}

func topShare(top []Share) string {
	if len(top) == 0 {
		return ""
	}
	return fmt.Sprintf("'%s' %.1f%%", top[0].Value, 100*top[0].Share)
}

// describeAlert writes a drift alert as the lab does. Evidence that does
// not read as drift's says so, rather than dropping lines.
func describeAlert(a alert.Alert) (string, []string) {
	if a.Type == alert.KindDataQuality {
		var q QualityEvidence
		if err := decode(a.Details, &q); err != nil {
			return fmt.Sprintf("Data quality of '%s'", a.Subject), []string{"(evidence unreadable: " + err.Error() + ")"}
		}
		return fmt.Sprintf("Data quality of '%s'", a.Subject), []string{q.Detail}
	}
	headline := fmt.Sprintf("%s '%s' drift detected", ColumnNoun(a.Subject), a.Subject)
	if a.Type == alert.KindPredictionDrift {
		headline = fmt.Sprintf("Prediction drift: %s '%s' has shifted", strings.ToLower(ColumnNoun(a.Subject)), a.Subject)
	}
	var e Evidence
	if err := decode(a.Details, &e); err != nil {
		return headline, []string{"(evidence unreadable: " + err.Error() + ")"}
	}
	return headline, e.Lines()
}

// decode reads evidence, as stored, into its type.
func decode(details map[string]any, into any) error {
	b, err := json.Marshal(details)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, into)
}
