// Package event defines the production event Warden ingests (one model
// request with its features, prediction, prompt and output) and decodes
// batches of them from JSON arrays or NDJSON, rejecting bad items one by one.
//
// An event in JSON:
//
//	{"id": "tx-1", "model": "fraud_detection_v2", "user": "user_00042", "time": "2026-01-01T00:00:01.250Z",
//	 "features": {"transaction_amount": 12.5, "merchant_category": "grocery", "card_present": true, "x": null},
//	 "prediction": {"label": 1, "score": 0.93, "probabilities": [0.07, 0.93]},
//	 "prompt": "...", "output": "...", "label": "fraud"}
//
// Only model is required. time is RFC 3339 (a naive time is UTC) or Unix
// seconds; labels are strings, numbers or bools; probabilities are an array
// (classes "0", "1", ...) or an object of class: probability; id and user may
// be numbers, kept as written. Unknown keys are ignored; duplicate keys, NaN,
// Infinity, numbers out of range, invalid UTF-8 and lone surrogates reject
// the item.
//
// Decoding scans a byte buffer directly, without reflection: numbers
// are read by Clinger's fast path or the Eisel–Lemire algorithm, falling
// back to strconv, and always rounded exactly as encoding/json rounds them;
// names are interned, so a batch allocates little beyond its events.
package event

import (
	"strconv"
	"time"
)

// Kind is the JSON type of a value.
type Kind uint8

const (
	Null Kind = iota
	Number
	String
	Bool
)

// Value is a scalar from an event: a feature value or a label.
type Value struct {
	Kind Kind
	Num  float64 // Number; 1 or 0 for Bool
	Str  string  // String
}

// NumberValue, StringValue and BoolValue build values.
func NumberValue(f float64) Value { return Value{Kind: Number, Num: f} }
func StringValue(s string) Value  { return Value{Kind: String, Str: s} }
func BoolValue(b bool) Value {
	if b {
		return Value{Kind: Bool, Num: 1}
	}
	return Value{Kind: Bool}
}

// String renders the value as it would appear in a CSV cell.
func (v Value) String() string {
	switch v.Kind {
	case Number:
		return strconv.FormatFloat(v.Num, 'g', -1, 64)
	case String:
		return v.Str
	case Bool:
		return strconv.FormatBool(v.Num != 0)
	}
	return ""
}

// Feature is one named model input.
type Feature struct {
	Name  string
	Value Value
}

// Prediction is what the model answered.
type Prediction struct {
	Label         Value   // string or number; Null when absent
	Score         float64 // valid when HasScore
	HasScore      bool
	Probabilities []ClassProb // per class, when given
}

// ClassProb is a class's probability; arrays of probabilities get the class
// names "0", "1", ...
type ClassProb struct {
	Class string
	P     float64
}

// Event is one model request.
type Event struct {
	ID         string
	Model      string
	User       string
	Time       time.Time // zero when the event carried none
	Features   []Feature // in the order they were sent
	Prediction Prediction
	Prompt     string
	Output     string
	Label      Value // the true outcome when known; Null otherwise
}

// Feature returns the value of the named feature and whether it was sent.
func (e *Event) Feature(name string) (Value, bool) {
	for _, f := range e.Features {
		if f.Name == name {
			return f.Value, true
		}
	}
	return Value{}, false
}
