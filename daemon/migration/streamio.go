package migration

import (
	"io"
	"sync"

	"github.com/gorilla/websocket"
)

// streamIO is the fs websocket seen as a byte stream, as LXD frames it:
// each Write is one binary frame; Close sends an empty text frame (the
// "barrier") that ends this direction of the current session without
// closing the websocket; reading a text frame returns io.EOF once. The
// next session on the same websocket reads on after the barrier.
type streamIO struct {
	conn *websocket.Conn

	rmu    sync.Mutex
	reader io.Reader

	wmu sync.Mutex
}

func newStreamIO(conn *websocket.Conn) *streamIO { return &streamIO{conn: conn} }

// Read reads the binary frames of the current session.
func (s *streamIO) Read(p []byte) (int, error) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	for {
		if s.reader == nil {
			kind, r, err := s.conn.NextReader()
			if err != nil {
				return 0, err
			}
			if kind != websocket.BinaryMessage {
				return 0, io.EOF
			}
			s.reader = r
		}
		n, err := s.reader.Read(p)
		if err == io.EOF {
			s.reader = nil
			if n == 0 {
				continue
			}
			return n, nil
		}
		return n, err
	}
}

// Write sends p as one binary frame.
func (s *streamIO) Write(p []byte) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.conn.WriteMessage(websocket.BinaryMessage, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close sends the barrier ending this direction of the session.
func (s *streamIO) Close() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.conn.WriteMessage(websocket.TextMessage, []byte{})
}
