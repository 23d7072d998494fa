package token

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/shared/api"
)

// The token printed by the real LXD 5.0.2 (api-cluster.md).
const referenceToken = "eyJzZXJ2ZXJfbmFtZSI6Im0yIiwiZmluZ2VycHJpbnQiOiJkNjMwNGNkMDZlZDQ3NWI5ZTE3MGFiZDUzMDlmOWUzMzg1MDk3YTYzOTM2YjNhNjIzMjIwNTA3NzQ1MzQ4NTI0IiwiYWRkcmVzc2VzIjpbIjEyNy4wLjEuMTE6ODQ0MyJdLCJzZWNyZXQiOiJlMDkwNDFlYzYxNWQyNmU1NmFiNjkzOWQ0NDViODhiOTI5MGYzMWRlN2VlOTNkOTA5MWY3ODYxNWI1MzVjMmJhIiwiZXhwaXJlc19hdCI6IjIwMjYtMTEtMjdUMTI6MTU6MzIuMzY5NzI5NDIyWiJ9"

func TestDecodeReference(t *testing.T) {
	tok, err := Decode(referenceToken)
	if err != nil {
		t.Fatal(err)
	}
	if tok.ServerName != "m2" || tok.Addresses[0] != "127.0.1.11:8443" ||
		tok.Fingerprint != "d6304cd06ed475b9e170abd5309f9e3385097a63936b3a623220507745348524" ||
		tok.ExpiresAt.Format(time.RFC3339Nano) != "2026-11-27T12:15:32.369729422Z" {
		t.Fatalf("decoded %+v", tok)
	}
	// Re-encoding gives the same bytes: field order and names are LXD's.
	if got := Encode(tok); got != referenceToken {
		t.Fatalf("re-encoded token differs:\n%s\n%s", got, referenceToken)
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	tok, err := New("m4", "abc", []string{"127.0.1.1:8443", "127.0.1.2:8443"}, exp)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok.Secret) != 64 {
		t.Fatalf("secret %q", tok.Secret)
	}
	got, err := Decode(Encode(tok))
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret != tok.Secret || !got.ExpiresAt.Equal(exp) || len(got.Addresses) != 2 {
		t.Fatalf("round trip: %+v", got)
	}
	// The metadata survives a JSON round trip (token fetched from a peer).
	data, _ := json.Marshal(Metadata(tok))
	var md map[string]any
	_ = json.Unmarshal(data, &md)
	back, ok := FromMetadata(md)
	if !ok || back.Secret != tok.Secret || !back.ExpiresAt.Equal(exp) || back.Addresses[1] != "127.0.1.2:8443" {
		t.Fatalf("metadata round trip: %+v %v", back, ok)
	}
}

func TestDecodeErrors(t *testing.T) {
	enc := func(v any) string {
		data, _ := json.Marshal(v)
		return base64.StdEncoding.EncodeToString(data)
	}
	tests := []struct {
		name, in, want string
	}{
		{"not base64", "%%%", "not base64"},
		{"not json", base64.StdEncoding.EncodeToString([]byte("nope")), "Invalid cluster join token"},
		{"missing secret", enc(map[string]any{"server_name": "m2", "fingerprint": "f", "addresses": []string{"a"}}), "missing"},
		{"missing addresses", enc(map[string]any{"server_name": "m2", "fingerprint": "f", "secret": "s"}), "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) || api.StatusOf(err) != 400 {
				t.Fatalf("got %v, want 400 containing %q", err, tt.want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	issued := Token{ServerName: "m2", Secret: "s3cr3t", ExpiresAt: now.Add(time.Hour)}
	tests := []struct {
		name    string
		issued  Token
		secret  string
		server  string
		at      time.Time
		wantErr string
	}{
		{"ok", issued, "s3cr3t", "m2", now, ""},
		{"wrong secret", issued, "other", "m2", now, "No matching cluster join operation found"},
		{"expired", issued, "s3cr3t", "m2", now.Add(2 * time.Hour), "Failed during search for join token operation: Token has expired"},
		{"no expiry", Token{ServerName: "m2", Secret: "s3cr3t"}, "s3cr3t", "m2", now.AddDate(10, 0, 0), ""},
		{"other name", issued, "s3cr3t", "m3", now, "not \"m3\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.issued, tt.secret, tt.server, tt.at)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || api.StatusOf(err) != 403 {
				t.Fatalf("got %v, want 403 containing %q", err, tt.wantErr)
			}
		})
	}
}
