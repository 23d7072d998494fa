package cluster

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/tlsutil"
)

// AcceptPath is the endpoint of an existing member that admits a joiner.
const AcceptPath = "/internal/cluster/accept"

// AcceptRequest is what a joiner sends to an existing member. The secret of
// its join token authenticates it.
type AcceptRequest struct {
	Name          string `json:"name"`
	Address       string `json:"address"`
	Secret        string `json:"secret"`
	Schema        int    `json:"schema"`
	APIExtensions int    `json:"api_extensions"`
	Architecture  string `json:"architecture"`
	// Certificate is the joiner's own server certificate (PEM); it is
	// trusted as a "server" certificate named after the member.
	Certificate string `json:"certificate"`
}

// AcceptResponse gives the joiner what it needs to join the database.
type AcceptResponse struct {
	ClusterCertificate string   `json:"cluster_certificate"`
	ClusterKey         string   `json:"cluster_key"`
	Nodes              []string `json:"nodes"` // database node addresses
}

// Accept admits a joiner whose token the caller has already verified: it
// checks the versions and name/address clashes, then records the member and
// trusts its server certificate. The caller adds the cluster key pair to
// the response.
func (m *Manager) Accept(ctx context.Context, req AcceptRequest) (AcceptResponse, error) {
	var resp AcceptResponse
	if _, clustered := m.Self(); !clustered {
		return resp, api.BadRequest("This server is not clustered")
	}
	if req.Name == "" || req.Address == "" {
		return resp, api.BadRequest("The joining server must have a name and an address")
	}
	if req.Schema != m.Version.Schema || req.APIExtensions != m.Version.APIExtensions {
		return resp, api.BadRequest("The joining server version doesn't match (expected schema %d and %d API extensions, got %d and %d)",
			m.Version.Schema, m.Version.APIExtensions, req.Schema, req.APIExtensions)
	}
	fp, _, err := tlsutil.FingerprintPEM([]byte(req.Certificate))
	if err != nil {
		return resp, api.BadRequest("Invalid joining server certificate: %w", err)
	}
	err = m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		return admit(ctx, tx, req, fp)
	})
	if err != nil {
		return resp, err
	}
	nodes, _, err := m.Store.Nodes(ctx)
	if err != nil {
		return resp, err
	}
	for _, n := range nodes {
		resp.Nodes = append(resp.Nodes, n.Address)
	}
	return resp, nil
}

func admit(ctx context.Context, tx *db.Tx, req AcceptRequest, fingerprint string) error {
	if _, err := tx.MemberByName(ctx, req.Name); err == nil {
		return api.BadRequest("The cluster already has a member with name: %s", req.Name)
	}
	if _, err := tx.MemberByAddress(ctx, req.Address); err == nil {
		return api.BadRequest("The cluster already has a member with address: %s", req.Address)
	}
	_, err := tx.CreateMember(ctx, db.Member{Name: req.Name, Address: req.Address, SchemaVersion: req.Schema,
		APIExtensions: req.APIExtensions, Architecture: req.Architecture})
	if err != nil {
		return err
	}
	if err := tx.SetHeartbeat(ctx, req.Address, time.Now()); err != nil {
		return err
	}
	// A previous membership of the same server may have left its
	// certificate behind.
	if _, err := tx.Exec(ctx, "DELETE FROM certificates WHERE fingerprint = ?", fingerprint); err != nil {
		return err
	}
	_, err = tx.CreateCertificate(ctx, db.Certificate{Fingerprint: fingerprint, Type: api.CertificateTypeServer,
		Name: req.Name, Certificate: req.Certificate, Projects: []string{}})
	return err
}

// Remove takes member name out of the cluster: unless force, it must hold
// no objects (instances, images of which it has the only copy, custom
// volumes); the last database voter is kept unless another online member
// can take over the vote. The raft node, the member row and its server
// certificate are removed; the caller tells the member to reset itself.
func (m *Manager) Remove(ctx context.Context, name string, force bool) (db.Member, error) {
	var row db.Member
	err := m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if row, err = tx.MemberByName(ctx, name); err != nil {
			return err
		}
		if force {
			return nil
		}
		if err := memberIsEmpty(ctx, tx, row.ID); err != nil {
			return err
		}
		held, err := m.Hooks.Holdings(ctx, tx, row.ID)
		if err != nil {
			return err
		}
		if len(held) > 0 {
			return api.BadRequest("Cluster member %q still holds %s (remove them first, or force the removal)", name, joinNames(held))
		}
		return nil
	})
	if err != nil {
		return row, err
	}
	if err := m.keepAVoter(ctx, row); err != nil {
		return row, err
	}
	if err := m.Store.RemoveNode(ctx, row.Address); err != nil {
		return row, err
	}
	err = m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM operations WHERE member_id = ?", row.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM certificates WHERE type = ? AND name = ?", api.CertificateTypeServer, row.Name); err != nil {
			return err
		}
		// Images whose only copy was on the member are gone with it.
		_, err := tx.Exec(ctx, `DELETE FROM images WHERE id IN (SELECT image_id FROM images_members WHERE member_id = ?)
			AND id NOT IN (SELECT image_id FROM images_members WHERE member_id <> ?)`, row.ID, row.ID)
		if err != nil {
			return err
		}
		return tx.DeleteMember(ctx, row.ID)
	})
	return row, err
}

// keepAVoter refuses to remove the only database voter unless another
// online member can be promoted first.
func (m *Manager) keepAVoter(ctx context.Context, row db.Member) error {
	nodes, _, err := m.Store.Nodes(ctx)
	if err != nil {
		return err
	}
	voters, isVoter := 0, false
	for _, n := range nodes {
		if n.Role == db.RoleVoter {
			voters++
			isVoter = isVoter || n.Address == row.Address
		}
	}
	if !isVoter || voters > 1 {
		return nil
	}
	online, err := m.OnlinePeers(ctx)
	if err != nil {
		return err
	}
	if self, _ := m.Self(); self.Address != row.Address {
		online = append(online, self)
	}
	for _, peer := range online {
		if peer.Address == row.Address {
			continue
		}
		for _, n := range nodes {
			if n.Address == peer.Address {
				return m.Store.AssignRole(ctx, peer.Address, db.RoleVoter)
			}
		}
	}
	return api.BadRequest("Cluster member %q is the last database voter of the cluster and can't be removed", row.Name)
}

// memberIsEmpty refuses, as LXD 5.0.2 does (an error without a status: 500,
// naming only the first kind of object found), the removal of a member
// that holds instances, the only copy of images, or custom volumes.
func memberIsEmpty(ctx context.Context, tx *db.Tx, memberID int64) error {
	checks := []struct{ what, query string }{
		{"containers", "SELECT name FROM instances WHERE member_id = ? ORDER BY name"},
		{"images", `SELECT DISTINCT i.fingerprint FROM images i JOIN images_members im ON im.image_id = i.id
			WHERE im.member_id = ? AND NOT EXISTS (SELECT 1 FROM images_members o
				WHERE o.image_id = i.id AND o.member_id <> im.member_id) ORDER BY i.fingerprint`},
		{"custom volumes", "SELECT name FROM storage_volumes WHERE member_id = ? AND type = 'custom' ORDER BY name"},
	}
	for _, c := range checks {
		names, err := tx.QueryStrings(ctx, c.query, memberID)
		if err != nil {
			return err
		}
		if len(names) > 0 {
			return fmt.Errorf("Node still has the following %s: %s", c.what, strings.Join(names, ", "))
		}
	}
	return nil
}
