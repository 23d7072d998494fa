package token

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lxdng/lxd/shared/api"
)

// Token is a decoded cluster join token.
type Token = api.ClusterMemberJoinToken

// New returns a token for serverName with a fresh 32-byte secret. A zero
// expiry means the token never expires.
func New(serverName, fingerprint string, addresses []string, expiresAt time.Time) (Token, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Token{}, fmt.Errorf("Failed to generate token secret: %w", err)
	}
	return Token{ServerName: serverName, Fingerprint: fingerprint, Addresses: addresses,
		Secret: hex.EncodeToString(b), ExpiresAt: expiresAt}, nil
}

// Encode renders the token as `lxc cluster add` prints it.
func Encode(t Token) string {
	data, _ := json.Marshal(t)
	return base64.StdEncoding.EncodeToString(data)
}

// Decode parses a printed token. It accepts padded and unpadded, standard
// and URL-safe base64, and surrounding white space.
func Decode(s string) (Token, error) {
	s = strings.TrimSpace(s)
	var data []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if data, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil {
		return Token{}, api.BadRequest("Invalid cluster join token: not base64")
	}
	var t Token
	if err := json.Unmarshal(data, &t); err != nil {
		return Token{}, api.BadRequest("Invalid cluster join token: %v", err)
	}
	if t.ServerName == "" || t.Secret == "" || t.Fingerprint == "" || len(t.Addresses) == 0 {
		return Token{}, api.BadRequest("Invalid cluster join token: missing server name, secret, fingerprint or addresses")
	}
	return t, nil
}

// ErrExpired is returned for a token past its expiry (LXD's wording).
var ErrExpired = errors.New("Token has expired")

// Verify checks a presented join request against the issued token: same
// secret (constant time), same server name, not expired at now.
func Verify(issued Token, secret, serverName string, now time.Time) error {
	if subtle.ConstantTimeCompare([]byte(issued.Secret), []byte(secret)) != 1 {
		return api.Forbidden("No matching cluster join operation found")
	}
	if !issued.ExpiresAt.IsZero() && now.After(issued.ExpiresAt) {
		return api.NewStatusError(403, "Failed during search for join token operation: %w", ErrExpired)
	}
	if issued.ServerName != serverName {
		return api.Forbidden("Join token is for server %q, not %q", issued.ServerName, serverName)
	}
	return nil
}

// Metadata is the token operation's metadata, in LXD's camelCase.
func Metadata(t Token) map[string]any {
	md := map[string]any{
		"serverName":  t.ServerName,
		"fingerprint": t.Fingerprint,
		"addresses":   t.Addresses,
		"secret":      t.Secret,
	}
	if !t.ExpiresAt.IsZero() {
		md["expiresAt"] = t.ExpiresAt
	}
	return md
}

// FromMetadata reads a token back from operation metadata (as stored
// locally, or as decoded from JSON when fetched from another member). ok is
// false when the metadata is not a join token's.
func FromMetadata(md map[string]any) (Token, bool) {
	var t Token
	var ok bool
	if t.ServerName, ok = md["serverName"].(string); !ok {
		return t, false
	}
	if t.Secret, ok = md["secret"].(string); !ok {
		return t, false
	}
	t.Fingerprint, _ = md["fingerprint"].(string)
	switch a := md["addresses"].(type) {
	case []string:
		t.Addresses = a
	case []any:
		for _, v := range a {
			if s, ok := v.(string); ok {
				t.Addresses = append(t.Addresses, s)
			}
		}
	}
	switch e := md["expiresAt"].(type) {
	case time.Time:
		t.ExpiresAt = e
	case string:
		t.ExpiresAt, _ = time.Parse(time.RFC3339Nano, e)
	}
	return t, true
}
