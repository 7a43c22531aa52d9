package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of every request. The signature header is left out when the
// webhook has no secret.
const (
	TimestampHeader = "X-Warden-Timestamp" // Unix seconds when the request was made, in decimal
	SignatureHeader = "X-Warden-Signature" // "sha256=" + hex HMAC-SHA256 of "<timestamp>.<body>"
)

const signaturePrefix = "sha256="

// Sign returns the X-Warden-Signature value for a request body sent at
// timestamp (Unix seconds): "sha256=" followed by the lowercase hex
// HMAC-SHA256, keyed with secret, of the decimal timestamp, a full stop and
// the body.
func Sign(secret []byte, timestamp int64, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, strconv.FormatInt(timestamp, 10), body))
}

func mac(secret []byte, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(timestamp))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a request from a Warden webhook: timestamp and signature
// are the values of the X-Warden-Timestamp and X-Warden-Signature headers,
// body the raw request body. It fails unless the signature is the HMAC of
// exactly these bytes under secret and the timestamp lies within
// tolerance of now; the tolerance (a few minutes is usual) bounds how long
// a captured request can be replayed. Compare before parsing the body.
func Verify(secret, timestamp, body, signature string, now time.Time, tolerance time.Duration) error {
	switch {
	case secret == "":
		return errors.New("webhook: verify: the secret is empty")
	case tolerance <= 0:
		return fmt.Errorf("webhook: verify: tolerance %s is not positive", tolerance)
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook: verify: %s %q is not a Unix time in seconds", TimestampHeader, timestamp)
	}
	nowSec, tol := now.Unix(), int64(tolerance/time.Second)
	if ts < nowSec-tol || ts > nowSec+tol {
		return fmt.Errorf("webhook: verify: %s %d is more than %s away from now (%d)", TimestampHeader, ts, tolerance, nowSec)
	}
	hexSig, ok := strings.CutPrefix(signature, signaturePrefix)
	if !ok {
		return fmt.Errorf("webhook: verify: %s does not start with %q", SignatureHeader, signaturePrefix)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("webhook: verify: %s is not %d hex-encoded bytes", SignatureHeader, sha256.Size)
	}
	if !hmac.Equal(got, mac([]byte(secret), timestamp, []byte(body))) {
		return errors.New("webhook: verify: signature does not match the body and timestamp")
	}
	return nil
}
