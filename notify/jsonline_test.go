package notify_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/notify"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixedAlert is the alert the golden files show: a drift alert as the
// alert manager makes it.
func fixedAlert() alert.Alert {
	at := time.Date(2024, 11, 5, 14, 3, 27, 123456789, time.FixedZone("CET", 3600))
	fp := alert.Fingerprint("fraud_detection_v2", alert.KindDrift, "transaction_amount")
	return alert.Alert{
		ID:          alert.AlertID(fp, at),
		Fingerprint: fp,
		Time:        at,
		Type:        alert.KindDrift,
		Severity:    alert.Critical,
		Model:       "fraud_detection_v2",
		Subject:     "transaction_amount",
		Source:      "drift/ks window 2024-11-05T13:00:00Z..2024-11-05T14:00:00Z",
		Summary:     "transaction_amount drifted: KS statistic 0.45 (p < 1e-16)",
		Details: map[string]any{
			"statistic": 0.45, "p_value": 3.2e-17, "reference_n": 10000, "current_n": 2500,
			"method": "ks", "quantiles": []float64{12.5, 48, 210.75},
		},
	}
}

func TestJSONLineGolden(t *testing.T) {
	tests := []struct {
		name  string
		alert func() alert.Alert
	}{
		{"drift", fixedAlert},
		{"no_details", func() alert.Alert {
			a := fixedAlert()
			a.Details = nil
			a.Severity = alert.Low
			return a
		}},
		{"escaping", func() alert.Alert {
			a := fixedAlert()
			a.Type = alert.KindPromptInjection
			a.Subject = "user <42> & co"
			a.Summary = "prompt says \"ignore previous instructions\"\nthen\t\u2028 \U0001F534 caf\u00e9"
			a.Details = map[string]any{"span": "</script>", "nested": map[string]any{"z": 1, "a": []any{true, nil}}}
			return a
		}},
		{"whole_millisecond", func() alert.Alert {
			a := fixedAlert()
			a.Time = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
			a.Details = nil
			return a
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := notify.JSONLine(tc.alert())
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "jsonline", tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("JSONLine:\n got %s\nwant %s", got, want)
			}
			if bytes.Count(got, []byte("\n")) != 1 || !bytes.HasSuffix(got, []byte("\n")) {
				t.Errorf("not one line: %q", got)
			}
		})
	}
}

// The line has the same keys, in the same order, as the alert's own JSON
// form, so a field added to alert.Alert cannot silently go missing here.
func TestJSONLineKeysMatchAlert(t *testing.T) {
	a := fixedAlert()
	own, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	line, err := notify.JSONLine(a)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keys(t, line), keys(t, own); !reflect.DeepEqual(got, want) {
		t.Errorf("JSONLine keys %v, alert keys %v", got, want)
	}
	var back alert.Alert
	if err := json.Unmarshal(line, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Time.Equal(a.Time.Truncate(time.Millisecond)) || back.ID != a.ID || back.Severity != a.Severity {
		t.Errorf("round trip gave %+v", back)
	}
}

func keys(t *testing.T, obj []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	var ks []string
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return ks
}

func TestJSONLineErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*alert.Alert)
		want string
	}{
		{"NaN detail", func(a *alert.Alert) { a.Details["statistic"] = math.NaN() }, "unsupported value: NaN"},
		{"infinite detail", func(a *alert.Alert) { a.Details["p_value"] = math.Inf(1) }, "unsupported value: +Inf"},
		{"channel detail", func(a *alert.Alert) { a.Details["c"] = make(chan int) }, "unsupported type"},
		{"year 10000", func(a *alert.Alert) { a.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "outside the years 0 to 9999"},
		{"year -1", func(a *alert.Alert) { a.Time = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC) }, "outside the years 0 to 9999"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := fixedAlert()
			tc.edit(&a)
			_, err := notify.JSONLine(a)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), a.ID) {
				t.Errorf("error %v, want one naming alert %s and containing %q", err, a.ID, tc.want)
			}
		})
	}
}
