package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/warden-ml/warden/notify/webhook"
)

var benchBody = []byte(`{"id":"44a0039bd5991194-d5eavkpcqi2o","fingerprint":"44a0039bd5991194","time":"2024-11-05T14:04:27.000Z","type":"drift","severity":"critical","model":"fraud_detection_v2","subject":"transaction_amount","source":"drift/ks","summary":"transaction_amount drifted: KS statistic 0.45"}` + "\n")

func BenchmarkSign(b *testing.B) {
	secret := []byte("whsec_3b9f")
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		webhook.Sign(secret, 1730815407, benchBody)
	}
}

func BenchmarkVerify(b *testing.B) {
	sig := webhook.Sign([]byte("whsec_3b9f"), 1730815407, benchBody)
	body, now := string(benchBody), time.Unix(1730815407, 0)
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		if err := webhook.Verify("whsec_3b9f", "1730815407", body, sig, now, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSend posts to a local endpoint over a kept-alive connection.
func BenchmarkSend(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	s, err := webhook.New(webhook.Config{URL: srv.URL, Secret: []byte("k")}, webhook.WithTransport(srv.Client().Transport))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		if err := s.Send(context.Background(), benchBody); err != nil {
			b.Fatal(err)
		}
	}
}
