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
// (core.https_address, changed live) and the pprof listener
// (core.debug_address).
type listeners struct {
	handler http.Handler
	cert    *tlsutil.KeyPair
	log     *logrus.Entry

	mu      sync.Mutex
	servers map[string]*http.Server // by role: "unix", "https", "debug"
	addrs   map[string]string
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
	for _, role := range []string{"https", "debug", "unix"} {
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
	return l.rebind("debug", old.Get("core.debug_address"), next.Get("core.debug_address"), l.listenDebug)
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

func (l *listeners) listenHTTPS(addr string) error {
	addr = canonicalAddress(addr)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return lxdapi.BadRequest("cannot listen on https socket: %w", err)
	}
	l.start("https", ln.Addr().String(), tls.NewListener(ln, tlsutil.ServerConfig(l.cert)), l.handler)
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
