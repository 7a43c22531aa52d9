package notify

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/warden-ml/warden/alert"
)

// TimeLayout is how JSONLine writes times: RFC 3339 in UTC with exactly
// three fractional digits, so lines sort as text and every consumer sees
// one width.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// jsonNotification is the notification's JSON form. Its fields are the
// same whatever the receiver, so that scripts read a file receiver's lines
// and a webhook's bodies alike.
type jsonNotification struct {
	ID       string         `json:"id"`
	Model    string         `json:"model"`
	Time     string         `json:"time"`
	Severity alert.Severity `json:"severity"`
	Count    int            `json:"count"`
	Summary  string         `json:"summary"`
	Alerts   []jsonAlert    `json:"alerts"`
}

// jsonAlert is the alert's JSON form with the time as TimeLayout text. It
// lists the fields of alert.Alert in their order (a test keeps the two in
// step), because users script against it: it is byte for byte what a
// file receiver wrote for an alert before alerts were grouped.
type jsonAlert struct {
	ID          string         `json:"id"`
	Fingerprint string         `json:"fingerprint"`
	Time        string         `json:"time"`
	Type        alert.Kind     `json:"type"`
	Severity    alert.Severity `json:"severity"`
	Model       string         `json:"model"`
	Subject     string         `json:"subject"`
	Source      string         `json:"source"`
	Summary     string         `json:"summary"`
	Details     map[string]any `json:"details,omitempty"`
}

func toJSONAlert(a alert.Alert) jsonAlert {
	return jsonAlert{
		ID:          a.ID,
		Fingerprint: a.Fingerprint,
		Time:        a.Time.UTC().Format(TimeLayout),
		Type:        a.Type,
		Severity:    a.Severity,
		Model:       a.Model,
		Subject:     a.Subject,
		Source:      a.Source,
		Summary:     a.Summary,
		Details:     a.Details,
	}
}

// JSONLine formats n as one JSON object followed by "\n":
//
//	{"id": ID(), "model", "time": Time(), "severity": Severity(), "count":
//	 the number of alerts, "summary": Summary(), "alerts": [each alert's
//	 JSON form]}
//
// with the alerts in the notification order, times in TimeLayout
// (truncated to the millisecond), map keys sorted, and <, > and & left as
// they are since the lines go to log tools, not HTML. It is the default
// Formatter and the payload of every built-in receiver.
func JSONLine(n Notification) ([]byte, error) {
	n, err := n.normalized()
	if err != nil {
		return nil, fmt.Errorf("format notification as JSON: %w", err)
	}
	for _, a := range n.Alerts {
		if y := a.Time.UTC().Year(); y < 0 || y > 9999 {
			return nil, fmt.Errorf("format notification %s as JSON: alert %s: time %s is outside the years 0 to 9999", n.ID(), a.ID, a.Time.UTC())
		}
	}
	doc := jsonNotification{
		ID:       n.ID(),
		Model:    n.Model,
		Time:     n.Time().UTC().Format(TimeLayout),
		Severity: n.Severity(),
		Count:    len(n.Alerts),
		Summary:  n.Summary(),
		Alerts:   make([]jsonAlert, len(n.Alerts)),
	}
	for i, a := range n.Alerts {
		doc.Alerts[i] = toJSONAlert(a)
	}
	var buf bytes.Buffer
	if err := encode(&buf, doc); err != nil {
		// Name the alert whose details cannot be written.
		for _, a := range doc.Alerts {
			if err := encode(&bytes.Buffer{}, a); err != nil {
				return nil, fmt.Errorf("format notification %s as JSON: alert %s: %w", doc.ID, a.ID, err)
			}
		}
		return nil, fmt.Errorf("format notification %s as JSON: %w", doc.ID, err)
	}
	return buf.Bytes(), nil
}

func encode(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
