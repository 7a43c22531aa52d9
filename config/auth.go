package config

import (
	"fmt"
	"os"
	"time"

	"github.com/warden-ml/warden/auth"
)

// TokenSet gives the configured tokens to package auth, reading the ones
// kept in environment variables now: a token rotated in its variable takes
// effect on the next load (serve reloads on SIGHUP).
func (a *Auth) TokenSet() (*auth.Set, error) {
	tokens := make([]auth.Token, 0, len(a.Tokens))
	for i, t := range a.Tokens {
		tok := auth.Token{Name: t.Name, Expires: t.Expires, Models: t.Models}
		if t.Env != "" {
			secret := os.Getenv(t.Env)
			if len(secret) < auth.MinSecretLen {
				return nil, fmt.Errorf("auth.tokens[%d] (%s): environment variable %s holds %d characters; a token needs at least %d", i, t.Name, t.Env, len(secret), auth.MinSecretLen)
			}
			tok.Hash = auth.HashOf(secret)
		} else {
			h, err := auth.ParseHash(t.SHA256)
			if err != nil {
				return nil, fmt.Errorf("auth.tokens[%d] (%s): sha256: %w", i, t.Name, err)
			}
			tok.Hash = h
		}
		for _, r := range t.Roles {
			role, err := auth.ParseRole(r)
			if err != nil {
				return nil, fmt.Errorf("auth.tokens[%d] (%s): %w", i, t.Name, err)
			}
			tok.Roles = append(tok.Roles, role)
		}
		tokens = append(tokens, tok)
	}
	return auth.NewSet(tokens), nil
}

// expired lists the tokens past their expiry at now, for a warning.
func (a *Auth) Expired(now time.Time) []string {
	var names []string
	for _, t := range a.Tokens {
		if !t.Expires.IsZero() && !now.Before(t.Expires) {
			names = append(names, t.Name)
		}
	}
	return names
}
