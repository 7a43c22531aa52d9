package notify

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/warden-ml/warden/alert"
)

// TimeLayout is how JSONLine writes the alert time: RFC 3339 in UTC with
// exactly three fractional digits, so lines sort as text and every
// consumer sees one width.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// jsonAlert is the alert's JSON form with the time as TimeLayout text. It
// lists the fields of alert.Alert in their order (a test keeps the two in
// step), because users script against these lines.
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

// JSONLine formats a as one JSON object followed by "\n": the fields of
// the alert's JSON form, the time in TimeLayout (truncated to the
// millisecond), map keys sorted, and <, > and & left as they are since
// the lines go to log tools, not HTML.
func JSONLine(a alert.Alert) ([]byte, error) {
	t := a.Time.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("format alert %s as JSON: time %s is outside the years 0 to 9999", a.ID, t)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(jsonAlert{
		ID:          a.ID,
		Fingerprint: a.Fingerprint,
		Time:        t.Format(TimeLayout),
		Type:        a.Type,
		Severity:    a.Severity,
		Model:       a.Model,
		Subject:     a.Subject,
		Source:      a.Source,
		Summary:     a.Summary,
		Details:     a.Details,
	})
	if err != nil {
		return nil, fmt.Errorf("format alert %s as JSON: %w", a.ID, err)
	}
	return buf.Bytes(), nil
}
