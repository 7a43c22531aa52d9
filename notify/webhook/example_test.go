package webhook_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/warden-ml/warden/notify"
	"github.com/warden-ml/warden/notify/webhook"
)

// An endpoint written in Go checks each request with Verify before it
// trusts the body.
func ExampleVerify() {
	const secret = "whsec_3b9f"
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		err = webhook.Verify(secret, r.Header.Get(webhook.TimestampHeader), string(body),
			r.Header.Get(webhook.SignatureHeader), time.Now(), 5*time.Minute)
		if err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		fmt.Printf("verified %s", body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer endpoint.Close()

	s, err := webhook.New(webhook.Config{URL: endpoint.URL + "/warden", Secret: []byte(secret), Timeout: 2 * time.Second})
	if err != nil {
		panic(err)
	}
	if err := s.Send(context.Background(), []byte(`{"id":"a1","severity":"high"}`+"\n")); err != nil {
		panic(err)
	}

	forger, err := webhook.New(webhook.Config{URL: endpoint.URL + "/warden", Secret: []byte("guessed")})
	if err != nil {
		panic(err)
	}
	err = forger.Send(context.Background(), []byte(`{"id":"fake"}`))
	fmt.Println("forgery refused:", strings.Contains(err.Error(), "401 Unauthorized"), "permanent:", notify.IsPermanent(err))
	// Output:
	// verified {"id":"a1","severity":"high"}
	// forgery refused: true permanent: true
}
