package api

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/daemon/config"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/daemon/trust"
	"github.com/lxdng/lxd/shared/logctx"
)

type connKey struct{}

// ConnContext is installed as http.Server.ConnContext so that handlers can
// learn how the caller connected (unix peer credentials).
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// peerUser returns the user name and uid of the process on the other end of
// a unix socket connection.
func peerUser(c net.Conn) (string, bool) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return "", false
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return "", false
	}
	var cred *unix.Ucred
	_ = raw.Control(func(fd uintptr) {
		cred, err = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if err != nil || cred == nil {
		return "", true
	}
	if u, err := user.LookupId(strconv.Itoa(int(cred.Uid))); err == nil {
		return u.Username, true
	}
	return strconv.Itoa(int(cred.Uid)), true
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// requestContext identifies the caller, attaches a logger with request
// fields and logs the request's outcome.
func requestContext(store *trust.Store, cfg *config.Server) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			who := identify(r, store, cfg)
			entry := logrus.WithFields(logrus.Fields{
				"request_id": newRequestID(), "method": r.Method, "url": r.URL.RequestURI(),
				"protocol": who.Protocol, "username": who.Username,
			})
			ctx := logctx.With(request.With(r.Context(), who), entry)
			sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(sw, r.WithContext(ctx))
			entry.WithFields(logrus.Fields{"status": sw.status, "duration": time.Since(start)}).Debug("Handled request")
		})
	}
}

func identify(r *http.Request, store *trust.Store, cfg *config.Server) *request.Requestor {
	if r.TLS == nil {
		if c, ok := r.Context().Value(connKey{}).(net.Conn); ok {
			if name, isUnix := peerUser(c); isUnix {
				return &request.Requestor{Trusted: true, Protocol: request.ProtocolUnix, Username: name, Address: "@"}
			}
		}
		return &request.Requestor{Protocol: "http", Address: r.RemoteAddr}
	}
	snap := cfg.Snapshot()
	remote := clientAddress(r, snap)
	return store.Identify(r.Context(), r.TLS.PeerCertificates, snap.Bool("core.trust_ca_certificates"), remote)
}

// clientAddress honours X-Forwarded-For from a trusted proxy
// (core.https_trusted_proxy).
func clientAddress(r *http.Request, snap config.Snapshot) string {
	proxies := snap.Get("core.https_trusted_proxy")
	fwd := r.Header.Get("X-Forwarded-For")
	if proxies == "" || fwd == "" {
		return r.RemoteAddr
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	for _, p := range strings.Split(proxies, ",") {
		if net.ParseIP(strings.TrimSpace(p)).Equal(net.ParseIP(host)) {
			return strings.TrimSpace(strings.Split(fwd, ",")[0])
		}
	}
	return r.RemoteAddr
}

// cors sets the core.https_allowed_* headers on HTTPS responses and answers
// preflight requests.
func cors(cfg *config.Server) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			snap := cfg.Snapshot()
			if origin := snap.Get("core.https_allowed_origin"); origin != "" {
				w.Header().Set("Access-Control-Allow-Origin", origin)
			}
			if v := snap.Get("core.https_allowed_methods"); v != "" {
				w.Header().Set("Access-Control-Allow-Methods", v)
			}
			if v := snap.Get("core.https_allowed_headers"); v != "" {
				w.Header().Set("Access-Control-Allow-Headers", v)
			}
			if snap.Bool("core.https_allowed_credentials") {
				w.Header().Set("Access-Control-Allow-Credentials", "true")
			}
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				w.WriteHeader(http.StatusOK)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// statusWriter records the status for the access log and still supports
// hijacking (websockets) and flushing (streams).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := s.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	s.status = http.StatusSwitchingProtocols
	return hj.Hijack()
}
