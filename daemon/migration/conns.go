package migration

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/tlsutil"
)

// Websocket names (the keys of the secrets).
const (
	WSControl    = "control"
	WSFilesystem = "fs"
	WSCRIU       = "criu"
)

// connectTimeout bounds the wait for the peer's websockets.
const connectTimeout = 30 * time.Second

// Channels are the connected websockets of one migration.
type Channels struct {
	Control, FS *websocket.Conn
}

// Close closes both websockets (after a normal close frame).
func (c Channels) Close() {
	for _, conn := range []*websocket.Conn{c.Control, c.FS} {
		if conn == nil {
			continue
		}
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		_ = conn.Close()
	}
}

// abort closes both websockets at once (cancellation).
func (c Channels) abort() {
	for _, conn := range []*websocket.Conn{c.Control, c.FS} {
		if conn != nil {
			_ = conn.Close()
		}
	}
}

var upgrader = websocket.Upgrader{
	// The secret authenticates the peer; origin rules are for browsers.
	CheckOrigin:     func(*http.Request) bool { return true },
	ReadBufferSize:  128 << 10,
	WriteBufferSize: 128 << 10,
}

// Listener accepts the peer's websockets on our operation: it holds one
// random secret per websocket.
type Listener struct {
	secrets map[string]string

	mu     sync.Mutex
	conns  map[string]*websocket.Conn
	ready  chan struct{}
	closed bool
}

// NewListener returns a listener for the control and fs websockets.
func NewListener() (*Listener, error) {
	l := &Listener{secrets: map[string]string{}, conns: map[string]*websocket.Conn{}, ready: make(chan struct{})}
	for _, name := range []string{WSControl, WSFilesystem} {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		l.secrets[name] = hex.EncodeToString(b)
	}
	return l, nil
}

// Metadata is the operation metadata publishing the secrets.
func (l *Listener) Metadata() map[string]any {
	md := make(map[string]any, len(l.secrets))
	for k, v := range l.secrets {
		md[k] = v
	}
	return md
}

// Secrets returns websocket name -> secret.
func (l *Listener) Secrets() map[string]string {
	out := make(map[string]string, len(l.secrets))
	for k, v := range l.secrets {
		out[k] = v
	}
	return out
}

// Connect is the operation's Connect function: it upgrades a request
// carrying one of the secrets.
func (l *Listener) Connect(_ *operations.Op, w http.ResponseWriter, r *http.Request) error {
	secret := r.URL.Query().Get("secret")
	name := ""
	for n, want := range l.secrets {
		if subtle.ConstantTimeCompare([]byte(want), []byte(secret)) == 1 {
			name = n
		}
	}
	if name == "" {
		return api.Forbidden("not authorized")
	}
	l.mu.Lock()
	_, taken := l.conns[name]
	closed := l.closed
	l.mu.Unlock()
	if taken || closed {
		return api.BadRequest("Websocket %q is already connected", name)
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return nil // the upgrader has answered
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, taken := l.conns[name]; taken || l.closed {
		_ = conn.Close()
		return nil
	}
	l.conns[name] = conn
	if len(l.conns) == len(l.secrets) {
		close(l.ready)
	}
	return nil
}

// Wait returns the channels once both are connected, or fails after
// connectTimeout or when ctx ends (closing whatever connected).
func (l *Listener) Wait(ctx context.Context) (Channels, error) {
	timer := time.NewTimer(connectTimeout)
	defer timer.Stop()
	select {
	case <-l.ready:
		l.mu.Lock()
		defer l.mu.Unlock()
		return Channels{Control: l.conns[WSControl], FS: l.conns[WSFilesystem]}, nil
	case <-ctx.Done():
		l.abort()
		return Channels{}, ctx.Err()
	case <-timer.C:
		l.abort()
		return Channels{}, fmt.Errorf("Timed out waiting for the migration connections")
	}
}

func (l *Listener) abort() {
	l.mu.Lock()
	l.closed = true
	conns := l.conns
	l.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// Peer is the far end's operation: its URL
// ("https://host:port/1.0/operations/<id>"), its certificate (PEM, pinned)
// and the secrets of its websockets.
type Peer struct {
	Operation   string
	Certificate string
	Secrets     map[string]string
	// ClientCert is presented when set (cluster members); LXD peers
	// authenticate the websocket by its secret alone.
	ClientCert *tlsutil.KeyPair
}

// Dial connects to the peer's control and fs websockets.
func Dial(ctx context.Context, p Peer) (Channels, error) {
	var ch Channels
	for _, name := range []string{WSControl, WSFilesystem} {
		if p.Secrets[name] == "" {
			return ch, api.BadRequest("Expected %q connection secret missing from migration request", name)
		}
	}
	u, err := websocketURL(p.Operation)
	if err != nil {
		return ch, err
	}
	cfg, err := tlsutil.ClientConfig(p.ClientCert, []byte(p.Certificate))
	if err != nil {
		return ch, fmt.Errorf("Invalid migration peer certificate: %w", err)
	}
	dialer := websocket.Dialer{TLSClientConfig: cfg, HandshakeTimeout: 10 * time.Second,
		ReadBufferSize: 128 << 10, WriteBufferSize: 128 << 10}
	dial := func(name string) (*websocket.Conn, error) {
		q := url.Values{"secret": []string{p.Secrets[name]}}
		conn, resp, err := dialer.DialContext(ctx, u+"?"+q.Encode(), nil)
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		if err != nil {
			// LXD reports gorilla's own words ("websocket: bad handshake"
			// for a refused secret).
			return nil, err
		}
		return conn, nil
	}
	if ch.Control, err = dial(WSControl); err != nil {
		return ch, err
	}
	if ch.FS, err = dial(WSFilesystem); err != nil {
		ch.Close()
		return Channels{}, err
	}
	return ch, nil
}

// websocketURL turns an operation URL into its websocket URL.
func websocketURL(opURL string) (string, error) {
	u, err := url.Parse(opURL)
	if err != nil || u.Host == "" || !strings.Contains(u.Path, "/1.0/operations/") {
		return "", api.BadRequest("Invalid migration operation URL %q", opURL)
	}
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	case "http":
		u.Scheme = "ws"
	default:
		return "", api.BadRequest("Invalid migration operation URL %q", opURL)
	}
	u.RawQuery = ""
	u.Path = strings.TrimSuffix(u.Path, "/") + "/websocket"
	return u.String(), nil
}
