package outlier

import (
	"reflect"
	"testing"

	"github.com/warden-ml/warden/dataset"
)

func TestCandidates(t *testing.T) {
	tab := &dataset.Table{Columns: []*dataset.Column{
		{Name: "amount", Type: dataset.Numeric}, {Name: "when", Type: dataset.Datetime},
		{Name: "present", Type: dataset.Boolean}, {Name: "note", Type: dataset.Text},
		{Name: "merchant", Type: dataset.Categorical}, {Name: "label", Type: dataset.Numeric},
	}}
	got := Candidates(tab, []string{"label"})
	want := []FeatureInfo{{"amount", "numeric"}, {"present", "boolean"}, {"merchant", "categorical"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Candidates = %v, want %v", got, want)
	}
}
