package trust

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/tlsutil"
)

// Store is the in-memory view of the trust store.
type Store struct {
	db *db.Store

	mu        sync.RWMutex
	certs     map[string]db.Certificate // by fingerprint
	ca        *x509.CertPool            // PKI mode when non-nil
	crl       *x509.RevocationList
	clusterFP string // fingerprint of the cluster certificate
	loadedAt  time.Time
}

// New builds a store; caFile and crlFile are optional (PKI mode).
func New(ctx context.Context, store *db.Store, caFile, crlFile string) (*Store, error) {
	s := &Store{db: store, certs: map[string]db.Certificate{}}
	if err := s.loadPKI(caFile, crlFile); err != nil {
		return nil, err
	}
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) loadPKI(caFile, crlFile string) error {
	data, err := os.ReadFile(caFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return fmt.Errorf("Invalid CA certificate in %s", caFile)
	}
	s.ca = pool
	data, err = os.ReadFile(crlFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if block, _ := pem.Decode(data); block != nil {
		data = block.Bytes
	}
	crl, err := x509.ParseRevocationList(data)
	if err != nil {
		return fmt.Errorf("Invalid CRL in %s: %w", crlFile, err)
	}
	s.crl = crl
	return nil
}

// PKI reports whether the server runs in PKI mode.
func (s *Store) PKI() bool { return s.ca != nil }

// SetClusterCertificate records the fingerprint of the certificate that
// cluster members present to each other.
func (s *Store) SetClusterCertificate(fingerprint string) {
	s.mu.Lock()
	s.clusterFP = fingerprint
	s.mu.Unlock()
}

// Reload refreshes the cache from the database.
func (s *Store) Reload(ctx context.Context) error {
	var certs []db.Certificate
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		certs, err = tx.Certificates(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("Failed to load trust store: %w", err)
	}
	m := make(map[string]db.Certificate, len(certs))
	for _, c := range certs {
		m[c.Fingerprint] = c
	}
	s.mu.Lock()
	s.certs = m
	s.loadedAt = time.Now()
	s.mu.Unlock()
	return nil
}

// Identify turns the peer certificates of a TLS connection into a
// Requestor. trustCA says whether CA-signed certificates are trusted without
// being in the store (core.trust_ca_certificates). remote is the client's
// address.
func (s *Store) Identify(ctx context.Context, peers []*x509.Certificate, trustCA bool, remote string) *request.Requestor {
	r := &request.Requestor{Protocol: request.ProtocolTLS, Address: remote}
	if len(peers) == 0 {
		return r
	}
	cert := peers[0]
	fp := tlsutil.Fingerprint(cert)
	r.Fingerprint = fp
	r.Username = fp
	if s.PKI() && !s.signedByCA(cert) {
		return r
	}
	s.mu.RLock()
	clusterFP := s.clusterFP
	entry, ok := s.certs[fp]
	stale := time.Since(s.loadedAt) > 2*time.Second
	s.mu.RUnlock()
	if fp == clusterFP && clusterFP != "" {
		r.Trusted, r.ClusterPeer, r.Protocol = true, true, request.ProtocolCluster
		return r
	}
	if !ok && stale {
		// Another member may have added it: look again (rate-limited).
		if err := s.Reload(ctx); err == nil {
			s.mu.RLock()
			entry, ok = s.certs[fp]
			s.mu.RUnlock()
		}
	}
	switch {
	case ok && entry.Type == api.CertificateTypeServer:
		r.Trusted, r.ClusterPeer, r.Protocol = true, true, request.ProtocolCluster
	case ok && entry.Type == api.CertificateTypeClient:
		r.Trusted = true
		r.Restricted = entry.Restricted
		r.Projects = entry.Projects
	case !ok && s.PKI() && trustCA:
		r.Trusted = true
	}
	return r
}

func (s *Store) signedByCA(cert *x509.Certificate) bool {
	_, err := cert.Verify(x509.VerifyOptions{Roots: s.ca, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return false
	}
	if s.crl != nil {
		for _, revoked := range s.crl.RevokedCertificateEntries {
			if revoked.SerialNumber.Cmp(cert.SerialNumber) == 0 {
				return false
			}
		}
	}
	return true
}

// Certificate returns a cached entry by fingerprint.
func (s *Store) Certificate(fingerprint string) (db.Certificate, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.certs[fingerprint]
	return c, ok
}
