package images

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"time"

	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/shared/api"
)

type tokenKind int

const (
	// downloadToken lets an untrusted caller read and export one private
	// image (pull copies); the export consumes it.
	downloadToken tokenKind = iota
	// pushToken lets an untrusted caller upload one image (push copies);
	// a successful upload consumes it.
	pushToken
)

// token is a secret handed out through an "Image download token"
// operation. It lives as long as the operation runs.
type token struct {
	kind        tokenKind
	secret      string
	fingerprint string
	project     string
	op          *operations.Op
	push        ImportOpts // settings of the pushed image
}

func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// startToken registers t behind a token operation carrying metadata (the
// secret is added).
func (s *Service) startToken(ctx context.Context, t *token, metadata map[string]any) (*operations.Op, error) {
	secret, err := newSecret()
	if err != nil {
		return nil, err
	}
	t.secret = secret
	metadata["secret"] = secret
	op, err := s.o.Ops.StartToken(ctx, operations.Spec{
		Project: t.project, Description: "Image download token",
		Resources: map[string][]string{"images": {"/1.0/images/" + t.fingerprint}}, Metadata: metadata,
	}, time.Time{})
	if err != nil {
		return nil, err
	}
	t.op = op
	s.tokensMu.Lock()
	s.tokens[secret] = t
	s.tokensMu.Unlock()
	go func() {
		<-op.Done()
		s.tokensMu.Lock()
		delete(s.tokens, secret)
		s.tokensMu.Unlock()
	}()
	return op, nil
}

// CreateSecret starts the download token of a private image (POST
// /1.0/images/<fp>/secret).
func (s *Service) CreateSecret(ctx context.Context, project, fp string) (*operations.Op, error) {
	row, err := s.row(ctx, project, fp)
	if err != nil {
		return nil, err
	}
	return s.startToken(ctx, &token{kind: downloadToken, fingerprint: row.Fingerprint, project: project}, map[string]any{})
}

// findToken returns the live token with secret (constant-time compare).
func (s *Service) findToken(secret string, kind tokenKind) *token {
	if secret == "" {
		return nil
	}
	s.tokensMu.Lock()
	defer s.tokensMu.Unlock()
	for k, t := range s.tokens {
		if t.kind == kind && subtle.ConstantTimeCompare([]byte(k), []byte(secret)) == 1 && !t.op.Status().IsFinal() {
			return t
		}
	}
	return nil
}

// ValidSecret reports whether secret is a live download token for the
// image of project with fingerprint fp (full or prefix).
func (s *Service) ValidSecret(ctx context.Context, project, fp, secret string) bool {
	t := s.findToken(secret, downloadToken)
	if t == nil {
		return false
	}
	row, err := s.row(ctx, project, fp)
	return err == nil && row.Fingerprint == t.fingerprint
}

// consumeSecret ends the download token after a successful export; the
// operation ends Cancelled, as in LXD. Unlike LXD (which accepts a used
// secret for as long as the finished operation is kept), the secret then
// opens nothing any more.
func (s *Service) consumeSecret(secret string) {
	if t := s.findToken(secret, downloadToken); t != nil {
		_ = t.op.Cancel()
	}
}

func (s *Service) completeToken(t *token) { s.o.Ops.CompleteToken(t.op) }

// pushToken returns the push token matching secret and, when the uploader
// names one, the fingerprint. Anything else is LXD's 403.
func (s *Service) pushToken(secret, fp string) (*token, error) {
	t := s.findToken(secret, pushToken)
	if t == nil || (fp != "" && fp != t.fingerprint) {
		return nil, api.Forbidden("not authorized")
	}
	return t, nil
}

// StartPushToken is the target side of a push copy (POST /1.0/images with
// source.mode "push"): a token operation whose secret lets the source
// upload the image with these settings.
func (s *Service) StartPushToken(ctx context.Context, project string, req api.ImagesPost) (*operations.Op, error) {
	if req.Source == nil || req.Source.Fingerprint == "" {
		return nil, api.BadRequest("Missing image fingerprint")
	}
	if _, err := s.resolveProject(ctx, project); err != nil {
		return nil, err
	}
	t := &token{kind: pushToken, fingerprint: req.Source.Fingerprint, project: project, push: ImportOpts{
		Project: project, Filename: req.Filename, Public: req.Public, AutoUpdate: req.AutoUpdate,
		Properties: req.Properties, Profiles: req.Profiles, ExpiresAt: req.ExpiresAt, Aliases: req.Aliases,
	}}
	expires := req.ExpiresAt
	if expires.IsZero() {
		expires = epoch
	}
	md := map[string]any{"aliases": req.Aliases, "expires_at": expires, "properties": req.Properties, "public": req.Public}
	return s.startToken(ctx, t, md)
}
