package outlier

import (
	"strings"
	"testing"
)

// Plain keeps what a reason says and drops its numbers.
func TestReasonPlain(t *testing.T) {
	tests := []struct {
		r    Reason
		want string
	}{
		{Reason{Feature: "transaction_amount", Kind: ReasonAboveRange, Value: 250000, Limit: 6811.72,
			Message: "transaction_amount = 250000 is above the reference range (limit 6811.72)"},
			"transaction_amount is above the reference range"},
		{Reason{Feature: "hour", Kind: ReasonBelowRange, Value: -3, Limit: 0}, "hour is below the reference range"},
		{Reason{Feature: "hour", Kind: ReasonMissing, Value: 14}, "hour is missing"},
		{Reason{Feature: "merchant_category", Kind: ReasonUnseenCategory, Category: "space_travel", Limit: 0.001},
			`merchant_category = "space_travel" was never seen in the reference`},
		{Reason{Feature: "merchant_category", Kind: ReasonRareCategory, Category: "jewelry", Value: 0.0004, Limit: 0.001},
			`merchant_category = "jewelry" is rare in the reference`},
		{Reason{Kind: ReasonIsolation, Value: 0.73, Limit: 0.68}, "the isolation forest separates the input from the reference more easily than usual"},
		{Reason{Kind: ReasonMahalanobis, Value: 41.2, Limit: 30.1}, "the input lies far from the reference as a whole (robust Mahalanobis distance)"},
		{Reason{Kind: ReasonKNN, Value: 153.5, Limit: 85.24}, "the input lies far from its nearest reference rows"},
		{Reason{Kind: "future_check", Value: 1}, "future_check"},
	}
	for _, tc := range tests {
		t.Run(tc.r.Kind, func(t *testing.T) {
			got := tc.r.Plain()
			if got != tc.want {
				t.Errorf("Plain() = %q, want %q", got, tc.want)
			}
			if strings.ContainsAny(got, "0123456789") {
				t.Errorf("Plain() = %q holds a number", got)
			}
		})
	}
}
