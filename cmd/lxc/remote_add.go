package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
	"github.com/lxdng/lxd/shared/tlsutil"
)

type remoteAddFlags struct {
	acceptCert bool
	password   string
	public     bool
	protocol   string
	authType   string
	domain     string
	project    string
}

func remoteAddCommand(a *app) *cobra.Command {
	f := &remoteAddFlags{}
	cmd := &cobra.Command{
		Use:   "add [<remote>] <IP|FQDN|URL|token>",
		Short: "Add new remote servers",
		Long: `Add new remote servers

URL for remote resources must be HTTPS (https://).

Basic authentication can be used when combined with the "simplestreams" protocol:
  lxc remote add some-name https://LOGIN:PASSWORD@example.com/some/path --protocol=simplestreams`,
		RunE: withArgCount(1, 2, func(args []string) error {
			name, addr := args[0], args[len(args)-1]
			return a.remoteAdd(f, name, addr)
		}),
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.acceptCert, "accept-certificate", false, "Accept certificate")
	fl.StringVar(&f.password, "password", "", "Remote admin password``")
	fl.StringVar(&f.protocol, "protocol", "", "Server protocol (lxd or simplestreams)``")
	fl.StringVar(&f.authType, "auth-type", "", "Server authentication type (tls or candid)``")
	fl.BoolVar(&f.public, "public", false, "Public image server")
	fl.StringVar(&f.domain, "domain", "", "Candid domain to use``")
	fl.StringVar(&f.project, "project", "", "Project to use for the remote``")
	return cmd
}

func (a *app) remoteAdd(f *remoteAddFlags, name, addr string) error {
	if r, ok := a.conf.Remotes[name]; ok {
		return fmt.Errorf("Remote %s exists as <%s>", name, r.Addr)
	}
	if strings.Contains(name, ":") {
		return errors.New("Remote names may not contain colons")
	}
	switch f.authType {
	case "", "tls":
	case "candid":
		return errors.New("Candid authentication isn't supported by this client")
	default:
		return fmt.Errorf("Invalid authentication type: %s", f.authType)
	}
	if f.protocol == "" || f.protocol == "lxd" {
		if token, err := decodeToken(addr); err == nil {
			return a.remoteAddToken(name, addr, token)
		}
	}
	switch f.protocol {
	case "simplestreams":
		u, err := url.Parse(addr)
		if err != nil || u.Scheme != "https" {
			return errors.New("Only https URLs are supported for simplestreams")
		}
		a.conf.Remotes[name] = Remote{Addr: addr, Public: true, Protocol: f.protocol}
		return a.conf.Save()
	case "", "lxd":
	default:
		return fmt.Errorf("Invalid protocol: %s", f.protocol)
	}
	addr, err := normalizeRemoteURL(addr)
	if err != nil {
		return err
	}
	if f.authType == "" {
		f.authType = "tls"
	}
	remote := Remote{Addr: addr, Protocol: "lxd", AuthType: f.authType, Domain: f.domain, Project: f.project}
	a.conf.Remotes[name] = remote
	err = a.remoteAddConnect(f, name, remote)
	if err != nil {
		delete(a.conf.Remotes, name)
		return err
	}
	return a.conf.Save()
}

// normalizeRemoteURL turns what the user typed into "https://host:port" or
// "unix:///path": a missing scheme means https (or unix for a path), a
// missing port 8443, and IPv6 literals get brackets.
func normalizeRemoteURL(addr string) (string, error) {
	if strings.HasPrefix(addr, "/") {
		return "unix://" + addr, nil
	}
	if strings.HasPrefix(addr, "unix:") {
		return "unix://" + strings.TrimPrefix(strings.TrimPrefix(addr, "unix:"), "//"), nil
	}
	host := addr
	if scheme, rest, ok := strings.Cut(addr, "://"); ok {
		if scheme != "https" {
			return "", fmt.Errorf("Invalid URL scheme %q in %q", scheme, addr)
		}
		host = rest
	}
	host, _, _ = strings.Cut(host, "/")
	if host == "" {
		return "", fmt.Errorf("Invalid URL %q", addr)
	}
	port := "8443"
	if h, p, err := net.SplitHostPort(host); err == nil {
		host, port = h, p
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	return "https://" + net.JoinHostPort(host, port), nil
}

// remoteAddConnect pins the server certificate (asking the user unless
// --accept-certificate) and makes sure the server trusts us, using the
// trust password (or a token typed at the prompt) when it does not yet.
func (a *app) remoteAddConnect(f *remoteAddFlags, name string, remote Remote) error {
	c, err := a.dial(name, remote)
	if err != nil {
		return err
	}
	srv, _, err := c.GetServer(a.ctx)
	if err != nil && strings.HasPrefix(remote.Addr, "https:") {
		// Not verifiable with the system roots: fetch and pin the server's own.
		if pinErr := a.pinServerCert(name, remote.Addr, "", f.acceptCert); pinErr != nil {
			if api.IsStatus(pinErr, 503) {
				return err // unreachable: the connection error says more
			}
			return pinErr
		}
		if c, err = a.dial(name, remote); err != nil {
			return err
		}
		srv, _, err = c.GetServer(a.ctx)
	}
	if err != nil {
		return err
	}
	if srv.Public || f.public {
		a.conf.Remotes[name] = Remote{Addr: remote.Addr, Public: true}
		return nil
	}
	if srv.Auth == "trusted" {
		return nil
	}
	password := f.password
	if password == "" {
		fmt.Fprintf(a.stdout, "Admin password (or token) for %s: ", name)
		if password, err = a.readPassword(); err != nil {
			return err
		}
		fmt.Fprintln(a.stdout)
	}
	req := api.CertificatesPost{Password: password}
	req.Type = api.CertificateTypeClient
	if _, err := c.CreateCertificate(a.ctx, req); err != nil {
		return err
	}
	if err := a.checkTrusted(c); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Client certificate now trusted by server: %s\n", name)
	return nil
}

func (a *app) checkTrusted(c *client.Client) error {
	srv, _, err := c.GetServer(a.ctx)
	if err != nil {
		return err
	}
	if srv.Auth != "trusted" {
		return errors.New("Server doesn't trust us after authentication")
	}
	return nil
}

// pinServerCert fetches the certificate addr presents and stores it as the
// remote's servercerts/<name>.crt. With wantFP it must match (tokens); else
// the user confirms the fingerprint unless accept is set.
func (a *app) pinServerCert(name, addr, wantFP string, accept bool) error {
	peek, err := client.ConnectHTTPS(addr, &client.Options{InsecureSkipVerify: true})
	if err != nil {
		return err
	}
	certPEM, err := peek.PeerCertificate(a.ctx)
	if err != nil {
		return api.Unavailable("Unavailable remote server: %w", err)
	}
	fp, _, err := tlsutil.FingerprintPEM(certPEM)
	if err != nil {
		return err
	}
	switch {
	case wantFP != "":
		if !strings.EqualFold(fp, wantFP) {
			return fmt.Errorf("Certificate fingerprint mismatch between certificate token and server %q", addr)
		}
	case !accept:
		fmt.Fprintf(a.stdout, "Certificate fingerprint: %s\n", fp)
		fmt.Fprint(a.stdout, "ok (y/n/[fingerprint])? ")
		line, err := a.readLine()
		if err != nil {
			return err
		}
		if line != "y" && line != fp {
			return errors.New("Server certificate NACKed by user")
		}
	}
	if err := os.MkdirAll(a.conf.Path("servercerts"), 0o750); err != nil {
		return err
	}
	return os.WriteFile(a.conf.ServerCertPath(name), certPEM, 0o644)
}

// remoteAddToken redeems a certificate add token: the first of its
// addresses that answers with the token's certificate fingerprint gets our
// client certificate added (the token goes in the "password" field).
func (a *app) remoteAddToken(name, token string, t *api.CertificateAddToken) error {
	if _, err := a.clientCertificate(); err != nil {
		return err
	}
	var errs []error
	for _, address := range t.Addresses {
		addr := "https://" + address
		err := a.remoteAddTokenAt(name, addr, token, t)
		if err == nil {
			return a.conf.Save()
		}
		delete(a.conf.Remotes, name)
		_ = os.Remove(a.conf.ServerCertPath(name))
		if !api.IsStatus(err, 503) {
			return err
		}
		errs = append(errs, fmt.Errorf("%s: %w", addr, err))
	}
	return fmt.Errorf("Failed to add remote: %w", errors.Join(errs...))
}

func (a *app) remoteAddTokenAt(name, addr, token string, t *api.CertificateAddToken) error {
	if err := a.pinServerCert(name, addr, t.Fingerprint, true); err != nil {
		return err
	}
	remote := Remote{Addr: addr, Protocol: "lxd"}
	a.conf.Remotes[name] = remote
	c, err := a.dial(name, remote)
	if err != nil {
		return err
	}
	if _, err := c.CreateCertificate(a.ctx, api.CertificatesPost{Password: token}); err != nil {
		return fmt.Errorf("Failed to create certificate: %w", err)
	}
	return a.checkTrusted(c)
}
