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
