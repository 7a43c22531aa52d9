package webhook_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/notify/webhook"
)

func TestVerify(t *testing.T) {
	const (
		secret = "whsec_3b9f"
		ts     = "1730815407"
		body   = `{"id":"a1","severity":"high"}` + "\n"
		// From Python's hmac module (see TestRequestIsSignedAndVerifiable).
		sig = "sha256=40002f84f75b815464c9a633d94062d1cd80b0c78692e6099da77f60e32a09c1"
	)
	at := time.Unix(1730815407, 0)
	tests := []struct {
		name                        string
		secret, ts, body, signature string
		now                         time.Time
		tolerance                   time.Duration
		want                        string
	}{
		{"valid", secret, ts, body, sig, at, 5 * time.Minute, ""},
		{"upper-case hex", secret, ts, body, "sha256=" + strings.ToUpper(sig[7:]), at, 5 * time.Minute, ""},
		{"at the edge of the past", secret, ts, body, sig, at.Add(5 * time.Minute), 5 * time.Minute, ""},
		{"at the edge of the future", secret, ts, body, sig, at.Add(-5 * time.Minute), 5 * time.Minute, ""},
		{"too old", secret, ts, body, sig, at.Add(5*time.Minute + time.Second), 5 * time.Minute, "more than 5m0s away from now"},
		{"from the future", secret, ts, body, sig, at.Add(-6 * time.Minute), 5 * time.Minute, "more than 5m0s away"},
		{"other secret", "whsec_3b9g", ts, body, sig, at, 5 * time.Minute, "does not match"},
		{"body changed", secret, ts, body[:len(body)-1], sig, at, 5 * time.Minute, "does not match"},
		{"timestamp changed", secret, "1730815408", body, sig, at, 5 * time.Minute, "does not match"},
		{"timestamp with a plus", secret, "+1730815407", body, sig, at, 5 * time.Minute, "does not match"},
		{"timestamp not a number", secret, "yesterday", body, sig, at, 5 * time.Minute, `X-Warden-Timestamp "yesterday" is not a Unix time`},
		{"timestamp huge", secret, "99999999999999999999", body, sig, at, 5 * time.Minute, "is not a Unix time"},
		{"timestamp far past", secret, "-9223372036854775808", body, sig, at, 5 * time.Minute, "away from now"},
		{"no prefix", secret, ts, body, sig[7:], at, 5 * time.Minute, `does not start with "sha256="`},
		{"other algorithm", secret, ts, body, "sha1=" + sig[7:], at, 5 * time.Minute, `does not start with "sha256="`},
		{"not hex", secret, ts, body, "sha256=" + strings.Repeat("zz", 32), at, 5 * time.Minute, "not 32 hex-encoded bytes"},
		{"short", secret, ts, body, sig[:len(sig)-2], at, 5 * time.Minute, "not 32 hex-encoded bytes"},
		{"empty signature", secret, ts, body, "", at, 5 * time.Minute, "does not start"},
		{"empty secret", "", ts, body, sig, at, 5 * time.Minute, "secret is empty"},
		{"zero tolerance", secret, ts, body, sig, at, 0, "tolerance 0s is not positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := webhook.Verify(tc.secret, tc.ts, tc.body, tc.signature, tc.now, tc.tolerance)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Verify: %v, want %q", err, tc.want)
			}
		})
	}
	if got := webhook.Sign([]byte(secret), 1730815407, []byte(body)); got != sig {
		t.Errorf("Sign = %s, want %s", got, sig)
	}
}

// FuzzVerify: Verify accepts what Sign produced, for a fresh timestamp and
// a non-empty secret, and nothing else.
func FuzzVerify(f *testing.F) {
	f.Add("k", int64(1730815407), "{}", "")
	f.Add("whsec", int64(-1), "", "sha256=00")
	f.Add("k", int64(1730815000), "x", "sha256="+strings.Repeat("0", 64))
	f.Fuzz(func(t *testing.T, secret string, ts int64, body, forged string) {
		now := time.Unix(1730815407, 0)
		const tolerance = 10 * time.Minute
		sig := webhook.Sign([]byte(secret), ts, []byte(body))
		tsText := strconv.FormatInt(ts, 10)
		err := webhook.Verify(secret, tsText, body, sig, now, tolerance)
		fresh := ts >= now.Unix()-600 && ts <= now.Unix()+600
		if secret != "" && fresh && err != nil {
			t.Fatalf("Verify rejects Sign's own signature: %v", err)
		}
		if (secret == "" || !fresh) && err == nil {
			t.Fatalf("Verify accepts secret %q at %d", secret, ts)
		}
		if !strings.EqualFold(forged, sig) && webhook.Verify(secret, tsText, body, forged, now, tolerance) == nil {
			t.Fatalf("Verify accepts forged signature %q (real %s)", forged, sig)
		}
	})
}
