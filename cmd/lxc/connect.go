package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/lxdng/lxd/shared/client"
	"github.com/lxdng/lxd/shared/tlsutil"
)

// connect returns a client for a private LXD remote, scoped to the remote's
// project or the --project override.
func (a *app) connect(remoteName string) (*client.Client, error) {
	r, ok := a.conf.Remotes[remoteName]
	if !ok {
		return nil, fmt.Errorf("The remote %q doesn't exist", remoteName)
	}
	if r.Public || r.Protocol == "simplestreams" {
		return nil, errors.New("The remote isn't a private LXD server")
	}
	c, err := a.dial(remoteName, r)
	if err != nil {
		return nil, err
	}
	if r.Project != "" && r.Project != "default" {
		c = c.WithProject(r.Project)
	}
	if a.flags.project != "" {
		c = c.WithProject(a.flags.project)
	}
	return c, nil
}

// dial opens the transport of a remote: its unix socket, or HTTPS with our
// client certificate and the pinned server certificate when there is one.
func (a *app) dial(name string, r Remote) (*client.Client, error) {
	if strings.HasPrefix(r.Addr, "unix:") {
		path := unixPath(r.Addr)
		a.debugf("Connecting to a local LXD over a Unix socket")
		return client.ConnectUnix(path, nil)
	}
	opts, err := a.httpsOptions(name)
	if err != nil {
		return nil, err
	}
	a.debugf("Connecting to a remote LXD over HTTPS")
	return client.ConnectHTTPS(r.Addr, opts)
}

// unixPath turns "unix://", "unix:///path" or "unix:/path" into a socket
// path; an empty path means the local daemon.
func unixPath(addr string) string {
	path := strings.TrimPrefix(strings.TrimPrefix(addr, "unix:"), "//")
	if path == "" {
		return localSocket()
	}
	return path
}

// httpsOptions loads (generating on first use) the client certificate and
// the remote's pinned server certificate, if any.
func (a *app) httpsOptions(remote string) (*client.Options, error) {
	kp, err := a.clientCertificate()
	if err != nil {
		return nil, err
	}
	opts := &client.Options{ClientCert: kp}
	pem, err := os.ReadFile(a.conf.ServerCertPath(remote))
	if err == nil {
		opts.ServerCertPEM = pem
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("Could not read the server certificate: %w", err)
	}
	return opts, nil
}

// clientCertificate returns client.crt/client.key of the config dir,
// generating them first if needed (with LXD's message on stderr).
func (a *app) clientCertificate() (*tlsutil.KeyPair, error) {
	certFile, keyFile := a.conf.Path("client.crt"), a.conf.Path("client.key")
	if _, err := os.Stat(certFile); errors.Is(err, os.ErrNotExist) {
		if !a.flags.quiet {
			fmt.Fprintln(a.stderr, "Generating a client certificate. This may take a minute...")
		}
		if err := os.MkdirAll(a.conf.Dir, 0o750); err != nil {
			return nil, err
		}
	}
	kp, err := tlsutil.LoadOrGenerate(certFile, keyFile, false)
	if err != nil {
		return nil, fmt.Errorf("Failed to load the client certificate: %w", err)
	}
	return kp, nil
}
