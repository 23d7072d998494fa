package trust

import (
	"context"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
)

// List returns every trusted certificate.
func (s *Store) List(ctx context.Context) ([]db.Certificate, error) {
	var out []db.Certificate
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		out, err = tx.Certificates(ctx)
		return err
	})
	return out, err
}

// Get finds a certificate by a unique fingerprint prefix.
func (s *Store) Get(ctx context.Context, prefix string) (db.Certificate, error) {
	var c db.Certificate
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		c, err = tx.CertificateByFingerprintPrefix(ctx, prefix)
		return err
	})
	return c, err
}

// Add stores a certificate and refreshes the cache.
func (s *Store) Add(ctx context.Context, c db.Certificate) error {
	if err := validateType(c.Type); err != nil {
		return err
	}
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.CreateCertificate(ctx, c)
		return err
	})
	if err != nil {
		return err
	}
	return s.Reload(ctx)
}

// Update rewrites the certificate currently stored under fingerprint.
func (s *Store) Update(ctx context.Context, fingerprint string, c db.Certificate) error {
	if err := validateType(c.Type); err != nil {
		return err
	}
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.UpdateCertificate(ctx, fingerprint, c)
	})
	if err != nil {
		return err
	}
	return s.Reload(ctx)
}

// Delete removes a certificate.
func (s *Store) Delete(ctx context.Context, fingerprint string) error {
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.DeleteCertificate(ctx, fingerprint)
	})
	if err != nil {
		return err
	}
	return s.Reload(ctx)
}

func validateType(t string) error {
	switch t {
	case api.CertificateTypeClient, api.CertificateTypeServer, api.CertificateTypeMetrics:
		return nil
	}
	return api.BadRequest("Unknown certificate type %q", t)
}
