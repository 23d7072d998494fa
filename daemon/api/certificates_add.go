package api

import (
	"net/http"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/config"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/tlsutil"
)

// create adds a certificate: directly for admins, by trust password or add
// token for untrusted HTTPS clients, or issues a token (token: true).
func (c certificateHandlers) create(w http.ResponseWriter, r *http.Request) error {
	var req api.CertificatesPost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	who := request.From(r.Context())
	if req.Token && req.Type != api.CertificateTypeClient {
		return api.BadRequest("Tokens can only be issued for client certificates")
	}
	if req.Type == "" {
		req.Type = api.CertificateTypeClient
	}
	switch {
	case who.Trusted && who.Restricted:
		return api.Forbidden("not authorized")
	case who.Trusted && req.Token:
		return c.issueToken(w, r, req)
	case who.Trusted:
		return c.addDirect(w, r, req)
	}
	return c.addUntrusted(w, r, req)
}

func (c certificateHandlers) issueToken(w http.ResponseWriter, r *http.Request, req api.CertificatesPost) error {
	if req.Projects == nil {
		req.Projects = []string{}
	}
	env := c.info.Environment(r.Context())
	if len(env.Addresses) == 0 {
		return api.BadRequest("Can't issue token when server isn't listening on network")
	}
	md := map[string]any{
		"addresses":   env.Addresses,
		"fingerprint": env.CertificateFingerprint,
		"request":     req,
		"secret":      randomSecret(),
	}
	expiry := c.tokenExpiry()
	if !expiry.IsZero() {
		md["expiresAt"] = expiry
	}
	op, err := c.ops.StartToken(r.Context(), operations.Spec{
		Project: "default", Class: api.OperationClassToken, Description: "Executing operation", Metadata: md,
	}, expiry)
	if err != nil {
		return err
	}
	return renderAsync(w, r, op)
}

func (c certificateHandlers) addDirect(w http.ResponseWriter, r *http.Request, req api.CertificatesPost) error {
	var certPEM string
	if req.Certificate != "" {
		cert, err := parseClientCertificate(req.Certificate)
		if err != nil {
			return err
		}
		certPEM = string(tlsutil.EncodePEM(cert))
	} else if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		certPEM = string(tlsutil.EncodePEM(r.TLS.PeerCertificates[0]))
	} else {
		return api.BadRequest("Can't use TLS data on non-TLS link")
	}
	return c.store(w, r, req.CertificatePut, certPEM)
}

// addUntrusted trusts the caller's TLS certificate when it proves a trust
// password or an add token.
func (c certificateHandlers) addUntrusted(w http.ResponseWriter, r *http.Request, req api.CertificatesPost) error {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return api.Forbidden("not authorized")
	}
	certPEM := string(tlsutil.EncodePEM(r.TLS.PeerCertificates[0]))
	if secret, ok := decodeTokenSecret(req.Password); ok {
		op, found := c.ops.FindToken(func(md map[string]any) bool {
			s, _ := md["secret"].(string)
			_, isCertToken := md["request"]
			return isCertToken && s == secret
		})
		if !found {
			return api.Forbidden("No matching certificate add operation found")
		}
		tokenReq, _ := op.Metadata()["request"].(api.CertificatesPost)
		if tokenReq.Type == "" {
			tokenReq.Type = api.CertificateTypeClient
		}
		if err := c.store(w, r, tokenReq.CertificatePut, certPEM); err != nil {
			return err
		}
		c.ops.CompleteToken(op)
		return nil
	}
	hash := c.config.Snapshot().TrustPasswordHash()
	if hash == "" || !config.CheckPassword(hash, req.Password) {
		return api.Forbidden("not authorized")
	}
	return c.store(w, r, req.CertificatePut, certPEM)
}

func (c certificateHandlers) store(w http.ResponseWriter, r *http.Request, put api.CertificatePut, certPEM string) error {
	fp, cert, err := tlsutil.FingerprintPEM([]byte(certPEM))
	if err != nil {
		return api.BadRequest("%w", err)
	}
	name := put.Name
	if name == "" {
		name = cert.Subject.CommonName
	}
	if put.Type == "" {
		put.Type = api.CertificateTypeClient
	}
	err = c.trust.Add(r.Context(), db.Certificate{
		Fingerprint: fp, Type: put.Type, Name: name, Certificate: certPEM,
		Restricted: put.Restricted, Projects: put.Projects,
	})
	if err != nil {
		return err
	}
	c.d.Events.PublishLifecycle("", api.EventLifecycle{Action: "certificate-created", Source: "/1.0/certificates/" + fp,
		Requestor: request.From(r.Context()).Lifecycle()})
	return renderEmpty(w)
}
