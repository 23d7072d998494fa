//go:build integration

package api_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
	"github.com/lxdng/lxd/shared/tlsutil"
)

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T) *testCA {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue signs a client certificate with serial n.
func (ca *testCA) issue(t *testing.T, n int64) *tlsutil.KeyPair {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(n), Subject: pkix.Name{CommonName: "client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	kp, err := tlsutil.FromPEM(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

func (ca *testCA) crl(t *testing.T, revoked ...int64) []byte {
	entries := []x509.RevocationListEntry{}
	for _, n := range revoked {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: big.NewInt(n), RevocationTime: time.Now()})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour),
		RevokedCertificateEntries: entries,
	}, ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}

func trustedAs(t *testing.T, url string, kp *tlsutil.KeyPair) bool {
	c, err := client.ConnectHTTPS(url, &client.Options{ClientCert: kp, InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	srv, _, err := c.GetServer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return srv.Auth == "trusted"
}

func TestPKIMode(t *testing.T) {
	ca := newTestCA(t)
	d := daemontest.StartWith(t, daemontest.Options{Setup: func(dir string) {
		_ = os.WriteFile(filepath.Join(dir, "server.ca"), ca.pem, 0o644)
		_ = os.WriteFile(filepath.Join(dir, "server.crl"), ca.crl(t, 3), 0o644)
	}})
	ctx := context.Background()
	url := enableHTTPS(t, d)
	signed, revoked, signedNotStored := ca.issue(t, 2), ca.issue(t, 3), ca.issue(t, 4)
	dir := t.TempDir()
	selfSigned, _ := tlsutil.LoadOrGenerate(filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key"), false)
	for _, kp := range []*tlsutil.KeyPair{signed, revoked, selfSigned} {
		_, err := d.Client.CreateCertificate(ctx, api.CertificatesPost{CertificatePut: api.CertificatePut{
			Type: "client", Certificate: base64.StdEncoding.EncodeToString(kp.Leaf.Raw)}})
		if err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		kp   *tlsutil.KeyPair
		want bool
	}{
		{"CA-signed and stored", signed, true},
		{"revoked by the CRL", revoked, false},
		{"stored but not CA-signed", selfSigned, false},
		{"CA-signed, not stored, trust_ca off", signedNotStored, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := trustedAs(t, url, tt.kp); got != tt.want {
				t.Fatalf("trusted = %v, want %v", got, tt.want)
			}
		})
	}
	d.MustLXC(t, "config", "set", "core.trust_ca_certificates", "true")
	if !trustedAs(t, url, signedNotStored) {
		t.Fatal("core.trust_ca_certificates=true did not trust a CA-signed client")
	}
	if trustedAs(t, url, revoked) {
		t.Fatal("revoked certificate trusted with core.trust_ca_certificates")
	}
}

func TestServerTrustedProxy(t *testing.T) {
	d := daemontest.Start(t)
	ctx := context.Background()
	url := enableHTTPS(t, d)
	dir := t.TempDir()
	kp, _ := tlsutil.LoadOrGenerate(filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key"), false)
	if _, err := d.Client.CreateCertificate(ctx, api.CertificatesPost{CertificatePut: api.CertificatePut{
		Type: "client", Certificate: base64.StdEncoding.EncodeToString(kp.Leaf.Raw)}}); err != nil {
		t.Fatal(err)
	}
	d.MustLXC(t, "config", "set", "core.https_trusted_proxy", "127.0.0.1")
	evCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	events, err := d.Client.GetEvents(evCtx, false, "lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true, Certificates: []tls.Certificate{kp.TLS}}}}
	req, _ := http.NewRequest("PATCH", url+"/1.0", strings.NewReader(`{"config":{"images.auto_update_interval":"2"}}`))
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	resp, err := hc.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("patch through proxy: %v %v", resp, err)
	}
	resp.Body.Close()
	for e := range events {
		var lc api.EventLifecycle
		_ = json.Unmarshal(e.Metadata, &lc)
		if lc.Action != "config-updated" {
			continue
		}
		if lc.Requestor == nil || lc.Requestor.Address != "203.0.113.7" || lc.Requestor.Protocol != "tls" {
			t.Fatalf("requestor did not come from the trusted proxy header: %+v", lc.Requestor)
		}
		return
	}
	t.Fatal("no config-updated event")
}
