package notify_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/notify"
	"github.com/warden-ml/warden/notify/stdout"
	"github.com/warden-ml/warden/store/sqlite"
)

func ExampleDispatcher() {
	dir, err := os.MkdirTemp("", "warden-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	db, err := sqlite.Open(filepath.Join(dir, "warden.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()

	// A console receiver for high and critical alerts; the pipe lets the
	// example wait for the line.
	console, lines := io.Pipe()
	d := notify.NewDispatcher(db, []notify.Receiver{
		{Name: "console", MinSeverity: alert.High, Sender: stdout.New(lines)},
	}, notify.DispatcherOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error)
	go func() { stopped <- d.Run(ctx) }()

	// One window evaluation raised three alerts for the model.
	at := time.Date(2024, 11, 5, 14, 0, 0, 0, time.UTC)
	var alerts []alert.Alert
	for _, c := range []struct {
		subject string
		sev     alert.Severity
	}{{"transaction_amount", alert.Critical}, {"merchant_category", alert.Medium}, {"hour_of_day", alert.High}} {
		fp := alert.Fingerprint("fraud_detection_v2", alert.KindDrift, c.subject)
		alerts = append(alerts, alert.Alert{
			ID: alert.AlertID(fp, at), Fingerprint: fp, Time: at, Type: alert.KindDrift, Severity: c.sev,
			Model: "fraud_detection_v2", Subject: c.subject, Source: "drift/ks", Summary: c.subject + " drifted",
		})
	}
	// The server stores each alert, then enqueues the evaluation's
	// notification: the console gets one line with the two severe ones.
	for _, a := range alerts {
		if _, _, err := db.UpsertAlert(ctx, a); err != nil {
			panic(err)
		}
	}
	for _, n := range notify.Group(alerts) {
		if err := d.Enqueue(ctx, n); err != nil {
			panic(err)
		}
	}

	line, err := bufio.NewReader(console).ReadString('\n')
	if err != nil {
		panic(err)
	}
	fmt.Print(line)
	cancel()
	if err := <-stopped; err != nil {
		panic(err)
	}
	// Output:
	// {"id":"44a0039bd5991194-d5eas61ntvk0","model":"fraud_detection_v2","time":"2024-11-05T14:00:00.000Z","severity":"critical","count":2,"summary":"2 alerts for fraud_detection_v2: 1 critical, 1 high","alerts":[{"id":"44a0039bd5991194-d5eas61ntvk0","fingerprint":"44a0039bd5991194","time":"2024-11-05T14:00:00.000Z","type":"drift","severity":"critical","model":"fraud_detection_v2","subject":"transaction_amount","source":"drift/ks","summary":"transaction_amount drifted"},{"id":"7e81c506e47cbfa7-d5eas61ntvk0","fingerprint":"7e81c506e47cbfa7","time":"2024-11-05T14:00:00.000Z","type":"drift","severity":"high","model":"fraud_detection_v2","subject":"hour_of_day","source":"drift/ks","summary":"hour_of_day drifted"}]}
}

func ExampleGroup() {
	at := time.Date(2024, 11, 5, 14, 0, 0, 0, time.UTC)
	raised := func(model string, kind alert.Kind, subject string, sev alert.Severity, t time.Time) alert.Alert {
		fp := alert.Fingerprint(model, kind, subject)
		return alert.Alert{ID: alert.AlertID(fp, t), Fingerprint: fp, Time: t, Type: kind,
			Severity: sev, Model: model, Subject: subject}
	}
	// A drift window of fraud_detection_v2 in which two columns drifted
	// and a third failed a data-quality check, with an alert of another
	// model among them: Group keeps the models apart and puts the most
	// severe alert first.
	ns := notify.Group([]alert.Alert{
		raised("fraud_detection_v2", alert.KindDrift, "transaction_amount", alert.High, at),
		raised("churn", alert.KindDrift, "tenure", alert.Medium, at),
		raised("fraud_detection_v2", alert.KindDrift, "hour", alert.Critical, at),
		raised("fraud_detection_v2", alert.KindDataQuality, "merchant_category", alert.High, at),
	})
	for _, n := range ns {
		fmt.Printf("%s %s: %s\n", n.Time().Format(time.Kitchen), n.ID(), n.Summary())
		for _, a := range n.Alerts {
			fmt.Printf("  %-8s %-12s %s\n", a.Severity, a.Type, a.Subject)
		}
	}
	// Output:
	// 2:00PM 3925cbc8b74c4ba6-d5eas61ntvk0: 3 alerts for fraud_detection_v2: 1 critical, 2 high
	//   critical drift        hour
	//   high     data_quality merchant_category
	//   high     drift        transaction_amount
	// 2:00PM 2d38afed6becde9e-d5eas61ntvk0: 1 alert for churn: 1 medium
	//   medium   drift        tenure
}
