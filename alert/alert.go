package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Alert is a finding that crossed a threshold and is to be told to people
// and systems.
type Alert struct {
	ID          string         `json:"id"`          // derived from Fingerprint and Time: identical input, identical IDs
	Fingerprint string         `json:"fingerprint"` // what makes two alerts "the same problem"
	Time        time.Time      `json:"time"`        // event time of the last evidence
	Type        Kind           `json:"type"`
	Severity    Severity       `json:"severity"`
	Model       string         `json:"model"`
	Subject     string         `json:"subject"`
	Source      string         `json:"source"` // the detector and window that raised it
	Summary     string         `json:"summary"`
	Details     map[string]any `json:"details,omitempty"`
}

// Fingerprint identifies the problem a finding is about, independent of when
// it was seen and how bad it was: model, kind and subject.
func Fingerprint(model string, kind Kind, subject string) string {
	h := sha256.New()
	for _, part := range []string{model, string(kind), subject} {
		h.Write([]byte(strconv.Itoa(len(part))))
		h.Write([]byte{':'})
		h.Write([]byte(part))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// AlertID derives an alert's ID from its fingerprint and event time, so that
// replaying the same events gives the same IDs and re-processing after a
// crash does not duplicate alerts.
func AlertID(fingerprint string, t time.Time) string {
	var b strings.Builder
	b.WriteString(fingerprint)
	b.WriteByte('-')
	b.WriteString(strconv.FormatInt(t.UnixNano(), 36))
	return b.String()
}
