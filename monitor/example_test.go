package monitor_test

import (
	"bytes"
	"fmt"

	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/monitor"
	"github.com/warden-ml/warden/simulate"
)

// A model's reference holds its drift profile and the outlier detector fitted
// on the same rows; the detector screens inputs as events carry them.
func ExampleBuildReference() {
	var csv bytes.Buffer
	if err := simulate.WriteCSV(&csv, simulate.Reference(1, 5000)); err != nil {
		panic(err)
	}
	t, err := dataset.Read(&csv, "reference.csv", dataset.Options{})
	if err != nil {
		panic(err)
	}
	m := config.DefaultModel()
	m.Name = simulate.ModelName
	ref, err := monitor.BuildReference(t, &m)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(ref.Profile.Columns), "columns profiled;", len(ref.Outlier.Features()), "inputs screened")

	v, err := ref.Outlier.Score([]event.Feature{
		{Name: "transaction_amount", Value: event.NumberValue(48000)},
		{Name: "merchant_category", Value: event.StringValue("electronics")},
		{Name: "distance_from_home_km", Value: event.NumberValue(3100)},
		{Name: "card_present", Value: event.BoolValue(false)},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("anomaly:", v.Anomaly)
	for _, r := range v.Reasons {
		if r.Feature != "" {
			fmt.Println(r.Kind, r.Feature)
		}
	}
	// Output:
	// 9 columns profiled; 7 inputs screened
	// anomaly: true
	// above_range transaction_amount
	// missing_feature hour
	// above_range distance_from_home_km
	// missing_feature account_age_days
	// missing_feature num_tx_last_24h
}
