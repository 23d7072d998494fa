package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
	"github.com/lxdng/lxd/shared/tlsutil"
)

// trustCommand is `lxc config trust`: the server's trust store and its
// certificate add tokens.
func trustCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trust",
		Short: "Manage trusted clients",
		RunE:  groupRunE,
	}
	cmd.AddCommand(trustAddCommand(a), trustEditCommand(a), trustListCommand(a), trustListTokensCommand(a),
		trustRemoveCommand(a), trustRevokeTokenCommand(a), trustShowCommand(a))
	return cmd
}

type trustAddFlags struct {
	name       string
	certType   string
	restricted bool
	projects   string
}

func trustAddCommand(a *app) *cobra.Command {
	f := &trustAddFlags{}
	cmd := &cobra.Command{
		Use:   "add [<remote>:] [<cert>]",
		Short: "Add new trusted client",
		Long: `Add new trusted client

The following certificate types are supported:
- client (default)
- metrics

If the certificate is omitted, a token will be generated and returned. A client
providing a valid token will have its client certificate added to the trusted list
and the consumed token will be invalidated. Similar to certificates, tokens can be
restricted to one or more projects.`,
		RunE: withArgCount(0, 2, func(args []string) error {
			return a.trustAdd(f, args)
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&f.name, "name", "", "Alternative certificate name``")
	fl.StringVar(&f.certType, "type", "client", "Type of certificate``")
	fl.BoolVar(&f.restricted, "restricted", false, "Restrict the certificate to one or more projects")
	fl.StringVar(&f.projects, "projects", "", "List of projects to restrict the certificate to``")
	return cmd
}

func (a *app) trustAdd(f *trustAddFlags, args []string) error {
	// "[<remote>:] [<cert>]": one argument is the remote only if it ends
	// with a colon.
	remote, certPath := a.conf.DefaultRemote, ""
	switch {
	case len(args) == 2:
		r, err := a.parseServerArg(args[:1])
		if err != nil {
			return err
		}
		remote, certPath = r, args[1]
	case len(args) == 1 && strings.HasSuffix(args[0], ":"):
		r, err := a.parseServerArg(args)
		if err != nil {
			return err
		}
		remote = r
	case len(args) == 1:
		certPath = args[0]
	}
	if f.certType != api.CertificateTypeClient && f.certType != api.CertificateTypeMetrics {
		return fmt.Errorf("Unknown certificate type %q", f.certType)
	}
	req := api.CertificatesPost{}
	req.Type, req.Restricted, req.Name = f.certType, f.restricted, f.name
	if f.projects != "" {
		req.Projects = strings.Split(f.projects, ",")
	}
	if certPath != "" {
		data, err := os.ReadFile(certPath)
		if err != nil {
			return fmt.Errorf("Could not read certificate file: %s with error: %w", certPath, err)
		}
		cert, err := tlsutil.ParseCertificate(data)
		if err != nil {
			return err
		}
		req.Certificate = base64.StdEncoding.EncodeToString(cert.Raw)
		if req.Name == "" {
			req.Name = filepath.Base(certPath)
		}
	} else {
		req.Token = true
		if req.Name == "" {
			fmt.Fprint(a.stdout, "Please provide client name: ")
			name, err := a.readLine()
			if err != nil {
				return err
			}
			if req.Name = strings.TrimSpace(name); req.Name == "" {
				return errors.New("Client name cannot be empty")
			}
		}
	}
	c, err := a.connect(remote)
	if err != nil {
		return err
	}
	op, err := c.CreateCertificate(a.ctx, req)
	if err != nil || !req.Token {
		return err
	}
	if op == nil {
		return errors.New("The server didn't return a token operation")
	}
	t, err := tokenFromOperation(&op.Operation)
	if err != nil {
		return err
	}
	t.ClientName = req.Name
	encoded, err := encodeToken(t)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Client %s certificate add token:\n%s\n", req.Name, encoded)
	return nil
}

// lxdDate is how LXD's client prints certificate dates (local time).
func lxdDate(t time.Time) string {
	return t.Local().Format("Jan 2, 2006 at 3:04pm (MST)")
}

func trustListCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "list [<remote>:]", Aliases: []string{"ls"}, Short: "List trusted clients"}
	return a.serverListCommand(cmd, nil, func(c *client.Client, _ string) (listing, error) {
		certs, err := c.GetCertificates(a.ctx)
		if err != nil {
			return listing{}, err
		}
		rows, err := certificateRows(certs)
		header := []string{"TYPE", "NAME", "COMMON NAME", "FINGERPRINT", "ISSUE DATE", "EXPIRY DATE"}
		return listing{header, rows, certs}, err
	})
}

func certificateRows(certs []api.Certificate) ([][]string, error) {
	rows := [][]string{}
	for _, cert := range certs {
		parsed, err := tlsutil.ParseCertificate([]byte(cert.Certificate))
		if err != nil {
			return nil, err
		}
		fp := cert.Fingerprint
		if len(fp) > 12 {
			fp = fp[:12]
		}
		rows = append(rows, []string{cert.Type, cert.Name, parsed.Subject.CommonName, fp,
			lxdDate(parsed.NotBefore), lxdDate(parsed.NotAfter)})
	}
	sortRows(rows)
	return rows, nil
}

// displayToken is one row of list-tokens; the untagged field names are
// what LXD's client prints in JSON and (lower-cased) in YAML.
type displayToken struct {
	ClientName string
	Token      string
	ExpiresAt  string
}

// certificateTokens lists the running certificate add token operations.
func (a *app) certificateTokens(remote string) ([]displayToken, []string, error) {
	c, err := a.connect(remote)
	if err != nil {
		return nil, nil, err
	}
	ops, err := c.GetOperations(a.ctx, false)
	if err != nil {
		return nil, nil, err
	}
	var tokens []displayToken
	var ids []string
	for _, op := range ops["running"] {
		if op.Class != api.OperationClassToken {
			continue
		}
		t, err := tokenFromOperation(&op)
		if err != nil {
			continue
		}
		encoded, err := encodeToken(t)
		if err != nil {
			return nil, nil, err
		}
		expiry := ""
		if !t.ExpiresAt.IsZero() {
			expiry = t.ExpiresAt.Local().Format("2006/01/02 15:04 MST")
		}
		tokens = append(tokens, displayToken{ClientName: t.ClientName, Token: encoded, ExpiresAt: expiry})
		ids = append(ids, op.ID)
	}
	return tokens, ids, nil
}

func trustListTokensCommand(a *app) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list-tokens [<remote>:]",
		Short: "List all active certificate add tokens",
		RunE: withArgCount(0, 1, func(args []string) error {
			remote, err := a.parseServerArg(args)
			if err != nil {
				return err
			}
			tokens, _, err := a.certificateTokens(remote)
			if err != nil {
				return err
			}
			rows := [][]string{}
			for _, t := range tokens {
				rows = append(rows, []string{t.ClientName, t.Token, t.ExpiresAt})
			}
			sortRows(rows)
			if tokens == nil {
				tokens = []displayToken{}
			}
			return renderTable(a.stdout, format, []string{"NAME", "TOKEN", "EXPIRES AT"}, rows, tokens)
		}),
	}
	formatFlag(cmd, &format)
	return cmd
}

func trustRevokeTokenCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke-token [<remote>:] <name>",
		Short: "Revoke certificate add token",
		RunE: withArgCount(1, 2, func(args []string) error {
			remote, err := a.parseServerArg(args[:len(args)-1])
			if err != nil {
				return err
			}
			name := args[len(args)-1]
			tokens, ids, err := a.certificateTokens(remote)
			if err != nil {
				return err
			}
			for i, t := range tokens {
				if t.ClientName != name {
					continue
				}
				c, err := a.connect(remote)
				if err != nil {
					return err
				}
				if _, _, err := c.Query(a.ctx, http.MethodDelete, "/1.0/operations/"+ids[i], nil, ""); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "Certificate add token for %s deleted\n", name)
				return nil
			}
			return fmt.Errorf("No certificate add token for member %s on remote: %s", name, remote)
		}),
	}
}

// missingFingerprint is LXD's error for "[<remote>:]" without a fingerprint.
const missingFingerprint = "Missing certificate fingerprint"

func trustRemoveCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "remove [<remote>:]<fingerprint>",
		Aliases: []string{"rm"},
		Short:   "Remove trusted client",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceArg(args[0], missingFingerprint)
			if err != nil {
				return err
			}
			return r.c.DeleteCertificate(a.ctx, r.name)
		}),
	}
}

func trustShowCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show [<remote>:]<fingerprint>",
		Short: "Show trust configurations",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceArg(args[0], missingFingerprint)
			if err != nil {
				return err
			}
			cert, _, err := r.c.GetCertificate(a.ctx, r.name)
			if err != nil {
				return err
			}
			return printYAML(a.stdout, cert)
		}),
	}
}

const trustEditHeader = `### This is a YAML representation of the certificate.
### Any line starting with a '# will be ignored.
###
### Note that the fingerprint is shown but cannot be changed`

func trustEditCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "edit [<remote>:]<fingerprint>",
		Short: "Edit trust configurations as YAML",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceArg(args[0], missingFingerprint)
			if err != nil {
				return err
			}
			var cert *api.Certificate
			return editObject(a, objectEdit[api.CertificatePut]{
				header:       trustEditHeader,
				getWhenPiped: true,
				get: func() (any, string, error) {
					got, etag, err := r.c.GetCertificate(a.ctx, r.name)
					cert = got
					return got, etag, err
				},
				put: func(put api.CertificatePut, etag string) error {
					return r.c.UpdateCertificate(a.ctx, cert.Fingerprint, put, etag)
				},
			})
		}),
	}
}
