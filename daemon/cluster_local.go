package daemon

import (
	"context"
	"io"

	"github.com/lxdng/lxd/daemon/api"
	shared "github.com/lxdng/lxd/shared/api"
)

// clusterLocal answers the other members' questions about what this member
// holds (api.ClusterLocalService).
type clusterLocal struct{ d *Daemon }

var _ api.ClusterLocalService = clusterLocal{}

// InstanceStates implements api.ClusterLocalService.
func (l clusterLocal) InstanceStates(ctx context.Context, full bool) (map[string]shared.InstanceState, error) {
	return l.d.instances.LocalStates(ctx, full)
}

// CreateLocalPool implements api.ClusterLocalService.
func (l clusterLocal) CreateLocalPool(ctx context.Context, name string) error {
	return l.d.storage.CreateLocalPool(ctx, name)
}

// DeleteLocalPool implements api.ClusterLocalService.
func (l clusterLocal) DeleteLocalPool(ctx context.Context, name string) error {
	return l.d.storage.DeleteLocalPool(ctx, name)
}

// ImageFile implements api.ClusterLocalService.
func (l clusterLocal) ImageFile(ctx context.Context, fp, part string) (io.ReadCloser, error) {
	return l.d.images.LocalFile(fp, part)
}

// PullImage implements api.ClusterLocalService.
func (l clusterLocal) PullImage(ctx context.Context, fp string) error {
	return l.d.images.EnsureLocal(ctx, fp)
}

// DeleteLocalImage implements api.ClusterLocalService.
func (l clusterLocal) DeleteLocalImage(ctx context.Context, fp string) error {
	return l.d.images.DeleteLocal(ctx, fp)
}

// CreateLocalNetwork implements api.ClusterLocalService.
func (l clusterLocal) CreateLocalNetwork(ctx context.Context, project, name string) error {
	return l.d.network.CreateLocal(ctx, project, name)
}

// DeleteLocalNetwork implements api.ClusterLocalService.
func (l clusterLocal) DeleteLocalNetwork(ctx context.Context, project, name string) error {
	return l.d.network.DeleteLocal(ctx, project, name)
}

// NetworkLeases implements api.ClusterLocalService.
func (l clusterLocal) NetworkLeases(ctx context.Context, project, name string) ([]shared.NetworkLease, error) {
	return l.d.network.LocalLeases(ctx, project, name)
}
