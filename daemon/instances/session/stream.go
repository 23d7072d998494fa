package session

import (
	"bytes"
	"io"
	"sync"

	"github.com/gorilla/websocket"
)

// frameReader reads a stream's payload: binary frames (and non-empty text
// frames) are data; an empty text frame or a lost connection is the end.
// After the end it keeps draining the connection (control frames, a late
// close) until the client hangs up, then marks the reader done.
type frameReader struct {
	c    *websocket.Conn
	cur  io.Reader
	eof  bool
	done func()
	once sync.Once
}

// reader starts reading stream name; the session counts it until the
// client hangs up.
func (s *Session) reader(name string) *frameReader {
	s.readers.Add(1)
	return &frameReader{c: s.conn(name), done: s.readers.Done}
}

func (f *frameReader) Read(p []byte) (int, error) {
	for {
		if f.eof {
			return 0, io.EOF
		}
		if f.cur != nil {
			n, err := f.cur.Read(p)
			if err == io.EOF {
				f.cur = nil
				if n > 0 {
					return n, nil
				}
				continue
			}
			if err != nil {
				f.finish(false)
				return n, nil
			}
			return n, nil
		}
		kind, r, err := f.c.NextReader()
		if err != nil {
			f.finish(false)
			continue
		}
		if kind == websocket.TextMessage {
			data, err := io.ReadAll(r)
			if err != nil || len(data) == 0 {
				f.finish(err == nil)
				continue
			}
			r = bytes.NewReader(data)
		}
		f.cur = r
	}
}

// finish marks the end of the stream; when the connection still works it
// is drained in the background until the client closes it.
func (f *frameReader) finish(connAlive bool) {
	f.eof = true
	f.once.Do(func() {
		if !connAlive {
			f.done()
			return
		}
		go func() {
			defer f.done()
			drain(f.c)
		}()
	})
}

// drain reads and drops frames until the connection fails.
func drain(c *websocket.Conn) {
	for {
		if _, _, err := c.NextReader(); err != nil {
			return
		}
	}
}

// startDrain reads stream name only to notice the client hanging up.
func (s *Session) startDrain(name string) {
	c := s.conn(name)
	s.readers.Add(1)
	go func() {
		defer s.readers.Done()
		drain(c)
	}()
}

// frameWriter sends each Write as one binary frame; EOF sends the empty
// text frame that ends the stream.
type frameWriter struct {
	mu sync.Mutex
	c  *websocket.Conn
}

func (s *Session) writer(name string) *frameWriter { return &frameWriter{c: s.conn(name)} }

func (w *frameWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.c.WriteMessage(websocket.BinaryMessage, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// EOF ends the stream.
func (w *frameWriter) EOF() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.c.WriteMessage(websocket.TextMessage, []byte{})
}
