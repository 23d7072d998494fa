package main

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/lxdng/lxd/shared/api"
)

// A token printed by the real lxc 5.0.2 (`lxc config trust add --name foo`).
const realToken = "eyJjbGllbnRfbmFtZSI6ImZvbyIsImZpbmdlcnByaW50IjoiODA0YzcyZGJlYmMyZmQwMTgzMzM2YzVhZTIwMGNjMjg2MTZjY2I1MmFmNGMwMTY2MDg0YjU4NTExZjM5ZDMxNyIsImFkZHJlc3NlcyI6WyIxMjcuMC4wLjE6MTkwMDEiXSwic2VjcmV0IjoiZTY4ZTBjNzhjMWFhZmIxODIyNjgzNDhjY2NiYTZlZDUwZTI3YzI2ZTE3YzkxYjBjOWFkNTRjMGJjYWNmMTg1YiIsImV4cGlyZXNfYXQiOiIwMDAxLTAxLTAxVDAwOjAwOjAwWiJ9"

func TestDecodeToken(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name   string
		in     string
		client string
		addrs  int
		err    string
	}{
		{"real token", realToken, "foo", 1, ""},
		{"surrounding space", " " + realToken + "\n", "foo", 1, ""},
		{"truncated", realToken[:50], "", 0, "Invalid token"},
		{"two addresses", b64(`{"client_name":"x","fingerprint":"ab","addresses":["a:1","b:2"],"secret":"s"}`), "x", 2, ""},
		{"not base64", "127.0.0.1:8443", "", 0, "Invalid token"},
		{"not json", b64("hello"), "", 0, "Invalid token"},
		{"no name", b64(`{"fingerprint":"ab","addresses":["a"],"secret":"s"}`), "", 0, "No client name in certificate add token"},
		{"no address", b64(`{"client_name":"x","fingerprint":"ab","secret":"s"}`), "", 0, "No server addresses in certificate add token"},
		{"no secret", b64(`{"client_name":"x","fingerprint":"ab","addresses":["a"]}`), "", 0, "No secret in certificate add token"},
		{"no fingerprint", b64(`{"client_name":"x","addresses":["a"],"secret":"s"}`), "", 0, "No certificate fingerprint in certificate add token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := decodeToken(tt.in)
			if tt.err != "" {
				if err == nil || len(err.Error()) < len(tt.err) || err.Error()[:len(tt.err)] != tt.err {
					t.Fatalf("err = %v, want prefix %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tok.ClientName != tt.client || len(tok.Addresses) != tt.addrs {
				t.Fatalf("got %+v", tok)
			}
		})
	}
}

// Re-encoding a decoded real token gives the same text: our tokens are
// what the real client prints.
func TestEncodeTokenRoundTrip(t *testing.T) {
	tok, err := decodeToken(realToken)
	if err != nil {
		t.Fatal(err)
	}
	got, err := encodeToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	if got != realToken {
		t.Fatalf("got %s\nwant %s", got, realToken)
	}
}

func TestTokenFromOperation(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		md   map[string]any
		want *api.CertificateAddToken
	}{
		{"certificate token", map[string]any{
			"addresses": []any{"127.0.0.1:8443"}, "fingerprint": "fp", "secret": "s",
			"request": map[string]any{"name": "n"},
		}, &api.CertificateAddToken{ClientName: "n", Fingerprint: "fp", Addresses: []string{"127.0.0.1:8443"}, Secret: "s"}},
		{"with expiry", map[string]any{
			"addresses": []any{"a:1"}, "fingerprint": "fp", "secret": "s",
			"request": map[string]any{"name": "n"}, "expiresAt": exp.Format(time.RFC3339Nano),
		}, &api.CertificateAddToken{ClientName: "n", Fingerprint: "fp", Addresses: []string{"a:1"}, Secret: "s", ExpiresAt: exp}},
		{"image secret is not a certificate token", map[string]any{"secret": "s"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tokenFromOperation(&api.Operation{Metadata: tt.md})
			if tt.want == nil {
				if err == nil {
					t.Fatalf("expected an error, got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ClientName != tt.want.ClientName || got.Secret != tt.want.Secret || got.Fingerprint != tt.want.Fingerprint ||
				len(got.Addresses) != len(tt.want.Addresses) || !got.ExpiresAt.Equal(tt.want.ExpiresAt) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
