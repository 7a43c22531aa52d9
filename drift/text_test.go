package drift

import "testing"

func TestPluralAndNoun(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 values"}, {1, "1 value"}, {2, "2 values"}, {12345, "12,345 values"}} {
		if got := Plural(tc.n, "value", "values"); got != tc.want {
			t.Errorf("Plural(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	for col, want := range map[string]string{"label": "Label", "score": "Model score", "prediction": "Prediction",
		"prediction.label": "Prediction", "transaction_amount": "Feature", "labels": "Feature"} {
		if got := ColumnNoun(col); got != want {
			t.Errorf("ColumnNoun(%q) = %q, want %q", col, got, want)
		}
	}
}
