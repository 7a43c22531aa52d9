package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/store"
)

func benchAlert(i int) alert.Alert {
	fp := alert.Fingerprint("fraud", alert.KindDrift, fmt.Sprint(i%50))
	t := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
	return alert.Alert{
		ID: alert.AlertID(fp, t), Fingerprint: fp, Time: t, Type: alert.KindDrift, Severity: alert.High,
		Model: "fraud", Subject: fmt.Sprint(i % 50), Source: "drift/tumbling", Summary: "HIGH drift on amount",
		Details: map[string]any{"statistic": 0.21, "p_value": 1e-9, "test": "ks"},
	}
}

// BenchmarkUpsertAlert stores new alerts (each a durable commit), then
// replays the same ones (idempotent reads inside the write transaction).
func BenchmarkUpsertAlert(b *testing.B) {
	ctx := context.Background()
	for _, replay := range []bool{false, true} {
		b.Run(fmt.Sprintf("replay=%v", replay), func(b *testing.B) {
			db := openTemp(b)
			defer db.Close()
			const stored = 1000
			if replay {
				for i := range stored {
					if _, _, err := db.UpsertAlert(ctx, benchAlert(i)); err != nil {
						b.Fatal(err)
					}
				}
				b.ResetTimer()
			}
			for i := range b.N {
				a := benchAlert(i)
				if replay {
					a = benchAlert(i % stored)
				}
				if _, _, err := db.UpsertAlert(ctx, a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAddWindow adds windows at synchronous=NORMAL, the level windows
// are written at, and for comparison at FULL.
func BenchmarkAddWindow(b *testing.B) {
	ctx := context.Background()
	report := []byte(`{"columns":{"amount":{"test":"ks","statistic":0.21,"p_value":1e-9},"country":{"test":"chi2","statistic":3.2,"p_value":0.36}}}`)
	for _, level := range []durability{replayable, durable} {
		b.Run("synchronous="+string(level), func(b *testing.B) {
			db := openTemp(b)
			defer db.Close()
			base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
			b.ResetTimer()
			for i := range b.N {
				w := store.Window{Model: "fraud", Kind: store.WindowTumbling, Start: base.Add(time.Duration(i) * time.Minute),
					End: base.Add(time.Duration(i+1) * time.Minute), FirstSeq: int64(i) * 1000, LastSeq: int64(i)*1000 + 999,
					Events: 1000, Drift: i%10 == 0, Report: report}
				err := db.inTx(ctx, level, func(tx *sql.Tx) error { return addWindow(ctx, tx, w) })
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAlerts lists the newest page of one model's alerts.
func BenchmarkAlerts(b *testing.B) {
	ctx := context.Background()
	db := openTemp(b)
	defer db.Close()
	for i := range 5000 {
		if _, _, err := db.UpsertAlert(ctx, benchAlert(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		rs, err := db.Alerts(ctx, store.AlertFilter{Model: "fraud", MinSeverity: alert.Medium})
		if err != nil || len(rs) != store.DefaultLimit {
			b.Fatal(len(rs), err)
		}
	}
}
