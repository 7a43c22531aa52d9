package textfmt

import (
	"strings"
	"testing"

	"github.com/warden-ml/warden/alert"
)

func TestStyle(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{SeverityLabel(alert.Critical, false), "CRITICAL"},
		{SeverityLabel(alert.High, true), "🟠 HIGH"},
		{P(1e-12), "p < 1e-10"},
		{P(6.6e-8), "p = 6.6e-08"},
		{P(0.0123), "p = 0.0123"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	var b strings.Builder
	Heading(&b, "DRIFT\x1b[2J", false)
	if b.String() != "DRIFT\\x1b[2J\n------------\n" {
		t.Errorf("Heading = %q", b.String())
	}
}
