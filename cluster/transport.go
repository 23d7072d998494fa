package cluster

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/lxdng/lxd/shared/tlsutil"
)

// DatabasePath is the endpoint through which dqlite traffic enters a
// member's HTTPS listener: `GET /internal/database` with `Upgrade: dqlite`.
const DatabasePath = "/internal/database"

// Transport carries the database's raft and SQL traffic over the members'
// HTTPS listeners. Outgoing connections (Dial) do TLS with the cluster
// certificate and perform the upgrade; incoming upgrades (ServeHTTP) from a
// peer holding the cluster certificate are handed to the running dqlite
// node through its accept channel.
type Transport struct {
	mu     sync.Mutex
	cert   *tlsutil.KeyPair
	accept chan net.Conn
	// DialTimeout bounds connecting to a peer (raft retries on its own).
	DialTimeout time.Duration
}

// NewTransport returns a transport presenting cert (the cluster
// certificate; may be set later).
func NewTransport(cert *tlsutil.KeyPair) *Transport {
	return &Transport{cert: cert, DialTimeout: 3 * time.Second}
}

// SetCertificate changes the cluster certificate used both ways.
func (t *Transport) SetCertificate(cert *tlsutil.KeyPair) {
	t.mu.Lock()
	t.cert = cert
	t.mu.Unlock()
}

// Certificate returns the cluster certificate (nil when not clustered).
func (t *Transport) Certificate() *tlsutil.KeyPair {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cert
}

// NewAcceptChannel returns a fresh channel for a dqlite node about to start
// and routes upgrades to it. Each node gets its own: go-dqlite serves an
// accept channel forever, so a stopped node's channel must never be used
// again.
func (t *Transport) NewAcceptChannel() chan net.Conn {
	ch := make(chan net.Conn)
	t.mu.Lock()
	t.accept = ch
	t.mu.Unlock()
	return ch
}

// StopAccepting refuses upgrades until the next NewAcceptChannel (the node
// is stopping or restarting).
func (t *Transport) StopAccepting() {
	t.mu.Lock()
	t.accept = nil
	t.mu.Unlock()
}

// ServeHTTP handles the upgrade endpoint. Only a peer presenting the
// cluster certificate may connect.
func (t *Transport) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.mu.Lock()
	cert, accept := t.cert, t.accept
	t.mu.Unlock()
	if r.Header.Get("Upgrade") != "dqlite" {
		http.Error(w, "Missing or invalid upgrade header", http.StatusBadRequest)
		return
	}
	if cert == nil || r.TLS == nil || len(r.TLS.PeerCertificates) == 0 ||
		tlsutil.Fingerprint(r.TLS.PeerCertificates[0]) != cert.Fingerprint {
		http.Error(w, "not authorized", http.StatusForbidden)
		return
	}
	if accept == nil {
		http.Error(w, "Database node not running", http.StatusServiceUnavailable)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "Connection can't be hijacked", http.StatusInternalServerError)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return
	}
	if rw.Reader.Buffered() > 0 {
		// The dialer waits for our 101 before speaking: extra bytes
		// mean a confused peer.
		conn.Close()
		return
	}
	select {
	case accept <- conn: // go-dqlite writes the 101 and proxies
	case <-time.After(10 * time.Second):
		conn.Close()
	case <-r.Context().Done():
		conn.Close()
	}
}

// Dial connects to the member at addr and upgrades the connection to
// dqlite. It is the dqlite dial function of clustered members.
func (t *Transport) Dial(ctx context.Context, addr string) (net.Conn, error) {
	cert := t.Certificate()
	if cert == nil {
		return nil, fmt.Errorf("No cluster certificate")
	}
	cfg, err := tlsutil.ClientConfig(cert, cert.CertPEM)
	if err != nil {
		return nil, err
	}
	dialer := &tls.Dialer{NetDialer: &net.Dialer{Timeout: t.DialTimeout}, Config: cfg}
	raw, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	conn := raw.(*tls.Conn)
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	} else {
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	}
	req := "GET " + DatabasePath + " HTTP/1.1\r\nHost: " + addr +
		"\r\nUpgrade: dqlite\r\nConnection: Upgrade\r\nUser-Agent: lxd-cluster\r\n\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		conn.Close()
		return nil, err
	}
	if err := readUpgradeResponse(conn); err != nil {
		conn.Close()
		return nil, fmt.Errorf("Database upgrade with %s failed: %w", addr, err)
	}
	_ = conn.SetDeadline(time.Time{})
	// go-dqlite needs the *tls.Conn itself (it reaches the TCP socket
	// below it to set keepalives).
	return conn, nil
}

// readUpgradeResponse reads the HTTP response head byte by byte, so that
// nothing of the dqlite stream after it is consumed.
func readUpgradeResponse(conn net.Conn) error {
	var head []byte
	b := make([]byte, 1)
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		if len(head) > 8192 {
			return fmt.Errorf("response head too long")
		}
		if _, err := conn.Read(b); err != nil {
			return err
		}
		head = append(head, b[0])
	}
	line, _, _ := bytes.Cut(head, []byte("\r\n"))
	if !bytes.Contains(line, []byte(" 101 ")) && !bytes.HasSuffix(line, []byte(" 101")) {
		return fmt.Errorf("unexpected answer %q", line)
	}
	return nil
}
