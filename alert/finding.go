// Package alert holds the vocabulary every detector shares: finding kinds,
// severities and the Finding a detector emits.
package alert

import (
	"encoding/json"
	"fmt"
	"time"
)

// Kind names what a finding is about.
type Kind string

// Finding kinds (DESIGN.md).
const (
	KindDrift           Kind = "drift"            // model inputs
	KindPredictionDrift Kind = "prediction_drift" // model outputs
	KindConceptDrift    Kind = "concept_drift"    // error rate once labels arrive
	KindDataQuality     Kind = "data_quality"     // nulls, unseen categories, out-of-range values, schema changes
	KindAdversarial     Kind = "adversarial"
	KindExtraction      Kind = "extraction"
	KindUsage           Kind = "usage"
	KindPromptInjection Kind = "prompt_injection"
	KindPromptLeak      Kind = "prompt_leak"
	KindFeed            Kind = "feed" // a model's events stopped for longer than its expect_every: Warden may be cut off
)

// Kinds lists every finding kind.
var Kinds = []Kind{KindDrift, KindPredictionDrift, KindConceptDrift, KindDataQuality, KindAdversarial,
	KindExtraction, KindUsage, KindPromptInjection, KindPromptLeak, KindFeed}

// Severity orders findings: None < Low < Medium < High < Critical.
type Severity uint8

const (
	None Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"none", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", s)
}

// ParseSeverity parses a lowercase severity name.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if n == name {
			return Severity(i), nil
		}
	}
	return None, fmt.Errorf("unknown severity %q (want none, low, medium, high or critical)", name)
}

// MarshalText writes the lowercase name used in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses the lowercase name used in JSON.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// Thresholds turn a detector's documented score into a severity, as the
// lab's alert thresholds do: score >= Critical is critical, >= Warning is
// high, anything lower keeps the detector's own medium or low.
type Thresholds struct {
	Warning  float64 `json:"warning"`
	Critical float64 `json:"critical"`
}

// DriftThresholds are the lab's defaults for drift, applied to the effect size.
var DriftThresholds = Thresholds{Warning: 0.1, Critical: 0.3}

// Validate checks that the thresholds are ordered and finite.
func (t Thresholds) Validate() error {
	if !(t.Warning >= 0) || !(t.Critical >= t.Warning) {
		return fmt.Errorf("thresholds: want 0 <= warning <= critical, got warning %v, critical %v", t.Warning, t.Critical)
	}
	return nil
}

// Severity grades score; own is the detector's severity below the warning level.
func (t Thresholds) Severity(score float64, own Severity) Severity {
	switch {
	case score >= t.Critical:
		return Critical
	case score >= t.Warning:
		return High
	default:
		return own
	}
}

// Finding is what every detector emits.
type Finding struct {
	Kind     Kind           `json:"kind"`
	Severity Severity       `json:"severity"`
	Model    string         `json:"model,omitempty"`
	Subject  string         `json:"subject"`            // the feature, user or input the finding is about
	Score    float64        `json:"score"`              // detector-specific, documented per kind
	Time     time.Time      `json:"time"`               // event time of the evidence
	Evidence map[string]any `json:"evidence,omitempty"` // what a person needs to judge it
}

// EvidenceOf is v's JSON form as a finding's evidence: what the store keeps
// and receivers get, written by the detector's own evidence type.
func EvidenceOf(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]any{"error": "evidence: " + err.Error()}
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return map[string]any{"error": "evidence: " + err.Error()}
	}
	return m
}
