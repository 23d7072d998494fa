package forward

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
	"github.com/lxdng/lxd/shared/tlsutil"
)

// Headers that carry the original caller of a forwarded request. The
// receiving member trusts them only from a peer presenting the cluster
// certificate; the forwarding member strips any a client sent.
const (
	HeaderForwarded   = "X-Lxd-Forwarded" // name of the forwarding member
	HeaderUsername    = "X-Lxd-Forwarded-Username"
	HeaderProtocol    = "X-Lxd-Forwarded-Protocol"
	HeaderAddress     = "X-Lxd-Forwarded-Address"
	HeaderFingerprint = "X-Lxd-Forwarded-Fingerprint"
	HeaderRestricted  = "X-Lxd-Forwarded-Restricted"
	HeaderProjects    = "X-Lxd-Forwarded-Projects"
	HeaderTrusted     = "X-Lxd-Forwarded-Trusted"
)

// DialTimeout bounds connecting to a member, so that a request for an
// offline member fails fast.
var DialTimeout = 2 * time.Second

// Forwarder proxies requests to members and builds member clients. Cert
// returns the cluster certificate (nil when not clustered).
type Forwarder struct {
	Store *db.Store
	Cert  func() *tlsutil.KeyPair

	mu         sync.Mutex
	transports map[string]*http.Transport // by certificate fingerprint
}

// StripIdentity removes forwarding headers a client may have sent.
func StripIdentity(h http.Header) {
	for k := range h {
		if strings.HasPrefix(http.CanonicalHeaderKey(k), HeaderForwarded) {
			delete(h, k)
		}
	}
}

func (f *Forwarder) transport() (*http.Transport, error) {
	cert := f.Cert()
	if cert == nil {
		return nil, api.BadRequest("This server is not clustered")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if tr, ok := f.transports[cert.Fingerprint]; ok {
		return tr, nil
	}
	cfg, err := tlsutil.ClientConfig(cert, cert.CertPEM)
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{TLSClientConfig: cfg, DialContext: dialer.DialContext, TLSHandshakeTimeout: 5 * time.Second,
		MaxIdleConnsPerHost: 8, IdleConnTimeout: 60 * time.Second, DisableCompression: true}
	if f.transports == nil {
		f.transports = map[string]*http.Transport{}
	}
	f.transports[cert.Fingerprint] = tr
	return tr, nil
}

// ToMember proxies r to the member name at address and writes its answer
// to w unchanged: status, headers, streamed and chunked bodies, and
// protocol upgrades (websockets) with a bidirectional copy.
func (f *Forwarder) ToMember(w http.ResponseWriter, r *http.Request, name, address string) {
	tr, err := f.transport()
	if err != nil {
		WriteError(w, err)
		return
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = "https"
			pr.Out.URL.Host = address
			pr.Out.Host = address
		},
		Transport:     tr,
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) {
				return // the client went away
			}
			WriteError(w, UnreachableError(name, address, err))
		},
	}
	proxy.ServeHTTP(w, r)
}

// UnreachableError names a member that could not be reached.
func UnreachableError(name, address string, err error) error {
	return api.Unavailable("Cluster member %q (%s) is unreachable: %v", name, address, err)
}

// WriteError answers with LXD's error envelope.
func WriteError(w http.ResponseWriter, err error) {
	status := api.StatusOf(err)
	data, _ := json.Marshal(api.ResponseRaw{Type: api.ErrorResponse, ErrorCode: status, Error: err.Error()})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}

// PeerClient returns a client for the member at address that presents and
// pins the cluster certificate. timeout bounds each request (0: none).
func PeerClient(address string, cert *tlsutil.KeyPair, timeout time.Duration) (*client.Client, error) {
	if cert == nil {
		return nil, api.BadRequest("This server is not clustered")
	}
	return client.ConnectHTTPS("https://"+address, &client.Options{ClientCert: cert, ServerCertPEM: cert.CertPEM, Timeout: timeout})
}

// Client returns a client for the member called name (404 when unknown).
func (f *Forwarder) Client(ctx context.Context, name string) (*client.Client, error) {
	var m db.Member
	err := f.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		m, err = tx.MemberByName(ctx, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return PeerClient(m.Address, f.Cert(), 30*time.Second)
}
