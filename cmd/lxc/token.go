package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lxdng/lxd/shared/api"
)

// decodeToken reads a certificate add token: base64 of the JSON
// {client_name, fingerprint, addresses, secret, expires_at}.
func decodeToken(s string) (*api.CertificateAddToken, error) {
	s = strings.TrimSpace(s)
	var data []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if data, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("Invalid token: %w", err)
	}
	var t api.CertificateAddToken
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("Invalid token: %w", err)
	}
	switch {
	case t.ClientName == "":
		return nil, errors.New("No client name in certificate add token")
	case len(t.Addresses) == 0:
		return nil, errors.New("No server addresses in certificate add token")
	case t.Secret == "":
		return nil, errors.New("No secret in certificate add token")
	case t.Fingerprint == "":
		return nil, errors.New("No certificate fingerprint in certificate add token")
	}
	return &t, nil
}

// encodeToken renders a token as `lxc config trust add` prints it.
func encodeToken(t *api.CertificateAddToken) (string, error) {
	data, err := json.Marshal(t)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(data), nil
}

// tokenFromOperation rebuilds the token of a certificate add operation from
// its metadata ({addresses, fingerprint, secret, request: {name}, and
// expiresAt when the server sets an expiry}).
func tokenFromOperation(op *api.Operation) (*api.CertificateAddToken, error) {
	md := op.Metadata
	req, _ := md["request"].(map[string]any)
	name, _ := req["name"].(string)
	secret, _ := md["secret"].(string)
	fp, _ := md["fingerprint"].(string)
	if req == nil || secret == "" || fp == "" {
		return nil, errors.New("Operation isn't a certificate add token")
	}
	// Never null in JSON: the real client prints "addresses":[] when the
	// server has no network address.
	t := &api.CertificateAddToken{ClientName: name, Fingerprint: fp, Secret: secret, Addresses: []string{}}
	addrs, _ := md["addresses"].([]any)
	for _, a := range addrs {
		if s, ok := a.(string); ok {
			t.Addresses = append(t.Addresses, s)
		}
	}
	if exp, ok := md["expiresAt"].(string); ok && exp != "" {
		if ts, err := time.Parse(time.RFC3339Nano, exp); err == nil {
			t.ExpiresAt = ts
		}
	}
	return t, nil
}
