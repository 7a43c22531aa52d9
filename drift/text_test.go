package drift

import "testing"

func TestColumnNoun(t *testing.T) {
	for col, want := range map[string]string{"label": "Label", "score": "Model score", "prediction": "Prediction",
		"prediction.label": "Prediction", "transaction_amount": "Feature", "labels": "Feature"} {
		if got := ColumnNoun(col); got != want {
			t.Errorf("ColumnNoun(%q) = %q, want %q", col, got, want)
		}
	}
}

func TestIsOutput(t *testing.T) {
	for col, want := range map[string]bool{"score": true, "prediction.score": true, "prediction": true, "prediction.label": true,
		"label": false, "transaction_amount": false, "scores": false} {
		if got := IsOutput(col); got != want {
			t.Errorf("IsOutput(%q) = %v, want %v", col, got, want)
		}
	}
}
