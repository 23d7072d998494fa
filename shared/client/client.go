package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/tlsutil"
)

// UserAgent identifies our client.
const UserAgent = "LXD 5.0.2 (lxdng)"

// Options configure a connection.
type Options struct {
	// ClientCert is presented over HTTPS (nil for anonymous).
	ClientCert *tlsutil.KeyPair
	// ServerCertPEM pins the server certificate; empty means system roots.
	ServerCertPEM []byte
	// InsecureSkipVerify accepts any server certificate (used once to fetch
	// it before pinning, as `remote add` does).
	InsecureSkipVerify bool
	// Timeout bounds each plain request (0: none; streams are unaffected).
	Timeout time.Duration
}

// Client talks to one server. It is safe for concurrent use; WithProject and
// WithTarget return cheap copies sharing the transport.
type Client struct {
	http    *http.Client
	base    string // "http://unix.socket" or "https://host:port"
	dialer  websocket.Dialer
	project string
	target  string
	tls     *tls.Config
}

// ConnectUnix connects to a daemon's unix socket.
func ConnectUnix(path string, o *Options) (*Client, error) {
	if o == nil {
		o = &Options{}
	}
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}
	tr := &http.Transport{DialContext: dial, MaxIdleConnsPerHost: 16, DisableCompression: true}
	c := &Client{
		http:   &http.Client{Transport: tr, Timeout: o.Timeout},
		base:   "http://unix.socket",
		dialer: websocket.Dialer{NetDialContext: dial, HandshakeTimeout: 10 * time.Second},
	}
	return c, nil
}

// ConnectHTTPS connects to https://host:port.
func ConnectHTTPS(rawURL string, o *Options) (*Client, error) {
	if o == nil {
		o = &Options{}
	}
	cfg, err := tlsutil.ClientConfig(o.ClientCert, o.ServerCertPEM)
	if err != nil {
		return nil, err
	}
	if o.InsecureSkipVerify {
		cfg.InsecureSkipVerify = true
		cfg.VerifyPeerCertificate = nil
	}
	tr := &http.Transport{TLSClientConfig: cfg, MaxIdleConnsPerHost: 16, Proxy: http.ProxyFromEnvironment,
		DisableCompression: true, TLSHandshakeTimeout: 10 * time.Second}
	return &Client{
		http:   &http.Client{Transport: tr, Timeout: o.Timeout},
		base:   strings.TrimSuffix(rawURL, "/"),
		dialer: websocket.Dialer{TLSClientConfig: cfg, HandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment},
		tls:    cfg,
	}, nil
}

// WithProject returns a copy scoped to project.
func (c *Client) WithProject(name string) *Client {
	cp := *c
	cp.project = name
	return &cp
}

// WithTarget returns a copy whose requests carry ?target=member.
func (c *Client) WithTarget(member string) *Client {
	cp := *c
	cp.target = member
	return &cp
}

// Project returns the project scope ("" means default).
func (c *Client) Project() string { return c.project }

// URL returns the server's base URL.
func (c *Client) URL() string { return c.base }

// PeerCertificate fetches the certificate the server presents over HTTPS.
func (c *Client) PeerCertificate(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
		return nil, errors.New("Server presented no certificate")
	}
	return tlsutil.EncodePEM(resp.TLS.PeerCertificates[0]), nil
}

// path adds the project and target scopes to an API path.
func (c *Client) path(p string) string {
	u, err := url.Parse(p)
	if err != nil {
		return p
	}
	q := u.Query()
	if c.project != "" && c.project != "default" && q.Get("project") == "" {
		q.Set("project", c.project)
	}
	if c.target != "" && q.Get("target") == "" {
		q.Set("target", c.target)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Raw sends a request and returns the raw response; the caller closes the
// body. Non-JSON endpoints (file transfer, exports) use it.
func (c *Client) Raw(ctx context.Context, method, path string, body io.Reader, headers http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+c.path(path), body)
	if err != nil {
		return nil, err
	}
	for k, v := range headers {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", UserAgent)
	return c.http.Do(req)
}

// Query sends a JSON request and decodes the envelope. It returns the ETag.
// Error envelopes become *api.StatusError.
func (c *Client) Query(ctx context.Context, method, path string, body any, etag string) (*api.Response, string, error) {
	var rd io.Reader
	headers := http.Header{}
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, "", err
		}
		rd = bytes.NewReader(data)
		headers.Set("Content-Type", "application/json")
	}
	if etag != "" {
		headers.Set("If-Match", `"`+etag+`"`)
	}
	resp, err := c.Raw(ctx, method, path, rd, headers)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	return decodeResponse(resp)
}

func decodeResponse(resp *http.Response) (*api.Response, string, error) {
	var r api.Response
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		if resp.StatusCode >= 400 {
			return nil, "", &api.StatusError{Status: resp.StatusCode, Msg: http.StatusText(resp.StatusCode)}
		}
		return nil, "", fmt.Errorf("Failed to decode response: %w", err)
	}
	if r.Type == api.ErrorResponse || resp.StatusCode >= 400 {
		code := r.ErrorCode
		if code == 0 {
			code = resp.StatusCode
		}
		return nil, "", &api.StatusError{Status: code, Msg: r.Error}
	}
	return &r, strings.Trim(resp.Header.Get("ETag"), `"`), nil
}

// Get decodes the metadata of a GET into target and returns the ETag.
func (c *Client) Get(ctx context.Context, path string, target any) (string, error) {
	r, etag, err := c.Query(ctx, http.MethodGet, path, nil, "")
	if err != nil {
		return "", err
	}
	if target != nil {
		if err := r.MetadataAsStruct(target); err != nil {
			return "", err
		}
	}
	return etag, nil
}

// Do sends a request with a JSON body; an async answer is returned as an
// Operation (nil for sync answers).
func (c *Client) Do(ctx context.Context, method, path string, body any, etag string) (*Operation, error) {
	r, _, err := c.Query(ctx, method, path, body, etag)
	if err != nil {
		return nil, err
	}
	if r.Type != api.AsyncResponse {
		return nil, nil
	}
	return c.operationFrom(r)
}
