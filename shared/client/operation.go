package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/websocket"

	"github.com/lxdng/lxd/shared/api"
)

// Operation is a handle on a server-side operation.
type Operation struct {
	c   *Client
	url string // "/1.0/operations/<id>" (with ?project= when scoped)
	api.Operation
}

func (c *Client) operationFrom(r *api.Response) (*Operation, error) {
	op, err := r.MetadataAsOperation()
	if err != nil {
		return nil, err
	}
	u := r.Operation
	if u == "" {
		u = "/1.0/operations/" + op.ID
	}
	return &Operation{c: c, url: u, Operation: *op}, nil
}

// OperationByID returns a handle on an existing operation.
func (c *Client) OperationByID(ctx context.Context, id string) (*Operation, error) {
	op := &Operation{c: c, url: "/1.0/operations/" + id}
	return op, op.Refresh(ctx)
}

func (o *Operation) path(suffix string) string {
	base, query, _ := strings.Cut(o.url, "?")
	if query != "" {
		return base + suffix + "?" + query
	}
	return base + suffix
}

// Refresh reloads the operation's state.
func (o *Operation) Refresh(ctx context.Context) error {
	var op api.Operation
	if _, err := o.c.Get(ctx, o.path(""), &op); err != nil {
		return err
	}
	o.Operation = op
	return nil
}

// Wait blocks until the operation ends and returns its error.
func (o *Operation) Wait(ctx context.Context) error { return o.wait(ctx, "") }

// WaitSecret waits for an operation as an untrusted caller: it passes the
// secret from the operation's metadata, which LXD gives to image uploads
// pushed with a secret.
func (o *Operation) WaitSecret(ctx context.Context) error {
	secret, _ := o.Metadata["secret"].(string)
	return o.wait(ctx, "secret="+url.QueryEscape(secret)+"&")
}

// wait long-polls /wait (query: extra parameters, each followed by "&")
// until the operation is final, then turns a failure into its error.
func (o *Operation) wait(ctx context.Context, query string) error {
	for !o.StatusCode.IsFinal() {
		p := o.path("/wait")
		var op api.Operation
		if _, err := o.c.Get(ctx, p+sep(p)+query+"timeout=-1", &op); err != nil {
			return err
		}
		o.Operation = op
	}
	if o.StatusCode != api.Success {
		if o.Err == "" {
			o.Err = o.Status
		}
		return errors.New(o.Err)
	}
	return nil
}

func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

// Cancel asks the server to cancel the operation.
func (o *Operation) Cancel(ctx context.Context) error {
	_, _, err := o.c.Query(ctx, http.MethodDelete, o.path(""), nil, "")
	return err
}

// Websocket connects to one of the operation's websockets by secret.
func (o *Operation) Websocket(ctx context.Context, secret string) (*websocket.Conn, error) {
	return o.c.websocket(ctx, o.path("/websocket")+sep(o.path("/websocket"))+"secret="+url.QueryEscape(secret))
}

func (c *Client) websocket(ctx context.Context, path string) (*websocket.Conn, error) {
	u := c.base + c.path(path)
	u = strings.Replace(u, "http://", "ws://", 1)
	u = strings.Replace(u, "https://", "wss://", 1)
	conn, resp, err := c.dialer.DialContext(ctx, u, http.Header{"User-Agent": {UserAgent}})
	if err != nil {
		if resp != nil {
			defer resp.Body.Close()
			if _, _, derr := decodeResponse(resp); derr != nil {
				return nil, derr
			}
		}
		return nil, fmt.Errorf("Failed to connect websocket: %w", err)
	}
	return conn, nil
}

// Secrets returns the websocket secrets ("fds") of the operation metadata.
func (o *Operation) Secrets() map[string]string {
	out := map[string]string{}
	fds, _ := o.Metadata["fds"].(map[string]any)
	for k, v := range fds {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}
