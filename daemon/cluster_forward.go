package daemon

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/cluster/forward"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

// registerResolvers installs the owner resolvers of the core: an
// operation is served by the member running it.
func (c *clustering) registerResolvers() {
	byID := func(r *http.Request, params map[string]string) (string, bool, error) {
		id := params["id"]
		if _, err := c.d.ops.Get(id); err == nil {
			return "", false, nil
		}
		var name string
		err := c.m.Store.Tx(r.Context(), func(ctx context.Context, tx *db.Tx) error {
			addr, err := tx.OperationMember(ctx, id)
			if err != nil {
				return err
			}
			m, err := tx.MemberByAddress(ctx, addr)
			name = m.Name
			return err
		})
		if api.IsStatus(err, http.StatusNotFound) {
			return "", false, nil // let the local handler answer 404
		}
		return name, err == nil, err
	}
	c.owners.Register("/1.0/operations/{id}", byID)
	c.owners.Register("/1.0/operations/{id}/*", byID)
	// These use ?target= to name the member whose config they define.
	c.owners.TargetIsParameter(http.MethodPost, "/1.0/storage-pools")
	c.owners.TargetIsParameter(http.MethodPost, "/1.0/networks")
}

// Resolvers is the registry services use to route requests for objects
// living on other members.
func (c *clustering) Resolvers() *forward.Resolvers { return c.owners }

// forwardMiddleware sends a request that belongs to another member there:
// ?target=<member>, or an object whose owner resolver names another
// member. Requests from cluster peers are always served here (that is how
// a forwarded request is never forwarded again); a forwarded request runs
// as its original caller.
func (c *clustering) forwardMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who := request.From(r.Context())
		if who.ClusterPeer {
			if r.Header.Get(forward.HeaderForwarded) != "" && r.Header.Get(forward.HeaderProtocol) != "" {
				r = r.WithContext(request.With(r.Context(), forwardedRequestor(r.Header)))
			}
			next.ServeHTTP(w, r)
			return
		}
		forward.StripIdentity(r.Header)
		self, clustered := c.m.Self()
		if !clustered {
			next.ServeHTTP(w, r)
			return
		}
		name, err := c.destination(r, self.Name)
		if err != nil {
			forward.WriteError(w, err)
			return
		}
		if name != "" {
			c.proxy(w, r, self.Name, name)
			return
		}
		if r.Method == http.MethodGet && strings.TrimSuffix(r.URL.Path, "/") == "/1.0/operations" {
			c.aggregateOperations(w, r, next)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// destination names the member that should serve r ("" for this one).
func (c *clustering) destination(r *http.Request, self string) (string, error) {
	target := r.URL.Query().Get("target")
	if target != "" && request.From(r.Context()).Trusted && !c.owners.KeepsTarget(r) {
		if target == self {
			return "", nil
		}
		return target, nil
	}
	name, ok, err := c.owners.Owner(r)
	if err != nil || !ok || name == self {
		return "", err
	}
	return name, nil
}

// proxy forwards r to member name, failing fast when it is offline.
func (c *clustering) proxy(w http.ResponseWriter, r *http.Request, self, name string) {
	var m db.Member
	err := c.m.Store.Tx(r.Context(), func(ctx context.Context, tx *db.Tx) error {
		var err error
		m, err = tx.MemberByName(ctx, name)
		return err
	})
	if err != nil {
		forward.WriteError(w, err)
		return
	}
	if !cluster.Online(m, time.Now(), c.m.Threshold()) {
		forward.WriteError(w, api.Unavailable("Cluster member %q (%s) is offline", m.Name, m.Address))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		c.awaitPeerEvents(r.Context(), m.Address)
	}
	setIdentity(r.Header, self, request.From(r.Context()))
	c.fwd.ToMember(w, r, m.Name, m.Address)
}

// peerEventsWait bounds how long a forwarded request waits for the
// member's event stream.
const peerEventsWait = 5 * time.Second

// awaitPeerEvents makes sure the events of the member at address are
// relayed here before a request that may create an operation goes there:
// clients (the real lxc among them) wait for an operation through the
// events of the member they talk to, and miss its end if the member's
// stream is still reconnecting (after the member restarted).
func (c *clustering) awaitPeerEvents(ctx context.Context, address string) {
	c.mu.Lock()
	syncer := c.sync
	c.mu.Unlock()
	if syncer == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, peerEventsWait)
	defer cancel()
	if !syncer.WaitConnected(ctx, address) {
		c.d.log.WithField("member", address).Debug("Forwarding before the member's events are followed")
	}
}

func setIdentity(h http.Header, self string, who *request.Requestor) {
	h.Set(forward.HeaderForwarded, self)
	h.Set(forward.HeaderProtocol, who.Protocol)
	h.Set(forward.HeaderUsername, who.Username)
	h.Set(forward.HeaderAddress, who.Address)
	h.Set(forward.HeaderFingerprint, who.Fingerprint)
	h.Set(forward.HeaderTrusted, strconv.FormatBool(who.Trusted))
	h.Set(forward.HeaderRestricted, strconv.FormatBool(who.Restricted))
	h.Set(forward.HeaderProjects, strings.Join(who.Projects, ","))
}

// forwardedRequestor rebuilds the original caller of a forwarded request.
func forwardedRequestor(h http.Header) *request.Requestor {
	who := &request.Requestor{
		Protocol: h.Get(forward.HeaderProtocol), Username: h.Get(forward.HeaderUsername),
		Address: h.Get(forward.HeaderAddress), Fingerprint: h.Get(forward.HeaderFingerprint),
		Trusted: h.Get(forward.HeaderTrusted) == "true", Restricted: h.Get(forward.HeaderRestricted) == "true",
		Projects: []string{}, Forwarded: true,
	}
	if p := h.Get(forward.HeaderProjects); p != "" {
		who.Projects = strings.Split(p, ",")
	}
	return who
}

// aggregateOperations answers GET /1.0/operations with the operations of
// every online member: this one's, plus each peer's fetched as the same
// caller (5s timeout per member; a member that does not answer is left
// out).
func (c *clustering) aggregateOperations(w http.ResponseWriter, r *http.Request, next http.Handler) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	var local api.Response
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &local) != nil {
		copyRecorded(w, rec)
		return
	}
	merged := map[string][]json.RawMessage{}
	if err := json.Unmarshal(local.Metadata, &merged); err != nil {
		copyRecorded(w, rec)
		return
	}
	self, _ := c.m.Self()
	for status, items := range c.peerOperations(r, self.Name) {
		merged[status] = append(merged[status], items...)
	}
	data, _ := json.Marshal(api.ResponseRaw{Type: api.SyncResponse, Status: "Success", StatusCode: 200, Metadata: merged})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(data, '\n'))
}

func (c *clustering) peerOperations(r *http.Request, self string) map[string][]json.RawMessage {
	peers, err := c.m.OnlinePeers(r.Context())
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	headers := http.Header{}
	setIdentity(headers, self, request.From(r.Context()))
	out := map[string][]json.RawMessage{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, p := range peers {
		wg.Add(1)
		go func(p db.Member) {
			defer wg.Done()
			cli, err := forward.PeerClient(p.Address, c.m.Transport.Certificate(), 5*time.Second)
			if err != nil {
				return
			}
			resp, err := cli.Raw(ctx, http.MethodGet, r.URL.RequestURI(), nil, headers)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			var env api.Response
			items := map[string][]json.RawMessage{}
			if json.NewDecoder(resp.Body).Decode(&env) != nil || json.Unmarshal(env.Metadata, &items) != nil {
				return
			}
			mu.Lock()
			for k, v := range items {
				out[k] = append(out[k], v...)
			}
			mu.Unlock()
		}(p)
	}
	wg.Wait()
	return out
}

func copyRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
