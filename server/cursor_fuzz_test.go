package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/store"
)

// A cursor from a Link header reads back as the alert it names; anything
// else a client sends is refused, never a panic.
func FuzzParseCursor(f *testing.F) {
	f.Add(formatCursor(store.AlertCursor{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ID: "abc-123"}))
	f.Add("")
	f.Add("nonsense!")
	f.Add("MTox")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := parseCursor(token)
		if err != nil {
			return
		}
		if c.ID == "" {
			t.Fatalf("cursor %q parsed without an id", token)
		}
		again, err := parseCursor(formatCursor(*c))
		if err != nil || again.ID != c.ID || !again.Time.Equal(c.Time) {
			t.Fatalf("round trip of %q: %+v, %v", token, again, err)
		}
	})
}

// A bearer header gives a token only in the scheme's own shape.
func FuzzBearer(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer abc", "Basic abc", "Bearer", "Bearer  ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r, _ := newRequestWithHeader("Authorization", header)
		token, ok := bearer(r)
		if ok && (token == "" || token != trimmed(token)) {
			t.Fatalf("header %q gave token %q", header, token)
		}
	})
}

func newRequestWithHeader(name, value string) (*http.Request, error) {
	r, err := http.NewRequest("GET", "http://127.0.0.1/", nil)
	if err != nil {
		return nil, err
	}
	r.Header[name] = []string{value}
	return r, nil
}

func trimmed(s string) string { return strings.TrimSpace(s) }
