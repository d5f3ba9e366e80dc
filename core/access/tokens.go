package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core"
)

// tokenKind is the object kind of token records; the id is the hex SHA-256
// of the token, so the store never holds a usable token.
const tokenKind = "token"

// TokenPrefix starts every token, so a leaked one is easy to recognise.
const TokenPrefix = "adk_"

// tokenLen is the length of a token: the prefix and 32 random bytes in
// unpadded base64url.
var tokenLen = len(TokenPrefix) + base64.RawURLEncoding.EncodedLen(32)

// ErrUnauthorized means a token is unknown, malformed, revoked or expired.
// It never says which, so a caller learns nothing about tokens it lacks.
var ErrUnauthorized = errors.New("invalid or expired token")

// Token is what the store keeps of an API token.
type Token struct {
	ID        string    `json:"id"`   // short public id for list and revoke
	User      string    `json:"user"` // whom the token authenticates
	Role      Role      `json:"role,omitempty"`
	Digest    string    `json:"digest"` // hex SHA-256 of the token
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Expired reports whether the token has expired at now.
func (t Token) Expired(now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}

// Tokens creates, lists, revokes and verifies API tokens.
type Tokens struct {
	eng *core.Engine
}

// NewTokens keeps tokens in the engine's object store.
func NewTokens(eng *core.Engine) *Tokens { return &Tokens{eng: eng} }

// TokenRequest is what `token create` asks for.
type TokenRequest struct {
	User string
	Role Role          // optional cap on the user's role; empty = the users file's role
	TTL  time.Duration // 0 = never expires
}

// Create makes a token, stores its digest and returns the token itself:
// the only time it exists in full.
func (t *Tokens) Create(ctx context.Context, by core.Actor, r TokenRequest) (string, Token, error) {
	if !userName.MatchString(r.User) {
		return "", Token{}, fmt.Errorf("user %q: want 1-64 letters, digits, '.', '_', '@' or '-'", r.User)
	}
	if r.Role != "" {
		if _, err := ParseRole(string(r.Role)); err != nil {
			return "", Token{}, err
		}
	}
	if r.TTL < 0 {
		return "", Token{}, fmt.Errorf("expiry must be in the future")
	}
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return "", Token{}, fmt.Errorf("token: %w", err)
	}
	plain := TokenPrefix + base64.RawURLEncoding.EncodeToString(secret[:])
	d := sha256.Sum256([]byte(plain))
	now := t.eng.Now().UTC()
	var idb [6]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return "", Token{}, fmt.Errorf("token: %w", err)
	}
	rec := Token{ID: hex.EncodeToString(idb[:]), User: r.User, Role: r.Role, Digest: hex.EncodeToString(d[:]), CreatedAt: now, CreatedBy: by.User}
	if r.TTL > 0 {
		rec.ExpiresAt = now.Add(r.TTL)
	}
	doc, err := json.Marshal(rec)
	if err != nil {
		return "", Token{}, err
	}
	if err := t.eng.Objects().PutObject(ctx, tokenKind, rec.Digest, doc); err != nil {
		return "", Token{}, fmt.Errorf("store token: %w", err)
	}
	t.eng.Audit(ctx, by, "token created", rec.ID, map[string]any{"user": r.User, "expires_at": rec.ExpiresAt})
	return plain, rec, nil
}

// Verify returns the record of a presented token. The token is hashed
// whatever its shape, and the stored digest is compared with a fixed-length
// constant-time compare, so timing does not depend on how much of a guess
// was right.
func (t *Tokens) Verify(ctx context.Context, presented string) (Token, error) {
	d := sha256.Sum256([]byte(presented))
	id := hex.EncodeToString(d[:])
	doc, err := t.eng.Objects().GetObject(ctx, tokenKind, id)
	if err != nil {
		if errors.Is(err, core.ErrNotFound) {
			return Token{}, ErrUnauthorized
		}
		return Token{}, fmt.Errorf("look up token: %w", err)
	}
	var rec Token
	if err := json.Unmarshal(doc, &rec); err != nil {
		return Token{}, fmt.Errorf("decode token: %w", err)
	}
	stored, err := hex.DecodeString(rec.Digest)
	if err != nil || len(stored) != sha256.Size {
		return Token{}, ErrUnauthorized
	}
	if subtle.ConstantTimeCompare(stored, d[:]) != 1 || len(presented) != tokenLen {
		return Token{}, ErrUnauthorized
	}
	if rec.Expired(t.eng.Now()) {
		return Token{}, ErrUnauthorized
	}
	return rec, nil
}

// List returns every token record, oldest first.
func (t *Tokens) List(ctx context.Context) ([]Token, error) {
	var out []Token
	err := t.eng.Objects().ListObjects(ctx, tokenKind, func(_ string, doc []byte) error {
		var rec Token
		if err := json.Unmarshal(doc, &rec); err != nil {
			return fmt.Errorf("decode token: %w", err)
		}
		out = append(out, rec)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, err
}

// Revoke deletes the token with this public id.
func (t *Tokens) Revoke(ctx context.Context, by core.Actor, id string) error {
	toks, err := t.List(ctx)
	if err != nil {
		return err
	}
	for _, rec := range toks {
		if rec.ID == id {
			if err := t.eng.Objects().DeleteObject(ctx, tokenKind, rec.Digest); err != nil {
				return fmt.Errorf("revoke token %s: %w", id, err)
			}
			t.eng.Audit(ctx, by, "token revoked", id, map[string]any{"user": rec.User})
			return nil
		}
	}
	return fmt.Errorf("token %s: %w", id, core.ErrNotFound)
}

// Authenticate verifies a token and decides the principal's role: the
// users file's role for the user (capped by the token's own role, if it
// has one). A user missing from a loaded users file is refused, so removing
// a user revokes their tokens. Without a users file the token's role, or
// viewer, applies.
func (t *Tokens) Authenticate(ctx context.Context, dir *Directory, presented, from string) (Principal, error) {
	rec, err := t.Verify(ctx, presented)
	if err != nil {
		return Principal{}, err
	}
	role, zone := rec.Role, ""
	if role == "" {
		role = Viewer
	}
	if dir != nil && dir.Path() != "" {
		usr, ok := dir.Users().Lookup(rec.User)
		if !ok {
			return Principal{}, ErrUnauthorized
		}
		role, zone = usr.Role, usr.Zone
		if rec.Role != "" && rank(rec.Role) < rank(role) {
			role = rec.Role
		}
	}
	return Principal{User: rec.User, Role: role, From: from, Zone: zone}, nil
}

func rank(r Role) int {
	switch r {
	case Viewer:
		return 1
	case Operator:
		return 2
	case Admin:
		return 3
	}
	return 0
}

// ParseTTL reads an expiry such as 90d, 12h, 30m or 1h30m.
func ParseTTL(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" || s == "never" {
		return 0, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 || days > 3650 {
			return 0, fmt.Errorf("expiry %q: want a whole number of days from 1 to 3650, like 90d", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("expiry %q: want a duration like 90d, 12h or 30m", s)
	}
	return d, nil
}
