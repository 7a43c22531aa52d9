package notify_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/notify"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/jsonline")

// fixedAlert is a drift alert as the alert manager makes it.
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

// fixedWindow is what one window evaluation raises: fixedAlert, two more
// drifted columns and a data-quality problem, in the order the detector
// found them.
func fixedWindow() []alert.Alert {
	out := []alert.Alert{fixedAlert()}
	for _, c := range []struct {
		kind    alert.Kind
		subject string
		sev     alert.Severity
		summary string
	}{
		{alert.KindDrift, "merchant_category", alert.High, "merchant_category drifted: chi-squared statistic 0.21"},
		{alert.KindDataQuality, "card_present", alert.Medium, "Data quality of 'card_present': 31% missing"},
		{alert.KindDrift, "hour_of_day", alert.High, "hour_of_day drifted: KS statistic 0.18"},
	} {
		a := fixedAlert()
		a.Type, a.Subject, a.Severity, a.Summary, a.Details = c.kind, c.subject, c.sev, c.summary, nil
		a.Fingerprint = alert.Fingerprint(a.Model, a.Type, a.Subject)
		a.ID = alert.AlertID(a.Fingerprint, a.Time)
		out = append(out, a)
	}
	return out
}

func TestJSONLineGolden(t *testing.T) {
	tests := []struct {
		name string
		n    func() notify.Notification
	}{
		{"window", func() notify.Notification { return notify.Group(fixedWindow())[0] }},
		{"single", func() notify.Notification { return one(fixedAlert()) }},
		// A receiver with MinSeverity high gets this share of the window.
		{"high_share", func() notify.Notification {
			n := notify.Group(fixedWindow())[0]
			n.Alerts = n.Alerts[:3]
			return n
		}},
		// An outlier pane's alerts: each user's at the time of their worst
		// input; the notification has the latest.
		{"adversarial", func() notify.Notification {
			var alerts []alert.Alert
			for i, user := range []string{"user_00042", "user_00007"} {
				a := fixedAlert()
				a.Type, a.Subject, a.Severity = alert.KindAdversarial, user, alert.High
				a.Time = a.Time.Add(time.Duration(i*17) * time.Second)
				a.Source, a.Summary = "adversarial", "4 of 9 inputs from "+user+" in the hour flagged as anomalous; isolation score 0.71"
				a.Details = map[string]any{"user": user, "flagged_in_hour": 4, "inputs_in_hour": 9}
				a.Fingerprint = alert.Fingerprint(a.Model, a.Type, a.Subject)
				a.ID = alert.AlertID(a.Fingerprint, a.Time)
				alerts = append(alerts, a)
			}
			return notify.Group(alerts)[0]
		}},
		{"escaping", func() notify.Notification {
			a := fixedAlert()
			a.Type = alert.KindPromptInjection
			a.Subject = "user <42> & co"
			a.Summary = "prompt says \"ignore previous instructions\"\nthen\t\u2028 \U0001F534 caf\u00e9"
			a.Details = map[string]any{"span": "</script>", "nested": map[string]any{"z": 1, "a": []any{true, nil}}}
			return one(a)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := notify.JSONLine(tc.n())
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

// Each alert in a notification is written exactly as a receiver wrote an
// alert on its own before alerts were grouped, since users script
// against that form. testdata/alert holds those lines; -update leaves
// them alone.
func TestJSONLineKeepsTheAlertForm(t *testing.T) {
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
			want, err := os.ReadFile(filepath.Join("testdata", "alert", tc.name+".golden"))
			if err != nil {
				t.Fatal(err)
			}
			got := rawAlerts(t, []byte(line(t, one(tc.alert()))))
			if len(got) != 1 || string(got[0])+"\n" != string(want) {
				t.Errorf("alert in the notification:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// rawAlerts returns the bytes of each element of a payload's "alerts".
func rawAlerts(t testing.TB, payload []byte) []json.RawMessage {
	t.Helper()
	var doc struct{ Alerts []json.RawMessage }
	if err := json.Unmarshal(payload, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Alerts
}

// The payload's keys are the documented ones, and each alert has the
// keys of the alert's own JSON form in the same order, so a field added to
// alert.Alert cannot silently go missing here.
func TestJSONLineKeys(t *testing.T) {
	a := fixedAlert()
	own, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte(line(t, one(a)))
	if got, want := keys(t, payload), []string{"id", "model", "time", "severity", "count", "summary", "alerts"}; !slices.Equal(got, want) {
		t.Errorf("notification keys %v, want %v", got, want)
	}
	raw := rawAlerts(t, payload)
	if got, want := keys(t, raw[0]), keys(t, own); !reflect.DeepEqual(got, want) {
		t.Errorf("alert keys %v, alert.Alert's keys %v", got, want)
	}
	var back alert.Alert
	if err := json.Unmarshal(raw[0], &back); err != nil {
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
		{"NaN detail", func(a *alert.Alert) { a.Details = map[string]any{"statistic": math.NaN()} }, "unsupported value: NaN"},
		{"infinite detail", func(a *alert.Alert) { a.Details = map[string]any{"p_value": math.Inf(1)} }, "unsupported value: +Inf"},
		{"channel detail", func(a *alert.Alert) { a.Details = map[string]any{"c": make(chan int)} }, "unsupported type"},
		{"year 10000", func(a *alert.Alert) { a.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "outside the years 0 to 9999"},
		{"year -1", func(a *alert.Alert) { a.Time = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC) }, "outside the years 0 to 9999"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			window := fixedWindow()
			tc.edit(&window[2]) // not the notification's first alert
			_, err := notify.JSONLine(notify.Group(window)[0])
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "alert "+window[2].ID) {
				t.Errorf("error %v does not name alert %s", err, window[2].ID)
			}
		})
	}
	if _, err := notify.JSONLine(notify.Notification{Model: "m"}); err == nil || !strings.Contains(err.Error(), "no alerts") {
		t.Errorf("empty notification: %v", err)
	}
}

// FuzzJSONLine: whatever the text in the alerts, the payload is one line
// of JSON that gives back the notification, with <, > and & as they are.
func FuzzJSONLine(f *testing.F) {
	f.Add("fraud_detection_v2", "transaction_amount", "drifted", "ks", uint8(4), uint8(3), int64(1730815407123))
	f.Add("m", "user <42> & co", "says \"hi\"\n\u2028", "</script>", uint8(0), uint8(1), int64(0))
	f.Add("", "", "", "", uint8(2), uint8(9), int64(-62135596800000))
	f.Add("m\xff", "caf\xc3", "\x00\x1f", "\\u003c", uint8(3), uint8(255), int64(253402300799999))
	f.Fuzz(func(t *testing.T, model, subject, summary, detail string, sev, count uint8, ms int64) {
		at := time.UnixMilli(ms).UTC()
		var alerts []alert.Alert
		for i := range int(count%5) + 1 {
			s := subject + strings.Repeat("'", i) // distinct subjects, distinct IDs
			fp := alert.Fingerprint(model, alert.KindDrift, s)
			alerts = append(alerts, alert.Alert{
				ID: alert.AlertID(fp, at), Fingerprint: fp, Time: at, Type: alert.KindDrift,
				Severity: alert.Severity((int(sev) + i) % 5), Model: model, Subject: s, Source: detail,
				Summary: summary, Details: map[string]any{"detail": detail},
			})
		}
		n := notify.Group(alerts)[0]
		got, err := notify.JSONLine(n)
		if y := at.Year(); y < 0 || y > 9999 {
			if err == nil {
				t.Fatalf("year %d accepted", y)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.IndexByte(got, '\n') != len(got)-1 {
			t.Fatalf("not one line: %q", got)
		}
		var doc struct {
			ID       string
			Model    string
			Time     time.Time
			Severity alert.Severity
			Count    int
			Summary  string
			Alerts   []alert.Alert
		}
		if err := json.Unmarshal(got, &doc); err != nil {
			t.Fatalf("%v: %s", err, got)
		}
		// encoding/json writes each invalid byte as U+FFFD, as ranging
		// over a string reads it.
		valid := func(s string) string {
			var b strings.Builder
			for _, r := range s {
				b.WriteRune(r)
			}
			return b.String()
		}
		if doc.ID != n.ID() || doc.Model != valid(model) || !doc.Time.Equal(at) || !n.Time().Equal(at) || doc.Severity != n.Severity() ||
			doc.Count != len(alerts) || len(doc.Alerts) != len(alerts) || doc.Summary != valid(n.Summary()) {
			t.Fatalf("payload %s does not give back the notification", got)
		}
		for i, a := range doc.Alerts {
			want := n.Alerts[i]
			if a.ID != want.ID || a.Subject != valid(want.Subject) || a.Summary != valid(summary) ||
				a.Severity != want.Severity || a.Details["detail"] != valid(detail) {
				t.Fatalf("alert %d: %+v, want %+v", i, a, want)
			}
			if i > 0 && a.Severity > doc.Alerts[i-1].Severity {
				t.Fatalf("alerts not most severe first: %s", got)
			}
		}
		for _, c := range []string{"<", ">", "&"} {
			if strings.Contains(summary, c) && utf8.ValidString(summary) && !bytes.Contains(got, []byte(c)) {
				t.Fatalf("%q escaped in %s", c, got)
			}
		}
	})
}
