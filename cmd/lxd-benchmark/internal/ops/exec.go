package ops

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gorilla/websocket"

	"github.com/lxdng/lxd/shared/client"
)

// Exec runs command in a running instance the way a non-interactive
// `lxc exec` does (wait-for-websocket, control then fds 0, 1 and 2, stdin at
// EOF at once), discards its output and returns its exit code.
func Exec(ctx context.Context, c *client.Client, name string, command []string) (int, error) {
	body := map[string]any{
		"command": command, "wait-for-websocket": true, "interactive": false,
		"environment": map[string]string{}, "width": 0, "height": 0, "record-output": false,
	}
	op, err := c.Do(ctx, http.MethodPost, "/1.0/instances/"+url.PathEscape(name)+"/exec", body, "")
	if err != nil {
		return -1, err
	}
	if op == nil {
		return -1, fmt.Errorf("Exec answered without an operation")
	}
	secrets := op.Secrets()
	var conns []*websocket.Conn
	defer func() {
		for _, ws := range conns {
			ws.Close()
		}
	}()
	byFd := map[string]*websocket.Conn{}
	for _, fd := range []string{"control", "0", "1", "2"} {
		secret, ok := secrets[fd]
		if !ok {
			return -1, fmt.Errorf("Exec operation has no websocket %q", fd)
		}
		ws, err := op.Websocket(ctx, secret)
		if err != nil {
			return -1, err
		}
		conns = append(conns, ws)
		byFd[fd] = ws
	}
	// An empty text frame is end-of-stream on stdin.
	if err := byFd["0"].WriteMessage(websocket.TextMessage, nil); err != nil {
		return -1, fmt.Errorf("Failed to close stdin: %w", err)
	}
	done := make(chan struct{}, 2)
	for _, fd := range []string{"1", "2"} {
		go func(ws *websocket.Conn) { drain(ws); done <- struct{}{} }(byFd[fd])
	}
	<-done
	<-done
	if err := op.Wait(ctx); err != nil {
		return -1, err
	}
	code, ok := op.Metadata["return"].(float64)
	if !ok {
		return -1, fmt.Errorf("Exec operation ended without a return code")
	}
	return int(code), nil
}

// drain reads an output stream until its end-of-stream frame (an empty text
// frame) or until the server closes it.
func drain(ws *websocket.Conn) {
	for {
		kind, data, err := ws.ReadMessage()
		if err != nil || kind == websocket.TextMessage && len(data) == 0 {
			return
		}
	}
}
