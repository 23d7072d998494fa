package api

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/config"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/daemon/trust"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/tlsutil"
)

type certificateHandlers struct {
	trust  *trust.Store
	ops    *operations.Registry
	config *config.Server
	info   ServerInfo
	d      Deps
}

func certificateRoutes(r chi.Router, d Deps) {
	c := certificateHandlers{trust: d.Trust, ops: d.Ops, config: d.Config, info: d.Info, d: d}
	r.Get("/certificates", h(trustedOnly, c.list))
	r.Post("/certificates", h(untrusted, c.create))
	r.Get("/certificates/{fingerprint}", h(trustedOnly, c.get))
	r.Put("/certificates/{fingerprint}", h(trustedOnly, c.put))
	r.Patch("/certificates/{fingerprint}", h(trustedOnly, c.patch))
	r.Delete("/certificates/{fingerprint}", h(trustedOnly, c.delete))
}

func renderCertificate(c db.Certificate) api.Certificate {
	projects := c.Projects
	if projects == nil {
		projects = []string{}
	}
	return api.Certificate{
		CertificatePut: api.CertificatePut{Name: c.Name, Type: c.Type, Restricted: c.Restricted, Projects: projects, Certificate: c.Certificate},
		Fingerprint:    c.Fingerprint,
	}
}

func (c certificateHandlers) list(w http.ResponseWriter, r *http.Request) error {
	certs, err := c.trust.List(r.Context())
	if err != nil {
		return err
	}
	who := request.From(r.Context())
	out := []api.Certificate{}
	for _, cert := range certs {
		// A restricted client sees only its own certificate.
		if who.Restricted && cert.Fingerprint != who.Fingerprint {
			continue
		}
		out = append(out, renderCertificate(cert))
	}
	return renderList(w, r, out, func(cert api.Certificate) string { return "/1.0/certificates/" + cert.Fingerprint })
}

// visible loads a certificate the caller may act on.
func (c certificateHandlers) visible(r *http.Request) (db.Certificate, error) {
	cert, err := c.trust.Get(r.Context(), PathParam(r, "fingerprint"))
	if err != nil {
		return cert, err
	}
	who := request.From(r.Context())
	if who.Restricted && cert.Fingerprint != who.Fingerprint {
		return cert, api.Forbidden("not authorized")
	}
	return cert, nil
}

func (c certificateHandlers) get(w http.ResponseWriter, r *http.Request) error {
	cert, err := c.visible(r)
	if err != nil {
		return err
	}
	view := renderCertificate(cert)
	return renderSync(w, view, view)
}

func (c certificateHandlers) put(w http.ResponseWriter, r *http.Request) error {
	return c.update(w, r, false)
}

func (c certificateHandlers) patch(w http.ResponseWriter, r *http.Request) error {
	return c.update(w, r, true)
}

func (c certificateHandlers) update(w http.ResponseWriter, r *http.Request, partial bool) error {
	cert, err := c.visible(r)
	if err != nil {
		return err
	}
	current := renderCertificate(cert)
	if err := checkETag(r, current); err != nil {
		return err
	}
	req := current.CertificatePut
	if !partial {
		req = api.CertificatePut{}
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	next, err := c.applyPut(r, cert, req)
	if err != nil {
		return err
	}
	if err := c.trust.Update(r.Context(), cert.Fingerprint, next); err != nil {
		return err
	}
	c.d.Events.PublishLifecycle("", api.EventLifecycle{Action: "certificate-updated", Source: "/1.0/certificates/" + next.Fingerprint,
		Requestor: request.From(r.Context()).Lifecycle()})
	return renderEmpty(w)
}

// applyPut validates an edit. Restricted clients may rename or renew their
// own certificate but never change its type, restriction or projects.
func (c certificateHandlers) applyPut(r *http.Request, cert db.Certificate, req api.CertificatePut) (db.Certificate, error) {
	next := cert
	next.Name, next.Type, next.Restricted, next.Projects = req.Name, req.Type, req.Restricted, req.Projects
	if next.Type == "" {
		next.Type = api.CertificateTypeClient
	}
	if req.Certificate != "" && req.Certificate != cert.Certificate {
		parsed, err := parseClientCertificate(req.Certificate)
		if err != nil {
			return next, err
		}
		next.Certificate = string(tlsutil.EncodePEM(parsed))
		next.Fingerprint = tlsutil.Fingerprint(parsed)
	}
	if request.From(r.Context()).Restricted {
		if next.Type != cert.Type || next.Restricted != cert.Restricted || !sameStrings(next.Projects, cert.Projects) {
			return next, api.Forbidden("A restricted client can't change the type, restriction or projects of its certificate")
		}
	}
	return next, nil
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		seen[s]--
		if seen[s] < 0 {
			return false
		}
	}
	return true
}

func (c certificateHandlers) delete(w http.ResponseWriter, r *http.Request) error {
	cert, err := c.visible(r)
	if err != nil {
		return err
	}
	if err := c.trust.Delete(r.Context(), cert.Fingerprint); err != nil {
		return err
	}
	c.d.Events.PublishLifecycle("", api.EventLifecycle{Action: "certificate-deleted", Source: "/1.0/certificates/" + cert.Fingerprint,
		Requestor: request.From(r.Context()).Lifecycle()})
	return renderEmpty(w)
}

// parseClientCertificate accepts PEM or the bare base64 DER that the lxc
// client sends.
func parseClientCertificate(s string) (*x509.Certificate, error) {
	data := []byte(s)
	if !strings.Contains(s, "BEGIN CERTIFICATE") {
		der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
		if err != nil {
			return nil, api.BadRequest("Invalid certificate material: %w", err)
		}
		data = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	cert, err := tlsutil.ParseCertificate(data)
	if err != nil {
		return nil, api.BadRequest("%w", err)
	}
	return cert, nil
}

func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// decodeJoinSecret extracts the secret from a base64 token, if password is
// one.
func decodeTokenSecret(password string) (string, bool) {
	data, err := base64.StdEncoding.DecodeString(password)
	if err != nil {
		if data, err = base64.RawURLEncoding.DecodeString(password); err != nil {
			return "", false
		}
	}
	var tok api.CertificateAddToken
	if json.Unmarshal(data, &tok) != nil || tok.Secret == "" {
		return "", false
	}
	return tok.Secret, true
}

// tokenExpiry is the expiry of a new add token (core.remote_token_expiry).
func (c certificateHandlers) tokenExpiry() time.Time {
	if d := c.config.Snapshot().Duration("core.remote_token_expiry"); d > 0 {
		return time.Now().Add(d)
	}
	return time.Time{}
}
