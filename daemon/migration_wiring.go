package daemon

import (
	"context"
	"net/http"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/cluster/forward"
	"github.com/lxdng/lxd/daemon/migration"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// startMigration builds the migration service over the storage and
// instance services, and routes migration requests in a cluster.
func (d *Daemon) startMigration() *migration.Service {
	d.migration = migration.New(migration.Options{Ops: d.ops, Volumes: d.storage, Instances: d.instances,
		Cluster: clusterPeers{d.cluster}})
	d.cluster.registerMigrationRoutes()
	return d.migration
}

// registerMigrationRoutes: POST /1.0/instances/<name>?target=<member> is
// served by the member holding the instance (target names where it goes),
// and an operation is always served by the member running it, whatever
// ?target= the client adds (lxc waits on a move's operation with the
// destination as target).
func (c *clustering) registerMigrationRoutes() {
	c.owners.TargetIsParameter(http.MethodPost, "/1.0/instances/{name}")
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		c.owners.TargetIsParameter(method, "/1.0/operations/{id}")
		c.owners.TargetIsParameter(method, "/1.0/operations/{id}/*")
	}
	c.owners.Register("/1.0/instances/{name}", func(r *http.Request, params map[string]string) (string, bool, error) {
		if r.Method != http.MethodPost {
			return "", false, nil
		}
		project := r.URL.Query().Get("project")
		if project == "" {
			project = "default"
		}
		var member string
		err := c.m.Store.Tx(r.Context(), func(ctx context.Context, tx *db.Tx) error {
			inst, err := tx.Instance(ctx, project, params["name"])
			member = inst.Member
			return err
		})
		if api.StatusOf(err) == http.StatusNotFound {
			return "", false, nil
		}
		return member, err == nil, err
	})
}

// clusterPeers gives the migration service the members' APIs.
type clusterPeers struct{ c *clustering }

func (p clusterPeers) Self() (string, string, bool) {
	m, ok := p.c.m.Self()
	return m.Name, m.Address, ok
}

func (p clusterPeers) Member(ctx context.Context, name string) (*client.Client, string, error) {
	var m db.Member
	err := p.c.m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		m, err = tx.MemberByName(ctx, name)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	cl, err := forward.PeerClient(m.Address, p.c.m.Transport.Certificate(), 0)
	return cl, m.Address, err
}

func (p clusterPeers) Certificate() string {
	if kp := p.c.m.Transport.Certificate(); kp != nil {
		return string(kp.CertPEM)
	}
	return ""
}
