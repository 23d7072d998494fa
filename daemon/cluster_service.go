package daemon

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/cluster/forward"
	"github.com/lxdng/lxd/cluster/token"
	"github.com/lxdng/lxd/daemon/config"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

// Get implements api.ClusterService (GET /1.0/cluster).
func (c *clustering) Get(ctx context.Context) (api.Cluster, error) {
	self, ok := c.m.Self()
	if !ok {
		return api.Cluster{MemberConfig: []api.ClusterMemberConfigKey{}}, nil
	}
	keys, err := c.hooks.MemberConfig(ctx)
	if err != nil {
		return api.Cluster{}, err
	}
	return api.Cluster{ServerName: self.Name, Enabled: true, MemberConfig: keys}, nil
}

// Update implements PUT /1.0/cluster: bootstrap a cluster, or join one.
func (c *clustering) Update(ctx context.Context, put api.ClusterPut) (*operations.Op, error) {
	if !put.Enabled {
		if c.Enabled() {
			return nil, api.BadRequest("Clustering can't be disabled on a member: remove it from the cluster instead")
		}
		return nil, api.BadRequest("This server is not clustered")
	}
	if c.Enabled() {
		return nil, api.BadRequest("This server is already clustered")
	}
	if put.ServerName == "" {
		return nil, api.BadRequest("Server name must not be empty")
	}
	if put.ClusterAddress != "" || put.ClusterToken != "" {
		return c.startJoin(ctx, put)
	}
	address, err := c.bootstrapAddress()
	if err != nil {
		return nil, err
	}
	return c.d.ops.Start(ctx, operations.Spec{
		Description: "Creating bootstrap node", Resources: map[string][]string{"cluster": nil},
	}, func(opCtx context.Context, op *operations.Op) error {
		return c.bootstrap(opCtx, put.ServerName, address, request.From(ctx))
	})
}

// bootstrapAddress is cluster.https_address, or core.https_address when
// only that is set (LXD copies it), which must not be a wildcard.
func (c *clustering) bootstrapAddress() (string, error) {
	snap := c.d.config.Snapshot()
	if addr := snap.Get("cluster.https_address"); addr != "" {
		return canonicalAddress(addr), nil
	}
	core := snap.Get("core.https_address")
	host, _, err := net.SplitHostPort(canonicalAddress(core))
	if core == "" || err != nil || host == "" || net.ParseIP(host).IsUnspecified() {
		return "", api.InternalError("Cannot use wildcard core.https_address %q for cluster.https_address. "+
			"Please specify a new cluster.https_address or core.https_address", core)
	}
	return canonicalAddress(core), nil
}

func (c *clustering) bootstrap(ctx context.Context, name, address string, who *request.Requestor) error {
	c.joining.Lock()
	defer c.joining.Unlock()
	if err := copyFile(c.d.path("server.crt"), c.d.path("cluster.crt"), 0o644); err != nil {
		return err
	}
	if err := copyFile(c.d.path("server.key"), c.d.path("cluster.key"), 0o600); err != nil {
		return err
	}
	if err := c.d.config.Patch(ctx, map[string]string{"cluster.https_address": address}); err != nil {
		return err
	}
	if err := c.useCertificate(); err != nil {
		return err
	}
	if err := c.m.Bootstrap(ctx, name, address); err != nil {
		return err
	}
	self, _ := c.m.Self()
	if err := c.becomeClustered(ctx, self); err != nil {
		return err
	}
	c.d.hub.PublishLifecycle("", api.EventLifecycle{Action: "cluster-enabled", Source: "/1.0/cluster",
		Requestor: who.Lifecycle()})
	return nil
}

// useCertificate loads cluster.crt and makes it the certificate of the
// HTTPS listeners, of member-to-member calls and of peer identification.
func (c *clustering) useCertificate() error {
	kp, err := loadKeyPair(c.d.path("cluster.crt"), c.d.path("cluster.key"))
	if err != nil {
		return err
	}
	c.m.Transport.SetCertificate(kp)
	c.d.servers.setCertificate(kp)
	c.d.trust.SetClusterCertificate(kp.Fingerprint)
	return nil
}

// Members implements api.ClusterService.
func (c *clustering) Members(ctx context.Context) ([]api.ClusterMember, error) {
	if !c.Enabled() {
		return nil, api.InternalError("Server is not clustered")
	}
	return c.m.Members(ctx)
}

// Member implements api.ClusterService.
func (c *clustering) Member(ctx context.Context, name string) (api.ClusterMember, error) {
	if !c.Enabled() {
		return api.ClusterMember{}, api.InternalError("Server is not clustered")
	}
	m, _, err := c.m.Member(ctx, name)
	return m, err
}

// UpdateMember implements api.ClusterService.
func (c *clustering) UpdateMember(ctx context.Context, current api.ClusterMember, put api.ClusterMemberPut) error {
	if err := c.m.UpdateMember(ctx, current, put); err != nil {
		return err
	}
	c.lifecycle(ctx, "cluster-member-updated", current.ServerName)
	return nil
}

// RenameMember implements api.ClusterService.
func (c *clustering) RenameMember(ctx context.Context, name, newName string) error {
	if !c.Enabled() {
		return api.InternalError("Server is not clustered")
	}
	if err := c.m.RenameMember(ctx, name, newName); err != nil {
		return err
	}
	if c.Name() == newName {
		c.d.hub.SetLocation(newName)
	}
	c.lifecycle(ctx, "cluster-member-renamed", newName)
	return nil
}

// RemoveMember implements api.ClusterService: the member leaves the
// database, its row and certificate go, and it is told to reset itself to
// a standalone server.
func (c *clustering) RemoveMember(ctx context.Context, name string, force bool) error {
	if !c.Enabled() {
		return api.InternalError("Server is not clustered")
	}
	peers, err := c.m.Peers(ctx)
	if err != nil {
		return err
	}
	if len(peers) == 0 {
		return api.BadRequest("Member is the only member in the cluster")
	}
	row, err := c.m.Remove(ctx, name, force)
	if err != nil {
		return err
	}
	_ = c.d.trust.Reload(ctx)
	c.lifecycle(ctx, "cluster-member-removed", name)
	cli, err := forward.PeerClient(row.Address, c.m.Transport.Certificate(), 5*time.Second)
	if err == nil {
		_, _, err = cli.Query(ctx, http.MethodPost, "/internal/cluster/reset", nil, "")
	}
	if err != nil {
		c.d.log.WithError(err).WithField("member", name).Warn("Removed member could not be told to reset itself")
	}
	return nil
}

// IssueToken implements POST /1.0/cluster/members: a join token operation.
func (c *clustering) IssueToken(ctx context.Context, name string) (*operations.Op, error) {
	self, ok := c.m.Self()
	if !ok {
		return nil, api.BadRequest("This server is not clustered")
	}
	snap := c.d.config.Snapshot()
	expiry := time.Time{}
	if d, err := config.ParseExpiry(snap.Get("cluster.join_token_expiry")); err == nil && d > 0 {
		expiry = time.Now().Add(d)
	}
	addresses := []string{self.Address}
	online, err := c.m.OnlinePeers(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range online {
		addresses = append(addresses, p.Address)
	}
	tok, err := token.New(name, c.m.Transport.Certificate().Fingerprint, addresses, expiry)
	if err != nil {
		return nil, err
	}
	c.revokeTokens(ctx, name, online)
	op, err := c.d.ops.StartToken(ctx, operations.Spec{
		Class: api.OperationClassToken, Description: "Executing operation",
		Resources: map[string][]string{"cluster": nil}, Metadata: token.Metadata(tok),
	}, expiry)
	if err != nil {
		return nil, err
	}
	c.d.hub.PublishLifecycle("", api.EventLifecycle{Action: "cluster-token-created",
		Source: "/1.0/cluster/members", Requestor: request.From(ctx).Lifecycle()})
	return op, nil
}

// revokeTokens cancels the running join tokens issued for name, here and
// on the online peers: as in LXD 5.0.2, a new token for a server name
// replaces the previous one.
func (c *clustering) revokeTokens(ctx context.Context, name string, peers []db.Member) {
	for _, op := range c.d.ops.List("") {
		if t, ok := token.FromMetadata(op.Metadata()); ok && op.Class() == api.OperationClassToken &&
			op.Status() == api.Running && t.ServerName == name {
			_ = op.Cancel()
		}
	}
	for _, p := range peers {
		cli, err := forward.PeerClient(p.Address, c.m.Transport.Certificate(), 5*time.Second)
		if err != nil {
			continue
		}
		ops, err := cli.GetOperations(ctx, true)
		if err != nil {
			continue
		}
		for _, op := range ops["running"] {
			if t, ok := token.FromMetadata(op.Metadata); ok && op.Class == api.OperationClassToken && t.ServerName == name {
				_, _, _ = cli.Query(ctx, http.MethodDelete, "/1.0/operations/"+op.ID, nil, "")
			}
		}
	}
}

// Heartbeat implements the member side of a heartbeat: reload what peers
// may have changed.
func (c *clustering) Heartbeat(ctx context.Context, hb cluster.Heartbeat) error {
	if !c.Enabled() {
		return api.BadRequest("This server is not clustered")
	}
	addresses := make([]string, 0, len(hb.Members))
	for _, m := range hb.Members {
		addresses = append(addresses, m.Address)
	}
	if len(addresses) > 0 {
		_ = c.m.Store.SavePeers(addresses)
	}
	go c.reload()
	return nil
}

func (c *clustering) lifecycle(ctx context.Context, action, member string) {
	c.d.hub.PublishLifecycle("", api.EventLifecycle{Action: action, Source: "/1.0/cluster/members/" + member,
		Requestor: request.From(ctx).Lifecycle()})
}
