package outlier_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/outlier"
	"github.com/warden-ml/warden/simulate"
)

func Example() {
	// Reference data: the fraud model's training transactions.
	var csv bytes.Buffer
	if err := simulate.WriteCSV(&csv, simulate.Reference(1, 5000)); err != nil {
		fmt.Println(err)
		return
	}
	ref, err := dataset.Read(&csv, "reference.csv", dataset.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	det, err := outlier.Fit(ref, outlier.Options{Exclude: []string{"score", "label"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	input := []event.Feature{
		{Name: "transaction_amount", Value: event.NumberValue(48000)},
		{Name: "merchant_category", Value: event.StringValue("crypto_exchange")},
		{Name: "hour", Value: event.NumberValue(3)},
		{Name: "distance_from_home_km", Value: event.NumberValue(2.5)},
		{Name: "card_present", Value: event.BoolValue(true)},
		{Name: "account_age_days", Value: event.NumberValue(400)},
		{Name: "num_tx_last_24h", Value: event.NumberValue(3)},
	}
	v, err := det.Score(input)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("anomaly:", v.Anomaly, "severity:", v.Severity)
	for _, r := range v.Reasons {
		fmt.Println(strings.TrimSpace(r.Kind + " " + r.Feature))
	}
	fmt.Println("top feature:", v.Top[0].Feature)
	// Output:
	// anomaly: true severity: high
	// above_range transaction_amount
	// unseen_category merchant_category
	// mahalanobis
	// knn
	// top feature: transaction_amount
}

// What a caller who must not learn the detector's limits is told.
func ExampleReason_Plain() {
	r := outlier.Reason{Feature: "transaction_amount", Kind: outlier.ReasonAboveRange, Value: 48000, Limit: 6811.72,
		Message: "transaction_amount = 48000 is above the reference range (limit 6811.72)"}
	fmt.Println(r.Plain())
	// Output:
	// transaction_amount is above the reference range
}
