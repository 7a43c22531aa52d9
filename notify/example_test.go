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

	at := time.Date(2024, 11, 5, 14, 3, 27, 0, time.UTC)
	for _, sev := range []alert.Severity{alert.Medium, alert.Critical} {
		fp := alert.Fingerprint("fraud_detection_v2", alert.KindDrift, "transaction_amount")
		a := alert.Alert{
			ID: alert.AlertID(fp, at), Fingerprint: fp, Time: at, Type: alert.KindDrift, Severity: sev,
			Model: "fraud_detection_v2", Subject: "transaction_amount", Source: "drift/ks",
			Summary: "transaction_amount drifted: KS statistic 0.45",
		}
		// The alert manager stores an alert, then enqueues it.
		if _, _, err := db.UpsertAlert(ctx, a); err != nil {
			panic(err)
		}
		if err := d.Enqueue(ctx, a); err != nil {
			panic(err)
		}
		at = at.Add(time.Minute)
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
	// {"id":"44a0039bd5991194-d5eavkpcqi2o","fingerprint":"44a0039bd5991194","time":"2024-11-05T14:04:27.000Z","type":"drift","severity":"critical","model":"fraud_detection_v2","subject":"transaction_amount","source":"drift/ks","summary":"transaction_amount drifted: KS statistic 0.45"}
}
