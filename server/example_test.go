package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/server"
	"github.com/warden-ml/warden/simulate"
)

// A model gateway screens each input before answering it.
func Example_screen() {
	dir, err := os.MkdirTemp("", "warden-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.Storage.Dir = dir
	s, err := server.New(cfg, server.Options{})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()

	post := func(method, path, contentType string, body []byte) *http.Response {
		req, _ := http.NewRequest(method, hs.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		return resp
	}
	post("POST", "/v1/models", "application/json", []byte(`{"name":"fraud_detection_v2"}`)).Body.Close()
	var ref bytes.Buffer
	simulate.WriteCSV(&ref, simulate.Reference(1, 5000))
	post("PUT", "/v1/models/fraud_detection_v2/reference", "text/csv", ref.Bytes()).Body.Close()

	for _, input := range []string{
		`{"transaction_amount":82.5,"merchant_category":"grocery","hour":18,"distance_from_home_km":3.1,"card_present":true,"account_age_days":1200,"num_tx_last_24h":2}`,
		`{"transaction_amount":48000,"merchant_category":"electronics","hour":3,"distance_from_home_km":3100,"card_present":false,"account_age_days":1,"num_tx_last_24h":35}`,
	} {
		resp := post("POST", "/v1/screen", "application/json", []byte(`{"model":"fraud_detection_v2","user":"u1","features":`+input+`}`))
		var answer struct {
			Risk    string `json:"risk"`
			Outlier struct {
				Anomaly bool `json:"anomaly"`
				Reasons []struct {
					Message string `json:"message"`
				} `json:"reasons"`
			} `json:"outlier"`
		}
		json.NewDecoder(resp.Body).Decode(&answer)
		resp.Body.Close()
		// The reasons say why, not by how much: no score or limit for a
		// prober to climb against.
		fmt.Println(answer.Risk, answer.Outlier.Anomaly)
		for _, r := range answer.Outlier.Reasons {
			fmt.Println("  " + r.Message)
		}
	}
	// Output:
	// low false
	// high true
	//   transaction_amount is above the reference range
	//   distance_from_home_km is above the reference range
	//   num_tx_last_24h is above the reference range
	//   the isolation forest separates the input from the reference more easily than usual
	//   the input lies far from the reference as a whole (robust Mahalanobis distance)
	//   the input lies far from its nearest reference rows
}
