package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAuthenticate(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	set := NewSet([]Token{
		{Name: "ops", Hash: HashOf("wdn_ops-secret-0123456789"), Roles: []Role{RoleAdmin, RoleRead}},
		{Name: "gateway", Hash: HashOf("wdn_gateway-secret-0123"), Roles: []Role{RoleIngest}, Models: []string{"fraud"}},
		{Name: "old", Hash: HashOf("wdn_old-secret-012345678"), Roles: []Role{RoleRead}, Expires: now},
	})
	tests := []struct {
		secret string
		name   string
		err    error
	}{
		{"wdn_ops-secret-0123456789", "ops", nil},
		{"wdn_gateway-secret-0123", "gateway", nil},
		{"wdn_old-secret-012345678", "old", ErrExpired},
		{"wdn_ops-secret-012345678", "", ErrUnknown},
		{"", "", ErrUnknown},
	}
	for _, tc := range tests {
		tok, err := set.Authenticate(tc.secret, now)
		if !errors.Is(err, tc.err) || (tc.name != "" && (tok == nil || tok.Name != tc.name)) {
			t.Errorf("Authenticate(%q) = %v, %v; want %s, %v", tc.secret, tok, err, tc.name, tc.err)
		}
	}
	gw, _ := set.Authenticate("wdn_gateway-secret-0123", now)
	if !gw.Has(RoleIngest) || gw.Has(RoleRead) || !gw.MayTouch("fraud") || gw.MayTouch("churn") {
		t.Errorf("gateway token: %+v", gw)
	}
	ops, _ := set.Authenticate("wdn_ops-secret-0123456789", now)
	if !ops.MayTouch("anything") || ops.Has(RoleIngest) {
		t.Errorf("ops token: %+v", ops)
	}
	var empty *Set
	if _, err := empty.Authenticate("x", now); !errors.Is(err, ErrUnknown) || empty.Len() != 0 {
		t.Errorf("nil set: %v", err)
	}
}

func TestSecretsAndHashes(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSecret()
	if a == b || !strings.HasPrefix(a, "wdn_") || len(a) < 40 {
		t.Errorf("secrets %q %q", a, b)
	}
	h, err := ParseHash(HashHex(a))
	if err != nil || h != HashOf(a) {
		t.Errorf("hash round trip: %v", err)
	}
	for _, bad := range []string{"", "xyz", strings.Repeat("a", 63), strings.Repeat("g", 64)} {
		if _, err := ParseHash(bad); err == nil {
			t.Errorf("ParseHash(%q) accepted", bad)
		}
	}
	for _, r := range []string{"ingest", "read", "admin"} {
		if _, err := ParseRole(r); err != nil {
			t.Error(err)
		}
	}
	if _, err := ParseRole("root"); err == nil {
		t.Error("ParseRole(root) accepted")
	}
}
