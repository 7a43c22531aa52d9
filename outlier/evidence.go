package outlier

import (
	"encoding/json"
	"fmt"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/internal/count"
	"github.com/warden-ml/warden/internal/textfmt"
)

// Evidence is what an adversarial finding carries: the flagged input (the
// user's worst in the hour, for a burst) and, from the burst test, the
// user's hour. Its JSON form is the finding's evidence and the alert's
// details; Headline and Lines read it back as the report shows it.
type Evidence struct {
	EventID   string             `json:"event_id"`
	User      string             `json:"user"`
	Score     float64            `json:"score"`
	Isolation *float64           `json:"isolation,omitempty"`
	FPR       float64            `json:"fpr"`
	Reasons   []Reason           `json:"reasons"`
	Top       []Contribution     `json:"top"`
	Scores    map[string]float64 `json:"scores"`
	// The burst test's view of the user's hour, when it raised the
	// finding.
	InputsInHour  *int     `json:"inputs_in_hour,omitempty"`
	FlaggedInHour *int     `json:"flagged_in_hour,omitempty"`
	BurstP        *float64 `json:"burst_p,omitempty"`
	BaseRate      *float64 `json:"base_rate,omitempty"`
	Burst         *bool    `json:"burst,omitempty"`
	// Late: the input came after its minute was summarised; Untracked: in
	// a minute with more users than the burst test keeps.
	Late      bool   `json:"late,omitempty"`
	Untracked bool   `json:"untracked,omitempty"`
	Summary   string `json:"summary"`
}

// Headline is the report's line about subject's flagged inputs.
func (e Evidence) Headline(subject string) string {
	headline := fmt.Sprintf("User %s: an input far outside the reference", subject)
	switch {
	case e.Burst != nil && *e.Burst && e.FlaggedInHour != nil && e.InputsInHour != nil:
		headline = fmt.Sprintf("User %s: %s of %s in the hour", subject,
			count.Plural(*e.FlaggedInHour, "anomalous input", "anomalous inputs"), count.Thousands(*e.InputsInHour))
	case e.FlaggedInHour != nil && e.InputsInHour != nil:
		headline += fmt.Sprintf(" (%s flagged of %s in the hour)", count.Thousands(*e.FlaggedInHour), count.Plural(*e.InputsInHour, "input", "inputs"))
	}
	return headline
}

// Lines are the details the report shows: how isolated, the burst's
// p-value against the rest of the traffic, the first three reasons, the
// input's id.
func (e Evidence) Lines() []string {
	var lines []string
	if e.Isolation != nil {
		line := fmt.Sprintf("Isolation score %.2f", *e.Isolation)
		if e.BurstP != nil && e.Burst != nil && *e.Burst {
			base := 0.0
			if e.BaseRate != nil {
				base = *e.BaseRate
			}
			line += fmt.Sprintf(", burst %s against the %.2f%% flagged in the rest of the traffic", textfmt.P(*e.BurstP), 100*base)
		}
		lines = append(lines, line)
	}
	for _, r := range e.Reasons[:min(3, len(e.Reasons))] {
		if r.Message != "" {
			lines = append(lines, r.Message)
		}
	}
	if e.EventID != "" {
		lines = append(lines, "Latest flagged input: "+e.EventID)
	}
	return lines
}

// describeAlert writes an adversarial alert: whose inputs, how many, how
// isolated, and why. Details that do not read as this evidence say so,
// rather than losing lines.
func describeAlert(a alert.Alert) (string, []string) {
	var e Evidence
	b, err := json.Marshal(a.Details)
	if err == nil {
		err = json.Unmarshal(b, &e)
	}
	if err != nil {
		return fmt.Sprintf("User %s: anomalous inputs", a.Subject), []string{"(evidence unreadable: " + err.Error() + ")"}
	}
	return e.Headline(a.Subject), e.Lines()
}
