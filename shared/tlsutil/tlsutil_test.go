package tlsutil

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerateAndFingerprint(t *testing.T) {
	dir := t.TempDir()
	kp, err := LoadOrGenerate(filepath.Join(dir, "s.crt"), filepath.Join(dir, "s.key"), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(kp.Fingerprint) != 64 {
		t.Fatalf("fingerprint %q", kp.Fingerprint)
	}
	again, err := LoadOrGenerate(filepath.Join(dir, "s.crt"), filepath.Join(dir, "s.key"), true)
	if err != nil || again.Fingerprint != kp.Fingerprint {
		t.Fatalf("reload changed the certificate: %v", err)
	}
	fp, cert, err := FingerprintPEM(kp.CertPEM)
	if err != nil || fp != kp.Fingerprint {
		t.Fatalf("FingerprintPEM = %q, %v", fp, err)
	}
	if cert.Subject.Organization[0] != "linuxcontainers.org" || !strings.Contains(cert.Subject.CommonName, "@") {
		t.Fatalf("subject %v", cert.Subject)
	}
}

func TestParseCertificateErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"not pem", "hello"},
		{"wrong block", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
		{"garbage der", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseCertificate([]byte(tt.in)); err == nil {
				t.Fatal("expected an error")
			}
		})
	}
}
