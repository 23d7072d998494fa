package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/user"
	"strconv"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lxdng/lxd/daemon/api"
	"github.com/lxdng/lxd/daemon/config"
	lxdapi "github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/tlsutil"
)

// listeners owns the daemon's sockets: the unix socket, the HTTPS listener
// (core.https_address, changed live), a separate cluster listener when
// cluster.https_address differs from it, and the pprof listener
// (core.debug_address).
type listeners struct {
	handler http.Handler
	log     *logrus.Entry

	mu      sync.Mutex
	cert    *tlsutil.KeyPair        // presented over HTTPS; switched live when clustering
	servers map[string]*http.Server // by role: "unix", "https", "cluster", "debug"
	addrs   map[string]string
}

// setCertificate changes the certificate presented to new HTTPS
// connections (the cluster certificate once clustered).
func (l *listeners) setCertificate(kp *tlsutil.KeyPair) {
	l.mu.Lock()
	l.cert = kp
	l.mu.Unlock()
}

func (l *listeners) certificate() *tlsutil.KeyPair {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cert
}

func newListeners(h http.Handler, cert *tlsutil.KeyPair, log *logrus.Entry) *listeners {
	return &listeners{handler: h, cert: cert, log: log, servers: map[string]*http.Server{}, addrs: map[string]string{}}
}

func (l *listeners) newServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ConnContext: api.ConnContext, ReadHeaderTimeout: 30 * time.Second,
		ErrorLog: nil}
}

// serveUnix listens on path, replacing a stale socket, with mode 0660 and
// the given group.
func (l *listeners) serveUnix(path, group string) error {
	if err := removeStaleSocket(path); err != nil {
		return err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("Failed to listen on %s: %w", path, err)
	}
	gid := 0
	if group != "" {
		g, err := user.LookupGroup(group)
		if err != nil {
			ln.Close()
			return fmt.Errorf("Unknown group %q: %w", group, err)
		}
		gid, _ = strconv.Atoi(g.Gid)
	}
	if err := os.Chown(path, 0, gid); err != nil {
		ln.Close()
		return err
	}
	if err := os.Chmod(path, 0o660); err != nil {
		ln.Close()
		return err
	}
	l.start("unix", path, ln, l.handler)
	return nil
}

// removeStaleSocket deletes path unless a live daemon answers on it.
func removeStaleSocket(path string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("LXD is already running (socket %s answers)", path)
	}
	return os.Remove(path)
}

func (l *listeners) start(role, addr string, ln net.Listener, h http.Handler) {
	srv := l.newServer(h)
	l.mu.Lock()
	l.servers[role] = srv
	l.addrs[role] = addr
	l.mu.Unlock()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			l.log.WithError(err).WithField("listener", role).Error("Listener failed")
		}
	}()
	l.log.WithFields(logrus.Fields{"listener": role, "address": addr}).Info("Listening")
}

func (l *listeners) stop(role string) {
	l.mu.Lock()
	srv := l.servers[role]
	delete(l.servers, role)
	delete(l.addrs, role)
	l.mu.Unlock()
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = srv.Close()
	}
}

// address returns where role listens ("" when it does not).
func (l *listeners) address(role string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.addrs[role]
}

func (l *listeners) closeAll() {
	for _, role := range []string{"https", "cluster", "debug", "unix"} {
		l.stop(role)
	}
}

// applyConfig is a config.Applier: it (re)binds the HTTPS and debug
// listeners when their address keys change. Binding first means a bad
// address rejects the config change.
func (l *listeners) applyConfig(ctx context.Context, old, next config.Snapshot) error {
	if err := l.rebind("https", old.Get("core.https_address"), next.Get("core.https_address"), l.listenHTTPS); err != nil {
		return err
	}
	if err := l.rebind("cluster", separateClusterAddress(old), separateClusterAddress(next), l.listenCluster); err != nil {
		return err
	}
	return l.rebind("debug", old.Get("core.debug_address"), next.Get("core.debug_address"), l.listenDebug)
}

// separateClusterAddress is cluster.https_address when the HTTPS listener
// does not already cover it.
func separateClusterAddress(s config.Snapshot) string {
	cl := s.Get("cluster.https_address")
	if cl == "" {
		return ""
	}
	core := s.Get("core.https_address")
	if core == "" {
		return cl
	}
	ch, cp, err1 := net.SplitHostPort(canonicalAddress(core))
	lh, lp, err2 := net.SplitHostPort(canonicalAddress(cl))
	if err1 != nil || err2 != nil {
		return cl
	}
	if cp == lp && (ch == lh || ch == "" || net.ParseIP(ch).IsUnspecified()) {
		return ""
	}
	return cl
}

func (l *listeners) rebind(role, oldAddr, newAddr string, listen func(addr string) error) error {
	if oldAddr == newAddr && (newAddr == "" || l.address(role) != "") {
		return nil
	}
	l.stop(role)
	if newAddr == "" {
		return nil
	}
	return listen(newAddr)
}

// canonicalAddress adds LXD's default port 8443 when none is given.
func canonicalAddress(addr string) string {
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr
	}
	return net.JoinHostPort(addr, "8443")
}

func (l *listeners) listenHTTPS(addr string) error { return l.listenTLS("https", addr) }

func (l *listeners) listenCluster(addr string) error { return l.listenTLS("cluster", addr) }

func (l *listeners) listenTLS(role, addr string) error {
	addr = canonicalAddress(addr)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return lxdapi.BadRequest("cannot listen on https socket: %w", err)
	}
	cfg := tlsutil.ServerConfig(l.certificate())
	cfg.Certificates = nil
	cfg.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		return &l.certificate().TLS, nil
	}
	l.start(role, ln.Addr().String(), tls.NewListener(ln, cfg), l.handler)
	return nil
}

func (l *listeners) listenDebug(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return lxdapi.BadRequest("cannot listen on debug socket: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	l.start("debug", addr, ln, mux)
	return nil
}
