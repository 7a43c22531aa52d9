package stdout_test

import (
	"context"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/notify"
	"github.com/warden-ml/warden/notify/stdout"
)

func ExampleNew() {
	a := alert.Alert{
		ID: "44a0039bd5991194-1", Fingerprint: "44a0039bd5991194", Time: time.Date(2024, 11, 5, 14, 3, 27, 0, time.UTC),
		Type: alert.KindExtraction, Severity: alert.High, Model: "fraud_detection_v2", Subject: "user-17",
		Source: "extraction", Summary: "user-17 queried 412 times in an hour",
	}
	payload, err := notify.JSONLine(notify.Notification{Model: a.Model, Alerts: []alert.Alert{a}})
	if err != nil {
		panic(err)
	}
	if err := stdout.New(nil).Send(context.Background(), payload); err != nil {
		panic(err)
	}
	// Output:
	// {"id":"44a0039bd5991194-1","model":"fraud_detection_v2","time":"2024-11-05T14:03:27.000Z","severity":"high","count":1,"summary":"1 alert for fraud_detection_v2: 1 high","alerts":[{"id":"44a0039bd5991194-1","fingerprint":"44a0039bd5991194","time":"2024-11-05T14:03:27.000Z","type":"extraction","severity":"high","model":"fraud_detection_v2","subject":"user-17","source":"extraction","summary":"user-17 queried 412 times in an hour"}]}
}
