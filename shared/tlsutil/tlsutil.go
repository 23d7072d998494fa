package tlsutil

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/user"
	"time"
)

// Fingerprint is the hex SHA-256 of the certificate's DER bytes.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// FingerprintPEM parses a PEM certificate and returns its fingerprint.
func FingerprintPEM(pemData []byte) (string, *x509.Certificate, error) {
	cert, err := ParseCertificate(pemData)
	if err != nil {
		return "", nil, err
	}
	return Fingerprint(cert), cert, nil
}

// ParseCertificate reads the first certificate of a PEM block, or raw DER
// base64 as `lxc config trust add` sends it.
func ParseCertificate(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("Invalid certificate: no PEM data")
	}
	if block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("Invalid certificate: unexpected PEM block %q", block.Type)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("Invalid certificate: %w", err)
	}
	return cert, nil
}

// EncodePEM renders a certificate as PEM.
func EncodePEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

// Generate creates a self-signed ECDSA P-384 key pair valid for ten years,
// subject O=linuxcontainers.org, CN=<user>@<hostname> as LXD does. Server
// certificates also carry the host's names for verification.
func Generate(server bool) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("Failed to generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, err
	}
	hostname, _ := os.Hostname()
	username := "root"
	if u, err := user.Current(); err == nil {
		username = u.Username
	}
	now := time.Now()
	tmpl := x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"linuxcontainers.org"}, CommonName: username + "@" + hostname},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageKeyEncipherment | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.DNSNames = []string{hostname, "localhost"}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	}
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, &tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("Failed to create certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	return certPEM, keyPEM, nil
}

// KeyPair is a loaded certificate with its key and fingerprint.
type KeyPair struct {
	TLS         tls.Certificate
	Leaf        *x509.Certificate
	CertPEM     []byte
	Fingerprint string
}

// LoadOrGenerate loads certFile/keyFile, generating them (mode 0600 for the
// key) when absent.
func LoadOrGenerate(certFile, keyFile string, server bool) (*KeyPair, error) {
	if _, err := os.Stat(certFile); errors.Is(err, os.ErrNotExist) {
		certPEM, keyPEM, err := Generate(server)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
			return nil, err
		}
		if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
			return nil, err
		}
	}
	return Load(certFile, keyFile)
}

// Load reads a key pair from files.
func Load(certFile, keyFile string) (*KeyPair, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, err
	}
	return FromPEM(certPEM, keyPEM)
}

// FromPEM builds a KeyPair from PEM data.
func FromPEM(certPEM, keyPEM []byte) (*KeyPair, error) {
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("Invalid key pair: %w", err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, err
	}
	pair.Leaf = leaf
	return &KeyPair{TLS: pair, Leaf: leaf, CertPEM: certPEM, Fingerprint: Fingerprint(leaf)}, nil
}

// ServerConfig is the daemon's TLS config: TLS 1.3, client certificates
// requested but verified by the caller against the trust store.
func ServerConfig(kp *KeyPair) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{kp.TLS},
		ClientAuth:   tls.RequestClientCert,
		NextProtos:   []string{"http/1.1"},
	}
}

// ClientConfig trusts exactly serverCertPEM when given (pinning, as LXD's
// client does with servercerts/), otherwise the system roots; client is the
// certificate presented to the server (may be nil).
func ClientConfig(client *KeyPair, serverCertPEM []byte) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if client != nil {
		cfg.Certificates = []tls.Certificate{client.TLS}
	}
	if len(serverCertPEM) > 0 {
		cert, err := ParseCertificate(serverCertPEM)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		pool.AddCert(cert)
		cfg.RootCAs = pool
		// Pinned certificates are self-signed for "localhost"/hostname;
		// verify the pin ourselves instead of the host name.
		cfg.InsecureSkipVerify = true
		want := Fingerprint(cert)
		cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return errors.New("Server presented no certificate")
			}
			peer, err := x509.ParseCertificate(raw[0])
			if err != nil {
				return err
			}
			if Fingerprint(peer) != want {
				return fmt.Errorf("Server certificate fingerprint %s does not match the expected %s", Fingerprint(peer), want)
			}
			return nil
		}
	}
	return cfg, nil
}
