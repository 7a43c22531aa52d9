package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/store"
	"github.com/warden-ml/warden/store/sqlite"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "warden-store-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sqlite.Open(filepath.Join(dir, "warden.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()

	fp := alert.Fingerprint("fraud", alert.KindDrift, "amount")
	for _, at := range []time.Time{
		time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
		time.Date(2024, 5, 1, 13, 0, 0, 0, time.UTC),
		time.Date(2024, 5, 1, 13, 0, 0, 0, time.UTC), // replayed after a crash
	} {
		a := alert.Alert{ID: alert.AlertID(fp, at), Fingerprint: fp, Time: at, Type: alert.KindDrift,
			Severity: alert.Critical, Model: "fraud", Subject: "amount", Summary: "KS statistic 0.45"}
		rec, created, err := db.UpsertAlert(ctx, a)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s created=%v count=%d first seen %s\n", rec.Time.Format(time.Kitchen), created, rec.Count, rec.FirstSeen.Format(time.Kitchen))
	}
	firing, err := db.Alerts(ctx, store.AlertFilter{Model: "fraud", State: store.StateFiring})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(firing), "firing")
	// Output:
	// 12:00PM created=true count=1 first seen 12:00PM
	// 1:00PM created=true count=2 first seen 12:00PM
	// 1:00PM created=false count=2 first seen 12:00PM
	// 2 firing
}
