package simulate

import "strings"

// ModelName is the name of the simulated model in production events.
const ModelName = "fraud_detection_v2"

// Column describes one column of the simulated data.
type Column struct {
	Name string
	Type string // "numeric", "categorical" or "boolean"
	Unit string // "$", "km", "days", "h" or ""
}

// Column names, in CSV order.
const (
	ColTransactionAmount  = "transaction_amount"
	ColMerchantCategory   = "merchant_category"
	ColHour               = "hour"
	ColDistanceFromHomeKm = "distance_from_home_km"
	ColCardPresent        = "card_present"
	ColAccountAgeDays     = "account_age_days"
	ColNumTxLast24h       = "num_tx_last_24h"
	ColScore              = "score"
	ColLabel              = "label"
)

var columns = [...]Column{
	{ColTransactionAmount, "numeric", "$"},
	{ColMerchantCategory, "categorical", ""},
	{ColHour, "numeric", "h"},
	{ColDistanceFromHomeKm, "numeric", "km"},
	{ColCardPresent, "boolean", ""},
	{ColAccountAgeDays, "numeric", "days"},
	{ColNumTxLast24h, "numeric", ""},
	{ColScore, "numeric", ""},
	// The label is a class, not a quantity: drift in it is a change of shares.
	{ColLabel, "categorical", ""},
}

// numFeatures is the number of model inputs: the columns before score and label.
const numFeatures = 7

// Columns returns the feature columns followed by score and label, in CSV
// order. The slice is the caller's to keep.
func Columns() []Column {
	out := make([]Column, len(columns))
	copy(out, columns[:])
	return out
}

// FeatureSet is a set of feature columns, one bit per feature in column order.
type FeatureSet uint16

// The features, as one-element sets.
const (
	FeatureTransactionAmount FeatureSet = 1 << iota
	FeatureMerchantCategory
	FeatureHour
	FeatureDistanceFromHomeKm
	FeatureCardPresent
	FeatureAccountAgeDays
	FeatureNumTxLast24h
)

// FeatureByName returns the one-element set of the named feature column.
func FeatureByName(name string) (FeatureSet, bool) {
	for i := range numFeatures {
		if columns[i].Name == name {
			return 1 << i, true
		}
	}
	return 0, false
}

// Has reports whether every feature of f is in s.
func (s FeatureSet) Has(f FeatureSet) bool { return s&f == f }

// String lists the feature names joined by "|", for messages.
func (s FeatureSet) String() string {
	var names []string
	for i := range numFeatures {
		if s.Has(1 << i) {
			names = append(names, columns[i].Name)
		}
	}
	return strings.Join(names, "|")
}
