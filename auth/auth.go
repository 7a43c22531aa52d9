// Package auth decides who may call Warden's API: bearer tokens, each
// with a name, roles, an optional expiry and an optional list of models.
//
// Only the SHA-256 of a token is kept, never the token itself, so a
// configuration file or a memory dump does not give tokens away; a token is
// compared with every known hash in constant time, so the time an answer
// takes says nothing about how close a guess was.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Role is what a token may do.
type Role string

// The roles. They do not include one another: a token that ingests and
// reads lists both.
const (
	// RoleIngest sends events and screens inputs.
	RoleIngest Role = "ingest"
	// RoleRead reads models, windows, alerts, the report, the dashboard
	// and metrics.
	RoleRead Role = "read"
	// RoleAdmin changes what Warden watches and says: models, references,
	// settings, silences, acknowledgements; and reads the audit log.
	RoleAdmin Role = "admin"
)

// Roles lists every role.
var Roles = []Role{RoleIngest, RoleRead, RoleAdmin}

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !slices.Contains(Roles, r) {
		return "", fmt.Errorf("unknown role %q (want ingest, read or admin)", s)
	}
	return r, nil
}

// Token is a known token: who holds it and what it may do. The secret is
// kept only as its hash.
type Token struct {
	Name    string
	Hash    [sha256.Size]byte
	Roles   []Role
	Expires time.Time // zero: never
	Models  []string  // empty: every model
}

// Has reports whether the token carries the role.
func (t *Token) Has(r Role) bool { return slices.Contains(t.Roles, r) }

// MayTouch reports whether the token may act on the model.
func (t *Token) MayTouch(model string) bool {
	return len(t.Models) == 0 || slices.Contains(t.Models, model)
}

// Errors of Authenticate. Neither says which token a secret was close to.
var (
	ErrUnknown = errors.New("unknown token")
	ErrExpired = errors.New("token expired")
)

// Set is the tokens a service accepts. The zero Set accepts none.
type Set struct {
	tokens []Token
}

// NewSet returns a set of the tokens.
func NewSet(tokens []Token) *Set { return &Set{tokens: slices.Clone(tokens)} }

// Len is how many tokens the set holds.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.tokens)
}

// Authenticate finds the token whose hash is the secret's. Every hash is
// compared, whichever matches, so that the time taken does not depend on
// which token a secret matches or how much of one it shares.
func (s *Set) Authenticate(secret string, now time.Time) (*Token, error) {
	if s == nil || secret == "" {
		return nil, ErrUnknown
	}
	h := sha256.Sum256([]byte(secret))
	found := -1
	for i := range s.tokens {
		if subtle.ConstantTimeCompare(h[:], s.tokens[i].Hash[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return nil, ErrUnknown
	}
	t := &s.tokens[found]
	if !t.Expires.IsZero() && !now.Before(t.Expires) {
		return t, ErrExpired
	}
	return t, nil
}

// Named returns the token with the name, or nil.
func (s *Set) Named(name string) *Token {
	if s == nil {
		return nil
	}
	for i := range s.tokens {
		if s.tokens[i].Name == name {
			return &s.tokens[i]
		}
	}
	return nil
}

// HashHex is the hex SHA-256 of a secret, as the configuration keeps it.
func HashHex(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// ParseHash reads a hex SHA-256.
func ParseHash(s string) ([sha256.Size]byte, error) {
	var h [sha256.Size]byte
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != sha256.Size {
		return h, fmt.Errorf("want the 64 hex digits of a SHA-256, got %d characters", len(s))
	}
	copy(h[:], b)
	return h, nil
}

// HashOf is the SHA-256 of a secret.
func HashOf(secret string) [sha256.Size]byte { return sha256.Sum256([]byte(secret)) }

// secretPrefix marks Warden tokens, so that secret scanners and people can
// tell them from other credentials.
const secretPrefix = "wdn_"

// NewSecret returns a fresh token: 32 random bytes, base64url, prefixed.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return secretPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// MinSecretLen is the shortest secret a token may have: shorter ones could
// be guessed.
const MinSecretLen = 16
