package daemon

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/cluster/forward"
	"github.com/lxdng/lxd/cluster/token"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
	"github.com/lxdng/lxd/shared/tlsutil"
)

// joinPlan is a validated PUT /1.0/cluster join request.
type joinPlan struct {
	put     api.ClusterPut
	token   token.Token
	address string   // this member's cluster address
	targets []string // existing members to ask, in order
}

// startJoin checks a join request and starts the "Joining cluster"
// operation.
func (c *clustering) startJoin(ctx context.Context, put api.ClusterPut) (*operations.Op, error) {
	plan := joinPlan{put: put}
	if put.ClusterToken == "" {
		return nil, api.BadRequest("A cluster join token is required (cluster_token): joining by trust password is not supported")
	}
	tok, err := token.Decode(put.ClusterToken)
	if err != nil {
		return nil, err
	}
	if !tok.ExpiresAt.IsZero() && time.Now().After(tok.ExpiresAt) {
		// LXD's joiner learns it from the member it asks to trust it.
		return nil, api.NewStatusError(http.StatusForbidden, "%s: Failed during search for join token operation: %w",
			trustFailure, token.ErrExpired)
	}
	plan.token = tok
	if put.ServerAddress == "" {
		if put.ServerAddress = c.d.config.Snapshot().Get("cluster.https_address"); put.ServerAddress == "" {
			return nil, api.BadRequest("No server address given (server_address) and cluster.https_address is not set")
		}
	}
	plan.put = put
	plan.address = canonicalAddress(put.ServerAddress)
	if put.ClusterAddress != "" {
		plan.targets = append(plan.targets, canonicalAddress(put.ClusterAddress))
	}
	plan.targets = append(plan.targets, tok.Addresses...)
	if err := c.m.CheckJoiner(ctx); err != nil {
		return nil, err
	}
	// Being accepted is quick and its refusals (token, name, address) are
	// the caller's errors: answer them directly; the database join runs in
	// the operation.
	c.joining.Lock()
	resp, err := c.accepted(ctx, plan)
	if err != nil {
		c.joining.Unlock()
		return nil, err
	}
	op, err := c.d.ops.Start(ctx, operations.Spec{
		Description: "Joining cluster", Resources: map[string][]string{"cluster": nil},
	}, func(opCtx context.Context, op *operations.Op) error {
		defer c.joining.Unlock()
		return c.join(opCtx, plan, resp)
	})
	if err != nil {
		c.joining.Unlock()
	}
	return op, err
}

// accepted fetches and checks the cluster certificate, listens on our
// address and asks a member to accept us.
func (c *clustering) accepted(ctx context.Context, plan joinPlan) (cluster.AcceptResponse, error) {
	certPEM, err := c.clusterCertificate(ctx, plan)
	if err != nil {
		return cluster.AcceptResponse{}, err
	}
	undo, err := c.listenFor(ctx, plan.address)
	if err != nil {
		return cluster.AcceptResponse{}, err
	}
	resp, err := c.askToJoin(ctx, plan, certPEM)
	if err != nil {
		_ = c.d.config.Patch(context.WithoutCancel(ctx), undo)
	}
	return resp, err
}

// join replaces our database with the cluster's once accepted.
func (c *clustering) join(ctx context.Context, plan joinPlan, resp cluster.AcceptResponse) error {
	if err := writeKeyPair(c.d.path("cluster.crt"), c.d.path("cluster.key"), resp); err != nil {
		return err
	}
	if err := c.useCertificate(); err != nil {
		return err
	}
	self, err := c.m.Join(ctx, plan.address, resp.Nodes)
	if err != nil {
		return err
	}
	c.savePeers(ctx)
	c.reload()
	if err := c.becomeClustered(ctx, self); err != nil {
		return err
	}
	return c.hooks.ApplyMemberConfig(ctx, self.ID, plan.put.MemberConfig)
}

// clusterCertificate returns the certificate the cluster presents: the one
// given, or the one fetched from a member; either way it must match the
// token's fingerprint.
func (c *clustering) clusterCertificate(ctx context.Context, plan joinPlan) ([]byte, error) {
	if plan.put.ClusterCertificate != "" {
		fp, _, err := tlsutil.FingerprintPEM([]byte(plan.put.ClusterCertificate))
		if err != nil {
			return nil, api.BadRequest("Invalid cluster certificate: %w", err)
		}
		if fp != plan.token.Fingerprint {
			return nil, api.BadRequest("The cluster certificate's fingerprint %s doesn't match the join token's %s", fp, plan.token.Fingerprint)
		}
		return []byte(plan.put.ClusterCertificate), nil
	}
	var lastErr error
	for _, addr := range plan.targets {
		cli, err := client.ConnectHTTPS("https://"+addr, &client.Options{InsecureSkipVerify: true, Timeout: 5 * time.Second})
		if err != nil {
			return nil, err
		}
		pem, err := cli.PeerCertificate(ctx)
		if err != nil {
			lastErr = err
			continue
		}
		fp, _, err := tlsutil.FingerprintPEM(pem)
		if err != nil {
			return nil, err
		}
		if fp != plan.token.Fingerprint {
			return nil, api.BadRequest("Certificate fingerprint mismatch between join token and cluster member %q (got %s, token has %s)",
				addr, fp, plan.token.Fingerprint)
		}
		return pem, nil
	}
	return nil, api.BadRequest("Failed to connect to any cluster member of the join token: %v", lastErr)
}

// listenFor makes this server listen on its cluster address (and on
// core.https_address too when that is unset); undo reverts it.
func (c *clustering) listenFor(ctx context.Context, address string) (undo map[string]string, err error) {
	snap := c.d.config.Snapshot()
	changes := map[string]string{"cluster.https_address": address}
	undo = map[string]string{"cluster.https_address": snap.Get("cluster.https_address")}
	if snap.Get("core.https_address") == "" {
		changes["core.https_address"] = address
		undo["core.https_address"] = ""
	}
	return undo, c.d.config.Patch(ctx, changes)
}

// trustFailure prefixes a member's refusal to accept us, in LXD's words
// (its joiner first adds its certificate to the cluster's trust store).
const trustFailure = "Failed to setup cluster trust: Failed to add server cert to cluster"

// askToJoin asks the existing members, in order, to accept us.
func (c *clustering) askToJoin(ctx context.Context, plan joinPlan, certPEM []byte) (cluster.AcceptResponse, error) {
	req := cluster.AcceptRequest{
		Name: plan.put.ServerName, Address: plan.address, Secret: plan.token.Secret,
		Schema: c.m.Version.Schema, APIExtensions: c.m.Version.APIExtensions,
		Architecture: hostArchitecture(), Certificate: string(c.d.cert.CertPEM),
	}
	var resp cluster.AcceptResponse
	var lastErr error
	for _, addr := range plan.targets {
		cli, err := client.ConnectHTTPS("https://"+addr, &client.Options{ClientCert: c.d.cert, ServerCertPEM: certPEM, Timeout: 30 * time.Second})
		if err != nil {
			return resp, err
		}
		r, _, err := cli.Query(ctx, http.MethodPost, cluster.AcceptPath, req, "")
		if err == nil {
			err = r.MetadataAsStruct(&resp)
			return resp, err
		}
		if api.StatusOf(err) < 500 && api.StatusOf(err) != http.StatusNotFound {
			return resp, fmt.Errorf("%s: %w", trustFailure, err) // a refusal, not an unreachable member
		}
		lastErr = fmt.Errorf("Cluster member %s: %w", addr, err)
	}
	return resp, lastErr
}

// Accept implements the existing member's side of a join: the token must
// be one of the cluster's running join tokens.
func (c *clustering) Accept(ctx context.Context, req cluster.AcceptRequest) (cluster.AcceptResponse, error) {
	if !c.Enabled() {
		return cluster.AcceptResponse{}, api.BadRequest("This server is not clustered")
	}
	found, err := c.findToken(ctx, req.Secret)
	if err != nil {
		return cluster.AcceptResponse{}, err
	}
	if err := token.Verify(found.token, req.Secret, req.Name, time.Now()); err != nil {
		return cluster.AcceptResponse{}, err
	}
	resp, err := c.m.Accept(ctx, req)
	if err != nil {
		return resp, err
	}
	found.consume(ctx)
	c.savePeers(ctx)
	certPEM, err := os.ReadFile(c.d.path("cluster.crt"))
	if err != nil {
		return resp, err
	}
	keyPEM, err := os.ReadFile(c.d.path("cluster.key"))
	if err != nil {
		return resp, err
	}
	resp.ClusterCertificate, resp.ClusterKey = string(certPEM), string(keyPEM)
	_ = c.d.trust.Reload(ctx)
	c.lifecycle(ctx, "cluster-member-added", req.Name)
	return resp, nil
}

type foundToken struct {
	token   token.Token
	consume func(ctx context.Context)
}

// findToken looks for the running join token with secret here, then on the
// other online members.
func (c *clustering) findToken(ctx context.Context, secret string) (foundToken, error) {
	if op, ok := c.d.ops.FindToken(func(md map[string]any) bool {
		t, ok := token.FromMetadata(md)
		return ok && t.Secret == secret
	}); ok {
		t, _ := token.FromMetadata(op.Metadata())
		return foundToken{token: t, consume: func(context.Context) { c.d.ops.CompleteToken(op) }}, nil
	}
	peers, err := c.m.OnlinePeers(ctx)
	if err != nil {
		return foundToken{}, err
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
			t, ok := token.FromMetadata(op.Metadata)
			if !ok || op.Class != api.OperationClassToken || t.Secret != secret {
				continue
			}
			id := op.ID
			return foundToken{token: t, consume: func(ctx context.Context) {
				_, _, _ = cli.Query(ctx, http.MethodDelete, "/1.0/operations/"+id, nil, "")
			}}, nil
		}
	}
	return foundToken{}, api.Forbidden("No matching cluster join operation found")
}

// Reset implements the removed member's side: answer, then wipe the
// cluster state and restart as a standalone server.
func (c *clustering) Reset(ctx context.Context) error {
	if !c.Enabled() {
		return api.BadRequest("This server is not clustered")
	}
	go func() {
		time.Sleep(200 * time.Millisecond) // let the answer go out
		c.d.resetToStandalone()
	}()
	return nil
}

// UpdateCertificate implements PUT /1.0/cluster/certificate: every other
// member switches first (they still trust our current certificate), then
// this one.
func (c *clustering) UpdateCertificate(ctx context.Context, put api.ClusterCertificatePut) error {
	if !c.Enabled() {
		return api.BadRequest("This server is not clustered")
	}
	if _, err := tlsutil.FromPEM([]byte(put.ClusterCertificate), []byte(put.ClusterCertificateKey)); err != nil {
		return api.BadRequest("Invalid cluster certificate or key: %w", err)
	}
	if err := c.notifier.NotifyOnline(ctx, http.MethodPut, "/internal/cluster/certificate", put); err != nil {
		return err
	}
	if err := c.ReplaceCertificate(ctx, put); err != nil {
		return err
	}
	c.d.hub.PublishLifecycle("", api.EventLifecycle{Action: "cluster-certificate-updated",
		Source: "/1.0/cluster/certificate", Requestor: request.From(ctx).Lifecycle()})
	return nil
}

// ReplaceCertificate installs a new cluster certificate on this member.
func (c *clustering) ReplaceCertificate(ctx context.Context, put api.ClusterCertificatePut) error {
	resp := cluster.AcceptResponse{ClusterCertificate: put.ClusterCertificate, ClusterKey: put.ClusterCertificateKey}
	if err := writeKeyPair(c.d.path("cluster.crt"), c.d.path("cluster.key"), resp); err != nil {
		return err
	}
	return c.useCertificate()
}

// resetToStandalone turns a removed member back into a fresh standalone
// server: database wiped, cluster certificate dropped, and the process
// re-executed. It keeps server.crt, daemon.yaml (core.https_address and,
// as LXD 5.0.2 does, cluster.https_address: without the cluster
// certificate it no longer makes the member clustered) and files on disk.
func (d *Daemon) resetToStandalone() {
	d.log.Warn("Removed from the cluster: resetting to a standalone server")
	d.ready.Store(false)
	d.cluster.stopLoops()
	d.servers.closeAll()
	if d.db != nil {
		_ = d.db.Close(context.Background())
	}
	if err := db.Wipe(d.path("database")); err != nil {
		d.log.WithError(err).Error("Failed to wipe the database")
	}
	_ = os.Remove(d.path("cluster.crt"))
	_ = os.Remove(d.path("cluster.key"))
	reexec(d.log)
}

func loadKeyPair(certFile, keyFile string) (*tlsutil.KeyPair, error) {
	kp, err := tlsutil.Load(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("Failed to load cluster certificate: %w", err)
	}
	return kp, nil
}

func writeKeyPair(certFile, keyFile string, resp cluster.AcceptResponse) error {
	if _, err := tlsutil.FromPEM([]byte(resp.ClusterCertificate), []byte(resp.ClusterKey)); err != nil {
		return fmt.Errorf("Invalid cluster certificate: %w", err)
	}
	if err := writeFileAtomic(keyFile, []byte(resp.ClusterKey), 0o600); err != nil {
		return err
	}
	return writeFileAtomic(certFile, []byte(resp.ClusterCertificate), 0o644)
}

func copyFile(src, dst string, mode os.FileMode) error {
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return writeFileAtomic(dst, data, mode)
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// savePeers records every member's address for the next start of the
// database node (see db.Store.SavePeers).
func (c *clustering) savePeers(ctx context.Context) {
	var addresses []string
	err := c.m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		members, err := tx.Members(ctx)
		for _, m := range members {
			addresses = append(addresses, m.Address)
		}
		return err
	})
	if err == nil {
		err = c.m.Store.SavePeers(addresses)
	}
	if err != nil {
		c.d.log.WithError(err).Debug("Failed to save the member addresses")
	}
}
