package daemon

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/lxdng/lxd/daemon/images"
	"github.com/lxdng/lxd/shared/api"
)

// imagePeers lets the image store reach the other members: members pull
// image files from each other over the cluster-authenticated HTTPS.
type imagePeers struct{ c *clustering }

var _ images.Peers = imagePeers{}

func (p imagePeers) Clustered() bool { return p.c.Enabled() }

// MinimalReplica implements images.Peers.
func (p imagePeers) MinimalReplica() int {
	n, err := strconv.Atoi(p.c.d.config.Snapshot().Get("cluster.images_minimal_replica"))
	if err != nil {
		return 3
	}
	return n
}

// OnlineMembers implements images.Peers.
func (p imagePeers) OnlineMembers(ctx context.Context) ([]string, error) {
	peers, err := p.c.m.OnlinePeers(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(peers, func(i, j int) bool { return peers[i].ID < peers[j].ID })
	out := make([]string, 0, len(peers))
	for _, m := range peers {
		out = append(out, m.Name)
	}
	return out, nil
}

func imagePeerPath(fp string) string { return "/internal/cluster/images/" + fp }

// ImageFile implements images.Peers.
func (p imagePeers) ImageFile(ctx context.Context, member, fp, part string) (io.ReadCloser, error) {
	cli, err := p.c.memberClient(ctx, member, 0)
	if err != nil {
		return nil, err
	}
	resp, err := cli.Raw(ctx, http.MethodGet, imagePeerPath(fp)+"/files/"+part, nil, nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		var env api.Response
		_ = json.NewDecoder(resp.Body).Decode(&env)
		return nil, &api.StatusError{Status: resp.StatusCode, Msg: env.Error}
	}
	return resp.Body, nil
}

// Replicate implements images.Peers.
func (p imagePeers) Replicate(ctx context.Context, member, fp string) error {
	cli, err := p.c.memberClient(ctx, member, 10*time.Minute)
	if err != nil {
		return err
	}
	_, _, err = cli.Query(ctx, http.MethodPost, imagePeerPath(fp)+"/pull", nil, "")
	return err
}

// DeleteImage implements images.Peers.
func (p imagePeers) DeleteImage(ctx context.Context, fp string) error {
	return p.c.notifier.NotifyAll(ctx, http.MethodDelete, imagePeerPath(fp), nil)
}
