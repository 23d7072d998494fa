package client

import (
	"context"
	"net/http"

	"github.com/lxdng/lxd/shared/api"
)

// GetServer returns GET /1.0 and its ETag.
func (c *Client) GetServer(ctx context.Context) (*api.Server, string, error) {
	var s api.Server
	etag, err := c.Get(ctx, "/1.0", &s)
	return &s, etag, err
}

// UpdateServer replaces the server config (PUT /1.0).
func (c *Client) UpdateServer(ctx context.Context, put api.ServerPut, etag string) error {
	_, _, err := c.Query(ctx, http.MethodPut, "/1.0", put, etag)
	return err
}

// PatchServer merges config keys (PATCH /1.0).
func (c *Client) PatchServer(ctx context.Context, put api.ServerPut, etag string) error {
	_, _, err := c.Query(ctx, http.MethodPatch, "/1.0", put, etag)
	return err
}

// GetCertificates lists the trust store.
func (c *Client) GetCertificates(ctx context.Context) ([]api.Certificate, error) {
	var out []api.Certificate
	_, err := c.Get(ctx, "/1.0/certificates?recursion=1", &out)
	return out, err
}

// GetCertificate returns one certificate by fingerprint (prefix).
func (c *Client) GetCertificate(ctx context.Context, fp string) (*api.Certificate, string, error) {
	var out api.Certificate
	etag, err := c.Get(ctx, "/1.0/certificates/"+fp, &out)
	return &out, etag, err
}

// CreateCertificate adds a certificate; with Token set it returns the token
// operation.
func (c *Client) CreateCertificate(ctx context.Context, req api.CertificatesPost) (*Operation, error) {
	return c.Do(ctx, http.MethodPost, "/1.0/certificates", req, "")
}

// UpdateCertificate replaces a certificate's editable fields.
func (c *Client) UpdateCertificate(ctx context.Context, fp string, put api.CertificatePut, etag string) error {
	_, err := c.Do(ctx, http.MethodPut, "/1.0/certificates/"+fp, put, etag)
	return err
}

// DeleteCertificate removes a certificate.
func (c *Client) DeleteCertificate(ctx context.Context, fp string) error {
	_, err := c.Do(ctx, http.MethodDelete, "/1.0/certificates/"+fp, nil, "")
	return err
}

// GetOperations lists operations grouped by status.
func (c *Client) GetOperations(ctx context.Context, allProjects bool) (map[string][]api.Operation, error) {
	path := "/1.0/operations?recursion=1"
	if allProjects {
		path += "&all-projects=true"
	}
	out := map[string][]api.Operation{}
	_, err := c.Get(ctx, path, &out)
	return out, err
}
