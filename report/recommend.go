package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/warden-ml/warden/alert"
)

// Recommendation is one action, for one subject.
type Recommendation struct {
	Severity alert.Severity `json:"severity"`
	Model    string         `json:"model"`
	Subject  string         `json:"subject"`
	Action   string         `json:"action"`
}

// rule is a line of the recommendation table: for a finding kind at a
// severity (or above), the action, with {subject} and {model} filled in.
type rule struct {
	kind    alert.Kind
	atLeast alert.Severity
	action  string
}

// rules is the one table recommendations come from, most specific first:
// the first rule matching an item's kind and severity applies.
var rules = []rule{
	{alert.KindDrift, alert.Critical, "Investigate drift in {subject} now; consider retraining {model} on recent data"},
	{alert.KindDrift, alert.High, "Investigate drift in {subject}"},
	{alert.KindDrift, alert.Low, "Watch {subject} for continued drift"},
	{alert.KindPredictionDrift, alert.Low, "Check the outputs of {model}: its predictions have shifted"},
	{alert.KindConceptDrift, alert.Low, "Re-evaluate {model} against fresh labels"},
	{alert.KindDataQuality, alert.Low, "Check the data pipeline feeding {subject}"},
	{alert.KindExtraction, alert.Critical, "Rate-limit {subject} immediately"},
	{alert.KindExtraction, alert.Low, "Review the query pattern of {subject}"},
	{alert.KindUsage, alert.Low, "Review the query volume of {subject}"},
	{alert.KindAdversarial, alert.High, "Block {subject}'s anomalous inputs to {model} and review them for crafted attacks"},
	{alert.KindAdversarial, alert.Low, "Review the inputs {subject} sent to {model}"},
	{alert.KindPromptInjection, alert.High, "Block {subject}'s injection attempts and review the prompts"},
	{alert.KindPromptInjection, alert.Low, "Review the prompts flagged for {subject}"},
	{alert.KindPromptLeak, alert.Low, "Rotate the system prompt of {model} and review its outputs"},
	{alert.KindFeed, alert.Low, "Find out why {model}'s events stopped reaching Warden: its monitoring was blind meanwhile"},
}

// NoAction is the recommendation when there is nothing to do.
const NoAction = "No action needed"

// recommend applies the table: one line per (model, subject), from its most
// severe item, most severe first.
func recommend(items []Item) []Recommendation {
	best := map[[2]string]Item{}
	for _, it := range items {
		k := [2]string{it.Model, it.Subject}
		if b, ok := best[k]; !ok || it.Severity > b.Severity || (it.Severity == b.Severity && kindRank(it.Kind) < kindRank(b.Kind)) {
			best[k] = it
		}
	}
	var out []Recommendation
	for _, it := range best {
		for _, r := range rules {
			if r.kind == it.Kind && it.Severity >= r.atLeast {
				action := strings.NewReplacer("{subject}", it.Subject, "{model}", it.Model).Replace(r.action)
				out = append(out, Recommendation{Severity: it.Severity, Model: it.Model, Subject: it.Subject, Action: action})
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b Recommendation) int {
		if a.Severity != b.Severity {
			return int(b.Severity) - int(a.Severity)
		}
		if a.Model != b.Model {
			return strings.Compare(a.Model, b.Model)
		}
		return strings.Compare(a.Subject, b.Subject)
	})
	if len(out) == 0 {
		return []Recommendation{{Action: NoAction}}
	}
	return out
}

// kindRank prefers, for one subject, the finding that says most: drift over
// data quality, and so on down the table.
func kindRank(k alert.Kind) int {
	for i, r := range rules {
		if r.kind == k {
			return i
		}
	}
	return len(rules)
}

func (r Recommendation) String() string {
	if r.Severity == alert.None {
		return r.Action
	}
	return fmt.Sprintf("%s (%s)", r.Action, strings.ToUpper(r.Severity.String()))
}
