package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/auth"
	"github.com/warden-ml/warden/config"
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
	srv, hs := newServer(t, dir, nil)
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
	hs.Close()
	srv.Close()
	_, hs2 := newServer(t, dir, nil)
	code, again, raw := call(t, "POST", hs2.URL+"/v1/screen", "application/json", screenInput("attacker", 1200, extremeFeatures))
	if code != http.StatusOK {
		t.Fatalf("after restart: %d %s", code, raw)
	}
	if a, b := again["outlier"], first["outlier"]; !reflect.DeepEqual(a, b) {
		t.Errorf("verdict after restart %v, before %v", a, b)
	}
}

// By default a screen answer grades the risk and says why in words, with
// no number a prober could climb against; server.screen_detail: full gives
// every caller the detector's whole verdict. Both shapes are the documented
// ones.
func TestScreenDetail(t *testing.T) {
	const ordinary = `"transaction_amount":80.5,"merchant_category":"grocery","hour":13,"distance_from_home_km":3.2,` +
		`"card_present":true,"account_age_days":900,"num_tx_last_24h":2`
	inputs := []struct {
		name, features string
		risk           []string
	}{
		{"ordinary", ordinary, []string{"low"}},
		{"extreme", extremeFeatures, []string{"high", "critical"}},
		{"unseen category", strings.Replace(ordinary, "grocery", "space_travel", 1), nil},
		{"missing and unknown features", `"transaction_amount":80.5,"colour":"red"`, nil},
	}
	tests := []struct {
		name   string
		detail string // server.screen_detail; "" leaves the default
		full   bool
	}{
		{"default", "", false},
		{"reasons", config.ScreenDetailReasons, false},
		{"full", config.ScreenDetailFull, true},
	}
	doc := loadOpenAPI(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, hs := newServer(t, t.TempDir(), func(c *config.Config) {
				if tc.detail != "" {
					c.Server.ScreenDetail = tc.detail
				}
			})
			register(t, hs.URL, 5000)
			api := newAPIClient(t, doc, hs.URL)
			for i, in := range inputs {
				code, v := api.do(apiRequest{Method: "POST", Path: "/v1/screen", ContentType: "application/json",
					Body: screenInput("u"+strconv.Itoa(i), 600+i, in.features)})
				if code != http.StatusOK {
					t.Fatalf("%s: %d %s", in.name, code, abbrev(v))
				}
				if risk, _ := jsonField(v, "risk").(string); in.risk != nil && !slices.Contains(in.risk, risk) {
					t.Errorf("%s: risk %s, want one of %v", in.name, risk, in.risk)
				}
				o, _ := jsonField(v, "outlier").(map[string]any)
				if o == nil {
					t.Fatalf("%s: no outlier verdict: %s", in.name, abbrev(v))
				}
				reasons, _ := o["reasons"].([]any)
				if in.name != "ordinary" && len(reasons) == 0 {
					t.Errorf("%s: no reasons: %s", in.name, abbrev(o))
				}
				if tc.full {
					for _, k := range []string{"score", "isolation", "scores"} {
						if _, ok := o[k]; !ok {
							t.Errorf("%s: full detail without %q: %s", in.name, k, abbrev(o))
						}
					}
					if in.name == "extreme" {
						msg, _ := reasons[0].(map[string]any)["message"].(string)
						if !strings.Contains(msg, "(limit ") {
							t.Errorf("%s: full detail without the limit: %q", in.name, msg)
						}
					}
					continue
				}
				for k := range o {
					if !slices.Contains([]string{"anomaly", "severity", "reasons", "unknown"}, k) {
						t.Errorf("%s: %q in the default answer: %s", in.name, k, abbrev(o))
					}
				}
				if n := numbers(o); len(n) > 0 {
					t.Errorf("%s: numbers %v in the default answer: %s", in.name, n, abbrev(o))
				}
				for _, r := range reasons {
					r := r.(map[string]any)
					msg, _ := r["message"].(string)
					feature, _ := r["feature"].(string)
					category, _ := r["category"].(string)
					if rest := strings.NewReplacer(feature, "", category, "").Replace(msg); strings.ContainsAny(rest, "0123456789") {
						t.Errorf("%s: a number in the reason %q", in.name, msg)
					}
				}
			}
		})
	}
}

// numbers lists the numbers anywhere in a decoded JSON value.
func numbers(v any) []json.Number {
	switch v := v.(type) {
	case json.Number:
		return []json.Number{v}
	case map[string]any:
		var out []json.Number
		for _, x := range v {
			out = append(out, numbers(x)...)
		}
		return out
	case []any:
		var out []json.Number
		for _, x := range v {
			out = append(out, numbers(x)...)
		}
		return out
	}
	return nil
}

// With tokens, a caller with the admin role gets the full verdict from
// POST /v1/screen; a gateway's ingest token gets the level and reasons.
func TestScreenDetailByRole(t *testing.T) {
	gateway, ops := "wdn_gateway-secret-0123456", "wdn_ops-secret-0123456789"
	_, hs := newServer(t, t.TempDir(), func(c *config.Config) {
		c.Auth.Tokens = []config.Token{
			{Name: "gateway", SHA256: auth.HashHex(gateway), Roles: []string{"ingest"}},
			{Name: "ops", SHA256: auth.HashHex(ops), Roles: []string{"ingest", "admin", "read"}},
		}
	})
	screen := func(token string) map[string]any {
		req, _ := http.NewRequest("POST", hs.URL+"/v1/screen", bytes.NewReader(screenInput("u1", 601, extremeFeatures)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v struct{ Outlier map[string]any }
		json.NewDecoder(resp.Body).Decode(&v)
		if resp.StatusCode != 200 || v.Outlier == nil {
			t.Fatalf("screen: %d %v", resp.StatusCode, v)
		}
		return v.Outlier
	}
	var ref bytes.Buffer
	if err := simulate.WriteCSV(&ref, simulate.Reference(1, 5000)); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct{ method, path, ct, body string }{
		{"POST", "/v1/models", "application/json", `{"name":"` + model + `"}`},
		{"PUT", "/v1/models/" + model + "/reference", "text/csv", ref.String()},
	} {
		req, _ := http.NewRequest(step.method, hs.URL+step.path, strings.NewReader(step.body))
		req.Header.Set("Content-Type", step.ct)
		req.Header.Set("Authorization", "Bearer "+ops)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %s", step.method, step.path, resp.Status)
		}
	}
	if o := screen(gateway); o["scores"] != nil || o["isolation"] != nil {
		t.Errorf("the ingest token saw the detector's numbers: %v", o)
	}
	if o := screen(ops); o["scores"] == nil || o["isolation"] == nil {
		t.Errorf("the admin token did not get the full verdict: %v", o)
	}
}
