package event_test

import (
	"fmt"
	"strings"

	"github.com/warden-ml/warden/event"
)

func ExampleDecoder_Decode() {
	body := `{"id":"tx-1","model":"fraud_v2","user":"u42","time":"2026-01-01T00:00:01.250Z","features":{"amount":12.5,"category":"grocery"},"prediction":{"label":1,"score":0.93}}
{"id":"tx-2","model":"fraud_v2","features":{"amount":{"value":3}}}
{"id":"tx-3","model":"fraud_v2","time":1767225603,"features":{"amount":7,"category":"travel"}}
`
	d := event.NewDecoder(event.DefaultLimits()) // keep it: it reuses its buffers and names
	events, rejected, err := d.Decode(strings.NewReader(body), nil)
	if err != nil {
		fmt.Println("unusable body:", err)
		return
	}
	for _, e := range events {
		amount, _ := e.Feature("amount")
		fmt.Println(e.ID, e.Model, e.Time.Format("15:04:05.000"), "amount", amount)
	}
	for _, r := range rejected {
		fmt.Println(r)
	}
	// Output:
	// tx-1 fraud_v2 00:00:01.250 amount 12.5
	// tx-3 fraud_v2 00:00:03.000 amount 7
	// item 1 (line 2): features.amount: want number, string, bool or null, got object (nested values are not supported)
}

func ExampleAppendJSON() {
	e := event.Event{
		ID:       "tx-1",
		Model:    "fraud_v2",
		Features: []event.Feature{{Name: "amount", Value: event.NumberValue(12.5)}, {Name: "card_present", Value: event.BoolValue(true)}},
	}
	fmt.Println(string(event.AppendJSON(nil, &e)))
	// Output:
	// {"id":"tx-1","model":"fraud_v2","features":{"amount":12.5,"card_present":true}}
}
