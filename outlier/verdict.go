package outlier

import (
	"fmt"

	"github.com/warden-ml/warden/alert"
)

// Verdict is the outcome of scoring one input.
type Verdict struct {
	// Anomaly is true when the combined p-value is below Options.FPR.
	Anomaly bool `json:"anomaly"`
	// Score is 1 minus the combined p-value: in [0, 1], higher is more
	// anomalous; an input is flagged when Score > 1 - FPR.
	Score float64 `json:"score"`
	// Isolation is the isolation forest's s = 2^(-E[h(x)]/c(ψ)), which grades
	// the severity of a flagged input (0 without numeric features).
	Isolation float64 `json:"isolation"`
	// Severity is None unless Anomaly; then Critical or High by Isolation
	// against Options.Severity, else Medium when the combined p-value is
	// below FPR/10 and Low otherwise.
	Severity alert.Severity `json:"severity"`
	// Scores holds each detector's calibrated score (1 minus its own
	// p-value) by name: isolation, mahalanobis, knn, range, category.
	Scores map[string]float64 `json:"scores"`
	// Reasons explains the verdict: range, category and missing-value checks
	// always; the multivariate detectors when the input is flagged.
	Reasons []Reason `json:"reasons,omitempty"`
	// Top lists, for flagged inputs, the features that contribute most to
	// the isolation and the Mahalanobis distance, largest first.
	Top []Contribution `json:"top,omitempty"`
	// Unknown lists input features the reference does not have; they are
	// ignored.
	Unknown []string `json:"unknown,omitempty"`
}

// Reason kinds.
const (
	ReasonAboveRange     = "above_range"
	ReasonBelowRange     = "below_range"
	ReasonUnseenCategory = "unseen_category"
	ReasonRareCategory   = "rare_category"
	ReasonMissing        = "missing_feature"
	ReasonIsolation      = "isolation"
	ReasonMahalanobis    = "mahalanobis"
	ReasonKNN            = "knn"
)

// Reason is one finding about an input.
type Reason struct {
	// Feature is the input feature concerned, empty for the multivariate
	// detectors, which judge the whole input.
	Feature string `json:"feature,omitempty"`
	Kind    string `json:"kind"`
	// Value is the input's value (±math.MaxFloat64 for infinities; the
	// imputed median for a missing feature; the reference share for a
	// category; the raw score for a detector, which for the Mahalanobis
	// detector with skewed features is the larger -ln p of its two
	// distances) and Limit the bound it crossed (the range bound,
	// MinCategoryShare, or the detector's raw score at the false-positive
	// rate).
	Value float64 `json:"value"`
	Limit float64 `json:"limit"`
	// Category is the input's category for category reasons.
	Category string `json:"category,omitempty"`
	Message  string `json:"message"`
}

// Contribution is one feature's share of an input's outlyingness.
type Contribution struct {
	Feature string  `json:"feature"`
	Share   float64 `json:"share"`
}

// Plain words the reason without its numbers (the input's value, the limit
// it crossed, a detector's raw score): which feature, which way, which
// check. A caller who is told only this learns why an input was flagged,
// not how far it is from being flagged.
func (r Reason) Plain() string {
	switch r.Kind {
	case ReasonAboveRange:
		return r.Feature + " is above the reference range"
	case ReasonBelowRange:
		return r.Feature + " is below the reference range"
	case ReasonMissing:
		return r.Feature + " is missing"
	case ReasonUnseenCategory:
		return fmt.Sprintf("%s = %q was never seen in the reference", r.Feature, r.Category)
	case ReasonRareCategory:
		return fmt.Sprintf("%s = %q is rare in the reference", r.Feature, r.Category)
	case ReasonIsolation:
		return "the isolation forest separates the input from the reference more easily than usual"
	case ReasonMahalanobis:
		return "the input lies far from the reference as a whole (robust Mahalanobis distance)"
	case ReasonKNN:
		return "the input lies far from its nearest reference rows"
	}
	return r.Kind
}
