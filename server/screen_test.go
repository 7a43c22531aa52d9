package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/simulate"
)

// screenInput is a screen request for one transaction at minute m of the
// day.
func screenInput(user string, m int, features string) []byte {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(m) * time.Minute)
	return []byte(fmt.Sprintf(`{"model":%q,"user":%q,"time":%q,"features":{%s}}`, model, user, at.Format(time.RFC3339), features))
}

const extremeFeatures = `"transaction_amount":250000,"merchant_category":"electronics","hour":3,"distance_from_home_km":19000,` +
	`"card_present":false,"account_age_days":0,"num_tx_last_24h":80`

func TestScreen(t *testing.T) {
	dir := t.TempDir()
	_, hs := newServer(t, dir, nil)
	register(t, hs.URL, 5000)

	// Ordinary traffic: graded low but for about the false-positive rate.
	gen, err := simulate.NewGenerator(simulate.Options{Seed: 21, Rate: 400.0 / 86400})
	if err != nil {
		t.Fatal(err)
	}
	flagged := 0
	for i, tx := range gen.Take(400) {
		f := fmt.Sprintf(`"transaction_amount":%g,"merchant_category":%q,"hour":%d,"distance_from_home_km":%g,"card_present":%t,"account_age_days":%d,"num_tx_last_24h":%d`,
			tx.TransactionAmount, tx.MerchantCategory, tx.Hour, tx.DistanceFromHomeKm, tx.CardPresent, tx.AccountAgeDays, tx.NumTxLast24h)
		code, doc, raw := call(t, "POST", hs.URL+"/v1/screen", "application/json", screenInput(tx.User, i*3, f))
		if code != http.StatusOK {
			t.Fatalf("screen %d: %d %s", i, code, raw)
		}
		if o, _ := doc["outlier"].(map[string]any); o == nil {
			t.Fatalf("screen %d: no outlier verdict: %s", i, raw)
		} else if o["anomaly"] == true {
			flagged++
		}
		if doc["risk"] == "low" && doc["outlier"].(map[string]any)["anomaly"] == true {
			t.Errorf("screen %d: flagged input graded low: %s", i, raw)
		}
	}
	if flagged > 8 {
		t.Errorf("%d of 400 ordinary transactions flagged at a 0.5%% false-positive rate", flagged)
	}

	// An attacker's burst of extreme inputs: high risk on each, an
	// adversarial alert about the user.
	var first map[string]any
	for i := range 12 {
		code, doc, raw := call(t, "POST", hs.URL+"/v1/screen", "application/json", screenInput("attacker", 1200+i, extremeFeatures))
		if code != http.StatusOK {
			t.Fatalf("extreme input: %d %s", code, raw)
		}
		if i == 0 {
			first = doc
		}
		if r := doc["risk"]; r != "high" && r != "critical" {
			t.Errorf("extreme input graded %v: %s", r, raw)
		}
	}
	// The rest of the traffic moves the clock past the attacker's minutes:
	// no one user can.
	passersBy := func(m int) {
		for i := range 3 {
			in := screenInput(fmt.Sprintf("passer_%d_%d", m, i), m+i, `"transaction_amount":80,"merchant_category":"grocery"`)
			if code, _, raw := call(t, "POST", hs.URL+"/v1/screen", "application/json", in); code != http.StatusOK {
				t.Fatalf("ordinary input: %d %s", code, raw)
			}
		}
	}
	passersBy(1215)
	o := first["outlier"].(map[string]any)
	reasons, _ := json.Marshal(o["reasons"])
	if o["anomaly"] != true || !strings.Contains(string(reasons), `"feature":"transaction_amount","kind":"above_range"`) {
		t.Errorf("extreme input verdict: %v, reasons %s", o, reasons)
	}
	var alerts []map[string]any
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		req, _ := http.NewRequest("GET", hs.URL+"/v1/alerts?type=adversarial", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&alerts)
		resp.Body.Close()
		if len(alerts) > 0 {
			break
		}
	}
	if len(alerts) != 1 || alerts[0]["subject"] != "attacker" {
		t.Fatalf("adversarial alerts: %v", alerts)
	}

	// Bad input: a wrong type is refused with its name; a missing feature
	// is imputed and reported; an unknown one is listed and ignored.
	code, _, raw := call(t, "POST", hs.URL+"/v1/screen", "application/json", screenInput("u", 1300, `"transaction_amount":"lots"`))
	if code != http.StatusBadRequest || !strings.Contains(raw, "transaction_amount") {
		t.Errorf("wrong type: %d %s", code, raw)
	}
	code, _, raw = call(t, "POST", hs.URL+"/v1/screen", "application/json", screenInput("u", 1301, `"transaction_amount":80,"colour":"red"`))
	if code != http.StatusOK || !strings.Contains(raw, `"missing_feature"`) || !strings.Contains(raw, `"colour"`) {
		t.Errorf("missing and unknown features: %d %s", code, raw)
	}

	// The screened inputs were recorded and summarised: later traffic
	// closes the panes.
	passersBy(1400)
	var sums struct {
		Summaries []struct {
			Inputs  int `json:"inputs"`
			Summary struct {
				Anomalies int `json:"anomalies"`
			} `json:"summary"`
		} `json:"summaries"`
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(hs.URL + "/v1/models/" + model + "/outliers?limit=10000")
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&sums)
		resp.Body.Close()
		inputs := 0
		for _, s := range sums.Summaries {
			inputs += s.Inputs
		}
		if inputs >= 416 {
			break
		}
	}
	inputs, anomalies := 0, 0
	for _, s := range sums.Summaries {
		inputs += s.Inputs
		anomalies += s.Summary.Anomalies
	}
	if inputs != 416 || anomalies < 12 {
		t.Errorf("summaries count %d inputs (want 416: 400 + 12 + 3 + 1; the refused one is not recorded, the last panes are open) and %d anomalies", inputs, anomalies)
	}

	// After a restart the detector comes back from the store and grades the
	// same input the same way.
	_, hs2 := newServer(t, dir, nil)
	code, again, raw := call(t, "POST", hs2.URL+"/v1/screen", "application/json", screenInput("attacker", 1200, extremeFeatures))
	if code != http.StatusOK {
		t.Fatalf("after restart: %d %s", code, raw)
	}
	if a, b := again["outlier"].(map[string]any)["score"], first["outlier"].(map[string]any)["score"]; a != b {
		t.Errorf("score after restart %v, before %v", a, b)
	}
}
