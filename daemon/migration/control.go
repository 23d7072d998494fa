package migration

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/gorilla/websocket"
)

// control sends and receives the protobuf messages of the control
// websocket (binary frames, one message each).
type control struct {
	conn *websocket.Conn
	wmu  sync.Mutex
}

func (c *control) send(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.conn.WriteMessage(websocket.BinaryMessage, b)
}

func (c *control) recv() ([]byte, error) {
	kind, r, err := c.conn.NextReader()
	if err != nil {
		return nil, err
	}
	if kind != websocket.BinaryMessage {
		return nil, errors.New("Only binary messages allowed")
	}
	return io.ReadAll(r)
}

func (c *control) sendHeader(h Header) error { return c.send(h.Marshal()) }

func (c *control) recvHeader() (Header, error) {
	b, err := c.recv()
	if err != nil {
		return Header{}, fmt.Errorf("Failed to receive the migration header: %w", err)
	}
	h, err := UnmarshalHeader(b)
	var notHeader ErrNotHeader
	if errors.As(err, &notHeader) {
		return h, peerFailure(notHeader.Control)
	}
	return h, err
}

// sendResult sends the MigrationControl for err (nil: success).
func (c *control) sendResult(err error) {
	msg := Control{Success: err == nil}
	if err != nil {
		msg.Message = err.Error()
	}
	_ = c.send(msg.Marshal())
}

// results reads control messages in the background until the connection
// fails: each MigrationControl is delivered on the channel, which is
// closed (after a final error value) when reading stops.
func (c *control) results() <-chan Control {
	out := make(chan Control, 4)
	go func() {
		defer close(out)
		for {
			b, err := c.recv()
			if err != nil {
				out <- Control{Message: "Migration control connection lost: " + err.Error()}
				return
			}
			msg, err := UnmarshalControl(b)
			if err != nil {
				continue
			}
			out <- msg
		}
	}()
	return out
}

// defaultRsync are the rsync features we offer and accept (LXD's).
var defaultRsync = RsyncFeatures{Xattrs: true, Delete: true, Compress: true, Bidirectional: true}

// common returns the features both sides have; a peer that sent none
// gets none.
func common(a *RsyncFeatures, b RsyncFeatures) RsyncFeatures {
	if a == nil {
		return RsyncFeatures{}
	}
	return RsyncFeatures{
		Xattrs: a.Xattrs && b.Xattrs, Delete: a.Delete && b.Delete,
		Compress: a.Compress && b.Compress, Bidirectional: a.Bidirectional && b.Bidirectional,
	}
}
