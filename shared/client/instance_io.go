package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/gorilla/websocket"

	"github.com/lxdng/lxd/shared/api"
)

// ExecArgs connects the streams of ExecInstance.
type ExecArgs struct {
	// Stdin feeds the command (nil: end of input at once).
	Stdin io.Reader
	// Stdout and Stderr receive its output (nil: dropped). Interactive
	// commands write everything to Stdout.
	Stdout io.Writer
	Stderr io.Writer
	// Control, when set, is called with the control channel once every
	// stream is connected (to resize a terminal or forward signals).
	Control func(ctl *ExecControl)
}

// ExecControl sends control messages of a running exec or console.
type ExecControl struct {
	mu   sync.Mutex
	conn *websocket.Conn
}

// NewExecControl wraps the control websocket of an exec or console
// operation.
func NewExecControl(conn *websocket.Conn) *ExecControl { return &ExecControl{conn: conn} }

// End sends a close frame: LXD ends a console operation on it.
func (e *ExecControl) End() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
}

// Signal forwards a signal to the command.
func (e *ExecControl) Signal(sig int) error {
	return e.send(api.InstanceExecControl{Command: "signal", Signal: sig})
}

// Resize changes the terminal size of an interactive command.
func (e *ExecControl) Resize(width, height int) error {
	return e.send(api.InstanceExecControl{Command: "window-resize",
		Args: map[string]string{"width": strconv.Itoa(width), "height": strconv.Itoa(height)}})
}

func (e *ExecControl) send(msg api.InstanceExecControl) error {
	data, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.conn.WriteMessage(websocket.TextMessage, data)
}

// ExecInstance runs a command in a running instance over websockets and
// returns its exit code (the operation's "return"). A command that could
// not run returns the operation's error with the code (127: not found).
func (c *Client) ExecInstance(ctx context.Context, name string, req api.InstanceExecPost, args ExecArgs) (int, error) {
	req.WaitForWS = true
	op, err := c.Do(ctx, http.MethodPost, "/1.0/instances/"+url.PathEscape(name)+"/exec", req, "")
	if err != nil {
		return -1, err
	}
	secrets := op.Secrets()
	order := []string{"control", "0", "1", "2"}
	if req.Interactive {
		order = order[:2]
	}
	conns := map[string]*websocket.Conn{}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for _, fd := range order {
		conn, err := op.Websocket(ctx, secrets[fd])
		if err != nil {
			return -1, fmt.Errorf("Failed to connect stream %s: %w", fd, err)
		}
		conns[fd] = conn
	}
	if args.Control != nil {
		args.Control(NewExecControl(conns["control"]))
	}
	var outputs sync.WaitGroup
	var inMu sync.Mutex // interactive: stdin and output share stream 0's writer side only
	go SendStream(conns["0"], &inMu, args.Stdin)
	if req.Interactive {
		outputs.Add(1)
		go func() { defer outputs.Done(); ReceiveStream(conns["0"], args.Stdout) }()
	} else {
		outputs.Add(2)
		go func() { defer outputs.Done(); ReceiveStream(conns["1"], args.Stdout) }()
		go func() { defer outputs.Done(); ReceiveStream(conns["2"], args.Stderr) }()
	}
	outputs.Wait()
	// The output has ended: end the input side too (LXD finishes the
	// operation once the client hangs up its streams).
	inMu.Lock()
	_ = conns["0"].WriteMessage(websocket.TextMessage, []byte{})
	inMu.Unlock()
	for _, fd := range []string{"0", "1", "2"} {
		if c := conns[fd]; c != nil {
			c.Close()
		}
	}
	err = op.Wait(ctx)
	code := -1
	if v, ok := op.Metadata["return"].(float64); ok {
		code = int(v)
	}
	return code, err
}

// InstanceFileArgs describes a file to create with CreateInstanceFile.
type InstanceFileArgs struct {
	Content   io.Reader // file content or symlink target
	UID, GID  int64     // -1: leave to the server (existing owner or 0)
	Mode      int       // -1: leave to the server
	Type      string    // "file" (default), "directory" or "symlink"
	WriteMode string    // "overwrite" (default) or "append"
}

// InstanceFileResponse describes a path read with GetInstanceFile.
type InstanceFileResponse struct {
	UID, GID int64
	Mode     int
	Type     string   // "file", "directory" or "symlink"
	Entries  []string // directory listing
}

func filesPath(name, path string) string {
	return "/1.0/instances/" + url.PathEscape(name) + "/files?path=" + url.QueryEscape(path)
}

// GetInstanceFile reads a path of an instance: the content of a file, the
// target of a symlink (nil content for a directory, see Entries).
func (c *Client) GetInstanceFile(ctx context.Context, name, path string) (io.ReadCloser, *InstanceFileResponse, error) {
	resp, err := c.Raw(ctx, http.MethodGet, filesPath(name, path), nil, nil)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		_, _, err := decodeResponse(resp)
		return nil, nil, err
	}
	info := &InstanceFileResponse{Type: resp.Header.Get("X-Lxd-Type")}
	info.UID, _ = strconv.ParseInt(resp.Header.Get("X-Lxd-Uid"), 10, 64)
	info.GID, _ = strconv.ParseInt(resp.Header.Get("X-Lxd-Gid"), 10, 64)
	mode, _ := strconv.ParseInt(resp.Header.Get("X-Lxd-Mode"), 8, 32)
	info.Mode = int(mode)
	if info.Type == "directory" {
		defer resp.Body.Close()
		r, _, err := decodeResponse(resp)
		if err != nil {
			return nil, nil, err
		}
		return nil, info, r.MetadataAsStruct(&info.Entries)
	}
	return resp.Body, info, nil
}

// CreateInstanceFile creates or writes a file, directory or symlink.
func (c *Client) CreateInstanceFile(ctx context.Context, name, path string, args InstanceFileArgs) error {
	h := http.Header{}
	h.Set("Content-Type", "application/octet-stream")
	if args.UID >= 0 {
		h.Set("X-LXD-uid", strconv.FormatInt(args.UID, 10))
	}
	if args.GID >= 0 {
		h.Set("X-LXD-gid", strconv.FormatInt(args.GID, 10))
	}
	if args.Mode >= 0 {
		h.Set("X-LXD-mode", fmt.Sprintf("%04o", args.Mode))
	}
	if args.Type != "" {
		h.Set("X-LXD-type", args.Type)
	}
	if args.WriteMode != "" {
		h.Set("X-LXD-write", args.WriteMode)
	}
	resp, err := c.Raw(ctx, http.MethodPost, filesPath(name, path), args.Content, h)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _, err = decodeResponse(resp)
	return err
}

// DeleteInstanceFile deletes a file, symlink or empty directory.
func (c *Client) DeleteInstanceFile(ctx context.Context, name, path string) error {
	_, _, err := c.Query(ctx, http.MethodDelete, filesPath(name, path), nil, "")
	return err
}

// GetInstanceConsoleLog returns the console output since the last start.
func (c *Client) GetInstanceConsoleLog(ctx context.Context, name string) ([]byte, error) {
	resp, err := c.Raw(ctx, http.MethodGet, "/1.0/instances/"+url.PathEscape(name)+"/console", nil, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _, err := decodeResponse(resp)
		return nil, err
	}
	return io.ReadAll(resp.Body)
}
