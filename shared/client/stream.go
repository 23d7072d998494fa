package client

import (
	"io"
	"sync"

	"github.com/gorilla/websocket"
)

// The websocket framing of LXD's exec and console streams: data travels in
// binary frames, and an empty text frame ends a stream, in both directions.

// SendStream copies r (nil: nothing) to conn as binary frames, then ends
// the stream with an empty text frame. mu serialises the writers of conn.
func SendStream(conn *websocket.Conn, mu *sync.Mutex, r io.Reader) {
	if r != nil {
		buf := make([]byte, 32<<10)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				mu.Lock()
				werr := conn.WriteMessage(websocket.BinaryMessage, buf[:n])
				mu.Unlock()
				if werr != nil {
					return
				}
			}
			if err != nil {
				break
			}
		}
	}
	mu.Lock()
	_ = conn.WriteMessage(websocket.TextMessage, []byte{})
	mu.Unlock()
}

// ReceiveStream copies the binary frames of conn to w (nil: dropped) until
// the stream ends (a text frame) or the connection does.
func ReceiveStream(conn *websocket.Conn, w io.Writer) {
	if w == nil {
		w = io.Discard
	}
	for {
		kind, r, err := conn.NextReader()
		if err != nil || kind == websocket.TextMessage {
			return
		}
		if _, err := io.Copy(w, r); err != nil {
			return
		}
	}
}
