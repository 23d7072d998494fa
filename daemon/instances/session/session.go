package session

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/lxdng/lxd/shared/api"
)

// Stream names, as LXD lists them in the operation's "fds".
const (
	Stdin   = "0"
	Stdout  = "1"
	Stderr  = "2"
	Control = "control"
)

// closeGrace bounds how long a finished session waits for the client to
// hang up before it closes the connections itself: the client reads the
// operation's outcome first, and closing under it could lose the last
// frames on a TCP connection.
const closeGrace = 5 * time.Second

var upgrader = websocket.Upgrader{
	// The secret authenticates the caller; browsers' origin rules do not
	// apply to API clients.
	CheckOrigin:     func(*http.Request) bool { return true },
	ReadBufferSize:  32 << 10,
	WriteBufferSize: 32 << 10,
}

// Session is the set of websockets of one operation.
type Session struct {
	secrets map[string]string // stream -> secret

	mu      sync.Mutex
	conns   map[string]*websocket.Conn
	ready   chan struct{}
	closed  bool
	readers sync.WaitGroup // one per connection, until the client hangs up
}

// New returns a session expecting one connection per named stream.
func New(streams ...string) (*Session, error) {
	s := &Session{secrets: map[string]string{}, conns: map[string]*websocket.Conn{}, ready: make(chan struct{})}
	for _, name := range streams {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		s.secrets[name] = hex.EncodeToString(b)
	}
	return s, nil
}

// Secrets returns the operation's "fds" metadata (stream -> secret).
func (s *Session) Secrets() map[string]string {
	out := make(map[string]string, len(s.secrets))
	for k, v := range s.secrets {
		out[k] = v
	}
	return out
}

// Ready is closed once every stream is connected.
func (s *Session) Ready() <-chan struct{} { return s.ready }

// streamOf returns the stream whose secret is given, comparing in
// constant time.
func (s *Session) streamOf(secret string) (string, bool) {
	for name, want := range s.secrets {
		if subtle.ConstantTimeCompare([]byte(want), []byte(secret)) == 1 {
			return name, true
		}
	}
	return "", false
}

// Attach upgrades r (carrying ?secret=) to the websocket of its stream.
// It is the operation's Connect function. After a successful upgrade it
// returns nil at once; the session owns the connection.
func (s *Session) Attach(w http.ResponseWriter, r *http.Request) error {
	name, ok := s.streamOf(r.URL.Query().Get("secret"))
	if !ok {
		return api.Forbidden("not authorized")
	}
	s.mu.Lock()
	_, taken := s.conns[name]
	closed := s.closed
	s.mu.Unlock()
	if taken || closed {
		return api.BadRequest("Websocket %q is already connected", name)
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return nil // the upgrader has answered
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.conns[name]; taken || s.closed {
		conn.Close()
		return nil
	}
	s.conns[name] = conn
	if len(s.conns) == len(s.secrets) {
		close(s.ready)
	}
	return nil
}

// conn returns the connection of a stream (nil before Ready).
func (s *Session) conn(name string) *websocket.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns[name]
}

// Close closes every connection now and refuses new ones.
func (s *Session) Close() {
	s.mu.Lock()
	s.closed = true
	conns := s.conns
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// closeWhenDone closes the connections once the client has hung up on all
// of them, or after closeGrace; it does not block.
func (s *Session) closeWhenDone() {
	go func() {
		done := make(chan struct{})
		go func() { s.readers.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(closeGrace):
		}
		s.Close()
	}()
}
